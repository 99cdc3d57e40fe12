"""Where a run's population comes from: the synthetic demo network, or a dataset folder (synthetic or imported).

The run starts the day after the population's reference date: the synthetic generator's
``reference_date`` (kept in its manifest), else the last day the data covers (its latest registration or
appointment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from carenet.params import parameter
from carenet.population import demo_networks, demo_practices, synthesise
from carenet.schema import Dataset, open_dataset
from carenet.schema.errors import CarenetError

DEMO = "demo"
NEEDED = ("networks", "practices", "patients", "registrations", "conditions")


@dataclass(frozen=True)
class Population:
    tables: dict[str, pa.Table]
    reference_date: dt.date
    label: str

    @property
    def first_day(self) -> dt.date:
        return self.reference_date + dt.timedelta(days=1)


def demo_population(seed: int, patients: int | None = None) -> Population:
    """The demo network's five practices, synthesised with ``seed``."""
    tables = synthesise(demo_practices(), demo_networks(), seed=seed, patients=patients)
    reference = dt.date.fromisoformat(str(parameter("synthetic_population.reference_date.value")))
    return Population(tables, reference, f"demo network (seed {seed})")


def dataset_population(folder: str | Path) -> Population:
    """The population tables of a dataset folder."""
    path = Path(folder)
    if not path.is_dir():
        raise CarenetError(f"population {path}: no such folder (give a dataset folder or 'demo')")
    dataset = open_dataset(path)
    missing = [n for n in ("patients", "practices") if n not in dataset]
    if missing:
        raise CarenetError(f"population {path}: the dataset has no {' or '.join(missing)} table")
    tables = {name: dataset.table(name) for name in NEEDED if name in dataset}
    return Population(tables, reference_day(dataset, tables["patients"]), str(path))


def reference_day(dataset: Dataset, patients: pa.Table | None = None) -> dt.date:
    """The day a run on ``dataset`` starts after: the ``reference_date`` a generator kept in its manifest, else (an
    imported extract records none) the last day the data covers, its latest registration or appointment."""
    reference = dataset.manifest.extra.get("reference_date")
    if reference is not None:
        return dt.date.fromisoformat(str(reference))
    if patients is None:
        patients = dataset.table("patients", columns=["registered_from"])
    days = [pc.max(patients.column("registered_from")).as_py()]
    if "appointments" in dataset:
        last = pc.max(dataset.table("appointments", columns=["booked_for"]).column("booked_for")).as_py()
        days.append(last.date() if isinstance(last, dt.datetime) else last)
    known = [d for d in days if d is not None]
    if not known:
        raise CarenetError(f"population {dataset.path}: the data has no registration or appointment dates to start a "
                           "run from; pass --start (the first simulated day, e.g. 2025-04-01)")
    return max(known)


def load_population(source: str, seed: int, patients: int | None = None) -> Population:
    """``demo`` or a dataset folder."""
    return demo_population(seed, patients) if source == DEMO else dataset_population(source)


__all__ = ["DEMO", "Population", "dataset_population", "demo_population", "load_population", "reference_day"]
