"""Dataset generations: tables written beside the current ones, committed by replacing one file.

A dataset folder is the user's folder. carenet's tables live in a generation folder,
``<folder>/.carenet/gen-000007/``, and ``<folder>/manifest.json`` names the current generation:
replacing the manifest (temporary file, fsync, rename, fsync of the folder) is the single
moment a write takes effect, so there is no moment without a complete dataset. For people and
tools that read the Parquet files directly, each table also appears in the folder itself as a
relative symbolic link (``patients.parquet -> .carenet/gen-000007/patients.parquet``): the
*view*. Deleting a table's link removes the table from the dataset.

A write, holding the folder's lock (:mod:`carenet.schema.folders.lock`):

1. removes what dead writers left in ``.carenet`` (staging folders named ``stage-<pid>-…``,
   superseded generations);
2. writes the tables into a staging folder, fsyncs them, renames it to the next generation;
3. links new table names into the view (readers of the current manifest do not see them);
4. replaces ``manifest.json`` (the commit);
5. points every link at the new generation, removes links of tables the write dropped, and
   removes the previous generation.

A crash before step 4 leaves the previous dataset as it was; after it, the new one. Either way
the next write tidies up. Files in the folder that are not tables, ``manifest.json`` or
``.carenet`` are never touched.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from carenet.schema.faults import checkpoint
from carenet.schema.folders.durable import fsync_path, fsync_tree, write_atomic
from carenet.schema.folders.layout import LOCK_FILE, STATE_DIR, state_dir

GENERATION = "gen-"
STAGING = "stage-"
TRASH = "trash-"
_LINK_SUFFIX = ".carenet-link"
_GENERATION_NUMBER = re.compile(r"^gen-(\d+)$")
_DIGITS = 6


def generation_path(folder: str | os.PathLike[str], generation: str) -> Path:
    """``<folder>/.carenet/<generation>``."""
    return state_dir(folder) / generation


def next_generation(current: str | None) -> str:
    """The generation after ``current`` (``gen-000001`` for a new or pre-generation dataset)."""
    found = _GENERATION_NUMBER.match(current or "")
    return f"{GENERATION}{(int(found.group(1)) if found else 0) + 1:0{_DIGITS}d}"


def new_staging(folder: str | os.PathLike[str]) -> Path:
    """A fresh staging folder ``.carenet/stage-<pid>-<token>`` (the pid says whose it is)."""
    path = state_dir(folder) / f"{STAGING}{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir(parents=True)
    return path


def clean_stale(folder: str | os.PathLike[str], current: str | None = None) -> list[str]:
    """Remove what earlier writers left and mend the view; return the names removed.

    Call it holding the folder's lock: every staging folder, generation other than ``current``
    and trash then belongs to a writer that is gone (killed, or interrupted before its cleanup).
    Links into ``.carenet`` are pointed at ``current`` where it has that table, removed otherwise.
    """
    folder = Path(folder)
    state = state_dir(folder)
    removed = []
    if state.is_dir():
        for entry in state.iterdir():
            if entry.name in (LOCK_FILE, current):
                continue
            _remove(entry)
            removed.append(entry.name)
    for entry in folder.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(_LINK_SUFFIX) and entry.is_symlink():
            entry.unlink()
            removed.append(entry.name)
        elif is_view_link(entry) and not entry.exists():
            if current is not None and os.path.lexists(generation_path(folder, current) / entry.name):
                link_view(folder, current, [entry.name])
            else:
                entry.unlink()
                removed.append(entry.name)
    if removed:
        fsync_path(state if state.is_dir() else folder)
    return removed


def is_view_link(entry: Path) -> bool:
    """Whether ``entry`` is a link carenet made into its own ``.carenet`` folder."""
    return entry.is_symlink() and os.readlink(entry).startswith(STATE_DIR + os.sep)


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry)
    else:
        entry.unlink(missing_ok=True)


def _trash(folder: Path) -> Path:
    path = state_dir(folder) / f"{TRASH}{os.getpid()}-{secrets.token_hex(4)}"
    path.mkdir(exist_ok=True)
    return path


def link_view(folder: str | os.PathLike[str], generation: str, entries: Iterable[str]) -> None:
    """Make each ``<folder>/<entry>`` a relative link to ``.carenet/<generation>/<entry>`` (atomically each)."""
    folder = Path(folder)
    for entry in entries:
        place = folder / entry
        target = os.path.join(STATE_DIR, generation, entry)
        if place.is_symlink() and os.readlink(place) == target:
            continue
        if place.is_dir() and not place.is_symlink():  # a table folder of a pre-generation dataset
            os.rename(place, _trash(folder) / entry)
        temporary = folder / f".{entry}{_LINK_SUFFIX}"
        temporary.unlink(missing_ok=True)
        os.symlink(target, temporary)
        os.replace(temporary, place)


def unlink_view(folder: str | os.PathLike[str], entries: Iterable[str]) -> None:
    """Remove the view entries of tables a write dropped (links, or a pre-generation dataset's own files)."""
    folder = Path(folder)
    for entry in entries:
        place = folder / entry
        if place.is_dir() and not place.is_symlink():
            os.rename(place, _trash(folder) / entry)
        elif os.path.lexists(place):
            place.unlink()


def links_supported(folder: str | os.PathLike[str]) -> bool:
    """Whether the file system of ``folder`` holds symbolic links (FAT and some network shares do not)."""
    probe = state_dir(folder) / f".probe-{os.getpid()}{_LINK_SUFFIX}"
    probe.unlink(missing_ok=True)
    try:
        os.symlink(LOCK_FILE, probe)
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
            return False
        raise
    probe.unlink()
    return True


def commit(folder: str | os.PathLike[str], staging: Path, generation: str, manifest: tuple[str, bytes],
           entries: Iterable[str], dropped: Iterable[str] = (), *, links: bool = True) -> Path:
    """Make the tables in ``staging`` the dataset's generation ``generation`` (steps 2-5 above).

    ``manifest`` is the manifest's file name and bytes (naming ``generation``); ``entries`` the
    table files and folders in ``staging``; ``dropped`` the view entries of the previous
    generation. Without ``links`` (see :func:`links_supported`) the folder shows no tables.
    """
    folder = Path(folder)
    entries = list(entries)
    checkpoint("staged")
    fsync_tree(staging)
    checkpoint("fsynced")
    final = generation_path(folder, generation)
    if os.path.lexists(final):
        _remove(final)
    os.rename(staging, final)
    fsync_path(state_dir(folder))
    if links:
        link_view(folder, generation, [e for e in entries if not os.path.lexists(folder / e)])
    checkpoint("before-pointer")
    name, data = manifest
    write_atomic(folder / name, data)
    checkpoint("after-pointer")
    if links:
        link_view(folder, generation, entries)
    unlink_view(folder, [e for e in dropped if e not in entries or not links])
    fsync_path(folder)
    checkpoint("cleanup")
    clean_stale(folder, generation)
    return final


def table_entry(base: Path, name: str) -> Path | None:
    """``base/<name>.parquet`` or the Parquet folder ``base/<name>``, whichever exists."""
    single = base / f"{name}.parquet"
    if single.is_file():
        return single
    part = base / name
    if part.is_dir():
        return part
    return None


def in_view(folder: Path, name: str) -> bool:
    """Whether the folder shows table ``name`` (its link or file has not been deleted)."""
    return os.path.lexists(folder / f"{name}.parquet") or os.path.lexists(folder / name)


__all__ = ["GENERATION", "STAGING", "TRASH", "clean_stale", "commit", "generation_path", "in_view", "is_view_link",
           "link_view", "links_supported", "new_staging", "next_generation", "table_entry", "unlink_view"]
