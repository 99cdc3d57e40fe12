"""A run folder (``--out`` of simulate, compare, sweep, demo): one writer; the last run whole until the next commits.

A run writes its replications and ``experiment.json`` into a run generation,
``<out>/.carenet/run-000002/``; ``<out>/.carenet/current`` is a link naming the committed
generation, and the folder shows its entries through links (``rep-000 -> .carenet/current/rep-000``,
``experiment.json -> .carenet/current/experiment.json``). Committing a run replaces the single
``current`` link (atomically), so readers see the previous run whole or the new one whole,
never a mix, and a run killed at any point leaves the previous results readable; the next run
removes what the killed one left.

:func:`run_folder` holds the folder's lock for the whole run
(:class:`~carenet.schema.folders.FolderLock`) and makes the generation; replications write into
it (:func:`staged_path`, applied by :func:`carenet.twin.experiments.replications.run_tasks`);
:func:`commit_experiment` writes ``experiment.json`` there, fsyncs, links and flips.

A run folder is carenet's when it is empty, or holds ``experiment.json`` or ``.carenet``; any
other folder holding files is refused. Nothing carenet did not write is removed: the demo
population (``population/``), reports and scorecards beside the run, and the user's own files
stay where they are. A run folder written before generations (real ``experiment.json`` and
replication folders) is moved into a first generation on the next run.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from carenet.schema.errors import CarenetError
from carenet.schema.faults import checkpoint
from carenet.schema.folders import (
    LOCK_FILE,
    STATE_DIR,
    FolderLock,
    current_command,
    fsync_path,
    fsync_tree,
    os_advice,
    state_dir,
    write_atomic,
)
from carenet.twin.experiments.population import POPULATION_FOLDER

EXPERIMENT_FILE = "experiment.json"
CURRENT = "current"
"""The link in ``.carenet`` naming the committed run generation."""
_RUN = re.compile(r"^run-(\d+)$")
_DIGITS = 6

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Run:
    out: Path
    generation: Path


_ACTIVE: contextvars.ContextVar[_Run | None] = contextvars.ContextVar("carenet_run_folder", default=None)


def _link_target(name: str) -> str:
    return os.path.join(STATE_DIR, CURRENT, name)


def _is_run_link(entry: Path) -> bool:
    return entry.is_symlink() and os.readlink(entry).startswith(STATE_DIR + os.sep)


def current_generation(out: str | os.PathLike[str]) -> str | None:
    """The committed run generation of ``out`` (``run-000002``), or ``None``."""
    link = state_dir(out) / CURRENT
    return os.readlink(link) if link.is_symlink() else None


def check_out_folder(out: str | os.PathLike[str]) -> None:
    """Refuse to write into a folder that holds anything but an earlier run or a built population."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CarenetError(f"--out {out} is a file; give a folder for the run")
    if not out.is_dir():
        return
    others = {p.name for p in out.iterdir() if not _is_run_link(p)} - {POPULATION_FOLDER, STATE_DIR}
    if others and not os.path.lexists(out / EXPERIMENT_FILE) and current_generation(out) is None:
        raise CarenetError(f"--out {out} exists and is not a carenet run folder (no {EXPERIMENT_FILE}); "
                           "choose an empty or new folder")


def _flip(out: Path, generation: str) -> None:
    state = state_dir(out)
    temporary = state / f".{CURRENT}.{os.getpid()}"
    temporary.unlink(missing_ok=True)
    os.symlink(generation, temporary)
    os.replace(temporary, state / CURRENT)
    fsync_path(state)


def _link(out: Path, names: list[str]) -> None:
    """Show each entry of the current generation in the folder (refusing to cover a file carenet did not write)."""
    for name in names:
        place = out / name
        if _is_run_link(place):
            continue
        if os.path.lexists(place):
            raise CarenetError(f"{place} is in the way of the run's {name}; carenet did not write it — move it "
                               "away or choose another --out folder")
        os.symlink(_link_target(name), place)


def _adopt_old_layout(out: Path) -> None:
    """Move a pre-generation run (real ``experiment.json`` and replication folders) into a first generation."""
    record = out / EXPERIMENT_FILE
    if not record.is_file() or record.is_symlink():
        return
    try:
        runs = json.loads(record.read_text()).get("runs", [])
        names = {Path(str(run["folder"])).parts[0] for run in runs if run.get("folder")}
    except (ValueError, AttributeError, KeyError, TypeError, IndexError):
        names = set()
    if current_generation(out) is None:
        (state_dir(out) / f"run-{0:0{_DIGITS}d}").mkdir(parents=True, exist_ok=True)
        _flip(out, f"run-{0:0{_DIGITS}d}")
    home = state_dir(out) / str(current_generation(out))
    for name in [*sorted(n for n in names if n not in (EXPERIMENT_FILE, POPULATION_FOLDER, STATE_DIR)),
                 EXPERIMENT_FILE]:
        place = out / name
        if place.is_symlink() or not place.exists() or (home / name).exists():
            continue
        os.rename(place, home / name)
        _link(out, [name])
    fsync_path(home)
    fsync_path(out)


def _tidy(out: Path, keep: str | None) -> None:
    """Remove generations other than ``keep`` and links that show nothing; mend links ``keep`` lacks."""
    state = state_dir(out)
    for entry in state.iterdir():
        if entry.name in (LOCK_FILE, CURRENT, keep) or not (_RUN.match(entry.name) or entry.name.startswith(".")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink(missing_ok=True)
    shown = sorted(p.name for p in (state / keep).iterdir()) if keep else []
    for entry in out.iterdir():
        if _is_run_link(entry) and entry.name not in shown:
            entry.unlink()
    _link(out, shown)
    fsync_path(state)
    fsync_path(out)


def _next(current: str | None) -> str:
    found = _RUN.match(current or "")
    return f"run-{(int(found.group(1)) if found else 0) + 1:0{_DIGITS}d}"


@contextmanager
def run_folder(out: str | os.PathLike[str], *, command: str | None = None,
               timeout: float | None = 0.0) -> Iterator[Path]:
    """Hold ``out`` for a run: checked, locked, with a fresh generation the run's writes go to."""
    out = Path(out)
    check_out_folder(out)
    try:
        with FolderLock(out, command=command or current_command(), timeout=timeout, what="run folder"):
            check_out_folder(out)
            _adopt_old_layout(out)
            current = current_generation(out)
            _tidy(out, current)
            generation = state_dir(out) / _next(current)
            generation.mkdir()
            token = _ACTIVE.set(_Run(out, generation))
            try:
                yield out
            finally:
                _ACTIVE.reset(token)
                if generation.exists() and current_generation(out) != generation.name:
                    shutil.rmtree(generation, ignore_errors=True)  # not committed: the previous run stands
    except CarenetError:
        raise
    except OSError as exc:
        raise CarenetError(f"cannot write run folder {out}: {os_advice(exc)}; the previous results are unchanged — "
                           "run again once this is fixed") from None


def staged_path(path: str | os.PathLike[str]) -> Path:
    """Where a run writes ``path``: inside the run's generation when ``path`` lies in the folder being run."""
    run = _ACTIVE.get()
    path = Path(path)
    if run is None:
        return path
    try:
        inside = path.relative_to(run.out)
    except ValueError:
        return path
    if not inside.parts or inside.parts[0] in (STATE_DIR, POPULATION_FOLDER):
        return path
    return run.generation / inside


def commit_experiment(out: str | os.PathLike[str], record: dict[str, Any]) -> Path:
    """Commit the run: ``experiment.json`` into its generation, fsync, link, flip ``current``, tidy.

    Outside :func:`run_folder` (a tool writing a record by hand) the file is simply written durably.
    """
    out = Path(out)
    data = (json.dumps(record, indent=2, sort_keys=True, default=str) + "\n").encode()
    run = _ACTIVE.get()
    if run is None or run.out != out:
        out.mkdir(parents=True, exist_ok=True)
        checkpoint("run-staged")
        target = write_atomic(out / EXPERIMENT_FILE, data)
        checkpoint("run-committed")
        return target
    write_atomic(run.generation / EXPERIMENT_FILE, data)
    fsync_tree(run.generation)
    _link(out, sorted(p.name for p in run.generation.iterdir()))
    checkpoint("run-staged")
    _flip(out, run.generation.name)
    checkpoint("run-committed")
    _tidy(out, run.generation.name)
    return out / EXPERIMENT_FILE


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


__all__ = ["CURRENT", "EXPERIMENT_FILE", "check_out_folder", "commit_experiment", "current_generation", "run_folder",
           "staged_path", "writes_run_folder"]
