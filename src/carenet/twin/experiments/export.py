"""The scorecard as files: a tidy CSV (one row per model and measure) and an Excel workbook for people.

The workbook's first sheet puts measures down the side and models across, mean with its 95%
interval, grouped by attribute, as a practice manager reads a scorecard; further sheets hold the
tidy table, every replication's values, the models and the assumptions. Each file is written
whole or not at all, holding its folder's lock (:class:`~carenet.schema.folders.FolderLock`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from carenet.schema.errors import CarenetError
from carenet.schema.folders import READABLE, FolderLock, fsync_path, os_advice

_SHEET_WIDTH = 60
_VALUE_WIDTH = 16
WIDE_COLUMNS = ("label", "summary", "source", "rationale", "parameter", "range", "range_note", "hangs_on", "note",
                "assumption", "target")


def _atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Write ``path`` by ``write(temporary)`` then rename, holding its folder's lock; fsynced, never half-written."""
    target = Path(path)
    if target.is_dir():
        raise CarenetError(f"{target} is a folder; give a file name for the scorecard")
    try:
        with FolderLock(target.parent, what="folder"):
            handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent)
            os.close(handle)
            try:
                write(Path(staging))
                fsync_path(staging)
                os.chmod(staging, READABLE)
                os.replace(staging, target)
                fsync_path(target.parent)
            except BaseException:
                Path(staging).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise CarenetError(f"cannot write {target}: {os_advice(exc)}; nothing was written") from None
    return target


def write_scorecard_csv(scorecard: pd.DataFrame, path: str | Path) -> Path:
    """The pooled scorecard, one row per model (and setting) and measure."""
    return write_table_csv(scorecard, path)


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

    return write_workbook(sheets, path)


def write_table_csv(table: pd.DataFrame, path: str | Path) -> Path:
    """``table`` as a CSV file (no index), written whole or not at all."""
    return _atomic(path, lambda p: table.to_csv(p, index=False))


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """An .xlsx workbook with one sheet per table: header row frozen, text columns wide."""

    def write(p: Path) -> None:
        with pd.ExcelWriter(p, engine="openpyxl") as book:
            for name, frame in sheets.items():
                frame.to_excel(book, sheet_name=name, index=False)
                sheet = book.sheets[name]
                sheet.freeze_panes = "A2"
                for i, column in enumerate(frame.columns):
                    letter = sheet.cell(row=1, column=i + 1).column_letter
                    wide = column in WIDE_COLUMNS
                    sheet.column_dimensions[letter].width = _SHEET_WIDTH if wide else _VALUE_WIDTH

    return _atomic(path, write)


__all__ = ["wide_scorecard", "write_scorecard_csv", "write_scorecard_excel", "write_table_csv", "write_workbook"]
