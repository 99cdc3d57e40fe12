"""The comparison's scorecard reads at 80 columns (names and numbers whole: models by name or letter with a legend,
split over tables when need be) and uses a wider terminal; a difference the relative-tolerance rule suppressed is
said on the output."""

from __future__ import annotations

import io
import types

import pandas as pd
import pytest
from rich.console import Console

from carenet.cli import commands_experiments as ce

MODELS = ["traditional", "micro_teams", "health_care_home", "community_centred", "federation_hub", "digital_first"]
MEASURES = [("access", "mean_wait_days", "Mean wait, request to appointment", "days", "lower"),
            ("continuity", "upc", "Usual provider of care (UPC, mean)", "score", "higher"),
            ("cost", "staff_cost_per_patient_gbp", "Staff cost per registered patient per year", "gbp", "lower")]


def _comparison(models: list[str], cost_step: float = 0.0) -> types.SimpleNamespace:
    rows = []
    for i, model in enumerate(models):
        for attribute, measure, label, unit, better in MEASURES:
            mean = {"days": 9.0 + i, "score": 0.6 + 0.05 * i, "gbp": 119.0 + cost_step * i}[unit]
            half = 0.001 * mean if unit == "gbp" else 0.05 * mean
            rows.append({"model": model, "attribute": attribute, "measure": measure, "label": label, "unit": unit,
                         "better": better, "mean": mean, "lo": mean - half, "hi": mean + half, "reps": 2, "note": ""})
    titles = pd.DataFrame({"model": models, "title": [m.replace("_", " ").title() for m in models]})
    return types.SimpleNamespace(scorecard=pd.DataFrame(rows), models=titles, model_names=models)


def _printed(monkeypatch, comparison, width: int, tolerance: float = 0.02) -> str:
    out = Console(width=width, file=io.StringIO(), color_system=None)
    monkeypatch.setattr(ce, "console", out)
    ce.print_comparison(comparison, tolerance)
    return out.file.getvalue()


@pytest.mark.parametrize("count", [2, 6])
def test_at_80_columns_nothing_is_cut(monkeypatch, count: int) -> None:
    text = _printed(monkeypatch, _comparison(MODELS[:count]), 80)
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for model in MODELS[:count]:
        assert model in text  # as a column heading, or in the legend beside its letter
    assert "Usual provider of care" in text and "9.0" in text and f"{9 + count - 1}.0" in text


def test_a_wide_terminal_shows_every_model_by_name_in_one_table(monkeypatch) -> None:
    text = _printed(monkeypatch, _comparison(MODELS), 200)
    header = next(line for line in text.splitlines() if "measure" in line)
    assert all(model in header for model in MODELS)
    assert text.count("Scorecard:") == 1


def test_a_difference_within_the_relative_tolerance_is_said_to_be_suppressed(monkeypatch) -> None:
    text = _printed(monkeypatch, _comparison(MODELS[:2], cost_step=1.0), 160)
    assert "not called differences: staff cost per registered patient per year £119 → £120" in text
    assert "within the 2% relative tolerance" in text and "measures_compare.relative_tolerance" in text


def test_score_a_b_marks_changes_the_relative_tolerance_calls_the_same() -> None:
    import datetime as dt

    from carenet.measures.compare import compare, render_comparison
    from carenet.measures.scorecard import Scorecard
    from carenet.measures.segments import Period

    period = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    a = Scorecard(period, "duckdb", {"access": {"mean_wait_days": 10.0, "share_same_day": 0.30}})
    b = Scorecard(period, "duckdb", {"access": {"mean_wait_days": 10.1, "share_same_day": 0.40}})
    out = Console(width=160, file=io.StringIO(), color_system=None)
    out.print(render_comparison(compare(a, b, 0.02)))
    text = out.file.getvalue()
    assert "same *" in text
    assert "1 change(s) within the 2% relative tolerance (measures_compare.relative_tolerance)" in text
