"""Every failure as a clear message: what went wrong, on which path, and what to do, printed literally.

User text (a CSV cell, a FHIR code, a folder name) is printed as it is, never read as Rich markup: a
value such as ``[/]`` or ``[bold]`` in an input must not break, or restyle, the message that names it.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from carenet.schema.errors import CarenetError

if TYPE_CHECKING:
    from rich.console import Console


class FileSystemError(CarenetError):
    """Reading or writing a file failed for a reason the user can fix (permissions, space, a wrong path)."""


_ADVICE: dict[int, str] = {
    errno.EACCES: "permission denied: check the permissions of the file or folder, or choose another one",
    errno.EPERM: "operation not permitted: check the permissions of the file or folder, or choose another one",
    errno.EROFS: "the file system is read-only: choose a folder on a writable disk",
    errno.ENOSPC: "no space left on the device: free some space or choose a folder on another disk",
    errno.EDQUOT: "disk quota exceeded: free some space or choose a folder on another disk",
    errno.EISDIR: "is a folder, but a file is needed here: give the path of a file",
    errno.ENOTDIR: "part of the path is a file, but a folder is needed there",
    errno.ENOENT: "not found: check the path",
    errno.EEXIST: "already exists: choose another path, or remove it first",
    errno.ENOTEMPTY: "the folder is not empty: choose an empty or new folder",
    errno.ENAMETOOLONG: "the path is too long for the file system: choose a shorter one",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and try again",
    errno.EIO: "input/output error from the disk: check the device and try again",
    errno.ELOOP: "too many symbolic links in the path",
    errno.EXDEV: "the folder spans two file systems: choose a folder on one disk",
}
_NO_SPACE = ("no space left on device", "disk quota exceeded")


def os_error_message(exc: OSError, path: str | os.PathLike[str] | None = None) -> str:
    """``exc`` as one sentence naming the path (its own, else ``path``) and what to do."""
    code = exc.errno
    text = str(exc).lower()
    if code is None and any(words in text for words in _NO_SPACE):
        code = errno.ENOSPC
    where = exc.filename if exc.filename is not None else path
    advice = _ADVICE.get(code) if code is not None else None
    if advice is None:
        advice = exc.strerror or str(exc) or type(exc).__name__
    if where is None:
        return advice
    second = f" (and {exc.filename2})" if getattr(exc, "filename2", None) else ""
    return f"{os.fsdecode(where)}{second}: {advice}"


@contextmanager
def file_errors(path: str | os.PathLike[str] | None) -> Iterator[None]:
    """Turn an :class:`OSError` inside the block into a :class:`FileSystemError` naming ``path``.

    ``path`` is what the command reads or writes (its ``--out``, its dataset); the error's own file
    name is used when it has one.
    """
    try:
        yield
    except CarenetError:
        raise
    except OSError as exc:
        if damaged(exc):
            raise FileSystemError(damaged_message(exc, path)) from exc
        raise FileSystemError(os_error_message(exc, path)) from exc
    except Exception as exc:
        if not damaged(exc):
            raise
        raise FileSystemError(damaged_message(exc, path)) from exc


_DAMAGE = ("parquet", "magic bytes", "footer", "thrift", "corrupt", "truncated", "unexpected end of stream",
           "invalid page", "couldn't deserialize")
"""Words in the errors of the Parquet readers (Arrow, DuckDB) that mean a file is damaged, not a bug."""


def damaged(exc: BaseException) -> bool:
    """Whether ``exc`` says that a data file is damaged (truncated, overwritten, not Parquet)."""
    return isinstance(exc, (OSError, *_reader_errors())) and any(word in str(exc).lower() for word in _DAMAGE)


def _reader_errors() -> tuple[type[BaseException], ...]:
    """The Parquet readers' error classes, from the readers already loaded (a command that read no table has
    none, and loading Arrow or DuckDB only to classify an error would slow every failing command)."""
    found: list[type[BaseException]] = []
    if "duckdb" in sys.modules:
        found.append(sys.modules["duckdb"].Error)
    if "pyarrow" in sys.modules:
        found.append(sys.modules["pyarrow"].ArrowException)
    return tuple(found)


def damaged_message(exc: BaseException, path: str | os.PathLike[str] | None) -> str:
    """``exc`` (a damaged data file) as a sentence naming ``path`` (the dataset, or the file) and what to do."""
    where = f"{os.fsdecode(path)}: " if path is not None else ""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return (f"{where}a table file is damaged or unreadable ({detail}); restore the dataset from a copy, or "
            "import or generate it again")


def literal(value: object) -> str:
    """``value`` as text safe to put inside Rich markup (shown exactly as it is)."""
    from rich.markup import escape

    return escape(os.fsdecode(value) if isinstance(value, Path) else str(value))


def print_error(console: Console, message: str, label: str = "error") -> None:
    """``label:`` in bold red, then ``message`` exactly as it is."""
    from rich.text import Text

    console.print(Text.assemble((f"{label}:", "bold red"), " ", message), highlight=False, soft_wrap=True)


def internal_error(exc: BaseException) -> str:
    """The short message for an exception carenet did not expect: a bug to report, not a fault of the input."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else ""
    return (f"internal error ({type(exc).__name__}{': ' + detail if detail else ''}); this is a bug in carenet, "
            "not a problem with your data: please report it to the carenet maintainers with the command you ran "
            "(run it again with CARENET_DEBUG=1 to see the traceback)")


__all__ = ["FileSystemError", "damaged", "damaged_message", "file_errors", "internal_error", "literal",
           "os_error_message", "print_error"]
