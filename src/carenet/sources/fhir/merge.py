"""Gather the pieces of one import into one fact table per resource type, one row per resource.

The same resource twice in one file is a problem (a duplicate id); in two files (Synthea repeats its
Organizations and Practitioners in every bundle) the copies must agree on what carenet reads, and
the first is kept. Duplicates are found with Arrow over every key at once; only the (few) repeated
keys are looked at one by one. Problems keep the order of the input: a piece's reading problems,
then its duplicate ids, then its disagreeing copies.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.sources.fhir.facts import FACT_SCHEMAS, KEY_SCHEMA
from carenet.sources.fhir.references import ReferenceIndex
from carenet.sources.fhir.scan import ScanResult
from carenet.sources.problems import ProblemLog

FILE_COLUMN = "file"
"""Column added to every fact table: the index of the row's file in :attr:`Facts.files`."""
_PIECE = "__piece"
_COMPARED_AWAY = ("id", "where", FILE_COLUMN, _PIECE)
"""Columns that differ between two copies of one resource without the copies disagreeing."""


@dataclass
class Facts:
    """Everything read from the inputs: one table per resource type carenet reads, in input order."""

    tables: dict[str, pa.Table]
    files: list[str]
    notes: Counter[str] = field(default_factory=Counter)


class Merger:
    """Collects the pieces in input order; :meth:`finish` deduplicates them and fills the reference index."""

    def __init__(self, problems: ProblemLog, index: ReferenceIndex):
        self.problems = problems
        self.index = index
        self.files: list[str] = []
        self._file_of: dict[str, int] = {}
        self._keys: list[pa.Table] = []
        self._facts: dict[str, list[pa.Table]] = {}
        self._kind_order: list[dict[str, int]] = []
        self._ordered: list[tuple[tuple, str, str | None, str]] = []

    def add(self, scanned: ScanResult) -> None:
        piece = len(self._kind_order)
        file = self._file_of.setdefault(scanned.file, len(self.files))
        if file == len(self.files):
            self.files.append(scanned.file)
        self._ordered += [((piece, 0, i), f, where, reason) for i, (f, where, reason) in enumerate(scanned.problems)]
        self._keys.append(_tagged(scanned.keys, piece, file))
        self._kind_order.append({kind: i for i, kind in enumerate(scanned.facts)})
        for kind, table in scanned.facts.items():
            self._facts.setdefault(kind, []).append(_tagged(table, piece, file))
        self.index.add_full_urls(scanned.full_urls)
        self.index.add_identifier_table(scanned.identifiers)

    def finish(self) -> Facts:
        keys = pa.concat_tables([_tagged(KEY_SCHEMA.empty_table(), 0, 0), *self._keys])
        for kind, ids in _ids_by_kind(keys).items():
            self.index.add_ids(kind, ids)
        repeated, origin = self._repeated_keys(keys)
        facts = Facts({}, self.files)
        for kind, schema in FACT_SCHEMAS.items():
            table = pa.concat_tables([_tagged(schema.empty_table(), 0, 0), *self._facts.get(kind, ())])
            if repeated:
                table = self._drop_copies(kind, table, repeated, origin, facts.notes)
            facts.tables[kind] = table.drop_columns([_PIECE])
        for _, file, where, reason in sorted(self._ordered, key=lambda p: p[0]):
            self.problems.add(file, where, reason)
        return facts

    def _repeated_keys(self, keys: pa.Table) -> tuple[dict[tuple[int, str, str], str],
                                                      dict[tuple[str, str], tuple[str, str]]]:
        """Keys met again after their first occurrence, by (piece, kind, id) → where (the last such place),
        with the file and place of each such key's first occurrence; a repeat inside one file is a problem."""
        joined = pc.binary_join_element_wise(keys["kind"], keys["id"], "/").combine_chunks()
        distinct = pc.index_in(joined, pc.unique(joined)).to_numpy()
        rows = np.arange(keys.num_rows)
        first_row = np.full(len(rows), len(rows), dtype=np.int64)
        np.minimum.at(first_row, distinct, rows)
        again = np.flatnonzero(first_row[distinct] != rows)
        repeated: dict[tuple[int, str, str], str] = {}
        origin: dict[tuple[str, str], tuple[str, str]] = {}
        if not len(again):
            return repeated, origin
        kinds, ids, wheres = (keys[c].to_pylist() for c in ("kind", "id", "where"))
        files, pieces = keys[FILE_COLUMN].to_numpy(), keys[_PIECE].to_numpy()
        for row in again:
            first = int(first_row[distinct[row]])
            kind, rid, where, piece = kinds[row], ids[row], wheres[row], int(pieces[row])
            origin[(kind, rid)] = (self.files[files[first]], wheres[first])
            if files[first] == files[row]:
                self._ordered.append(((piece, 1, int(row)), self.files[files[row]], where,
                                      f"duplicate id: {kind}/{rid} is already at {wheres[first]}"))
            repeated[(piece, kind, rid)] = where
        return repeated, origin

    def _drop_copies(self, kind: str, table: pa.Table, repeated: dict[tuple[int, str, str], str],
                     origin: dict[tuple[str, str], tuple[str, str]], notes: Counter[str]) -> pa.Table:
        """Keep the first copy of each resource; a later copy from another file must agree with it."""
        ids_here = pa.array({rid for (_, k, rid) in repeated if k == kind}, pa.string())
        candidates = np.flatnonzero(pc.is_in(table["id"], value_set=ids_here).to_numpy(zero_copy_only=False))
        if not len(candidates):
            return table
        ids = table["id"].take(candidates).to_pylist()
        pieces = table[_PIECE].take(candidates).to_pylist()
        copies = [(p, self._kind_order[p][kind], int(row), rid) for row, rid, p in zip(candidates, ids, pieces,
                                                                                        strict=True)
                  if (p, kind, rid) in repeated]
        if not copies:
            return table
        dropped = {row for _, _, row, _ in copies}
        kept_row = {rid: int(row) for row, rid in zip(candidates, ids, strict=True) if int(row) not in dropped}
        compared = [c for c in table.column_names if c not in _COMPARED_AWAY]
        files = table[FILE_COLUMN].to_numpy()
        for piece, order, row, rid in copies:
            first_file, first_where = origin[(kind, rid)]
            here_file = self.files[files[row]]
            if first_file == here_file:
                continue
            earlier = kept_row.get(rid)
            if earlier is not None and _values(table, compared, earlier) != _values(table, compared, row):
                self._ordered.append(((piece, 2, order, row), here_file, repeated[(piece, kind, rid)],
                                      f"{kind}/{rid} differs from the copy in {first_file} {first_where}"))
            else:
                notes[f"{kind} present in several files (read once)"] += 1
        keep = np.ones(table.num_rows, dtype=bool)
        keep[list(dropped)] = False
        return table.filter(pa.array(keep))


def _tagged(table: pa.Table, piece: int, file: int) -> pa.Table:
    n = table.num_rows
    return (table.append_column(FILE_COLUMN, pa.array(np.full(n, file, dtype=np.int32)))
            .append_column(_PIECE, pa.array(np.full(n, piece, dtype=np.int32))))


def _ids_by_kind(keys: pa.Table) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    kinds = pc.unique(keys["kind"]).to_pylist()
    for kind in kinds:
        found[kind] = keys["id"].filter(pc.equal(keys["kind"], kind)).to_pylist()
    return found


def _values(table: pa.Table, columns: list[str], row: int) -> list:
    return [table[c][row].as_py() for c in columns]
