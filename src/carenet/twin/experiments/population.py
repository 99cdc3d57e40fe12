"""Where an experiment's patients come from: a dataset folder, or the demo network built on the spot.

Every replication reads the population from one dataset folder, so worker processes receive a
path, never a copy of the tables. ``demo`` builds the demo network (one PCN of five practices,
:func:`carenet.population.demo_practices`) into the run folder once and reuses it afterwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from carenet.population import demo_networks, demo_practices, write_population
from carenet.schema import open_dataset
from carenet.schema.dataset import MANIFEST
from carenet.schema.errors import CarenetError
from carenet.schema.folders import locked, write_atomic

DEMO = "demo"
POPULATION_FOLDER = "population"
"""Where a run folder keeps the population it built (``demo``)."""
DEMO_SEED = 20250331
"""Seed of the demo network (the same network ``carenet population synth --practices demo`` draws)."""
_NEEDED = ("patients", "practices")


@dataclass(frozen=True)
class PopulationSource:
    """A population ready for replications: its folder and how it was made."""

    path: Path
    label: str
    patients: int
    demo_seed: int | None = None
    demo_patients: int | None = None


def _check(path: Path, label: str) -> PopulationSource:
    try:
        dataset = open_dataset(path)
    except FileNotFoundError as exc:
        raise CarenetError(f"--population {label}: {exc}") from None
    missing = [n for n in _NEEDED if n not in dataset]
    if missing:
        raise CarenetError(f"--population {label}: the dataset at {path} has no {', '.join(missing)} table; a run "
                           "needs registered patients and their practices")
    return PopulationSource(path, label, int(dataset.manifest.counts.get("patients", 0)))


def build_demo(folder: Path, seed: int = DEMO_SEED, patients: int | None = None) -> PopulationSource:
    """The demo network in ``folder`` (rebuilt unless a demo with the same seed and size is there)."""
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        extra = open_dataset(folder).manifest.extra
        if extra.get("demo_seed") == seed and extra.get("demo_patients") == patients:
            return _replace(_check(folder, DEMO), seed, patients)
    write_population(folder, demo_practices(), demo_networks(), seed=seed, label=DEMO, patients=patients)
    _mark_demo(folder, seed, patients)
    return _replace(_check(folder, DEMO), seed, patients)


def _replace(source: PopulationSource, seed: int, patients: int | None) -> PopulationSource:
    return PopulationSource(source.path, source.label, source.patients, seed, patients)


def _mark_demo(folder: Path, seed: int, patients: int | None) -> None:
    """Record in the manifest how the demo was drawn, so a later run can reuse it."""
    path = folder / MANIFEST
    with locked(folder, what="dataset"):  # the manifest names the current tables: no other writer between
        data = json.loads(path.read_text())
        data.setdefault("extra", {}).update({"demo_seed": seed, "demo_patients": patients})
        write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())


def resolve_population(choice: str | Path, run_folder: Path, *, demo_seed: int = DEMO_SEED,
                       demo_patients: int | None = None) -> PopulationSource:
    """``demo`` (built into ``run_folder/population``) or an existing dataset folder."""
    if str(choice) == DEMO:
        return build_demo(Path(run_folder) / POPULATION_FOLDER, demo_seed, demo_patients)
    path = Path(choice)
    if not path.exists():
        raise CarenetError(f"--population {choice}: no such folder; give a dataset folder or 'demo'")
    return _check(path, str(choice))


__all__ = ["DEMO", "DEMO_SEED", "POPULATION_FOLDER", "PopulationSource", "build_demo", "resolve_population"]
