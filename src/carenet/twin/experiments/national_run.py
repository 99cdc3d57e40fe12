"""A national run's networks as one canonical dataset, partitioned by network.

Each network of a national run (:mod:`carenet.twin.experiments.by_network`) is written as a run dataset of its own,
``OUT/network=<code>/``: that is what makes the run resumable and lets each network go to its own process or Spark
executor. :func:`merge_networks` then lays them out as one dataset, ``OUT/national/``, that every carenet reader
reads like any other (``carenet score OUT/national``, ``open_dataset``, the measures' DuckDB or Spark scan): each
table a folder partitioned Hive-style by network,

```
OUT/national/
  manifest.json                              counts summed over the networks; partitioning; geography
  requests/network=U12345/part-000.parquet   (the network's own table file)
  appointments/network=U12345/part-000.parquet
  ...
```

Identifiers do not clash between networks: the practices' and staff's carry their practice's or network's code
already, and the ones a run numbers from 1 (requests, appointments, tasks ...) are written with the network's code in
front (``U12345-R17``; :func:`carenet.twin.output.with_id_prefix`). The files are hard links to the networks' own
table files where the file system allows (no copy, no extra disk), copies where it does not. The dataset is written
like every other (staged, committed by its manifest, under its lock), so a killed merge leaves the previous one whole.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from carenet.schema import open_dataset
from carenet.schema.dataset import Manifest, write_staged
from carenet.schema.errors import CarenetError
from carenet.schema.tables import TABLES

NATIONAL_DATASET = "national"
"""The merged dataset's folder inside a national run's output folder."""
PARTITION_KEY = "network"


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target)


def merge_networks(out: str | os.PathLike[str], folders: Mapping[str, str], *, population: str | os.PathLike[str],
                   model: str, seed: int, days: int) -> Path:
    """Write ``out/national``: the run datasets ``out/<folder>`` of ``folders`` (network code -> folder name) as one
    dataset partitioned by network; its path.

    The population's manifest gives the geography (practice -> sub-ICB -> region) kept for the networks' practices,
    so ``carenet score OUT/national --by region`` scores the run's population by region as it does the population's.
    """
    out = Path(out)
    if not folders:
        raise CarenetError(f"national run {out}: no network has finished yet, so there is nothing to merge")
    networks = {code: open_dataset(out / folder) for code, folder in sorted(folders.items())}
    names = [n for n in TABLES if any(n in d for d in networks.values())]
    counts = dict.fromkeys(names, 0)
    practices: set[str] = set()
    for dataset in networks.values():
        for name in names:
            counts[name] += dataset.manifest.counts.get(name, 0) if name in dataset else 0
        practices.update(dataset.table("practices", columns=["practice_id"])["practice_id"].to_pylist())
    extra: dict[str, Any] = {
        "run": {"model": model, "population": str(population), "seed": seed, "days": days,
                "networks": len(networks)},
        "partitioning": {"tables": names, "directories": [PARTITION_KEY], "row_groups": "network",
                         "files": sum(1 for d in networks.values() for n in names if n in d)},
    }
    geography = _geography(population, practices)
    if geography is not None:
        extra["geography"] = geography
    manifest = Manifest(sources=[f"twin:{model} by network ({len(networks)} networks of {population})"], seed=seed,
                        counts=counts, extra=extra)

    def write(staging: Path) -> None:
        for name in names:
            (staging / name).mkdir()
        for code, dataset in networks.items():
            for name in names:
                if name not in dataset:
                    continue
                source = dataset.arrow_path(name)
                parts = sorted(source.rglob("*.parquet")) if source.is_dir() else [source]
                for k, part in enumerate(parts):
                    _link_or_copy(part, staging / name / f"{PARTITION_KEY}={code}" / f"part-{k:03d}.parquet")

    target = out / NATIONAL_DATASET
    write_staged(target, manifest, write)
    return target


def _geography(population: str | os.PathLike[str], practices: Iterable[str]) -> dict[str, Any] | None:
    """The population's geography (its manifest's), cut to ``practices`` and the sub-ICB locations they lie in."""
    geography = open_dataset(population).manifest.extra.get("geography")
    if not isinstance(geography, Mapping) or "practice" not in geography:
        return None
    of_practice = {p: geography["practice"][p] for p in practices if p in geography["practice"]}
    subicb = {s: geography.get("subicb", {}).get(s, {}) for s in set(of_practice.values())}
    regions = {v.get("region") for v in subicb.values()}
    icbs = {v.get("icb") for v in subicb.values()}
    return {"practice": of_practice, "subicb": subicb,
            "region": {r: n for r, n in geography.get("region", {}).items() if r in regions},
            "icb": {i: n for i, n in geography.get("icb", {}).items() if i in icbs}}


__all__ = ["NATIONAL_DATASET", "PARTITION_KEY", "merge_networks"]
