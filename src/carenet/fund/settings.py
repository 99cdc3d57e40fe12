"""The fund package's figures, read once from ``parameters.yaml`` into typed records and passed in.

Nothing else in :mod:`carenet.fund` reads parameters: capitation, prices, budgets, contracts and
equity take a :class:`FundSettings` (or a part of it), so a user can vary one figure without touching
globals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from carenet.measures.community import NeedWeights
from carenet.params import parameter


@dataclass(frozen=True)
class Price:
    """One sourced price: pounds, the year or basis it applies to, its evidence tag and source."""

    value: float
    tag: str
    source: str
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class EnhancedService:
    """A Network Contract DES payment per patient a year, on the registered or the adjusted (weighted) list."""

    service: str
    basis: str
    by_year: dict[str, float]
    tag: str
    source: str


@dataclass(frozen=True)
class FundSettings:
    """Every figure the fund package uses (see ``parameters.yaml`` ``fund`` and ``funding``)."""

    global_sum: dict[str, Price]
    arrs: dict[str, Price]
    enhanced: tuple[EnhancedService, ...]
    hospital: dict[str, Price]
    need_weights: NeedWeights
    morbidity_registers: tuple[str, ...]
    deprivation_rate_ratio: float
    funding_components: tuple[str, ...]
    unbuilt_ranges: dict[str, tuple[float, float]]
    health_foundation_gap: float
    cream_flag_gap: float
    published_gps_per_100k: tuple[tuple[str, float], ...] = ()
    """RCGP 2024 GPs per 100,000 patients by practice income-deprivation group (least to highest), shown where the
    data hold no workforce."""

    @staticmethod
    def from_parameters() -> FundSettings:
        return _from_parameters()


def _by_year(rows: list[dict]) -> dict[str, Price]:
    return {str(r["year"]): Price(float(r["value"]), str(r["tag"]), str(r["source"])) for r in rows}


@cache
def _from_parameters() -> FundSettings:
    nw = parameter("measures_need_weights")
    weights = NeedWeights(bands=tuple(int(b) for b in nw["age_band_rates"]["bands"]),
                          rates=tuple(float(r) for r in nw["age_band_rates"]["rate"]),
                          female_to_male=tuple(float(r) for r in nw["female_to_male_rate_ratio"]["value"]),
                          multimorbidity_rate_ratio=float(nw["multimorbidity_rate_ratio"]["value"]),
                          min_ltc_count=int(nw["multimorbidity_rate_ratio"]["min_ltc_count"]))
    cap = parameter("fund.capitation")
    hospital = {name: Price(float(e["value"]), str(e["tag"]), str(e["source"]), float(e["range"][0]),
                            float(e["range"][1]))
                for name, e in parameter("fund.hospital_unit_costs_gbp").items() if isinstance(e, dict)}
    enhanced = tuple(EnhancedService(str(s["service"]), str(s["basis"]),
                                     {str(k): float(v) for k, v in s["by_year"].items()}, str(s["tag"]),
                                     str(s["source"]))
                     for s in parameter("fund.enhanced_services_gbp.services"))
    return FundSettings(
        global_sum=_by_year(parameter("funding.global_sum_per_weighted_patient_gbp")),
        arrs=_by_year(parameter("fund.arrs_per_weighted_patient_gbp")),
        enhanced=enhanced,
        hospital=hospital,
        need_weights=weights,
        morbidity_registers=tuple(str(r) for r in cap["morbidity_registers"]["value"]),
        deprivation_rate_ratio=float(parameter(f"{cap['deprivation_rate_ratio_path']['value']}.value")),
        funding_components=tuple(str(c) for c in cap["funding_components"]["value"]),
        unbuilt_ranges={name: (float(e["range"][0]), float(e["range"][1]))
                        for name, e in cap["unbuilt_components"].items() if isinstance(e, dict)},
        health_foundation_gap=float(parameter("fund.equity.health_foundation_gap.value")),
        cream_flag_gap=float(parameter("fund.cream_skimming.flag_gap.value")),
        published_gps_per_100k=tuple((str(g["group"]), float(g["gps_per_100k"]))
                                     for g in parameter("workforce.gps_per_100k_by_income_deprivation_2024")),
    )
