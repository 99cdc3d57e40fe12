"""The registered population as arrays the twin can index: one position per patient.

Built from canonical tables (synthetic or imported alike): who is registered on the run's start
date, their practice, age, sex, deprivation decile, active QOF registers, eFI category and whether they are
experiencing homelessness (1 / 0, -1 where the data do not say: a dataset written before schema 1.3).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.care.patients import housing_flag
from carenet.schema.codelists import EFI_DEFICIT_COUNT, QOF_REGISTERS
from carenet.schema.errors import CarenetError

REGISTER_INDEX = {r.code: i for i, r in enumerate(QOF_REGISTERS)}
NON_CONDITION_REGISTERS = ("PC",)
"""Registers that record a care status, not a long-term condition (as ``carenet.measures`` counts them)."""
_CONDITION_BITS = ~np.int64(sum(1 << REGISTER_INDEX[c] for c in NON_CONDITION_REGISTERS))
_DAYS_PER_YEAR = 365.2425


class PopulationError(CarenetError):
    """The population tables cannot drive a run (no patients registered, unknown practices …)."""


@dataclass(frozen=True)
class PatientFrame:
    """Registered patients on ``as_of``, in a fixed order (practice, then patient id)."""

    as_of: dt.date
    patient_id: pa.Array
    practice: np.ndarray  # int32 index into practice_ids
    practice_ids: tuple[str, ...]
    household: np.ndarray  # int64 household number (-1 when unknown)
    age: np.ndarray  # int16 completed years on as_of
    female: np.ndarray  # bool
    decile: np.ndarray  # int8 IMD decile 1-10, 0 when unknown
    registers: np.ndarray  # int16 number of long-term conditions (active QOF registers but palliative care)
    register_mask: np.ndarray  # int64 bit i = QOF_REGISTERS[i] active
    frailty: np.ndarray  # int8 eFI category 0 fit .. 3 severe
    homeless: np.ndarray  # int8 1 experiencing homelessness, 0 not, -1 unknown

    def __len__(self) -> int:
        return int(self.practice.shape[0])

    def register_matrix(self) -> np.ndarray:
        """Patients x QOF registers, True where active (the form the care engines take)."""
        bits = np.left_shift(np.int64(1), np.arange(len(QOF_REGISTERS), dtype=np.int64))
        return (self.register_mask[:, None] & bits[None, :]) != 0

    def has_register(self, codes: tuple[str, ...]) -> np.ndarray:
        mask = 0
        for code in codes:
            mask |= 1 << REGISTER_INDEX[code]
        return (self.register_mask & mask) != 0

    @classmethod
    def from_tables(cls, tables: Mapping[str, pa.Table], as_of: dt.date, efi_upper_bounds: np.ndarray) -> PatientFrame:
        """Patients registered on ``as_of``; ``efi_upper_bounds``: upper eFI score of fit, mild, moderate."""
        for name in ("patients", "practices"):
            if name not in tables:
                raise PopulationError(f"the population has no {name!r} table; a run needs patients and practices")
        patients = _registered(tables["patients"], as_of)
        if patients.num_rows == 0:
            raise PopulationError(f"no patient is registered on {as_of.isoformat()} (check registered_from/to)")
        practice_ids = tuple(tables["practices"].column("practice_id").to_pylist())
        found = pc.index_in(patients.column("practice_id"), value_set=pa.array(practice_ids, pa.string()))
        if found.null_count:
            first = patients.column("practice_id").filter(pc.is_null(found))[0].as_py()
            raise PopulationError(f"patients: practice_id {first!r} is not in the practices table "
                                  f"({found.null_count} patient(s) affected)")
        practice = found.to_numpy(zero_copy_only=False)
        order = np.lexsort((np.arange(patients.num_rows), practice))
        patients = patients.take(pa.array(order))
        practice = practice[order].astype(np.int32)
        births = patients.column("birth_date").to_numpy(zero_copy_only=False).astype("datetime64[D]")
        age = ((np.datetime64(as_of, "D") - births).astype(np.int64) / _DAYS_PER_YEAR).astype(np.int16)
        female = pc.equal(patients.column("sex"), "female").to_numpy(zero_copy_only=False)
        decile = pc.fill_null(patients.column("deprivation_decile").cast(pa.int8()), 0).to_numpy(zero_copy_only=False)
        household = _household_numbers(patients.column("household_id"))
        registers, mask, frailty = _conditions(tables.get("conditions"), patients.column("patient_id"), as_of,
                                                efi_upper_bounds)
        homeless = (housing_flag(patients.column("homeless")) if "homeless" in patients.column_names
                    else np.full(patients.num_rows, -1, np.int8))
        return cls(as_of, patients.column("patient_id").combine_chunks(), practice, practice_ids, household, age,
                   female.astype(bool), decile.astype(np.int8), registers, mask, frailty, homeless)


def _registered(patients: pa.Table, as_of: dt.date) -> pa.Table:
    day = pa.scalar(as_of, pa.date32())
    keep = pc.less_equal(patients.column("registered_from"), day)
    ends = patients.column("registered_to")
    keep = pc.and_(keep, pc.or_kleene(pc.is_null(ends), pc.greater(ends, day)))
    died = patients.column("death_date")
    keep = pc.and_(keep, pc.or_kleene(pc.is_null(died), pc.greater(died, day)))
    return patients.filter(keep)


def _household_numbers(column: pa.ChunkedArray) -> np.ndarray:
    encoded = column.combine_chunks().dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    valid = pc.is_valid(column).to_numpy(zero_copy_only=False)
    return np.where(valid, codes, -1).astype(np.int64)


def _conditions(conditions: pa.Table | None, patient_id: pa.ChunkedArray,
                as_of: dt.date, efi_upper_bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(patient_id)
    registers = np.zeros(n, np.int16)
    mask = np.zeros(n, np.int64)
    frailty = np.zeros(n, np.int8)
    if conditions is None or conditions.num_rows == 0:
        return registers, mask, frailty
    day = pa.scalar(as_of, pa.date32())
    active = pc.and_(pc.less_equal(conditions.column("onset_date"), day),
                     pc.or_kleene(pc.is_null(conditions.column("resolved_date")),
                            pc.greater(conditions.column("resolved_date"), day)))
    cond = conditions.filter(active)
    row = pc.index_in(cond.column("patient_id"), value_set=patient_id.combine_chunks())
    known = pc.is_valid(row)
    cond, row = cond.filter(known), pc.drop_null(row).to_numpy(zero_copy_only=False).astype(np.int64)
    reg = pc.index_in(cond.column("register"), value_set=pa.array([r.code for r in QOF_REGISTERS]))
    has_reg = pc.is_valid(reg).to_numpy(zero_copy_only=False)
    bits = np.left_shift(np.int64(1), pc.fill_null(reg, 0).to_numpy(zero_copy_only=False).astype(np.int64))
    np.bitwise_or.at(mask, row[has_reg], bits[has_reg])
    registers[:] = _popcount(mask & _CONDITION_BITS)
    deficit = pc.fill_null(cond.column("efi_deficit").cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    has_def = deficit > 0
    if has_def.any():
        present = np.zeros(n, np.int64)  # bit d-1 set when deficit d is recorded (36 deficits fit in 64 bits)
        np.bitwise_or.at(present, row[has_def], np.left_shift(np.int64(1), deficit[has_def] - 1))
        score = _popcount(present) / EFI_DEFICIT_COUNT
        frailty[:] = np.searchsorted(efi_upper_bounds, score, side="left")
    return registers, mask, frailty


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits per non-negative int64, counted a byte at a time through a 256-entry table."""
    table = np.asarray([bin(b).count("1") for b in range(256)], np.int16)
    as_bytes = np.ascontiguousarray(values, dtype=np.int64).view(np.uint8).reshape(-1, 8)
    return table[as_bytes].sum(axis=1).astype(np.int16)


__all__ = ["REGISTER_INDEX", "PatientFrame", "PopulationError"]
