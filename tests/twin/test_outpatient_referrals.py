"""Referrals to hospital outpatient clinics: drawn at attended consultations at the national rate, fewer with GP
continuity (Hansen 2013), from a stream of the run's seed of their own."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from carenet.measures import informal_referral_share
from carenet.measures.backend import load
from carenet.measures.segments import Period
from carenet.models import load_model
from carenet.twin import run_model
from carenet.twin.effects import EffectError, Effects
from carenet.twin.ledger import ATTENDED
from carenet.twin.output import outpatient_referrals, run_summary, run_tables
from carenet.twin.settings import twin_settings

DAYS = 60


@pytest.fixture(scope="module")
def runs(run_start):
    """The same run with no continuity effect on referrals and with a strong one (odds ratio 0.3), on practices
    large enough to have several GPs each (so that patients see other GPs than their usual one)."""
    from carenet.population.practices import demo_practices  # noqa: PLC0415
    from carenet.population.synthesise import synthesise  # noqa: PLC0415

    population = synthesise(demo_practices(), seed=11, patients=20_000)
    base = Effects.from_parameters()
    return {ratio: run_model(load_model("traditional"), population, start=run_start, days=DAYS, seed=5,
                             effects=base.replace(continuity_outpatient_referral_odds_ratio=ratio))
            for ratio in (1.0, 0.3)}


def test_referrals_leave_the_network_from_an_attended_consultation(runs):
    run = runs[1.0]
    tables = run_tables(run)
    referrals, appointments = tables["referrals"], tables["appointments"]
    out = referrals.filter(pc.equal(referrals["kind"], "outpatient")).to_pylist()
    assert len(out) == run_summary(run)["outpatient_referrals"] > 100
    assert all(r["to_clinician_id"] is None and r["to_service_id"] is None for r in out)
    seen = {(a["patient_id"], a["clinician_id"], a["booked_for"]) for a in appointments.to_pylist()
            if a["status"] == "attended"}
    assert all((r["patient_id"], r["from_clinician_id"], r["created_at"]) in seen for r in out)
    # identifiers stay unique across referrals within the network and out of it
    assert len(set(referrals["referral_id"].to_pylist())) == referrals.num_rows


def test_without_the_continuity_effect_a_consultation_refers_at_the_national_rate(runs):
    """13.6 million GP referrals over 55.6 million people and about five consultations a person-year: 0.049 a
    consultation (parameters.yaml twin.outpatient)."""
    run = runs[1.0]
    p = twin_settings().outpatient.referral_probability_per_contact
    attended = int(((run.record.outcome == ATTENDED) & (run.record.bookings.day < run.days)).sum())
    made = outpatient_referrals(run).size
    assert p == pytest.approx(0.049)
    assert abs(made - p * attended) < 4 * np.sqrt(attended * p * (1 - p))


def test_continuity_with_the_usual_gp_lowers_the_chance_of_a_referral(runs):
    """With odds ratio 0.3 from UPC 0 to 1, a consultation of a patient above the national UPC refers less often
    than one of a patient below it; nothing else of the run moves."""
    run, strong = runs[1.0], runs[0.3]
    assert np.array_equal(run.record.outcome, strong.record.outcome)  # the effect is drawn after the run
    ref = run.setup.effects.reference_upc
    rows = np.flatnonzero((strong.record.outcome == ATTENDED) & (strong.record.bookings.day < strong.days))
    patient = strong.record.requests.patient[rows].astype(np.int64)
    upc = strong.state.gp_continuity(ref, patient)
    made = np.isin(rows, outpatient_referrals(strong))
    high, low = upc >= 0.9, upc < 0.6
    assert high.sum() > 500 and low.sum() > 300
    # odds ratio 0.3 per unit of UPC: at least a third fewer from 0.6 to 0.9
    assert made[high].mean() < 0.8 * made[low].mean()


def test_outpatient_referrals_are_not_referrals_between_professionals(runs):
    """The informal-advice share counts referrals to a clinician of the network only."""
    run = runs[1.0]
    tables = load(run_tables(run))
    referrals = tables.con.to_pyarrow(tables["referrals"])
    between = referrals.filter(pc.is_valid(referrals["to_clinician_id"]))
    assert not pc.any(pc.equal(between["kind"], "outpatient")).as_py()
    informal = pc.sum(pc.equal(between["kind"], "informal")).as_py() / between.num_rows
    dates = run.setup.calendar.dates
    share = informal_referral_share(tables, Period(dates[0].astype(object), dates[DAYS - 1].astype(object)))
    assert share == pytest.approx(informal, abs=1e-9)


def test_the_odds_ratio_must_be_a_reduction_or_none():
    with pytest.raises(EffectError, match="continuity_outpatient_referral_odds_ratio"):
        Effects.from_parameters().replace(continuity_outpatient_referral_odds_ratio=1.5)
    assert Effects.none().continuity_outpatient_referral_odds_ratio == 1.0
