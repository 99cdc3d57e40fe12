"""Validators for the canonical tables: types, keys, references, code sets and ranges.

Checks are vectorised with Arrow compute; each problem names the table, the row (0-based
position) and the rule it breaks, so that a user can find and fix it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.errors import CarenetError
from carenet.schema.tables import TABLES, TableSpec

_MAX_ROWS_PER_RULE = 20


@dataclass(frozen=True)
class Problem:
    """One broken rule, located."""

    table: str
    row: int | None
    column: str | None
    rule: str
    detail: str

    def __str__(self) -> str:
        where = self.table + (f" row {self.row}" if self.row is not None else "")
        col = f" column {self.column!r}" if self.column else ""
        return f"{where}{col}: {self.rule}: {self.detail}"


class ValidationError(CarenetError, ValueError):
    """Raised with every problem found, so that one run reports them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s):\n{shown}{more}")


def _rows(mask: pa.ChunkedArray | pa.Array) -> list[int]:
    idx = pc.indices_nonzero(pc.fill_null(mask, False))
    return idx.to_pylist()[:_MAX_ROWS_PER_RULE]


def _located(table: str, column: str, rule: str, rows: list[int], values: pa.ChunkedArray) -> list[Problem]:
    return [Problem(table, r, column, rule, f"value {values[r].as_py()!r}") for r in rows]


def validate_table(spec: TableSpec, table: pa.Table) -> list[Problem]:
    """Problems within one table (types, nulls, keys, code sets, ranges)."""
    problems: list[Problem] = []
    for f in spec.schema:
        if f.name not in table.column_names:
            if not f.nullable:
                problems.append(Problem(spec.name, None, f.name, "required column", "column is missing"))
            continue
        col = table.column(f.name)
        if not col.type.equals(f.type):
            problems.append(Problem(spec.name, None, f.name, "type", f"expected {f.type}, found {col.type}"))
            continue
        if not f.nullable and col.null_count:
            problems += [Problem(spec.name, r, f.name, "not null", "value is missing")
                         for r in _rows(pc.is_null(col))]
        allowed = spec.enums.get(f.name)
        if allowed is not None:
            bad = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=pa.array(allowed, col.type))))
            problems += [Problem(spec.name, r, f.name, "code set",
                                 f"{col[r].as_py()!r} is not one of {', '.join(allowed)}") for r in _rows(bad)]
        bounds = spec.ranges.get(f.name)
        if bounds is not None:
            lo, hi = bounds
            if lo is not None:
                problems += _located(spec.name, f.name, f"range (>= {lo})", _rows(pc.less(col, lo)), col)
            if hi is not None:
                problems += _located(spec.name, f.name, f"range (<= {hi})", _rows(pc.greater(col, hi)), col)
    if problems:
        return problems
    problems += _duplicate_keys(spec, table)
    return problems


def _duplicate_keys(spec: TableSpec, table: pa.Table) -> list[Problem]:
    key = list(spec.primary_key)
    if table.num_rows == 0:
        return []
    counted = table.select(key).group_by(key).aggregate([([], "count_all")])
    dups = counted.filter(pc.greater(counted["count_all"], 1))
    if dups.num_rows == 0:
        return []
    problems = []
    for row in dups.slice(0, _MAX_ROWS_PER_RULE).to_pylist():
        shown = ", ".join(f"{k}={row[k]!r}" for k in key)
        problems.append(Problem(spec.name, None, ",".join(key), "unique key",
                                f"{row['count_all']} rows share {shown}"))
    return problems


def validate_dataset(tables: Mapping[str, pa.Table]) -> list[Problem]:
    """Problems in every table and in the references between them.

    A reference is checked only when the referenced table is present, so a partial dataset (an
    appointments extract without a patient table) validates what it holds.
    """
    problems: list[Problem] = []
    for name, table in tables.items():
        if name not in TABLES:
            problems.append(Problem(name, None, None, "known table", "not a canonical table"))
            continue
        problems += validate_table(TABLES[name], table)
    if problems:
        return problems
    for name, table in tables.items():
        for column, (target, target_col) in TABLES[name].references.items():
            if target not in tables or column not in table.column_names:
                continue
            col = table.column(column)
            known = tables[target].column(target_col)
            dangling = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=known.combine_chunks())))
            problems += [Problem(name, r, column, f"reference to {target}.{target_col}",
                                 f"{col[r].as_py()!r} does not exist") for r in _rows(dangling)]
    return problems


def check_dataset(tables: Mapping[str, pa.Table]) -> None:
    """Raise :class:`ValidationError` listing every problem, or return quietly."""
    problems = validate_dataset(tables)
    if problems:
        raise ValidationError(problems)
