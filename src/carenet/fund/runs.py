"""The datasets a funding command reads: every replication of a comparison or simulation, or one dataset.

A folder holding ``experiment.json`` (``carenet compare``/``simulate``/``sweep``/``demo``) gives each run's
model, replication, folder, measured period (the warm-up excluded) and, in a sweep, its setting; a dataset
folder holding ``run.json`` (a twin run) is one replication of its model; any other carenet dataset is one
replication of ``data``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from carenet.fund.errors import FundError

DATA = "data"
"""The model name of a dataset that is not a twin run (imported or synthetic data)."""


@dataclass(frozen=True)
class RunRef:
    """One replication: its model, folder and measured period, and for a sweep the setting it ran at
    (``settings``: (parameter path, value) pairs in the order they were varied)."""

    model: str
    replication: int
    folder: Path
    first_day: dt.date | None
    last_day: dt.date | None
    settings: tuple[tuple[str, float], ...] = ()
    draw: int | None = None
    """The draw of an uncertainty analysis the run belongs to (its ``settings`` are then the drawn values)."""

    @property
    def setting(self) -> str:
        """The setting in words, e.g. ``continuity_acs_admission_reduction=0.0755`` ("" outside a sweep), or the
        draw (``draw 3``)."""
        if self.draw is not None:
            return f"draw {self.draw}"
        return ", ".join(f"{path.rsplit('.', 1)[-1]}={value:g}" for path, value in self.settings)

    @property
    def setting_key(self) -> tuple[str, ...]:
        """The setting's values as a sweep's CSV writes them (``setting``, ``setting2``), or the draw as
        ``uncertainty_scorecard.csv`` writes it, for matching."""
        if self.draw is not None:
            return (self.setting,)
        return tuple(f"{value:g}" for _, value in self.settings)

    @property
    def group(self) -> tuple:
        """Runs evaluated together (against their own reference model's runs): one setting of a sweep, one draw."""
        return self.settings, self.draw


def _settings(record: dict) -> tuple[tuple[str, float], ...]:
    values = record.get("settings") or {}
    try:
        return tuple((str(k), float(v)) for k, v in values.items()) if isinstance(values, dict) else ()
    except (TypeError, ValueError):
        return ()


def _date(text: object) -> dt.date | None:
    return dt.date.fromisoformat(str(text)) if text else None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FundError(f"{path}: cannot be read as JSON ({exc}); is the run folder complete?") from None


def _run_refs(records: object, path: Path) -> list[RunRef]:
    return [RunRef(str(r["model"]), int(r["replication"]), path / str(r["folder"]), _date(r.get("measured_from")),
                   _date(r.get("measured_to")), _settings(r), int(r["draw"]) if "draw" in r else None)
            for r in (records if isinstance(records, list) else []) if isinstance(r, dict) and "folder" in r]


def find_runs(path: str | Path, *, draws: bool = False) -> list[RunRef]:
    """The replications in ``path``; with ``draws``, also those of the uncertainty analysis's kept draws
    (``carenet compare --uncertainty N --keep-draws``), each run marked with its draw."""
    path = Path(path)
    if not path.is_dir():
        raise FundError(f"{path}: not a folder; give a comparison or simulation folder, a twin run or a dataset")
    experiment = path / "experiment.json"
    if experiment.is_file():
        record = _read_json(experiment)
        runs = _run_refs(record.get("runs"), path)
        if not runs:
            raise FundError(f"{experiment}: lists no runs; run carenet compare or simulate into {path} again")
        return runs + (_draw_runs(record, experiment, path) if draws else [])
    if draws:
        raise FundError(f"{path}: not a comparison folder, so it holds no uncertainty draws; run carenet compare "
                        "MODEL... --uncertainty N --keep-draws")
    run = path / "run.json"
    if run.is_file():
        record = _read_json(run)
        model = record.get("model", {})
        name = model.get("name", "model") if isinstance(model, dict) else str(model)
        return [RunRef(str(name), 0, path, _date(record.get("start")), _date(record.get("last_day")))]
    if (path / "manifest.json").is_file():
        return [RunRef(DATA, 0, path, None, None)]
    raise FundError(f"{path}: neither a comparison (experiment.json), a twin run (run.json) nor a carenet dataset "
                    "(manifest.json)")


def _draw_runs(record: dict, experiment: Path, path: Path) -> list[RunRef]:
    analysis = record.get("uncertainty")
    if not isinstance(analysis, dict):
        raise FundError(f"{experiment}: the comparison has no uncertainty analysis; run carenet compare MODEL... "
                        "--uncertainty N --keep-draws")
    runs = _run_refs(analysis.get("runs"), path)
    if not analysis.get("draws_kept") or not runs:
        raise FundError(f"{experiment}: the uncertainty analysis did not keep its draws' datasets; run carenet compare "
                        "MODEL... --uncertainty N --keep-draws")
    return runs


def models_in(runs: list[RunRef]) -> list[str]:
    """Models in the order they first appear."""
    return list(dict.fromkeys(r.model for r in runs))
