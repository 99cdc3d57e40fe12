"""The report page: self-contained, every section present, charts drawn from the data, bad input refused."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from report_sample import MODELS, report_data, scorecard

from carenet.report import ReportData, ReportError, render_html, write_report
from carenet.report.summary import differences, model_sentence


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(report_data(with_sweep=True))


def test_page_is_self_contained(page: str) -> None:
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page
    for cdn in ("cdn.", "jsdelivr", "unpkg", "googleapis"):
        assert cdn not in page


def test_every_section_and_model_is_there(page: str) -> None:
    for anchor in ("summary", "models", "scorecard", "frontier", "continuity-segments", "waits", "workload", "spc",
                   "sweep", "assumptions", "reproduce"):
        assert f'id="{anchor}"' in page
    for title in MODELS["title"]:
        assert title in page
    assert "carenet compare traditional micro_teams digital_first" in page


def _chart(page: str, name: str) -> str:
    match = re.search(rf'<figure class="chart" data-chart="{name}">(.*?)</figure>', page, re.S)
    assert match, f"no {name} chart"
    return match.group(1)


@pytest.mark.parametrize("name", ["frontier", "continuity_by_segment", "waits", "workload", "spc", "sweep",
                                  "sweep_frontier"])
def test_charts_are_inline_svg_with_data_marks(page: str, name: str) -> None:
    svg = _chart(page, name)
    assert svg.lstrip().startswith("<svg")
    assert len(re.findall(r'role="graphics-symbol"', svg)) >= 3


def test_frontier_marks_carry_the_models_values(page: str) -> None:
    svg = _chart(page, "frontier")
    labels = re.findall(r'aria-label="([^"]*)"', svg)
    values = " ".join(labels)
    assert "Multidisciplinary micro-teams" in values
    assert "3.1" in values and "0.66" in values  # micro-teams' mean wait and UPC from sample.py


def test_summary_names_the_tradeoff() -> None:
    card = scorecard()
    diffs = differences(card, "traditional", "micro_teams", 0.02)
    verdicts = {d.measure: d.verdict for d in diffs}
    assert verdicts["upc"] == "better" and verdicts["mean_wait_days"] == "worse"
    sentence = model_sentence("Micro-teams", "Traditional", diffs)
    assert "trade-off" in sentence and "access" in sentence and "continuity" in sentence


def test_overlapping_intervals_are_not_a_difference() -> None:
    card = scorecard()
    row = (card["model"] == "micro_teams") & (card["measure"] == "upc")
    card.loc[row, ["mean", "lo", "hi"]] = [0.49, 0.40, 0.58]
    diffs = {d.measure: d.verdict for d in differences(card, "traditional", "micro_teams", 0.02)}
    assert diffs["upc"] == "same"


def test_best_and_worst_are_shaded(page: str) -> None:
    table = page[page.index('<table class="scorecard">'):]
    row = re.search(r"<tr><th>Usual provider of care \(UPC, mean\).*?</tr>", table, re.S).group(0)
    assert 'class="best"' in row and 'class="worst"' in row


def test_write_is_atomic_and_readable(tmp_path) -> None:
    target = write_report(report_data(), tmp_path / "out" / "report.html")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]


def test_missing_columns_are_named() -> None:
    with pytest.raises(ReportError, match="'waits' lacks column"):
        ReportData(title="x", models=MODELS, scorecard=scorecard(), waits=pd.DataFrame({"model": ["traditional"]}))


def test_scorecard_models_must_be_listed() -> None:
    card = scorecard()
    card.loc[0, "model"] = "nobody"
    with pytest.raises(ReportError, match="nobody"):
        ReportData(title="x", models=MODELS, scorecard=card)


def test_absent_sections_say_so() -> None:
    page = render_html(ReportData(title="bare", models=MODELS, scorecard=scorecard()))
    assert "Not shown: SPC charts of weekly waits: the scored period holds fewer than two whole weeks" in page
    assert "Not shown: Wait distributions: no request was answered" in page
    assert 'data-chart="frontier"' in page  # the frontier comes from the scorecard itself


def _sweep_rows(second: tuple[float, ...] = (None,)) -> pd.DataFrame:
    rows = []
    for s2 in second:
        for s in (0.0, 5.0, 10.0):
            for key, label, base, slope in (("mean_wait_days", "Mean wait", 1.5, 0.05), ("upc", "UPC", 0.7, 0.02)):
                mean = base + slope * s + (0.1 * s2 if s2 is not None else 0.0)
                rows.append({"setting": s, "setting2": s2, "model": "micro_teams", "measure": key, "label": label,
                             "mean": mean, "lo": mean - 0.01, "hi": mean + 0.01})
    return pd.DataFrame(rows)


def test_a_sweep_alone_is_a_page_of_its_own() -> None:
    empty = scorecard().iloc[0:0]
    page = render_html(ReportData(title="sweep", models=MODELS, scorecard=empty, sweep=_sweep_rows(),
                                  sweep_parameter="twin.booking.continuity_value.value.1"))
    assert 'id="sweep"' in page and 'id="reproduce"' in page and 'id="scorecard"' not in page
    assert len(re.findall(r'role="graphics-symbol"', _chart(page, "sweep_frontier"))) >= 3


def test_two_settings_draw_one_line_each() -> None:
    empty = scorecard().iloc[0:0]
    page = render_html(ReportData(title="sweep", models=MODELS, scorecard=empty, sweep=_sweep_rows((1.0, 2.0)),
                                  sweep_parameter="model.booking.horizon_days and model.panels.x"))
    svg = _chart(page, "sweep_frontier")
    assert "model.panels.x = 1" in svg and "model.panels.x = 2" in svg
