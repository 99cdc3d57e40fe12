"""Conditions, care plans, teams and panels, from Condition, CarePlan (+ Goal) and CareTeam."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema import TABLES
from carenet.schema.codelists import deficits_for_code, register_for_code
from carenet.sources.fhir.graph import NO_NODE, encode, spread
from carenet.sources.fhir.groups import (
    any_in_group,
    earlier_count,
    explode,
    first_in_group,
    last_in_group,
    list_column,
)
from carenet.sources.fhir.rows import unique_rows
from carenet.sources.fhir.timestamps import local_dates
from carenet.sources.fhir.vocabulary import NAMED_CLINICIAN

if TYPE_CHECKING:
    from carenet.sources.fhir.build import TableBuilder

_CLINICIAN_TYPES = ("Practitioner", "PractitionerRole")


def condition_table(b: TableBuilder) -> pa.Table:
    """Conditions of imported patients, with their QOF register and eFI deficit from the code lists."""
    g, step = b.graph, b.step()
    table, nodes = b.tables["Condition"], g.nodes("Condition")
    subject = g.resolve(table["subject"], ("Patient",))
    for row in subject.problem_rows():
        step.add((0, int(row)), nodes[row], f"subject: {subject.message[row]}")
    kept = b.patient_practice[subject.node] != None  # noqa: E711 - element-wise on an object array
    unowned = table["subject"].is_null().to_numpy(zero_copy_only=False)
    if unowned.any():
        b.notes["Condition without a patient"] += int(unowned.sum())
    rows = np.flatnonzero(kept)
    tz = b.defaults.timezone
    onset, bad_onset = local_dates(table["onset"].take(rows), tz)
    resolved, bad_resolved = local_dates(table["abatement"].take(rows), tz)
    for i in np.flatnonzero(bad_onset | bad_resolved):
        step.add((1, int(i)), nodes[rows[i]], "onset or abatement cannot be read as a date")
    step.flush()
    codes, distinct = encode(table["snomed_code"].take(rows))
    conditions = pa.table({
        "patient_id": pa.array(g.canon[subject.node[rows]], pa.string()),
        "snomed_code": table["snomed_code"].take(rows),
        "register": pa.array(spread([register_for_code(c) for c in distinct], codes), pa.string()),
        "efi_deficit": pa.array(spread([(deficits_for_code(c) or (None,))[0] for c in distinct], codes), pa.int8()),
        "onset_date": onset,
        "resolved_date": resolved,
    })
    return unique_rows(conditions, "conditions", b.notes)


def care_plan_table(b: TableBuilder) -> pa.Table:
    """Care plans with their key worker (author, else a contributor) and the text of their Goals."""
    g, tz, step = b.graph, b.defaults.timezone, b.step()
    table, nodes = b.tables["CarePlan"], g.nodes("CarePlan")
    table, nodes = b.with_ids(table, nodes)
    n = len(nodes)
    subject = g.resolve(table["subject"], ("Patient",))
    for row in subject.problem_rows():
        step.add((0, int(row), 0), nodes[row], f"subject: {subject.message[row]}")
    kept = b.patient_practice[subject.node] != None  # noqa: E711

    workers = explode(table["key_workers"])
    codes, distinct = encode(workers.values)
    answers = [g.outcome(ref, _CLINICIAN_TYPES, False) for ref in distinct]
    worker = spread([b.clinician(node)[0] for node, _ in answers], codes, NO_NODE, np.int64)
    message = spread([m for _, m in answers], codes)
    found = kept[workers.parent] & (worker != NO_NODE)
    looked_at = kept[workers.parent] & (earlier_count(workers.parent, found) == 0)
    for i in np.flatnonzero(looked_at & (message != None)):  # noqa: E711
        step.add((0, int(workers.parent[i]), 1, int(workers.pos[i])), nodes[workers.parent[i]],
                 f"author/contributor: {message[i]}")
    first = first_in_group(workers.parent, found, n)
    key_worker = np.where(first >= 0, worker[np.maximum(first, 0)] if len(worker) else NO_NODE, NO_NODE)

    goals = explode(table["goals"])
    goal = g.resolve(goals.values, ("Goal",))
    for i in goal.problem_rows(kept[goals.parent]):
        step.add((0, int(goals.parent[i]), 2, int(goals.pos[i])), nodes[goals.parent[i]],
                 f"goal: {goal.message[i]}")
    goal_table, goal_nodes = b.tables["Goal"], g.nodes("Goal")
    description, setter = g.attribute(), g.attribute(NO_NODE, np.int64)
    description[goal_nodes] = goal_table["description"].to_numpy(zero_copy_only=False)
    has_setter = g.attribute(False, bool)
    has_setter[goal_nodes] = goal_table["expressed_by"].is_valid().to_numpy(zero_copy_only=False)
    setter[goal_nodes] = _setters(b, goal_table["expressed_by"])
    with_text = (goal.node != NO_NODE) & (description[goal.node] != None)  # noqa: E711
    texts = list_column(goals.parent[with_text], pa.array(description[goal.node[with_text]], pa.string()), n)
    setters = (goal.node != NO_NODE) & has_setter[goal.node]
    any_setter = any_in_group(goals.parent, setters, n)
    by_patient = any_in_group(goals.parent, setters & (setter[goal.node] == subject.node[goals.parent]), n)
    patient_set = table["goals_patient_set"].to_numpy(zero_copy_only=False).astype(object)
    derived = (patient_set == None) & any_setter  # noqa: E711
    patient_set[derived] = by_patient[derived]

    rows = np.flatnonzero(kept)
    created, bad_created = local_dates(table["created"].take(rows), tz)
    review, bad_review = local_dates(table["review"].take(rows), tz)
    for i in np.flatnonzero(bad_created | bad_review):
        step.add((1, int(i)), nodes[rows[i]], "created or review date cannot be read as a date")
    step.flush()
    columns = {
        "care_plan_id": pa.array(g.canon[nodes[rows]], pa.string()),
        "patient_id": pa.array(g.canon[subject.node[rows]], pa.string()),
        "key_worker_id": pa.array(g.canon[key_worker[rows]], pa.string()),
        "status": table["status"].take(rows),
        "created_date": created,
        "review_date": review,
        "goals": texts.take(pa.array(rows)),
        "goals_patient_set": pa.array(patient_set[rows], pa.bool_()),
    }
    return pa.table({f.name: columns[f.name] for f in TABLES["care_plans"].schema})


def _setters(b: TableBuilder, expressed_by: pa.ChunkedArray) -> np.ndarray:
    """The node each Goal's ``expressedBy`` names (NO_NODE when it names nothing imported)."""
    codes, distinct = encode(expressed_by)
    nodes = []
    for ref in distinct:
        target = b.graph.index.resolve(ref)
        node = None if isinstance(target, str) else b.graph.node_of(*target) if target[0] in b.graph.offset else None
        nodes.append(NO_NODE if node is None else node)
    return spread(nodes, codes, NO_NODE, np.int64)


def team_tables(b: TableBuilder) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Teams and their members from CareTeams without a patient; panels from a patient's CareTeam.

    A patient's CareTeam naming a team, or a single clinician, is a panel row; one with several
    clinicians and no team is a team of its own (holding that patient). The members of every
    CareTeam are resolved at once; only the CareTeams that become teams are looked at one by one.
    """
    g, tz, step = b.graph, b.defaults.timezone, b.step()
    table, nodes = b.tables["CareTeam"], g.nodes("CareTeam")
    table, nodes = b.with_ids(table, nodes)
    n = len(nodes)
    subject = g.resolve(table["subject"], ("Patient",))
    for row in subject.problem_rows():
        step.add((0, int(row), 0), nodes[row], f"subject: {subject.message[row]}")
    patient = subject.node

    items = explode(table["member_refs"])
    roles = explode(table["member_roles"]).values.to_numpy(zero_copy_only=False)
    codes, distinct = encode(items.values)
    answers = [_member(b, ref) for ref in distinct]
    linking = spread([a[0] == _LINK for a in answers], codes, False, bool)
    member = spread([a[1] for a in answers], codes, NO_NODE, np.int64)
    message = spread([a[2] for a in answers], codes)
    for i in np.flatnonzero(message != None):  # noqa: E711
        step.add((0, int(items.parent[i]), 1, int(items.pos[i])), nodes[items.parent[i]],
                 f"participant: {message[i]}")
    linked = _last(member, last_in_group(items.parent, linking, n))
    clinician = ~linking & (member != NO_NODE)
    clinician[clinician] = b.clinician_role[member[clinician]] != None  # noqa: E711
    named = _last(member, last_in_group(items.parent, clinician & (roles == NAMED_CLINICIAN), n))
    pairs = np.unique(np.stack([items.parent[clinician], member[clinician]]), axis=1) if clinician.any() else \
        np.zeros((2, 0), dtype=np.int64)
    n_clinicians = np.bincount(pairs[0], minlength=n)
    only = _last(member, first_in_group(items.parent, clinician, n))
    named = np.where((named == NO_NODE) & (n_clinicians == 1), only, named)

    imported = b.patient_practice[patient] != None  # noqa: E711
    of_patient = (patient != NO_NODE) & imported
    dropped = (patient != NO_NODE) & ~imported
    panel_only = of_patient & ((linked != NO_NODE) | (n_clinicians == 1))
    lonely = of_patient & ~panel_only & (n_clinicians == 0)
    if lonely.any():
        b.notes["CareTeam of a patient with no clinician"] += int(lonely.sum())
    team_rows = np.flatnonzero(~dropped & ~panel_only & ~lonely)
    teams, members = _teams(b, step, table, nodes, team_rows, items, clinician, member)
    is_team = g.attribute(False, bool)
    is_team[nodes[team_rows]] = True

    own_team = np.full(n, NO_NODE, dtype=np.int64)
    own_team[team_rows] = nodes[team_rows]
    pending = np.flatnonzero(panel_only | (of_patient & (own_team != NO_NODE)))
    team = np.where(panel_only, linked, own_team)[pending]
    starts, bad = local_dates(table["start"].take(pending), tz)
    for i in np.flatnonzero(bad):
        step.add((1, int(i)), nodes[pending[i]], "period.start cannot be read as a date")
    step.flush()
    missing = (team != NO_NODE) & ~is_team[team]
    if missing.any():
        b.notes["patient CareTeam naming a team that is not imported"] += int(missing.sum())
    keep = ~missing
    panel_patients = patient[pending][keep]
    panels = pa.table({
        "patient_id": pa.array(g.canon[panel_patients], pa.string()),
        "clinician_id": pa.array(g.canon[named[pending][keep]], pa.string()),
        "team_id": pa.array(g.canon[team[keep]], pa.string()),
        "start_date": pc.coalesce(starts.filter(pa.array(keep)),
                                  pa.array(b.registered_from[panel_patients], pa.date32())),
    })
    return (teams, unique_rows(members, "team_members", b.notes), unique_rows(panels, "panels", b.notes))


_LINK, _PATIENT, _CLINICIAN = "team", "patient", "clinician"


def _member(b: TableBuilder, ref: str) -> tuple[str, int, str | None]:
    """(what the member is, its node (a clinician's Practitioner node), problem) of one CareTeam member."""
    target = b.graph.index.resolve(ref)
    if not isinstance(target, str) and target[0] == "CareTeam":
        return (_LINK, *b.graph.outcome(ref, ("CareTeam",), True))
    if not isinstance(target, str) and target[0] == "Patient":
        return _PATIENT, NO_NODE, None
    node, message = b.graph.outcome(ref, _CLINICIAN_TYPES, False)
    return _CLINICIAN, b.clinician(node)[0], message


def _last(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` where ``index`` >= 0, else NO_NODE."""
    out = np.full(len(index), NO_NODE, dtype=np.int64)
    out[index >= 0] = values[index[index >= 0]]
    return out


def _teams(b: TableBuilder, step, table: pa.Table, nodes: np.ndarray, rows: np.ndarray, items, clinician: np.ndarray,
           member: np.ndarray) -> tuple[pa.Table, pa.Table]:
    """The teams table and their members, from the CareTeams that are teams (few: read one by one)."""
    g = b.graph
    names = table["name"].take(rows).to_pylist()
    kinds = table["kind"].take(rows).to_pylist()
    organizations = table["organizations"].take(rows).to_pylist()
    starts = np.searchsorted(items.parent, rows, side="left")
    ends = np.searchsorted(items.parent, rows, side="right")
    teams: dict[str, list] = {c: [] for c in ("team_id", "name", "kind", "practice_id", "network_id")}
    members: list[tuple[str, str]] = []
    for i, row in enumerate(rows.tolist()):
        node = int(nodes[row])
        orgs = [b.resolve_one(step, (0, row, 2, k), node, o, ("Organization",), "managingOrganization")
                for k, o in enumerate(organizations[i])]
        team_id = g.canon[node]
        teams["team_id"].append(team_id)
        teams["name"].append(names[i] or team_id)
        teams["kind"].append(kinds[i] or b.defaults.team_kind)
        teams["practice_id"].append(next((b.org_practice[o] for o in orgs if b.org_practice[o]), None))
        teams["network_id"].append(next((b.org_network[o] for o in orgs if b.org_network[o]), None))
        mine = member[starts[i]:ends[i]][clinician[starts[i]:ends[i]]]
        members += [(team_id, g.canon[k]) for k in dict.fromkeys(mine.tolist())]
    team_table = pa.table({f.name: pa.array(teams[f.name], f.type) for f in TABLES["teams"].schema})
    member_table = pa.table({"team_id": pa.array([m[0] for m in members], pa.string()),
                             "clinician_id": pa.array([m[1] for m in members], pa.string())})
    return team_table, member_table
