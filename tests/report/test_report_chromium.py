"""The report as a person sees it: headless Chromium opens the file offline; its DOM and screenshot show data.

Chromium runs with networking features off and a throwaway profile; the page has nothing to fetch.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from report_png import read_png
from report_sample import report_data

from carenet.report import write_report

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WINDOW = (1280, 5200)
MODEL_COLOURS = {"Traditional partnership": (0x4C, 0x78, 0xA8), "Multidisciplinary micro-teams": (0xF5, 0x85, 0x18)}
"""Tableau-10's first two colours, which the report gives to the first two models."""

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="Chromium is not installed (/usr/bin/chromium)")


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90, check=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[str, np.ndarray]:
    tmp = tmp_path_factory.mktemp("chromium")
    page = write_report(report_data(with_sweep=True), tmp / "report.html")
    dom = _chromium(tmp, "--dump-dom", page.as_uri()).stdout
    shot = tmp / "shot.png"
    _chromium(tmp, f"--screenshot={shot}", f"--window-size={WINDOW[0]},{WINDOW[1]}", page.as_uri())
    return dom, read_png(shot.read_bytes())


def test_dom_has_every_chart_with_marks(rendered) -> None:
    dom, _ = rendered
    figures = re.findall(r'<figure class="chart" data-chart="([a-z_]+)">(.*?)</figure>', dom, re.S)
    names = {name for name, _ in figures}
    assert {"frontier", "continuity_by_segment", "waits", "workload", "spc", "sweep", "sweep_frontier"} <= names
    for name, body in figures:
        marks = re.findall(r'<path[^>]*role="graphics-symbol"[^>]*\sd="M[^"]+"', body)
        assert len(marks) >= 3, f"chart {name} drew {len(marks)} data marks"


def test_dom_keeps_the_numbers(rendered) -> None:
    dom, _ = rendered
    assert "Staff cost per registered patient per year" in dom
    assert "£88.00" in dom  # digital-first's cost in sample.py, formatted for people


def test_screenshot_is_not_blank_and_shows_the_model_colours(rendered) -> None:
    _, pixels = rendered
    rgb = pixels[..., :3].astype(np.int16)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    inked = (rgb < 235).any(axis=2).mean()
    assert inked > 0.05, f"only {inked:.1%} of the page is drawn on"
    for title, colour in MODEL_COLOURS.items():
        close = (np.abs(rgb - np.array(colour)).max(axis=2) <= 8).sum()
        assert close > 500, f"{title}'s colour covers only {close} pixels: its chart marks did not render"
