"""Multimorbidity: the long-term-condition count and the Cambridge Multimorbidity Score (CMS).

LTC count: distinct QOF registers a patient is on at the reference date (onset on or before it,
not resolved by it). Every register that records a condition counts; the palliative-care register
records a care status, so it does not.

CMS (general outcome; Payne RA et al., CMAJ 2020;192(5):E107-14, PMC7004217): the sum of the
weights of the conditions present. The weights come from the caller (``parameters.yaml``
``cambridge_multimorbidity_score_general``); this module only says how each CMS condition is
recognised in canonical data. Four of the twenty conditions (alcohol problems, irritable bowel
syndrome, constipation, painful condition) are defined by the Cambridge code lists through
prescriptions or codes carenet does not hold, so the score here is a lower bound on the published
one. "Cancer (new diagnosis)" counts a cancer first recorded within 5 years, as in the Cambridge
code lists (https://www.phpc.cam.ac.uk/pcu/cprd_cam/codelists).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import ibis
import ibis.expr.types as ir

from carenet.schema.codelists import QOF_REGISTERS
from carenet.schema.errors import CarenetError

NON_CONDITION_REGISTERS: tuple[str, ...] = ("PC",)
"""QOF registers that record a care status rather than a condition (palliative care)."""

LTC_REGISTERS: tuple[str, ...] = tuple(r.code for r in QOF_REGISTERS if r.code not in NON_CONDITION_REGISTERS)
"""Registers counted as long-term conditions."""

CANCER_RECENCY_YEARS = 5
"""CMS "Cancer (new diagnosis)": first recorded within the last 5 years (Cambridge code lists)."""


@dataclass(frozen=True)
class CMSCondition:
    """How one CMS condition shows in canonical conditions: a QOF register or an eFI deficit."""

    name: str
    register: str | None = None
    efi_deficit: int | None = None
    recency_years: int | None = None

    @property
    def column(self) -> str:
        """The 0/1 column of :func:`condition_flags` that shows this condition."""
        if self.recency_years is not None:
            return f"new_{self.register}"
        return f"reg_{self.register}" if self.register is not None else f"deficit_{self.efi_deficit}"


CMS_CONDITIONS: tuple[CMSCondition, ...] = (
    CMSCondition("Anxiety/depression", register="DEP"),
    CMSCondition("Atrial fibrillation", register="AF"),
    CMSCondition("Cancer (new diagnosis)", register="CAN", recency_years=CANCER_RECENCY_YEARS),
    CMSCondition("Chronic kidney disease", register="CKD"),
    CMSCondition("Connective tissue disorder", register="RA"),
    CMSCondition("COPD", register="COPD"),
    CMSCondition("Coronary heart disease", register="CHD"),
    CMSCondition("Dementia", register="DEM"),
    CMSCondition("Diabetes", register="DM"),
    CMSCondition("Epilepsy", register="EP"),
    CMSCondition("Hearing loss", efi_deficit=13),
    CMSCondition("Heart failure", register="HF"),
    CMSCondition("Psychosis/bipolar", register="MH"),
    CMSCondition("Stroke/TIA", register="STIA"),
    CMSCondition("Asthma", register="AST"),
    CMSCondition("Hypertension", register="HYP"),
)
"""The CMS conditions carenet can recognise (16 of the 20 in Payne 2020)."""

CMS_UNRECOGNISED: tuple[str, ...] = ("Alcohol problems", "Irritable bowel syndrome", "Constipation",
                                     "Painful condition")
"""CMS conditions whose Cambridge definitions need data the canonical schema does not hold."""

CMS_DEFICITS: tuple[int, ...] = tuple(c.efi_deficit for c in CMS_CONDITIONS if c.efi_deficit is not None)


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def active_mask(conditions: ir.Table, as_of: date) -> ir.BooleanValue:
    """Whether each row of ``conditions`` is recorded on or before ``as_of`` and not resolved by then."""
    day = ibis.date(as_of)
    return (conditions.onset_date <= day) & (conditions.resolved_date.isnull() | (conditions.resolved_date > day))


def condition_flags(conditions: ir.Table, as_of: date, deficits: tuple[int, ...] = (),
                    code_sets: Mapping[str, tuple[str, ...]] | None = None) -> ir.Table:
    """Per patient with a condition recorded by ``as_of``: 0/1 columns of what is active then.

    ``reg_<CODE>`` for every QOF register, ``new_CAN`` for a cancer first recorded within
    :data:`CANCER_RECENCY_YEARS`, ``deficit_<k>`` for each eFI deficit in ``deficits`` (and those
    the CMS reads), and one column per named set of SNOMED codes in ``code_sets``. One grouped pass
    of plain maxima: distinct counts are much slower on large tables.
    """
    recorded = conditions.filter(conditions.onset_date <= ibis.date(as_of))
    active = active_mask(recorded, as_of)

    def present(hit: ir.BooleanValue) -> ir.IntegerValue:
        return ibis.ifelse(active & hit.fill_null(False), 1, 0).max()

    cancer_since = ibis.date(years_before(as_of, CANCER_RECENCY_YEARS))
    flags = {f"reg_{r.code}": present(recorded.register == r.code) for r in QOF_REGISTERS}
    flags["new_CAN"] = present((recorded.register == "CAN") & (recorded.onset_date > cancer_since))
    for k in sorted(set(deficits) | set(CMS_DEFICITS)):
        flags[f"deficit_{k}"] = present(recorded.efi_deficit == k)
    for name, codes in (code_sets or {}).items():
        flags[name] = present(recorded.snomed_code.isin(list(codes)))
    return recorded.group_by("patient_id").aggregate(**flags)


def ltc_count(flags: ir.Table) -> ir.IntegerValue:
    """Long-term conditions from a :func:`condition_flags` table."""
    return sum((flags[f"reg_{code}"] for code in LTC_REGISTERS), start=ibis.literal(0)).cast("int32")


def check_cms_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """The weights of the recognised CMS conditions; unknown names are an error naming them."""
    known = {c.name for c in CMS_CONDITIONS}
    unknown = sorted(set(weights) - known - set(CMS_UNRECOGNISED))
    if unknown:
        raise CarenetError(f"unknown Cambridge Multimorbidity Score condition(s) {unknown}; "
                           f"expected names from {sorted(known | set(CMS_UNRECOGNISED))}")
    missing = sorted(known - set(weights))
    if missing:
        raise CarenetError(f"Cambridge Multimorbidity Score weights lack {missing}")
    return {name: float(w) for name, w in weights.items() if name in known}


def cms_score(flags: ir.Table, weights: Mapping[str, float]) -> ir.FloatingValue:
    """Σ weight × condition present, from a :func:`condition_flags` table."""
    checked = check_cms_weights(weights)
    return sum((flags[c.column].cast("float64") * checked[c.name] for c in CMS_CONDITIONS),
               start=ibis.literal(0.0)).cast("float64")


def multimorbidity(conditions: ir.Table, as_of: date, cms_weights: Mapping[str, float]) -> ir.Table:
    """Per patient with any condition recorded by ``as_of``: ``ltc_count`` and ``cms``."""
    check_cms_weights(cms_weights)
    flags = condition_flags(conditions, as_of)
    return flags.select("patient_id", ltc_count=ltc_count(flags), cms=cms_score(flags, cms_weights))


__all__ = ["CANCER_RECENCY_YEARS", "CMS_CONDITIONS", "CMS_UNRECOGNISED", "LTC_REGISTERS", "CMSCondition",
           "active_mask", "check_cms_weights", "cms_score", "condition_flags", "ltc_count", "multimorbidity",
           "years_before"]
