"""Whether imported patients are experiencing homelessness, from what the source records.

An active condition coded SNOMED CT 32911000 "Homeless" (a finding practices record, e.g. at a no-fixed-abode
registration) marks the patient homeless, whatever else the source says. Otherwise what the source states stands:
the CSV extract's ``homeless`` column or carenet's FHIR ``homeless`` extension (which carenet's export writes),
or nothing (null, not recorded): a FHIR record without either says nothing of housing, so its patient stays
unknown rather than being called housed. Recorded homelessness is far below
the true share (43 coded in 321,000 patients of a deprived CCG, 0.013%, against about 0.5% homeless nationally:
Kaushal et al., BJGP Open 2021), so an imported cohort is the coded one.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

HOMELESS_SNOMED: tuple[str, ...] = ("32911000",)
"""SNOMED CT concepts that say a person is homeless: 32911000 |Homeless (finding)|."""


def coded_homeless(conditions: pa.Table | None) -> pa.Array:
    """Ids of patients with an active (unresolved) condition coded as homelessness."""
    if conditions is None or conditions.num_rows == 0:
        return pa.array([], pa.string())
    active = pc.and_(pc.is_in(conditions["snomed_code"], value_set=pa.array(HOMELESS_SNOMED)),
                     pc.is_null(conditions["resolved_date"]))
    return pc.unique(conditions["patient_id"].filter(active).combine_chunks())


def with_coded_homelessness(patients: pa.Table, conditions: pa.Table | None, *, uncoded_housed: bool) -> pa.Table:
    """``patients`` with ``homeless`` true where a condition codes homelessness (see the module docstring).

    ``uncoded_housed``: a patient neither coded nor stated homeless is taken as not homeless (false), else the
    stated value (possibly null) stands.
    """
    coded = pc.is_in(patients["patient_id"], value_set=coded_homeless(conditions))
    stated = (patients["homeless"] if "homeless" in patients.column_names
              else pa.nulls(patients.num_rows, pa.bool_()))
    if uncoded_housed:
        stated = pc.fill_null(stated, False)
    flag = pc.if_else(coded, True, stated).cast(pa.bool_())
    if "homeless" in patients.column_names:
        return patients.set_column(patients.schema.get_field_index("homeless"), "homeless", flag)
    return patients.append_column("homeless", flag)


__all__ = ["HOMELESS_SNOMED", "coded_homeless", "with_coded_homelessness"]
