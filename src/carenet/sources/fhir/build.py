"""Turn the records of one import into canonical tables: resolve references, derive what FHIR leaves out.

:class:`TableBuilder` holds what every table needs (canonical ids, reference resolution, problems)
and builds organisations, clinicians and appointments; ``build_patients`` and ``build_care`` build
the rest. The derivations (documented in ``docs/fhir.md``):

* an Organization that another is ``partOf``, or that carries carenet's network-kind coding, is a
  network; every other Organization is a practice (or hub site);
* a clinician's role comes from its PractitionerRole code, else the Practitioner's qualification,
  else the configured default; its practice from the PractitionerRole organization, else the site of
  most of its appointments;
* a patient's practice comes from carenet's registration extension, else ``generalPractitioner``,
  else ``managingOrganization``, else the site of most of its appointments; ``registered_from`` from
  the extension, else the earliest appointment, else the date of birth; a death ends the registration;
* an ambulatory, virtual or home encounter is an appointment with the practitioner who took part;
* a CareTeam without a patient is a team; a patient's CareTeam is a panel row (its named or only
  practitioner, and the team it references), or, with several practitioners and no team reference,
  a team of its own holding that patient.
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
from carenet.sources.fhir.build_care import care_plan_table, condition_table, team_tables
from carenet.sources.fhir.build_patients import patient_tables
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
from carenet.sources.fhir.rows import most_common
from carenet.sources.fhir.timestamps import local_timestamps
from carenet.sources.fhir.vocabulary import READ_TYPES
from carenet.sources.problems import ProblemLog

_CLINICIAN_TYPES = ("Practitioner", "PractitionerRole")
_DURATION_RANGE = TABLES["appointments"].ranges["duration_minutes"]


@dataclass
class Inputs:
    """Everything read from the input files, deduplicated."""

    records: dict[str, list[tuple]]
    index: ReferenceIndex
    origin: dict[Key, tuple[str, str]]


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
        # filled as the tables are built, each from the ones before:
        self.role_practitioner: dict[str, Key] = {}
        self.network_of: dict[str, str] = {}
        self.kind_of_org: dict[str, str] = {}
        self.clinician_role: dict[Key, str] = {}
        self.clinician_practice: dict[Key, str | None] = {}
        self.patient_practice: dict[Key, str] = {}
        self.registered_from: dict[str, date | None] = {}

    # -- references -----------------------------------------------------------------------------

    def problem(self, key: Key, reason: str) -> None:
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
                self.problem(source, f"{field}: dangling reference: {found}")
            return None
        if found[0] not in accepted:
            if strict and found[0] in READ_TYPES:
                self.problem(source, f"{field}: {ref!r} is a {found[0]}, expected {' or '.join(accepted)}")
            return None
        if found not in self.ids:
            return None  # the target itself was rejected or skipped: reported (or counted) there
        return found

    def clinician_key(self, source: Key, ref: str | None, field: str,
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
                    self.problem(key, f"maps to the same {tables.get(kind, 'appointments')} id {canonical!r} as "
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
        for r in self.roles.values():
            key = self.resolve(("PractitionerRole", r.id), r.practitioner, ("Practitioner",), "practitioner")
            if key is not None:
                self.role_practitioner[r.id] = key
            elif r.practitioner is None:
                self.notes["PractitionerRole without a practitioner"] += 1
        contacts = self._contacts()
        clinicians = self._clinicians(contacts)
        patients, registrations = patient_tables(self, contacts)
        tables["networks"] = networks
        tables["practices"] = self._practices(practices, patients)
        tables["clinicians"] = clinicians
        tables["patients"] = patients
        tables["registrations"] = registrations
        teams, members, panels = team_tables(self)
        tables["teams"], tables["team_members"], tables["panels"] = teams, members, panels
        tables["conditions"] = condition_table(self)
        tables["appointments"] = self._appointments(contacts)
        tables["care_plans"] = care_plan_table(self)
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

    def org(self, key: Key | None, kind: str) -> str | None:
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
                    clinician, pr_role = self.clinician_key(source, p.reference, "participant", strict=False)
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
                        "role": role, "site": self.org(site, "practice"), "practice": self.org(practice, "practice")})
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
            self.problem(contacts[i]["source"], "a start, end or created time cannot be read as a date-time")
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
        busiest_site = most_common((c["clinician"][1], c["site"]) for c in contacts if c["clinician"] and c["site"])
        rows: dict[str, list] = defaultdict(list)
        for r in self.practitioners.values():
            key = ("Practitioner", r.id)
            if key not in self.ids:
                continue
            pr = first_role.get(key)
            org = self.resolve(("PractitionerRole", pr.id), pr.organization, ("Organization",), "organization") \
                if pr else None
            practice, network = self.org(org, "practice"), self.org(org, "network")
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
