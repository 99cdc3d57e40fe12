"""Replications in parallel processes: each runs one model on the population, writes its dataset and scores it.

A :class:`Task` is everything one replication needs, as plain values (a model name or file, the
population folder, days, seed, settings), so it pickles cheaply to a worker. Workers are separate
processes (``concurrent.futures.ProcessPoolExecutor``, spawned, ``min(tasks, cores)`` of them);
each reports its simulated days through a queue so the caller can draw one progress bar with an
ETA over all replications. Workers die with the process that started them, so a killed run
leaves no worker writing into its folder. A task that changes ``parameters.yaml`` entries runs in a process of
its own, so the change cannot leak into another task.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from carenet.schema.errors import CarenetError
from carenet.schema.processes import die_with_parent, main_hidden
from carenet.twin.experiments.run_folder import staged_path
from carenet.twin.experiments.scoring import RepScore

TICK_EVERY_DAYS = 5
"""Workers report progress every this many simulated days (fewer messages, still a smooth bar)."""

_POLL_SECONDS = 0.2
_progress_queue: Any = None


_ENGINE = {"greedy": "compiled", "exact": "exact", "compiled": "compiled"}
"""The twin's engine for an experiment's booking mode: greedy bookings come from the compiled kernel, which gives
the care engine's greedy allocation request for request (tests/twin/test_compiled_booking.py), many times faster."""


@dataclass(frozen=True)
class Task:
    """One replication: run ``model`` on ``population`` for ``days`` working days from ``start`` with ``seed``."""

    key: str
    model: str
    population: str
    start: dt.date
    days: int
    warm_up_days: int
    seed: int
    replication: int
    out: str
    booking_mode: str
    settings: tuple[tuple[str, float], ...] = ()
    score: bool = True
    scope: str = "scorecard"
    """What to score: a name in :data:`carenet.twin.experiments.scoring.SCOPES`."""
    spc: bool = True
    sites: bool = False
    """Also score the headline measures by practice on funnel plots (the report's "how the sites compare")."""
    keep: bool = True
    """Write the replication's dataset to ``out``; when False it is scored from memory and never written."""
    threads: int = 0

    @property
    def changes_parameters(self) -> bool:
        from carenet.twin.experiments.overrides import is_model_path

        return any(not is_model_path(path) for path, _ in self.settings)


@dataclass
class Outcome:
    """A finished replication: where it was written, how long it took, what it counted and how it scored."""

    task: Task
    seconds: float
    summary: dict[str, Any]
    first_day: dt.date
    last_day: dt.date
    score: RepScore | None = None
    timings: dict[str, float] = field(default_factory=dict)


def available_cores() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _init_worker(progress_queue: Any, parent: int | None = None) -> None:
    global _progress_queue
    die_with_parent(parent)  # a worker of a killed run must not go on writing into its folder
    _progress_queue = progress_queue


def _tick(key: str) -> Callable[[int], None]:
    def report(day: int) -> None:
        done = day + 1
        if _progress_queue is not None and done % TICK_EVERY_DAYS == 0:
            _progress_queue.put((key, done))

    return report


def execute_batch(tasks: Sequence[Task]) -> list[Outcome]:
    """Run tasks that share one set of ``parameters.yaml`` changes, in a process of their own."""
    from carenet.twin.experiments.overrides import apply_to_parameters

    if len({t.settings for t in tasks}) != 1:
        raise CarenetError("a batch of replications must share its settings")
    apply_to_parameters(dict(tasks[0].settings))
    return [execute(task) for task in tasks]


def execute(task: Task) -> Outcome:
    """Run, write and score one replication (in whichever process calls it; parameter changes already applied)."""
    from carenet.models import load_model
    from carenet.schema import open_dataset
    from carenet.twin.experiments.overrides import apply_to_model
    from carenet.twin.experiments.scoring import score_dataset, score_tables
    from carenet.twin.output import run_summary, run_tables, write_run
    from carenet.twin.run import run_model

    clock = time.perf_counter()
    model = apply_to_model(load_model(task.model), dict(task.settings))
    tables = open_dataset(task.population).tables()
    run = run_model(model, tables, start=task.start, days=task.days, seed=task.seed,
                    booking_mode=_ENGINE[task.booking_mode], progress=_tick(task.key))
    simulated = time.perf_counter()
    if task.keep:
        write_run(run, task.out)
    written = time.perf_counter()
    calendar = run.setup.calendar
    first_day, last_day = calendar.date(task.warm_up_days), calendar.date(task.days - 1)
    how = {"scope": task.scope, "spc": task.spc, "threads": task.threads, "sites": task.sites}
    score = None
    if task.score:
        score = (score_dataset(task.out, first_day, last_day, **how) if task.keep
                 else score_tables(run_tables(run), first_day, last_day, **how))
    scored = time.perf_counter()
    if _progress_queue is not None:
        _progress_queue.put((task.key, task.days))
    timings = {**run.seconds, "write": written - simulated, "score": scored - written}
    return Outcome(task, scored - clock, run_summary(run), first_day, last_day, score, timings)


def run_tasks(tasks: Sequence[Task], *, workers: int | None = None,
              on_progress: Callable[[int, int], None] | None = None) -> list[Outcome]:
    """Run every task in worker processes; return the outcomes in task order.

    ``on_progress(done_days, total_days)`` is called as workers report. ``workers`` defaults to
    ``min(len(tasks), cores)``; ``workers=0`` runs in this process, one task after another (no
    parameter changes allowed then, as they would outlive the task). Tasks that change
    ``parameters.yaml`` run in fresh processes, one per distinct set of changes. Inside a run
    folder being written (:func:`~carenet.twin.experiments.run_folder.run_folder`) replications
    are written into the run's generation; the outcomes name the folders the run will show.
    """
    if not tasks:
        return []
    given = list(tasks)
    tasks = [replace(t, out=str(staged_path(t.out))) for t in given]  # into the run's generation, if any
    outcomes = _run_tasks(tasks, workers, on_progress)
    for outcome, task in zip(outcomes, given, strict=True):
        outcome.task = task
    return outcomes


def _run_tasks(tasks: Sequence[Task], workers: int | None,
               on_progress: Callable[[int, int], None] | None) -> list[Outcome]:
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise CarenetError("replication keys must be unique")
    total = sum(t.days for t in tasks)
    if workers == 0:
        return _run_here(tasks, total, on_progress)
    with main_hidden():  # workers never re-run the caller's script (a script without a __main__ guard works)
        return _run_pools(tasks, workers, on_progress, keys, total)


def _run_pools(tasks: Sequence[Task], workers: int | None, on_progress: Callable[[int, int], None] | None,
               keys: list[str], total: int) -> list[Outcome]:
    count = min(len(tasks), workers or available_cores())
    context = multiprocessing.get_context("spawn")
    progress_queue = context.Queue()
    done_days = dict.fromkeys(keys, 0)
    outcomes: dict[str, Outcome] = {}
    shared = [t for t in tasks if not t.changes_parameters]
    batches: dict[tuple, list[Task]] = {}
    for t in tasks:
        if t.changes_parameters:
            batches.setdefault(t.settings, []).append(t)
    pools = []
    try:
        futures: dict[Future, list[Task]] = {}
        if shared:
            pool = ProcessPoolExecutor(count, mp_context=context, initializer=_init_worker,
                                       initargs=(progress_queue, os.getpid()))
            pools.append(pool)
            futures.update({pool.submit(execute, t): [t] for t in shared})
        if batches:
            pool = ProcessPoolExecutor(min(count, len(batches)), mp_context=context, initializer=_init_worker,
                                       initargs=(progress_queue, os.getpid()), max_tasks_per_child=1)
            pools.append(pool)
            futures.update({pool.submit(execute_batch, batch): batch for batch in batches.values()})
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=_POLL_SECONDS, return_when=FIRST_COMPLETED)
            _drain(progress_queue, done_days)
            for future in finished:
                result = future.result()
                for task, outcome in zip(futures[future], result if isinstance(result, list) else [result],
                                         strict=True):
                    outcomes[task.key] = outcome
                    done_days[task.key] = task.days
            if on_progress is not None:
                on_progress(sum(done_days.values()), total)
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        progress_queue.close()
    return [outcomes[k] for k in keys]


def _drain(progress_queue: Any, done_days: dict[str, int]) -> None:
    while True:
        try:
            key, days = progress_queue.get_nowait()
        except queue.Empty:
            return
        done_days[key] = max(done_days[key], days)


class _LocalProgress:
    """Stands in for the workers' queue when tasks run in this process."""

    def __init__(self, total: int, on_progress: Callable[[int, int], None] | None):
        self.total, self.before, self.on_progress = total, 0, on_progress

    def put(self, item: tuple[str, int]) -> None:
        if self.on_progress is not None:
            self.on_progress(self.before + item[1], self.total)


def _run_here(tasks: Sequence[Task], total: int, on_progress: Callable[[int, int], None] | None) -> list[Outcome]:
    global _progress_queue
    if any(t.changes_parameters for t in tasks):
        raise CarenetError("changing parameters.yaml entries needs worker processes (workers >= 1)")
    local = _LocalProgress(total, on_progress)
    outcomes = []
    _progress_queue = local
    try:
        for task in tasks:
            outcomes.append(execute(task))
            local.before += task.days
    finally:
        _progress_queue = None
    return outcomes


def replication_folder(root: Path, replication: int) -> Path:
    """``root/rep-000``, ``root/rep-001`` …"""
    return Path(root) / f"rep-{replication:03d}"


__all__ = ["TICK_EVERY_DAYS", "Outcome", "Task", "available_cores", "execute", "execute_batch", "replication_folder",
           "run_tasks"]
