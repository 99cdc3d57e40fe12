"""Co-ordination, person-centred care, community focus and workforce: hand-worked examples on every backend.

The same measures are checked against the pure-Python oracle on generated networks in test_population_spec.py.
"""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from small_network import AS_OF, START, canonical

from carenet.measures import ComplexPatientRule, Period, PopulationConfig, profile_for
from carenet.measures.community import NeedWeights, community_summary
from carenet.measures.coordination import coordination_summary
from carenet.measures.person_centred import person_centred_summary
from carenet.measures.support import Unsupported
from carenet.measures.workforce import RedirectRule, workforce_summary
from carenet.params import parameter
from carenet.schema import CarenetError, can_handle

WEIGHTS = {w["condition"]: w["weight"] for w in parameter("cambridge_multimorbidity_score_general.weights")}
CONFIG = PopulationConfig(WEIGHTS, 28, 3, ComplexPatientRule(3, ("moderate", "severe"), 5))
PERIOD = Period(START, AS_OF)
YEAR = Period(date(2023, 7, 1), date(2024, 6, 29))  # 365 days


def at(day: int, month: int = 6, hour: int = 9) -> datetime:
    return datetime(2024, month, day, hour)


def person(pid: str, practice: str = "P1", decile: int | None = None) -> dict:
    return {"patient_id": pid, "birth_date": date(1950, 1, 1), "sex": "male", "practice_id": practice,
            "registered_from": date(2000, 1, 1), "deprivation_decile": decile}


def hf(pid: str) -> dict:
    """Heart failure: segment 7, so a complex patient."""
    return {"patient_id": pid, "snomed_code": "84114007", "register": "HF", "onset_date": date(2020, 1, 1)}


def appt(aid: str, pid: str, when: datetime, **extra) -> dict:
    return {"appointment_id": aid, "patient_id": pid, "booked_for": when, "status": "attended", **extra}


def summaries(make_tables, rows: dict, period: Period = PERIOD) -> dict:
    tables = make_tables(canonical(rows))
    profile = profile_for(tables, period.end, CONFIG)
    return {**coordination_summary(tables, profile, period, 7), **person_centred_summary(tables, profile, period),
            **community_summary(tables, period, 90), **workforce_summary(tables, period, 42)}


def test_coordination_by_hand(make_tables):
    rows = {
        "patients": [person("a"), person("b"), person("c"), person("d")],
        "conditions": [hf("a"), hf("b"), hf("c")],  # three complex patients; d is not
        "clinicians": [{"clinician_id": c, "role": r, "fte": 1.0, "practice_id": "P1"}
                       for c, r in (("g1", "gp"), ("g2", "gp"), ("n1", "practice_nurse"))],
        "care_plans": [
            {"care_plan_id": "1", "patient_id": "a", "key_worker_id": "n1", "status": "active",
             "created_date": date(2024, 1, 1), "review_date": date(2024, 12, 1)},
            {"care_plan_id": "2", "patient_id": "b", "key_worker_id": None, "status": "active",
             "created_date": date(2024, 1, 1)},
            {"care_plan_id": "3", "patient_id": "c", "key_worker_id": "g1", "status": "completed",
             "created_date": date(2023, 1, 1)},  # completed: not live
            {"care_plan_id": "5", "patient_id": "c", "key_worker_id": "g1", "status": "active",
             "created_date": date(2024, 7, 1)},  # agreed after the reference date
            {"care_plan_id": "4", "patient_id": "d", "key_worker_id": "g1", "status": "active",
             "created_date": date(2024, 1, 1)},
        ],
        "requests": [{"request_id": r, "patient_id": "a", "practice_id": "P1", "requested_at": at(1),
                      "need_type": "acute_minor", "urgency": "routine", "channel": "telephone"} for r in ("r1", "r2")],
        "appointments": [
            appt("x1", "a", at(2), clinician_id="g1", request_id="r1"),
            appt("x2", "a", at(3), clinician_id="n1", request_id="r1"),
            appt("x3", "a", at(4), clinician_id="g1", request_id="r1"),  # r1: 2 distinct professionals
            appt("x4", "a", at(5), clinician_id="g2", request_id="r2"),  # r2: 1
            appt("x5", "b", at(10), clinician_id="g1"),  # 3 days after b's discharge: in time
            appt("x6", "c", at(20), clinician_id="g1"),  # 8 days after c's discharge: late
        ],
        "referrals": [
            {"referral_id": "f1", "patient_id": "a", "to_clinician_id": "n1", "kind": "informal",
             "created_at": at(2)},
            {"referral_id": "f2", "patient_id": "a", "to_clinician_id": "g2", "kind": "formal", "created_at": at(3)},
            {"referral_id": "f3", "patient_id": "a", "to_clinician_id": "g2", "kind": "informal", "created_at": at(4)},
            {"referral_id": "f4", "patient_id": "a", "to_service_id": "S1", "kind": "formal", "created_at": at(4)},
        ],
        "community_services": [{"service_id": "S1", "name": "walking", "category": "exercise"}],
        "tasks": [
            {"task_id": "t1", "patient_id": "b", "kind": "discharge", "created_at": at(7), "status": "open"},
            {"task_id": "t2", "patient_id": "c", "kind": "discharge", "created_at": at(12), "status": "open"},
            {"task_id": "t3", "patient_id": "c", "kind": "recall", "created_at": at(12), "status": "open"},
        ],
    }
    got = summaries(make_tables, rows)
    assert math.isclose(got["care_plan_coverage"], 2 / 3)
    assert math.isclose(got["key_worker_coverage"], 1 / 3)
    assert math.isclose(got["professionals_per_episode"], 1.5)
    assert math.isclose(got["informal_referral_share"], 2 / 3)  # the community referral is not between professionals
    assert math.isclose(got["discharge_follow_up"], 0.5)


def test_professionals_per_episode_follow_the_episode(make_tables):
    from carenet.measures.coordination import professionals_per_episode

    def requests(episodes: list[str | None]) -> list[dict]:
        return [{"request_id": f"r{i}", "patient_id": "a", "practice_id": "P1", "requested_at": at(1 + i),
                 "need_type": "acute_minor", "urgency": "routine", "channel": "telephone", "episode_id": e}
                for i, e in enumerate(episodes)]

    clinicians = [{"clinician_id": c, "role": "gp", "fte": 1.0, "practice_id": "P1"} for c in ("g1", "g2", "g3")]
    visits = [appt(f"x{i}", "a", at(2 + i), clinician_id=c, request_id=f"r{i}") for i, c in enumerate(("g1", "g2",
                                                                                                      "g3"))]
    base = {"patients": [person("a")], "clinicians": clinicians, "appointments": visits}
    # r1 returns to r0's episode: one episode seen by g1 and g2, one (r2) by g3.
    linked = make_tables(canonical({**base, "requests": requests(["r0", "r0", "r2"])}))
    assert math.isclose(professionals_per_episode(linked, PERIOD), 1.5)
    # Without episodes every request is one contact: the value could only be 1, so it says why instead.
    unlinked = professionals_per_episode(make_tables(canonical({**base, "requests": requests([None] * 3)})), PERIOD)
    assert isinstance(unlinked, Unsupported) and "episode_id" in unlinked.reason


def test_person_centred_by_hand(make_tables):
    rows = {
        "patients": [person("a"), person("b"), person("c")],
        "conditions": [hf("a")],
        "clinicians": [{"clinician_id": "g", "role": "gp", "fte": 1.0, "practice_id": "P1"}],
        "appointments": [
            appt("1", "a", at(1), role="gp", need_type="acute_complex", duration_minutes=20),
            appt("2", "a", at(2), role="clinical_pharmacist", need_type="medication"),  # usual length: 30
            # a practice nurse's scope does not cover mental health
            appt("3", "b", at(3), role="practice_nurse", need_type="mental_health", duration_minutes=15),
            appt("4", "b", at(4), role="fcp", need_type="musculoskeletal", duration_minutes=20),
            appt("5", "c", at(5), duration_minutes=None, role=None, need_type="acute_minor"),  # no minutes, no role
            appt("6", "a", datetime(2023, 6, 30, 9), role="gp", duration_minutes=60),  # before the period
        ],
        "care_plans": [
            {"care_plan_id": "1", "patient_id": "a", "status": "active", "created_date": date(2024, 1, 1),
             "goals_patient_set": True},
            {"care_plan_id": "2", "patient_id": "b", "status": "active", "created_date": date(2024, 1, 1),
             "goals_patient_set": False},
            {"care_plan_id": "3", "patient_id": "c", "status": "active", "created_date": date(2024, 1, 1),
             "goals_patient_set": None},
            {"care_plan_id": "4", "patient_id": "c", "status": "draft", "created_date": date(2024, 1, 1),
             "goals_patient_set": True},
        ],
    }
    got = summaries(make_tables, rows, YEAR)
    assert math.isclose(got["minutes_per_complex_patient_year"], 50 / (365 / 365.25))
    assert math.isclose(got["minutes_per_other_patient_year"], 35 / 2 / (365 / 365.25))
    assert math.isclose(got["needs_in_scope_share"], 3 / 4)
    assert math.isclose(got["patient_set_goals_share"], 1 / 2)


def test_community_by_hand(make_tables):
    rows = {
        "networks": [{"network_id": "N", "name": "N", "kind": "pcn"}],
        "practices": [{"practice_id": "P1", "name": "P1", "list_size": 2, "network_id": "N"},
                      {"practice_id": "P2", "name": "P2", "list_size": 2, "network_id": "N"}],
        # P1 serves deciles 1-2 (quintile 1), P2 deciles 9-10 (quintile 5); one patient without a decile
        "patients": [person("a", "P1", 1), person("b", "P1", 2), person("c", "P2", 9), person("d", "P2", 10),
                     person("e", "P2", None)],
        "clinicians": [
            {"clinician_id": "g1", "role": "gp", "fte": 1.0, "practice_id": "P1"},
            {"clinician_id": "g2", "role": "gp", "fte": 3.0, "practice_id": "P2"},
            {"clinician_id": "lw", "role": "splw", "fte": 1.0, "network_id": "N"},  # shared 2:3 by list size
            {"clinician_id": "ad", "role": "admin", "fte": 5.0, "practice_id": "P1"},  # not clinical
        ],
        "community_services": [{"service_id": "S1", "name": "walking", "category": "exercise"}],
        "social_prescriptions": [
            {"social_prescription_id": "s1", "patient_id": "a", "referred_at": at(5), "taken_up": True},
            {"social_prescription_id": "s2", "patient_id": "c", "referred_at": at(6), "taken_up": False},
            {"social_prescription_id": "s3", "patient_id": "d", "referred_at": at(7), "taken_up": None},
            {"social_prescription_id": "s4", "patient_id": "d", "referred_at": datetime(2023, 1, 1), "taken_up": True},
        ],
        "requests": [{"request_id": f"r{p}", "patient_id": p, "practice_id": "P1", "requested_at": at(1),
                      "need_type": "psychosocial", "urgency": "routine", "channel": "telephone"} for p in "abc"],
        "referrals": [{"referral_id": "f", "patient_id": "b", "to_service_id": "S1", "kind": "formal",
                       "created_at": datetime(2024, 5, 31, 9)}],  # before b's request: does not count
    }
    got = summaries(make_tables, rows, YEAR)
    assert math.isclose(got["social_prescriptions_per_1000_year"], 3 * 1000 / (365 / 365.25) / 5)
    assert math.isclose(got["social_prescription_take_up"], 1 / 2)
    assert math.isclose(got["psychosocial_met_in_community"], 2 / 3)
    # quintile 1: P1 FTE (1 GP + 2/5 of the link worker) over P1's 2 patients
    assert math.isclose(got["clinicians_per_100k_q1"], (1 + 0.4) / 2 * 100_000)
    assert math.isclose(got["gps_per_100k_q1"], 1 / 2 * 100_000)
    assert math.isclose(got["gps_per_100k_q5"], 3 / 3 * 100_000)
    assert math.isclose(got["gp_inverse_care_ratio"], 0.5)
    assert isinstance(got["gps_per_100k_q3"], Unsupported)


def test_clinicians_by_deprivation_are_need_adjusted(make_tables):
    weights = NeedWeights()
    # P1 serves two 80-year-old women in quintile 1; P2 two 30-year-old men in quintile 5; one GP each.
    old, young = (date(1944, 1, 1), "female"), (date(1994, 1, 1), "male")
    rows = {
        "practices": [{"practice_id": p, "name": p, "list_size": 2} for p in ("P1", "P2")],
        "patients": [{**person(f"{p}{k}", p, decile), "birth_date": born, "sex": sex}
                     for p, decile, (born, sex) in (("P1", 1, old), ("P2", 10, young)) for k in range(2)],
        "clinicians": [{"clinician_id": f"g{p}", "role": "gp", "fte": 1.0, "practice_id": p} for p in ("P1", "P2")],
    }
    got = summaries(make_tables, rows)
    r = weights.female_to_male[6]
    heavy, light = weights.rates[6] * 2 * r / (1 + r), weights.rates[3] * 2 / (1 + weights.female_to_male[3])
    mean = (heavy + light) / 2
    # each practice's GP is spread over its patients' weights: 1 FTE per (2 x weight / mean)
    assert math.isclose(got["gps_per_100k_q1"], 100_000 / (2 * heavy / mean))
    assert math.isclose(got["gps_per_100k_q5"], 100_000 / (2 * light / mean))
    assert math.isclose(got["gp_inverse_care_ratio"], light / heavy)  # equal heads, unequal need
    with pytest.raises(CarenetError, match="need weights"):
        NeedWeights(bands=(5, 10), rates=(1.0, 2.0), female_to_male=(1.0, 1.0))


def test_need_weights_are_the_documented_parameters():
    weights, entry = NeedWeights(), "measures_need_weights"
    assert list(weights.bands) == parameter(f"{entry}.age_band_rates")["bands"]
    assert list(weights.rates) == parameter(f"{entry}.age_band_rates")["rate"]
    assert list(weights.female_to_male) == parameter(f"{entry}.female_to_male_rate_ratio.value")
    assert weights.multimorbidity_rate_ratio == parameter(f"{entry}.multimorbidity_rate_ratio.value")
    assert weights.min_ltc_count == parameter(f"{entry}.multimorbidity_rate_ratio")["min_ltc_count"]


def test_workforce_by_hand(make_tables):
    rows = {
        "patients": [person("a")],
        "clinicians": [
            {"clinician_id": "g", "role": "gp", "fte": 1.0, "practice_id": "P1", "sessions_per_week": 6.0},
            {"clinician_id": "n", "role": "practice_nurse", "fte": 0.5, "practice_id": "P1"},  # 4.5 sessions
        ],
        "appointments": [
            appt("1", "a", at(1), clinician_id="g", role="gp", need_type="ltc_review", duration_minutes=40),
            appt("2", "a", at(2), clinician_id="g", need_type="mental_health", duration_minutes=20),  # role from diary
            {**appt("3", "a", at(3), clinician_id="g", role="gp", need_type="acute_minor", duration_minutes=30),
             "status": "did_not_attend"},  # the slot was used, but no need was met
            appt("4", "a", at(4), clinician_id="n", role="practice_nurse", duration_minutes=25),
            {**appt("5", "a", at(5), clinician_id="n", role="practice_nurse", duration_minutes=25),
             "status": "cancelled"},
        ],
    }
    period = Period(date(2024, 6, 1), date(2024, 6, 14))  # two weeks
    got = summaries(make_tables, rows, period)
    worked = 2 * 42 / 52
    assert math.isclose(got["utilisation_gp"], 90 / (6 * 250 * worked))
    assert math.isclose(got["utilisation_practice_nurse"], 25 / (4.5 * 250 * worked))
    assert math.isclose(got["utilisation_all"], 115 / (10.5 * 250 * worked))
    # the rule lets a practice nurse take a fifth of GP time on ltc reviews, and no mental-health role works here:
    # 0.2 x 40 of the GP's 60 attended minutes could move
    assert math.isclose(got["gp_redirectable_share"], 8 / 60)
    assert math.isclose(got["gp_redirectable_hours_year"], 8 / 60 / (14 / 365.25))


def test_a_role_with_no_bookable_diary_has_no_utilisation_rather_than_none_used(make_tables):
    """A health and wellbeing coach the model routes nothing to holds sessions but no diary: their utilisation of
    appointment time is not 0%, it is not a figure at all (their time is work other than appointments)."""
    from carenet.measures.reference import ref_workforce  # noqa: PLC0415

    clinicians = [{"clinician_id": "g", "role": "gp", "fte": 1.0, "practice_id": "P1", "sessions_per_week": 6.0},
                  {"clinician_id": "h", "role": "hwbc", "fte": 1.0, "practice_id": "P1", "sessions_per_week": 9.0}]
    visits = [appt("1", "a", at(1), clinician_id="g", role="gp", duration_minutes=20)]
    diaries = [{"clinician_id": "g", "site_id": "P1", "date": date(2024, 6, 3), "slots": 20, "slot_minutes": 10}]
    base = {"patients": [person("a")], "clinicians": clinicians, "appointments": visits}
    without = summaries(make_tables, base)
    assert without["utilisation_hwbc"] == 0.0  # no diaries in the data: contracted time is all there is to go by
    with_diaries = summaries(make_tables, {**base, "diaries": diaries})
    assert isinstance(with_diaries["utilisation_hwbc"], Unsupported)
    assert "bookable diary" in with_diaries["utilisation_hwbc"].reason
    assert with_diaries["utilisation_gp"] == without["utilisation_gp"] > 0
    # the coach's sessions are no appointment time: utilisation over every role is the GP's alone
    assert with_diaries["utilisation_all"] == pytest.approx(with_diaries["utilisation_gp"])
    assert without["utilisation_all"] < with_diaries["utilisation_all"]
    oracle = ref_workforce.utilisation_by_role({**base, "diaries": diaries}, PERIOD.start, PERIOD.end, 42)
    assert isinstance(oracle["utilisation_hwbc"], Unsupported)


def test_gp_redirectable_follows_skill_mix_not_scope_alone(make_tables):
    def share(roles: list[str]) -> float:
        clinicians = [{"clinician_id": "g", "role": "gp", "fte": 1.0, "practice_id": "P1"}] + [
            {"clinician_id": r, "role": r, "fte": 1.0, "practice_id": "P1"} for r in roles]
        visits = [appt(str(i), "a", at(1 + i), clinician_id="g", role="gp", need_type=n, duration_minutes=10)
                  for i, n in enumerate(("medication", "mental_health", "acute_complex", "musculoskeletal"))]
        return summaries(make_tables, {"patients": [person("a")], "clinicians": clinicians,
                                       "appointments": visits})["gp_redirectable_share"]

    rule = RedirectRule()
    # an ANP and a mental-health practitioner between them have every need in scope; the rule still moves only
    # its share of complex acute and mental-health time, and nothing of medication or musculoskeletal time
    assert math.isclose(share(["anp", "mh_practitioner"]),
                        (rule.shares["acute_complex"] + rule.shares["mental_health"]) / 4)
    assert math.isclose(share(["anp", "mh_practitioner", "clinical_pharmacist", "fcp"]),
                        sum(rule.shares[n] for n in ("medication", "mental_health", "acute_complex",
                                                     "musculoskeletal")) / 4)
    assert share([]) == 0.0


def test_redirect_rule_is_the_documented_parameter_and_within_scope():
    rule, entry = RedirectRule(), parameter("measures_workforce_redirect.by_need_type")
    assert rule.shares == dict(zip(entry["need_types"], entry["share"], strict=True))
    assert {k: list(v) for k, v in rule.roles.items()} == entry["roles"]
    assert all(can_handle(role, need) for need, roles in rule.roles.items() for role in roles)
    with pytest.raises(CarenetError, match="redirect rule"):
        RedirectRule(roles={"medication": ("gp",)})


def test_missing_tables_say_why(make_tables):
    got = summaries(make_tables, {"patients": [person("a")], "conditions": [hf("a")],
                                  "appointments": [appt("1", "a", at(1))]})
    for key in ("care_plan_coverage", "patient_set_goals_share", "informal_referral_share", "discharge_follow_up",
                "social_prescriptions_per_1000_year", "psychosocial_met_in_community", "utilisation_all",
                "gp_redirectable_share", "professionals_per_episode", "needs_in_scope_share"):
        assert isinstance(got[key], Unsupported), key
        assert got[key].reason
    assert "care_plans" in got["care_plan_coverage"].reason
