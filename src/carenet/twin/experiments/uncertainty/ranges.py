"""The assumptions an uncertainty analysis draws: every ``parameters.yaml`` entry of the twin that carries a range.

An entry of the twin's sections (``twin``, ``network``: ``experiments_uncertainty.sections``) with
``value_range: [low, high]`` is one assumption; a list value with one ``[low, high]`` per element is
one assumption per element whose bounds differ (``[x, x]`` holds that element fixed). ``distribution``
is ``uniform`` (the default) or ``triangular`` (mode at the central value). An entry marked ``fixed``
(a definition or a reporting setting, not a belief about behaviour) is never drawn. A whole number
is drawn as a whole number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from carenet.schema.errors import CarenetError

DISTRIBUTIONS = ("uniform", "triangular")


class RangeError(CarenetError):
    """A range in parameters.yaml that cannot be drawn from."""


@dataclass(frozen=True)
class Assumption:
    """One drawn figure: the override path that sets it, its central value and its range."""

    path: str
    central: float
    low: float
    high: float
    distribution: str = "uniform"
    integer: bool = False
    tag: str = ""
    note: str = ""
    element: str = ""
    """For one element of a list value, the element's name where the entry names its elements (e.g. its
    ``triage`` list), else its position."""

    @property
    def label(self) -> str:
        """The path as words: ``twin.effects.misroute_probability.value.1`` → ``misroute probability
        (care_navigator)``."""
        named = [p for p in self.path.split(".") if p != "value" and not p.isdigit()]
        return named[-1].replace("_", " ") + (f" ({self.element})" if self.element else "")

    def value_at(self, u: np.ndarray) -> np.ndarray:
        """The values at quantiles ``u`` (each in [0, 1)) of the assumption's distribution."""
        u = np.asarray(u, dtype=float)
        span = self.high - self.low
        if self.distribution == "triangular" and span > 0:
            values = stats.triang.ppf(u, (self.central - self.low) / span, loc=self.low, scale=span)
        else:
            values = self.low + u * span
        if self.integer:
            values = np.clip(np.floor(values + 0.5), self.low, self.high)
        return values


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _entries(node: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if isinstance(node, Mapping):
        if "value" in node and "value_range" in node:
            yield path, node
            return
        for key, child in node.items():
            yield from _entries(child, f"{path}.{key}")


def _element_names(entry: Mapping[str, Any], size: int) -> list[str]:
    """The names an entry gives the elements of its list value (a list of as many words), else positions."""
    for key, names in entry.items():
        if key not in ("value", "value_range") and isinstance(names, list) and len(names) == size and all(
                isinstance(n, str) for n in names):
            return names
    return [str(i) for i in range(size)]


def _one(path: str, central: Any, bounds: Any, entry: Mapping[str, Any], element: str = "") -> Assumption | None:
    if not (isinstance(bounds, Sequence) and len(bounds) == 2 and all(map(_number, bounds)) and _number(central)):
        raise RangeError(f"parameters.yaml {path}: value_range must be [low, high] around a number, got {bounds!r}")
    low, high = float(bounds[0]), float(bounds[1])
    if not low <= float(central) <= high:
        raise RangeError(f"parameters.yaml {path}: the value {central} lies outside its range [{low:g}, {high:g}]")
    if low == high:
        return None
    distribution = str(entry.get("distribution", "uniform"))
    if distribution not in DISTRIBUTIONS:
        raise RangeError(f"parameters.yaml {path}: distribution {distribution!r} is not one of "
                         f"{', '.join(DISTRIBUTIONS)}")
    return Assumption(path, float(central), low, high, distribution, isinstance(central, int),
                      str(entry.get("tag", "")), str(entry.get("range_note", "")), element)


def uncertain_assumptions(tree: Mapping[str, Any], sections: Sequence[str]) -> list[Assumption]:
    """Every ranged entry of ``sections`` of the parameters ``tree`` (entries marked ``fixed`` left out)."""
    out = []
    for section in sections:
        for path, entry in _entries(tree.get(section, {}), section):
            if "fixed" in entry:
                continue
            value, bounds = entry["value"], entry["value_range"]
            if isinstance(value, list):
                if not isinstance(bounds, list) or len(bounds) != len(value):
                    raise RangeError(f"parameters.yaml {path}: a list value needs one [low, high] per element "
                                     f"({len(value)}), got {bounds!r}")
                names = _element_names(entry, len(value))
                found = [_one(f"{path}.value.{i}", v, b, entry, names[i])
                         for i, (v, b) in enumerate(zip(value, bounds, strict=True))]
            else:
                found = [_one(path, value, bounds, entry)]
            out.extend(a for a in found if a is not None)
    return out


__all__ = ["DISTRIBUTIONS", "Assumption", "RangeError", "uncertain_assumptions"]
