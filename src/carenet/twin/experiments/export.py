"""The scorecard as files: a tidy CSV (one row per model and measure) and an Excel workbook for people.

The workbook's first sheet puts measures down the side and models across, mean with its 95%
interval, grouped by attribute, as a practice manager reads a scorecard; further sheets hold the
tidy table, every replication's values, the models and the assumptions.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from carenet.schema.errors import CarenetError

_SHEET_WIDTH = 60
_VALUE_WIDTH = 16


def _atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
    os.close(handle)
    try:
        write(Path(staging))
        os.chmod(staging, 0o644)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return target


def write_scorecard_csv(scorecard: pd.DataFrame, path: str | Path) -> Path:
    """The pooled scorecard, one row per model (and setting) and measure."""
    return _atomic(path, lambda p: scorecard.to_csv(p, index=False))


def wide_scorecard(scorecard: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """Measures down, models across: ``<title> mean``, ``<title> 95% low``, ``<title> 95% high`` columns."""
    keys = ["attribute", "measure", "label", "unit", "better"]
    base = scorecard[keys].drop_duplicates("measure").reset_index(drop=True)
    for model, title in zip(models["model"], models["title"], strict=True):
        part = scorecard[scorecard["model"] == model].set_index("measure")
        for column, name in (("mean", "mean"), ("lo", "95% low"), ("hi", "95% high")):
            base[f"{title} {name}"] = base["measure"].map(part[column])
    return base


def write_scorecard_excel(scorecard: pd.DataFrame, models: pd.DataFrame, path: str | Path, *,
                          replications: pd.DataFrame | None = None,
                          assumptions: pd.DataFrame | None = None) -> Path:
    """An .xlsx workbook: scorecard (wide), tidy, replications, models, assumptions."""
    if Path(path).suffix.lower() != ".xlsx":
        raise CarenetError(f"the Excel scorecard must end in .xlsx, got {path}")
    sheets = {"scorecard": wide_scorecard(scorecard, models), "tidy": scorecard, "models": models}
    if replications is not None and not replications.empty:
        sheets["replications"] = replications
    if assumptions is not None and not assumptions.empty:
        sheets["assumptions"] = assumptions

    def write(p: Path) -> None:
        with pd.ExcelWriter(p, engine="openpyxl") as book:
            for name, frame in sheets.items():
                frame.to_excel(book, sheet_name=name, index=False)
                sheet = book.sheets[name]
                sheet.freeze_panes = "A2"
                for i, column in enumerate(frame.columns):
                    letter = sheet.cell(row=1, column=i + 1).column_letter
                    wide = column in ("label", "summary", "source", "rationale", "parameter")
                    sheet.column_dimensions[letter].width = _SHEET_WIDTH if wide else _VALUE_WIDTH

    return _atomic(path, write)


__all__ = ["wide_scorecard", "write_scorecard_csv", "write_scorecard_excel"]
