"""Staffing a network from a model: FTE conserved, part-time people on named days, teams seated, tables valid."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from carenet.models import list_models, load_model
from carenet.network.settings import NetworkSettings
from carenet.network.staffing import StaffingError, staff_network
from carenet.schema import TABLES

PRACTICES = pa.table({"practice_id": ["A1", "A2", "A3"], "list_size": [12_000, 8_000, 15_000]})
FRAIL = {"frailty_team": 980, "inclusion_team": 220}
"""Segment cohorts of the 35,000 patients: the frailty team's, and the inclusion team's (one in 160)."""
SETTINGS = NetworkSettings.from_parameters().staff


@pytest.mark.parametrize("name", list_models())
def test_every_role_gets_exactly_its_fte_for_the_network(name):
    model = load_model(name)
    tables = staff_network(model, PRACTICES, "N1", FRAIL, SETTINGS).tables()
    clinicians = tables["clinicians"]
    assert clinicians.schema.equals(TABLES["clinicians"].schema)
    assert tables["teams"].schema.equals(TABLES["teams"].schema)
    assert len(set(clinicians.column("clinician_id").to_pylist())) == clinicians.num_rows
    practice_staff = clinicians.filter(pc.is_valid(clinicians.column("practice_id")))
    for line in model.workforce.roles:
        rows = practice_staff.filter(pc.equal(practice_staff.column("role"), line.role))
        assert pc.sum(rows.column("fte")).as_py() == pytest.approx(line.fte_per_10k * 3.5, abs=1e-3 * 3.5)
        sessions = pc.sum(rows.column("sessions_per_week")).as_py() or 0.0
        assert sessions == pytest.approx(line.fte_per_10k * 3.5 * line.sessions_per_fte, abs=5e-3 * 3.5)
    # Part-time people, as in practices: nobody works more than a full-time week.
    assert max(clinicians.column("fte").to_pylist()) <= 1.0 + 1e-9


def test_part_timers_work_named_days_that_cover_the_week():
    staff = staff_network(load_model("traditional"), PRACTICES, "N1", None, SETTINGS)
    gps = [i for i in range(len(staff)) if staff.role[i] == 0 and staff.practice[i] == 0]
    # 4.43 GP FTE per 10,000 on a 12,000 list is 5.3 FTE: more people than FTE, each on fewer than five days.
    assert len(gps) > 5.3
    days = [staff.weekdays[i] for i in gps]
    assert all(1 <= len(d) < 5 for d in days)
    covered = {d for ds in days for d in ds}
    assert covered == {"Mon", "Tue", "Wed", "Thu", "Fri"}
    for i in gps:  # sessions fit the named days (two sessions a day)
        assert staff.sessions_per_week[i] <= 2 * len(staff.weekdays[i]) + 1e-9


def test_micro_teams_one_per_panel_with_their_seats_and_more_than_one_gp():
    staff = staff_network(load_model("micro_teams"), PRACTICES, "N1", None, SETTINGS)
    tables = staff.tables()
    per_practice = pc.value_counts(tables["teams"].column("practice_id")).to_pylist()
    assert {d["values"]: d["counts"] for d in per_practice} == {"A1": 8, "A2": 5, "A3": 10}
    members = tables["team_members"].join(tables["clinicians"], "clinician_id")
    first = members.filter(pc.equal(members.column("team_id"), "A1-core_team-01"))
    assert set(first.column("role").to_pylist()) == {"admin", "anp", "care_coordinator", "gp", "hca"}
    gp = first.filter(pc.equal(first.column("role"), "gp"))
    assert gp.num_rows >= 1
    assert pc.sum(gp.column("fte")).as_py() == pytest.approx(0.66)


def test_segment_teams_need_their_cohort_and_cannot_outgrow_the_workforce():
    model = load_model("frailty_service")
    with pytest.raises(StaffingError, match="segment_patients\\['frailty_team'\\]"):
        staff_network(model, PRACTICES, "N1", None, SETTINGS)
    tables = staff_network(model, PRACTICES, "N1", {"frailty_team": 1000}, SETTINGS).tables()
    assert set(tables["teams"].column("kind").to_pylist()) == {"segment_service"}
    with pytest.raises(StaffingError, match="need more staff than its workforce has: .*gp"):
        staff_network(model, PRACTICES, "N1", {"frailty_team": 20_000}, SETTINGS)


def test_bad_practices_table():
    with pytest.raises(StaffingError, match="list_size"):
        staff_network(load_model("traditional"), pa.table({"practice_id": ["A"]}), "N", None, SETTINGS)
    with pytest.raises(StaffingError, match="duplicate"):
        staff_network(load_model("traditional"), pa.table({"practice_id": ["A", "A"], "list_size": [1, 2]}), "N",
                      None, SETTINGS)


def test_a_shared_rota_keeps_each_network_gp_to_sites_each_practices():
    model = load_model("super_partnership")

    def sites(m) -> list[int]:
        staff = staff_network(m, PRACTICES, "N1", None, SETTINGS)
        per_person: dict[str, set[int]] = {}
        for cid, role, practice in zip(staff.clinician_id, staff.role, staff.practice, strict=True):
            if role == 0 and practice >= 0:  # GPs at practices (the same-day hub's are not rota'd)
                per_person.setdefault(cid.removesuffix(f"-{staff.practice_ids[practice]}"), set()).add(practice)
        return [len(s) for s in per_person.values()]

    capped = sites(model)
    assert max(capped) == 2 and min(capped) >= 1
    roles = tuple(r.model_copy(update={"sites_each": None}) if r.role == "gp" else r for r in model.workforce.roles)
    free = sites(model.model_copy(update={"workforce": model.workforce.model_copy(update={"roles": roles})}))
    assert max(free) > 2  # without the cap a GP's days go wherever a practice is furthest behind its share


def test_gp_staffing_follows_the_real_practices_across_the_network():
    """A practice with fewer GPs per patient in the data gets fewer under every model; the network keeps its total."""
    from carenet.network.layout import gp_factor
    from carenet.network.staffing import build_staffing

    ids = ("A1", "A2", "A3")
    lists = np.array([12_000.0, 8_000.0, 15_000.0])
    clinicians = pa.table({"role": ["gp", "gp", "gp", "practice_nurse"], "practice_id": ["A1", "A2", "A3", "A1"],
                           "fte": [6.0, 2.0, 7.5, 3.0]})
    factor = gp_factor({"clinicians": clinicians}, ids, lists, np.zeros(3, np.int64))
    per_patient = np.array([6.0, 2.0, 7.5]) / lists
    assert factor == pytest.approx(per_patient / (15.5 / lists.sum()))
    assert (factor * lists).sum() == pytest.approx(lists.sum())
    model = load_model("traditional")
    staff = build_staffing(model, lists, {}, np.zeros(3, np.int64), ids, ("N1",), SETTINGS, {"gp": factor})
    gp = np.asarray(staff.role) == 0
    fte = np.bincount(np.asarray(staff.practice)[gp], weights=np.asarray(staff.fte)[gp], minlength=3)
    rate = next(line.fte_per_10k for line in model.workforce.roles if line.role == "gp")
    assert fte == pytest.approx(rate * lists / 10_000 * factor)
    assert gp_factor({}, ids, lists, np.zeros(3, np.int64)) == pytest.approx(np.ones(3))  # no staffing recorded
