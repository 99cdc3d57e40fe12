"""carenet: design, run and measure a general-practice network's model of care.

Notebook API: ``carenet.compare(models, population=...)`` and ``carenet.simulate(model, ...)`` run the
same experiments as ``carenet compare`` and ``carenet simulate`` and return pandas tables (loaded on
first use, so ``import carenet`` stays light).
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "compare", "simulate"]


def __getattr__(name: str) -> Any:
    if name in ("compare", "simulate"):
        from carenet.twin.experiments import api

        return getattr(api, name)
    raise AttributeError(f"module 'carenet' has no attribute {name!r}")
