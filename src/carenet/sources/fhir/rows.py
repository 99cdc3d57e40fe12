"""Small column helpers shared by the table builders."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

import numpy as np
import pyarrow as pa

from carenet.schema import TABLES


def most_common(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """For each first element, its most frequent second element (ties: the smallest, for determinism)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for a, b in pairs:
        counts[a][b] += 1
    return {a: min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] for a, c in counts.items()}


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
