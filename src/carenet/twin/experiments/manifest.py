"""The run folder's own record (``experiment.json``) and the table of assumptions a report lists.

``experiment.json`` sits at the top of the run folder beside one canonical dataset per
replication (each with the twin's ``run.json``): what was run, on which population, with which
seeds and settings, how long each replication took and what it counted. It is written last, durably
and atomically (:mod:`carenet.twin.experiments.run_folder`), so a folder with ``experiment.json``
holds a finished experiment.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carenet import __version__
from carenet.models import DeliveryModel
from carenet.params import load_parameters, range_text
from carenet.twin.experiments.costs import cost_assumptions
from carenet.twin.experiments.plan import RunPlan
from carenet.twin.experiments.replications import Outcome
from carenet.twin.experiments.run_folder import EXPERIMENT_FILE, check_out_folder, commit_experiment

ASSUMPTION_SECTIONS = ("twin", "network", "experiments_measurement", "experiments", "measures_population",
                       "measures_coordination", "measures_community", "measures_compare")
"""Sections of ``parameters.yaml`` whose entries the report lists as assumptions."""
_MODEL_BLOCKS = ("workforce", "panels", "entry", "booking", "proactive", "community", "hub")


def run_records(outcomes: Sequence[Outcome], root: Path) -> list[dict[str, Any]]:
    """Each replication as ``experiment.json`` lists it: model, replication, seed, settings, folder, period."""
    return [{"key": o.task.key, "model": o.task.model, "replication": o.task.replication, "seed": o.task.seed,
             "settings": dict(o.task.settings), "folder": os.path.relpath(o.task.out, root),
             "measured_from": o.first_day.isoformat(), "measured_to": o.last_day.isoformat(),
             "seconds": round(o.seconds, 2), "timings": {k: round(v, 2) for k, v in o.timings.items()},
             "summary": o.summary} for o in outcomes]


def write_experiment(plan: RunPlan, kind: str, outcomes: Sequence[Outcome], command: str,
                     extra: dict[str, Any] | None = None) -> Path:
    """Commit ``experiment.json`` in the run folder (durably; the run is complete from then on)."""
    record = {"kind": kind, "carenet_version": __version__, "command": command, **plan.describe(),
              **(extra or {}), "runs": run_records(outcomes, plan.out)}
    return commit_experiment(plan.out, record)


def _leaves(node: Any, path: str) -> list[dict[str, str]]:
    if isinstance(node, dict) and "value" in node and "tag" in node:
        value = node["value"]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        return [{"parameter": path, "value": shown, "tag": str(node["tag"]), "range": range_text(node, reason=True),
                 "range_note": str(node.get("range_note", "")),
                 "source": str(node.get("source", "")), "rationale": str(node.get("rationale", ""))}]
    if isinstance(node, dict):
        return [row for key, child in node.items() for row in _leaves(child, f"{path}.{key}")]
    return []


def parameter_assumptions(sections: Sequence[str] = ASSUMPTION_SECTIONS) -> list[dict[str, str]]:
    """Every valued entry of the given ``parameters.yaml`` sections, with its tag, source and rationale, and its
    range (``range_text``: ``0.1–0.3``, ``fixed: <reason>``, or empty for a V/D/S entry without one)."""
    tree = load_parameters()
    return [row for name in sections if name in tree for row in _leaves(tree[name], name)]


def model_assumptions(models: Sequence[DeliveryModel]) -> list[dict[str, str]]:
    """Each model's design blocks with the source and evidence tag its file cites."""
    rows = []
    for model in models:
        for block in _MODEL_BLOCKS:
            part = getattr(model, block, None)
            if part is None or not hasattr(part, "source"):
                continue
            rows.append({"parameter": f"model {model.name}: {block}", "value": "see model file", "tag": part.tag,
                         "range": "", "range_note": "", "source": part.source,
                         "rationale": f"how {model.title} organises its {block}, as the cited design describes"})
    return rows


def assumptions(models: Sequence[DeliveryModel]) -> list[dict[str, str]]:
    """The report's table: behavioural and measurement parameters, unit costs, then the models' design sources."""
    return parameter_assumptions() + cost_assumptions() + model_assumptions(models)


__all__ = ["ASSUMPTION_SECTIONS", "EXPERIMENT_FILE", "assumptions", "check_out_folder", "model_assumptions",
           "parameter_assumptions", "run_records", "write_experiment"]
