"""Effects: named, sourced, overridable - and each moves outcomes in the expected direction."""

from __future__ import annotations

import numpy as np
import pytest

from carenet.models import load_model
from carenet.network.requests import NEED, ORIGIN
from carenet.twin import EffectError, Effects, run_model
from carenet.twin.model_steps import Admissions
from carenet.twin.run import _thinning, demand_ceiling
from carenet.twin.state import RunState

DAYS = 45


@pytest.fixture(scope="module")
def micro_teams():
    return load_model("micro_teams")


@pytest.fixture(scope="module")
def traditional():
    return load_model("traditional")


def _run(model, population, start, effects, seed=21, days=DAYS):
    return run_model(model, population, start=start, days=days, seed=seed, effects=effects)


def test_effects_load_with_sources_and_can_be_overridden():
    base = Effects.from_parameters()
    rows = {r["name"]: r for r in base.describe()}
    assert set(rows) == set(Effects.names())
    assert all(r["source"] and r["tag"] in {"V", "D", "S", "M", "A"} for r in rows.values())
    acs = rows["continuity_acs_admission_reduction"]
    assert acs["value"] == 0.0622 and acs["tag"] == "V" and acs["range"] == [0.0, 0.0755]  # Barker 2017, from zero
    changed = base.replace_from_text(["proactive_acute_reduction=0.3", "misroute_probability.gp=0.2",
                                      "repeat_contact_lag_days=2,4"])
    assert changed.proactive_acute_reduction == 0.3 and changed.misroute_probability["gp"] == 0.2
    assert changed.repeat_contact_lag_days == (2, 4)
    flagged = {r["name"] for r in changed.describe() if r["overridden"]}
    assert flagged == {"proactive_acute_reduction", "misroute_probability", "repeat_contact_lag_days"}


@pytest.mark.parametrize("bad, message", [
    (["no_such_effect=1"], "unknown effect"),
    (["proactive_acute_reduction=1.5"], "between 0 and 1"),
    (["proactive_acute_reduction"], "name=value"),
    (["proactive_acute_reduction=lots"], "not a number"),
])
def test_bad_overrides_are_clear_errors(bad, message):
    with pytest.raises(EffectError, match=message):
        Effects.from_parameters().replace_from_text(bad)


def test_continuity_means_fewer_return_contacts(micro_teams, small_population, run_start):
    """Micro-teams book in the team; the stronger the continuity effect, the fewer returns."""
    base = Effects.from_parameters()
    rates = []
    for reduction in (0.0, 0.9):
        run = _run(micro_teams, small_population, run_start, base.replace(continuity_repeat_reduction=reduction,
                                                                         repeat_contact_probability=0.4))
        origin = run.record.requests.origin
        rates.append((origin == ORIGIN["repeat"]).sum() / (origin == ORIGIN["episode"]).sum())
    assert rates[1] < 0.8 * rates[0], rates


def test_proactive_review_means_fewer_acute_episodes(micro_teams, small_population, run_start):
    base = Effects.from_parameters()
    per_patient = []
    for reduction in (0.0, 0.9):
        run = _run(micro_teams, small_population, run_start, base.replace(proactive_acute_reduction=reduction))
        req = run.record.requests
        covered = run.state.proactive
        assert covered.sum() > 50  # the top risk tier is under a care plan / case management
        acute = (req.origin == ORIGIN["episode"]) & np.isin(req.need, [NEED["acute_minor"], NEED["acute_complex"]])
        per_patient.append(acute[covered[req.patient]].sum() / covered.sum())
    assert per_patient[1] < 0.5 * per_patient[0], per_patient


def test_wrong_role_means_an_extra_contact(traditional, small_population, run_start):
    base = Effects.from_parameters()
    extra = {}
    for p in (0.0, 1.0):
        run = _run(traditional, small_population, run_start,
                   base.replace(wrong_role_extra_contact_probability=p), days=25)
        extra[p] = int((run.record.requests.origin == ORIGIN["extra_contact"]).sum())
    assert extra[0.0] == 0 and extra[1.0] > 20, extra
    none = _run(traditional, small_population, run_start,
                base.replace(misroute_probability=dict.fromkeys(base.misroute_probability, 0.0)), days=25)
    assert (none.record.requests.origin == ORIGIN["extra_contact"]).sum() == 0


def test_social_prescribing_thins_psychosocial_demand_only():
    effects = Effects.from_parameters().replace(social_prescribing_psychosocial_reduction=0.28,
                                                proactive_acute_reduction=0.1, demand_response=0.0)
    state = RunState(3)
    state.prescribed[:] = [True, False, True]
    state.proactive[:] = [False, False, True]
    state.same_day_share = np.array([0.9])
    keep = _thinning(state, effects, np.zeros(3, np.int64))
    patient = np.array([0, 1, 0, 2, 2])
    need = np.array([NEED["psychosocial"], NEED["psychosocial"], NEED["medication"], NEED["psychosocial"],
                     NEED["acute_minor"]])
    assert keep(patient, need) == pytest.approx([0.72, 1.0, 1.0, 0.72, 0.9])


def _admissions(setup, continuity_share: float, rounds: int) -> int:
    """Admissions over ``rounds`` passes of the run's calendar, every patient at the given continuity."""
    total = 0
    for r in range(rounds):
        state = RunState(len(setup.frame))
        state.gp_visits[:] = 10
        state.gp_usual[:] = round(10 * continuity_share)
        step = Admissions(setup, state, setup.effects)
        rng = np.random.default_rng(100 + r)
        for day in range(setup.calendar.days):
            step.requests(day, rng)
        total += len(state.admissions)
    return total


def test_continuity_effect_is_barkers_on_the_acs_share(micro_teams, small_population, run_start):
    """0.2 more GP UPC: 6.22% fewer ACS admissions, so 0.17 x 6.22% fewer emergency admissions in all."""
    setup = _run(micro_teams, small_population, run_start, Effects.from_parameters(), days=5).setup
    step = Admissions(setup, RunState(len(setup.frame)), setup.effects)
    reference = setup.effects.reference_upc
    ratio = step._factor(np.array([reference + 0.2]))[0] / step._factor(np.array([reference]))[0]
    assert ratio == pytest.approx(1 - 0.17 * 0.0622)
    off = Admissions(setup, RunState(len(setup.frame)), setup.effects.replace(continuity_acs_admission_reduction=0.0))
    assert off._factor(np.array([0.0, 1.0])) == pytest.approx([1.0, 1.0])


def test_continuity_means_fewer_admissions(micro_teams, small_population, run_start):
    """The same patients, always or never seen by their usual GP: admissions follow the effect (made large here)."""
    effects = Effects.from_parameters().replace(acs_share_of_admissions=1.0, continuity_acs_admission_reduction=0.2)
    setup = _run(micro_teams, small_population, run_start, effects, days=5).setup
    full, none = _admissions(setup, 1.0, 30), _admissions(setup, 0.0, 30)
    assert 2.2 < none / full < 4.2, (full, none)  # 0.8 ** -5 = 3.05 between no and full continuity


def test_demand_responds_to_the_access_a_practice_offers():
    """At the reference same-day share demand is as calibrated; better access draws more, worse deters some."""
    effects = Effects.from_parameters().replace(demand_response=0.5, demand_response_reference=0.4,
                                                proactive_acute_reduction=0.0,
                                                social_prescribing_psychosocial_reduction=0.0)
    state = RunState(3)
    state.same_day_share = np.array([0.4, 1.0, 0.0])  # practices 0, 1, 2
    keep = _thinning(state, effects, np.array([0, 1, 2]))
    ceiling = demand_ceiling(effects)
    assert ceiling == pytest.approx(1.3)
    drawn = keep(np.array([0, 1, 2]), np.full(3, NEED["acute_minor"])) * ceiling  # relative to the calibrated rate
    assert drawn == pytest.approx([1.0, 1.3, 0.8])
    off = Effects.from_parameters().replace(demand_response=0.0)
    assert demand_ceiling(off) == 1.0
    assert _thinning(state, off, np.array([0, 1, 2]))(np.array([0, 1, 2]), np.full(3, NEED["acute_minor"])) == \
        pytest.approx([1.0, 1.0, 1.0])


def test_every_effect_has_a_range_and_a_run_can_take_either_end():
    """Low takes zero wherever controlled evaluations found no effect; the run says which end it used."""
    low, central, high = (Effects.from_parameters(level) for level in ("low", "central", "high"))
    for name in ("continuity_acs_admission_reduction", "proactive_acute_reduction",
                 "social_prescribing_psychosocial_reduction", "continuity_repeat_reduction", "demand_response"):
        assert getattr(low, name) == 0.0 < getattr(central, name) <= getattr(high, name), name
    assert high.continuity_acs_admission_reduction == 0.0755
    assert low.misroute_probability["gp"] < central.misroute_probability["gp"] < high.misroute_probability["gp"]
    rows = {r["name"]: r for r in high.describe()}
    assert rows["proactive_acute_reduction"]["level"] == "high" and rows["reference_upc"]["level"] == "central"
    with pytest.raises(EffectError, match="low, central, high"):
        Effects.from_parameters("medium")
