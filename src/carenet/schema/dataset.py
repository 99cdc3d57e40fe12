"""A dataset on disk: a folder of canonical Parquet tables plus ``manifest.json``, written without loss.

Reading: :func:`open_dataset` resolves each table through the manifest (the current generation
under ``.carenet/``, or the tables directly in the folder for a dataset written before
generations). A missing, corrupt or foreign manifest, a truncated Parquet file or a table file
the manifest lists but the folder lacks is a :class:`DatasetError` naming the file.

Writing: :func:`write_dataset` holds the folder's lock (:mod:`carenet.schema.folders.lock`),
merges the new rows into what the dataset holds (:mod:`carenet.schema.conflicts`: identical rows
add nothing; changed rows and contradictions are refused with :class:`ConflictError`, or applied
and reported with ``update=True``), validates the result, and commits it as a new generation
(:mod:`carenet.schema.folders.generations`): a crash at any point leaves the previous dataset
readable and the next write completes. Files in the folder that carenet did not write are kept;
a folder holding other files and no carenet manifest is refused.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from carenet.schema.conflicts import ConflictError, WriteReport, first_per_key, merge_tables
from carenet.schema.errors import CarenetError
from carenet.schema.folders.durable import os_advice
from carenet.schema.folders.generations import (
    clean_stale,
    commit,
    generation_path,
    in_view,
    is_view_link,
    links_supported,
    new_staging,
    next_generation,
    table_entry,
)
from carenet.schema.folders.layout import STATE_DIR
from carenet.schema.folders.lock import FolderLock
from carenet.schema.manifest import (
    MANIFEST,
    CorruptManifestError,
    DatasetError,
    ForeignFolderError,
    Manifest,
    MissingManifestError,
)
from carenet.schema.tables import TABLES, conform
from carenet.schema.validate import ValidationError, validate_dataset

_READ_ERRORS = (pa.ArrowInvalid, pa.ArrowIOError, OSError, ValueError)


class Dataset:
    """A dataset folder opened for reading; tables are read lazily."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self.manifest = Manifest.read(self.path)
        self.base = self.path if self.manifest.generation is None else generation_path(self.path,
                                                                                        self.manifest.generation)
        if self.manifest.generation is not None and not self.base.is_dir():
            raise DatasetError(f"{self.path / MANIFEST} names generation {self.manifest.generation!r} but "
                               f"{self.base} is missing; the dataset is damaged — restore it from a backup or "
                               "re-import into a new folder")

    def _where(self, name: str) -> Path | None:
        if self.manifest.generation is None:
            return table_entry(self.path, name)
        if name not in self.manifest.counts or (self.manifest.links and not in_view(self.path, name)):
            return None
        where = table_entry(self.base, name)
        if where is None:
            self._check_unchanged()
            raise DatasetError(f"dataset {self.path}: {MANIFEST} lists table {name!r} but {self.base} has no "
                               f"{name}.parquet; the dataset is damaged — restore it from a backup or re-import")
        return where

    def _check_unchanged(self) -> None:
        """Raise a clear error if another write committed since this dataset was opened (its tables are gone)."""
        try:
            now = Manifest.read(self.path).generation
        except DatasetError:
            return
        if now != self.manifest.generation:
            raise DatasetError(f"dataset {self.path} was replaced by another write while it was being read "
                               f"({self.manifest.generation} -> {now}); run again to read the new tables")

    @property
    def names(self) -> list[str]:
        return [n for n in TABLES if self._where(n) is not None]

    def __contains__(self, name: str) -> bool:
        return name in TABLES and self._where(name) is not None

    def table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """Read a canonical table (conformed to its schema)."""
        where = self.arrow_path(name)
        try:
            if where.is_dir():
                data = pads.dataset(where, format="parquet", partitioning="hive").to_table(columns=columns)
            else:
                data = pq.read_table(where, columns=columns)
        except _READ_ERRORS as exc:
            self._check_unchanged()
            raise DatasetError(f"dataset {self.path}: table {name!r} in {where} cannot be read ({exc}); the file is "
                               "damaged — restore it from a backup or re-import") from None
        try:
            return data if columns else conform(name, data)
        except (KeyError, pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DatasetError(f"dataset {self.path}: table {name!r} in {where} does not have the canonical "
                               f"columns ({exc})") from None

    def arrow_path(self, name: str) -> Path:
        """The file or folder holding ``name`` (for engines that scan Parquet themselves)."""
        where = self._where(name) if name in TABLES else None
        if where is None:
            raise KeyError(f"dataset {self.path} has no {name!r} table")
        return where

    def tables(self) -> dict[str, pa.Table]:
        return {n: self.table(n) for n in self.names}


def open_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Open the dataset folder at ``path``."""
    return Dataset(path)


def merge_by_key(name: str, existing: pa.Table, new: pa.Table) -> pa.Table:
    """Rows of ``existing`` then rows of ``new`` whose primary key is not yet present."""
    return first_per_key(name, pa.concat_tables([existing, new]))


def existing_manifest(target: Path) -> Manifest | None:
    """The manifest of the dataset at ``target``, ``None`` if the folder is new or empty; refuse other folders."""
    if not target.exists():
        return None
    if not target.is_dir():
        raise ForeignFolderError(f"{target} is not a carenet dataset but a file; give a folder for the dataset")
    if (target / MANIFEST).exists() or (target / MANIFEST).is_symlink():
        return Manifest.read(target)
    others = sorted(p.name for p in target.iterdir() if p.name != STATE_DIR and not is_view_link(p)
                    and not _manifest_in_progress(p.name))
    if others:
        listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        raise ForeignFolderError(f"{target} is not a carenet dataset: it holds files carenet did not write "
                                 f"({listed}) and no {MANIFEST}; choose an empty or new folder")
    return None


def _manifest_in_progress(name: str) -> bool:
    """A manifest another carenet writer is replacing right now (``write_atomic``'s temporary file)."""
    return name.startswith(f".{MANIFEST}.") and name.endswith(".tmp")


def _entries(base: Path, names: list[str]) -> list[str]:
    return [where.name for n in names if (where := table_entry(base, n)) is not None]


def _recover_interrupted_swap(target: Path) -> None:
    """Put back a dataset an older carenet left as ``.NAME.old-PID`` when it died between its two renames."""
    if target.exists() or not target.parent.is_dir():
        return
    for old in sorted(target.parent.glob(f".{target.name}.old-*")):
        if (old / MANIFEST).is_file():
            try:
                os.rename(old, target)
            except OSError:
                continue
            return


def _os_failure(target: Path, exc: OSError) -> DatasetError:
    return DatasetError(f"cannot write dataset {target}: {os_advice(exc)}. The previous dataset is unchanged; run "
                        "again once this is fixed")


@contextmanager
def _writing(target: Path, lock_timeout: float | None):
    """Hold the dataset's lock, tidy what dead writers left, and turn OS errors into a clear message."""
    try:
        _recover_interrupted_swap(target)
        existing_manifest(target)  # refuse a foreign folder before touching it
        with FolderLock(target, timeout=lock_timeout, what="dataset") as lock:
            manifest = existing_manifest(target)
            clean_stale(target, manifest.generation if manifest else None)
            yield lock, manifest
    except CarenetError:
        raise
    except OSError as exc:
        raise _os_failure(target, exc) from None


def _stage_and_commit(target: Path, previous: Manifest | None, manifest: Manifest,
                      write: Callable[[Path], None]) -> None:
    staging = new_staging(target)
    try:
        write(staging)
        manifest.generation = next_generation(previous.generation if previous else None)
        manifest.links = links_supported(target)
        if previous is None:
            dropped = []
        else:
            old_base = target if previous.generation is None else generation_path(target, previous.generation)
            dropped = _entries(old_base, list(TABLES))
        commit(target, staging, manifest.generation, (MANIFEST, (manifest.to_json() + "\n").encode()),
               _entries(staging, list(manifest.counts)), dropped, links=manifest.links)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _nothing_new(report: WriteReport, previous: Manifest, manifest: Manifest) -> bool:
    """Whether a merge would write exactly what the dataset holds (a re-import of the same data)."""
    same = (previous.sources, previous.counts, previous.seed, previous.extra) == (
        manifest.sources, manifest.counts, manifest.seed, manifest.extra)
    return same and previous.generation is not None and not any(
        t.added or t.updated for t in report.tables.values())


def write_dataset(
    path: str | os.PathLike[str],
    tables: Mapping[str, pa.Table],
    *,
    source: str,
    seed: int | None = None,
    merge: bool = True,
    extra: dict[str, Any] | None = None,
    update: bool = False,
    lock_timeout: float | None = 0.0,
) -> Manifest:
    """Validate ``tables`` (merged into any dataset already at ``path``) and commit them atomically.

    Rows whose key the dataset holds with other values, and facts contradicting it, raise
    :class:`ConflictError` listing them (nothing written), unless ``update`` lets the new values
    win. The returned manifest's ``report`` (:class:`~carenet.schema.conflicts.WriteReport`) says
    what was added, updated and unchanged per table and lists the changes. ``merge=False``
    replaces the dataset's tables instead. Another writer holding the folder makes this wait up to
    ``lock_timeout`` seconds (``None``: as long as it takes) before raising
    :class:`~carenet.schema.folders.lock.FolderBusyError`. Raises :class:`ValidationError` and
    writes nothing if the result breaks any rule.
    """
    target = Path(path)
    conformed = {n: conform(n, t) for n, t in tables.items()}
    with _writing(target, lock_timeout) as (_lock, previous):
        manifest = Manifest(seed=seed, extra=dict(extra or {}))
        if merge and previous is not None:
            old = Dataset(target)
            manifest.sources = list(old.manifest.sources)
            manifest.seed = old.manifest.seed if seed is None else seed
            manifest.extra = {**old.manifest.extra, **manifest.extra}
            merged = merge_tables(old.tables(), conformed)
            if merged.conflict_count and not update:
                raise ConflictError(target, merged.conflicts, merged.conflict_count)
            combined, report = merged.tables, merged.report
        else:
            merged = merge_tables({}, conformed)
            combined, report = merged.tables, merged.report
        ordered = {n: combined[n] for n in TABLES if n in combined}
        problems = validate_dataset(ordered)
        if problems:
            raise ValidationError(problems)
        if source not in manifest.sources:
            manifest.sources.append(source)
        manifest.counts = {n: t.num_rows for n, t in ordered.items()}
        if previous is not None and merge and _nothing_new(report, previous, manifest):
            manifest.generation = previous.generation
            manifest.report = report
            return manifest

        def write(staging: Path) -> None:
            for name, table in ordered.items():
                pq.write_table(table, staging / f"{name}.parquet", compression="zstd")

        _stage_and_commit(target, previous, manifest, write)
    manifest.report = report
    return manifest


def write_staged(path: str | os.PathLike[str], manifest: Manifest, write: Callable[[Path], None], *,
                 lock_timeout: float | None = 0.0) -> Manifest:
    """Replace the dataset at ``path`` by what ``write(staging)`` puts in a staging folder (tables only).

    For writers that produce tables in parts (a national population, batch by batch): ``write``
    runs holding the folder's lock, its staging folder lies inside ``.carenet`` (removed if
    anything fails, or by the next write if the process is killed), and ``manifest`` (its
    ``counts`` naming the tables written) is committed with the tables.
    """
    target = Path(path)
    with _writing(target, lock_timeout) as (_lock, previous):
        _stage_and_commit(target, previous, manifest, write)
    return manifest


def swap_in(staging: Path, target: Path) -> None:
    """Commit a folder of tables plus ``manifest.json`` built at ``staging`` as the dataset at ``target``.

    Kept for writers that build a whole dataset folder themselves; the folder is moved into the
    target's ``.carenet`` and committed as its next generation (files carenet did not write stay).
    """
    staging, target = Path(staging), Path(target)
    manifest = Manifest.read(staging)

    def write(inside: Path) -> None:
        for entry in staging.iterdir():
            if entry.name != MANIFEST:
                os.rename(entry, inside / entry.name)

    write_staged(target, manifest, write)
    shutil.rmtree(staging, ignore_errors=True)


__all__ = ["MANIFEST", "ConflictError", "CorruptManifestError", "Dataset", "DatasetError", "ForeignFolderError",
           "Manifest", "MissingManifestError", "ValidationError", "WriteReport", "existing_manifest", "merge_by_key",
           "open_dataset", "swap_in", "write_dataset", "write_staged"]
