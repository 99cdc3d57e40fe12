"""National normalisation: every index averages 1 over the registered patients, so weighted and registered totals agree.

``Î_p = I_p / (Σ_q N_q I_q / Σ_q N_q)``; a practice whose index is unknown (NaN) takes 1. The weighted list
is ``W_p = N_p Π_k Î_{k,p} × Σ N / Σ_q N_q Π_k Î_{k,q}``, the product of the normalised components scaled
once more so that ``Σ W = Σ N`` exactly (components are not independent across practices).
"""

from __future__ import annotations

import numpy as np

from carenet.fund.errors import FundError


def mean_index(index: np.ndarray, registered: np.ndarray) -> float:
    """The registered-patient-weighted mean of the known values of ``index`` (1 if none is known)."""
    known = ~np.isnan(index) & (registered > 0)
    if not known.any():
        return 1.0
    mean = float(np.average(index[known], weights=registered[known]))
    if not mean > 0:
        raise FundError("a capitation index averages zero over the practices given; nothing can be weighted by it")
    return mean


def normalised(index: np.ndarray, registered: np.ndarray, mean: float | None = None) -> np.ndarray:
    """``index`` over its registered-patient-weighted mean (or a national ``mean``); unknown practices at 1."""
    mean = mean_index(index, registered) if mean is None else mean
    return np.where(np.isnan(index), 1.0, index / mean)


def weighted_list(registered: np.ndarray, indices: list[np.ndarray]) -> np.ndarray:
    """Registered list × the product of normalised indices, rescaled so the weighted total equals the registered."""
    n = registered.astype(np.float64)
    raw = n * np.prod(np.stack(indices), axis=0) if indices else n.copy()
    total = raw.sum()
    return raw * (n.sum() / total) if total > 0 else raw
