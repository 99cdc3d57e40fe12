"""Experiments with the twin: replications in parallel, common random numbers, comparisons and sweeps.

API: ``simulate_model(...) -> Simulation``, ``compare_models(...) -> Comparison``,
``sweep_model(...) -> Sweep`` (with :func:`parse_vary`), the notebook helpers ``compare(...)`` and
``simulate(...)`` (pandas tables), :func:`replication_seeds`, the unit costs (:func:`role_costs`,
:func:`cost_per_patient`) and :func:`t_interval` (the 95% interval across replications).

Names load on first use, so a worker process that only runs replications does not import the
comparison machinery.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Comparison": "compare", "compare_models": "compare", "load_models": "compare",
    "Simulation": "simulate", "simulate_model": "simulate",
    "Sweep": "sweep", "Vary": "sweep", "parse_vary": "sweep", "sweep_model": "sweep", "SWEEP_MEASURES": "sweep",
    "compare": "api", "simulate": "api",
    "CostError": "costs", "cost_per_patient": "costs", "role_costs": "costs", "staff_cost": "costs",
    "summarise": "intervals", "t_interval": "intervals",
    "OverrideError": "overrides",
    "RunPlan": "plan", "make_plan": "plan",
    "replication_seeds": "seeds",
    "report_tables": "report_inputs", "sweep_tables": "report_inputs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
    return getattr(module, name)
