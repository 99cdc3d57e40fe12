"""From the conditions file to the canonical ``conditions`` table.

The QOF register and the eFI deficit of each row come from the schema's code lists, looked up
once per distinct code; a code that counts towards several deficits is stored under the first,
as the other importers do.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.codelists import deficits_for_code, register_for_code
from carenet.sources.extract_activity import Known, check_reference
from carenet.sources.extract_typing import report_duplicates, report_rows
from carenet.sources.problems import ProblemLog


def build_conditions(rows: pa.Table, known: Known, log: ProblemLog) -> pa.Table:
    """Canonical ``conditions`` from typed conditions rows, after duplicate, reference and date checks."""
    report_duplicates(log, rows, ["patient_id", "snomed_code", "onset_date"], "condition")
    check_reference(log, rows, "patient_id", known.patients, "registrations (this extract or the dataset)")
    early = pc.less(rows["resolved_date"], rows["onset_date"])
    report_rows(log, rows, early, lambda i: f"resolved_date: {rows['resolved_date'][i].as_py()} is before "
                                            f"onset_date {rows['onset_date'][i].as_py()}")
    codes = pc.dictionary_encode(rows["snomed_code"].combine_chunks())
    distinct = codes.dictionary.to_pylist()
    register = pa.array([register_for_code(c) for c in distinct], pa.string())
    deficit = pa.array([(deficits_for_code(c) or (None,))[0] for c in distinct], pa.int8())
    return pa.table({
        "patient_id": rows["patient_id"], "snomed_code": rows["snomed_code"],
        "register": pc.take(register, codes.indices), "efi_deficit": pc.take(deficit, codes.indices),
        "onset_date": rows["onset_date"], "resolved_date": rows["resolved_date"],
    })
