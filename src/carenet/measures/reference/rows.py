"""Canonical tables as lists of row dicts, and the small helpers both reference modules share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pyarrow as pa

from carenet.schema import conform

Rows = dict[str, list[dict[str, Any]]]
"""Table name → its rows, each a dict of column → Python value."""


def as_rows(tables: Mapping[str, pa.Table] | Rows) -> Rows:
    """Arrow tables (conformed to the canonical schema) as rows; rows are passed through."""
    return {name: (conform(name, t).to_pylist() if isinstance(t, pa.Table) else list(t)) for name, t in tables.items()}


def day_of(moment: datetime | date) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def in_window(moment: datetime, start: date | None, end: date | None) -> bool:
    day = day_of(moment)
    return (start is None or day >= start) and (end is None or day <= end)


def maximum(values: list[Any]) -> Any:
    """SQL MAX: the largest non-null value, or None."""
    present = [v for v in values if v is not None]
    return max(present) if present else None


def minimum(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None
