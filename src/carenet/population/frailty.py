"""Frailty: the 36 eFI deficits, calibrated so the eFI categories of people aged 65+ match the published shares.

Deficits that are QOF conditions (hypertension, diabetes, AF, ...) are exactly the condition
draws; their codes are shared in ``schema/codelists.py``. Every other deficit ``k`` (including
memory problems without dementia) is an own draw from the same latent factor ``F``: present when
``l F + sqrt(1 - l^2) e_k + probit(p75_k) + shift + slope (age - 75)/10 > 0``. The relative
frequencies ``p75_k`` and the age slope are assumptions; ``shift`` and ``l`` are calibrated on the
England grid so that the distribution of deficit counts among people aged 65+ gives the published
fit/mild/moderate/severe shares (least squares over the four shares).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import minimize
from scipy.special import ndtr, ndtri

from carenet.population.grid import Grid, england_grid, factor_nodes
from carenet.population.morbidity import ConditionModel, condition_model
from carenet.population.settings import Settings, settings
from carenet.schema.codelists import EFI_DEFICIT_COUNT, EFI_DEFICITS, QOF_REGISTERS

ELDERLY_AGE = 65
_AGE_CENTRE = 75.0
CATEGORIES = ("fit", "mild", "moderate", "severe")


def category_limits(s: Settings | None = None) -> np.ndarray:
    """Highest deficit count of each category but the last, from the published eFI cut-offs."""
    s = s or settings()
    return np.array([int(np.floor(s.efi_category_upper[c] * EFI_DEFICIT_COUNT + 1e-9)) for c in CATEGORIES[:-1]])


def categorise(counts: np.ndarray, s: Settings | None = None) -> np.ndarray:
    """Category index (0 fit .. 3 severe) of each deficit count."""
    return np.searchsorted(category_limits(s), np.asarray(counts), side="left").astype(np.int8)


def register_deficits() -> dict[str, int]:
    """QOF register → the eFI deficit its codes count towards."""
    out = {}
    for reg in QOF_REGISTERS:
        for d in EFI_DEFICITS:
            if set(reg.snomed) & set(d.snomed):
                out[reg.code] = d.id
    return out


def own_code(deficit_id: int, s: Settings | None = None) -> str:
    """The code written for a deficit drawn on its own: its first concept that is not a QOF register code,
    else the carenet local code (``carenet-efi-<id>``) when codelists.py has no concept for it."""
    s = s or settings()
    register_codes = {c for r in QOF_REGISTERS for c in r.snomed}
    for code in EFI_DEFICITS[deficit_id - 1].snomed:
        if code not in register_codes:
            return code
    return f"{s.local_code_prefix}{deficit_id}"


@dataclass(frozen=True)
class FrailtyModel:
    """Own-draw deficits and their calibrated shift and loading."""

    deficit_ids: np.ndarray
    codes: tuple[str, ...]
    threshold: np.ndarray
    shift: float
    loading: float
    age_slope: float
    min_age: int

    def linear_predictor(self, age: np.ndarray) -> np.ndarray:
        """``eta`` for each person and own deficit, shape (n, deficits)."""
        age = np.asarray(age, dtype=float)[:, None]
        return self.threshold + self.shift + self.age_slope * (age - _AGE_CENTRE) / 10

    def linear_predictor32(self, age: np.ndarray) -> np.ndarray:
        """As :meth:`linear_predictor`, in single precision for large draws."""
        return self.linear_predictor(age).astype(np.float32)

    def conditional(self, eta: np.ndarray, factor: np.ndarray) -> np.ndarray:
        lam = self.loading
        return ndtr((eta + lam * factor) / np.sqrt(1 - lam * lam))

    def draw(self, eta: np.ndarray, factor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        lam = np.float32(self.loading)
        noise = rng.standard_normal(eta.shape, dtype=np.float32)
        noise *= np.sqrt(np.float32(1) - lam * lam)
        noise += eta
        noise += (lam * factor.astype(np.float32))[:, None]
        return noise > 0


def _count_distribution(probabilities: list[np.ndarray], cap: int, start: np.ndarray | None = None) -> np.ndarray:
    """Distribution of the number of independent events (rows: cells), counts >= ``cap`` pooled in the last column."""
    if start is None:
        start = np.zeros((probabilities[0].shape[0], cap + 1))
        start[:, 0] = 1.0
    dist = start
    for p in probabilities:
        p = p[:, None]
        moved = dist * p
        dist = dist * (1 - p)
        dist[:, 1:] += moved[:, :-1]
        dist[:, -1] += moved[:, -1]
    return dist


@dataclass(frozen=True)
class _ElderlyCells:
    """Grid cells aged 65+ crossed with the latent-factor nodes, with the condition deficits already counted.

    Own deficits depend only on age and the factor, so their count is computed on the much smaller
    (age, node) grid and convolved in; only memory problems, shared with dementia, is added per cell.
    """

    ages: np.ndarray
    age_node: np.ndarray
    weight: np.ndarray
    condition_counts: np.ndarray
    dementia: np.ndarray
    small_age: np.ndarray
    small_factor: np.ndarray


def _elderly_cells(conditions: ConditionModel, grid: Grid, min_age: int, cap: int) -> _ElderlyCells:
    old = grid.age >= min_age
    x, v = factor_nodes()
    ages = np.arange(min_age, int(grid.age.max()) + 1)
    cell_age = grid.age[old]
    factor = np.repeat(x, old.sum())
    weight = np.outer(v, grid.weight[old]).ravel()
    age_node = (np.repeat(np.arange(len(x)), old.sum()) * len(ages) + np.tile(cell_age - min_age, len(x)))
    eta = conditions.linear_predictor(cell_age, grid.male[old], grid.dz[old])
    pc = conditions.conditional(np.tile(eta, (len(x), 1)), factor[:, None])
    linked = register_deficits()
    by_deficit: dict[int, list[int]] = {}
    for i, code in enumerate(conditions.codes):
        if code in linked:
            by_deficit.setdefault(linked[code], []).append(i)
    items, dementia = [], np.zeros(len(factor))
    for deficit, regs in sorted(by_deficit.items()):
        present = 1 - np.prod(1 - pc[:, regs], axis=1)
        if deficit == _MEMORY:
            dementia = present
        else:
            items.append(present)
    return _ElderlyCells(ages, age_node, weight, _count_distribution(items, cap), dementia,
                         np.tile(ages, len(x)).astype(float), np.repeat(x, len(ages)))


def _convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise distribution of the sum of two counts, the last column pooling counts at or above the cap."""
    cap = a.shape[1] - 1
    out = np.zeros_like(a)
    for k in range(cap):
        out[:, k] = np.einsum("ri,ri->r", a[:, : k + 1], b[:, k::-1])
    out[:, cap] = np.clip(1 - out[:, :cap].sum(axis=1), 0.0, 1.0)
    return out


_MEMORY = 20
"""Memory and cognitive problems: dementia (a register) or an own draw, counted once."""


def category_shares(frailty: FrailtyModel, conditions: ConditionModel, grid: Grid, min_age: int = ELDERLY_AGE,
                    s: Settings | None = None, cells: _ElderlyCells | None = None) -> np.ndarray:
    """eFI category shares (fit, mild, moderate, severe) among the grid's people aged ``min_age`` and over."""
    s = s or settings()
    limits = category_limits(s)
    cap = int(limits[-1]) + 1
    cells = cells or _elderly_cells(conditions, grid, min_age, cap)
    own = frailty.conditional(frailty.linear_predictor(cells.small_age), cells.small_factor[:, None])
    memory = frailty.deficit_ids == _MEMORY
    own_counts = _count_distribution([own[:, k] for k in np.flatnonzero(~memory)], cap)
    memory_p = own[:, memory].sum(axis=1)[cells.age_node]
    with_memory = _count_distribution([1 - (1 - memory_p) * (1 - cells.dementia)], cap,
                                      cells.condition_counts.copy())
    dist = _convolve(with_memory, own_counts[cells.age_node])
    edges = np.concatenate([[0], limits + 1, [cap + 1]])
    per_cell = np.stack([dist[:, a:b].sum(axis=1) for a, b in zip(edges[:-1], edges[1:], strict=True)], axis=1)
    return cells.weight @ per_cell / cells.weight.sum()


def _own_deficits(s: Settings) -> tuple[np.ndarray, tuple[str, ...], np.ndarray]:
    ids = np.array(sorted(s.deficit_prevalence_75), dtype=np.int64)
    codes = tuple(own_code(int(d), s) for d in ids)
    threshold = ndtri(np.array([s.deficit_prevalence_75[int(d)] for d in ids]))
    return ids, codes, threshold


@cache
def frailty_model() -> FrailtyModel:
    """The calibrated model (cached: it depends only on parameters.yaml)."""
    s = settings()
    grid = england_grid()
    conditions = condition_model()
    ids, codes, threshold = _own_deficits(s)
    goal = np.array([s.efi_category_shares[c] for c in CATEGORIES])

    def build(params: np.ndarray) -> FrailtyModel:
        return FrailtyModel(ids, codes, threshold, float(params[0]), float(np.clip(params[1], 0.0, 0.95)),
                            s.deficit_age_slope, s.deficit_min_age)

    cells = _elderly_cells(conditions, grid, ELDERLY_AGE, int(category_limits(s)[-1]) + 1)

    def loss(params: np.ndarray) -> float:
        return float(np.sum((category_shares(build(params), conditions, grid, s=s, cells=cells) - goal) ** 2))

    best = minimize(loss, x0=np.array([0.0, 0.3]), method="Nelder-Mead",
                    options={"xatol": 2e-3, "fatol": 1e-7, "maxiter": 200})
    return build(best.x)
