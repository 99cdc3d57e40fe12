"""Continuity measures: the hand-computed vectors of docs/reference/parameters.md §7.2, worked examples for SLICC,
OPR and the micro-team share, properties of the indices, configuration errors and unsupported measures."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carenet.measures.continuity import (
    FACE_TO_FACE_MODES,
    ContinuityConfig,
    ContinuityConfigError,
    continuity_summary,
    micro_team_share,
    own_patient_ratio,
    patient_continuity,
    slicc,
)
from carenet.measures.reference import continuity as ref
from carenet.measures.support import Unsupported
from carenet.params import parameter

VECTORS = {  # docs/reference/parameters.md §7.2: sequence -> UPC, COC, SECON, MMCI, KPC (4 decimals)
    "ABAB": (0.5, 0.3333, 0.0, 0.6774, 0.6667),
    "AABA": (0.75, 0.5, 0.3333, 0.6774, 0.6667),
    "ABCABC": (0.3333, 0.2, 0.0, 0.6078, 0.6),
    "ABACADAE": (0.5, 0.2143, 0.0, 0.4366, 0.4286),
    "AAAAAAAAAB": (0.9, 0.8, 0.8889, 0.8901, 0.8889),
}


def appointments(rows: list[dict]) -> pa.Table:
    defaults = {"role": "gp", "status": "attended", "mode": "face_to_face", "practice_id": "P1"}
    return pa.Table.from_pylist([{**defaults, "appointment_id": f"a{i:03d}", **r} for i, r in enumerate(rows)])


def sequences_table(sequences: dict[str, str]) -> pa.Table:
    return appointments([{"patient_id": p, "clinician_id": c, "booked_for": datetime(2024, 1, 1 + i, 9)}
                         for p, seq in sequences.items() for i, c in enumerate(seq)])


def test_reference_matches_the_published_vectors():
    for seq, expected in VECTORS.items():
        got = (ref.upc(seq), ref.coc(seq), ref.secon(seq), ref.mmci(seq), ref.kpc(seq))
        assert got == pytest.approx(expected, abs=5e-5), seq


def test_every_backend_matches_the_published_vectors(make_tables):
    sequences = {f"p{i}": seq for i, seq in enumerate(VECTORS)} | {"single": "A"}
    result = patient_continuity(make_tables({"appointments": sequences_table(sequences)}))
    rows = {r["patient_id"]: r for r in result.to_pyarrow().to_pylist()}
    assert "single" not in rows  # undefined below two contacts
    for patient, seq in sequences.items():
        if patient == "single":
            continue
        r = rows[patient]
        assert (r["contacts"], r["clinicians"]) == (len(seq), len(set(seq)))
        assert (r["upc"], r["coc"], r["secon"], r["mmci"], r["kpc"]) == pytest.approx(VECTORS[seq], abs=5e-5), seq
        assert r["upc_named"] is None  # no panels table


sequences = st.lists(st.sampled_from("ABCDE"), min_size=2, max_size=12)


@settings(max_examples=150, deadline=None)
@given(sequences, st.randoms(use_true_random=False))
def test_index_properties(seq, rnd):
    k = len(set(seq))
    assert 0 <= ref.coc(seq) <= 1
    assert 1 / k - 1e-12 <= ref.upc(seq) <= 1
    assert (ref.coc(seq) == 1) == (k == 1)
    assert 0 <= ref.secon(seq) <= 1 and 0 <= ref.kpc(seq) <= 1 and 0 <= ref.mmci(seq) <= 1 + 1e-12
    if k == 1:
        assert ref.mmci(seq) == pytest.approx(1)
    shuffled = list(seq)
    rnd.shuffle(shuffled)
    assert ref.upc(shuffled) == ref.upc(seq) and ref.coc(shuffled) == pytest.approx(ref.coc(seq))


def test_secon_depends_on_order_and_upc_does_not(make_tables):
    # The same visits in two orders: AABB keeps the clinician twice in three steps, ABAB never does.
    visits = sequences_table({"grouped": "AABB", "alternating": "ABAB"})
    result = patient_continuity(make_tables({"appointments": visits}))
    rows = {r["patient_id"]: r for r in result.to_pyarrow().to_pylist()}
    assert rows["grouped"]["upc"] == rows["alternating"]["upc"] == 0.5
    assert rows["grouped"]["coc"] == rows["alternating"]["coc"]
    assert rows["grouped"]["secon"] == pytest.approx(2 / 3) and rows["alternating"]["secon"] == 0


def test_ties_in_time_are_ordered_by_appointment_id(make_tables):
    same_time = datetime(2024, 3, 1, 9)
    table = appointments([
        {"appointment_id": "x2", "patient_id": "p", "clinician_id": "B", "booked_for": same_time},
        {"appointment_id": "x1", "patient_id": "p", "clinician_id": "A", "booked_for": same_time},
        {"appointment_id": "x3", "patient_id": "p", "clinician_id": "B", "booked_for": datetime(2024, 3, 2, 9)},
    ])
    row = patient_continuity(make_tables({"appointments": table})).to_pyarrow().to_pylist()[0]
    assert row["secon"] == 0.5  # A (x1), B (x2), B (x3): one repeat in two steps


def _list_dataset() -> dict[str, pa.Table]:
    """Two GPs (A, B) and a nurse (N). p1 is on A's list, p2 on B's, p3 on nobody's; p1 moves to B on 15 Jan."""
    visits = [
        ("p1", "A", 1, "face_to_face"), ("p1", "A", 5, "face_to_face"), ("p1", "B", 8, "face_to_face"),
        ("p1", "A", 20, "face_to_face"),  # after the move to B: not own
        ("p1", "A", 9, "telephone"),  # not face to face: outside SLICC and OPR
        ("p2", "B", 3, "face_to_face"), ("p2", "A", 4, "home_visit"), ("p2", "B", 40, "face_to_face"),
        ("p3", "A", 6, "face_to_face"),  # no named GP: outside SLICC, counts in A's OPR denominator
        ("p2", "N", 7, "face_to_face"),  # nurse: outside SLICC and OPR
    ]
    rows = [{"patient_id": p, "clinician_id": c, "booked_for": datetime(2024, 1, 1, 9) + timedelta(days=d - 1),
             "mode": m, "role": "practice_nurse" if c == "N" else "gp"} for p, c, d, m in visits]
    return {
        "patients": pa.table({"patient_id": ["p1", "p2", "p3"], "birth_date": [date(1950, 1, 1)] * 3,
                              "sex": ["female"] * 3, "practice_id": ["P1", "P1", "P2"],
                              "registered_from": [date(2000, 1, 1)] * 3}),
        "appointments": appointments(rows).drop(["practice_id"]),
        "panels": pa.table({"patient_id": ["p1", "p1", "p2"], "clinician_id": ["A", "B", "B"],
                            "team_id": ["T1", "T2", "T2"],
                            "start_date": [date(2023, 1, 1), date(2024, 1, 15), date(2023, 1, 1)]}),
        "team_members": pa.table({"team_id": ["T1", "T2", "T2"], "clinician_id": ["A", "B", "N"]}),
    }


def test_slicc_worked_example(make_tables):
    tables = make_tables(_list_dataset())
    by_list = {(r["named_clinician_id"], r["month"]): (r["appointments"], r["own_gp_appointments"])
               for r in slicc(tables, level="list").to_pyarrow().to_pylist()}
    # A's list in January: p1 on 1, 5 (own) and 8 (B) -> 2/3. B's list: p1 on 20 Jan (A), p2 on 3 (own) and 4 (A).
    assert by_list == {("A", date(2024, 1, 1)): (3, 2), ("B", date(2024, 1, 1)): (3, 1),
                       ("B", date(2024, 2, 1)): (1, 1)}
    practice = {(r["practice_id"], r["month"]): r["slicc"] for r in slicc(tables).to_pyarrow().to_pylist()}
    assert practice == {("P1", date(2024, 1, 1)): pytest.approx(3 / 6), ("P1", date(2024, 2, 1)): 1.0}


def test_own_patient_ratio_worked_example(make_tables):
    result = own_patient_ratio(make_tables(_list_dataset()))
    rows = {r["clinician_id"]: (r["appointments"], r["own_list_appointments"]) for r in result.to_pyarrow().to_pylist()}
    # A: p1 1, 5 (own), p1 20 (p1 has moved), p2 4, p3 6 -> 2 of 5. B: p1 8, p2 3 and 40 (own) -> 2 of 3.
    assert rows == {"A": (5, 2), "B": (3, 2)}


def test_micro_team_share_worked_example(make_tables):
    config = ContinuityConfig(team_roles=None)
    tables = make_tables(_list_dataset())
    rows = {r["patient_id"]: (r["contacts"], r["team_contacts"])
            for r in micro_team_share(tables, config).to_pyarrow().to_pylist()}
    # p1: T1 (A) until 14 Jan: 1, 5, 9 with A in team, 8 with B not; T2 (B, N) after: 20 with A not -> 3 of 5.
    # p2: T2 throughout: 3 (B), 7 (N), 40 (B) in team, 4 (A) not -> 3 of 4. p3 has no team.
    assert rows == {"p1": (5, 3), "p2": (4, 3)}


def test_named_gp_upc_uses_the_panel_in_force(make_tables):
    result = patient_continuity(make_tables(_list_dataset()), ContinuityConfig(modes=FACE_TO_FACE_MODES))
    rows = {r["patient_id"]: r for r in result.to_pyarrow().to_pylist()}
    assert rows["p1"]["upc"] == 0.75 and rows["p1"]["upc_named"] == pytest.approx(2 / 4)
    assert rows["p2"]["upc_named"] == pytest.approx(2 / 3)


def test_window_and_modes_select_contacts(make_tables):
    config = ContinuityConfig(start=date(2024, 1, 4), end=date(2024, 1, 31), modes=("face_to_face",))
    rows = {r["patient_id"]: r["contacts"]
            for r in patient_continuity(make_tables(_list_dataset()), config).to_pyarrow().to_pylist()}
    assert rows == {"p1": 3}  # 5, 8, 20 Jan; p2 has one face-to-face GP contact in the window


def test_summary_pools_and_marks_what_is_unsupported(make_tables):
    data = _list_dataset()
    full = continuity_summary(make_tables(data))
    assert full["slicc"] == pytest.approx(4 / 7) and full["own_patient_ratio"] == pytest.approx(4 / 8)
    bare = continuity_summary(make_tables({"appointments": data["appointments"]}))
    for name in ("upc_named", "slicc", "own_patient_ratio", "micro_team_share"):
        assert isinstance(bare[name], Unsupported) and "'panels'" in bare[name].reason
    assert isinstance(bare["upc"], float)
    empty = continuity_summary(make_tables({"appointments": data["appointments"].slice(0, 1)}))
    assert empty["patients_eligible"] == 0 and isinstance(empty["upc"], Unsupported)
    assert "2 or more contacts" in empty["upc"].reason


def test_configuration_errors_are_named():
    with pytest.raises(ContinuityConfigError, match="roles.*unknown roles \\['surgeon'\\]"):
        ContinuityConfig.from_mapping({"roles": ["surgeon"]})
    with pytest.raises(ContinuityConfigError, match="modes.*unknown modes \\['carrier_pigeon'\\]"):
        ContinuityConfig.from_mapping({"modes": ["carrier_pigeon"]})
    with pytest.raises(ContinuityConfigError, match="start 2024-02-01 is after its end 2024-01-01"):
        ContinuityConfig.from_mapping({"start": "2024-02-01", "end": "2024-01-01"})
    with pytest.raises(ContinuityConfigError, match="min_contacts"):
        ContinuityConfig.from_mapping({"min_contacts": 1})


def test_defaults_are_the_documented_parameters():
    config = ContinuityConfig()
    section = "measures_continuity_access"
    assert config.min_contacts == parameter(f"{section}.continuity_min_contacts.value")
    assert list(config.roles) == list(config.list_roles) == parameter(f"{section}.continuity_roles.value")
    assert list(config.list_modes) == parameter(f"{section}.slicc_modes.value")


def test_every_order_of_one_multiset_gives_one_upc():
    values = {ref.upc(p) for p in itertools.permutations("AABBC")}
    assert values == {0.4}
