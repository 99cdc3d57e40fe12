"""Patients and registrations: the practice and registration span of each patient.

The practice comes from carenet's registration extension, else ``generalPractitioner`` (an
Organization, a PractitionerRole's organization or a Practitioner's practice), else
``managingOrganization``, else the site of most of the patient's appointments. A derived
registration runs from the first appointment (else the date of birth) to death.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from carenet.schema import TABLES
from carenet.sources.fhir.records import PatientRecord
from carenet.sources.fhir.rows import most_common, unique_rows
from carenet.sources.fhir.timestamps import local_dates, local_timestamps

if TYPE_CHECKING:
    from carenet.sources.fhir.build import TableBuilder


def _patient_practice(b: TableBuilder, r: PatientRecord, busiest: dict[str, str]) -> str | None:
    """The practice a patient without a registration extension is registered with, or None."""
    source = ("Patient", r.id)
    for ref in r.general_practitioners:
        key = b.resolve(source, ref, ("Organization", "Practitioner", "PractitionerRole"),
                           "generalPractitioner")
        if key is None:
            continue
        if key[0] == "Organization":
            found = b.org(key, "practice")
        elif key[0] == "PractitionerRole":
            role = b.roles[key[1]]
            org = b.resolve(("PractitionerRole", role.id), role.organization, ("Organization",),
                               "organization")
            found = b.org(org, "practice")
        else:
            found = b.clinician_practice.get(key)
        if found:
            return found
    managing = b.resolve(source, r.managing_organization, ("Organization",), "managingOrganization")
    return b.org(managing, "practice") or busiest.get(r.id)

def patient_tables(b: TableBuilder, contacts: list[dict]) -> tuple[pa.Table, pa.Table]:
    """The patients and registrations tables; fills ``b.patient_practice`` and ``b.registered_from``."""
    tz = b.defaults.timezone
    busiest = most_common((c["patient"][1], c["site"]) for c in contacts if c["site"])
    starts, _ = local_timestamps([c["record"].start for c in contacts], tz)
    first_seen: dict[str, date] = {}
    for c, when in zip(contacts, starts.cast(pa.date32()).to_pylist(), strict=True):
        pid = c["patient"][1]
        if when is not None and (pid not in first_seen or when < first_seen[pid]):
            first_seen[pid] = when
    records = [r for r in b.patients.values() if ("Patient", r.id) in b.ids]
    birth, bad_birth = local_dates([r.birth_date for r in records], tz)
    death, bad_death = local_dates([r.death for r in records], tz)
    for i in np.flatnonzero(bad_birth | bad_death):
        b.problem(("Patient", records[i].id), "birthDate or deceasedDateTime cannot be read as a date")
    births, deaths = birth.to_pylist(), death.to_pylist()
    kept: list[int] = []
    span_rows: list[tuple[int, str, str | None, str | None]] = []
    for i, r in enumerate(records):
        key = ("Patient", r.id)
        spans = []
        for practice_ref, start, end in r.registrations:
            org = b.resolve(key, practice_ref, ("Organization",), "registration practice")
            if b.org(org, "practice"):
                spans.append((b.org(org, "practice"), start, end))
        if not spans:
            practice = _patient_practice(b, r, busiest)
            if practice is None:
                b.problem(key, "cannot tell which practice the patient is registered with (no registration "
                                   "extension, generalPractitioner, managingOrganization or encounter at a "
                                   "practice)")
                continue
            spans = [(practice, None, None)]
        kept.append(i)
        span_rows += [(i, p, s, e) for p, s, e in spans]
    span_start, bad_s = local_dates([s for _, _, s, _ in span_rows], tz)
    span_end, bad_e = local_dates([e for _, _, _, e in span_rows], tz)
    for j in np.flatnonzero(bad_s | bad_e):
        b.problem(("Patient", records[span_rows[j][0]].id), "registration period cannot be read as dates")
    by_patient: dict[int, list[tuple[str, date | None, date | None, bool]]] = defaultdict(list)
    for (i, practice, given, _), s, e in zip(span_rows, span_start.to_pylist(), span_end.to_pylist(),
                                             strict=True):
        by_patient[i].append((practice, s, e, given is not None))
    rows: dict[str, list] = defaultdict(list)
    reg: dict[str, list] = defaultdict(list)
    b.patient_practice.clear()
    for i in kept:
        r, key = records[i], ("Patient", records[i].id)
        spans = []
        for practice, s, e, given in by_patient[i]:
            if not given:  # derived: from the first contact (else birth) to death
                s = first_seen.get(r.id) or births[i]
                e = deaths[i]
            spans.append((practice, s, e))
        current = max(spans, key=lambda sp: (sp[2] is None, sp[1] or date.min))
        b.patient_practice[key] = current[0]
        for practice, s, e in spans:
            reg["patient_id"].append(b.ids[key])
            reg["practice_id"].append(practice)
            reg["start_date"].append(s)
            reg["end_date"].append(e)
        rows["patient_id"].append(b.ids[key])
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
    b.registered_from = dict(zip(rows["patient_id"], rows["registered_from"], strict=True))
    return patients, unique_rows(registrations, "registrations", b.notes)
