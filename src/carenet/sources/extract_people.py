"""From the registrations file to the canonical ``patients``, ``registrations`` and ``practices``.

A patient's own details (birth date, sex, NHS number, deprivation, household, death) may be
repeated on each of their registration spans and must agree; their current registration is the
span that started last (an open span first on a tie), and whether they are experiencing homelessness
(``homeless``) is read from that span, as housing changes over time. A practice's list size is the number of
patients in the extract whose current registration there is open and who have not died.
"""

from __future__ import annotations

import datetime as dt
import functools

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.sources.extract_typing import FILE, LINE, report_duplicates, report_rows
from carenet.sources.problems import ProblemLog

PATIENT_DETAILS = ("birth_date", "sex", "nhs_number", "deprivation_decile", "household_id", "death_date")
"""Registrations columns that describe the patient, not the span, so must agree across spans."""


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process; each query gets its own cursor (a cheap, separate session)."""
    return duckdb.connect()


def sql(query: str, **tables: pa.Table) -> pa.Table:
    """Run ``query`` over the named Arrow tables with an embedded DuckDB; results are ordered by the query."""
    cursor = _database().cursor()
    try:
        for name, table in tables.items():
            cursor.register(name, table)
        return cursor.sql(query).to_arrow_table()
    finally:
        cursor.close()


def with_row_numbers(table: pa.Table) -> pa.Table:
    return table.append_column("__row", pa.array(np.arange(table.num_rows, dtype=np.int64)))


def check_registrations(regs: pa.Table, log: ProblemLog) -> None:
    """Log duplicate spans, impossible date orders, details that disagree between a patient's spans,
    and NHS numbers shared by different patients."""
    report_duplicates(log, regs, ["patient_id", "practice_code", "registered_from"], "registration span")
    rules = (
        (pc.less(regs["registered_to"], regs["registered_from"]), "registered_to", "registered_from"),
        (pc.greater(regs["birth_date"], regs["registered_from"]), "birth_date", "registered_from"),
        (pc.less(regs["death_date"], regs["birth_date"]), "death_date", "birth_date"),
    )
    for mask, later, earlier in rules:
        order = "before" if later != "birth_date" else "after"
        report_rows(log, regs, mask, lambda i, a=later, b=earlier, o=order:
                    f"{a}: {regs[a][i].as_py()} is {o} {b} {regs[b][i].as_py()}")
    today = pa.scalar(dt.date.today(), pa.date32())
    for column in ("birth_date", "death_date"):
        report_rows(log, regs, pc.greater(regs[column].cast(pa.date32()), today), lambda i, c=column:
                    f"{c}: {regs[c][i].as_py()} is in the future")
    rows = with_row_numbers(regs)
    firsts = ",\n".join(
        f"any_value({d} order by __row) as first_{d}, arg_min({LINE}, __row) filter (where {d} is not null) "
        f"as line_{d}, arg_min({FILE}::varchar, __row) filter (where {d} is not null) as file_{d}"
        for d in PATIENT_DETAILS)
    differs = " or ".join(f"r.{d} <> f.first_{d}" for d in PATIENT_DETAILS)
    clashes = sql(f"""
        select r.__row, f.* from rows r join (select patient_id, {firsts} from rows where patient_id is not null
                                               group by patient_id) f using (patient_id)
        where {differs} order by r.__row""", rows=rows)
    for detail in PATIENT_DETAILS:
        mask = np.zeros(regs.num_rows, dtype=bool)
        differ = pc.fill_null(pc.not_equal(regs[detail].take(clashes["__row"]), clashes[f"first_{detail}"]), False)
        mask[clashes["__row"].filter(differ).to_numpy()] = True
        at = {int(r): k for k, r in enumerate(clashes["__row"].to_numpy())}
        report_rows(log, regs, mask, lambda i, d=detail, at=at:
                    f"{d}: patient {regs['patient_id'][i].as_py()} has {regs[d][i].as_py()} here but "
                    f"{clashes['first_' + d][at[i]].as_py()} on {clashes['file_' + d][at[i]].as_py()} "
                    f"line {clashes['line_' + d][at[i]].as_py()}")
    shared = sql("""
        select r.__row, f.patient_id as other from rows r join (
            select distinct on (nhs_number) nhs_number, patient_id from rows
            where nhs_number is not null and patient_id is not null order by nhs_number, __row
        ) f using (nhs_number) where r.patient_id <> f.patient_id order by r.__row""", rows=rows)
    if shared.num_rows:
        mask = np.zeros(regs.num_rows, dtype=bool)
        mask[shared["__row"].to_numpy()] = True
        other = dict(zip(shared["__row"].to_pylist(), shared["other"].to_pylist(), strict=True))
        report_rows(log, regs, mask, lambda i: f"nhs_number: {regs['nhs_number'][i].as_py()} is also patient "
                                               f"{other[i]}'s")


def build_people(regs: pa.Table) -> dict[str, pa.Table]:
    """Canonical ``patients``, ``registrations`` and ``practices`` from typed registrations rows."""
    rows = with_row_numbers(regs.filter(pc.and_(pc.is_valid(regs["patient_id"]), pc.is_valid(regs["practice_code"]))))
    details = ",\n".join(f"any_value({d} order by __row) as {d}" for d in PATIENT_DETAILS)
    patients = sql(f"""
        with current_span as (
            select distinct on (patient_id) patient_id, practice_code, registered_from, registered_to, homeless
            from rows
            order by patient_id, registered_from desc nulls last, registered_to is null desc, registered_to desc,
                     __row
        ), person as (select patient_id, {details} from rows group by patient_id)
        select p.patient_id, p.nhs_number, p.birth_date, p.sex, p.deprivation_decile::tinyint as deprivation_decile,
               p.household_id, c.practice_code as practice_id, c.registered_from, c.registered_to, p.death_date,
               c.homeless
        from person p join current_span c using (patient_id)
        order by p.patient_id""", rows=rows)
    registrations = sql("""
        select distinct on (patient_id, practice_code, registered_from)
               patient_id, practice_code as practice_id, registered_from as start_date, registered_to as end_date
        from rows order by patient_id, practice_code, registered_from, __row""", rows=rows)
    practices = sql("""
        select r.practice_code as practice_id, coalesce(any_value(r.practice_name order by r.__row), r.practice_code)
               as name, coalesce(l.list_size, 0)::integer as list_size
        from rows r left join (
            select practice_id, count(*) as list_size from patients
            where registered_to is null and death_date is null group by practice_id
        ) l on l.practice_id = r.practice_code
        group by r.practice_code, l.list_size order by r.practice_code""", rows=rows, patients=patients)
    return {"practices": practices, "patients": patients, "registrations": registrations}
