"""Typing a file read as text against its column definitions, and reporting rows by file and line.

The typed table keeps two provenance columns, ``__file`` and ``__line``, so that checks made
after several files are combined (duplicates, references) still name the exact line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.sources import extract_parse as parse
from carenet.sources.extract_csv import (
    MAX_REPORTED_PER_RULE,
    Column,
    Reasons,
    TextTable,
    as_mask,
    duplicate_rows,
    each_value,
)
from carenet.sources.problems import ProblemLog

FILE = "__file"
LINE = "__line"

_Parser = Callable[[pa.ChunkedArray], tuple[pa.Array, np.ndarray]]

_PARSERS: dict[str, tuple[pa.DataType, _Parser | None, str]] = {
    "text": (pa.string(), None, ""),
    "date": (pa.date32(), parse.parse_date, "not a date (write YYYY-MM-DD or DD/MM/YYYY)"),
    "datetime": (pa.timestamp("s"), parse.parse_datetime,
                 "not a date-time (write YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM)"),
    "month": (pa.date32(), parse.parse_month, "not a month (write MAR2019 or 2019-03)"),
    "int": (pa.int64(), parse.parse_int, "not a whole number"),
    "float": (pa.float64(), parse.parse_float, "not a number"),
    "flag": (pa.bool_(), parse.parse_flag, "not a yes/no flag (write yes or no, Y or N, true or false, 1 or 0)"),
    "nhs_number": (pa.string(), parse.parse_nhs_number,
                   "not a valid NHS number (10 digits whose last is the modulus-11 check digit)"),
    "days": (pa.string(), parse.parse_days, "not a list of weekdays like Mon,Tue,Thu"),
    "snomed": (pa.string(), parse.parse_snomed, "not a SNOMED CT concept id (6 to 18 digits)"),
    "code": (pa.string(), None, ""),
}


def type_columns(text: TextTable, columns: Sequence[Column], log: ProblemLog) -> pa.Table:
    """Each column typed as its definition says (absent optional columns as nulls), plus ``__file``/``__line``.

    Missing required values, unreadable values, unknown codes and out-of-range numbers are logged
    line by line; the offending cells become null.
    """
    n = text.table.num_rows
    typed: dict[str, pa.Array | pa.ChunkedArray] = {}
    for c in columns:
        type_, parser, complaint = _PARSERS[c.kind]
        raw = text.col(c.name)
        if raw is None:
            typed[c.name] = pa.nulls(n, type_)
            continue
        if c.required:
            _report(log, text, pc.is_null(raw), f"{c.name}: value is missing")
        if c.kind == "code":
            assert c.vocabulary is not None
            values, bad = parse.map_codes(raw, c.vocabulary)
            allowed = ", ".join(sorted(set(c.vocabulary.values())))
            complaint = f"unknown value; expected one of {allowed} or a usual spelling of one"
        elif parser is None:
            values, bad = raw, np.zeros(n, dtype=bool)
        else:
            values, bad = parser(raw)
        _report(log, text, bad, each_value(f"{c.name}: {complaint}", raw))
        if c.bounds is not None:
            lo, hi = c.bounds
            outside = np.zeros(n, dtype=bool)
            if lo is not None:
                outside |= as_mask(pc.less(values, lo))
            if hi is not None:
                outside |= as_mask(pc.greater(values, hi))
            _report(log, text, outside, each_value(f"{c.name}: outside {_bound(lo)} to {_bound(hi)}", raw))
            values = pc.if_else(pa.array(outside), pa.scalar(None, type_), values)
        typed[c.name] = values
    typed[FILE] = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([text.label]))
    typed[LINE] = pa.array(text.lines, pa.int64())
    return pa.table(typed)


def _bound(value: float | None) -> str:
    return "any" if value is None else f"{value:g}"


def _report(log: ProblemLog, text: TextTable, mask: np.ndarray | pa.Array | pa.ChunkedArray,
            reason: str | Reasons) -> None:
    flags = as_mask(mask)
    idx = np.flatnonzero(flags)
    for i in idx[:MAX_REPORTED_PER_RULE]:
        log.add(text.label, f"line {int(text.lines[i])}", reason if isinstance(reason, str) else reason[i])
    _more(log, text.label, idx.size, reason if isinstance(reason, str) else reason.prefix)


def _more(log: ProblemLog, label: str, count: int, rule: str) -> None:
    if count > MAX_REPORTED_PER_RULE:
        log.add(label, None, f"… and {count - MAX_REPORTED_PER_RULE:,} more lines with the same problem "
                             f"({rule.split(':')[0]})")


def report_rows(log: ProblemLog, table: pa.Table, mask: np.ndarray | pa.Array | pa.ChunkedArray,
                reason: Callable[[int], str] | str) -> int:
    """Log each flagged row of a typed (possibly multi-file) table at its own file and line."""
    idx = np.flatnonzero(as_mask(mask))
    if idx.size == 0:
        return 0
    shown = idx[:MAX_REPORTED_PER_RULE]
    files = table.column(FILE).take(pa.array(shown)).cast(pa.string()).to_pylist()
    lines = table.column(LINE).take(pa.array(shown)).to_pylist()
    first = None
    for i, file, line in zip(shown, files, lines, strict=True):
        text = reason if isinstance(reason, str) else reason(int(i))
        first = first or text
        log.add(file, f"line {line}", text)
    _more(log, files[0], idx.size, first or "")
    return int(idx.size)


def report_duplicates(log: ProblemLog, table: pa.Table, key: Sequence[str], what: str) -> np.ndarray:
    """Log every row repeating an earlier row's ``key``, naming where the first one is; return the mask."""
    dup, first_row = duplicate_rows(table, key)
    if not dup.any():
        return dup
    files = table.column(FILE).cast(pa.string())
    lines = table.column(LINE)

    def reason(i: int) -> str:
        j = int(first_row[i])
        shown = ", ".join(f"{k}={table.column(k)[i].as_py()!s}" for k in key)
        return f"duplicate {what} ({shown}): already on {files[j].as_py()} line {lines[j].as_py()}"

    report_rows(log, table, dup, reason)
    return dup
