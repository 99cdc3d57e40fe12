"""Risk adjustment: expected activity and cost per patient from age, sex, morbidity and deprivation.

A Poisson model is fitted per activity (emergency admissions, A&E attendances, appointments) on a
reference dataset's patients::

    log E[y_i] = log t + β · x_i

with ``t`` the years of the period and ``x_i`` indicators of the patient's age band × sex (the need-weight
bands), Cambridge Multimorbidity Score group (0, up to 1, 1–2, 2–3, over 3), eFI category (under 65,
fit, mild, moderate, severe) and deprivation quintile (unknown its own group). Patients sharing every
indicator are pooled into cells and the model is fitted on the cells by iteratively reweighted least
squares (a tiny ridge keeps empty groups finite). Expected cost is ``Σ_k E[y_k] × unit cost_k``.

Indirect standardisation compares any population with the reference: observed ÷ expected (O/E),
where expected applies the reference's rates to that population's own patients.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.fund.errors import FundError

CMS_EDGES = (0.0, 1.0, 2.0, 3.0)
EFI_GROUPS = ("fit", "mild", "moderate", "severe")
_RIDGE = 1e-6
_ITERATIONS = 50
_HALVINGS = 40
_TOLERANCE = 1e-9
_LOG_RATE_FLOOR = -30.0
"""Lowest log rate a cell's weights are taken at (e^-30 ≈ 1e-13 a patient-year: none): a cell without events, whose
maximum-likelihood rate is zero, keeps the Newton step finite."""
_LOG_RATE_CEILING = 30.0
"""Highest log count a cell's expected count is taken at while fitting, so no trial step overflows."""


def design(people: pa.Table, bands: tuple[int, ...]) -> np.ndarray:
    """Each patient's cell index: age band × sex × CMS group × eFI group × deprivation quintile."""
    age = pc.fill_null(people["age"], 0).to_numpy(zero_copy_only=False)
    band = np.searchsorted(np.asarray(bands), age, side="right") - 1
    male = pc.fill_null(pc.equal(people["sex"], "male"), False).to_numpy(zero_copy_only=False).astype(np.int64)
    cms = pc.fill_null(people["cms"], 0.0).to_numpy(zero_copy_only=False)
    cms_group = np.where(cms <= 0, 0, np.searchsorted(np.asarray(CMS_EDGES[1:]), cms, side="left") + 1)
    efi = pc.index_in(people["efi_category"], value_set=pa.array(EFI_GROUPS))
    efi_group = (pc.fill_null(efi, -1).to_numpy(zero_copy_only=False) + 1).astype(np.int64)
    decile = people["deprivation_decile"].to_numpy(zero_copy_only=False).astype(np.float64)
    quintile = np.where(np.isnan(decile), 0, (np.nan_to_num(decile) + 1) // 2).astype(np.int64)
    return np.stack([band * 2 + male, cms_group, efi_group, quintile], axis=1)


_LEVELS = (None, len(CMS_EDGES) + 1, len(EFI_GROUPS) + 1, 6)


def _matrix(cells: np.ndarray, n_agesex: int) -> np.ndarray:
    """Indicator columns: every age-sex group (no intercept), then the other factors against their first level."""
    columns = [np.eye(n_agesex)[cells[:, 0]]]
    for j, levels in enumerate(_LEVELS[1:], start=1):
        columns.append(np.eye(levels)[cells[:, j]][:, 1:])
    return np.hstack(columns)


@dataclass(frozen=True)
class RiskModel:
    """Fitted rates: ``coef[activity]`` on the indicator columns of :func:`design` (None: the reference had none)."""

    bands: tuple[int, ...]
    coef: dict[str, np.ndarray | None]
    unit_costs: dict[str, float]

    def expected(self, people: pa.Table, years: float) -> dict[str, np.ndarray]:
        """Expected count of each activity per patient over ``years``, and ``cost`` in pounds."""
        x = _matrix(design(people, self.bands), 2 * len(self.bands))
        out = {k: (np.exp(x @ b) * years if b is not None else np.zeros(people.num_rows))
               for k, b in self.coef.items()}
        out["cost"] = sum(out[k] * self.unit_costs.get(k, 0.0) for k in self.coef)
        return out


def _fit_poisson(x: np.ndarray, y: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Ridge-penalised Poisson regression by Newton's method (iteratively reweighted least squares), each step halved
    until the penalised log-likelihood does not fall, so that few events over many cells cannot make it diverge."""
    offset = np.log(exposure)
    overall = np.log(max(y.sum() / exposure.sum(), np.exp(_LOG_RATE_FLOOR)))
    start = np.linalg.lstsq(x, np.full(len(y), overall), rcond=None)[0]  # every cell at the overall rate

    def loglik(b: np.ndarray) -> float:
        e = np.minimum(x @ b + offset, _LOG_RATE_CEILING)
        return float(y @ e - np.exp(e).sum() - _RIDGE / 2 * b @ b)

    beta, current = start, loglik(start)
    for _ in range(_ITERATIONS):
        eta = np.clip(x @ beta + offset, offset + _LOG_RATE_FLOOR, _LOG_RATE_CEILING)
        mu = np.exp(eta)
        xw = x * mu[:, None]
        step = np.linalg.solve(x.T @ xw + _RIDGE * np.eye(x.shape[1]), x.T @ (y - mu) - _RIDGE * beta)
        for _ in range(_HALVINGS):
            trial = loglik(beta + step)
            if trial >= current:
                break
            step /= 2
        else:
            break  # no step improves the fit: converged as far as it can
        beta, current = beta + step, trial
        if np.max(np.abs(step)) < _TOLERANCE:
            break
    return beta


def fit(people: pa.Table, years: float, bands: tuple[int, ...], activities: tuple[str, ...],
        unit_costs: dict[str, float]) -> RiskModel:
    """Fit one Poisson model per activity on ``people`` observed for ``years``."""
    if people.num_rows == 0 or years <= 0:
        raise FundError("risk adjustment needs registered patients observed over a period of at least a day")
    cells = design(people, bands)
    keys, inverse = np.unique(cells, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    exposure = np.bincount(inverse, minlength=len(keys)).astype(np.float64) * years
    x = _matrix(keys, 2 * len(bands))
    coef = {}
    for k in activities:
        y = np.bincount(inverse, pc.fill_null(people[k], 0).to_numpy(zero_copy_only=False).astype(np.float64),
                        minlength=len(keys))
        coef[k] = _fit_poisson(x, y, exposure) if y.sum() > 0 else None  # none seen: none expected
    return RiskModel(tuple(bands), coef, dict(unit_costs))


def observed_over_expected(observed: np.ndarray, expected: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    """O/E by group (e.g. practice): Σ observed ÷ Σ expected; groups with no expected activity are left out."""
    out = {}
    for g in np.unique(groups):
        m = groups == g
        e = float(expected[m].sum())
        if e > 0:
            out[str(g)] = float(observed[m].sum()) / e
    return out
