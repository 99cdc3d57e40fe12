"""Folders carenet writes without ever losing what is in them: locks, durable writes, ownership.

- :mod:`~carenet.schema.folders.layout`: carenet's own state inside a folder (``.carenet/``).
- :mod:`~carenet.schema.folders.lock`: one writer at a time (:class:`FolderLock`, :func:`locked`).
- :mod:`~carenet.schema.folders.durable`: fsync of files and folders, atomic replacement of a file.
"""

from carenet.schema.folders.durable import READABLE, fsync_path, fsync_tree, os_advice, write_atomic
from carenet.schema.folders.layout import LOCK_FILE, STATE_DIR, lock_path, state_dir
from carenet.schema.folders.lock import FolderBusyError, FolderLock, Holder, current_command, holder_of, locked

__all__ = ["LOCK_FILE", "READABLE", "STATE_DIR", "FolderBusyError", "FolderLock", "Holder", "current_command",
           "fsync_path", "fsync_tree", "holder_of", "lock_path", "locked", "os_advice", "state_dir", "write_atomic"]
