"""The electronic Frailty Index of each patient from coded conditions (Clegg 2016).

A deficit counts once however many codes record it ("ever recorded", no look-back). A condition
row counts through its ``efi_deficit`` when filled, otherwise through the SNOMED concepts of
``schema/codelists.py`` (one concept may count for several deficits). ``eFI = deficits / 36``;
categories use the published cut-offs of ``efi.categories`` (fit <= 0.12 < mild <= 0.24 <
moderate <= 0.36 < severe).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from carenet.population.frailty import CATEGORIES, categorise
from carenet.schema.codelists import EFI_DEFICIT_COUNT, EFI_DEFICITS, QOF_REGISTERS

EFI_SCHEMA = pa.schema([
    pa.field("patient_id", pa.string(), nullable=False),
    pa.field("deficits", pa.int16(), nullable=False),
    pa.field("efi", pa.float64(), nullable=False),
    pa.field("category", pa.string(), nullable=False),
])


def deficit_map() -> pa.Table:
    """(snomed_code, deficit) for every concept of the eFI code list."""
    pairs = [(code, d.id) for d in EFI_DEFICITS for code in d.snomed]
    return pa.table({"snomed_code": [c for c, _ in pairs], "deficit": pa.array([d for _, d in pairs], pa.int16())})


def register_map() -> pa.Table:
    """(snomed_code, register) for every concept of the QOF register code lists."""
    pairs = [(code, r.code) for r in QOF_REGISTERS for code in r.snomed]
    return pa.table({"snomed_code": [c for c, _ in pairs], "register": [r for _, r in pairs]})


DEFICITS_SQL = """
    SELECT DISTINCT patient_id, deficit FROM (
        SELECT patient_id, CAST(efi_deficit AS SMALLINT) AS deficit FROM conditions WHERE efi_deficit IS NOT NULL
        UNION ALL
        SELECT c.patient_id, m.deficit FROM conditions c JOIN deficit_map m USING (snomed_code)
        WHERE c.efi_deficit IS NULL
    )
"""
"""Distinct (patient, deficit) pairs; expects views ``conditions`` and ``deficit_map``."""


def efi_scores(conditions: pa.Table, patients: pa.Table) -> pa.Table:
    """``patient_id, deficits, efi, category`` for every patient (in ``patients`` order; no deficits = fit)."""
    con = duckdb.connect()
    try:
        con.register("conditions", conditions.select(["patient_id", "snomed_code", "efi_deficit"]))
        con.register("deficit_map", deficit_map())
        order = pa.table({"patient_id": patients["patient_id"],
                          "__row": pa.array(np.arange(patients.num_rows, dtype=np.int64))})
        con.register("people", order)
        counted = con.sql(f"""
            SELECT p.patient_id, coalesce(d.n, 0)::SMALLINT AS deficits
            FROM people p LEFT JOIN (
                SELECT patient_id, count(*) AS n FROM ({DEFICITS_SQL}) GROUP BY patient_id
            ) d USING (patient_id)
            ORDER BY p.__row
        """).to_arrow_table()
    finally:
        con.close()
    deficits = counted["deficits"].to_numpy()
    return pa.table({
        "patient_id": counted["patient_id"],
        "deficits": pa.array(deficits, pa.int16()),
        "efi": pa.array(deficits / EFI_DEFICIT_COUNT, pa.float64()),
        "category": pa.array(np.array(CATEGORIES)[categorise(deficits)]),
    }, schema=EFI_SCHEMA)
