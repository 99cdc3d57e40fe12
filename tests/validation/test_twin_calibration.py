"""The twin held to published figures, and to telling models apart, on the demo network.

A validation test, not a regression snapshot: the traditional model's booking intervals and
same-day share must sit within five percentage points of Dorset's 2019/20 "Appointments in
General Practice" distribution, and its GP continuity by list size within 0.05 of Barker et al.
(BMJ 2017). Every library model runs on the same network: no continuity index may come out at
exactly 1.000, and no measure may be identical for every model unless it must be by definition.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from carenet.models import list_models
from carenet.twin.experiments import compare_models, simulate_model
from carenet.validation import ValidationSettings, validate_folder

COMPARISON_PATIENTS, COMPARISON_DAYS = 16_000, 90
"""Every library model on a smaller demo network (practices of about 2,000 to 4,500 patients, so each has more
than one GP as practices of that size do): enough to tell the models apart, quick enough for every test run."""
BAND_TOLERANCE = 0.05
UPC_TOLERANCE = 0.05

SAME_BY_DEFINITION = {"population"}
"""Scorecard sections that are the same for every model on one population whatever the model does: the
population's profile (list size, segments, risk tiers, multimorbidity, frailty)."""


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("comparison")
    return compare_models(list_models(), "demo", out, years=None, days=COMPARISON_DAYS, reps=1, seed=5,
                          demo_patients=COMPARISON_PATIENTS, workers=1)


@pytest.fixture(scope="module")
def traditional(tmp_path_factory, dorset: Path) -> pd.DataFrame:
    """The traditional model for a year on the full demo network (practices of 6,100 to 14,200: small and large)."""
    out = tmp_path_factory.mktemp("calibration")
    simulate_model("traditional", "demo", out, years=1.0, reps=1, seed=5, workers=1)  # winter's queues too
    return validate_folder(out, "traditional", dorset, ValidationSettings.from_parameters()).table


def _figure(table: pd.DataFrame, measure: str, group: str) -> pd.Series:
    rows = table[(table["measure"] == measure) & (table["group"] == group)]
    assert len(rows) == 1, (measure, group)
    return rows.iloc[0]


def test_booking_intervals_within_five_points_of_dorset(traditional):
    bands = traditional[traditional["measure"] == "booking_interval"]
    assert len(bands) == 7
    gaps = {row.group: abs(row.simulated - row.published) for row in bands.itertuples()}
    assert max(gaps.values()) <= BAND_TOLERANCE, gaps


def test_same_day_share_within_five_points_of_dorset(traditional):
    same = _figure(traditional, "booking_interval", "same_day")
    assert abs(same.simulated - same.published) <= BAND_TOLERANCE, (same.simulated, same.published)


def test_traditional_gp_continuity_by_list_size_matches_barker(traditional):
    for group in ("small", "large"):
        row = _figure(traditional, "upc", group)
        assert abs(row.simulated - row.published) <= UPC_TOLERANCE, (group, row.simulated, row.published)


def test_no_continuity_index_at_exactly_one(comparison):
    card = comparison.scorecard
    continuity = card[card["attribute"] == "continuity"]
    assert len(continuity) > 0
    ones = continuity[continuity["mean"].round(3) == 1.0]
    assert ones.empty, ones[["model", "measure", "mean"]].to_string()


def test_no_measure_identical_for_every_model(comparison):
    card = comparison.scorecard
    measured = card[card["mean"].notna() & ~card["attribute"].isin(SAME_BY_DEFINITION)]
    identical = []
    for measure, rows in measured.groupby("measure"):
        if rows["model"].nunique() < len(list_models()):
            continue
        values = rows["mean"].to_numpy()
        if all(math.isclose(v, values[0], rel_tol=1e-9, abs_tol=1e-12) for v in values):
            identical.append(f"{measure} = {values[0]}")
    assert not identical, identical


def test_gp_third_next_available_is_a_wait_in_every_model(comparison):
    """A GP's third free slot is days away in every model, as in practices with any backlog: never 0 throughout."""
    card = comparison.scorecard
    gp = card[card["measure"] == "third_next_available_gp"]
    assert len(gp) == len(list_models())
    assert (gp["mean"] > 0.5).all(), gp[["model", "mean"]].to_string()
