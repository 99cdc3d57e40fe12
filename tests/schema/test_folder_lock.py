"""The folder lock: one writer at a time, the holder named, a dead holder's lock gone; the kill hook."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from carenet.schema.errors import CarenetError
from carenet.schema.faults import checkpoint
from carenet.schema.folders import FolderBusyError, FolderLock, holder_of, lock_path, locked

_HOLD = textwrap.dedent("""
    import sys, time
    from carenet.schema.folders import locked
    with locked(sys.argv[1], command="carenet import csv"):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
""")


def _holder(folder: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-c", _HOLD, str(folder), str(seconds)], stdout=subprocess.PIPE,
                               text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_second_writer_fails_at_once_naming_the_holder(tmp_path):
    folder = tmp_path / "ds"
    process = _holder(folder, 30)
    try:
        with pytest.raises(FolderBusyError) as err:
            with locked(folder, what="dataset"):
                pass
        message = str(err.value)
        assert f"dataset {folder} is being written by pid {process.pid}" in message
        assert "carenet import csv" in message and "started" in message
        assert isinstance(err.value, CarenetError) and err.value.holder.pid == process.pid
        assert holder_of(folder).pid == process.pid
    finally:
        process.kill()
        process.wait()


def test_a_waiting_writer_gets_the_lock_when_the_holder_finishes(tmp_path):
    folder = tmp_path / "ds"
    process = _holder(folder, 0.5)
    clock = time.monotonic()
    with locked(folder, timeout=30):
        assert 0.2 < time.monotonic() - clock < 20
    process.wait()


def test_a_lock_held_by_a_killed_process_is_no_lock(tmp_path):
    folder = tmp_path / "ds"
    process = _holder(folder, 60)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert holder_of(folder) is None
    with locked(folder) as lock:
        assert lock.path == lock_path(folder)


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(tmp_path):
    folder = tmp_path / "ds"
    seen: list[BaseException] = []

    def other() -> None:
        try:
            with locked(folder):
                pass
        except FolderBusyError as exc:
            seen.append(exc)

    with locked(folder), locked(folder):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert len(seen) == 1
    with locked(folder):
        pass


def test_releasing_removes_what_acquiring_created_and_keeps_the_rest(tmp_path):
    folder = tmp_path / "new" / "ds"
    with FolderLock(folder):
        assert lock_path(folder).is_file()
    assert not folder.exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    with FolderLock(kept):
        pass
    assert sorted(p.name for p in kept.iterdir()) == ["notes.txt"]


def test_a_file_where_the_folder_should_be_is_a_clear_error(tmp_path):
    (tmp_path / "ds").write_text("not a folder")
    with pytest.raises(CarenetError, match="a file stands where"):
        with locked(tmp_path / "ds" / "sub"):
            pass


def test_checkpoint_kills_only_at_its_name(tmp_path):
    checkpoint("staged")  # not set here: nothing happens
    code = "from carenet.schema.faults import checkpoint; checkpoint('other'); checkpoint('staged'); print('alive')"
    env = {**os.environ, "CARENET_KILL_AT": "staged"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL and "alive" not in done.stdout
    env["CARENET_KILL_AT"] = "fsynced"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "alive" in done.stdout


def test_a_folder_another_writer_makes_at_the_same_moment_is_taken_not_refused(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "ds"
    real_mkdir = Path.mkdir

    def made_by_another_writer_first(self: Path, *args, **kwargs) -> None:
        if self == folder and not folder.exists():
            real_mkdir(self, *args, **kwargs)  # the other writer wins the race ...
        real_mkdir(self, *args, **kwargs)      # ... so ours finds it there

    monkeypatch.setattr(Path, "mkdir", made_by_another_writer_first)
    with FolderLock(folder, command="carenet import (the second writer)", what="dataset"):
        assert holder_of(folder) is not None
    assert folder.is_dir(), "a folder another writer made is not ours to remove"
