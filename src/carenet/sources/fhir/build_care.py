"""Conditions, care plans, teams and panels, from Condition, CarePlan (+ Goal) and CareTeam."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from carenet.schema import TABLES
from carenet.schema.codelists import deficits_for_code, register_for_code
from carenet.sources.fhir.rows import unique_rows
from carenet.sources.fhir.timestamps import local_dates
from carenet.sources.fhir.vocabulary import NAMED_CLINICIAN

if TYPE_CHECKING:
    from carenet.sources.fhir.build import TableBuilder


def condition_table(b: TableBuilder) -> pa.Table:
    """Conditions of imported patients, with their QOF register and eFI deficit from the code lists."""
    kept = []
    for r in b.conditions:
        key = b.resolve(("Condition", r.id), r.subject, ("Patient",), "subject")
        if key is not None and key in b.patient_practice:
            kept.append((r, b.ids[key]))
        elif r.subject is None:
            b.notes["Condition without a patient"] += 1
    tz = b.defaults.timezone
    onset, bad_onset = local_dates([r.onset for r, _ in kept], tz)
    resolved, bad_resolved = local_dates([r.abatement for r, _ in kept], tz)
    for i in np.flatnonzero(bad_onset | bad_resolved):
        b.problem(("Condition", kept[i][0].id), "onset or abatement cannot be read as a date")
    codes = [r.snomed_code for r, _ in kept]
    table = pa.table({
        "patient_id": pa.array([pid for _, pid in kept], pa.string()),
        "snomed_code": pa.array(codes, pa.string()),
        "register": pa.array([register_for_code(c) for c in codes], pa.string()),
        "efi_deficit": pa.array([(deficits_for_code(c) or (None,))[0] for c in codes], pa.int8()),
        "onset_date": onset,
        "resolved_date": resolved,
    })
    return unique_rows(table, "conditions", b.notes)


def care_plan_table(b: TableBuilder) -> pa.Table:
    """Care plans with their key worker (author, else a contributor) and the text of their Goals."""
    tz = b.defaults.timezone
    rows: dict[str, list] = defaultdict(list)
    kept = []
    for r in b.care_plans:
        source = ("CarePlan", r.id)
        if source not in b.ids:
            continue
        patient = b.resolve(source, r.subject, ("Patient",), "subject")
        if patient is None or patient not in b.patient_practice:
            continue
        worker = None
        for ref in r.key_workers:
            key, _ = b.clinician_key(source, ref, "author/contributor", strict=False)
            if key is not None:
                worker = key
                break
        goals = [b.goals[k[1]] for k in (b.resolve(source, g, ("Goal",), "goal") for g in r.goals) if k]
        texts = [g.description for g in goals if g.description]
        setters = [b.index.resolve(g.expressed_by) for g in goals if g.expressed_by]
        patient_set = r.goals_patient_set
        if patient_set is None and setters:
            patient_set = any(s == patient for s in setters)
        kept.append(r)
        rows["care_plan_id"].append(b.ids[source])
        rows["patient_id"].append(b.ids[patient])
        rows["key_worker_id"].append(b.ids[worker] if worker else None)
        rows["status"].append(r.status)
        rows["goals"].append(texts or None)
        rows["goals_patient_set"].append(patient_set)
    created, bad_created = local_dates([r.created for r in kept], tz)
    review, bad_review = local_dates([r.review for r in kept], tz)
    for i in np.flatnonzero(bad_created | bad_review):
        b.problem(("CarePlan", kept[i].id), "created or review date cannot be read as a date")
    schema = TABLES["care_plans"].schema
    columns = {f.name: pa.array(rows.get(f.name, []), f.type) for f in schema}
    columns["created_date"], columns["review_date"] = created, review
    return pa.table({f.name: columns[f.name] for f in schema})


def team_tables(b: TableBuilder) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Teams and their members from CareTeams without a patient; panels from a patient's CareTeam."""
    tz = b.defaults.timezone
    teams: dict[str, list] = defaultdict(list)
    members: list[tuple[str, str]] = []
    panels: list[tuple[str, str | None, str | None, str | None, str]] = []
    team_ids = set()
    pending_panels = []
    for r in b.care_teams:
        source = ("CareTeam", r.id)
        if source not in b.ids:
            continue
        patient = b.resolve(source, r.subject, ("Patient",), "subject") if r.subject else None
        clinicians, named, linked = [], None, None
        for m in r.members:
            found = b.index.resolve(m.reference)
            if not isinstance(found, str) and found[0] == "CareTeam":
                linked = b.resolve(source, m.reference, ("CareTeam",), "participant")
                continue
            if not isinstance(found, str) and found[0] == "Patient":
                continue
            key, _ = b.clinician_key(source, m.reference, "participant", strict=False)
            if key is not None and key in b.clinician_role:
                clinicians.append(key)
                if m.role == NAMED_CLINICIAN:
                    named = key
        if patient is not None and patient not in b.patient_practice:
            continue
        distinct = list(dict.fromkeys(clinicians))
        named = named or (distinct[0] if len(distinct) == 1 else None)
        if patient is not None and (linked is not None or len(distinct) == 1):
            pending_panels.append((source, patient, named, linked, r.start))
            continue
        if patient is not None and not distinct:
            b.notes["CareTeam of a patient with no clinician"] += 1
            continue
        orgs = [b.resolve(source, o, ("Organization",), "managingOrganization") for o in r.organizations]
        team_id = b.ids[source]
        team_ids.add(source)
        teams["team_id"].append(team_id)
        teams["name"].append(r.name or team_id)
        teams["kind"].append(r.kind or b.defaults.team_kind)
        teams["practice_id"].append(next((b.org(o, "practice") for o in orgs if b.org(o, "practice")),
                                         None))
        teams["network_id"].append(next((b.org(o, "network") for o in orgs if b.org(o, "network")),
                                        None))
        members += [(team_id, b.ids[k]) for k in dict.fromkeys(clinicians)]
        if patient is not None:
            pending_panels.append((source, patient, named, source, r.start))
    starts, bad = local_dates([p[4] for p in pending_panels], tz)
    for i in np.flatnonzero(bad):
        b.problem(pending_panels[i][0], "period.start cannot be read as a date")
    for (_, patient, named, team, _), start in zip(pending_panels, starts.to_pylist(), strict=True):
        if team is not None and team not in team_ids:
            b.notes["patient CareTeam naming a team that is not imported"] += 1
            continue
        pid = b.ids[patient]
        panels.append((pid, b.ids[named] if named else None, b.ids[team] if team else None,
                       start or b.registered_from.get(pid)))
    team_schema = TABLES["teams"].schema
    team_table = pa.table({f.name: pa.array(teams.get(f.name, []), f.type) for f in team_schema})
    member_table = pa.table({"team_id": pa.array([m[0] for m in members], pa.string()),
                             "clinician_id": pa.array([m[1] for m in members], pa.string())})
    panel_table = pa.table({
        "patient_id": pa.array([p[0] for p in panels], pa.string()),
        "clinician_id": pa.array([p[1] for p in panels], pa.string()),
        "team_id": pa.array([p[2] for p in panels], pa.string()),
        "start_date": pa.array([p[3] for p in panels], pa.date32()),
    })
    return team_table, unique_rows(member_table, "team_members", b.notes), unique_rows(panel_table, "panels",
                                                                                  b.notes)
