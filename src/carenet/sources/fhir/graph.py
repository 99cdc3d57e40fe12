"""Every resource of one import as a node number, and reference columns resolved to nodes at once.

A node is the row of a resource in its fact table plus the offset of that table; what the builders
learn about resources (canonical id, practice, role …) lives in arrays indexed by node, with one
extra last slot standing for "no node" (index ``-1``). A reference column is resolved by resolving
each distinct reference once and spreading the answers over the rows with NumPy.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.sources.fhir.merge import FILE_COLUMN, Facts
from carenet.sources.fhir.references import ReferenceIndex
from carenet.sources.fhir.vocabulary import READ_TYPES
from carenet.sources.problems import ProblemLog

NO_NODE = -1
_READ = frozenset(READ_TYPES)


def named_type(ref: str) -> str | None:
    """The resource type a reference names in its text (None for ``urn:uuid:``)."""
    if ref.startswith(("urn:", "#")):
        return None
    head = ref.split("?", 1)[0]
    parts = [p for p in head.split("/") if p]
    if "?" in ref:
        return parts[-1] if parts else None
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    return parts[-2] if len(parts) >= 2 else None


def encode(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list]:
    """Per row the code of its value (-1 for null), and the distinct values."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_pylist()


def spread(per_value: list, codes: np.ndarray, missing: object = None, dtype: object = object) -> np.ndarray:
    """Per row the answer for its value (``missing`` for a null)."""
    return np.array([*per_value, missing], dtype=dtype)[codes]


@dataclass
class Resolved:
    """A reference column resolved: the node per row, and the reason per row when it is a problem."""

    node: np.ndarray
    message: np.ndarray

    def problem_rows(self, among: np.ndarray | None = None) -> np.ndarray:
        """Rows (of ``among``, a boolean mask, when given) whose reference is a problem."""
        bad = self.message != None  # noqa: E711 - element-wise on an object array
        return np.flatnonzero(bad if among is None else bad & among)


class Graph:
    """Node numbers, canonical ids and reference resolution for the facts of one import."""

    def __init__(self, facts: Facts, index: ReferenceIndex):
        self.facts = facts
        self.index = index
        self.offset: dict[str, int] = {}
        size = 0
        for kind in READ_TYPES:
            self.offset[kind] = size
            size += facts.tables[kind].num_rows
        self.size = size
        self.canon = self.attribute()
        """Canonical id of each node that has one (a resource that maps to a canonical row)."""
        self._node_of: dict[str, dict[str, int]] = {}
        self._outcomes: dict[tuple[str, tuple[str, ...], bool], tuple[int, str | None]] = {}
        self._starts = [self.offset[k] for k in READ_TYPES]

    def attribute(self, fill: object = None, dtype: object = object) -> np.ndarray:
        """A new per-node array (plus the "no node" slot) filled with ``fill``."""
        return np.full(self.size + 1, fill, dtype=dtype)

    def nodes(self, kind: str) -> np.ndarray:
        """The nodes of the rows of the fact table of ``kind``, in order."""
        return np.arange(self.offset[kind], self.offset[kind] + self.facts.tables[kind].num_rows)

    def kind_of(self, node: int) -> str:
        return READ_TYPES[bisect.bisect_right(self._starts, node) - 1]

    def node_of(self, kind: str, rid: str) -> int | None:
        ids = self._node_of.get(kind)
        if ids is None:
            column = self.facts.tables[kind]["id"].to_pylist()
            ids = self._node_of[kind] = dict(zip(column, range(self.offset[kind], self.offset[kind] + len(column)),
                                                 strict=True))
        return ids.get(rid)

    def location(self, node: int) -> tuple[str, str]:
        """File and place (``line 12 (Patient/p1)``) where the resource of ``node`` was read."""
        kind = self.kind_of(node)
        table, row = self.facts.tables[kind], node - self.offset[kind]
        return self.facts.files[table[FILE_COLUMN][row].as_py()], table["where"][row].as_py()

    def outcome(self, ref: str, accepted: tuple[str, ...], strict: bool) -> tuple[int, str | None]:
        """(node, reason it is a problem) for one reference to one of ``accepted`` types.

        A reference that resolves to nothing is a problem when it names (or may name) a type carenet
        reads; a reference to another type carenet reads is a problem when ``strict`` (FHIR restricts
        the field's target types) and ignored otherwise (a participant may be a Patient or a Location).
        A target that was itself rejected or skipped gives no node and no problem (it was reported,
        or counted, where it was read).
        """
        memo = (ref, accepted, strict)
        found = self._outcomes.get(memo)
        if found is not None:
            return found
        target = self.index.resolve(ref)
        if isinstance(target, str):
            named = named_type(ref)
            found = (NO_NODE, f"dangling reference: {target}" if named is None or named in _READ else None)
        elif target[0] not in accepted:
            wrong = strict and target[0] in _READ
            found = (NO_NODE, f"{ref!r} is a {target[0]}, expected {' or '.join(accepted)}" if wrong else None)
        else:
            node = self.node_of(target[0], target[1])
            found = (NO_NODE if node is None or self.canon[node] is None else node, None)
        self._outcomes[memo] = found
        return found

    def resolve(self, refs: pa.Array | pa.ChunkedArray, accepted: tuple[str, ...], strict: bool = True) -> Resolved:
        """Resolve a column of references (nulls give no node and no problem)."""
        codes, distinct = encode(refs)
        outcomes = [self.outcome(ref, accepted, strict) for ref in distinct]
        return Resolved(spread([o[0] for o in outcomes], codes, NO_NODE, np.int64),
                        spread([o[1] for o in outcomes], codes))


class StepProblems:
    """The problems of one build step, reported in input order once the step is done."""

    def __init__(self, graph: Graph, problems: ProblemLog):
        self.graph = graph
        self.problems = problems
        self._items: list[tuple[tuple, int, str]] = []

    def add(self, order: tuple, node: int, reason: str) -> None:
        self._items.append((order, int(node), reason))

    def add_many(self, orders: Iterable[tuple], nodes: Iterable[int], reasons: Iterable[str]) -> None:
        self._items += [(o, int(n), r) for o, n, r in zip(orders, nodes, reasons, strict=True)]

    def flush(self) -> None:
        for _, node, reason in sorted(self._items, key=lambda item: item[0]):
            self.problems.add(*self.graph.location(node), reason)
        self._items.clear()
