"""Writing the fund tables: CSV (the main table) or an Excel workbook (every table, one sheet each), all or nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from carenet.fund.errors import FundError


def write_tables(path: str | os.PathLike[str], sheets: dict[str, pa.Table]) -> Path:
    """``path`` ending .csv gets the first table; .xlsx gets every table as a sheet. Written to a temporary file
    beside it and moved into place, so a failure leaves no half-written file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FundError(f"--out {path}: write a .csv file (the main table) or an .xlsx workbook (every table)")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".csv":
            pacsv.write_csv(next(iter(sheets.values())), temp)
        else:
            import pandas as pd  # noqa: PLC0415

            with pd.ExcelWriter(temp, engine="openpyxl") as book:
                for name, table in sheets.items():
                    table.to_pandas().to_excel(book, sheet_name=name[:31], index=False)
                    book.sheets[name[:31]].freeze_panes = "A2"
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return path
