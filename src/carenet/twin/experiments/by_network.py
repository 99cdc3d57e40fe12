"""A year of one delivery model for England, network by network.

Networks do not share patients, staff or services, so a national run is one independent run per network
(:func:`run_network`): the network's population is read from the national dataset (only the sub-ICB partitions its
practices lie in, and in them only its practices' row groups), the twin runs its year with the network's own seed
(spawned from the run's seed and the network's position in the national ``networks`` table, so a network's year does
not depend on which others run or where), and its canonical output is written as a dataset of its own,
``OUT/network=<code>/`` (atomically, like every run dataset: a killed run leaves no half-written network), its
run-numbered identifiers prefixed with the network's code (``U12345-R17``). When the networks asked for are done,
:func:`carenet.twin.experiments.national_run.merge_networks` lays every finished network out as one canonical dataset
partitioned by network, ``OUT/national/``, which every carenet reader reads (``carenet score OUT/national``).

The same function runs anywhere:

* here, in a local process pool (:func:`run_networks`, ``carenet simulate MODEL DATASET --by-network --workers W``);
* on a Spark cluster, as the body of ``mapInArrow`` over a DataFrame of network codes
  (:func:`run_networks_arrow`: Arrow batches of ``network_id`` in, one summary row per network out), each executor
  reading the dataset and writing ``OUT`` on storage every executor sees (docs/scale.md); the driver then calls
  :func:`merge_networks` once.

``england-run.json`` in ``OUT`` lists every network finished, with its seed, size and time; a network already
written (its ``run.json`` present) is skipped, so an interrupted national run resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads

from carenet.models.library import load_model
from carenet.schema import open_dataset
from carenet.schema.errors import CarenetError
from carenet.schema.folders import locked, write_atomic
from carenet.schema.tables import conform
from carenet.twin.experiments.national_run import merge_networks
from carenet.twin.output import RUN_FILE, write_run
from carenet.twin.population_source import NEEDED, reference_day
from carenet.twin.run import run_model

INDEX_FILE = "england-run.json"
ENGINE = {"greedy": "compiled", "exact": "exact", "compiled": "compiled"}
"""The twin's engine for an experiment's booking mode, as for ``carenet simulate``: greedy bookings come from the
compiled kernel (the same bookings, many times faster)."""
PATIENT_SIDE = ("patients", "registrations", "conditions")
SUMMARY_SCHEMA = pa.schema([("network_id", pa.string()), ("seed", pa.int64()), ("patients", pa.int64()),
                            ("requests", pa.int64()), ("seconds", pa.float64()), ("folder", pa.string())])


@dataclass(frozen=True)
class NetworkRun:
    """One network's finished year."""

    network_id: str
    seed: int
    patients: int
    requests: int
    seconds: float
    folder: str


def network_seed(seed: int, position: int) -> int:
    """The network's own seed: spawned from the run's seed and its position in the national networks table."""
    return int(np.random.SeedSequence(seed, spawn_key=(position,)).generate_state(1, np.uint32)[0])


def network_population(dataset_path: str | Path, network_id: str) -> dict[str, pa.Table]:
    """The canonical population tables of one network, read from the national dataset's partitions it lies in."""
    dataset = open_dataset(dataset_path)
    practices = dataset.table("practices")
    mine = practices.filter(pc.equal(practices["network_id"], network_id))
    if mine.num_rows == 0:
        raise CarenetError(f"dataset {dataset_path} has no practice in network {network_id!r}")
    networks = dataset.table("networks")
    tables = {"networks": networks.filter(pc.equal(networks["network_id"], network_id)), "practices": mine}
    ids = mine["practice_id"]
    geography = dataset.manifest.extra.get("geography", {})
    where = geography.get("practice", {})
    subicbs = sorted({where[p] for p in ids.to_pylist() if p in where})
    patients = None
    for name in PATIENT_SIDE:
        if name not in dataset:
            continue
        folder = dataset.arrow_path(name)
        if folder.is_dir() and subicbs:
            regions = geography.get("subicb", {})
            paths = [folder / f"region={regions[s]['region']}" / f"subicb={s}" for s in subicbs]
            files = sorted(str(f) for p in paths if p.is_dir() for f in p.glob("*.parquet"))
            source = pads.dataset(files, format="parquet")
        else:
            source = pads.dataset(folder, format="parquet", partitioning="hive")
        if name == "conditions":
            assert patients is not None
            keep = pc.field("patient_id").isin(patients["patient_id"])
        else:
            keep = pc.field("practice_id").isin(ids)
        table = source.to_table(filter=keep)
        tables[name] = conform(name, table)
        if name == "patients":
            patients = tables[name]
    return {n: tables[n] for n in NEEDED if n in tables}


def run_network(model: str, dataset_path: str | Path, network_id: str, position: int, out: str | Path, *, seed: int,
                days: int, start: dt.date | None = None, booking_mode: str = "compiled") -> NetworkRun:
    """Run ``model`` for ``days`` working days on one network of the national dataset; write ``out/network=ID``."""
    clock = time.perf_counter()
    folder = Path(out) / f"network={network_id}"
    own = network_seed(seed, position)
    tables = network_population(dataset_path, network_id)
    first = start or reference_day(open_dataset(dataset_path)) + dt.timedelta(days=1)
    run = run_model(load_model(model), tables, start=first, days=days, seed=own,
                    booking_mode=ENGINE.get(booking_mode, booking_mode))
    write_run(run, folder, id_prefix=f"{network_id}-")
    return NetworkRun(network_id, own, tables["patients"].num_rows, len(run.record),
                      round(time.perf_counter() - clock, 2), folder.name)


@dataclass(frozen=True)
class _Job:
    model: str
    dataset: str
    network_id: str
    position: int
    out: str
    seed: int
    days: int
    start: dt.date | None
    booking_mode: str


def _execute(job: _Job) -> NetworkRun:
    return run_network(job.model, job.dataset, job.network_id, job.position, job.out, seed=job.seed, days=job.days,
                       start=job.start, booking_mode=job.booking_mode)


def national_networks(dataset_path: str | Path) -> list[str]:
    """The network codes of a national dataset, in the order of its ``networks`` table (their positions)."""
    return open_dataset(dataset_path).table("networks")["network_id"].to_pylist()


def run_networks(model: str, dataset_path: str | Path, out: str | Path, *, seed: int, days: int,
                 networks: Iterable[str] | None = None, workers: int = 1, start: dt.date | None = None,
                 booking_mode: str = "compiled", on_network: Callable[[NetworkRun], None] | None = None,
                 ) -> list[NetworkRun]:
    """Run ``model`` on each network (all by default) in a pool of ``workers`` processes; the finished networks.

    The output folder is locked for the whole run; ``england-run.json`` is rewritten (atomically) as each network
    finishes, and networks whose dataset is already written are skipped. At the end every finished network (of this
    call and earlier ones) is laid out as one dataset, ``out/national`` (:func:`merge_networks`).
    """
    out = Path(out)
    every = national_networks(dataset_path)
    position = {n: i for i, n in enumerate(every)}
    wanted = every if networks is None else list(networks)
    unknown = [n for n in wanted if n not in position]
    if unknown:
        raise CarenetError(f"dataset {dataset_path} has no network {', '.join(unknown[:5])}")
    out.mkdir(parents=True, exist_ok=True)
    with locked(out, command=f"simulate {model} --by-network", what="national run folder"):
        done = _read_index(out)
        jobs = [_Job(model, str(dataset_path), n, position[n], str(out), seed, days, start, booking_mode)
                for n in wanted if not (n in done and (out / done[n]["folder"] / RUN_FILE).is_file())]
        finished = [NetworkRun(**done[n]) for n in wanted if n in done and all(j.network_id != n for j in jobs)]
        for result in _pool(jobs, workers):
            finished.append(result)
            done[result.network_id] = asdict(result)
            _write_index(out, model, dataset_path, seed, days, done)
            if on_network is not None:
                on_network(result)
        merge_networks(out, {n: r["folder"] for n, r in done.items()}, population=dataset_path, model=model,
                       seed=seed, days=days)
    return finished


def _pool(jobs: list[_Job], workers: int) -> Iterator[NetworkRun]:
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _execute(job)
        return
    with multiprocessing.get_context("spawn").Pool(min(workers, len(jobs))) as pool:
        yield from pool.imap_unordered(_execute, jobs)


def _read_index(out: Path) -> dict[str, dict[str, Any]]:
    path = out / INDEX_FILE
    if not path.is_file():
        return {}
    try:
        return {r["network_id"]: r for r in json.loads(path.read_text())["networks"]}
    except (ValueError, KeyError, TypeError):
        return {}


def _write_index(out: Path, model: str, dataset: str | Path, seed: int, days: int,
                 done: dict[str, dict[str, Any]]) -> None:
    rows = sorted(done.values(), key=lambda r: r["network_id"])
    text = json.dumps({"model": model, "population": str(dataset), "seed": seed, "days": days,
                       "partitioning": "network", "networks": rows}, indent=2) + "\n"
    write_atomic(out / INDEX_FILE, text.encode())


def run_networks_arrow(batches: Iterable[pa.RecordBatch], *, model: str, dataset: str, out: str, seed: int,
                       days: int, start: dt.date | None = None,
                       booking_mode: str = "compiled") -> Iterator[pa.RecordBatch]:
    """Arrow batches of ``network_id`` (and ``position``) in, one summary row per network out
    (:data:`SUMMARY_SCHEMA`): the body of Spark's ``DataFrame.mapInArrow`` for a national run on a cluster."""
    for batch in batches:
        ids = batch.column("network_id").to_pylist()
        positions = batch.column("position").to_pylist()
        rows = [run_network(model, dataset, n, int(p), out, seed=seed, days=days, start=start,
                            booking_mode=booking_mode) for n, p in zip(ids, positions, strict=True)]
        yield pa.RecordBatch.from_pylist([asdict(r) for r in rows], schema=SUMMARY_SCHEMA)


__all__ = ["INDEX_FILE", "SUMMARY_SCHEMA", "NetworkRun", "national_networks", "network_population", "network_seed",
           "run_network", "run_networks", "run_networks_arrow"]
