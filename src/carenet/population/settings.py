"""The population generator's figures, read once from ``parameters.yaml`` into typed records.

Calibration targets (census shares, QOF prevalences, eFI categories, workforce rates) come from the
published sections; the generator's own assumptions come from ``synthetic_population``. Keeping
the lookup here means every other module works with plain numbers and names, never YAML paths.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from carenet.params import parameter
from carenet.schema.codelists import QOF_REGISTERS

SECTION = "synthetic_population"


def _value(path: str) -> Any:
    return parameter(f"{SECTION}.{path}.value")


def _shares(node: dict[str, Any]) -> dict[int, float]:
    """A YAML mapping like ``{'1': 0.45, '2': 0.40, tag: M}`` as ``{1: 0.45, 2: 0.40}`` summing to one."""
    shares = {int(k): float(v) for k, v in node.items() if str(k).isdigit()}
    total = sum(shares.values())
    return {k: v / total for k, v in sorted(shares.items())}


@dataclass(frozen=True)
class AgeBand:
    """A published share of the population between two ages (``hi`` exclusive; None = no upper bound)."""

    lo: int
    hi: int | None
    share: float


@dataclass(frozen=True)
class RegisterTarget:
    """One QOF register's published prevalence and the model's assumed age and sex gradients."""

    code: str
    name: str
    min_age: int
    denominator_age: int
    prevalence: float
    prevalence_decile1: float
    prevalence_decile10: float
    age_slope: float
    male_shift: float
    source: str


@dataclass(frozen=True)
class MultimorbidityTarget:
    label: str
    lo: int
    hi: int | None
    share_2plus: float
    source: str


@dataclass(frozen=True)
class Settings:
    """Everything the generator needs, with the figures already resolved."""

    reference_date: dt.date
    max_age: int
    age_bands: tuple[AgeBand, ...]
    female_share: float
    female_share_90_plus: float
    female_rise_from_age: int
    older_share_ratio: float
    practice_score_p5: float
    practice_score_p95: float
    between_practice_share: float
    adult_age: int
    one_person_share: float
    mean_household_size: float
    couple_share: float
    partner_gap_mean: float
    partner_gap_sd: float
    mother_age_mean: float
    mother_age_sd: float
    min_parent_gap: int
    children_per_family: dict[int, float]
    sibling_spread: float
    lone_parent_share: float
    lone_parent_female_share: float
    young_adult_max_age: int
    young_adult_at_parents: float
    alone_odds_per_decade: float
    sharer_sizes: dict[int, float]
    mean_years_at_practice: float
    registers: tuple[RegisterTarget, ...]
    multimorbidity_excluded: tuple[str, ...]
    multimorbidity_targets: tuple[MultimorbidityTarget, ...]
    deficit_min_age: int
    deficit_age_slope: float
    deficit_prevalence_75: dict[int, float]
    efi_category_shares: dict[str, float]
    efi_category_upper: dict[str, float]
    efi_source: str
    local_code_prefix: str
    gp_fte_per_10k: float
    gp_group_rates: tuple[float, ...]
    gp_sessions: dict[int, float]
    staff_sessions: dict[int, float]
    practice_staff_per_10k: dict[str, float]
    network_staff_per_10k: dict[str, float]
    sessions_full_time: int
    tolerance_prevalence_relative: float
    tolerance_prevalence_absolute: float
    tolerance_multimorbidity: float
    tolerance_frailty: float
    tolerance_sampling_z: float
    homeless_prevalence: float
    homeless_deprivation_ratio: float
    nhs_number_limit: int


def _age_bands() -> tuple[tuple[AgeBand, ...], float]:
    """Disjoint bands from the overlapping published shares (census 0-14, 65+, 90+; registered <18, 50+)."""
    shares = {row["group"]: float(row["share"]) for row in parameter("population.age_structure_coarse")}
    under15 = shares["census2021_EW_age_0_14"]
    under18 = shares["registered_2019_20_age_under_18"]
    over50 = shares["registered_2019_20_age_50_plus"]
    over65 = shares["census2021_EW_age_65_plus"]
    over90 = shares["census2021_EW_age_90_plus"]
    bands = (
        AgeBand(0, 15, under15),
        AgeBand(15, 18, under18 - under15),
        AgeBand(18, 50, 1.0 - under18 - over50),
        AgeBand(50, 65, over50 - over65),
        AgeBand(65, 90, over65 - over90),
        AgeBand(90, None, over90),
    )
    return bands, shares["census2021_EW_female"]


def _denominator_age(text: str) -> int:
    """``all_ages`` → 0, ``age_17_plus`` → 17, ``all_ages (register 6+)`` → 0."""
    found = re.match(r"age_(\d+)_plus", text.strip())
    return int(found.group(1)) if found else 0


def _registers() -> tuple[RegisterTarget, ...]:
    published = {row["qof_code"]: row for row in parameter("prevalence.qof_england")}
    slopes = parameter(f"{SECTION}.conditions.age_slope_per_decade")
    male = parameter(f"{SECTION}.conditions.male_shift")
    out = []
    for reg in QOF_REGISTERS:
        row = published[reg.code]
        out.append(RegisterTarget(
            reg.code, reg.name, reg.min_age, _denominator_age(str(row["denominator"])),
            float(row["prevalence"]), float(row["prevalence_imd_decile1_most_deprived"]),
            float(row["prevalence_imd_decile10_least_deprived"]),
            float(slopes[reg.code]), float(male[reg.code]), str(row["source"]),
        ))
    return tuple(out)


def _age_label(label: str) -> tuple[int, int | None]:
    """``0-19`` → (0, 20); ``80+`` → (80, None); ``all`` → (0, None)."""
    if label == "all":
        return 0, None
    if label.endswith("+"):
        return int(label[:-1]), None
    lo, hi = label.split("-")
    return int(lo), int(hi) + 1


def _multimorbidity_targets() -> tuple[MultimorbidityTarget, ...]:
    rows = {row["age"]: row for row in parameter("prevalence.multimorbidity_by_age")}
    out = []
    for label in _value("conditions.multimorbidity_targets"):
        row = rows[label]
        lo, hi = _age_label(label)
        out.append(MultimorbidityTarget(label, lo, hi, float(row["share_2plus"]), str(row["source"])))
    return tuple(out)


def _per_10k(rows: list[dict[str, Any]], role: str, date: str | None = None) -> float:
    for row in rows:
        if row["role"] == role and (date is None or str(row.get("date")) == date):
            return float(row["per_10k"])
    raise KeyError(f"parameters.yaml: no per_10k entry for role {role!r}" + (f" dated {date}" if date else ""))


_PRACTICE_ROLES = {"practice_nurse": "nurses", "hca": "practice_direct_patient_care", "admin": "admin_non_clinical"}
"""carenet role → ``workforce.fte_per_10k_registered`` role employed by practices."""

_NETWORK_ROLES = {
    "clinical_pharmacist": "pharmacists", "care_coordinator": "care_coordinators",
    "splw": "social_prescribing_link_workers", "fcp": "physiotherapists", "paramedic": "paramedics",
    "physician_associate": "physician_associates", "hwbc": "health_and_wellbeing_coaches",
    "anp": "advanced_nurse_practitioners",
}
"""carenet role → ARRS role of ``workforce.arrs_pcn_fte_dec2024_nwrs`` (employed by the network)."""


def _workforce() -> tuple[float, tuple[float, ...], dict[str, float], dict[str, float]]:
    fte_rows = parameter("workforce.fte_per_10k_registered")
    gp = parameter(f"{SECTION}.workforce.gp_rate")
    gp_rate = _per_10k(fte_rows, gp["role"], str(gp["date"]))
    groups = tuple(float(row["gps_per_100k"]) for row in parameter("workforce.gps_per_100k_by_income_deprivation_2024"))
    practice = {role: _per_10k(fte_rows, published) for role, published in _PRACTICE_ROLES.items()}
    arrs = parameter("workforce.arrs_pcn_fte_dec2024_nwrs")
    network = {role: _per_10k(arrs, published) for role, published in _NETWORK_ROLES.items()}
    registered = [row for row in parameter("population.registered_patients_england") if str(row["date"]) == "2024-12"]
    mh_fte = float(parameter("workforce.mental_health_practitioners_fte_apr2024.fte"))
    network["mh_practitioner"] = mh_fte / float(registered[0]["value"]) * 10_000
    return gp_rate, groups, practice, network


@cache
def settings() -> Settings:
    """The resolved settings (cached: parameters.yaml is read once per process)."""
    bands, female = _age_bands()
    categories = parameter("efi.categories")
    gp_rate, gp_groups, practice_staff, network_staff = _workforce()
    score = parameter(f"{SECTION}.deprivation.practice_imd_score")
    households = f"{SECTION}.households"
    return Settings(
        reference_date=dt.date.fromisoformat(str(_value("reference_date"))),
        max_age=int(_value("age.max_age")),
        age_bands=bands,
        female_share=female,
        female_share_90_plus=float(_value("sex.female_share_90_plus")),
        female_rise_from_age=int(_value("sex.female_share_rise_from_age")),
        older_share_ratio=float(_value("age.deprivation_tilt_older_share_ratio")),
        practice_score_p5=float(score["p5"]),
        practice_score_p95=float(score["p95"]),
        between_practice_share=float(_value("deprivation.between_practice_share")),
        adult_age=int(_value("households.adult_age")),
        one_person_share=float(_value("households.one_person_share_of_households")),
        mean_household_size=float(_value("households.mean_household_size")),
        couple_share=float(_value("households.couple_share_of_adults")),
        partner_gap_mean=float(parameter(f"{households}.partner_age_gap_years.mean")),
        partner_gap_sd=float(parameter(f"{households}.partner_age_gap_years.sd")),
        mother_age_mean=float(parameter(f"{households}.mother_age_at_birth.mean")),
        mother_age_sd=float(parameter(f"{households}.mother_age_at_birth.sd")),
        min_parent_gap=int(_value("households.min_parent_age_at_birth")),
        children_per_family=_shares(parameter(f"{households}.children_per_family")),
        sibling_spread=float(_value("households.sibling_age_spread_years")),
        lone_parent_share=float(_value("households.lone_parent_share_of_families")),
        lone_parent_female_share=float(_value("households.lone_parent_female_share")),
        young_adult_max_age=int(parameter(f"{households}.young_adult_at_parents.max_age")),
        young_adult_at_parents=float(parameter(f"{households}.young_adult_at_parents.share")),
        alone_odds_per_decade=float(_value("households.living_alone_odds_per_decade")),
        sharer_sizes=_shares(parameter(f"{households}.sharer_household_size")),
        mean_years_at_practice=float(_value("registration.mean_years_at_practice")),
        registers=_registers(),
        multimorbidity_excluded=tuple(_value("conditions.multimorbidity_excluded_registers")),
        multimorbidity_targets=_multimorbidity_targets(),
        deficit_min_age=int(_value("frailty.min_age")),
        deficit_age_slope=float(_value("frailty.age_slope_per_decade")),
        deficit_prevalence_75={int(k): float(v) for k, v in parameter(f"{SECTION}.frailty.prevalence_at_75").items()
                               if str(k).isdigit()},
        efi_category_shares={k: float(v) for k, v in parameter("efi.prevalence_65plus").items()
                             if k in {c["name"] for c in categories}},
        efi_category_upper={c["name"]: float(c["upper_inclusive"]) for c in categories},
        efi_source=str(parameter("efi.prevalence_65plus.source")),
        local_code_prefix=str(_value("frailty.local_code_prefix")),
        gp_fte_per_10k=gp_rate,
        gp_group_rates=gp_groups,
        gp_sessions=_shares(parameter(f"{SECTION}.workforce.gp_sessions_per_week")),
        staff_sessions=_shares(parameter(f"{SECTION}.workforce.staff_sessions_per_week")),
        practice_staff_per_10k=practice_staff,
        network_staff_per_10k=network_staff,
        sessions_full_time=int(parameter("workforce.gp_session.sessions_full_time")),
        tolerance_prevalence_relative=float(_value("check_tolerance.prevalence_relative")),
        tolerance_prevalence_absolute=float(_value("check_tolerance.prevalence_absolute")),
        tolerance_multimorbidity=float(_value("check_tolerance.multimorbidity_absolute")),
        tolerance_frailty=float(_value("check_tolerance.frailty_absolute")),
        tolerance_sampling_z=float(_value("check_tolerance.sampling_z")),
        homeless_prevalence=float(_value("homelessness.prevalence")),
        homeless_deprivation_ratio=float(_value("homelessness.deprivation_ratio")),
        nhs_number_limit=int(_value("nhs_numbers.test_range_limit")),
    )
