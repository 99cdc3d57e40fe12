"""Staffing a network from a model: FTE conserved, teams seated, canonical tables valid."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from carenet.models import ModelError, list_models, load_model, staff_network
from carenet.schema import TABLES

PRACTICES = pa.table({"practice_id": ["A1", "A2", "A3"], "list_size": [12_000, 8_000, 15_000]})
FRAIL = {"frailty_team": 980}


@pytest.mark.parametrize("name", list_models())
def test_every_role_gets_exactly_its_fte_for_the_network(name):
    model = load_model(name)
    staff = staff_network(model, PRACTICES, "N1", segment_patients=FRAIL)
    clinicians = staff.clinicians
    assert clinicians.schema.equals(TABLES["clinicians"].schema)
    assert staff.teams.schema.equals(TABLES["teams"].schema)
    assert len(set(clinicians.column("clinician_id").to_pylist())) == clinicians.num_rows
    for line in model.workforce.roles:
        rows = clinicians.filter(pc.equal(clinicians.column("role"), line.role))
        assert pc.sum(rows.column("fte")).as_py() == pytest.approx(line.fte_per_10k * 3.5)
        sessions = pc.sum(rows.column("sessions_per_week")).as_py()
        assert sessions == pytest.approx(line.fte_per_10k * 3.5 * line.sessions_per_fte)
        if line.employer == "network":
            in_teams = set(staff.team_members.column("clinician_id").to_pylist())
            pooled = [p for p, c in zip(rows.column("practice_id").to_pylist(), rows.column("clinician_id").to_pylist(),
                                        strict=True) if c not in in_teams]
            assert all(p is None for p in pooled)
    assert max(clinicians.column("fte").to_pylist()) <= 1.5


def test_micro_teams_one_per_panel_with_the_five_seats():
    staff = staff_network(load_model("micro_teams"), PRACTICES, "N1")
    per_practice = pc.value_counts(staff.teams.column("practice_id")).to_pylist()
    assert {d["values"]: d["counts"] for d in per_practice} == {"A1": 8, "A2": 5, "A3": 10}
    members = staff.team_members.join(staff.clinicians, "clinician_id")
    first = members.filter(pc.equal(members.column("team_id"), "A1-core_team-1"))
    assert sorted(first.column("role").to_pylist()) == ["admin", "anp", "care_coordinator", "gp", "hca"]
    gp = first.filter(pc.equal(first.column("role"), "gp"))
    assert gp.column("fte")[0].as_py() == pytest.approx(0.66 * 1500 / 1500)


def test_segment_teams_need_their_cohort_and_cannot_outgrow_the_workforce():
    model = load_model("frailty_service")
    with pytest.raises(ModelError, match="segment_patients\\['frailty_team'\\]"):
        staff_network(model, PRACTICES, "N1")
    staff = staff_network(model, PRACTICES, "N1", segment_patients={"frailty_team": 1000})
    assert staff.teams.num_rows == 3 and set(staff.teams.column("kind").to_pylist()) == {"segment_service"}
    with pytest.raises(ModelError, match="need more staff than its workforce has: .*gp"):
        staff_network(model, PRACTICES, "N1", segment_patients={"frailty_team": 20_000})


def test_bad_practices_table():
    with pytest.raises(ModelError, match="list_size"):
        staff_network(load_model("traditional"), pa.table({"practice_id": ["A"]}), "N")
    with pytest.raises(ModelError, match="duplicate"):
        staff_network(load_model("traditional"), pa.table({"practice_id": ["A", "A"], "list_size": [1, 2]}), "N")
