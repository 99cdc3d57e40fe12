"""Patient attributes from tables, and cohort selection."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest

from carenet.care import REGISTER_CODES, PatientAttributes, PatientInputError, cohort_mask
from carenet.models import Cohort


def _people():
    registers = np.zeros((5, len(REGISTER_CODES)), bool)
    registers[0, REGISTER_CODES.index("DM")] = True
    registers[1, [REGISTER_CODES.index("HF"), REGISTER_CODES.index("COPD"), REGISTER_CODES.index("HYP")]] = True
    return PatientAttributes.build(age=[70, 82, 40, 90, 5], frailty=[1, 3, -1, 2, -1], risk_tier=[2, 4, 1, 3, 1],
                                   registers=registers)


@pytest.mark.parametrize(("cohort", "expected"), [
    (Cohort(), [True] * 5),
    (Cohort(min_age=65, frailty=("moderate", "severe")), [False, True, False, True, False]),
    (Cohort(risk_tiers=(3, 4)), [False, True, False, True, False]),
    (Cohort(registers_any=("DM", "HF")), [True, True, False, False, False]),
    (Cohort(min_registers=3), [False, True, False, False, False]),
    (Cohort(max_age=18), [False, False, False, False, True]),
])
def test_cohort_mask(cohort, expected):
    assert cohort_mask(cohort, _people()).tolist() == expected


def test_from_tables_reads_profile_conditions_and_households():
    profile = pa.table({"patient_id": ["a", "b", "c"], "practice_id": ["P1", "P2", "P1"], "age": [70, 30, 85],
                        "efi_category": ["moderate", None, "severe"], "risk_tier": pa.array([3, 1, 4], pa.int8())})
    conditions = pa.table({"patient_id": ["a", "c", "c", "zz"], "register": ["DM", "HF", None, "DM"],
                           "resolved_date": pa.array([None, None, None, None], pa.date32()),
                           "snomed_code": ["1", "2", "3", "4"], "onset_date": [dt.date(2020, 1, 1)] * 4})
    households = pa.table({"patient_id": ["c", "a", "b"], "household_id": ["h1", "h1", None]})
    attrs, ids = PatientAttributes.from_tables(profile, conditions, households)
    assert ids.to_pylist() == ["a", "b", "c"]
    assert attrs.frailty.tolist() == [2, -1, 3]
    assert attrs.practice.tolist() == [0, 1, 0]
    assert attrs.registers[:, REGISTER_CODES.index("DM")].tolist() == [True, False, False]
    assert attrs.registers[:, REGISTER_CODES.index("HF")].tolist() == [False, False, True]
    assert attrs.household[0] == attrs.household[2] != -1 and attrs.household[1] == -1


def test_bad_shapes_and_missing_columns_are_named():
    with pytest.raises(PatientInputError, match="frailty"):
        PatientAttributes.build(age=[1, 2], frailty=[0])
    with pytest.raises(PatientInputError, match="efi_category"):
        PatientAttributes.from_tables(pa.table({"patient_id": ["a"], "practice_id": ["p"], "age": [3],
                                                "risk_tier": [1]}))


def test_a_homeless_cohort_selects_the_flag_and_never_an_unknown_one():
    people = PatientAttributes.build(age=[30, 40, 50, 60], homeless=[1, 0, -1, 1])
    assert cohort_mask(Cohort(homeless=True), people).tolist() == [True, False, False, True]
    assert cohort_mask(Cohort(homeless=False), people).tolist() == [False, True, False, False]
    assert cohort_mask(Cohort(homeless=True, min_age=45), people).tolist() == [False, False, False, True]
    unknown = PatientAttributes.build(age=[30, 40])  # a dataset that does not record housing
    assert not cohort_mask(Cohort(homeless=True), unknown).any()
    assert not cohort_mask(Cohort(homeless=False), unknown).any()
    profile = pa.table({"patient_id": ["a", "b", "c"], "practice_id": ["P1"] * 3, "age": [30, 40, 50],
                        "efi_category": [None] * 3, "risk_tier": [1, 1, 1],
                        "homeless": pa.array([True, None, False])})
    attrs, _ = PatientAttributes.from_tables(profile)
    assert attrs.homeless.tolist() == [1, -1, 0]
