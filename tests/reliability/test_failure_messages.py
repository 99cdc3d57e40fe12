"""The sentences carenet.cli.failures makes of OS errors and damaged files (no process needed)."""

from __future__ import annotations

import errno
from pathlib import Path

import pyarrow as pa
import pytest
from rich.console import Console

from carenet.cli.failures import FileSystemError, file_errors, literal, os_error_message, print_error


@pytest.mark.parametrize(("code", "words"), [
    (errno.EACCES, "permission denied"), (errno.EROFS, "read-only"), (errno.ENOSPC, "no space left"),
    (errno.EISDIR, "is a folder"), (errno.ENOTDIR, "part of the path is a file"), (errno.ENOENT, "not found"),
])
def test_each_os_error_names_the_path_and_what_to_do(code: int, words: str) -> None:
    message = os_error_message(OSError(code, "x", "/data/ds"))
    assert message.startswith("/data/ds: ") and words in message


def test_an_error_without_a_file_name_is_given_the_command_path() -> None:
    with pytest.raises(FileSystemError, match=r"^/out/ds: no space left on the device"):
        with file_errors(Path("/out/ds")):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert "no space left" in os_error_message(OSError("IOError: No space left on device"))


def test_a_damaged_parquet_file_is_a_message_not_a_bug() -> None:
    with pytest.raises(FileSystemError, match="damaged or unreadable"):
        with file_errors("/data/ds"):
            raise pa.ArrowInvalid("Parquet magic bytes not found in footer")
    with pytest.raises(pa.ArrowInvalid):
        with file_errors("/data/ds"):
            raise pa.ArrowInvalid("cannot cast int64 to bool")


def test_user_text_is_printed_exactly() -> None:
    console = Console(record=True, width=200)
    print_error(console, "bad value '[/]' and '[bold]x'")
    console.print(f"in [bold]{literal(Path('ds[red]'))}[/]")
    text = console.export_text()
    assert "error: bad value '[/]' and '[bold]x'" in text and "in ds[red]" in text
