"""Equity: funding and clinicians per need-adjusted patient by deprivation decile (the inverse care law).

Practices are put into ten deprivation deciles of registered patients by their IMD score (decile 1 the
most deprived). Funding is what the GMS formula pays, modelled as the global sum per weighted patient
times the list weighted by the components the formula pays on (``fund.capitation.funding_components``);
need is the list weighted by every built component. For each decile::

    funding per need-adjusted patient = Σ funding / Σ need-weighted list
    relative = that / the figure over all the practices given (England's for --practices england)
    gap = 1 − relative(decile 1) / relative(decile 10)

and, where the data hold staff (a carenet dataset's clinicians, or NHS Digital's practice workforce file through
:mod:`carenet.fund.workforce`), clinical and GP FTE per 100,000 need-adjusted patients of the practices whose staff
are known, and ``gp_gap = 1 − GP FTE per need-adjusted patient (decile 1) / (decile 10)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.fund.capitation import Capitation
from carenet.fund.profile import deciles
from carenet.fund.settings import FundSettings


@dataclass
class Equity:
    table: pa.Table
    gap: float | None
    published_gap: float
    notes: list[str]
    gp_gap: float | None = None


def equity(cap: Capitation, settings: FundSettings, global_sum: float) -> Equity:
    p = cap.profile
    need = cap.weighted
    funded = cap.need_weighted(settings.funding_components) * global_sum
    decile = deciles(p.deprivation)
    rows: dict[str, list] = {k: [] for k in ("deprivation_decile", "practices", "registered", "need_adjusted",
                                             "funding_gbp", "funding_per_need_adjusted_gbp", "relative_to_average",
                                             "clinical_fte_per_100k_need_adjusted", "gp_fte_per_100k_need_adjusted")}
    national = funded.sum() / need.sum()
    notes = [f"funding modelled on the {', '.join(settings.funding_components)} component(s) at the global sum of "
             f"£{global_sum:.2f}; need on {', '.join(k for k, b in cap.built.items() if b)}"]
    published = ("published GPs per 100,000 patients by practice income deprivation (RCGP 2024, not need-"
                 "adjusted): " + ", ".join(f"{group} {value:.1f}" for group, value in settings.published_gps_per_100k))
    if p.clinical_fte is None:
        notes.append("clinicians: not in the data (the NHS open files and a practices file hold no workforce; give "
                     f"NHS Digital's practice-level workforce CSV with --workforce); {published}")
    else:
        notes.append(f"clinicians: FTE of the practices whose staff are known; for comparison, {published}")
    if (decile == 0).any():
        notes.append(f"{int((decile == 0).sum()):,} practices without an IMD score are left out of the deciles")
    for d in range(1, 11):
        m = decile == d
        w = float(need[m].sum())
        rows["deprivation_decile"].append(d)
        rows["practices"].append(int(m.sum()))
        rows["registered"].append(int(p.registered[m].sum()))
        rows["need_adjusted"].append(round(w, 1))
        rows["funding_gbp"].append(round(float(funded[m].sum()), 2))
        per = float(funded[m].sum()) / w if w > 0 else None
        rows["funding_per_need_adjusted_gbp"].append(None if per is None else round(per, 2))
        rows["relative_to_average"].append(None if per is None else round(per / national, 4))
        for key, fte in (("clinical_fte_per_100k_need_adjusted", p.clinical_fte),
                         ("gp_fte_per_100k_need_adjusted", p.gp_fte)):
            rows[key].append(_per_100k(fte, need, m))
    rel = rows["relative_to_average"]
    gap = 1 - rel[0] / rel[9] if rel[0] is not None and rel[9] else None
    gps = rows["gp_fte_per_100k_need_adjusted"]
    gp_gap = 1 - gps[0] / gps[9] if gps[0] is not None and gps[9] else None
    return Equity(pa.table(rows), gap, settings.health_foundation_gap, notes, gp_gap)


def _per_100k(fte: np.ndarray | None, need: np.ndarray, members: np.ndarray) -> float | None:
    """FTE per 100,000 need-adjusted patients of the ``members`` whose staff are known (not NaN)."""
    if fte is None:
        return None
    known = members & ~np.isnan(fte)
    w = float(need[known].sum())
    return None if w <= 0 else round(float(fte[known].sum()) / w * 1e5, 2)
