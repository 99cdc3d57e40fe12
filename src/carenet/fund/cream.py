"""Cream-skimming: a practice's list against its locality's, as a digital-first practice's would show.

For each practice, three figures of its list — the share aged 65 and over, the share with two or more
long-term conditions, and the IMD score — are set against the same figures of the other practices of
its locality (sub-ICB location for England, else the network), pooled by registered patients::

    gap_k = 1 − practice_k / locality_k     (positive: younger, healthier, less deprived)

A practice is flagged when all three gaps reach ``fund.cream_skimming.flag_gap``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from carenet.fund.components import multimorbid_from_registers
from carenet.fund.profile import PracticeProfile

FIGURES = ("share_65plus", "multimorbid", "imd_score")


def _figures(p: PracticeProfile) -> dict[str, np.ndarray]:
    mm = p.multimorbid
    if mm is None and p.ltc_prevalence is not None:
        mm = multimorbid_from_registers(p.ltc_prevalence)
    nan = np.full(p.size, np.nan)
    return {"share_65plus": p.share_65plus if p.share_65plus is not None else nan,
            "multimorbid": mm if mm is not None else nan,
            "imd_score": p.imd_score if p.imd_score is not None else nan}


def cream_skimming(p: PracticeProfile, flag_gap: float) -> pa.Table:
    """One row per practice with a locality: its figures, its locality's (without it), the gaps and the flag."""
    locality = p.locality if p.locality is not None else np.full(p.size, "", dtype=object)
    has = np.array([bool(x) for x in locality])
    codes, group = np.unique(locality.astype(str), return_inverse=True)
    n = p.registered.astype(np.float64)
    out: dict[str, object] = {"practice_code": p.practice_id.tolist(), "locality": locality.tolist(),
                              "registered": p.registered}
    flags = np.zeros(p.size, dtype=np.int64)
    for key, v in _figures(p).items():
        known = ~np.isnan(v)
        wv = np.where(known, v * n, 0.0)
        wn = np.where(known, n, 0.0)
        sum_v = np.bincount(group, wv, len(codes))[group] - wv
        sum_n = np.bincount(group, wn, len(codes))[group] - wn
        local = np.divide(sum_v, sum_n, out=np.full(p.size, np.nan), where=sum_n > 0)
        gap = np.divide(local - v, local, out=np.full(p.size, np.nan), where=local > 0)
        out[key] = np.round(v, 4)
        out[f"locality_{key}"] = np.round(local, 4)
        out[f"gap_{key}"] = np.round(gap, 4)
        flags += np.nan_to_num(gap, nan=-1.0) >= flag_gap
    out["flagged"] = (flags == len(FIGURES)) & has
    table = pa.table({k: pa.array(v) for k, v in out.items()})
    return table.filter(pa.array(has))
