"""Merging new rows into a dataset: what is added, what changes, and what contradicts the dataset.

A row whose primary key the dataset already holds is *unchanged* when every value is equal
(re-importing the same data adds nothing and reports nothing) and *changed* otherwise: a
conflict, refused unless the write asks to update, when the new values win and the report
lists each changed value. Beyond keys, facts that contradict what the dataset holds are
conflicts too: one NHS number on two patients, a registration that overlaps another of the same
patient, starts before the patient's birth or after their death. Such a fact counts only when it
involves a row the dataset already held and a row the write adds or changes, so a dataset's own
history is not re-litigated on every import.

Everything is computed with Arrow joins and NumPy masks; Python objects are built only for the
facts listed in a message or report (at most :data:`KEPT` of each kind).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.manifest import DatasetError
from carenet.schema.tables import TABLES

KEPT = 1000
"""Changes and conflicts kept as Python records per write (the counts are always complete)."""
SHOWN = 20
"""Conflicts listed in an error message (the rest are counted)."""
_ROW, _OLD = "__carenet_row", "__carenet_old"


@dataclass(frozen=True)
class Conflict:
    """One fact the new rows contradict, located by table and key."""

    table: str
    key: str
    fact: str

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.fact}"


@dataclass(frozen=True)
class Change:
    """One value a write changed (an update)."""

    table: str
    key: str
    column: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.column} {_shown(self.old)} -> {_shown(self.new)}"


@dataclass
class TableChanges:
    """Rows of one table a write added, updated and found already there."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class WriteReport:
    """What :func:`carenet.schema.dataset.write_dataset` did, table by table, and the facts it changed.

    ``changes`` lists changed values and ``facts`` contradictions applied by an update (each at
    most :data:`KEPT`; ``changed_values`` and ``fact_count`` are the full counts).
    """

    tables: dict[str, TableChanges] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    changed_values: int = 0
    facts: list[Conflict] = field(default_factory=list)
    fact_count: int = 0

    @property
    def changed(self) -> bool:
        """Whether the write changed anything the dataset held (not counting added rows)."""
        return self.changed_values > 0 or self.fact_count > 0

    def lines(self, limit: int = SHOWN) -> list[str]:
        """The changes and applied contradictions as sentences, at most ``limit`` of each, the rest counted."""
        out = [str(c) for c in self.changes[:limit]]
        if self.changed_values > limit:
            out.append(f"... and {self.changed_values - limit:,} more changed values")
        out += [f"applied: {f}" for f in self.facts[:limit]]
        if self.fact_count > limit:
            out.append(f"... and {self.fact_count - limit:,} more contradictions applied")
        return out


class ConflictError(DatasetError):
    """New rows contradict the dataset; nothing was written. ``conflicts`` lists them (at most :data:`KEPT`)."""

    def __init__(self, folder: Any, conflicts: list[Conflict], total: int):
        shown = "\n".join(f"  {c}" for c in conflicts[:SHOWN])
        more = f"\n  ... and {total - SHOWN:,} more" if total > SHOWN else ""
        super().__init__(f"dataset {folder}: {total:,} conflict{'s' if total != 1 else ''} with what it already "
                         f"holds; nothing was written:\n{shown}{more}\nCheck the input; to let the new values win, "
                         "write again with update (carenet import ... --update)")
        self.folder = folder
        self.conflicts = conflicts
        self.total = total


@dataclass
class Merged:
    """The merged tables, what the merge did, and the conflicts it found (value changes first)."""

    tables: dict[str, pa.Table]
    report: WriteReport
    conflicts: list[Conflict]
    conflict_count: int


@dataclass
class _Provenance:
    existed: np.ndarray
    touched: np.ndarray


def _shown(value: Any) -> str:
    return "(empty)" if value is None else repr(value.isoformat() if hasattr(value, "isoformat") else value)


def _key_text(key: list[str], row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_shown(row[k])}" for k in key)


def _comparable(values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_list(values.type) or pa.types.is_large_list(values.type):
        return pc.binary_join(pc.cast(values, pa.list_(pa.string())), "\x1f")
    return values


def _differs(a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray) -> np.ndarray:
    a, b = _comparable(a), _comparable(b)
    same = pc.if_else(pc.and_(pc.is_null(a), pc.is_null(b)), True, pc.fill_null(pc.equal(a, b), False))
    return ~np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)


def first_per_key(name: str, table: pa.Table) -> pa.Table:
    """The first row of ``table`` for each primary key, in their original order."""
    key = list(TABLES[name].primary_key)
    if table.num_rows == 0:
        return table
    if len(key) == 1 and pc.count_distinct(table.column(key[0]), mode="all").as_py() == table.num_rows:
        return table
    indexed = table.select(key).append_column(_ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    first = np.sort(indexed.group_by(key, use_threads=False).aggregate([(_ROW, "min")])[f"{_ROW}_min"].to_numpy())
    return table if first.size == table.num_rows else table.take(pa.array(first))


def _match(key: list[str], old: pa.Table, new: pa.Table) -> np.ndarray:
    """For each row of ``new``, the row of ``old`` with its key, or -1."""
    left = new.select(key).append_column(_ROW, pa.array(np.arange(new.num_rows, dtype=np.int64)))
    right = old.select(key).append_column(_OLD, pa.array(np.arange(old.num_rows, dtype=np.int64)))
    joined = left.join(right, keys=key, join_type="left outer", use_threads=False)
    at = np.full(new.num_rows, -1, dtype=np.int64)
    rows = joined[_ROW].to_numpy()
    at[rows] = joined[_OLD].fill_null(-1).to_numpy()
    return at


def _merge_table(name: str, old: pa.Table, new: pa.Table, report: WriteReport,
                 changes: list[Change]) -> tuple[pa.Table, _Provenance]:
    key = list(TABLES[name].primary_key)
    new = first_per_key(name, new)
    at = _match(key, old, new)
    matched = at >= 0
    new_rows, old_rows = np.flatnonzero(matched), at[matched]
    differs = np.zeros(new_rows.size, dtype=bool)
    aligned = new_rows.size == old.num_rows == new.num_rows and bool(
        np.array_equal(new_rows, old_rows) and np.array_equal(new_rows, np.arange(new_rows.size)))
    for column in new.column_names:
        if column in key or column not in old.column_names or new_rows.size == 0:
            continue
        a = new.column(column) if aligned else new.column(column).take(pa.array(new_rows))
        b = old.column(column) if aligned else old.column(column).take(pa.array(old_rows))
        where = _differs(a, b)
        differs |= where
        count = int(where.sum())
        report.changed_values += count
        room = KEPT - len(changes)
        if count and room > 0:
            picked = np.flatnonzero(where)[:room]
            keys = new.select(key).take(pa.array(new_rows[picked])).to_pylist()
            for k, was, now in zip(keys, b.take(pa.array(picked)).to_pylist(), a.take(pa.array(picked)).to_pylist(),
                                   strict=True):
                changes.append(Change(name, _key_text(key, k), column, was, now))
    added = np.flatnonzero(~matched)
    report.tables[name] = TableChanges(int(added.size), int(differs.sum()), int((~differs).sum()))
    if added.size == 0 and not differs.any():  # nothing new: the dataset's table as it is
        return old, _Provenance(np.ones(old.num_rows, bool), np.zeros(old.num_rows, bool))
    index = np.arange(old.num_rows, dtype=np.int64)
    index[old_rows[differs]] = old.num_rows + new_rows[differs]
    index = np.concatenate([index, old.num_rows + added])
    both = pa.concat_tables([old, new.select(old.column_names)]) if new.num_rows else old
    existed = np.arange(index.size) < old.num_rows
    touched = np.zeros(index.size, dtype=bool)
    touched[old_rows[differs]] = True
    touched[old.num_rows:] = True
    return both.take(pa.array(index)), _Provenance(existed, touched)


def _flags(table: pa.Table, p: _Provenance, prefix: str) -> pa.Table:
    return (table.append_column(f"{prefix}existed", pa.array(p.existed))
            .append_column(f"{prefix}touched", pa.array(p.touched)))


def _involved(t: pa.Table, a: str, b: str) -> pa.Array:
    """Rows where one side is new or changed and one side was in the dataset."""
    touched = pc.or_(t[f"{a}touched"], t[f"{b}touched"])
    existed = pc.or_(t[f"{a}existed"], t[f"{b}existed"])
    return pc.and_(touched, existed)


def _nhs_facts(patients: pa.Table, p: _Provenance) -> tuple[list[Conflict], int]:
    if "nhs_number" not in patients.column_names:
        return [], 0
    t = _flags(patients.select(["patient_id", "nhs_number"]), p, "")
    t = t.filter(pc.is_valid(t["nhs_number"]))
    if t.num_rows == 0:
        return [], 0
    groups = t.group_by("nhs_number", use_threads=False).aggregate(
        [("patient_id", "count_distinct"), ("patient_id", "distinct"), ("existed", "any"), ("touched", "any")])
    bad = groups.filter(pc.and_(pc.greater(groups["patient_id_count_distinct"], 1),
                                pc.and_(groups["existed_any"], groups["touched_any"])))
    facts = [Conflict("patients", f"nhs_number={_shown(r['nhs_number'])}",
                      "one NHS number on patients " + ", ".join(_shown(x) for x in sorted(r["patient_id_distinct"])))
             for r in bad.slice(0, KEPT).to_pylist()]
    return facts, bad.num_rows


def _registration_facts(registrations: pa.Table, rp: _Provenance, patients: pa.Table | None,
                        pp: _Provenance | None) -> tuple[list[Conflict], int]:
    key = ["patient_id", "practice_id", "start_date"]
    regs = _flags(registrations.select([*key, "end_date"]), rp, "r_")
    facts: list[Conflict] = []
    total = 0
    if patients is not None and pp is not None:
        people = _flags(patients.select(["patient_id", "birth_date", "death_date"]), pp, "p_")
        j = regs.join(people, keys="patient_id", join_type="inner", use_threads=False)
        involved = _involved(j, "r_", "p_")
        for column, test, words in (("birth_date", pc.less, "before birth on"),
                                    ("death_date", pc.greater, "after death on")):
            bad = j.filter(pc.and_(involved, pc.fill_null(test(j["start_date"], j[column]), False)))
            total += bad.num_rows
            facts += [Conflict("registrations", _key_text(key, r), f"registration starts {words} {_shown(r[column])}")
                      for r in bad.slice(0, KEPT).to_pylist()]
    # overlaps: only patients with a new or changed registration
    changed = regs.filter(regs["r_touched"])["patient_id"]
    near = regs.filter(pc.is_in(regs["patient_id"], value_set=pc.unique(changed)))
    near = near.append_column(_ROW, pa.array(np.arange(near.num_rows, dtype=np.int64)))
    other = near.rename_columns([c if c == "patient_id" else f"o_{c}" for c in near.column_names])
    pairs = near.join(other, keys="patient_id", join_type="inner", use_threads=False)
    open_end = pa.scalar(dt.date.max, pa.date32())
    overlap = pc.and_(pc.less(pairs["start_date"], pc.fill_null(pairs["o_end_date"], open_end)),
                      pc.less(pairs["o_start_date"], pc.fill_null(pairs["end_date"], open_end)))
    # each pair once, told from the side the write adds or changes
    subject = pc.and_(pairs["r_touched"], pc.or_(pc.invert(pairs["o_r_touched"]),
                                                 pc.less(pairs[_ROW], pairs[f"o_{_ROW}"])))
    bad = pairs.filter(pc.and_(pc.and_(subject, overlap), pc.or_(pairs["r_existed"], pairs["o_r_existed"])))
    total += bad.num_rows
    for r in bad.slice(0, KEPT).to_pylist():
        other_text = f"practice {_shown(r['o_practice_id'])} from {_shown(r['o_start_date'])}"
        facts.append(Conflict("registrations", _key_text(key, r), f"overlaps the registration at {other_text}"))
    return facts, total


def merge_tables(old: Mapping[str, pa.Table], new: Mapping[str, pa.Table]) -> Merged:
    """Merge ``new`` (conformed canonical tables) into ``old``: new values win, every change and conflict counted.

    The caller refuses the result when ``conflict_count`` is not zero unless updating.
    """
    report = WriteReport()
    changes: list[Change] = []
    merged: dict[str, pa.Table] = {}
    provenance: dict[str, _Provenance] = {}
    for name in TABLES:
        if name in new and name in old:
            merged[name], provenance[name] = _merge_table(name, old[name], new[name], report, changes)
        elif name in new:
            table = new[name]
            merged[name] = table
            provenance[name] = _Provenance(np.zeros(table.num_rows, bool), np.ones(table.num_rows, bool))
            report.tables[name] = TableChanges(added=table.num_rows)
        elif name in old:
            merged[name] = old[name]
    report.changes = changes
    if not old:  # a new dataset contradicts nothing
        return Merged(merged, report, [], 0)
    facts: list[Conflict] = []
    if "patients" in provenance:
        found, count = _nhs_facts(merged["patients"], provenance["patients"])
        facts += found
        report.fact_count += count
    if "registrations" in provenance or ("patients" in provenance and "registrations" in merged):
        regs = merged.get("registrations")
        if regs is not None:
            rp = provenance.get("registrations") or _Provenance(np.ones(regs.num_rows, bool),
                                                                np.zeros(regs.num_rows, bool))
            patients = merged.get("patients")
            pp = provenance.get("patients")
            if patients is not None and pp is None:
                pp = _Provenance(np.ones(patients.num_rows, bool), np.zeros(patients.num_rows, bool))
            found, count = _registration_facts(regs, rp, patients, pp)
            facts += found
            report.fact_count += count
    report.facts = facts[:KEPT]
    conflicts = [Conflict(c.table, c.key, f"{c.column} is {_shown(c.old)} in the dataset, {_shown(c.new)} in the input")
                 for c in changes] + facts
    return Merged(merged, report, conflicts[:KEPT], report.changed_values + report.fact_count)


__all__ = ["KEPT", "SHOWN", "Change", "Conflict", "ConflictError", "Merged", "TableChanges", "WriteReport",
           "first_per_key", "merge_tables"]
