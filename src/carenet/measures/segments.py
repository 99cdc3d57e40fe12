"""Population segmentation: each registered patient's Bridges to Health segment and NHS operational segment.

Segments (Lynn J et al., Milbank Q 2007;85(2):185-208, table 2; docs/reference/parameters.md §5.1) are assigned
hierarchically: a patient belongs to the highest-numbered segment whose rule they meet. For
segments 4-8 this is the order of NHS England's national segmentation (frailty & dementia >
organ failure > incurable cancer > disability > long-term conditions > healthy).

==  =========================================  ==============================================================
#   segment                                    rule, from canonical data at the reference date
==  =========================================  ==============================================================
8   long decline, dementia and/or frailty      on the dementia register, or moderate/severe frailty (eFI, 65+)
7   limited reserve, organ failure             on the heart-failure or COPD register, or CKD stage 4-5 coded
6   dying with short decline (cancer)          on both the cancer and the palliative-care registers
5   stable disability (incl. mental)           learning disability or severe mental illness register, or
                                               the eFI "housebound" deficit
4   chronic conditions, normal function        any long-term condition (:data:`LTC_REGISTERS`)
3   acutely ill, likely return to health       an attended acute appointment within ``acute_window_days``
2   maternal and infant health                 aged under 1 (the schema holds no pregnancies)
1   healthy                                    everyone else
==  =========================================  ==============================================================

Lynn's three end-of-life trajectories (short decline, organ failure, frailty/dementia) follow
Lunney/Murray; palliative care without cancer therefore places a patient by their organ failure or
frailty, not in segment 6. The NHS operational segment is read off the Bridges segment; its
"Maternal health" segment needs pregnancy records and stays empty.

The module also holds what the population-based measures share: the measurement :class:`Period`,
the registered population on a day, and small helpers to run one-row aggregates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

from carenet.measures.backend import Tables
from carenet.measures.frailty import EFI_MIN_AGE, FRAIL_CATEGORIES, efi_category
from carenet.measures.multimorbidity import cms_score, condition_flags, ltc_count
from carenet.measures.risk import ComplexPatientRule, is_complex, risk_tier
from carenet.measures.support import Unsupported, flag
from carenet.schema.codelists import EFI_DEFICIT_COUNT
from carenet.schema.errors import CarenetError

B2H_SEGMENTS: dict[int, str] = {
    1: "Healthy",
    2: "Maternal and infant health",
    3: "Acutely ill, with likely return to health",
    4: "Chronic conditions, with generally normal function",
    5: "Significant but relatively stable disability",
    6: "Dying with short decline (e.g. cancer)",
    7: "Limited reserve and serious exacerbations (organ failure)",
    8: "Long course of decline, from dementia and/or frailty",
}
"""Bridges to Health segments (Lynn 2007, table 2)."""

NHSE_SEGMENTS: dict[int, str] = {
    1: "Healthy/generally well", 2: "Healthy/generally well", 3: "Healthy/generally well",
    4: "Long Term Conditions", 5: "Disability", 6: "Incurable Cancer", 7: "Organ Failure",
    8: "Frailty and Dementia",
}
"""NHS England operational segment of each Bridges segment (outcomesbasedhealthcare.com condition definitions)."""

DEMENTIA_REGISTERS: tuple[str, ...] = ("DEM",)
ORGAN_FAILURE_REGISTERS: tuple[str, ...] = ("HF", "COPD")
ORGAN_FAILURE_SNOMED: tuple[str, ...] = ("431857002", "433146000")
"""CKD stage 4 and stage 5 (docs/reference/parameters.md §3.3); stage 3 CKD is a long-term condition, not organ
failure."""
CANCER_REGISTER = "CAN"
PALLIATIVE_REGISTER = "PC"
DISABILITY_REGISTERS: tuple[str, ...] = ("LD", "MH")
HOUSEBOUND_DEFICIT = 16
"""eFI deficit 16, "Housebound" (Clegg 2016 Box 1)."""
ACUTE_NEED_TYPES: tuple[str, ...] = ("acute_minor", "acute_complex")
DAYS_PER_YEAR = 365.25
INFANT_MAX_AGE = 0
"""Aged 0 in whole years, i.e. under one."""


@dataclass(frozen=True)
class Period:
    """A measurement period of whole days, both ends included; ``end`` is the reference date."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise CarenetError(f"period start {self.start} is after its end {self.end}")

    @classmethod
    def ending(cls, end: date, days: int) -> Period:
        """The ``days`` days up to and including ``end``."""
        if days < 1:
            raise CarenetError(f"a period needs at least one day, got {days}")
        return cls(end - timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def years(self) -> float:
        """Length in years of 365.25 days, for per-year rates."""
        return self.days / DAYS_PER_YEAR

    def contains(self, ts: ir.TimestampValue) -> ir.BooleanValue:
        """Whether a timestamp falls in the period (compares with literals, so engines can prune)."""
        return (ts >= ibis.timestamp(datetime.combine(self.start, time()))) & (
            ts < ibis.timestamp(datetime.combine(self.end + timedelta(days=1), time())))


@dataclass(frozen=True)
class PopulationConfig:
    """What segmentation, risk and the complex-patient flag need from ``parameters.yaml``."""

    cms_weights: Mapping[str, float]
    acute_window_days: int
    high_risk_min_ltc: int
    complex_rule: ComplexPatientRule


def age_at(birth_date: ir.DateValue, day: date) -> ir.IntegerValue:
    """Age in whole years on ``day``."""
    ref = ibis.date(day)
    before_birthday = (ref.month() < birth_date.month()) | (
        (ref.month() == birth_date.month()) & (ref.day() < birth_date.day()))
    return (ref.year() - birth_date.year() - ibis.ifelse(before_birthday, 1, 0)).cast("int32")


def registered_patients(tables: Tables, as_of: date) -> ir.Table:
    """Patients registered and alive on ``as_of``, with their age then."""
    p = tables["patients"]
    day = ibis.date(as_of)
    current = p.filter(p.registered_from <= day, p.registered_to.isnull() | (p.registered_to >= day),
                       p.death_date.isnull() | (p.death_date > day), p.birth_date <= day)
    return current.select("patient_id", "practice_id", "sex", "deprivation_decile",
                          age=age_at(current.birth_date, as_of))


def _condition_facts(tables: Tables, as_of: date, cms_weights: Mapping[str, float]) -> ir.Table:
    """Per patient with a condition recorded: counts, the Cambridge score and the flags each segment rule reads."""
    c = tables["conditions"]
    flags = condition_flags(c, as_of, deficits=(HOUSEBOUND_DEFICIT,),
                            code_sets={"ckd_4_5": ORGAN_FAILURE_SNOMED})

    def any_of(*columns: str) -> ir.IntegerValue:
        return ibis.greatest(*(flags[col] for col in columns)) if len(columns) > 1 else flags[columns[0]]

    facts = flags.select(
        "patient_id", ltc_count=ltc_count(flags), cms=cms_score(flags, cms_weights),
        dementia=any_of(*(f"reg_{r}" for r in DEMENTIA_REGISTERS)),
        organ_failure=any_of(*(f"reg_{r}" for r in ORGAN_FAILURE_REGISTERS), "ckd_4_5"),
        cancer=flags[f"reg_{CANCER_REGISTER}"], palliative=flags[f"reg_{PALLIATIVE_REGISTER}"],
        disability=any_of(*(f"reg_{r}" for r in DISABILITY_REGISTERS), f"deficit_{HOUSEBOUND_DEFICIT}"),
    )
    # distinct deficits ever recorded, counted in two steps (a distinct count per group is slow)
    deficits = c.filter(c.efi_deficit.notnull(), c.onset_date <= ibis.date(as_of)).select(
        d_patient="patient_id", d="efi_deficit").distinct()
    counts = deficits.group_by("d_patient").aggregate(efi_deficits=deficits.count())
    joined = facts.left_join(counts, facts.patient_id == counts.d_patient).drop("d_patient")
    return joined.mutate(efi_deficits=joined.efi_deficits.fill_null(0))


def _recent_acute(tables: Tables, as_of: date, window_days: int) -> ir.Table:
    a = tables["appointments"]
    window = Period.ending(as_of, window_days)
    acute = a.filter(a.status == "attended", a.need_type.isin(ACUTE_NEED_TYPES), window.contains(a.booked_for))
    return acute.select("patient_id").distinct().mutate(acute=ibis.literal(1))


def patient_profile(tables: Tables, as_of: date, config: PopulationConfig) -> ir.Table:
    """One row per registered patient on ``as_of``: age, multimorbidity, frailty, segments, risk tier, complexity.

    Columns: patient_id, practice_id, sex, deprivation_decile, age, ltc_count, cms, efi_deficits,
    efi_score, efi_category (65+ only), b2h_segment, b2h_name, nhse_segment, risk_tier, complex.
    Needs the ``patients`` and ``conditions`` tables; ``appointments`` (for segment 3) if present.
    """
    if config.acute_window_days < 1:
        raise CarenetError(f"acute_window_days must be at least 1, got {config.acute_window_days}")
    people = registered_patients(tables, as_of)
    facts = _condition_facts(tables, as_of, config.cms_weights)
    joined = people.left_join(facts, "patient_id").drop("patient_id_right")
    if "appointments" in tables:
        acute = _recent_acute(tables, as_of, config.acute_window_days)
        joined = joined.left_join(acute, "patient_id").drop("patient_id_right")
    else:
        joined = joined.mutate(acute=ibis.literal(0))

    flags = ("dementia", "organ_failure", "cancer", "palliative", "disability", "acute")
    facts = joined.select(
        "patient_id", "practice_id", "sex", "deprivation_decile", "age",
        ltc_count=joined.ltc_count.fill_null(0).cast("int32"), efi_deficits=joined.efi_deficits.fill_null(0)
        .cast("int32"), cms=joined.cms.fill_null(0.0).cast("float64"),
        **{f: joined[f].fill_null(0) == 1 for f in flags},
    )
    score = facts.efi_deficits.cast("float64") / EFI_DEFICIT_COUNT
    frailty = facts.mutate(efi_score=score,
                           efi_category=ibis.ifelse(facts.age >= EFI_MIN_AGE, efi_category(score), ibis.null(str)))
    frail = frailty.efi_category.isin(list(FRAIL_CATEGORIES)).fill_null(False)
    segment = ibis.cases(
        (frailty.dementia | frail, 8),
        (frailty.organ_failure, 7),
        (frailty.cancer & frailty.palliative, 6),
        (frailty.disability, 5),
        (frailty.ltc_count >= 1, 4),
        (frailty.acute, 3),
        (frailty.age <= INFANT_MAX_AGE, 2),
        else_=1,
    ).cast("int8")
    base = frailty.select("patient_id", "practice_id", "sex", "deprivation_decile", "age", "ltc_count", "cms",
                          "efi_deficits", "efi_score", "efi_category", b2h_segment=segment)
    return base.mutate(
        b2h_name=base.b2h_segment.cases(*B2H_SEGMENTS.items()),
        nhse_segment=base.b2h_segment.cases(*NHSE_SEGMENTS.items()),
        risk_tier=risk_tier(base.ltc_count, base.efi_category, base.b2h_segment, config.high_risk_min_ltc)
        .cast("int8"),
        complex=is_complex(base.ltc_count, base.efi_category, base.b2h_segment, config.complex_rule),
    )




def share_or_unsupported(numerator: float | None, denominator: float | None, empty: str) -> float | Unsupported:
    """``numerator / denominator``, or :class:`Unsupported` (saying ``empty``) when there is nothing to divide by."""
    if denominator is None or denominator == 0 or numerator is None:
        return Unsupported(empty)
    return float(numerator) / float(denominator)


def materialize(tables: Tables, expr: ir.Table, stem: str = "profile") -> ir.Table:
    """Compute ``expr`` once into a temporary table on the backend (a cached view on Spark), so later measures read
    it instead of re-deriving it: :meth:`Tables.materialize`.

    (Ibis's own ``cache()`` drops its tables with a statement current sqlglot renders empty.)
    """
    return tables.materialize(expr, stem)


def fetch_row(tables: Tables, expr: ir.Table) -> dict[str, object]:
    """Execute a one-row aggregate and return it as a dict (Python scalars, NaN-free)."""
    row = tables.con.to_pyarrow(expr).to_pylist()
    return row[0] if row else {}


def population_aggregates(p: ir.Table) -> dict[str, ir.Scalar]:
    """The sums :func:`population_summary` divides (over ``p``, a :func:`patient_profile`, or per group of it)."""
    return {
        "n": p.count(), "ltc": p.ltc_count.cast("float64").sum(), "cms": p.cms.sum(),
        "frail": flag(p.efi_category.isin(list(FRAIL_CATEGORIES))).sum(), "older": flag(p.age >= EFI_MIN_AGE).sum(),
        "multimorbid_share": flag(p.ltc_count >= 2).sum(),
        "complex_share": flag(p.complex).sum(),
        **{f"segment_{k}_share": flag(p.b2h_segment == k).sum() for k in B2H_SEGMENTS},
        **{f"risk_tier_{k}_share": flag(p.risk_tier == k).sum() for k in range(1, 5)},
    }


_SHARES = ("multimorbid_share", "complex_share", *(f"segment_{k}_share" for k in B2H_SEGMENTS),
           *(f"risk_tier_{k}_share" for k in range(1, 5)))


def population_values(row: dict) -> dict[str, float | Unsupported]:
    """The population section from one row of :func:`population_aggregates`."""
    n = row.get("n") or 0
    nobody = "no registered patients"
    out: dict[str, float | Unsupported] = {
        "registered_patients": float(n),
        "mean_ltc_count": share_or_unsupported(row.get("ltc"), n, nobody),
        "multimorbid_share": share_or_unsupported(row.get("multimorbid_share"), n, nobody),
        "mean_cms": share_or_unsupported(row.get("cms"), n, nobody),
        "frail_share_65plus": share_or_unsupported(row.get("frail"), row.get("older"),
                                                   "no registered patients aged 65+"),
    }
    out.update({k: share_or_unsupported(row.get(k), n, nobody) for k in _SHARES})
    return out


def population_summary(tables: Tables, profile: ir.Table) -> dict[str, float]:
    """Who the registered population are: size, multimorbidity, frailty, complexity, segment and tier shares."""
    return population_values(fetch_row(tables, profile.aggregate(**population_aggregates(profile))))


__all__ = ["ACUTE_NEED_TYPES", "B2H_SEGMENTS", "NHSE_SEGMENTS", "Period", "PopulationConfig", "age_at", "fetch_row",
           "materialize", "patient_profile", "population_aggregates", "population_summary", "population_values",
           "registered_patients", "share_or_unsupported"]
