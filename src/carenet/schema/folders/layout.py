"""Where carenet keeps its own state inside a folder it writes: one hidden ``.carenet`` folder.

Everything carenet needs beside what a user reads (the lock, dataset generations, staging
folders) lives in ``<folder>/.carenet/``, so a dataset or run folder shows the user only its
tables, ``manifest.json`` and their own files.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR = ".carenet"
"""The hidden folder of carenet's own state inside a dataset or run folder."""
LOCK_FILE = "lock"
"""The lock file inside :data:`STATE_DIR`; while a writer holds it, it records who that is."""


def state_dir(folder: str | os.PathLike[str]) -> Path:
    """``<folder>/.carenet``."""
    return Path(folder) / STATE_DIR


def lock_path(folder: str | os.PathLike[str]) -> Path:
    """``<folder>/.carenet/lock``."""
    return state_dir(folder) / LOCK_FILE


__all__ = ["LOCK_FILE", "STATE_DIR", "lock_path", "state_dir"]
