"""What every measure shares: the :class:`Unsupported` marker and a few small Ibis helpers.

A measure the dataset cannot support returns a reason, never a zero: a zero would read as "no
continuity" or "nobody waited"; an :class:`Unsupported` marker reads as "this dataset does not hold
what the measure needs", and the scorecard prints the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from carenet.schema.errors import CarenetError


@dataclass(frozen=True)
class Unsupported:
    """A measure the dataset cannot support, with the reason (e.g. which table or column is absent)."""

    reason: str

    def __str__(self) -> str:
        return f"not supported: {self.reason}"


def is_unsupported(value: Any) -> bool:
    """Whether ``value`` is an :class:`Unsupported` marker."""
    return isinstance(value, Unsupported)


def flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where ``condition`` holds, else 0 (null counts as 0): summable on every backend (PostgreSQL cannot cast
    a boolean to bigint)."""
    return ibis.ifelse(condition.fill_null(False), 1, 0)


def in_window(column: ir.TimestampValue, start: date | None, end: date | None) -> ir.BooleanValue:
    """Whether a timestamp falls on a day from ``start`` to ``end`` inclusive (either may be open)."""
    condition = ibis.literal(True)
    if start is not None:
        condition &= column >= ibis.literal(datetime.combine(start, time()))
    if end is not None:
        condition &= column < ibis.literal(datetime.combine(end + timedelta(days=1), time()))
    return condition


def segment_columns(segments: ir.Table | None) -> list[str]:
    """The grouping columns of a segments table: all but ``patient_id``."""
    if segments is None:
        return []
    if "patient_id" not in segments.columns:
        raise CarenetError("a segments table needs a 'patient_id' column")
    return [c for c in segments.columns if c != "patient_id"]


def attach_segments(t: ir.Table, segments: ir.Table | None) -> ir.Table:
    """Left-join the segment columns of ``segments`` (keyed by patient_id) onto ``t``; unmatched rows get nulls."""
    labels = segment_columns(segments)
    if not labels:
        return t
    seg = segments.select(seg_patient="patient_id", **{c: c for c in labels})
    return t.left_join(seg, t.patient_id == seg.seg_patient).select(*t.columns, *labels)


__all__ = ["Unsupported", "attach_segments", "flag", "in_window", "is_unsupported", "segment_columns"]
