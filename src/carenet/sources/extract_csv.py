"""Reading a CSV file as trimmed text columns, every problem located by file and line.

Columns are matched to their expected names case-insensitively and ignoring spacing and
punctuation (``Booked For``, ``booked_for`` and ``BOOKED-FOR`` are one column); a missing column
gets a "did you mean" hint from the header. Everything is read as text and typed afterwards
(``extract_parse``), so that a bad value becomes a located problem rather than a failed read.
Line numbers count the header as line 1 and each record as one line (a quoted field that spans
lines counts once).
"""

from __future__ import annotations

import csv
import difflib
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from carenet.sources.problems import ImportProblem, ProblemLog

MAX_REPORTED_PER_RULE = 20
"""Lines listed per file and rule; the rest are counted in one closing problem."""

ENCODINGS = ("utf-8", "cp1252")
"""Tried in order: UTF-8 (with or without BOM), then the Windows code page Excel saves in."""


@dataclass(frozen=True)
class Column:
    """One column of an input file: how it is spelled, whether it must be there, what it holds.

    ``kind`` is one of text, date, datetime, int, float, flag, code, nhs_number, days, month, snomed;
    ``vocabulary`` maps accepted spellings of a code column to canonical codes; ``bounds`` is
    the inclusive range a number must lie in.
    """

    name: str
    kind: str
    required: bool
    doc: str
    aliases: tuple[str, ...] = ()
    vocabulary: Mapping[str, str] | None = None
    bounds: tuple[float | None, float | None] | None = None


@dataclass
class TextTable:
    """A CSV file read as text: canonical column names, trimmed values, empty cells null."""

    label: str
    table: pa.Table
    lines: np.ndarray

    def col(self, name: str) -> pa.ChunkedArray | None:
        return self.table.column(name) if name in self.table.column_names else None

    def filter(self, mask: np.ndarray | pa.Array | pa.ChunkedArray) -> TextTable:
        keep = as_mask(mask)
        return TextTable(self.label, self.table.filter(pa.array(keep)), self.lines[keep])

    def with_columns(self, columns: dict[str, pa.Array | pa.ChunkedArray]) -> TextTable:
        table = self.table
        for name, values in columns.items():
            if name in table.column_names:
                table = table.set_column(table.column_names.index(name), name, values)
            else:
                table = table.append_column(name, values)
        return TextTable(self.label, table, self.lines)


class Reasons:
    """A reason per row, ``prefix ('value')``, formatted only for the rows that get reported."""

    def __init__(self, prefix: str, values: pa.ChunkedArray | pa.Array):
        self.prefix = prefix
        self.values = values

    def __getitem__(self, i: int) -> str:
        return f"{self.prefix} ({self.values[int(i)].as_py()!r})"


def each_value(prefix: str, values: pa.ChunkedArray | pa.Array) -> Reasons:
    """Reasons that quote each flagged row's value after ``prefix``."""
    return Reasons(prefix, values)


def header_key(name: str) -> str:
    """The spelling-insensitive form of a column name: lower case, words joined by ``_``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def report_lines(log: ProblemLog, label: str, lines: np.ndarray, mask: np.ndarray | pa.Array | pa.ChunkedArray,
                 reason: str | Reasons | np.ndarray) -> int:
    """Log one problem per flagged line (up to a cap, then one count); return how many were flagged.

    ``reason`` is either one text for every flagged line or one text per row of the table.
    """
    flags = as_mask(mask)
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return 0
    for i in idx[:MAX_REPORTED_PER_RULE]:
        text = reason if isinstance(reason, str) else reason[i]
        log.add(label, f"line {int(lines[i])}", str(text))
    if idx.size > MAX_REPORTED_PER_RULE:
        first = reason if isinstance(reason, str) else reason[idx[0]]
        rule = str(first).split(":")[0]
        log.add(label, None, f"… and {idx.size - MAX_REPORTED_PER_RULE:,} more lines with the same problem ({rule})")
    return int(idx.size)


def sort_problems(log: ProblemLog) -> None:
    """Order problems by file, then line (file-wide ones first, counts of further lines last)."""

    def line(problem: ImportProblem) -> int:
        location = problem.location or ""
        if location.startswith("line ") and location[5:].isdigit():
            return int(location[5:])
        return sys.maxsize if problem.reason.startswith("…") else 0

    log.problems.sort(key=lambda p: (p.file, line(p)))


def as_mask(mask: np.ndarray | pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A NumPy boolean mask; nulls count as False."""
    if isinstance(mask, np.ndarray):
        return mask.astype(bool, copy=False)
    filled = pc.fill_null(mask, False)
    if isinstance(filled, pa.ChunkedArray):
        filled = filled.combine_chunks()
    return filled.to_numpy(zero_copy_only=False).astype(bool, copy=False)


def read_text_csv(path: Path, columns: Sequence[Column], log: ProblemLog, label: str | None = None) -> TextTable | None:
    """Read ``path`` into text columns named as in ``columns``; log problems and return None if unreadable.

    Unknown extra columns are ignored. A missing required column, a repeated column, or a
    record with the wrong number of fields is logged; the table is still returned after
    ragged records so that the rest of the file is checked too.
    """
    label = label or str(path)
    if not path.is_file():
        log.add(label, None, "file not found")
        return None
    for encoding in ENCODINGS:
        try:
            return _read(path, columns, log, label, encoding)
        except UnicodeDecodeError:
            continue
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) or "utf-8" in str(exc).lower():
                continue
            log.add(label, None, f"not a readable CSV file: {_arrow_message(exc)}")
            return None
    log.add(label, None, f"text is in none of the supported encodings ({', '.join(ENCODINGS)}); save it as UTF-8")
    return None


def _read(path: Path, columns: Sequence[Column], log: ProblemLog, label: str, encoding: str) -> TextTable | None:
    header = _header(path, encoding)
    if header is None:
        log.add(label, None, "file is empty: expected a header line naming the columns")
        return None
    positions = _match_header(header, columns, log, label)
    if positions is None:
        return None
    ragged: list[tuple[int | None, int, int]] = []

    def on_ragged(row: pacsv.InvalidRow) -> str:
        ragged.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    raw_names = [f"c{i}" for i in range(len(header))]
    table = pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(use_threads=False, column_names=raw_names, skip_rows=1,
                                       encoding="utf8" if encoding == "utf-8" else encoding),
        parse_options=pacsv.ParseOptions(invalid_row_handler=on_ragged, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in raw_names},
            include_columns=[raw_names[i] for i in positions.values()],
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
        ),
    )
    for number, expected, actual in ragged[:MAX_REPORTED_PER_RULE]:
        log.add(label, f"line {number}" if number else None,
                f"record has {actual} field(s) where the header has {expected}")
    if len(ragged) > MAX_REPORTED_PER_RULE:
        log.add(label, None, f"… and {len(ragged) - MAX_REPORTED_PER_RULE:,} more records with the wrong field count")
    arrays = [_clean(table.column(raw_names[i])) for i in positions.values()]
    text = pa.Table.from_arrays(arrays, names=list(positions))
    return TextTable(label, text, _line_numbers(text.num_rows, [r[0] for r in ragged]))


def _header(path: Path, encoding: str) -> list[str] | None:
    with path.open(newline="", encoding="utf-8-sig" if encoding == "utf-8" else encoding) as handle:
        for row in csv.reader(handle):
            return row
    return None


def _match_header(header: list[str], columns: Sequence[Column], log: ProblemLog, label: str) -> dict[str, int] | None:
    """Position of each known column in the header; None (with problems logged) if a required one is absent.

    A column is found under its name or the first of its aliases the header uses; the same
    spelling twice is a problem, since there is no telling which one is meant.
    """
    keys = [header_key(cell) for cell in header]
    positions: dict[str, int] = {}
    ok = True
    for c in columns:
        for spelling in (c.name, *c.aliases):
            found = [i for i, k in enumerate(keys) if k == header_key(spelling)]
            if len(found) > 1:
                log.add(label, "line 1", f"column {c.name!r} appears {len(found)} times (as {header[found[0]]!r})")
                ok = False
            if found:
                positions[c.name] = found[0]
                break
    used = set(positions.values())
    by_key = {k: header[i] for i, k in enumerate(keys) if i not in used}
    for c in columns:
        if c.required and c.name not in positions:
            hint = [m for s in (c.name, *c.aliases)
                    for m in difflib.get_close_matches(header_key(s), list(by_key), n=1, cutoff=0.6)][:1]
            suffix = f"; did you mean {by_key[hint[0]]!r}?" if hint else ""
            log.add(label, "line 1", f"required column {c.name!r} is missing{suffix}")
            ok = False
    return positions if ok else None


def _clean(col: pa.ChunkedArray) -> pa.ChunkedArray:
    trimmed = pc.utf8_trim_whitespace(col)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _line_numbers(kept: int, skipped: list[int | None]) -> np.ndarray:
    """File line of each kept record: records are numbered from 2 (the header is line 1)."""
    known = np.array(sorted(n for n in skipped if n), dtype=np.int64)
    if known.size == 0:
        return np.arange(2, kept + 2, dtype=np.int64)
    everything = np.arange(2, kept + known.size + 2, dtype=np.int64)
    return np.setdiff1d(everything, known, assume_unique=True)[:kept]


def _arrow_message(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def duplicate_rows(table: pa.Table, key: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose ``key`` (all parts present) repeats an earlier row's, and the earlier row of each."""
    n = table.num_rows
    first_row = np.arange(n, dtype=np.int64)
    if n == 0:
        return np.zeros(0, dtype=bool), first_row
    indexed = table.select(list(key)).append_column("__row", pa.array(first_row))
    firsts = indexed.group_by(list(key), use_threads=False).aggregate([("__row", "min")])
    if firsts.num_rows == n:
        return np.zeros(n, dtype=bool), first_row
    joined = indexed.join(firsts, list(key), join_type="left outer", use_threads=False)
    rows = joined["__row"].to_numpy()
    first_row[rows] = pc.coalesce(joined["__row_min"], joined["__row"]).to_numpy()
    return first_row != np.arange(n), first_row


def check_unique(log: ProblemLog, text: TextTable, key: Sequence[str], what: str) -> np.ndarray:
    """Flag every row whose ``key`` repeats an earlier row's; log each with the line it repeats."""
    dup, first_row = duplicate_rows(text.table, key)
    if dup.any():
        shown_rows = np.flatnonzero(dup)[:MAX_REPORTED_PER_RULE + 1]
        values = [text.table.column(k).take(pa.array(shown_rows)).to_pylist() for k in key]
        reasons = np.empty(len(dup), dtype=object)
        for j, i in enumerate(shown_rows):
            shown = ", ".join(f"{k}={v[j]!r}" for k, v in zip(key, values, strict=True))
            reasons[i] = f"duplicate {what}: {shown} already on line {int(text.lines[first_row[i]])}"
        report_lines(log, text.label, text.lines, dup, reasons)
    return dup
