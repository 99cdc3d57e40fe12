"""Column helpers for repeated elements (a list per row) and per-group choices, with NumPy.

A list column is exploded into items that keep their owner's row (``parent``) and their position;
"the first participant that resolves to a clinician" is then a masked first-per-group, and "the
participants looked at until then" are the items with no earlier success in their group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Items:
    """The items of a list column: owner row, position in the owner's list, and value."""

    parent: np.ndarray
    pos: np.ndarray
    values: pa.Array

    def __len__(self) -> int:
        return len(self.parent)


def explode(lists: pa.Array | pa.ChunkedArray) -> Items:
    """The items of ``lists`` in row order (a null list has none)."""
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks() if lists.num_chunks != 1 else lists.chunk(0)
    parent = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    values = pc.list_flatten(lists)
    return Items(parent, np.arange(len(parent)) - group_starts(parent), values)


def group_starts(parent: np.ndarray) -> np.ndarray:
    """For each item (sorted by parent), the index of the first item of its group."""
    return np.searchsorted(parent, parent, side="left")


def earlier_count(parent: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each item, how many items before it in its group have ``mask``."""
    before = np.cumsum(mask) - mask
    return before - before[group_starts(parent)] if len(parent) else before


def first_in_group(parent: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the index of its first item with ``mask`` (-1 when none)."""
    out = np.full(n_groups, -1, dtype=np.int64)
    items = np.flatnonzero(mask)
    groups, first = np.unique(parent[items], return_index=True)
    out[groups] = items[first]
    return out


def last_in_group(parent: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, the index of its last item with ``mask`` (-1 when none)."""
    out = np.full(n_groups, -1, dtype=np.int64)
    items = np.flatnonzero(mask)[::-1]
    groups, last = np.unique(parent[items], return_index=True)
    out[groups] = items[last]
    return out


def any_in_group(parent: np.ndarray, mask: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group, whether any of its items has ``mask``."""
    return np.bincount(parent[mask], minlength=n_groups) > 0


def most_common(keys: np.ndarray, values: np.ndarray) -> dict:
    """For each key, its most frequent value (ties: the smallest, for determinism)."""
    if not len(keys):
        return {}
    counts = pd.DataFrame({"key": keys, "value": values}).value_counts(sort=False).reset_index(name="n")
    counts = counts.sort_values(["key", "n", "value"], ascending=[True, False, True], kind="stable")
    best = counts.drop_duplicates("key")
    return dict(zip(best["key"].tolist(), best["value"].tolist(), strict=True))


def list_column(parent: np.ndarray, values: pa.Array, n_rows: int, empty_as_null: bool = True) -> pa.ListArray:
    """A list column of ``n_rows`` rows from items sorted by ``parent`` (rows with no item: null or [])."""
    counts = np.bincount(parent, minlength=n_rows) if len(parent) else np.zeros(n_rows, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    mask = pa.array(counts == 0) if empty_as_null else None
    return pa.ListArray.from_arrays(pa.array(offsets), values, mask=mask)
