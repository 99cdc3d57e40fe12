"""Numbers carried in carenet's extensions, checked against their canonical column's range where they are read.

A value out of range is reported at its resource (file, line or bundle entry, ``Kind/id``), not later as
a row of a canonical table the user never saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from carenet.schema.tables import TABLES

if TYPE_CHECKING:
    from carenet.sources.fhir.build import TableBuilder

EXTENSION_RANGES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Organization", "list_size", "practices", "list_size", "list-size"),
    ("Organization", "imd_score", "practices", "imd_score", "imd-score"),
    ("PractitionerRole", "fte", "clinicians", "fte", "fte"),
    ("PractitionerRole", "sessions", "clinicians", "sessions_per_week", "sessions-per-week"),
    ("Patient", "deprivation_decile", "patients", "deprivation_decile", "deprivation-decile"),
)
"""(resource type, fact column, canonical table, canonical column, extension name)."""


def check_extension_ranges(b: TableBuilder) -> None:
    """Report every extension value outside the range of the canonical column it fills."""
    step = b.step()
    for k, (kind, fact, table, column, extension) in enumerate(EXTENSION_RANGES):
        lo, hi = TABLES[table].ranges[column]
        values = _numbers(b.tables[kind][fact])
        bad = np.zeros(len(values), dtype=bool)
        if lo is not None:
            bad |= values < lo
        if hi is not None:
            bad |= values > hi
        nodes = b.graph.nodes(kind)
        for i in np.flatnonzero(bad):
            step.add((k, int(i)), nodes[i], f"extension {extension}: {values[i]:g} is outside {_span(lo, hi)} "
                                            f"(the range of {table}.{column})")
    step.flush()


def _numbers(column: pa.ChunkedArray) -> np.ndarray:
    """The column as floats, missing values NaN (which compare False with any bound)."""
    return column.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(float)


def _span(lo: float | None, hi: float | None) -> str:
    if hi is None:
        return f"{lo:,g} or more"
    return f"{lo:,g}-{hi:,g}"


__all__ = ["EXTENSION_RANGES", "check_extension_ranges"]
