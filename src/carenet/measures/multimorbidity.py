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


def cms_hit(conditions: ir.Table, condition: CMSCondition, as_of: date) -> ir.BooleanValue:
    """Whether each row of ``conditions`` shows ``condition`` (activity is the caller's filter)."""
    if condition.register is not None:
        hit = conditions.register == condition.register
    else:
        hit = conditions.efi_deficit == condition.efi_deficit
    if condition.recency_years is not None:
        hit = hit & (conditions.onset_date > ibis.date(years_before(as_of, condition.recency_years)))
    return hit.fill_null(False)


def cms_score(flags: ir.Table, weights: Mapping[str, float], prefix: str = "_cms") -> ir.FloatingValue:
    """Σ weight × flag over the 0/1 columns ``{prefix}{i}`` holding :data:`CMS_CONDITIONS` in order."""
    checked = check_cms_weights(weights)
    return sum((flags[f"{prefix}{i}"].cast("float64") * checked[c.name] for i, c in enumerate(CMS_CONDITIONS)),
               start=ibis.literal(0.0))


def cms_flag_aggregates(conditions: ir.Table, mask: ir.BooleanValue, as_of: date,
                        prefix: str = "_cms") -> dict[str, ir.IntegerValue]:
    """Per-group aggregates: 1 if any row under ``mask`` shows each CMS condition, else 0."""
    return {f"{prefix}{i}": ibis.ifelse(mask & cms_hit(conditions, c, as_of), 1, 0).max()
            for i, c in enumerate(CMS_CONDITIONS)}


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


def multimorbidity(conditions: ir.Table, as_of: date, cms_weights: Mapping[str, float]) -> ir.Table:
    """Per patient with any condition recorded by ``as_of``: ``ltc_count`` and ``cms``."""
    check_cms_weights(cms_weights)
    recorded = conditions.filter(conditions.onset_date <= ibis.date(as_of))
    mask = active_mask(recorded, as_of)
    per_patient = recorded.group_by("patient_id").aggregate(
        ltc_count=recorded.register.nunique(where=mask & recorded.register.isin(LTC_REGISTERS)),
        **cms_flag_aggregates(recorded, mask, as_of))
    return per_patient.select("patient_id", "ltc_count", cms=cms_score(per_patient, cms_weights))


__all__ = ["CANCER_RECENCY_YEARS", "CMS_CONDITIONS", "CMS_UNRECOGNISED", "LTC_REGISTERS", "CMSCondition",
           "active_mask", "check_cms_weights", "cms_flag_aggregates", "cms_hit", "cms_score", "multimorbidity",
           "years_before"]
