"""Patients and registrations: the practice and registration span of each patient.

The practice comes from carenet's registration extension, else ``generalPractitioner`` (an
Organization, a PractitionerRole's organization or a Practitioner's practice; the first that names
a practice), else ``managingOrganization``, else the site of most of the patient's appointments. A
derived registration runs from the first appointment (else the date of birth) to death. Of several
spans the current one is open-ended, else the latest.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema import TABLES
from carenet.sources.fhir.build_contacts import Contacts
from carenet.sources.fhir.graph import NO_NODE, encode, spread
from carenet.sources.fhir.groups import any_in_group, earlier_count, explode, first_in_group, most_common
from carenet.sources.fhir.rows import unique_rows
from carenet.sources.fhir.timestamps import local_dates

if TYPE_CHECKING:
    from carenet.sources.fhir.build import TableBuilder

_GP_TYPES = ("Organization", "Practitioner", "PractitionerRole")
_NO_DAY = np.iinfo(np.int64).min
_CANNOT_TELL = ("cannot tell which practice the patient is registered with (no registration extension, "
                "generalPractitioner, managingOrganization or encounter at a practice)")


def patient_tables(b: TableBuilder, contacts: Contacts) -> tuple[pa.Table, pa.Table]:
    """The patients and registrations tables; fills ``b.patient_practice`` and ``b.registered_from``."""
    g, tz, step = b.graph, b.defaults.timezone, b.step()
    first_seen = _first_seen(b, contacts)
    table, nodes = b.tables["Patient"], g.nodes("Patient")
    table, nodes = b.with_ids(table, nodes)
    n = len(nodes)
    birth, bad_birth = local_dates(table["birth_date"], tz)
    death, bad_death = local_dates(table["death"], tz)
    for i in np.flatnonzero(bad_birth | bad_death):
        step.add((0, int(i)), nodes[i], "birthDate or deceasedDateTime cannot be read as a date")
    today = pa.scalar(dt.date.today(), pa.date32())
    for name, dates in (("birthDate", birth), ("deceasedDateTime", death)):
        future = pc.fill_null(pc.greater(dates, today), False).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(future):
            step.add((0, int(i)), nodes[i], f"{name} {dates[i].as_py()} is in the future")
    deciles = _deciles(table["deprivation_decile"])

    spans = explode(table["registration_practices"])
    found = g.resolve(spans.values, ("Organization",))
    for i in found.problem_rows():
        step.add((1, int(spans.parent[i]), 0, int(spans.pos[i])), nodes[spans.parent[i]],
                 f"registration practice: {found.message[i]}")
    span_practice = b.org_practice[found.node]
    span_kept = span_practice != None  # noqa: E711
    registered = any_in_group(spans.parent, span_kept, n)
    practice = _practice_otherwise(b, step, table, nodes, registered, contacts)
    for i in np.flatnonzero(~registered & (practice == None)):  # noqa: E711
        step.add((1, int(i), 3), nodes[i], _CANNOT_TELL)
    kept = registered | (practice != None)  # noqa: E711

    given = np.flatnonzero(span_kept)
    derived = np.flatnonzero(kept & ~registered)
    owner = np.concatenate([spans.parent[given], derived])
    order = np.argsort(owner, kind="stable")
    owner = owner[order]
    span_practice = np.concatenate([span_practice[given], practice[derived]])[order]
    texts = [explode(table[c]).values.take(pa.array(given)) for c in ("registration_starts", "registration_ends")]
    none = pa.nulls(len(derived), pa.string())
    starts, bad_s = local_dates(pa.concat_arrays([texts[0], none]).take(pa.array(order)), tz)
    ends, bad_e = local_dates(pa.concat_arrays([texts[1], none]).take(pa.array(order)), tz)
    for j in np.flatnonzero(bad_s | bad_e):
        step.add((2, int(j)), nodes[owner[j]], "registration period cannot be read as dates")
    step.flush()

    births, deaths = _days(birth), _days(death)
    is_derived = np.concatenate([np.zeros(len(given), bool), np.ones(len(derived), bool)])[order]
    start_day, end_day = _days(starts), _days(ends)
    seen = first_seen[nodes[owner]]
    start_day[is_derived] = np.where(seen[is_derived] != _NO_DAY, seen[is_derived], births[owner[is_derived]])
    end_day[is_derived] = deaths[owner[is_derived]]
    current = _current_span(owner, start_day, end_day, n)

    patients_rows = np.flatnonzero(kept)
    chosen = current[patients_rows]
    b.patient_practice[nodes[patients_rows]] = span_practice[chosen]
    b.registered_from[nodes[patients_rows]] = _dates(start_day[chosen]).to_pylist()
    canon = g.canon[nodes]
    patients = pa.table({
        "patient_id": pa.array(canon[patients_rows], pa.string()),
        "nhs_number": table["nhs_number"].take(patients_rows),
        "birth_date": birth.take(pa.array(patients_rows)),
        "sex": table["sex"].take(patients_rows),
        "deprivation_decile": deciles.take(pa.array(patients_rows)),
        "household_id": table["household"].take(patients_rows),
        "practice_id": pa.array(span_practice[chosen], pa.string()),
        "registered_from": _dates(start_day[chosen]),
        "registered_to": _dates(end_day[chosen]),
        "death_date": death.take(pa.array(patients_rows)),
        "homeless": table["homeless"].take(patients_rows),  # carenet's extension; a Homeless condition adds to it
    })
    patients = pa.table({f.name: patients[f.name].cast(f.type) for f in TABLES["patients"].schema})
    registrations = pa.table({
        "patient_id": pa.array(canon[owner], pa.string()),
        "practice_id": pa.array(span_practice, pa.string()),
        "start_date": _dates(start_day),
        "end_date": _dates(end_day),
    }, schema=TABLES["registrations"].schema)
    return patients, unique_rows(registrations, "registrations", b.notes)


def _deciles(given: pa.ChunkedArray) -> pa.Array:
    """The deprivation deciles, those outside the decile range (reported by
    :func:`~carenet.sources.fhir.ranges.check_extension_ranges`) left blank."""
    deciles = given.combine_chunks()
    lo, hi = TABLES["patients"].ranges["deprivation_decile"]
    return pc.if_else(pc.and_(pc.greater_equal(deciles, lo), pc.less_equal(deciles, hi)), deciles,
                      pa.nulls(len(deciles), pa.int64()))


def _practice_otherwise(b: TableBuilder, step, table: pa.Table, nodes: np.ndarray, registered: np.ndarray,
                        contacts: Contacts) -> np.ndarray:
    """Per patient without a registration extension: generalPractitioner, else managingOrganization,
    else the busiest site (None when none of them names a practice)."""
    g, n = b.graph, len(nodes)
    items = explode(table["general_practitioners"])
    codes, distinct = encode(items.values)
    answers = [_general_practitioner(b, ref) for ref in distinct]
    practice_of = spread([a[0] for a in answers], codes)
    message = spread([a[1] for a in answers], codes)
    role_node = spread([a[2] for a in answers], codes, NO_NODE, np.int64)
    role_message = spread([a[3] for a in answers], codes)
    wanted = ~registered[items.parent]
    names_practice = wanted & (practice_of != None)  # noqa: E711
    looked_at = wanted & (earlier_count(items.parent, names_practice) == 0)
    for i in np.flatnonzero(looked_at & ((message != None) | (role_message != None))):  # noqa: E711
        where = (1, int(items.parent[i]), 1, int(items.pos[i]))
        if message[i]:
            step.add((*where, 0), nodes[items.parent[i]], f"generalPractitioner: {message[i]}")
        if role_message[i]:
            step.add((*where, 1), role_node[i], f"organization: {role_message[i]}")
    first = first_in_group(items.parent, names_practice, n)
    practice = np.full(n, None, dtype=object)
    practice[first >= 0] = practice_of[first[first >= 0]]
    unnamed = ~registered & (practice == None)  # noqa: E711
    managing = g.resolve(table["managing_organization"], ("Organization",))
    for i in managing.problem_rows(unnamed):
        step.add((1, int(i), 2), nodes[i], f"managingOrganization: {managing.message[i]}")
    practice[unnamed] = b.org_practice[managing.node[unnamed]]
    with_site = contacts.site != None  # noqa: E711
    busiest = most_common(contacts.patient[with_site], contacts.site[with_site])
    for i in np.flatnonzero(~registered & (practice == None)):  # noqa: E711
        practice[i] = busiest.get(nodes[i])
    return practice


def _general_practitioner(b: TableBuilder, ref: str) -> tuple[str | None, str | None, int, str | None]:
    """(practice named, problem, PractitionerRole node, problem with that role's organization) of one
    ``generalPractitioner`` reference."""
    g = b.graph
    node, message = g.outcome(ref, _GP_TYPES, True)
    if node == NO_NODE:
        return None, message, NO_NODE, None
    kind = g.kind_of(node)
    if kind == "Organization":
        return b.org_practice[node], message, NO_NODE, None
    if kind == "PractitionerRole":
        org, org_message = b.pr_organization(node)
        return b.org_practice[org], message, node, org_message
    return b.clinician_practice[node], message, NO_NODE, None


def _first_seen(b: TableBuilder, contacts: Contacts) -> np.ndarray:
    """Per patient node, the local date (days since 1970) of the first appointment (``_NO_DAY``: none)."""
    days = _days(contacts.start.cast(pa.date32()))
    first = b.graph.attribute(np.iinfo(np.int64).max, np.int64)
    seen = days != _NO_DAY
    np.minimum.at(first, contacts.patient[seen], days[seen])
    first[first == np.iinfo(np.int64).max] = _NO_DAY
    return first


def _days(dates: pa.Array) -> np.ndarray:
    """Days since 1970 of a date column, ``_NO_DAY`` for null."""
    return pc.fill_null(dates.cast(pa.int32()).cast(pa.int64()), _NO_DAY).to_numpy(zero_copy_only=False).copy()


def _dates(days: np.ndarray) -> pa.Array:
    """A date column from days since 1970 (``_NO_DAY``: null)."""
    missing = days == _NO_DAY
    return pa.array(np.where(missing, 0, days).astype(np.int32), pa.int32(), mask=missing).cast(pa.date32())


def _current_span(owner: np.ndarray, start: np.ndarray, end: np.ndarray, n: int) -> np.ndarray:
    """Per patient, its current span: an open-ended one before an ended one, then the latest start
    (a span without a start counts as the earliest), then the first given."""
    index = np.arange(len(owner))
    order = np.lexsort((index, -np.where(start == _NO_DAY, np.iinfo(np.int64).min + 1, start),
                        ~(end == _NO_DAY), owner))
    current = np.full(n, -1, dtype=np.int64)
    groups, first = np.unique(owner[order], return_index=True)
    current[groups] = order[first]
    return current
