"""The warm-up of a twin run: the first working days, simulated but never scored.

A twin run starts with empty diaries, so its first weeks show waits no practice has. The
experiment that ran it records how many working days are warm-up; every score of the run must
start after them, whether the experiment scores it or a person runs ``carenet score RUN`` or
``carenet spc RUN`` on the run's folder later. Where the dataset says so, in order:

1. ``scored_from`` (an ISO date: the first scored day) in the dataset manifest's ``extra`` or in
   the run's ``run.json``;
2. ``warm_up_days`` (working days) in the manifest's ``extra`` or ``run.json``, counted from the
   run's ``start``;
3. ``warm_up_days`` and ``start`` in ``experiment.json`` of the folder holding the run or the one
   above it (``carenet compare`` writes ``<out>/experiment.json`` beside ``<out>/<model>/rep-000``),
   when its ``start`` is the run's.

Working days are counted on the dataset's diaries (days on which any diary offers a slot: the
twin's calendar, bank holidays and weekends left out); a dataset without diaries counts Monday to
Friday, which ignores bank holidays and so can end the warm-up a day or two early. Imported data
carry none of these entries and are scored whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from carenet.measures.segments import Period
from carenet.schema import CarenetError, Dataset

RUN_FILE = "run.json"
EXPERIMENT_FILE = "experiment.json"
EXPERIMENT_LEVELS = 2
"""How many folders up from a run ``experiment.json`` is looked for (``<out>/<model>/rep-000``)."""
WORKING_WEEKDAYS = 5
"""Monday to Friday: the working days counted when a dataset holds no diaries."""


class WarmUpError(CarenetError):
    """A run's record of its warm-up that cannot be read, or a period that lies wholly inside the warm-up."""


@dataclass(frozen=True)
class WarmUp:
    """The first scored day of a twin run, and where that was read."""

    first_scored_day: date
    source: str
    working_days: int | None = None

    def describe(self) -> str:
        days = f"{self.working_days} working days" if self.working_days is not None else "warm-up"
        return f"{days} before {self.first_scored_day} excluded as warm-up ({self.source})"


def read_warm_up(dataset: Dataset) -> WarmUp | None:
    """The warm-up the dataset records (see the module docstring), or ``None`` for data without one."""
    extra = dataset.manifest.extra
    run_name = str(extra.get("run", RUN_FILE))
    run = _json(dataset.path / run_name) if (dataset.path / run_name).is_file() else {}
    for record, where in ((extra, f"{dataset.path}/manifest.json"), (run, f"{dataset.path}/{run_name}")):
        if record.get("scored_from") is not None:
            return WarmUp(_day(record["scored_from"], f"{where} scored_from"), where)
    for record, where in ((extra, f"{dataset.path}/manifest.json"), (run, f"{dataset.path}/{run_name}")):
        if record.get("warm_up_days") is not None:
            start = record.get("start", run.get("start"))
            if start is None:
                raise WarmUpError(f"{where} records warm_up_days but no start day of the run")
            return _counted(dataset, _day(start, f"{where} start"), record["warm_up_days"], where)
    if not run.get("start"):
        return None
    start = _day(run["start"], f"{dataset.path}/{run_name} start")
    for folder in list(dataset.path.resolve().parents)[:EXPERIMENT_LEVELS]:
        path = folder / EXPERIMENT_FILE
        if not path.is_file():
            continue
        experiment = _json(path)
        if experiment.get("warm_up_days") is None or experiment.get("start") is None:
            return None
        if _day(experiment["start"], f"{path} start") != start:
            return None
        return _counted(dataset, start, experiment["warm_up_days"], str(path))
    return None


def scored_period(end: date, days: int, warm_up: WarmUp | None) -> Period:
    """The ``days`` days up to ``end``, less any part before the first scored day of ``warm_up``."""
    period = Period.ending(end, days)
    if warm_up is None or period.start >= warm_up.first_scored_day:
        return period
    if end < warm_up.first_scored_day:
        raise WarmUpError(f"the period ending {end} lies wholly in the run's warm-up; {warm_up.describe()}")
    return Period(warm_up.first_scored_day, end)


def _counted(dataset: Dataset, start: date, warm_up_days: Any, where: str) -> WarmUp:
    if not isinstance(warm_up_days, int) or isinstance(warm_up_days, bool) or warm_up_days < 0:
        raise WarmUpError(f"{where}: warm_up_days must be a whole number of working days, got {warm_up_days!r}")
    return WarmUp(_working_day(dataset, start, warm_up_days), where, warm_up_days)


def _working_day(dataset: Dataset, start: date, index: int) -> date:
    """The ``index``-th working day (0 = the first) on or after ``start``."""
    if "diaries" in dataset:
        diaries = dataset.table("diaries", columns=["date", "slots"])
        offered = diaries.filter(pc.greater(diaries["slots"], 0))
        days = sorted(d for d in set(offered["date"].to_pylist()) if d >= start)
        if len(days) > index:
            return days[index]
        if days:
            return days[-1] + timedelta(days=1)
    day, counted = start, -1
    while True:
        if day.weekday() < WORKING_WEEKDAYS:
            counted += 1
            if counted == index:
                return day
        day += timedelta(days=1)


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise WarmUpError(f"{path}: cannot read the run's record ({exc})") from None
    if not isinstance(data, dict):
        raise WarmUpError(f"{path}: expected a JSON object")
    return data


def _day(value: Any, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise WarmUpError(f"{where} must be a date like 2025-04-01, got {value!r}") from None


__all__ = ["WarmUp", "WarmUpError", "read_warm_up", "scored_period"]
