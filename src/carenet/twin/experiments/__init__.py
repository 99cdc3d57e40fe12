"""Experiments with the twin: replications in parallel, common random numbers, comparisons and sweeps.

API: ``simulate_model(...) -> Simulation``, ``compare_models(...) -> Comparison``,
``sweep_model(...) -> Sweep``, the notebook helpers ``compare(...)`` and ``simulate(...)`` (pandas
tables), :func:`replication_seeds`, :func:`cost_per_patient` and :func:`role_costs` (unit costs from
``parameters.yaml``), and :func:`t_interval` (the 95% interval across replications).
"""

from carenet.twin.experiments.compare import Comparison, compare_models, load_models
from carenet.twin.experiments.costs import CostError, cost_per_patient, role_costs, staff_cost
from carenet.twin.experiments.intervals import summarise, t_interval
from carenet.twin.experiments.overrides import OverrideError
from carenet.twin.experiments.plan import RunPlan, make_plan
from carenet.twin.experiments.seeds import replication_seeds

__all__ = [
    "Comparison", "CostError", "OverrideError", "RunPlan", "compare_models", "cost_per_patient", "load_models",
    "make_plan", "replication_seeds", "role_costs", "staff_cost", "summarise", "t_interval",
]
