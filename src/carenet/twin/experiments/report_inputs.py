"""A comparison (and optionally a sweep) as the plain tables the HTML report draws.

``carenet.report`` may not import the twin, so the twin hands it pandas tables and strings whose
columns :class:`carenet.report.ReportData` documents; the command line joins the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from carenet.params import parameter
from carenet.twin.experiments.compare import Comparison
from carenet.twin.experiments.sweep import SWEEP_MEASURES, Sweep

FRONTIER_ACCESS = "mean_wait_days"
FRONTIER_CONTINUITY = "upc"
"""The frontier's axes: mean wait from request to appointment, and mean usual-provider-of-care index."""
_HIDDEN_ATTRIBUTES = ("population",)


def _scorecard(comparison: Comparison) -> pd.DataFrame:
    card = comparison.scorecard
    return card[~card["attribute"].isin(_HIDDEN_ATTRIBUTES)].reset_index(drop=True)


def _meta(comparison: Comparison, wall_seconds: float | None) -> dict[str, Any]:
    plan = comparison.plan
    meta = {
        "population": f"{plan.population.label} ({plan.population.patients:,} registered patients)",
        "simulated": f"{plan.days} working days from {plan.start.isoformat()}, of which the first "
                     f"{plan.warm_up_days} are warm-up (not scored)",
        "replications": plan.reps,
        "seed": plan.seed,
        "booking": plan.booking_mode,
        "run folder": str(plan.out),
        "generated": dt.date.today().isoformat(),
    }
    if wall_seconds is not None:
        meta["wall time"] = f"{wall_seconds:.0f} s"
    return meta


def _absent(comparison: Comparison) -> dict[str, str]:
    """Why the run's empty sections are empty, in terms of the run (a short run scores few weeks)."""
    plan = comparison.plan
    scored = plan.days - plan.warm_up_days
    length = (f"the run scores {scored} working day(s) after a warm-up of {plan.warm_up_days}, on "
              f"{plan.population.patients:,} patients")
    reasons = {}
    if comparison.spc.empty:
        reasons["spc"] = (f"{length}: fewer than two whole weeks with appointments, and an XmR chart needs at least "
                          "two points (run more days: --days or --years)")
    for name in ("continuity_by_segment", "waits", "workload"):
        if getattr(comparison, name).empty:
            reasons[name] = f"{length}, and it produced no rows for this chart (run more days or more patients)"
    return reasons


def _charted(sweep: Sweep) -> pd.DataFrame:
    """The sweep's rows for the measures it charts (access, continuity, cost; the CSV keeps them all)."""
    return sweep.table[sweep.table["measure"].isin(SWEEP_MEASURES)].reset_index(drop=True)


def report_tables(comparison: Comparison, *, title: str, reproduce: list[str], sweep: Sweep | None = None,
                  wall_seconds: float | None = None) -> dict[str, Any]:
    """Keyword arguments for :class:`carenet.report.ReportData`."""
    tables: dict[str, Any] = {
        "title": title,
        "models": comparison.models,
        "scorecard": _scorecard(comparison),
        "continuity_by_segment": comparison.continuity_by_segment,
        "waits": comparison.waits,
        "workload": comparison.workload,
        "spc": comparison.spc,
        "sites": comparison.sites,
        "assumptions": comparison.assumptions,
        "frontier_access": FRONTIER_ACCESS,
        "frontier_continuity": FRONTIER_CONTINUITY,
        "relative_tolerance": float(parameter("measures_compare.relative_tolerance.value")),
        "reproduce": reproduce,
        "meta": _meta(comparison, wall_seconds),
        "absent": _absent(comparison),
    }
    analysis = comparison.uncertainty
    if analysis is not None:
        tables["robustness"] = analysis.robustness
        tables["sensitivity"] = analysis.sensitivity
        tables["uncertainty"] = {"draws": len(analysis.draws), "noise_rho": analysis.noise_rho,
                                 "robust_share": analysis.thresholds.robust_share,
                                 "likely_share": analysis.thresholds.likely_share,
                                 "sampler": str(parameter("experiments_uncertainty.sampler.value")),
                                 "seconds_per_draw": analysis.seconds_per_draw}
    if sweep is not None:
        tables["sweep"] = _charted(sweep)
        tables["sweep_parameter"] = " and ".join(v.path for v in sweep.varies)
    return tables


def sweep_tables(sweep: Sweep, *, title: str, reproduce: list[str]) -> dict[str, Any]:
    """Keyword arguments for :class:`carenet.report.ReportData` holding a sweep alone."""
    plan = sweep.plan
    return {
        "title": title,
        "models": sweep.models,
        "scorecard": pd.DataFrame(columns=["model", "attribute", "measure", "label", "unit", "better", "mean", "lo",
                                           "hi", "reps", "note"]),
        "sweep": _charted(sweep),
        "sweep_parameter": " and ".join(v.path for v in sweep.varies),
        "frontier_access": FRONTIER_ACCESS,
        "frontier_continuity": FRONTIER_CONTINUITY,
        "reproduce": reproduce,
        "meta": {"population": f"{plan.population.label} ({plan.population.patients:,} patients)",
                 "simulated": f"{plan.days} working days from {plan.start.isoformat()}",
                 "replications": plan.reps, "seed": plan.seed, "run folder": str(plan.out),
                 "generated": dt.date.today().isoformat()},
    }


__all__ = ["FRONTIER_ACCESS", "FRONTIER_CONTINUITY", "report_tables", "sweep_tables"]
