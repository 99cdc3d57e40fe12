"""Simulated figures read from canonical tables: a dataset built here with known figures gives exactly those."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pytest
from validation_sample import (
    APPOINTMENTS,
    DNA,
    GP_APPOINTMENTS,
    INTERVAL_DAYS,
    OLD,
    OUTCOMES_OF_UNBOOKED,
    PERIOD,
    UNBOOKED_REQUESTS,
    YOUNG,
    Synthetic,
    build,
)

from carenet.measures import load
from carenet.measures.segments import DAYS_PER_YEAR
from carenet.validation import ValidationInputError, pooled, simulated_figures
from carenet.validation.simulated import outpatient_referral_rate


@pytest.fixture(scope="module")
def figures(synthetic: Synthetic, settings) -> pd.DataFrame:
    return simulated_figures(synthetic.folder, settings, PERIOD)


def _values(figures: pd.DataFrame, measure: str) -> dict[str, float]:
    rows = figures[figures["measure"] == measure]
    return dict(zip(rows["group"], rows["value"], strict=True))


def test_booking_interval_shares_are_exactly_the_built_ones(figures: pd.DataFrame) -> None:
    expected = {band: n / APPOINTMENTS for band, (_, n) in INTERVAL_DAYS.items()}
    assert _values(figures, "booking_interval") == pytest.approx(expected, abs=1e-12)
    assert _values(figures, "same_day_share")[""] == pytest.approx(INTERVAL_DAYS["same_day"][1] / APPOINTMENTS)


def test_staff_dna_and_mode_shares(figures: pd.DataFrame) -> None:
    assert _values(figures, "staff_share") == pytest.approx(
        {"gp": GP_APPOINTMENTS / APPOINTMENTS, "other_practice_staff": 1 - GP_APPOINTMENTS / APPOINTMENTS})
    assert _values(figures, "dna_rate")[""] == pytest.approx(DNA / APPOINTMENTS)
    assert _values(figures, "mode_share") == pytest.approx(
        {"face_to_face": 0.70, "telephone": 0.20, "video_online": 0.06, "home_visit": 0.04})


def test_consultation_rate_is_appointments_over_registered_patient_years(figures, synthetic: Synthetic) -> None:
    years = PERIOD.days / DAYS_PER_YEAR
    rates = _values(figures, "consultation_rate")
    assert rates["25-44"] == pytest.approx(synthetic.young_appointments / (YOUNG * years))
    assert rates["65-74"] == pytest.approx(synthetic.old_appointments / (OLD * years))
    assert math.isnan(rates["0-4"])
    note = figures.loc[(figures["measure"] == "consultation_rate") & (figures["group"] == "0-4"), "note"].iloc[0]
    assert "no registered patient-time" in note


def test_continuity_by_practice_size_over_barkers_patients(figures: pd.DataFrame) -> None:
    # OLD_A at the small practice saw G1, G1, G2; OLD_B at the large one saw G3 twice; the young are outside 62-82.
    assert _values(figures, "upc") == pytest.approx({"small": 2 / 3, "large": 1.0, "all": 5 / 6})
    assert _values(figures, "coc") == pytest.approx({"small": 1 / 3, "large": 1.0, "all": 2 / 3})


def test_unmet_demand_without_request_outcomes(figures: pd.DataFrame) -> None:
    # Ten requests never booked and the five booked more than 28 days out have no appointment within the horizon.
    assert _values(figures, "unmet_demand")[""] == pytest.approx((UNBOOKED_REQUESTS + 5) / (APPOINTMENTS + 10))
    outcomes = figures[figures["measure"] == "unmet_outcome"]
    assert outcomes["value"].isna().all() and outcomes["note"].str.contains("records no request outcomes").all()


def test_unmet_demand_and_what_patients_did_from_request_outcomes(settings, tmp_path) -> None:
    figures = simulated_figures(build(tmp_path / "run", outcomes=True).folder, settings, PERIOD)
    ended = [o for o in OUTCOMES_OF_UNBOOKED if o != "waiting"]  # a request still waiting is not counted yet
    assert _values(figures, "unmet_demand")[""] == pytest.approx(len(ended) / (APPOINTMENTS + len(ended)))
    instead = _values(figures, "unmet_outcome")
    assert instead == pytest.approx({"abandoned": 4 / 9, "redirected_ae": 3 / 9, "redirected_111": 2 / 9,
                                     "redirected_utc": 0.0, "redirected_pharmacy": 0.0})


def test_replications_are_pooled_by_their_mean(figures: pd.DataFrame) -> None:
    other = figures.assign(value=figures["value"] + 0.1)
    both = pooled([figures, other]).set_index(["measure", "group"])
    assert both.loc[("dna_rate", ""), "value"] == pytest.approx(DNA / APPOINTMENTS + 0.05)
    assert math.isnan(both.loc[("consultation_rate", "0-4"), "value"])
    assert "no registered patient-time" in both.loc[("consultation_rate", "0-4"), "note"]


def test_a_folder_that_is_not_a_dataset_is_named(settings, tmp_path) -> None:
    with pytest.raises(ValidationInputError, match="nowhere: no such run folder"):
        simulated_figures(tmp_path / "nowhere", settings, PERIOD)


def test_outpatient_referrals_per_patient_year(figures: pd.DataFrame) -> None:
    """Referrals of kind outpatient made in the period over registered patient-years; n/a, with why, for data that
    record no outpatient referral (the sample holds no referrals table)."""
    row = figures[figures["measure"] == "outpatient_referral_rate"].iloc[0]
    assert math.isnan(row["value"]) and "referrals" in row["note"]
    start = PERIOD.start
    patients = pa.table({"patient_id": ["A", "B", "C", "D"], "birth_date": [dt.date(1980, 1, 1)] * 4,
                         "sex": ["female"] * 4, "practice_id": ["P1"] * 4,
                         "registered_from": [dt.date(2020, 1, 1)] * 3 + [dt.date(2025, 7, 2)]})
    made = [("A", "outpatient", 10), ("B", "outpatient", 100), ("C", "outpatient", 200), ("A", "formal", 50),
            ("B", "outpatient", -30)]  # a formal referral, and one made before the period, are not counted
    referrals = pa.table({
        "referral_id": [f"F{i}" for i in range(len(made))], "patient_id": [m[0] for m in made],
        "kind": [m[1] for m in made],
        "created_at": [dt.datetime.combine(start + dt.timedelta(days=m[2]), dt.time(10)) for m in made]})
    got = outpatient_referral_rate(load({"patients": patients, "referrals": referrals}), PERIOD)
    years = (3 * PERIOD.days + (PERIOD.end - dt.date(2025, 7, 2)).days + 1) / DAYS_PER_YEAR
    assert got[0]["value"] == pytest.approx(3 / years)
