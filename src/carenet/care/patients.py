"""The patient attributes care engines select on, as arrays, and cohort selection over them.

API: :class:`PatientAttributes` (one row per patient; the position is the patient number used by
every engine), ``PatientAttributes.from_tables(profile, conditions)``, ``cohort_mask(cohort, patients)``
and :class:`CohortLike`, the shape of a cohort (``carenet.models.Cohort`` has it).

Frailty is the eFI category index into ``FRAILTY_CATEGORIES`` (-1 = none recorded or under 65);
risk tiers use the project scale 1 low … 4 very high (:mod:`carenet.measures.risk`), 0 = unknown.
Homelessness is the ``patients.homeless`` flag: 1 experiencing homelessness, 0 not, -1 unknown (a dataset
that does not record it); a cohort asking for either value never selects an unknown flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.codelists import QOF_REGISTERS
from carenet.schema.errors import CarenetError

FRAILTY_CATEGORIES: tuple[str, ...] = ("fit", "mild", "moderate", "severe")
REGISTER_CODES: tuple[str, ...] = tuple(r.code for r in QOF_REGISTERS)
NO_HOUSEHOLD = -1
UNKNOWN_HOUSING = -1


class PatientInputError(CarenetError):
    """Patient attribute arrays or tables are inconsistent; the message names the column."""


class CohortLike(Protocol):
    """Which patients a programme serves (every criterion given must hold)."""

    min_age: int | None
    max_age: int | None
    frailty: Sequence[str] | None
    risk_tiers: Sequence[int] | None
    registers_any: Sequence[str] | None
    min_registers: int | None
    homeless: bool | None


@dataclass(frozen=True)
class PatientAttributes:
    """Per-patient arrays: age, eFI category, risk tier, register flags, practice, household, homelessness."""

    age: np.ndarray
    frailty: np.ndarray
    risk_tier: np.ndarray
    registers: np.ndarray
    practice: np.ndarray
    household: np.ndarray
    homeless: np.ndarray | None = None  # int8 1 / 0 / -1 unknown; None: unknown for everyone

    def __post_init__(self) -> None:
        n = self.age.shape[0]
        if self.homeless is None:
            object.__setattr__(self, "homeless", np.full(n, UNKNOWN_HOUSING, np.int8))
        for name in ("frailty", "risk_tier", "practice", "household", "homeless"):
            if getattr(self, name).shape != (n,):
                raise PatientInputError(f"PatientAttributes.{name} has shape {getattr(self, name).shape}, "
                                        f"expected ({n},)")
        if self.registers.shape != (n, len(REGISTER_CODES)):
            raise PatientInputError(f"PatientAttributes.registers must be patients x {len(REGISTER_CODES)} "
                                    f"QOF registers, got {self.registers.shape}")
        if n and (self.frailty.min() < -1 or self.frailty.max() >= len(FRAILTY_CATEGORIES)):
            raise PatientInputError("PatientAttributes.frailty must index FRAILTY_CATEGORIES or be -1")

    def __len__(self) -> int:
        return int(self.age.shape[0])

    @classmethod
    def build(cls, age, *, frailty=None, risk_tier=None, registers=None, practice=None,
              household=None, homeless=None) -> PatientAttributes:
        """Arrays with defaults: no frailty recorded, tier unknown, no registers, practice 0, no household,
        homelessness unknown (``homeless`` may be booleans, or 1 / 0 / -1 unknown)."""
        age = np.asarray(age, dtype=np.int64)
        n = age.shape[0]
        return cls(
            age=age,
            frailty=np.full(n, -1, np.int64) if frailty is None else np.asarray(frailty, dtype=np.int64),
            risk_tier=np.zeros(n, np.int64) if risk_tier is None else np.asarray(risk_tier, dtype=np.int64),
            registers=(np.zeros((n, len(REGISTER_CODES)), bool) if registers is None
                       else np.asarray(registers, dtype=bool)),
            practice=np.zeros(n, np.int64) if practice is None else np.asarray(practice, dtype=np.int64),
            household=(np.full(n, NO_HOUSEHOLD, np.int64) if household is None
                       else np.asarray(household, dtype=np.int64)),
            homeless=None if homeless is None else np.asarray(homeless).astype(np.int8),
        )

    @classmethod
    def from_tables(cls, profile: pa.Table, conditions: pa.Table | None = None,
                    households: pa.Table | None = None) -> tuple[PatientAttributes, pa.Array]:
        """From a patient profile (``patient_id``, ``practice_id``, ``age``, ``efi_category``, ``risk_tier``,
        as :func:`carenet.measures.segments.patient_profile` writes) and the canonical ``conditions``
        (active rows with a ``register``). ``households`` (``patient_id``, ``household_id``, e.g. the
        canonical ``patients`` table) is optional. A ``homeless`` column of the profile gives the homelessness flag
        (null unknown). Returns the attributes and the patient ids in row order.
        """
        for col in ("patient_id", "practice_id", "age", "efi_category", "risk_tier"):
            if col not in profile.column_names:
                raise PatientInputError(f"patient profile lacks column {col!r}")
        ids = profile.column("patient_id").combine_chunks()
        practice_codes = pc.dictionary_encode(profile.column("practice_id").combine_chunks()).indices
        efi = profile.column("efi_category").combine_chunks()
        frailty = np.full(len(ids), -1, np.int64)
        for i, name in enumerate(FRAILTY_CATEGORIES):
            frailty[pc.fill_null(pc.equal(efi, name), False).to_numpy(zero_copy_only=False)] = i
        registers = np.zeros((len(ids), len(REGISTER_CODES)), bool)
        if conditions is not None:
            active = conditions.filter(pc.and_(pc.is_valid(conditions.column("register")),
                                               pc.is_null(conditions.column("resolved_date"))))
            rows = pc.index_in(active.column("patient_id"), value_set=ids).to_numpy(zero_copy_only=False)
            regs = pc.index_in(active.column("register"), value_set=pa.array(REGISTER_CODES))
            regs = regs.to_numpy(zero_copy_only=False)
            keep = ~np.isnan(rows.astype(float)) & ~np.isnan(regs.astype(float))
            registers[rows[keep].astype(np.int64), regs[keep].astype(np.int64)] = True
        household = np.full(len(ids), NO_HOUSEHOLD, np.int64)
        if households is not None:
            rows = pc.index_in(ids, value_set=households.column("patient_id")).to_numpy(zero_copy_only=False)
            hh = pc.dictionary_encode(households.column("household_id").combine_chunks())
            codes = hh.indices.to_numpy(zero_copy_only=False)
            valid = hh.indices.is_valid().to_numpy(zero_copy_only=False)
            have = ~np.isnan(rows.astype(float))
            take = rows[have].astype(np.int64)
            household[have] = np.where(valid[take], codes[take], NO_HOUSEHOLD)
        attrs = cls(
            age=pc.fill_null(profile.column("age"), 0).to_numpy().astype(np.int64),
            frailty=frailty,
            risk_tier=pc.fill_null(profile.column("risk_tier"), 0).to_numpy().astype(np.int64),
            registers=registers,
            practice=practice_codes.to_numpy(zero_copy_only=False).astype(np.int64),
            household=household,
            homeless=housing_flag(profile.column("homeless")) if "homeless" in profile.column_names else None,
        )
        return attrs, ids


def housing_flag(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A nullable boolean ``homeless`` column as 1 / 0 / -1 unknown."""
    values = pc.fill_null(column.cast(pa.int8()), UNKNOWN_HOUSING)
    return np.asarray(values.to_numpy(zero_copy_only=False), np.int8)


def _codes(values: Sequence[str], vocabulary: tuple[str, ...], what: str) -> np.ndarray:
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise PatientInputError(f"cohort names unknown {what}: {', '.join(unknown)}")
    return np.array([vocabulary.index(v) for v in values], dtype=np.int64)


def cohort_mask(cohort: CohortLike, patients: PatientAttributes) -> np.ndarray:
    """Which patients belong to ``cohort`` (all given criteria hold; an empty cohort is everyone)."""
    mask = np.ones(len(patients), dtype=bool)
    if cohort.min_age is not None:
        mask &= patients.age >= cohort.min_age
    if cohort.max_age is not None:
        mask &= patients.age <= cohort.max_age
    if cohort.frailty:
        mask &= np.isin(patients.frailty, _codes(cohort.frailty, FRAILTY_CATEGORIES, "frailty categories"))
    if cohort.risk_tiers:
        mask &= np.isin(patients.risk_tier, np.asarray(cohort.risk_tiers))
    if cohort.registers_any:
        cols = _codes(cohort.registers_any, REGISTER_CODES, "QOF registers")
        mask &= patients.registers[:, cols].any(axis=1)
    if cohort.min_registers:
        mask &= patients.registers.sum(axis=1) >= cohort.min_registers
    homeless = getattr(cohort, "homeless", None)  # cohort shapes written before the flag have none
    if homeless is not None:
        mask &= patients.homeless == (1 if homeless else 0)
    return mask
