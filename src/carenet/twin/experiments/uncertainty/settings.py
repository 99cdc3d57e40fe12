"""The uncertainty analysis's settings, read once from ``parameters.yaml`` ``experiments_uncertainty``."""

from __future__ import annotations

from dataclasses import dataclass

from carenet.params import parameter
from carenet.twin.experiments.uncertainty.conclusions import Thresholds


@dataclass(frozen=True)
class UncertaintySettings:
    """Which sections hold the drawn assumptions, how draws are spread, and how conclusions are classed."""

    sections: tuple[str, ...] = ("twin", "network")
    sampler: str = "sobol"
    thresholds: Thresholds = Thresholds()
    hangs_on: int = 3

    @classmethod
    def from_parameters(cls) -> UncertaintySettings:
        def value(name: str) -> object:
            return parameter(f"experiments_uncertainty.{name}.value")

        return cls(tuple(value("sections")), str(value("sampler")),
                   Thresholds(float(value("robust_share")), float(value("likely_share"))), int(value("hangs_on")))


__all__ = ["UncertaintySettings"]
