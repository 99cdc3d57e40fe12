"""``carenet twin effects`` reads at 80 columns: each effect's value, range and tag on one line, its source on the
next (cut to one line unless --full, which also says why each range is what it is)."""

from __future__ import annotations

import io

from rich.console import Console

from carenet.cli import commands_twin as ct
from carenet.twin import Effects


def _printed(monkeypatch, width: int = 80, full: bool = False) -> str:
    out = Console(width=width, file=io.StringIO(), color_system=None)
    monkeypatch.setattr(ct, "console", out)
    ct.effects(full=full)
    return out.file.getvalue()


def test_effects_list_their_ranges_at_80_columns(monkeypatch):
    text = _printed(monkeypatch)
    lines = text.splitlines()
    assert max(map(len, lines)) <= 80
    by_name = {line.split()[0]: line.split()[1:] for line in lines if line and not line.startswith(" ")}
    assert set(Effects.names()) <= set(by_name)
    assert by_name["continuity_acs_admission_reduction"] == ["0.0622", "0–0.0755", "V"]
    assert by_name["reference_upc"] == ["0.61", "fixed", "V"]
    assert by_name["repeat_contact_lag_days"] == ["3,", "10", "2–5,", "7–15", "A"]
    assert "  gp                                       0.05    0.02–0.1" in lines  # a dict effect, a line a key
    assert "  Barker I, Steventon A, Deeny SR. BMJ 2017;356:j84 (6.22%…" in lines  # a source cut to one line


def test_full_prints_sources_whole_and_why_each_range(monkeypatch):
    text = " ".join(_printed(monkeypatch, full=True).split())
    assert "95% CI 4.87% to 7.55%" in text
    assert "range: zero: an observational association" in text
    assert "range: fixed: a reference point by definition" in text
    assert max(map(len, _printed(monkeypatch, full=True).splitlines())) <= 80


def test_short_source_cuts_at_a_word():
    assert ct.short_source("short") == "short"
    cut = ct.short_source("word " * 30, limit=20)
    assert cut.endswith("…") and len(cut) <= 20 and not cut[:-1].endswith(" ")
