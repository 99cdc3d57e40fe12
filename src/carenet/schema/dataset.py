"""A dataset on disk: a folder of Parquet tables named after the canonical tables, plus a manifest.

Writes are all-or-nothing: the new dataset is built and validated in a sibling temporary folder
and swapped in by rename, so a failed import leaves the previous dataset exactly as it was.
Writing into an existing dataset merges by primary key, so importing the same data twice adds
nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from carenet.schema.tables import SCHEMA_VERSION, TABLES, conform
from carenet.schema.validate import ValidationError, validate_dataset

MANIFEST = "manifest.json"


@dataclass
class Manifest:
    """What a dataset holds and where it came from."""

    schema_version: str = SCHEMA_VERSION
    sources: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seed: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {"schema_version": self.schema_version, "sources": self.sources, "counts": self.counts,
             "seed": self.seed, **({"extra": self.extra} if self.extra else {})},
            indent=2, sort_keys=True,
        )

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise FileNotFoundError(f"{folder} is not a carenet dataset: {MANIFEST} is missing") from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc})") from None
        return cls(raw.get("schema_version", "?"), raw.get("sources", []), raw.get("counts", {}),
                   raw.get("seed"), raw.get("extra", {}))


class Dataset:
    """A dataset folder opened for reading; tables are read lazily."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.manifest = Manifest.read(self.path)

    @property
    def names(self) -> list[str]:
        return [n for n in TABLES if _table_path(self.path, n) is not None]

    def __contains__(self, name: str) -> bool:
        return _table_path(self.path, name) is not None

    def table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """Read a canonical table (conformed to its schema)."""
        where = _table_path(self.path, name)
        if where is None:
            raise KeyError(f"dataset {self.path} has no {name!r} table")
        if where.is_dir():
            data = pads.dataset(where, format="parquet", partitioning="hive").to_table(columns=columns)
        else:
            data = pq.read_table(where, columns=columns)
        return data if columns else conform(name, data)

    def arrow_path(self, name: str) -> Path:
        """The file or folder holding ``name`` (for engines that scan Parquet themselves)."""
        where = _table_path(self.path, name)
        if where is None:
            raise KeyError(f"dataset {self.path} has no {name!r} table")
        return where

    def tables(self) -> dict[str, pa.Table]:
        return {n: self.table(n) for n in self.names}


def _table_path(folder: Path, name: str) -> Path | None:
    single = folder / f"{name}.parquet"
    if single.is_file():
        return single
    part = folder / name
    if part.is_dir():
        return part
    return None


def open_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Open the dataset folder at ``path``."""
    return Dataset(path)


def merge_by_key(name: str, existing: pa.Table, new: pa.Table) -> pa.Table:
    """Rows of ``existing`` then rows of ``new`` whose primary key is not yet present."""
    key = list(TABLES[name].primary_key)
    both = pa.concat_tables([existing, new])
    if both.num_rows == 0:
        return both
    indexed = both.select(key).append_column("__row", pa.array(range(both.num_rows), pa.int64()))
    first = indexed.group_by(key, use_threads=False).aggregate([("__row", "min")])
    keep = pc.sort_indices(first["__row_min"])
    return both.take(pc.take(first["__row_min"], keep))


def write_dataset(
    path: str | os.PathLike[str],
    tables: Mapping[str, pa.Table],
    *,
    source: str,
    seed: int | None = None,
    merge: bool = True,
    extra: dict[str, Any] | None = None,
) -> Manifest:
    """Validate ``tables`` (merged into any dataset already at ``path``) and write them atomically.

    Raises :class:`ValidationError` and writes nothing if the result breaks any rule.
    """
    target = Path(path)
    conformed = {n: conform(n, t) for n, t in tables.items()}
    manifest = Manifest(seed=seed, extra=dict(extra or {}))
    if merge and (target / MANIFEST).is_file():
        old = Dataset(target)
        manifest.sources = list(old.manifest.sources)
        manifest.seed = old.manifest.seed if seed is None else seed
        manifest.extra = {**old.manifest.extra, **manifest.extra}
        for name in old.names:
            current = old.table(name)
            conformed[name] = merge_by_key(name, current, conformed[name]) if name in conformed else current
    ordered = {n: conformed[n] for n in TABLES if n in conformed}
    problems = validate_dataset(ordered)
    if problems:
        raise ValidationError(problems)
    if source not in manifest.sources:
        manifest.sources.append(source)
    manifest.counts = {n: t.num_rows for n, t in ordered.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, table in ordered.items():
            pq.write_table(table, staging / f"{name}.parquet", compression="zstd")
        (staging / MANIFEST).write_text(manifest.to_json() + "\n")
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames, so readers never see a half-written folder."""
    if target.exists():
        if any(target.iterdir()) and not (target / MANIFEST).is_file():
            raise FileExistsError(f"{target} exists and is not a carenet dataset; choose an empty or new folder")
        retired = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, retired)
        os.rename(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.rename(staging, target)


__all__ = ["Dataset", "Manifest", "ValidationError", "merge_by_key", "open_dataset", "swap_in", "write_dataset"]
