"""Appointments from Encounters and Appointments: patient, clinician, role, site, practice, status.

The patient is the subject, else the first participant that is a Patient; the clinician the first
participant that is a Practitioner (or a PractitionerRole's practitioner); the role that
participant's own, else its PractitionerRole's, else the first role given without a participant.
An Encounter pointing to an imported Appointment marks that appointment attended and is counted
once, as the appointment. Participants are exploded into one column, so "the first that resolves"
is a per-group choice over arrays, and a problem is reported only for a participant the rule looks at.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema import TABLES
from carenet.sources.fhir.graph import NO_NODE, encode, named_type, spread
from carenet.sources.fhir.groups import any_in_group, earlier_count, explode, first_in_group, last_in_group
from carenet.sources.fhir.timestamps import local_timestamps

if TYPE_CHECKING:
    from carenet.sources.fhir.build import TableBuilder

_DURATION_RANGE = TABLES["appointments"].ranges["duration_minutes"]
_CLINICIAN_TYPES = ("Practitioner", "PractitionerRole")


@dataclass
class Contacts:
    """The usable Encounters and Appointments (Appointments first), with their references resolved."""

    table: pa.Table
    node: np.ndarray
    patient: np.ndarray
    clinician: np.ndarray
    role: np.ndarray
    site: np.ndarray
    practice: np.ndarray
    status: np.ndarray
    start: pa.Array
    bad_start: np.ndarray


def contact_rows(b: TableBuilder) -> Contacts:
    """Resolve every contact's references; keep those with a patient that are not an Appointment's Encounter."""
    g, step = b.graph, b.step()
    table = pa.concat_tables([b.tables["Appointment"], b.tables["Encounter"]])
    nodes = np.concatenate([g.nodes("Appointment"), g.nodes("Encounter")])
    table, nodes = b.with_ids(table, nodes)
    n = len(nodes)
    subject = g.resolve(table["subject"], ("Patient",))
    for row in subject.problem_rows():
        step.add((int(row), 0), nodes[row], f"subject: {subject.message[row]}")

    items = explode(table["participant_refs"])
    item_roles = explode(table["participant_roles"]).values.to_numpy(zero_copy_only=False)
    parent, pos = items.parent, items.pos
    codes, distinct = encode(items.values)
    found = [_participant(b, ref) for ref in distinct]
    is_patient = spread([f[0] for f in found], codes, False, bool)
    node = spread([f[1] for f in found], codes, NO_NODE, np.int64)
    message = spread([f[2] for f in found], codes)
    pr_role = spread([f[3] for f in found], codes)
    patientish = spread([f[4] for f in found], codes, False, bool)
    given = codes >= 0
    same_as_subject = pc.fill_null(pc.equal(items.values, table["subject"].combine_chunks().take(pa.array(parent))),
                                   False).to_numpy(zero_copy_only=False) if len(parent) else given
    live = given & ~same_as_subject

    patient_item = live & is_patient
    patient_found = patient_item & (node != NO_NODE)
    looked_at = patient_item & (earlier_count(parent, patient_found) == 0) & (subject.node[parent] == NO_NODE)
    clinician_item = live & ~is_patient
    clinician_found = clinician_item & (node != NO_NODE)
    looked_at |= clinician_item & (earlier_count(parent, clinician_found) == 0)
    for i in np.flatnonzero(looked_at & (message != None)):  # noqa: E711
        step.add((int(parent[i]), 1, int(pos[i])), nodes[parent[i]], f"participant: {message[i]}")

    first_patient = first_in_group(parent, patient_found, n)
    patient = np.where(subject.node != NO_NODE, subject.node, _at(node, first_patient, NO_NODE)).astype(np.int64)
    first_clinician = first_in_group(parent, clinician_found, n)
    clinician = _at(node, first_clinician, NO_NODE).astype(np.int64)
    own_role = _at(item_roles, first_clinician, None)
    their_role = _at(pr_role, first_clinician, None)
    role_only = first_in_group(parent, ~given & (item_roles != None), n)  # noqa: E711
    role = np.where(own_role != None, own_role, np.where(their_role != None, their_role,  # noqa: E711
                                                          _at(item_roles, role_only, None)))

    with_patient = patient != NO_NODE
    _count_without_patient(b, table, with_patient, any_in_group(parent, given & patientish, n))
    booking = _bookings(b, step, table, nodes, with_patient)
    booked = with_patient & (booking != NO_NODE)
    status = table["status"].to_numpy(zero_copy_only=False)
    booked_as = {int(booking[r]): status[r] for r in np.flatnonzero(booked)}
    if booked.any():
        b.notes["Encounter recorded against its Appointment (counted once)"] += int(booked.sum())
    kept = with_patient & ~booked
    places = []
    for phase, column, field in ((3, "site", "site/serviceProvider"), (4, "practice", "registered practice")):
        found_org = g.resolve(table[column], ("Organization",))
        for row in found_org.problem_rows(kept):
            step.add((int(row), phase), nodes[row], f"{field}: {found_org.message[row]}")
        places.append(b.org_practice[found_org.node])
    step.flush()
    if booked_as:
        attended = np.array([booked_as.get(int(v)) == "attended" for v in nodes])
        status = np.where(attended & (status == "booked"), "attended", status).astype(object)
    rows = np.flatnonzero(kept)
    start, bad_start = local_timestamps(table["start"].take(rows), b.defaults.timezone)
    return Contacts(table.take(rows), nodes[rows], patient[rows], clinician[rows], role[rows], places[0][rows],
                    places[1][rows], status[rows], start, bad_start)


def _participant(b: TableBuilder, ref: str) -> tuple[bool, int, str | None, str | None, bool]:
    """For one participant reference: (names a Patient, node, problem, role of its PractitionerRole, may be
    a patient). A Patient is resolved as the contact's patient, anything else as a clinician (leniently:
    a participant may be a RelatedPerson or a Location)."""
    g = b.graph
    target = g.index.resolve(ref)
    named = named_type(ref)
    kind = named if isinstance(target, str) else target[0]
    if kind == "Patient":
        node, message = g.outcome(ref, ("Patient",), True)
        return True, node, message, None, named in ("Patient", None)
    node, message = g.outcome(ref, _CLINICIAN_TYPES, False)
    clinician, role = b.clinician(node)
    return False, clinician, message, role, named in ("Patient", None)


def _at(values: np.ndarray, index: np.ndarray, missing: object) -> np.ndarray:
    """``values[index]`` where ``index`` >= 0, else ``missing``."""
    out = np.full(len(index), missing, dtype=object)
    found = index >= 0
    out[found] = values[index[found]]
    return out


def _count_without_patient(b: TableBuilder, table: pa.Table, with_patient: np.ndarray,
                           patient_participant: np.ndarray) -> None:
    """Note the contacts with no patient at all (a contact whose patient reference failed was reported)."""
    alone = ~with_patient & table["subject"].is_null().to_numpy(zero_copy_only=False) & ~patient_participant
    if alone.any():
        for kind, n in zip(*np.unique(table["resource_type"].to_numpy(zero_copy_only=False)[alone],
                                      return_counts=True), strict=True):
            b.notes[f"{kind} without a patient"] += int(n)


def _bookings(b: TableBuilder, step, table: pa.Table, nodes: np.ndarray, with_patient: np.ndarray) -> np.ndarray:
    """Per contact, the node of the last imported Appointment it is recorded against (NO_NODE: none)."""
    items = explode(table["appointments"])
    found = b.graph.resolve(items.values, ("Appointment",))
    looked_at = with_patient[items.parent]
    for i in found.problem_rows(looked_at):
        step.add((int(items.parent[i]), 2, int(items.pos[i])), nodes[items.parent[i]],
                 f"appointment: {found.message[i]}")
    last = last_in_group(items.parent, looked_at & (found.node != NO_NODE), len(nodes))
    return _at(found.node, last, NO_NODE).astype(np.int64)


def appointment_table(b: TableBuilder, contacts: Contacts) -> pa.Table:
    """The appointments table: times in local wall-clock time, length from the period when not given."""
    tz, step = b.defaults.timezone, b.step()
    table = contacts.table
    start = contacts.start
    end, bad_end = local_timestamps(table["end"], tz)
    created, bad_created = local_timestamps(table["created"], tz)
    for i in np.flatnonzero(contacts.bad_start | bad_end | bad_created):
        step.add((int(i),), contacts.node[i], "a start, end or created time cannot be read as a date-time")
    step.flush()
    given = table["minutes"].to_numpy(zero_copy_only=False).astype(float)
    spans = pc.subtract(end, start).cast(pa.int64()).to_numpy(zero_copy_only=False) / 60.0 if len(given) else given
    minutes = np.where(np.isnan(given), spans, given)
    lo, hi = _DURATION_RANGE
    out_of_range = ~np.isnan(minutes) & ((minutes < lo) | (minutes > hi))
    if out_of_range.any():
        b.notes[f"appointment length outside {lo}-{hi} minutes left blank"] += int(out_of_range.sum())
    minutes = np.where(out_of_range, np.nan, np.round(minutes))
    g = b.graph
    role = np.where(contacts.role != None, contacts.role, b.clinician_role[contacts.clinician])  # noqa: E711
    practice = np.where(contacts.practice != None, contacts.practice,  # noqa: E711
                        b.patient_practice[contacts.patient])
    return pa.table({
        "appointment_id": pa.array(g.canon[contacts.node], pa.string()),
        "patient_id": pa.array(g.canon[contacts.patient], pa.string()),
        "clinician_id": pa.array(g.canon[contacts.clinician], pa.string()),
        "role": pa.array(role, pa.string()),
        "practice_id": pa.array(practice, pa.string()),
        "site_id": pa.array(contacts.site, pa.string()),
        "requested_at": created,
        "booked_for": start,
        "duration_minutes": pa.array(minutes, pa.float64(), from_pandas=True).cast(pa.int16()),
        "mode": table["mode"],
        "status": pa.array(contacts.status, pa.string()),
        "urgency": table["urgency"],
        "need_type": table["need_type"],
    })
