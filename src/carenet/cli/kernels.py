"""The twin's compiled kernels, made ready before a simulating command needs them.

numba compiles a kernel the first time a process calls it and caches the machine code on disk
(``cache=True``: next to the module, or in the user's cache when the package folder is read-only).
A fresh install has an empty cache, so the first run would compile in every worker process. The
first simulating command therefore starts ``python -m carenet.twin.warm`` in the background, which
compiles every kernel once while the command builds its population, and leaves a marker named by a
hash of the kernels' sources, numba's version and Python's, so it runs once per installed version.
Nothing here imports numba or the twin: deciding costs one ``stat``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import carenet

KERNEL_SOURCES = ("twin/episodes.py", "twin/r1.py", "twin/usual_first.py", "network/compiled_booking.py")
"""The modules holding ``@njit(cache=True)`` kernels (their sources key the cache)."""
SWITCH = "CARENET_WARM_KERNELS"
"""Set to 0 to start no background compilation (the test suite does, to keep its processes its own)."""
WARMING_STALE_SECONDS = 900
"""A warm-up that started longer ago than this and left no marker is taken to have died, and is started again."""
_PACKAGE = Path(carenet.__file__).resolve().parent


def _stamp() -> str:
    digest = hashlib.sha256(f"{sys.version}|{_numba_version()}".encode())
    for name in KERNEL_SOURCES:
        digest.update((_PACKAGE / name).read_bytes())
    return digest.hexdigest()[:16]


def _numba_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("numba")
    except PackageNotFoundError:
        return "none"


def cache_folder() -> Path:
    """Where the marker lives: beside numba's own cache (the twin's ``__pycache__``) when that is writable, else
    ``$CARENET_CACHE_DIR`` or ``~/.cache/carenet``."""
    beside = _PACKAGE / "twin" / "__pycache__"
    if os.access(beside if beside.is_dir() else beside.parent, os.W_OK):
        return beside
    return Path(os.environ.get("CARENET_CACHE_DIR") or Path.home() / ".cache" / "carenet")


def marker() -> Path:
    return cache_folder() / f"carenet-kernels-{_stamp()}.ready"


def warm_in_background() -> subprocess.Popen | None:
    """Start compiling the kernels in a background process unless they are compiled (or being compiled); the
    process, or None. Never fails a command: a warm-up that cannot start only leaves the first run to compile."""
    if os.environ.get(SWITCH, "1") == "0":
        return None
    try:
        ready = marker()
        if ready.exists():
            return None
        lock = ready.with_suffix(".warming")
        ready.parent.mkdir(parents=True, exist_ok=True)
        try:
            if time.time() - lock.stat().st_mtime < WARMING_STALE_SECONDS:
                return None
        except FileNotFoundError:
            pass
        lock.write_text(f"{os.getpid()}\n")
        return subprocess.Popen([sys.executable, "-m", "carenet.twin.warm", str(ready)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return None


__all__ = ["KERNEL_SOURCES", "SWITCH", "cache_folder", "marker", "warm_in_background"]
