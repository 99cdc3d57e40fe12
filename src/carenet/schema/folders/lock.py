"""One writer at a time per dataset or run folder: an OS advisory lock that dies with its process.

:class:`FolderLock` takes ``fcntl.flock`` on ``<folder>/.carenet/lock`` and writes into that
file who holds it (pid, host, command, start time). A second writer waits up to ``timeout``
seconds (``0``: not at all, ``None``: as long as it takes) and then raises
:class:`FolderBusyError` naming the holder. The kernel drops the lock when its holder exits,
however it exits (``kill -9`` included), so a lock left by a dead process is no lock at all.

The lock is re-entrant within one thread (a command that locks a run folder may call a function
that locks it again); another thread or process waits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from carenet.schema.errors import CarenetError
from carenet.schema.folders.layout import lock_path, state_dir

POLL_SECONDS = 0.05
"""How often a waiting writer retries the lock."""
_COMMAND_CHARS = 200
"""The holder's command line is recorded up to this length."""

_held: dict[tuple[int, int, int], list[int]] = {}
"""Locks this process holds: (device, inode, thread) of the lock file -> [descriptor, depth]."""
_held_guard = threading.Lock()


class FolderBusyError(CarenetError):
    """Another process (or thread) is writing the folder."""

    def __init__(self, message: str, folder: Path, holder: Holder | None):
        super().__init__(message)
        self.folder = folder
        self.holder = holder


@dataclass(frozen=True)
class Holder:
    """Who holds a folder's lock."""

    pid: int
    host: str
    command: str
    started: str

    def to_json(self) -> bytes:
        return json.dumps({"pid": self.pid, "host": self.host, "command": self.command,
                           "started": self.started}).encode()

    @classmethod
    def parse(cls, data: bytes) -> Holder | None:
        try:
            raw = json.loads(data.decode())
            return cls(int(raw["pid"]), str(raw["host"]), str(raw["command"]), str(raw["started"]))
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            return None

    def describe(self) -> str:
        where = "" if self.host == socket.gethostname() else f" on {self.host}"
        return f"pid {self.pid}{where} ({self.command}, started {self.started})"


def current_command() -> str:
    """This process's command line, as a lock records it."""
    words = [Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python", *sys.argv[1:]]
    return " ".join(words)[:_COMMAND_CHARS]


def _read_holder(fd: int) -> Holder | None:
    try:
        return Holder.parse(os.pread(fd, 4096, 0))
    except OSError:
        return None


class FolderLock:
    """The exclusive lock of one dataset or run folder (a context manager; re-entrant per thread).

    ``what`` names the folder in messages (``"dataset"``, ``"run folder"``). The folder is created
    if missing; :meth:`release` removes what acquiring created when nothing else was put there.
    """

    def __init__(self, folder: str | os.PathLike[str], *, command: str | None = None, timeout: float | None = 0.0,
                 what: str = "folder"):
        self.folder = Path(folder)
        self.command = (command or current_command())[:_COMMAND_CHARS]
        self.timeout = timeout
        self.what = what
        self._key: tuple[int, int, int] | None = None
        self._created: list[Path] = []

    @property
    def path(self) -> Path:
        return lock_path(self.folder)

    def _make_folders(self) -> None:
        for folder in (self.folder, state_dir(self.folder)):
            if folder.is_dir():
                continue
            try:
                folder.mkdir(parents=True)
                self._created.append(folder)
            except FileExistsError:
                if folder.is_dir():  # another writer made it a moment ago: it is not ours to remove
                    continue
                raise self._file_in_the_way(folder) from None
            except NotADirectoryError:
                raise self._file_in_the_way(folder) from None
            except OSError as exc:
                raise CarenetError(f"{self.what} {self.folder}: cannot create {folder} ({exc.strerror}); check the "
                                   "permissions and free space, or choose another folder") from None

    def _file_in_the_way(self, folder: Path) -> CarenetError:
        return CarenetError(f"{self.what} {self.folder}: a file stands where carenet needs a folder "
                            f"({folder} or one above it is a file); move it away or choose another folder")

    def acquire(self) -> FolderLock:
        """Take the lock, waiting up to ``timeout`` seconds; raise :class:`FolderBusyError` if it stays taken."""
        if self._key is not None:
            raise RuntimeError("this FolderLock is already held; use another FolderLock to nest")
        self._make_folders()
        deadline = None if self.timeout is None else time.monotonic() + max(0.0, float(self.timeout))
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:  # the holder removed the folder it had created: make it again
                self._make_folders()
                continue
            except OSError as exc:
                raise CarenetError(f"{self.what} {self.folder}: cannot open its lock file {self.path} "
                                   f"({exc.strerror}); check that the folder is writable, or choose another "
                                   "folder") from None
            info = os.fstat(fd)
            key = (info.st_dev, info.st_ino, threading.get_ident())
            with _held_guard:
                if key in _held:
                    os.close(fd)
                    _held[key][1] += 1
                    self._key = key
                    return self
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._busy(holder) from None
                time.sleep(POLL_SECONDS if deadline is None else max(0.0, min(POLL_SECONDS,
                                                                                deadline - time.monotonic())))
                continue
            if not self._still_there(info):
                os.close(fd)  # the file was removed while we waited: lock the one now there
                continue
            holder = Holder(os.getpid(), socket.gethostname(), self.command, dt.datetime.now().strftime("%H:%M:%S"))
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.to_json(), 0)
            with _held_guard:
                _held[key] = [fd, 1]
            self._key = key
            return self

    def _still_there(self, info: os.stat_result) -> bool:
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return False
        return (now.st_dev, now.st_ino) == (info.st_dev, info.st_ino)

    def _busy(self, holder: Holder | None) -> FolderBusyError:
        who = holder.describe() if holder is not None else "another process"
        waited = "" if not self.timeout else f" (waited {self.timeout:g} s)"
        return FolderBusyError(
            f"{self.what} {self.folder} is being written by {who}{waited}; wait for it to finish or stop it, "
            "then run again (or choose another folder)", self.folder, holder)

    def release(self) -> None:
        """Release the lock (the outermost release of a thread drops it)."""
        key, self._key = self._key, None
        if key is None:
            return
        with _held_guard:
            entry = _held[key]
            entry[1] -= 1
            if entry[1] > 0:
                return
            del _held[key]
        fd = entry[0]
        try:
            os.ftruncate(fd, 0)
            self._tidy()
        finally:
            os.close(fd)

    def _tidy(self) -> None:
        """Remove the folders acquiring created, if they hold nothing but the lock."""
        state = state_dir(self.folder)
        if state in self._created and [p.name for p in state.iterdir()] == [self.path.name]:
            self.path.unlink()
            state.rmdir()
            if self.folder in self._created and not any(self.folder.iterdir()):
                self.folder.rmdir()
        self._created = []

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def locked(folder: str | os.PathLike[str], *, command: str | None = None, timeout: float | None = 0.0,
           what: str = "folder") -> Iterator[FolderLock]:
    """Hold ``folder``'s lock for the ``with`` block (see :class:`FolderLock`)."""
    lock = FolderLock(folder, command=command, timeout=timeout, what=what)
    with lock:
        yield lock


def holder_of(folder: str | os.PathLike[str]) -> Holder | None:
    """Who holds ``folder``'s lock now, or ``None`` if nobody does.

    It takes a shared lock for an instant to find out, so a writer asking for the lock at that
    very instant with no timeout is refused: use it for messages and tests, not before writing.
    """
    path = lock_path(folder)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or Holder(0, "?", "unknown", "?")
        return None
    finally:
        os.close(fd)


__all__ = ["FolderBusyError", "FolderLock", "Holder", "current_command", "holder_of", "locked"]
