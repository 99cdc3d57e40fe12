"""An uncertainty analysis as files: the conclusions and their robustness, the sensitivity (tornado) table, the
draws and every draw's scorecard of the headline measures, as CSV and as one Excel workbook."""

from __future__ import annotations

from pathlib import Path

from carenet.twin.experiments.export import write_table_csv, write_workbook
from carenet.twin.experiments.uncertainty.analysis import UncertaintyAnalysis

CONCLUSIONS_CSV = "uncertainty_conclusions.csv"
SENSITIVITY_CSV = "uncertainty_sensitivity.csv"
DRAWS_CSV = "uncertainty_draws.csv"
SCORECARD_CSV = "uncertainty_scorecard.csv"
"""Every draw's pooled scorecard (column ``draw``), as ``scorecard.csv`` is the central run's."""
WORKBOOK = "uncertainty.xlsx"


def write_uncertainty(analysis: UncertaintyAnalysis, folder: str | Path) -> list[Path]:
    """The analysis's files in ``folder``; their paths."""
    folder = Path(folder)
    conclusions = analysis.robustness
    sheets = {"conclusions": conclusions, "sensitivity": analysis.sensitivity, "draws": analysis.draws,
              "assumptions": analysis.assumptions, "verdicts": analysis.verdicts, "scorecards": analysis.scorecard}
    return [write_table_csv(conclusions, folder / CONCLUSIONS_CSV),
            write_table_csv(analysis.sensitivity, folder / SENSITIVITY_CSV),
            write_table_csv(analysis.draws, folder / DRAWS_CSV),
            write_table_csv(analysis.scorecard, folder / SCORECARD_CSV),
            write_workbook(sheets, folder / WORKBOOK)]


__all__ = ["CONCLUSIONS_CSV", "DRAWS_CSV", "SCORECARD_CSV", "SENSITIVITY_CSV", "WORKBOOK", "write_uncertainty"]
