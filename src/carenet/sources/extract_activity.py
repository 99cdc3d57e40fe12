"""From the clinicians and appointments files (and named GPs) to ``clinicians``, ``appointments`` and ``panels``.

References are checked against what this extract brings together with what the target dataset
already holds, so an extract of appointments can follow an earlier import of registrations.
An appointment's ``practice_id`` is the practice the patient was registered with on the day
(the latest span started by then, if it had not ended), else their current practice. A named
GP becomes a panel row starting
on the registration span's first day, or, when only appointments name them, on the day of the
first appointment that does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.sources.extract_csv import as_mask
from carenet.sources.extract_people import sql, with_row_numbers
from carenet.sources.extract_typing import FILE, LINE, report_duplicates, report_rows
from carenet.sources.problems import ProblemLog


@dataclass
class Known:
    """Ids an extract may refer to: its own plus those already in the dataset; None = nothing to check against."""

    patients: pa.Array | None
    practices: pa.Array | None
    clinicians: pa.Table | None
    registrations: pa.Table | None
    panels: pa.Table | None = None


def _unknown(values: pa.ChunkedArray, known: pa.Array) -> pa.ChunkedArray:
    return pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=known)))


def check_reference(log: ProblemLog, rows: pa.Table, column: str, known: pa.Array | None, where: str) -> None:
    """Log each row whose ``column`` names something absent from ``known`` (skipped when nothing is known)."""
    if known is None or column not in rows.column_names:
        return
    values = rows[column]
    report_rows(log, rows, _unknown(values, known),
                lambda i: f"{column}: {values[i].as_py()!r} is not in {where}")


def build_clinicians(staff: pa.Table, known: Known, log: ProblemLog) -> pa.Table:
    """Canonical ``clinicians`` from typed clinicians rows, after duplicate and practice checks."""
    report_duplicates(log, staff, ["clinician_id"], "clinician")
    check_reference(log, staff, "practice_code", known.practices, "registrations (this extract or the dataset)")
    return sql("""
        select distinct on (clinician_id) clinician_id, name, role, practice_code as practice_id,
               null::varchar as network_id, fte, working_days, sessions_per_week
        from staff where clinician_id is not null order by clinician_id, __row""", staff=with_row_numbers(staff))


def build_appointments(appts: pa.Table, known: Known, log: ProblemLog) -> pa.Table:
    """Canonical ``appointments`` from typed appointments rows, after duplicate, reference and order checks."""
    report_duplicates(log, appts, ["appointment_id"], "appointment")
    check_reference(log, appts, "patient_id", known.patients, "registrations (this extract or the dataset)")
    check_reference(log, appts, "clinician_id", _ids(known.clinicians), "clinicians (this extract or the dataset)")
    check_reference(log, appts, "named_gp", _ids(known.clinicians), "clinicians (this extract or the dataset)")
    check_reference(log, appts, "site_code", known.practices, "the practices of this extract or the dataset")
    early = pc.greater(appts["requested_at"], appts["booked_for"])
    report_rows(log, appts, early, lambda i: f"requested_at: {appts['requested_at'][i].as_py()} is after "
                                             f"booked_for {appts['booked_for'][i].as_py()}")
    staff = known.clinicians if known.clinicians is not None else _no_clinicians()
    spans = known.registrations if known.registrations is not None else _no_spans()
    role = pc.coalesce(appts["role"], _lookup(appts["clinician_id"], staff["clinician_id"], staff["role"]))
    return pa.table({
        "appointment_id": appts["appointment_id"], "patient_id": appts["patient_id"],
        "clinician_id": appts["clinician_id"], "role": role, "practice_id": _practice_on_day(appts, spans),
        "site_id": appts["site_code"], "request_id": pa.nulls(appts.num_rows, pa.string()),
        **{c: appts[c] for c in ("requested_at", "booked_for", "duration_minutes", "mode", "status", "urgency",
                                 "need_type")},
    })


def _lookup(keys: pa.ChunkedArray, known_keys: pa.ChunkedArray, values: pa.ChunkedArray) -> pa.ChunkedArray:
    """``values`` at the position of each key among ``known_keys`` (first occurrence), null if absent."""
    return pc.take(values, pc.index_in(keys, value_set=known_keys.combine_chunks()))


def _practice_on_day(appts: pa.Table, spans: pa.Table) -> pa.Array:
    """Practice of the span covering each appointment's day, else the patient's latest span's practice.

    A patient with one span has that practice either way, so only patients with several spans
    go through the date-range join.
    """
    n = appts.num_rows
    if spans.num_rows == 0:
        return pa.nulls(n, pa.string())
    latest = sql("""
        select distinct on (patient_id) patient_id, practice_id from spans
        order by patient_id, start_date desc, end_date is null desc, end_date desc, practice_id""", spans=spans)
    several = sql("select patient_id from spans group by patient_id having count(*) > 1", spans=spans)
    practice = _lookup(appts["patient_id"], latest["patient_id"], latest["practice_id"]).combine_chunks()
    rows = np.flatnonzero(as_mask(pc.is_in(appts["patient_id"], value_set=several["patient_id"].combine_chunks())))
    if rows.size == 0:
        return practice
    subset = pa.table({"__row": pa.array(rows), "patient_id": appts["patient_id"].take(pa.array(rows)),
                       "booked_day": pc.cast(appts["booked_for"].take(pa.array(rows)), pa.date32())})
    covered = sql("""
        select a.__row, s.practice_id from a asof join spans s
          on s.patient_id = a.patient_id and a.booked_day >= s.start_date
        where s.end_date is null or s.end_date >= a.booked_day""", a=subset, spans=spans)
    source = np.arange(n, dtype=np.int64)
    source[covered["__row"].to_numpy()] = n + np.arange(covered.num_rows, dtype=np.int64)
    both = pa.concat_arrays([practice, covered["practice_id"].combine_chunks().cast(pa.string())])
    return both.take(pa.array(source))


def build_panels(regs: pa.Table | None, appts: pa.Table | None, known: Known, log: ProblemLog) -> pa.Table:
    """Canonical ``panels``: each patient's named GP from registrations, else from appointments.

    A named GP that only appointments give, and that the dataset already holds for the patient,
    is not added again. Two different named
    GPs for one patient from the same day is a problem, reported at both lines.
    """
    parts = []
    if regs is not None:
        check_reference(log, regs, "named_gp", _ids(known.clinicians), "clinicians (this extract or the dataset)")
        parts.append(regs.select(["patient_id", "named_gp", "registered_from", FILE, LINE])
                     .rename_columns(["patient_id", "clinician_id", "start_date", FILE, LINE])
                     .append_column("__source", pa.array(np.zeros(regs.num_rows, dtype=np.int8))))
    if appts is not None:
        parts.append(pa.table({
            "patient_id": appts["patient_id"], "clinician_id": appts["named_gp"],
            "start_date": pc.cast(appts["booked_for"], pa.date32()), FILE: appts[FILE], LINE: appts[LINE],
            "__source": pa.array(np.ones(appts.num_rows, dtype=np.int8)),
        }))
    if not parts:
        return pa.table({"patient_id": pa.array([], pa.string())})
    named = pa.concat_tables(parts)
    named = named.filter(pc.and_(pc.is_valid(named["patient_id"]),
                                 pc.and_(pc.is_valid(named["clinician_id"]), pc.is_valid(named["start_date"]))))
    first = sql(f"""
        select distinct on (patient_id, clinician_id) patient_id, clinician_id, start_date, {FILE}, {LINE}, __source
        from named order by patient_id, clinician_id, __source, start_date, {LINE}""", named=named)
    if known.panels is not None and known.panels.num_rows:
        held = known.panels.select(["patient_id", "clinician_id"]).cast(
            pa.schema([("patient_id", pa.string()), ("clinician_id", pa.string())]))
        from_appointments = pc.equal(first["__source"], 1)
        new = first.filter(from_appointments).join(held, ["patient_id", "clinician_id"], join_type="left anti",
                                                   use_threads=False)
        first = pa.concat_tables([first.filter(pc.invert(from_appointments)), new.select(first.column_names)])
    clashes = sql(f"""
        select f.*, o.clinician_id as other, o.{FILE}::varchar as other_file, o.{LINE} as other_line
        from first f join first o using (patient_id, start_date)
        where f.clinician_id > o.clinician_id order by f.patient_id, f.start_date, f.clinician_id""", first=first)
    if clashes.num_rows:
        report_rows(log, clashes, np.ones(clashes.num_rows, dtype=bool),
                    lambda i: f"named_gp: patient {clashes['patient_id'][i].as_py()} has named GP "
                              f"{clashes['clinician_id'][i].as_py()} from {clashes['start_date'][i].as_py()} here "
                              f"but {clashes['other'][i].as_py()} from the same day on "
                              f"{clashes['other_file'][i].as_py()} line {clashes['other_line'][i].as_py()}")
    return sql("""select patient_id, clinician_id, null::varchar as team_id, start_date from first
                  order by patient_id, start_date, clinician_id""", first=first)


def _ids(clinicians: pa.Table | None) -> pa.Array | None:
    return None if clinicians is None else clinicians["clinician_id"].combine_chunks()


def _no_clinicians() -> pa.Table:
    return pa.table({"clinician_id": pa.array([], pa.string()), "role": pa.array([], pa.string())})


def _no_spans() -> pa.Table:
    return pa.table({"patient_id": pa.array([], pa.string()), "practice_id": pa.array([], pa.string()),
                     "start_date": pa.array([], pa.date32()), "end_date": pa.array([], pa.date32())})
