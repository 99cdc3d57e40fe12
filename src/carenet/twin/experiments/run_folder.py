"""A run folder (``--out`` of simulate, compare, sweep, demo): one writer, complete only when committed.

A run folder is carenet's when it is empty, holds ``experiment.json`` (a finished run) or an
incomplete-run marker (``.carenet/incomplete.json``, a run that was interrupted); any other
folder holding files is refused, and nothing in a run folder that carenet did not write is ever
removed. :func:`run_folder` holds the folder's lock for the whole run
(:class:`~carenet.schema.folders.FolderLock`), marks the run incomplete and sets the previous
``experiment.json`` aside, so replications half rewritten are never mistaken for a finished
experiment. :func:`commit_experiment` writes the new ``experiment.json`` durably and only then
removes the marker: a run killed at any point leaves a folder that says it is incomplete, and
the next run into it replaces it.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from carenet.schema.errors import CarenetError
from carenet.schema.faults import checkpoint
from carenet.schema.folders import (
    STATE_DIR,
    FolderLock,
    current_command,
    fsync_path,
    os_advice,
    state_dir,
    write_atomic,
)
from carenet.twin.experiments.population import POPULATION_FOLDER

EXPERIMENT_FILE = "experiment.json"
INCOMPLETE = "incomplete.json"
"""The marker (in ``.carenet``) of a run that started and has not committed its ``experiment.json``."""
PREVIOUS = "previous-experiment.json"
"""Where (in ``.carenet``) a run keeps the ``experiment.json`` it is replacing until it commits its own."""

F = TypeVar("F", bound=Callable[..., Any])


def is_incomplete(out: str | os.PathLike[str]) -> bool:
    """Whether ``out`` holds a run that started and never committed its ``experiment.json``."""
    return (state_dir(out) / INCOMPLETE).is_file()


def check_out_folder(out: str | os.PathLike[str]) -> None:
    """Refuse to write into a folder that holds anything but an earlier run or a built population."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CarenetError(f"--out {out} is a file; give a folder for the run")
    entries = {p.name for p in out.iterdir()} if out.is_dir() else set()
    if entries - {POPULATION_FOLDER, STATE_DIR} and EXPERIMENT_FILE not in entries and not is_incomplete(out):
        raise CarenetError(f"--out {out} exists and is not a carenet run folder (no {EXPERIMENT_FILE}); "
                           "choose an empty or new folder")


def _nothing_but_state(out: Path) -> bool:
    return all(p.name == STATE_DIR for p in out.iterdir())


def _begin(out: Path, command: str) -> None:
    state = state_dir(out)
    marker = {"pid": os.getpid(), "command": command, "started": dt.datetime.now().isoformat(timespec="seconds")}
    write_atomic(state / INCOMPLETE, (json.dumps(marker, indent=2) + "\n").encode())
    if (out / EXPERIMENT_FILE).is_file():
        os.replace(out / EXPERIMENT_FILE, state / PREVIOUS)
        fsync_path(out)
        fsync_path(state)


@contextmanager
def run_folder(out: str | os.PathLike[str], *, command: str | None = None,
               timeout: float | None = 0.0) -> Iterator[Path]:
    """Hold ``out`` for a run: checked, locked, marked incomplete until :func:`commit_experiment`."""
    out = Path(out)
    check_out_folder(out)
    try:
        with FolderLock(out, command=command or current_command(), timeout=timeout, what="run folder"):
            check_out_folder(out)
            fresh = _nothing_but_state(out)
            _begin(out, command or current_command())
            try:
                yield out
            except BaseException:
                if fresh and _nothing_but_state(out):  # failed before writing anything: leave no trace
                    (state_dir(out) / INCOMPLETE).unlink(missing_ok=True)
                raise
    except CarenetError:
        raise
    except OSError as exc:
        raise CarenetError(f"cannot write run folder {out}: {os_advice(exc)}; run again once this is fixed "
                           "(the folder is marked incomplete until a run finishes)") from None


def commit_experiment(out: str | os.PathLike[str], record: dict[str, Any]) -> Path:
    """Write ``experiment.json`` durably (the run's commit), then drop the incomplete marker."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint("run-staged")
    target = write_atomic(out / EXPERIMENT_FILE,
                          (json.dumps(record, indent=2, sort_keys=True, default=str) + "\n").encode())
    checkpoint("run-committed")
    for name in (INCOMPLETE, PREVIOUS):
        (state_dir(out) / name).unlink(missing_ok=True)
    return target


def writes_run_folder(function: F) -> F:
    """Run ``function`` inside :func:`run_folder` on its ``out`` argument (its ``command`` names the holder)."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        with run_folder(bound.arguments["out"], command=bound.arguments.get("command") or None):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


__all__ = ["EXPERIMENT_FILE", "INCOMPLETE", "PREVIOUS", "check_out_folder", "commit_experiment", "is_incomplete",
           "run_folder", "writes_run_folder"]
