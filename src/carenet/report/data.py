"""What a report shows, as plain tables: the contract between whoever runs the models and the page.

The report never runs anything: it receives pandas DataFrames (one per section) and a few strings,
checks that each table has the columns its chart needs, and draws. That keeps the page testable
with hand-made tables and keeps ``report`` free of the twin (it may import only ``measures`` and
``schema``). Interval columns ``lo``/``hi`` are the 95% interval across replications; with one
replication they equal the mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from carenet.schema.errors import CarenetError


class ReportError(CarenetError):
    """Report input that lacks a table or a column the page needs."""


COLUMNS: dict[str, tuple[str, ...]] = {
    "models": ("model", "title", "summary"),
    "scorecard": ("model", "attribute", "measure", "label", "unit", "better", "mean", "lo", "hi", "reps", "note"),
    "continuity_by_segment": ("model", "segment", "mean", "lo", "hi"),
    "waits": ("model", "urgency", "booking_interval", "share"),
    "workload": ("model", "role", "hours_per_week", "lo", "hi"),
    "spc": ("model", "period_start", "value", "mean", "upper_limit", "lower_limit", "point_type"),
    "assumptions": ("parameter", "value", "tag", "source", "rationale"),
    "sweep": ("setting", "model", "measure", "label", "mean", "lo", "hi"),
    "robustness": ("model", "attribute", "measure", "label", "unit", "before", "after", "verdict", "better_share",
                   "same_share", "worse_share", "holds", "robustness", "target", "hangs_on"),
    "sensitivity": ("target", "assumption", "rho", "beyond_noise", "rank"),
    "sites": ("model", "measure", "label", "kind", "by", "unit", "n", "value", "target", "inner_low", "inner_high",
              "outer_low", "outer_high", "flag", "sd", "z_inner", "z_outer"),
}
"""Required columns of each input table (extra columns are ignored)."""

ABSENT_REASONS: dict[str, str] = {
    "continuity_by_segment": "no patient of any segment had the two or more contacts a continuity index needs in "
                             "the scored period (a short or small run)",
    "waits": "no request was answered in the scored period",
    "workload": "no appointment was attended in the scored period",
    "spc": "the scored period holds fewer than two whole weeks with appointments, and an XmR chart needs at least "
           "two points (run more days: --days or --years)",
    "assumptions": "the run recorded no assumptions",
    "sweep": "the sweep produced no values",
    "robustness": "the comparison was run without --uncertainty",
    "sensitivity": "the comparison was run without --uncertainty",
    "sweep_frontier": "fewer than two settings have both a mean wait and a continuity index",
    "frontier": "no model has both a mean wait and a continuity index in the scored period",
    "sites": "no model's first replication has two practices with data for a headline measure",
}
"""What an empty section means, when whoever built the report gave no more specific reason."""


@dataclass
class ReportData:
    """Everything one report page shows.

    ``models`` lists the models in display order (the first is the comparator in the summary);
    ``scorecard`` has one row per model and measure; ``sweep`` (optional) one row per setting of a
    swept parameter, model and measure. ``reproduce`` holds the shell commands that rebuild the run;
    ``meta`` free-form facts about it (population, years, replications, seed, wall time …).
    ``relative_tolerance`` is the smallest relative change the summary calls a difference
    (``parameters.yaml`` ``measures_compare.relative_tolerance``).
    """

    title: str
    models: pd.DataFrame
    scorecard: pd.DataFrame
    continuity_by_segment: pd.DataFrame | None = None
    waits: pd.DataFrame | None = None
    workload: pd.DataFrame | None = None
    spc: pd.DataFrame | None = None
    assumptions: pd.DataFrame | None = None
    sweep: pd.DataFrame | None = None
    sweep_parameter: str = ""
    frontier_access: str = "mean_wait_days"
    frontier_continuity: str = "upc"
    relative_tolerance: float = 0.0
    reproduce: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    absent: dict[str, str] = field(default_factory=dict)
    """Why a section has nothing to draw (section name → reason), printed where its chart would be."""
    funding: Any = None
    """Optional :class:`carenet.report.funding.FundingTables`: the funding section."""
    robustness: pd.DataFrame | None = None
    """With an uncertainty analysis: per model and headline measure, the central verdict against the comparator,
    the shares of draws by verdict, the share that agrees (``holds``), its class, the ``sensitivity`` target of its
    difference and the assumptions it hangs on."""
    sensitivity: pd.DataFrame | None = None
    """With an uncertainty analysis: the rank correlation of each target (``model − comparator: measure``) with
    each assumption, ranked."""
    sites: pd.DataFrame | None = None
    """Headline measures by practice in each model's first replication, one row per model, measure and practice,
    with the funnel plot's target, limits and flag (:meth:`carenet.measures.sites.SiteComparison.to_arrow`)."""
    uncertainty: dict[str, Any] = field(default_factory=dict)
    """With an uncertainty analysis: ``draws``, ``noise_rho``, ``robust_share``, ``likely_share``, ``sampler``,
    ``seconds_per_draw``."""

    def __post_init__(self) -> None:
        for name in COLUMNS:
            table = getattr(self, name)
            if table is None:
                if name in ("models", "scorecard"):
                    raise ReportError(f"report input: the {name!r} table is required")
                continue
            if not isinstance(table, pd.DataFrame):
                raise ReportError(f"report input {name!r}: expected a pandas DataFrame, got {type(table).__name__}")
            if table.empty and name not in ("models", "scorecard"):
                setattr(self, name, None)  # no rows (a short or small run): absent, whatever its columns
                continue
            missing = [c for c in COLUMNS[name] if c not in table.columns]
            if missing:
                raise ReportError(f"report input {name!r} lacks column(s) {', '.join(missing)}; "
                                  f"it needs {', '.join(COLUMNS[name])}")
        if self.models.empty:
            raise ReportError("report input 'models': no model to report on")
        unknown = sorted(set(self.scorecard["model"]) - set(self.models["model"]))
        if unknown:
            raise ReportError(f"report input 'scorecard' names model(s) not in 'models': {', '.join(unknown)}")

    @property
    def model_order(self) -> list[str]:
        return self.models["model"].tolist()

    @property
    def titles(self) -> dict[str, str]:
        return dict(zip(self.models["model"], self.models["title"], strict=True))

    def present(self, name: str) -> bool:
        """Whether section ``name`` has rows to draw."""
        table = getattr(self, name)
        return table is not None and not table.empty

    def why_absent(self, name: str) -> str:
        """The reason section ``name`` shows nothing: the one given, else what its emptiness means."""
        return self.absent.get(name) or ABSENT_REASONS.get(name, "the run produced no rows for it")


__all__ = ["ABSENT_REASONS", "COLUMNS", "ReportData", "ReportError"]
