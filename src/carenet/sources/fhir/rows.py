"""Keep one row per primary key of a canonical table, counting the repeats."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa

from carenet.schema import TABLES


def unique_rows(table: pa.Table, name: str, notes: Counter[str]) -> pa.Table:
    """Keep the first row of each primary key; count the repeats (the same fact recorded twice)."""
    key = list(TABLES[name].primary_key)
    if table.num_rows == 0:
        return table
    indexed = table.append_column("__row", pa.array(np.arange(table.num_rows), pa.int64()))
    first = indexed.group_by(key, use_threads=False).aggregate([("__row", "min")])
    repeats = table.num_rows - first.num_rows
    if repeats:
        notes[f"{name}: repeated rows (same key) kept once"] += repeats
    return table.take(np.sort(first["__row_min"].to_numpy()))
