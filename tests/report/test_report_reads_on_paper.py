"""The report reads on paper and for short runs: n/a reasons printed, empty sections explained, sweep axes in the
measure's unit and scale, every assumption with a why, SPC seasonality named."""

from __future__ import annotations

import re

import pandas as pd
from report_sample import MODELS, report_data, scorecard

from carenet.report import ReportData, render_html
from carenet.report.charts import _sweep_domain, readable_setting


def _text(page: str) -> str:
    """The page as a reader sees it printed: tags and their attributes (hover titles) gone."""
    return re.sub(r"<[^>]+>", " ", page)


def test_reasons_for_n_a_are_printed_not_only_on_hover() -> None:
    page = render_html(report_data())
    assert "Why some cells are n/a" in page
    assert "needs slot diaries" in _text(page)


def test_a_short_run_with_empty_sections_still_makes_a_report_that_says_what_it_cannot_show() -> None:
    data = report_data()
    short = ReportData(title="short", models=MODELS, scorecard=scorecard(), continuity_by_segment=pd.DataFrame(),
                       waits=pd.DataFrame(), workload=data.workload, spc=pd.DataFrame(),
                       absent={"spc": "the run scores 3 whole weeks"})
    text = _text(render_html(short))
    assert "Not shown: SPC charts of weekly waits: the run scores 3 whole weeks" in text
    assert "Not shown: Continuity by segment:" in text and "Not shown: Wait distributions:" in text


def test_sweep_shows_shares_as_percentages_and_does_not_stretch_a_small_change() -> None:
    rows = pd.DataFrame([{"setting": s, "model": "micro_teams", "measure": "share_same_day",
                          "label": "Seen the same day", "mean": 0.25 + 0.001 * s, "lo": 0.249 + 0.001 * s,
                          "hi": 0.251 + 0.001 * s}
                         for s in range(11)])
    low, high = _sweep_domain(rows)
    assert high - low >= 0.2 * 0.255  # a 0.01 change takes a fifth of the axis at most
    page = render_html(ReportData(title="sweep", models=MODELS, scorecard=scorecard().iloc[0:0], sweep=rows,
                                  sweep_parameter="twin.demand.patient_choice.wait_for_named_gp.value"))
    assert "25%" in page and "0.25<" not in page
    assert "Sensitivity to wait for named gp" in page
    assert "twin.demand.patient_choice.wait_for_named_gp.value" in page  # the path, once, for who wants to change it


def test_sweep_axis_never_goes_below_zero_for_a_count() -> None:
    rows = pd.DataFrame({"mean": [0.1, 0.12], "lo": [0.0, 0.02], "hi": [0.2, 0.22]})
    assert _sweep_domain(rows)[0] == 0.0


def test_readable_setting_names() -> None:
    assert readable_setting("twin.booking.continuity_value.value.1") == "continuity value"
    assert readable_setting("model.booking.horizon_days") == "horizon days"


def test_every_assumption_has_a_why() -> None:
    data = report_data()
    data.assumptions = pd.DataFrame([
        {"parameter": "model micro_teams: booking", "value": "x", "tag": "V", "source": "King's Fund", "rationale": ""},
        {"parameter": "twin.a", "value": "1", "tag": "A", "source": "assumption", "rationale": None},
    ])
    page = render_html(data)
    rows = re.findall(r"<tr><td><code>.*?</tr>", page.split('id="assumptions"')[1])
    whys = [re.findall(r"<td>(.*?)</td>", row)[4] for row in rows]  # parameter, value, range, tag, why
    assert len(whys) == 2 and all(w.strip() for w in whys)


def test_assumptions_show_each_range_or_why_it_is_fixed() -> None:
    from carenet.twin.experiments.manifest import parameter_assumptions

    rows = {r["parameter"]: r for r in parameter_assumptions()}
    assert rows["twin.effects.continuity_acs_admission_reduction"]["range"] == "0–0.0755"
    assert rows["network.triage.same_day_to_routine"]["range"] == "0, 0–0.2, 0–0.3, 0.1–0.5"
    assert rows["twin.effects.reference_upc"]["range"].startswith("fixed: a reference point by definition")
    assert rows["twin.calendar.working_days_per_year"]["range"] == ""  # D: no range asked of it
    assert all(r["range"] for r in rows.values() if r["tag"] in ("A", "M"))
    data = report_data()
    data.assumptions = pd.DataFrame([rows[p] for p in ("twin.effects.proactive_acute_reduction",
                                                       "measures_population.acute_window_days")])
    page = render_html(data).split('id="assumptions"')[1]
    assert "<th>range</th>" in page
    assert "<td>0–0.2<br><span" in page and "zero: controlled evaluations of case management" in page
    assert "fixed: a definition of the measure" in page
    data.assumptions = data.assumptions.drop(columns=["range", "range_note"])  # a run recorded before ranges
    assert "<th>range</th>" in render_html(data)


def test_spc_says_the_twin_s_seasonality_is_expected_variation() -> None:
    text = _text(render_html(report_data()))
    assert "twin.calendar.month_appointments_per_working_day" in text
    assert "expected seasonal variation" in text
