"""Durable file operations: fsync of files and folders, and replace-by-rename of one file.

A rename is only durable once the folder holding it is fsynced, and a file's bytes only once the
file is; these helpers do both, so a power cut after they return cannot undo them.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

READABLE = 0o644
"""Files carenet writes are for sharing: owner writes, everyone reads (``mkstemp`` makes them private)."""


_ADVICE = {errno.ENOSPC: "the disk is full; free some space", errno.EDQUOT: "the disk quota is used up",
           errno.EROFS: "the file system is read-only; choose a writable folder",
           errno.EACCES: "permission denied; check the folder's permissions",
           errno.EPERM: "permission denied; check the folder's permissions"}


def os_advice(exc: OSError) -> str:
    """What an OS error on write means for the user, and the file it names: ``"the disk is full; … (path)"``."""
    what = _ADVICE.get(exc.errno or 0, exc.strerror or str(exc))
    return f"{what} ({exc.filename})" if exc.filename else what


def fsync_path(path: str | os.PathLike[str]) -> None:
    """fsync one file or folder (opened read-only; folders where the OS allows)."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if Path(path).is_dir() and hasattr(os, "O_DIRECTORY") else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: str | os.PathLike[str]) -> None:
    """fsync every file and folder under ``root`` (deepest first), then ``root`` itself."""
    for here, _folders, files in os.walk(root, topdown=False):
        for name in files:
            fsync_path(Path(here) / name)
        fsync_path(here)


def write_atomic(path: str | os.PathLike[str], data: bytes, *, mode: int = READABLE) -> Path:
    """Replace ``path`` by ``data``: temporary file beside it, fsync, rename, fsync of the folder.

    Readers see the old bytes or the new ones, never a mix; the temporary file is removed if
    anything fails.
    """
    target = Path(path)
    handle, staging = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(staging, mode)
        os.replace(staging, target)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    fsync_path(target.parent)
    return target


__all__ = ["READABLE", "fsync_path", "fsync_tree", "os_advice", "write_atomic"]
