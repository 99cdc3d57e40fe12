"""The electronic Frailty Index (eFI; Clegg et al., Age Ageing 2016;45(3):353-60, PMC4846793).

eFI = distinct deficits ever recorded / 36. Deficits come from ``conditions.efi_deficit``; the
eFI has no look-back window, so a deficit counts once recorded, resolved or not (docs/reference/parameters.md
§4.1). Categories (Frailty Toolkit, https://www.frailtytoolkit.org/electronic-frailty-index-efi/):
fit ≤ 0.12 < mild ≤ 0.24 < moderate ≤ 0.36 < severe, i.e. 0-4, 5-8, 9-12 and ≥ 13 deficits.

The category is given only from age 65: the eFI was developed and validated on people aged 65-95
and the GMS contract (2017/18) asks practices to identify frailty in patients aged 65 and over.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from carenet.measures.backend import Tables
from carenet.schema.codelists import EFI_DEFICIT_COUNT

EFI_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("fit", 0.12),
    ("mild", 0.24),
    ("moderate", 0.36),
    ("severe", 1.0),
)
"""Each category with its inclusive upper eFI bound (Frailty Toolkit; parameters.yaml ``efi.categories``)."""

EFI_MIN_AGE = 65
"""Youngest age given an eFI category (Clegg 2016 cohort 65-95; GMS contract 2017/18 frailty identification)."""

FRAIL_CATEGORIES: tuple[str, ...] = ("moderate", "severe")
"""Categories the GMS contract asks practices to act on (moderate and severe frailty)."""


def efi_category(score: ir.FloatingValue) -> ir.StringValue:
    """The eFI category of a score expression (null for a null score)."""
    case = ibis.cases(*((score <= upper, name) for name, upper in EFI_CATEGORIES[:-1]),
                      else_=EFI_CATEGORIES[-1][0])
    return score.isnull().ifelse(ibis.null(str), case)


def efi_scores(tables: Tables, as_of: date) -> ir.Table:
    """Per patient with any deficit recorded by ``as_of``: ``efi_deficits`` (distinct count) and ``efi_score``."""
    c = tables["conditions"]
    recorded = c.filter(c.efi_deficit.notnull(), c.onset_date <= ibis.date(as_of))
    counts = recorded.group_by("patient_id").aggregate(efi_deficits=recorded.efi_deficit.nunique())
    return counts.mutate(efi_score=counts.efi_deficits.cast("float64") / EFI_DEFICIT_COUNT)


__all__ = ["EFI_CATEGORIES", "EFI_MIN_AGE", "FRAIL_CATEGORIES", "efi_category", "efi_scores"]
