"""Benchmark: England at scale on one machine (docs/scale.md, docs/performance.md).

Each step runs as the CLI command a user would type, in a fresh process, timed from outside; the peak resident
memory is the largest of the command's own process and its worker processes (``RUSAGE_CHILDREN``):

* ``generate``: ``carenet population england OUT --workers W`` for all of England (``--region CODE`` for one region,
  ``--practices N`` for a sample); wall time, CPU time, peak memory, the dataset's size on disk.
  Target <= 15 minutes for England on this 2-core machine.
* ``score``: ``carenet score OUT --by practice|pcn|subicb|region`` (DuckDB out of core: parameters.yaml
  ``england_scale.scorecard_memory_limit``, spilling to a temporary folder); wall time and peak memory per unit.
  Target <= 15 minutes on this machine.
* ``twin``: ``carenet simulate MODEL --population OUT --by-network --networks N --workers W`` for a sample of
  networks; seconds per network and per 1,000 patients-years, extrapolated to England's patients on this machine and
  to a cluster of ``--cluster-cores`` cores (networks are independent, so time divides by the cores until one
  network, the largest, is the critical path); then ``carenet score RUN/national``, the whole run's scorecard read from
  the networks laid out as one dataset.
* ``spark``: the scaling curve of the national scorecard on Spark local[k]: samples of ``--spark-practices``
  practices x ``--spark-cores`` cores. Target: from 1 to 2 cores within 20% of linear (efficiency >= 0.8).

Run: ``python bench/bench_england.py generate score twin --out /tmp/england`` (``--region Y56`` to measure one
region). Results are printed as JSON lines and appended to ``--log`` if given.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NHS_DATA = ROOT.parent / "shared" / "external" / "nhs-open-data"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "CARENET_WARM_KERNELS": os.environ.get("CARENET_WARM_KERNELS",
                                                                                             "0")}
ENGLAND_PATIENTS = 63_436_508
"""Registered patients in the July 2026 file (the sum of its practice totals)."""
ENGLAND_NETWORKS = 1_299


def _run(*argv: object) -> dict[str, float]:
    """Run ``carenet ARGV`` in a fresh process; its wall and CPU seconds and peak memory (GB, it or a worker)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "carenet", *map(str, argv)], env=ENV, cwd=ROOT,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"carenet {' '.join(map(str, argv))} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return {"wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "peak_rss_gb": round(after.ru_maxrss / 1024 / 1024, 2), "stdout": done.stdout[-2000:]}


def _disk_gb(folder: Path) -> float:
    return round(sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e9, 2)


def generate(out: Path, args: argparse.Namespace) -> dict:
    subset = (["--region", args.region] if args.region else []) + (["--practices", args.practices]
                                                                     if args.practices else [])
    figures = _run("population", "england", out, "--seed", 1, "--workers", args.workers, "--nhs-data", NHS_DATA,
                   *subset)
    manifest = json.loads((out / "manifest.json").read_text())
    patients = manifest["counts"]["patients"]
    figures.pop("stdout")
    return {"step": "generate", "subset": " ".join(map(str, subset)) or "england", "workers": args.workers,
            "patients": patients, "practices": manifest["counts"]["practices"],
            "conditions": manifest["counts"]["conditions"], "disk_gb": _disk_gb(out), **figures,
            "extrapolated_england_wall_min": round(figures["wall_s"] * ENGLAND_PATIENTS / patients / 60, 1)}


def score(out: Path, args: argparse.Namespace) -> list[dict]:
    rows = []
    patients = json.loads((out / "manifest.json").read_text())["counts"]["patients"]
    for by in args.by:
        with tempfile.TemporaryDirectory() as folder:
            figures = _run("score", out, "--by", by, "--out", folder)
        figures.pop("stdout")
        rows.append({"step": "score", "by": by, "patients": patients, **figures,
                     "extrapolated_england_wall_min": round(figures["wall_s"] * ENGLAND_PATIENTS / patients / 60,
                                                            1)})
    return rows


def twin(out: Path, args: argparse.Namespace) -> dict:
    run = Path(tempfile.mkdtemp(prefix="carenet-twin-"))
    try:
        figures = _run("simulate", args.model, "--population", out, "--by-network", "--networks", args.networks,
                       "--workers", args.workers, "--out", run)
        index = json.loads((run / "england-run.json").read_text())["networks"]
        scored = _run("score", run / "national", "--format", "json")
        scored.pop("stdout")
    finally:
        shutil.rmtree(run, ignore_errors=True)
    figures.pop("stdout")
    patients = sum(r["patients"] for r in index)
    busy = sum(r["seconds"] for r in index)
    per_patient = busy / patients
    machine = ENGLAND_PATIENTS * per_patient / args.workers
    cluster = ENGLAND_PATIENTS * per_patient / args.cluster_cores
    largest = max(r["seconds"] / r["patients"] for r in index) * args.largest_network
    return {"step": "twin", "model": args.model, "networks": len(index), "patients": patients, "workers": args.workers,
            **figures, "network_seconds_sum": round(busy, 1), "seconds_per_1000_patient_years": round(
                1000 * per_patient, 3),
            "extrapolated_england_this_machine_h": round(machine / 3600, 1),
            "extrapolated_england_cluster_min": round(max(cluster, largest) / 60, 1),
            "cluster_cores": args.cluster_cores,
            "score_national": scored}


_SPARK_POINT = """
import json, sys, time
from dataclasses import replace
from carenet.measures import connect, load
from carenet.measures.national import _activity_notes, national_scorecards, notes_part, scan_parts, units_from_manifest
from carenet.schema import open_dataset
from carenet.cli.commands_score import _reference_day, scorecard_config

clock = time.perf_counter()
con = connect("pyspark", master=sys.argv[2])
started = time.perf_counter() - clock
dataset = open_dataset(sys.argv[1])
tables = load(dataset, con=con)
day = _reference_day(sys.argv[1], tables, None)
config = scorecard_config(day, None)
units = units_from_manifest(dataset.manifest.extra, dataset.table("practices"))
clock = time.perf_counter()
_, parts = scan_parts(tables, dataset)
notes = notes_part(tables, dataset)
cards = national_scorecards(parts, units, config, "region", day, notes=notes)
whole = time.perf_counter() - clock
clock = time.perf_counter()
_activity_notes(notes, replace(config, as_of=day), day)
notes = time.perf_counter() - clock
print(json.dumps({"start_s": round(started, 1), "scorecard_s": round(whole, 1), "notes_s": round(notes, 1),
                  "aggregate_s": round(whole - notes, 1), "units": int(cards["unit"].nunique())}))
"""


def _on_cores(cores: int):
    """Run a child (and the JVM it starts, which inherits it) on the machine's first ``cores`` CPUs only."""
    def pin() -> None:
        os.sched_setaffinity(0, range(cores))
    return pin


def spark(out: Path, args: argparse.Namespace) -> dict:
    """The national scorecard on Spark local[k] (k in ``--spark-cores``) for samples of ``--spark-practices``
    practices of England (``carenet population england --practices N``, the same patients a national run gives
    them): a scaling curve of practices x cores.

    Each point runs in a fresh process (a JVM of its own): ``start_s`` starts Spark; ``scorecard_s`` is
    :func:`carenet.measures.national.national_scorecards` by region (what ``carenet score SAMPLE --by region --backend
    pyspark`` runs), split into ``aggregate_s``, the one pass over every patient that grows with the data, and
    ``notes_s``, one practice's scorecard read for the reasons the other attributes cannot be scored (a fixed cost
    of some hundred small queries). Speed-up is the time at the fewest cores over the time at k; efficiency is the
    speed-up over the ratio of cores (1.0 is linear; the target is >= 0.8 from 1 to 2 cores).

    With ``--pin`` (the default) a point at k cores runs on k CPUs (its process and its JVM pinned to them), so
    "one core" is one core: unpinned, ``local[1]`` still spreads Java's garbage collector, compiler and I/O threads
    over every CPU of the machine. ``--no-pin`` measures ``local[k]`` on the whole machine."""
    curve = []
    root = Path(tempfile.mkdtemp(prefix="carenet-spark-curve-"))
    try:
        for practices in args.spark_practices:
            sample = root / f"sample-{practices}"
            made = _run("population", "england", sample, "--seed", 1, "--workers", args.workers, "--nhs-data",
                        NHS_DATA, "--practices", practices)
            patients = json.loads((sample / "manifest.json").read_text())["counts"]["patients"]
            points = []
            for cores in args.spark_cores:
                done = subprocess.run([sys.executable, "-c", _SPARK_POINT, str(sample), f"local[{cores}]"], env=ENV,
                                      cwd=ROOT, capture_output=True, text=True, check=True,
                                      preexec_fn=_on_cores(cores) if args.pin else None)
                points.append({"cores": cores, "pinned": args.pin, "load_average": round(os.getloadavg()[0], 1),
                               **json.loads(done.stdout.strip().splitlines()[-1])})
            base = points[0]
            for point in points:
                for key in ("aggregate_s", "scorecard_s"):
                    speedup = base[key] / point[key]
                    point[f"speedup_{key[:-2]}"] = round(speedup, 2)
                    point[f"efficiency_{key[:-2]}"] = round(speedup * base["cores"] / point["cores"], 2)
            curve.append({"practices": practices, "patients": patients, "generate_wall_s": made["wall_s"],
                          "points": points})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return {"step": "spark", "curve": curve}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("steps", nargs="+", choices=["generate", "score", "twin", "spark"])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "carenet-england")
    parser.add_argument("--region")
    parser.add_argument("--practices", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--by", nargs="+", default=["region", "subicb", "pcn", "practice"])
    parser.add_argument("--model", default="micro_teams")
    parser.add_argument("--networks", type=int, default=6)
    parser.add_argument("--cluster-cores", type=int, default=256)
    parser.add_argument("--largest-network", type=int, default=200_000,
                        help="patients of the largest network (the critical path on a cluster)")
    parser.add_argument("--spark-cores", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--spark-practices", type=int, nargs="+", default=[400, 1000])
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                        help="run each Spark point on as many CPUs as its cores (default) or on the whole machine")
    parser.add_argument("--log", type=Path)
    args = parser.parse_args()
    for step in args.steps:
        result = {"generate": generate, "score": score, "twin": twin, "spark": spark}[step](args.out, args)
        for row in result if isinstance(result, list) else [result]:
            line = json.dumps(row)
            print(line, flush=True)
            if args.log is not None:
                with args.log.open("a") as handle:
                    handle.write(line + "\n")


if __name__ == "__main__":
    main()
