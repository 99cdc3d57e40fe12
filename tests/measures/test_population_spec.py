"""Segmentation, frailty, multimorbidity, risk tiers and worklists: hand-worked cases and published test vectors;
and every population and attribute measure against the pure-Python oracle on generated networks, on every backend."""

from __future__ import annotations

import math
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from small_network import AS_OF, START, VARIETY_EXAMPLES, canonical, oracle_network, oracle_settings

from carenet.measures import (
    ComplexPatientRule,
    Period,
    PopulationConfig,
    case_finding,
    efi_scores,
    multimorbidity,
    patient_profile,
    population_summary,
)
from carenet.measures.community import community_summary
from carenet.measures.coordination import coordination_summary
from carenet.measures.person_centred import person_centred_summary
from carenet.measures.reference import (
    as_rows,
    ref_community,
    ref_coordination,
    ref_person_centred,
    ref_population,
    ref_workforce,
    ref_worklists,
)
from carenet.measures.segments import materialize
from carenet.measures.support import Unsupported
from carenet.measures.workforce import workforce_summary
from carenet.measures.worklists import RULES, WorklistConfig
from carenet.params import parameter
from carenet.schema import CarenetError

WEIGHTS = {w["condition"]: w["weight"] for w in parameter("cambridge_multimorbidity_score_general.weights")}
CONFIG = PopulationConfig(WEIGHTS, acute_window_days=28, high_risk_min_ltc=3,
                          complex_rule=ComplexPatientRule(3, ("moderate", "severe"), 5))
OLD, YOUNG = date(1940, 1, 1), date(1990, 1, 1)


def person(pid: str, birth: date = OLD, **extra) -> dict:
    return {"patient_id": pid, "birth_date": birth, "sex": "female", "practice_id": "P1",
            "registered_from": date(2000, 1, 1), **extra}


def condition(pid: str, code: str, register: str | None = None, deficit: int | None = None,
              onset: date = date(2020, 1, 1), resolved: date | None = None) -> dict:
    return {"patient_id": pid, "snomed_code": code, "register": register, "efi_deficit": deficit,
            "onset_date": onset, "resolved_date": resolved}


def profiles(make_tables, rows: dict, as_of: date = AS_OF, config: PopulationConfig = CONFIG) -> dict[str, dict]:
    tables = make_tables(canonical(rows))
    got = tables.con.to_pyarrow(patient_profile(tables, as_of, config)).to_pylist()
    return {r["patient_id"]: r for r in got}


def test_efi_matches_published_test_vectors(make_tables):
    vectors = parameter("efi.test_vectors")
    patients = [person(f"v{v['deficits_present']}") for v in vectors]
    conditions = [condition(f"v{v['deficits_present']}", f"D{d}", deficit=d)
                  for v in vectors for d in range(1, v["deficits_present"] + 1)]
    tables = make_tables(canonical({"patients": patients, "conditions": conditions}))
    got = {r["patient_id"]: r for r in tables.con.to_pyarrow(patient_profile(tables, AS_OF, CONFIG)).to_pylist()}
    scores = {r["patient_id"]: r for r in tables.con.to_pyarrow(efi_scores(tables, AS_OF)).to_pylist()}
    for v in vectors:
        pid = f"v{v['deficits_present']}"
        assert round(got[pid]["efi_score"], 4) == v["efi_score"]
        assert got[pid]["efi_category"] == v["category"]
        assert got[pid]["efi_deficits"] == v["deficits_present"]
        if v["deficits_present"]:
            assert scores[pid]["efi_score"] == got[pid]["efi_score"]


def test_efi_counts_distinct_deficits_ever_recorded_and_only_from_65(make_tables):
    rows = {"patients": [person("old"), person("young", YOUNG), person("turns65", date(1959, 6, 30)),
                         person("is64", date(1959, 7, 1))],
            "conditions": [
                # the same deficit twice counts once; a resolved deficit still counts (no look-back in the eFI)
                condition("old", "a", deficit=3), condition("old", "b", deficit=3),
                condition("old", "c", deficit=4, resolved=date(2021, 1, 1)),
                condition("old", "later", deficit=5, onset=date(2024, 7, 1)),  # after the reference date
                *[condition(p, f"d{d}", deficit=d) for p in ("young", "turns65", "is64") for d in range(1, 11)],
            ]}
    got = profiles(make_tables, rows)
    assert got["old"]["efi_deficits"] == 2 and got["old"]["efi_category"] == "fit"
    assert got["young"]["efi_deficits"] == 10 and got["young"]["efi_category"] is None
    assert got["turns65"]["age"] == 65 and got["turns65"]["efi_category"] == "moderate"
    assert got["is64"]["age"] == 64 and got["is64"]["efi_category"] is None


def test_segments_follow_the_hierarchy(make_tables):
    frail = [condition("frail", f"f{d}", deficit=d) for d in range(1, 10)]
    rows = {
        "patients": [person("healthy", YOUNG), person("infant", date(2023, 12, 1)), person("acute", YOUNG),
                     person("ltc", YOUNG), person("ld"), person("cancer_pc"), person("cancer_only"), person("pc_hf"),
                     person("hf"), person("ckd4"), person("ckd3"), person("dementia"), person("frail"),
                     person("housebound"), person("dementia_hf")],
        "conditions": [
            condition("ltc", "h", "HYP"), condition("ld", "l", "LD"), condition("ld", "h", "HYP"),
            condition("cancer_pc", "c", "CAN"), condition("cancer_pc", "p", "PC"), condition("cancer_only", "c", "CAN"),
            condition("pc_hf", "p", "PC"), condition("pc_hf", "f", "HF"), condition("hf", "f", "HF"),
            condition("ckd4", "431857002", "CKD"), condition("ckd3", "433144002", "CKD"),
            condition("dementia", "d", "DEM"), *frail, condition("housebound", "hb", deficit=16),
            condition("dementia_hf", "d", "DEM"), condition("dementia_hf", "f", "HF"),
            # a resolved condition is not a long-term condition now
            condition("healthy", "h", "HYP", resolved=date(2022, 1, 1)),
        ],
        "appointments": [
            {"appointment_id": "a1", "patient_id": "acute", "booked_for": datetime(2024, 6, 3, 9), "status": "attended",
             "need_type": "acute_minor"},
            {"appointment_id": "a2", "patient_id": "healthy", "booked_for": datetime(2024, 6, 2, 23, 59),
             "status": "attended", "need_type": "acute_complex"},  # 29 days before: outside the 28-day window
            {"appointment_id": "a3", "patient_id": "infant", "booked_for": datetime(2024, 6, 30, 9),
             "status": "did_not_attend", "need_type": "acute_minor"},  # not attended
        ],
    }
    got = profiles(make_tables, rows)
    expected = {"healthy": (1, 1, False), "infant": (2, 1, False), "acute": (3, 1, False), "ltc": (4, 2, False),
                "ld": (5, 3, True), "cancer_pc": (6, 4, True), "cancer_only": (4, 2, False), "pc_hf": (7, 4, True),
                "hf": (7, 4, True), "ckd4": (7, 4, True), "ckd3": (4, 2, False), "dementia": (8, 4, True),
                "frail": (8, 4, True), "housebound": (5, 3, True), "dementia_hf": (8, 4, True)}
    for pid, (segment, tier, complex_) in expected.items():
        row = got[pid]
        assert (row["b2h_segment"], row["risk_tier"], row["complex"]) == (segment, tier, complex_), pid
    assert got["frail"]["nhse_segment"] == "Frailty and Dementia"
    assert got["cancer_pc"]["nhse_segment"] == "Incurable Cancer"
    assert got["infant"]["nhse_segment"] == "Healthy/generally well"
    assert got["ltc"]["b2h_name"] == "Chronic conditions, with generally normal function"


def test_ltc_count_tier_and_complexity_thresholds(make_tables):
    regs = ["HYP", "DM", "AST", "COPD"]
    rows = {"patients": [person(f"n{k}", YOUNG) for k in range(4)] + [person("mild")],
            "conditions": [condition(f"n{k}", f"{r}{i}", r) for k in range(4) for i, r in enumerate(regs[:k])
                           if r != "COPD"]
            + [condition("n3", "x", "DM", onset=date(2019, 1, 1))]  # a second code on the same register counts once
            + [condition("mild", f"m{d}", deficit=d) for d in range(1, 6)]}
    got = profiles(make_tables, rows)
    assert [got[f"n{k}"]["ltc_count"] for k in range(4)] == [0, 1, 2, 3]
    assert [got[f"n{k}"]["risk_tier"] for k in range(4)] == [1, 2, 2, 3]
    assert [got[f"n{k}"]["complex"] for k in range(4)] == [False, False, False, True]
    assert got["mild"]["efi_category"] == "mild" and got["mild"]["risk_tier"] == 2 and not got["mild"]["complex"]


def test_registration_on_the_reference_date(make_tables):
    rows = {"patients": [person("left", registered_to=AS_OF), person("gone", registered_to=date(2024, 6, 29)),
                         person("died", death_date=AS_OF), person("joins", registered_from=date(2024, 7, 1)),
                         person("born_later", date(2024, 7, 2))],
            "conditions": []}
    assert set(profiles(make_tables, rows)) == {"left"}


def test_cambridge_multimorbidity_score_by_hand(make_tables):
    rows = {"patients": [person("a"), person("b")],
            "conditions": [condition("a", "af", "AF"), condition("a", "hyp", "HYP"),
                           condition("a", "can", "CAN", onset=date(2019, 7, 1)),  # within 5 years of 2024-06-30
                           condition("a", "hear", deficit=13), condition("a", "ob", "OB"),  # obesity: no CMS weight
                           condition("b", "can", "CAN", onset=date(2019, 6, 30)),  # exactly 5 years: not new
                           condition("b", "dep", "DEP", resolved=date(2024, 1, 1))]}
    tables = make_tables(canonical(rows))
    got = {r["patient_id"]: r for r in tables.con.to_pyarrow(multimorbidity(tables["conditions"], AS_OF, WEIGHTS))
           .to_pylist()}
    assert math.isclose(got["a"]["cms"], 1.34 + 0.08 + 1.53 + 0.09)
    assert got["a"]["ltc_count"] == 4  # AF, HYP, CAN, OB
    assert got["b"]["cms"] == 0 and got["b"]["ltc_count"] == 1


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(CarenetError, match="unknown Cambridge"):
        from carenet.measures.multimorbidity import check_cms_weights
        check_cms_weights({**WEIGHTS, "Gout": 1.0})
    with pytest.raises(CarenetError, match="min_segment"):
        ComplexPatientRule(3, ("moderate",), 9)
    with pytest.raises(CarenetError, match="after its end"):
        Period(date(2024, 2, 1), date(2024, 1, 1))


def same(a, b) -> bool:
    if isinstance(a, Unsupported) or isinstance(b, Unsupported):
        return isinstance(a, Unsupported) and isinstance(b, Unsupported)
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def attribute_oracle(rows, prof) -> dict:
    return {
        **ref_coordination.care_plan_coverage(rows, prof, AS_OF),
        "professionals_per_episode": ref_coordination.professionals_per_episode(rows, START, AS_OF),
        "informal_referral_share": ref_coordination.informal_referral_share(rows, START, AS_OF),
        "discharge_follow_up": ref_coordination.discharge_follow_up(rows, START, AS_OF, 7),
        **ref_person_centred.minutes_per_patient_year(rows, prof, START, AS_OF),
        "needs_in_scope_share": ref_person_centred.needs_in_scope_share(rows, START, AS_OF),
        "patient_set_goals_share": ref_person_centred.patient_set_goals_share(rows, AS_OF),
        **ref_community.social_prescribing(rows, START, AS_OF),
        "psychosocial_met_in_community": ref_community.psychosocial_met_in_community(rows, START, AS_OF, 90),
        **ref_community.clinicians_by_deprivation(rows, AS_OF, ltc={k: v["ltc_count"] for k, v in prof.items()}),
        **ref_workforce.utilisation_by_role(rows, START, AS_OF, 42),
        **ref_workforce.gp_redirectable(rows, START, AS_OF),
    }


def _seen(values: dict, key, value) -> None:
    """Record a measure's value when it is a real figure (not missing, not unsupported); its key in any case."""
    values.setdefault(key, set())
    if value is None or isinstance(value, Unsupported) or (isinstance(value, float) and math.isnan(value)):
        return
    values[key].add(round(value, 9) if isinstance(value, float) else value)


def test_measures_match_oracle(backend, make_tables):
    """Profile, population summary, worklists and every attribute measure equal the oracle on generated networks.

    The networks are varied and non-trivial (``oracle_network``), and the test then checks that every
    measure took at least two different real values over the examples on this backend, so no measure
    is "equal to the oracle" only on empty data.
    """
    values: dict[str, set] = {}

    @oracle_settings(backend)
    @given(data=st.data())
    def check(data):
        network = oracle_network(data)
        tables, rows = make_tables(network), as_rows(network)
        want = ref_population.profile(rows, AS_OF, CONFIG)
        profile = materialize(tables, patient_profile(tables, AS_OF, CONFIG))
        got = {r["patient_id"]: r for r in tables.con.to_pyarrow(profile).to_pylist()}
        assert set(got) == set(want)
        for pid, expected in want.items():
            for column, value in expected.items():
                assert same(got[pid][column], value), (pid, column, got[pid][column], value)
                _seen(values, f"profile.{column}", value)

        summary, oracle = population_summary(tables, profile), ref_population.population_summary(want)
        for key, value in oracle.items():
            assert same(summary[key], value), key
            _seen(values, f"summary.{key}", value)

        worklist = case_finding(tables, profile, AS_OF, WorklistConfig(3, 365))
        selected = set(zip(worklist.table["rule"].to_pylist(), worklist.table["patient_id"].to_pylist(), strict=True))
        assert selected == ref_worklists.case_finding(rows, want, AS_OF, 3, 365)
        for rule in RULES:
            _seen(values, f"worklist.{rule}", sum(1 for r, _ in selected if r == rule))

        period = Period(START, AS_OF)
        measured = {**coordination_summary(tables, profile, period, 7),
                    **person_centred_summary(tables, profile, period),
                    **community_summary(tables, period, 90, profile=profile), **workforce_summary(tables, period, 42)}
        expected = attribute_oracle(rows, want)
        assert set(measured) == set(expected)
        for key, value in expected.items():
            assert same(measured[key], value), (key, measured[key], value)
            _seen(values, key, value)

    check()
    if oracle_settings(backend).max_examples < VARIETY_EXAMPLES:
        return  # Spark's two networks check the engine; the backends that draw six check the networks' variety
    dull = sorted(k for k, seen in values.items() if len(seen) < 2)
    assert not dull, f"measures that never took two different real values on {backend}: " + str(
        {k: values[k] for k in dull})
