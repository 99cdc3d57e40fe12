"""Turn the records of one import into canonical tables: resolve references, derive what FHIR leaves out.

The derivations (documented in ``docs/fhir.md``):

* an Organization that another is ``partOf``, or that carries carenet's network-kind coding, is a
  network; every other Organization is a practice (or hub site);
* a clinician's role comes from its PractitionerRole code, else the Practitioner's qualification,
  else the configured default; its practice from the PractitionerRole organization, else the site of
  most of its appointments;
* a patient's practice comes from carenet's registration extension, else ``generalPractitioner``,
  else ``managingOrganization``, else the site of most of its appointments; ``registered_from`` from
  the extension, else the earliest appointment, else the date of birth; a death ends the registration;
* an ambulatory, virtual or home encounter is an appointment with the practitioner who took part.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema import TABLES, conform
from carenet.schema.codelists import deficits_for_code, register_for_code
from carenet.sources.fhir.defaults import FhirDefaults
from carenet.sources.fhir.records import (
    CarePlanRecord,
    CareTeamRecord,
    ConditionRecord,
    ContactRecord,
    GoalRecord,
    OrganizationRecord,
    PatientRecord,
    PractitionerRecord,
    PractitionerRoleRecord,
)
from carenet.sources.fhir.references import Key, ReferenceIndex
from carenet.sources.fhir.timestamps import local_dates, local_timestamps
from carenet.sources.fhir.vocabulary import NAMED_CLINICIAN, READ_TYPES
from carenet.sources.problems import ProblemLog

_CLINICIAN_TYPES = ("Practitioner", "PractitionerRole")
_DURATION_RANGE = TABLES["appointments"].ranges["duration_minutes"]


@dataclass
class Inputs:
    """Everything read from the input files, deduplicated."""

    records: dict[str, list[tuple]]
    index: ReferenceIndex
    origin: dict[Key, tuple[str, str]]


def _most_common(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """For each first element, its most frequent second element (ties: the smallest, for determinism)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for a, b in pairs:
        counts[a][b] += 1
    return {a: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for a, c in counts.items()}


class TableBuilder:
    """Build every canonical table of one import; problems go to ``problems``, notes to ``notes``."""

    def __init__(self, inputs: Inputs, defaults: FhirDefaults, problems: ProblemLog):
        self.inputs = inputs
        self.index = inputs.index
        self.defaults = defaults
        self.problems = problems
        self.notes: Counter[str] = Counter()
        self.ids: dict[Key, str] = {}
        recs = inputs.records
        self.orgs: dict[str, OrganizationRecord] = {r.id: r for r in recs.get("Organization", ())}
        self.practitioners: dict[str, PractitionerRecord] = {r.id: r for r in recs.get("Practitioner", ())}
        self.roles: dict[str, PractitionerRoleRecord] = {r.id: r for r in recs.get("PractitionerRole", ())}
        self.patients: dict[str, PatientRecord] = {r.id: r for r in recs.get("Patient", ())}
        self.goals: dict[str, GoalRecord] = {r.id: r for r in recs.get("Goal", ())}
        self.contacts: list[ContactRecord] = [*recs.get("Appointment", ()), *recs.get("Encounter", ())]
        self.conditions: list[ConditionRecord] = list(recs.get("Condition", ()))
        self.care_plans: list[CarePlanRecord] = list(recs.get("CarePlan", ()))
        self.care_teams: list[CareTeamRecord] = list(recs.get("CareTeam", ()))

    # -- references -----------------------------------------------------------------------------

    def _problem(self, key: Key, reason: str) -> None:
        file, where = self.inputs.origin.get(key, ("?", f"{key[0]}/{key[1]}"))
        self.problems.add(file, where, reason)

    def resolve(self, source: Key, ref: str | None, accepted: tuple[str, ...], field: str,
                strict: bool = True) -> Key | None:
        """The key ``ref`` points to when it is one of ``accepted``, else None.

        A reference that resolves to nothing is a problem when it names (or may name) a type carenet
        reads; a reference to another type carenet reads is a problem when ``strict`` (FHIR restricts
        the field's target types) and ignored otherwise (a participant may be a Patient or a Location).
        """
        if ref is None:
            return None
        found = self.index.resolve(ref)
        if isinstance(found, str):
            named = _named_type(ref)
            if named is None or named in READ_TYPES:
                self._problem(source, f"{field}: dangling reference: {found}")
            return None
        if found[0] not in accepted:
            if strict and found[0] in READ_TYPES:
                self._problem(source, f"{field}: {ref!r} is a {found[0]}, expected {' or '.join(accepted)}")
            return None
        if found not in self.ids:
            return None  # the target itself was rejected or skipped: reported (or counted) there
        return found

    def _clinician_key(self, source: Key, ref: str | None, field: str,
                       strict: bool = True) -> tuple[Key | None, str | None]:
        """(Practitioner key, role from the PractitionerRole) for a Practitioner or PractitionerRole reference."""
        key = self.resolve(source, ref, _CLINICIAN_TYPES, field, strict)
        if key is None or key[0] == "Practitioner":
            return key, None
        return self.role_practitioner.get(key[1]), self.roles[key[1]].role

    # -- ids ------------------------------------------------------------------------------------

    def _assign_ids(self) -> None:
        tables = {"Organization": "practices/networks", "Practitioner": "clinicians", "Patient": "patients",
                  "CareTeam": "teams", "CarePlan": "care_plans"}
        groups: dict[str, Iterable[tuple]] = {
            "Organization": self.orgs.values(), "Practitioner": self.practitioners.values(),
            "Patient": self.patients.values(), "CareTeam": self.care_teams, "CarePlan": self.care_plans,
            "Appointment": self.contacts,
        }
        for kind, records in groups.items():
            taken: dict[str, Key] = {}
            for r in records:
                key = (getattr(r, "resource_type", kind), r.id)
                canonical = getattr(r, "carenet_id", None) or getattr(r, "ods", None) or r.id
                if canonical in taken:
                    self._problem(key, f"maps to the same {tables.get(kind, 'appointments')} id {canonical!r} as "
                                       f"{taken[canonical][0]}/{taken[canonical][1]}")
                    continue
                taken[canonical] = key
                self.ids[key] = canonical
        for kind in ("PractitionerRole", "Goal"):
            for r in self.inputs.records.get(kind, ()):
                self.ids[(kind, r.id)] = r.id

    # -- build ----------------------------------------------------------------------------------

    def build(self) -> dict[str, pa.Table]:
        self._assign_ids()
        tables: dict[str, pa.Table] = {}
        networks, practices = self._organizations()
        self.role_practitioner: dict[str, Key] = {}
        for r in self.roles.values():
            key = self.resolve(("PractitionerRole", r.id), r.practitioner, ("Practitioner",), "practitioner")
            if key is not None:
                self.role_practitioner[r.id] = key
            elif r.practitioner is None:
                self.notes["PractitionerRole without a practitioner"] += 1
        contacts = self._contacts()
        clinicians = self._clinicians(contacts)
        patients, registrations = self._patients(contacts)
        tables["networks"] = networks
        tables["practices"] = self._practices(practices, patients)
        tables["clinicians"] = clinicians
        tables["patients"] = patients
        tables["registrations"] = registrations
        teams, members, panels = self._teams()
        tables["teams"], tables["team_members"], tables["panels"] = teams, members, panels
        tables["conditions"] = self._conditions()
        tables["appointments"] = self._appointments(contacts)
        tables["care_plans"] = self._care_plans()
        return {name: conform(name, t) for name, t in tables.items()}

    # -- organisations --------------------------------------------------------------------------

    def _organizations(self) -> tuple[pa.Table, list[OrganizationRecord]]:
        parents: dict[str, str] = {}
        for r in self.orgs.values():
            key = self.resolve(("Organization", r.id), r.part_of, ("Organization",), "partOf")
            if key is not None:
                parents[r.id] = key[1]
        network_ids = {r.id for r in self.orgs.values() if r.network_kind} | set(parents.values())
        usable = [r for r in self.orgs.values() if ("Organization", r.id) in self.ids]
        self.network_of = {child: parent for child, parent in parents.items() if parent in network_ids}
        self.kind_of_org = {rid: ("network" if rid in network_ids else "practice") for rid in self.orgs}
        networks = [r for r in usable if r.id in network_ids]
        rows = {
            "network_id": [self.ids[("Organization", r.id)] for r in networks],
            "name": [r.name or self.ids[("Organization", r.id)] for r in networks],
            "kind": [r.network_kind or self.defaults.network_kind for r in networks],
        }
        return pa.table(rows, schema=TABLES["networks"].schema), [r for r in usable if r.id not in network_ids]

    def _org(self, key: Key | None, kind: str) -> str | None:
        """Canonical id of the Organization ``key`` when it is a ``kind`` (practice or network)."""
        if key is None or self.kind_of_org.get(key[1]) != kind:
            return None
        return self.ids[key]

    def _practices(self, practices: list[OrganizationRecord], patients: pa.Table) -> pa.Table:
        current = patients.filter(pc.is_null(patients["registered_to"]))
        counted = Counter(current["practice_id"].to_pylist())
        ids = [self.ids[("Organization", r.id)] for r in practices]
        network_ids = [self.network_of.get(r.id) for r in practices]
        return pa.table({
            "practice_id": ids,
            "name": [r.name or pid for r, pid in zip(practices, ids, strict=True)],
            "network_id": [self.ids.get(("Organization", n)) if n else None for n in network_ids],
            "imd_score": pa.array([r.imd_score for r in practices], pa.float64()),
            "list_size": pa.array([r.list_size if r.list_size is not None else counted.get(pid, 0)
                                   for r, pid in zip(practices, ids, strict=True)], pa.int32()),
            "postcode": [r.postcode for r in practices],
        })

    # -- appointments ---------------------------------------------------------------------------

    def _contacts(self) -> list[dict]:
        """Each usable Encounter/Appointment with its references resolved (canonical tables follow)."""
        out = []
        booked_as = {}
        for c in self.contacts:
            source = (c.resource_type, c.id)
            if source not in self.ids:
                continue
            patient = self.resolve(source, c.subject, ("Patient",), "subject") if c.subject else None
            clinician, role = None, None
            for p in c.participants:
                if p.reference is None:
                    role = role or p.role
                    continue
                if p.reference == c.subject:
                    continue
                found = self.index.resolve(p.reference)
                kind = _named_type(p.reference) if isinstance(found, str) else found[0]
                if kind == "Patient":
                    patient = patient or self.resolve(source, p.reference, ("Patient",), "participant")
                elif clinician is None:
                    clinician, pr_role = self._clinician_key(source, p.reference, "participant", strict=False)
                    if clinician is not None:
                        role = p.role or pr_role or role
            if patient is None:
                if c.subject is None and not any(p.reference and (_named_type(p.reference) in ("Patient", None))
                                                 for p in c.participants):
                    self.notes[f"{c.resource_type} without a patient"] += 1
                continue
            booking = None
            for ref in c.appointments:
                key = self.resolve(source, ref, ("Appointment",), "appointment")
                if key is not None:
                    booking = key
            if booking is not None:
                booked_as[booking] = c.status
                self.notes["Encounter recorded against its Appointment (counted once)"] += 1
                continue
            site = self.resolve(source, c.site, ("Organization",), "site/serviceProvider")
            practice = self.resolve(source, c.practice, ("Organization",), "registered practice")
            out.append({"source": source, "record": c, "patient": patient, "clinician": clinician,
                        "role": role, "site": self._org(site, "practice"), "practice": self._org(practice, "practice")})
        for item in out:
            encounter_status = booked_as.get(item["source"])
            if encounter_status == "attended" and item["record"].status == "booked":
                item["status"] = "attended"
            else:
                item["status"] = item["record"].status
        return out

    def _appointments(self, contacts: list[dict]) -> pa.Table:
        tz = self.defaults.timezone
        recs = [c["record"] for c in contacts]
        start, bad_start = local_timestamps([r.start for r in recs], tz)
        end, bad_end = local_timestamps([r.end for r in recs], tz)
        created, bad_created = local_timestamps([r.created for r in recs], tz)
        for i in np.flatnonzero(bad_start | bad_end | bad_created):
            self._problem(contacts[i]["source"], "a start, end or created time cannot be read as a date-time")
        given = np.array([np.nan if r.minutes is None else r.minutes for r in recs], dtype=float)
        spans = (pc.subtract(end, start).cast(pa.int64()).to_numpy(zero_copy_only=False) / 60.0
                 if recs else np.array([]))
        minutes = np.where(np.isnan(given), spans, given) if recs else given
        lo, hi = _DURATION_RANGE
        out_of_range = ~np.isnan(minutes) & ((minutes < lo) | (minutes > hi))
        if out_of_range.any():
            self.notes[f"appointment length outside {lo}-{hi} minutes left blank"] += int(out_of_range.sum())
        minutes = np.where(out_of_range, np.nan, np.round(minutes))
        patients_practice = self.patient_practice
        rows = {
            "appointment_id": [self.ids[c["source"]] for c in contacts],
            "patient_id": [self.ids[c["patient"]] for c in contacts],
            "clinician_id": [self.ids[c["clinician"]] if c["clinician"] else None for c in contacts],
            "role": [c["role"] or (self.clinician_role.get(c["clinician"]) if c["clinician"] else None)
                     for c in contacts],
            "practice_id": [c["practice"] or patients_practice.get(c["patient"]) for c in contacts],
            "site_id": [c["site"] for c in contacts],
            "requested_at": created,
            "booked_for": start,
            "duration_minutes": pa.array(minutes, pa.float64(), from_pandas=True).cast(pa.int16()),
            "mode": [r.mode for r in recs],
            "status": [c["status"] for c in contacts],
            "urgency": [r.urgency for r in recs],
            "need_type": [r.need_type for r in recs],
        }
        return pa.table(rows)

    # -- clinicians -----------------------------------------------------------------------------

    def _clinicians(self, contacts: list[dict]) -> pa.Table:
        first_role: dict[Key, PractitionerRoleRecord] = {}
        for rid, key in self.role_practitioner.items():
            first_role.setdefault(key, self.roles[rid])
        busiest_site = _most_common((c["clinician"][1], c["site"]) for c in contacts if c["clinician"] and c["site"])
        rows: dict[str, list] = defaultdict(list)
        self.clinician_role: dict[Key, str] = {}
        self.clinician_practice: dict[Key, str | None] = {}
        for r in self.practitioners.values():
            key = ("Practitioner", r.id)
            if key not in self.ids:
                continue
            pr = first_role.get(key)
            org = self.resolve(("PractitionerRole", pr.id), pr.organization, ("Organization",), "organization") \
                if pr else None
            practice, network = self._org(org, "practice"), self._org(org, "network")
            if org is None:
                practice = busiest_site.get(r.id)
            role = (pr.role if pr else None) or r.role or self.defaults.role
            self.clinician_role[key] = role
            self.clinician_practice[key] = practice
            rows["clinician_id"].append(self.ids[key])
            rows["name"].append(r.name)
            rows["role"].append(role)
            rows["practice_id"].append(practice)
            rows["network_id"].append(network)
            rows["fte"].append(pr.fte if pr and pr.fte is not None else self.defaults.fte)
            rows["working_days"].append(pr.working_days if pr else None)
            rows["sessions_per_week"].append(pr.sessions if pr else None)
        schema = TABLES["clinicians"].schema
        return pa.table({f.name: pa.array(rows.get(f.name, []), f.type) for f in schema})

    # -- patients -------------------------------------------------------------------------------

    def _patient_practice(self, r: PatientRecord, busiest: dict[str, str]) -> str | None:
        source = ("Patient", r.id)
        for ref in r.general_practitioners:
            key = self.resolve(source, ref, ("Organization", "Practitioner", "PractitionerRole"),
                               "generalPractitioner")
            if key is None:
                continue
            if key[0] == "Organization":
                found = self._org(key, "practice")
            elif key[0] == "PractitionerRole":
                role = self.roles[key[1]]
                org = self.resolve(("PractitionerRole", role.id), role.organization, ("Organization",),
                                   "organization")
                found = self._org(org, "practice")
            else:
                found = self.clinician_practice.get(key)
            if found:
                return found
        managing = self.resolve(source, r.managing_organization, ("Organization",), "managingOrganization")
        return self._org(managing, "practice") or busiest.get(r.id)

    def _patients(self, contacts: list[dict]) -> tuple[pa.Table, pa.Table]:
        tz = self.defaults.timezone
        busiest = _most_common((c["patient"][1], c["site"]) for c in contacts if c["site"])
        starts, _ = local_timestamps([c["record"].start for c in contacts], tz)
        first_seen: dict[str, date] = {}
        for c, when in zip(contacts, starts.cast(pa.date32()).to_pylist(), strict=True):
            pid = c["patient"][1]
            if when is not None and (pid not in first_seen or when < first_seen[pid]):
                first_seen[pid] = when
        records = [r for r in self.patients.values() if ("Patient", r.id) in self.ids]
        birth, bad_birth = local_dates([r.birth_date for r in records], tz)
        death, bad_death = local_dates([r.death for r in records], tz)
        for i in np.flatnonzero(bad_birth | bad_death):
            self._problem(("Patient", records[i].id), "birthDate or deceasedDateTime cannot be read as a date")
        births, deaths = birth.to_pylist(), death.to_pylist()
        kept: list[int] = []
        span_rows: list[tuple[int, str, str | None, str | None]] = []
        for i, r in enumerate(records):
            key = ("Patient", r.id)
            spans = []
            for practice_ref, start, end in r.registrations:
                org = self.resolve(key, practice_ref, ("Organization",), "registration practice")
                if self._org(org, "practice"):
                    spans.append((self._org(org, "practice"), start, end))
            if not spans:
                practice = self._patient_practice(r, busiest)
                if practice is None:
                    self._problem(key, "cannot tell which practice the patient is registered with (no registration "
                                       "extension, generalPractitioner, managingOrganization or encounter at a "
                                       "practice)")
                    continue
                spans = [(practice, None, None)]
            kept.append(i)
            span_rows += [(i, p, s, e) for p, s, e in spans]
        span_start, bad_s = local_dates([s for _, _, s, _ in span_rows], tz)
        span_end, bad_e = local_dates([e for _, _, _, e in span_rows], tz)
        for j in np.flatnonzero(bad_s | bad_e):
            self._problem(("Patient", records[span_rows[j][0]].id), "registration period cannot be read as dates")
        by_patient: dict[int, list[tuple[str, date | None, date | None, bool]]] = defaultdict(list)
        for (i, practice, given, _), s, e in zip(span_rows, span_start.to_pylist(), span_end.to_pylist(),
                                                 strict=True):
            by_patient[i].append((practice, s, e, given is not None))
        rows: dict[str, list] = defaultdict(list)
        reg: dict[str, list] = defaultdict(list)
        self.patient_practice: dict[Key, str] = {}
        for i in kept:
            r, key = records[i], ("Patient", records[i].id)
            spans = []
            for practice, s, e, given in by_patient[i]:
                if not given:  # derived: from the first contact (else birth) to death
                    s = first_seen.get(r.id) or births[i]
                    e = deaths[i]
                spans.append((practice, s, e))
            current = max(spans, key=lambda sp: (sp[2] is None, sp[1] or date.min))
            self.patient_practice[key] = current[0]
            for practice, s, e in spans:
                reg["patient_id"].append(self.ids[key])
                reg["practice_id"].append(practice)
                reg["start_date"].append(s)
                reg["end_date"].append(e)
            rows["patient_id"].append(self.ids[key])
            rows["nhs_number"].append(r.nhs_number)
            rows["birth_date"].append(births[i])
            rows["sex"].append(r.sex)
            rows["deprivation_decile"].append(r.deprivation_decile)
            rows["household_id"].append(r.household)
            rows["practice_id"].append(current[0])
            rows["registered_from"].append(current[1])
            rows["registered_to"].append(current[2])
            rows["death_date"].append(deaths[i])
        patients = pa.table({f.name: pa.array(rows.get(f.name, []), f.type) for f in TABLES["patients"].schema})
        registrations = pa.table({f.name: pa.array(reg.get(f.name, []), f.type)
                                  for f in TABLES["registrations"].schema})
        self.registered_from = dict(zip(rows["patient_id"], rows["registered_from"], strict=True))
        return patients, _unique(registrations, "registrations", self.notes)

    # -- conditions -----------------------------------------------------------------------------

    def _conditions(self) -> pa.Table:
        kept = []
        for r in self.conditions:
            key = self.resolve(("Condition", r.id), r.subject, ("Patient",), "subject")
            if key is not None and key in self.patient_practice:
                kept.append((r, self.ids[key]))
            elif r.subject is None:
                self.notes["Condition without a patient"] += 1
        tz = self.defaults.timezone
        onset, bad_onset = local_dates([r.onset for r, _ in kept], tz)
        resolved, bad_resolved = local_dates([r.abatement for r, _ in kept], tz)
        for i in np.flatnonzero(bad_onset | bad_resolved):
            self._problem(("Condition", kept[i][0].id), "onset or abatement cannot be read as a date")
        codes = [r.snomed_code for r, _ in kept]
        table = pa.table({
            "patient_id": pa.array([pid for _, pid in kept], pa.string()),
            "snomed_code": pa.array(codes, pa.string()),
            "register": pa.array([register_for_code(c) for c in codes], pa.string()),
            "efi_deficit": pa.array([(deficits_for_code(c) or (None,))[0] for c in codes], pa.int8()),
            "onset_date": onset,
            "resolved_date": resolved,
        })
        return _unique(table, "conditions", self.notes)

    # -- care plans -----------------------------------------------------------------------------

    def _care_plans(self) -> pa.Table:
        tz = self.defaults.timezone
        rows: dict[str, list] = defaultdict(list)
        kept = []
        for r in self.care_plans:
            source = ("CarePlan", r.id)
            if source not in self.ids:
                continue
            patient = self.resolve(source, r.subject, ("Patient",), "subject")
            if patient is None or patient not in self.patient_practice:
                continue
            worker = None
            for ref in r.key_workers:
                key, _ = self._clinician_key(source, ref, "author/contributor", strict=False)
                if key is not None:
                    worker = key
                    break
            goals = [self.goals[k[1]] for k in (self.resolve(source, g, ("Goal",), "goal") for g in r.goals) if k]
            texts = [g.description for g in goals if g.description]
            setters = [self.index.resolve(g.expressed_by) for g in goals if g.expressed_by]
            patient_set = r.goals_patient_set
            if patient_set is None and setters:
                patient_set = any(s == patient for s in setters)
            kept.append(r)
            rows["care_plan_id"].append(self.ids[source])
            rows["patient_id"].append(self.ids[patient])
            rows["key_worker_id"].append(self.ids[worker] if worker else None)
            rows["status"].append(r.status)
            rows["goals"].append(texts or None)
            rows["goals_patient_set"].append(patient_set)
        created, bad_created = local_dates([r.created for r in kept], tz)
        review, bad_review = local_dates([r.review for r in kept], tz)
        for i in np.flatnonzero(bad_created | bad_review):
            self._problem(("CarePlan", kept[i].id), "created or review date cannot be read as a date")
        schema = TABLES["care_plans"].schema
        columns = {f.name: pa.array(rows.get(f.name, []), f.type) for f in schema}
        columns["created_date"], columns["review_date"] = created, review
        return pa.table({f.name: columns[f.name] for f in schema})

    # -- teams ----------------------------------------------------------------------------------

    def _teams(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        tz = self.defaults.timezone
        teams: dict[str, list] = defaultdict(list)
        members: list[tuple[str, str]] = []
        panels: list[tuple[str, str | None, str | None, str | None, str]] = []
        team_ids = set()
        pending_panels = []
        for r in self.care_teams:
            source = ("CareTeam", r.id)
            if source not in self.ids:
                continue
            patient = self.resolve(source, r.subject, ("Patient",), "subject") if r.subject else None
            clinicians, named, linked = [], None, None
            for m in r.members:
                found = self.index.resolve(m.reference)
                if not isinstance(found, str) and found[0] == "CareTeam":
                    linked = self.resolve(source, m.reference, ("CareTeam",), "participant")
                    continue
                if not isinstance(found, str) and found[0] == "Patient":
                    continue
                key, _ = self._clinician_key(source, m.reference, "participant", strict=False)
                if key is not None and key in self.clinician_role:
                    clinicians.append(key)
                    if m.role == NAMED_CLINICIAN:
                        named = key
            if patient is not None and patient not in self.patient_practice:
                continue
            distinct = list(dict.fromkeys(clinicians))
            named = named or (distinct[0] if len(distinct) == 1 else None)
            if patient is not None and (linked is not None or len(distinct) == 1):
                pending_panels.append((source, patient, named, linked, r.start))
                continue
            if patient is not None and not distinct:
                self.notes["CareTeam of a patient with no clinician"] += 1
                continue
            orgs = [self.resolve(source, o, ("Organization",), "managingOrganization") for o in r.organizations]
            team_id = self.ids[source]
            team_ids.add(source)
            teams["team_id"].append(team_id)
            teams["name"].append(r.name or team_id)
            teams["kind"].append(r.kind or self.defaults.team_kind)
            teams["practice_id"].append(next((self._org(o, "practice") for o in orgs if self._org(o, "practice")),
                                             None))
            teams["network_id"].append(next((self._org(o, "network") for o in orgs if self._org(o, "network")),
                                            None))
            members += [(team_id, self.ids[k]) for k in dict.fromkeys(clinicians)]
            if patient is not None:
                pending_panels.append((source, patient, named, source, r.start))
        starts, bad = local_dates([p[4] for p in pending_panels], tz)
        for i in np.flatnonzero(bad):
            self._problem(pending_panels[i][0], "period.start cannot be read as a date")
        for (_, patient, named, team, _), start in zip(pending_panels, starts.to_pylist(), strict=True):
            if team is not None and team not in team_ids:
                self.notes["patient CareTeam naming a team that is not imported"] += 1
                continue
            pid = self.ids[patient]
            panels.append((pid, self.ids[named] if named else None, self.ids[team] if team else None,
                           start or self.registered_from.get(pid)))
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
        return team_table, _unique(member_table, "team_members", self.notes), _unique(panel_table, "panels",
                                                                                      self.notes)


def _named_type(ref: str) -> str | None:
    """The resource type a reference names in its text (None for ``urn:uuid:``)."""
    if ref.startswith(("urn:", "#")):
        return None
    head = ref.split("?", 1)[0]
    parts = [p for p in head.split("/") if p]
    if "?" in ref:
        return parts[-1] if parts else None
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    return parts[-2] if len(parts) >= 2 else None


def _unique(table: pa.Table, name: str, notes: Counter[str]) -> pa.Table:
    """Keep the first row of each primary key; count the repeats (the same fact recorded twice)."""
    key = list(TABLES[name].primary_key)
    if table.num_rows == 0:
        return table
    indexed = table.append_column("__row", pa.array(np.arange(table.num_rows), pa.int64()))
    first = indexed.group_by(key, use_threads=False).aggregate([("__row", "min")])
    repeats = table.num_rows - first.num_rows
    if repeats:
        notes[f"{name}: repeated rows (same key) kept once"] += repeats
    return table.take(np.sort(first["__row_min"].to_numpy()))
