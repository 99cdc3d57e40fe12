"""Need-weighted capitation: each practice's weighted list, component by component, and what it is paid.

Components built from the data are normalised nationally (over the practices given) and multiplied
into the weighted list (:mod:`carenet.fund.normalise`). The GMS formula's components the data cannot
build (list turnover, nursing and residential homes, market forces, rurality) stay at 1 and their
combined effect is shown as a range, ``weighted_low``..``weighted_high``. Income for a financial year
is the global sum and ARRS per weighted patient and the enhanced services on their basis
(:mod:`carenet.fund.prices`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.fund.components import age_sex_index, deprivation_index, morbidity_index
from carenet.fund.normalise import mean_index, normalised, weighted_list
from carenet.fund.prices import YearPrices
from carenet.fund.profile import PracticeProfile, deciles, position_in
from carenet.fund.settings import FundSettings

COMPONENTS = ("age_sex", "morbidity", "deprivation")
"""Built components, in the order they are shown."""


@dataclass
class Capitation:
    """The weighted list of every practice: ``indices[k]`` normalised (1 = national average), ``built[k]`` whether
    the data could build component ``k``."""

    profile: PracticeProfile
    indices: dict[str, np.ndarray]
    built: dict[str, bool]
    weighted: np.ndarray
    weighted_low: np.ndarray
    weighted_high: np.ndarray
    unbuilt: dict[str, tuple[float, float]]
    means: dict[str, float]
    scale: float
    reference: str

    def need_weighted(self, components: tuple[str, ...]) -> np.ndarray:
        """The weighted list from a subset of the components (for equity: what the formula pays on)."""
        return weighted_list(self.profile.registered, [self.indices[k] for k in components])


def capitation(profile: PracticeProfile, settings: FundSettings, reference: Capitation | None = None) -> Capitation:
    """The weighted lists of ``profile``'s practices, normalised over them — or, given a ``reference`` (England's
    capitation), against the reference's national means and rescaling, so a network's lists weigh as they would
    in the national allocation."""
    if reference is not None and profile.deprivation_from_imd and reference.profile.imd_score is not None:
        profile.deprivation = position_in(reference.profile.imd_score, reference.profile.registered,
                                          profile.imd_score)  # IMD placed in England's distribution
    raw = {"age_sex": age_sex_index(profile, settings.need_weights),
           "morbidity": morbidity_index(profile, settings.need_weights),
           "deprivation": deprivation_index(profile, settings.deprivation_rate_ratio)}
    n = profile.registered
    means = {k: mean_index(v, n) for k, v in raw.items() if v is not None}
    if reference is not None:
        means = {k: reference.means.get(k, m) for k, m in means.items()}
    indices = {k: (normalised(v, n, means[k]) if v is not None else np.ones(profile.size)) for k, v in raw.items()}
    if reference is None:
        weighted = weighted_list(n, list(indices.values()))
        scale = float(weighted.sum() / (n * np.prod(np.stack(list(indices.values())), axis=0)).sum())
    else:
        scale = reference.scale
        weighted = n * np.prod(np.stack(list(indices.values())), axis=0) * scale
    lo = float(np.prod([r[0] for r in settings.unbuilt_ranges.values()]))
    hi = float(np.prod([r[1] for r in settings.unbuilt_ranges.values()]))
    return Capitation(profile, indices, {k: v is not None for k, v in raw.items()}, weighted, weighted * lo,
                      weighted * hi, dict(settings.unbuilt_ranges), means, scale,
                      reference.profile.source if reference is not None else "the practices given")


def capitation_table(cap: Capitation, prices: YearPrices | None = None) -> pa.Table:
    """One row per practice: codes, registered, each component's index, the weighted list and its range, income."""
    p = cap.profile
    columns: dict[str, pa.Array | np.ndarray | list] = {
        "practice_code": pa.array(p.practice_id.tolist(), pa.string()),
        "name": pa.array(p.name.tolist(), pa.string()),
        "network": pa.array((p.network if p.network is not None else np.full(p.size, "")).tolist(), pa.string()),
        "locality": pa.array((p.locality if p.locality is not None else np.full(p.size, "")).tolist(), pa.string()),
        "registered": pa.array(p.registered, pa.int64()),
        "imd_score": pa.array(p.imd_score, pa.float64(), mask=np.isnan(p.imd_score)),
        "deprivation_decile": pa.array(deciles(p.deprivation), pa.int8()),
    }
    for k in COMPONENTS:
        columns[f"{k}_index"] = pa.array(np.round(cap.indices[k], 6), pa.float64())
    for k in cap.unbuilt:
        columns[f"{k}_index"] = pa.array(np.ones(p.size), pa.float64())
    columns["weighted"] = pa.array(np.round(cap.weighted, 3), pa.float64())
    columns["weighted_low"] = pa.array(np.round(cap.weighted_low, 3), pa.float64())
    columns["weighted_high"] = pa.array(np.round(cap.weighted_high, 3), pa.float64())
    if prices is not None:
        income = prices.income(p.registered.astype(np.float64), cap.weighted)
        for stream, values in income.items():
            columns[f"{stream}_gbp"] = pa.array(np.round(values, 2), pa.float64())
        total = sum(income.values())
        columns["income_gbp"] = pa.array(np.round(total, 2), pa.float64())
        columns["income_per_registered_gbp"] = pa.array(np.round(total / np.maximum(p.registered, 1), 2),
                                                        pa.float64())
    return pa.table(columns)


def summary(cap: Capitation) -> dict[str, float]:
    """Totals a user checks first: registered and weighted totals (equal by construction) and the index spreads."""
    out = {"practices": float(cap.profile.size), "registered": float(cap.profile.registered.sum()),
           "weighted": float(cap.weighted.sum())}
    for k in COMPONENTS:
        v = cap.indices[k]
        out[f"{k}_p5"], out[f"{k}_p95"] = (float(x) for x in np.percentile(v, [5, 95]))
    return out
