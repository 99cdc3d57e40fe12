"""Synthetic England: every practice of the NHS open files, streamed into a partitioned dataset.

The practices, their list sizes and age-sex structure come from the July 2026 "Patients Registered at a GP
Practice" 5-year age band file (:data:`AGE_SEX_CSV`); each practice's PCN, sub-ICB location, ICB and NHS England
region from the practice map of the same release (:data:`MAP_CSV`); its deprivation (IMD 2019 score) from
Fingertips indicator 93553 (:data:`IMD_CSV`). Networks are the PCNs.

Each practice draws from its own random streams, indexed by its position in the age-sex file
(:class:`~carenet.population.synthesise.Placement`), and its patients' NHS numbers by their position in the whole
file, so any subset of practices (``--practices N``, ``--region``) reproduces exactly the patients a national run
gives them. Patient tables (:data:`~carenet.population.synthesise.PATIENT_TABLES`) are written Hive-style under
``<table>/region=<code>/subicb=<code>/part-NNN.parquet``, one row group per practice (so a reader asking for one
practice reads only its row group); the small tables (networks, practices, staff, teams) as one file each. Work is
split into tasks of at most ``batch_patients`` patients of one sub-ICB location, run in a process pool; each task
holds one batch in memory. The whole write holds the dataset's lock in a staging folder and is committed as the
dataset's next generation only when every task is done (:func:`carenet.schema.dataset.write_staged`).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from carenet.population.stream import generation_details
from carenet.population.synthesise import (
    PATIENT_TABLES,
    Placement,
    Plan,
    patient_tables,
    plan,
    small_tables,
)
from carenet.schema.dataset import Manifest, write_staged
from carenet.schema.errors import CarenetError
from carenet.schema.tables import TABLES, conform
from carenet.schema.validate import ValidationError, validate_dataset

AGE_SEX_CSV = "gp-reg-pat-prac-quin-age_2026-07.csv"
MAP_CSV = "gp-reg-pat-prac-map_2026-07.csv"
IMD_CSV = "fingertips_93553_imd2019_by_gp_practice.csv"
PARTITION_KEYS = ("region", "subicb")
"""Hive partition keys of the patient tables, outermost first (NHS England region, sub-ICB location)."""


@dataclass(frozen=True)
class England:
    """Every practice of the open files, in the age-sex file's order (its position is its random stream)."""

    practices: pa.Table
    """Canonical practices: code, name, PCN (``network_id``), IMD 2019 score, list size, postcode."""
    networks: pa.Table
    """Canonical networks: one ``pcn`` per PCN code, named as in the map."""
    region: np.ndarray
    subicb: np.ndarray
    icb: np.ndarray
    age_sex: np.ndarray
    """Patients by practice, sex (female, male) and 5-year band, shape (practices, 2, bands)."""
    age_lower: np.ndarray
    names: dict[str, dict[str, str]]
    """Names of regions, sub-ICB locations and ICBs by code (``{"region": {...}, "subicb": {...}, "icb": {...}}``)."""
    extract_date: str
    sources: dict[str, str]

    @property
    def size(self) -> int:
        return self.practices.num_rows


def _read(path: Path, columns: list[str]) -> pa.Table:
    if not path.is_file():
        raise CarenetError(f"{path} not found: --nhs-data must be the folder of the NHS open data "
                           f"({AGE_SEX_CSV}, {MAP_CSV}, {IMD_CSV})")
    try:
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, include_columns=columns))
    except (pa.ArrowInvalid, KeyError) as exc:
        raise CarenetError(f"{path}: cannot read the columns {', '.join(columns)} ({exc})") from None
    return table


def read_england(folder: str | os.PathLike[str]) -> England:
    """Every practice of the July 2026 age-sex file with its PCN, sub-ICB, ICB and region and IMD 2019 score."""
    folder = Path(folder)
    rows = _read(folder / AGE_SEX_CSV, ["EXTRACT_DATE", "ORG_TYPE", "ORG_CODE", "POSTCODE", "SEX", "AGE_GROUP_5",
                                        "NUMBER_OF_PATIENTS"])
    rows = rows.filter(pc.equal(pc.utf8_upper(rows["ORG_TYPE"]), "GP"))
    totals = rows.filter(pc.and_(pc.equal(rows["SEX"], "ALL"), pc.equal(rows["AGE_GROUP_5"], "ALL")))
    codes = totals["ORG_CODE"].combine_chunks()
    if len(codes) == 0:
        raise CarenetError(f"{folder / AGE_SEX_CSV}: no practice totals (ORG_TYPE GP, SEX ALL, AGE_GROUP_5 ALL)")
    if pc.count_distinct(codes).as_py() != len(codes):
        raise CarenetError(f"{folder / AGE_SEX_CSV}: a practice code repeats among the practice totals")
    size = pc.cast(totals["NUMBER_OF_PATIENTS"], pa.int64()).to_numpy()
    cells = rows.filter(pc.and_(pc.is_in(rows["SEX"], value_set=pa.array(["FEMALE", "MALE"])),
                                pc.not_equal(rows["AGE_GROUP_5"], "ALL")))
    band = cells["AGE_GROUP_5"]
    lower_of_cell = pc.cast(pc.replace_substring_regex(band, r"[_+].*$", ""), pa.int64()).to_numpy()
    lower = np.unique(lower_of_cell)
    b = np.searchsorted(lower, lower_of_cell)
    s = (pc.equal(cells["SEX"], "MALE").to_numpy(zero_copy_only=False)).astype(np.int64)
    row = pc.index_in(cells["ORG_CODE"], value_set=codes).to_numpy(zero_copy_only=False)
    n = pc.cast(cells["NUMBER_OF_PATIENTS"], pa.int64()).to_numpy()
    age_sex = np.zeros((len(codes), 2, len(lower)), dtype=np.int64)
    keep = ~np.isnan(row.astype(float)) if row.dtype == object else np.ones(len(row), bool)
    np.add.at(age_sex, (row[keep].astype(np.int64), s[keep], b[keep]), n[keep])
    differ = np.flatnonzero(age_sex.sum(axis=(1, 2)) != size)
    if len(differ):
        shown = ", ".join(codes[int(i)].as_py() for i in differ[:5])
        raise CarenetError(f"{folder / AGE_SEX_CSV}: {len(differ)} practice(s) whose age-sex counts do not add up "
                           f"to their total ({shown})")

    geo = _read(folder / MAP_CSV, ["PRACTICE_CODE", "PRACTICE_NAME", "PCN_CODE", "PCN_NAME", "SUB_ICB_LOCATION_CODE",
                                   "SUB_ICB_LOCATION_NAME", "ICB_CODE", "ICB_NAME", "COMM_REGION_CODE",
                                   "COMM_REGION_NAME"])
    at = pc.index_in(codes, value_set=geo["PRACTICE_CODE"].combine_chunks())
    if at.null_count:
        missing = codes.filter(pc.is_null(at)).to_pylist()
        raise CarenetError(f"{folder / MAP_CSV}: {len(missing)} practice(s) of {AGE_SEX_CSV} are not in the map "
                           f"({', '.join(missing[:5])})")
    geo = geo.take(at)
    imd = _imd(folder / IMD_CSV, codes)
    practices = conform("practices", pa.table({
        "practice_id": codes, "name": pc.coalesce(geo["PRACTICE_NAME"], codes), "network_id": geo["PCN_CODE"],
        "imd_score": imd, "list_size": pa.array(size, pa.int32()), "postcode": totals["POSTCODE"],
    }))
    pcn = geo.select(["PCN_CODE", "PCN_NAME"]).group_by("PCN_CODE", use_threads=False).aggregate(
        [("PCN_NAME", "first")]).sort_by("PCN_CODE")
    networks = conform("networks", pa.table({
        "network_id": pcn["PCN_CODE"], "name": pc.coalesce(pcn["PCN_NAME_first"], pcn["PCN_CODE"]),
        "kind": pa.array(["pcn"] * pcn.num_rows)}))

    def column(name: str) -> np.ndarray:
        return np.array(pc.fill_null(geo[name], "unknown").to_pylist(), dtype=object)

    def named(code: str, name: str) -> dict[str, str]:
        return dict(zip(column(code).tolist(), column(name).tolist(), strict=True))

    extract = pc.unique(totals["EXTRACT_DATE"]).to_pylist()
    return England(
        practices=practices, networks=networks, region=column("COMM_REGION_CODE"),
        subicb=column("SUB_ICB_LOCATION_CODE"), icb=column("ICB_CODE"), age_sex=age_sex, age_lower=lower,
        names={"region": named("COMM_REGION_CODE", "COMM_REGION_NAME"),
               "subicb": named("SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME"),
               "icb": named("ICB_CODE", "ICB_NAME")},
        extract_date=",".join(str(e) for e in extract),
        sources={"age_sex": AGE_SEX_CSV, "map": MAP_CSV, "deprivation": IMD_CSV},
    )


def _imd(path: Path, codes: pa.Array) -> pa.Array:
    """IMD 2019 score of each practice (null where Fingertips has none)."""
    t = _read(path, ["Area Code", "Area Type", "Value"])
    t = t.filter(pc.match_substring(pc.utf8_lower(t["Area Type"]), "gp"))
    value = pc.cast(pc.if_else(pc.equal(t["Value"], ""), None, t["Value"]), pa.float64())
    at = pc.index_in(codes, value_set=t["Area Code"].combine_chunks())
    return pc.take(value, at)


def select(england: England, practices: int | None = None, region: str | None = None) -> np.ndarray:
    """Positions of the practices to generate: all, those of one region, and/or the first ``practices`` of them."""
    chosen = np.arange(england.size)
    if region is not None:
        regions = sorted(set(england.region.tolist()))
        if region not in regions:
            raise CarenetError(f"unknown region {region!r}; the practice map has {', '.join(regions)}")
        chosen = chosen[england.region[chosen] == region]
    if practices is not None:
        chosen = chosen[:practices]
    return chosen


@dataclass(frozen=True)
class Task:
    """At most a batch of patients of one sub-ICB location: the plan positions of its practices."""

    region: str
    subicb: str
    part: int
    positions: tuple[int, ...]
    patients: int


def tasks(p: Plan, region: np.ndarray, subicb: np.ndarray, batch_patients: int) -> list[Task]:
    """The work, sub-ICB location by sub-ICB location (plan order), in runs of at most ``batch_patients``."""
    out: list[Task] = []
    sizes = p.sizes
    order = sorted(range(len(sizes)), key=lambda i: (region[i], subicb[i], i))
    current: list[int] = []
    count, part, key = 0, 0, None
    for i in order:
        k = (region[i], subicb[i])
        if key is not None and (k != key or (current and count + sizes[i] > batch_patients)):
            out.append(Task(key[0], key[1], part, tuple(current), count))
            part = part + 1 if k == key else 0
            current, count = [], 0
        key = k
        current.append(i)
        count += int(sizes[i])
    if current and key is not None:
        out.append(Task(key[0], key[1], part, tuple(current), count))
    return out


_PLAN: Plan | None = None
_SMALL: dict[str, pa.Table] | None = None


def _partition(table: str, task: Task) -> str:
    return f"{table}/region={task.region}/subicb={task.subicb}/part-{task.part:03d}.parquet"


def run_task(staging: Path, task: Task) -> dict[str, int]:
    """Generate one task's practices, check them and write them (a row group per practice); the rows per table."""
    assert _PLAN is not None and _SMALL is not None
    parts = [patient_tables(_PLAN, range(i, i + 1)) for i in task.positions]
    whole = {name: pa.concat_tables([part[name] for part in parts]) for name in PATIENT_TABLES}
    problems = validate_dataset({**whole, "practices": _SMALL["practices"], "clinicians": _SMALL["clinicians"],
                                 "teams": _SMALL["teams"]})
    if problems:
        raise ValidationError(problems)
    del whole
    for name in PATIENT_TABLES:
        where = staging / _partition(name, task)
        where.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(where, TABLES[name].schema, compression="zstd") as writer:
            for part in parts:
                writer.write_table(part[name], row_group_size=max(1, part[name].num_rows))
    return {name: sum(part[name].num_rows for part in parts) for name in PATIENT_TABLES}


def _run(args: tuple[Path, Task]) -> tuple[Task, dict[str, int]]:
    return args[1], run_task(*args)


def _die_with_parent() -> None:
    """Make a worker die with the process that started it (Linux), so a killed run leaves no writer behind."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _results(staging: Path, work: list[Task], workers: int) -> Iterator[tuple[Task, dict[str, int]]]:
    if workers <= 1 or len(work) <= 1:
        for task in work:
            yield task, run_task(staging, task)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(min(workers, len(work)), initializer=_die_with_parent) as pool:
        yield from pool.imap_unordered(_run, [(staging, t) for t in work])


def write_england(path: str | os.PathLike[str], england: England, chosen: np.ndarray, *, seed: int,
                  batch_patients: int, workers: int = 1, reference_date: dt.date | None = None,
                  on_task: Callable[[int], None] | None = None) -> Manifest:
    """Generate the ``chosen`` practices of ``england`` (positions from :func:`select`) into the dataset at ``path``.

    The reference date defaults to the files' extract date (1 July 2026): patients' ages are their ages that day.

    ``on_task(patients)`` is called as each task is written (a progress bar). The dataset is replaced only when
    every task is written; a failure or a killed run leaves the previous dataset whole.
    """
    global _PLAN, _SMALL
    chosen = np.asarray(chosen, dtype=np.int64)
    if len(chosen) == 0:
        raise CarenetError("no practices to generate")
    chosen = chosen[np.lexsort((chosen, england.subicb[chosen], england.region[chosen]))]
    sizes = england.practices["list_size"].to_numpy().astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    practices = england.practices.take(pa.array(chosen))
    wanted = set(practices["network_id"].drop_null().to_pylist())
    all_networks = england.networks["network_id"].to_pylist()
    net_pos = np.array([j for j, n in enumerate(all_networks) if n in wanted], dtype=np.int64)
    networks = england.networks.take(pa.array(net_pos, pa.int64()))
    placement = Placement(streams=chosen, network_streams=net_pos, offsets=offsets[chosen], numbered=int(sizes.sum()))
    if reference_date is None:
        reference_date = _extract_day(england.extract_date)
    p = plan(practices, networks, seed=seed, reference_date=reference_date, placement=placement,
             age_sex=(england.age_sex[chosen], england.age_lower))
    small = small_tables(p)
    problems = validate_dataset(small)
    if problems:
        raise ValidationError(problems)
    region, subicb = england.region[chosen], england.subicb[chosen]
    work = tasks(p, region, subicb, batch_patients)
    counts = {name: table.num_rows for name, table in small.items()}
    units = sorted({(str(r), str(s), str(i)) for r, s, i in zip(region, subicb, england.icb[chosen], strict=True)})
    extra: dict[str, Any] = {
        **generation_details(p, "england" if len(chosen) == england.size else f"england ({len(chosen)} practices)"),
        "england": {
            "files": england.sources, "extract_date": england.extract_date,
            "deprivation": "IMD 2019 (Fingertips 93553)",
            "practices": len(chosen), "of_practices": england.size,
        },
        "partitioning": {"tables": list(PATIENT_TABLES), "directories": list(PARTITION_KEYS),
                         "row_groups": "practice", "files": len(work)},
        "geography": {"subicb": {s: {"region": r, "icb": i, "name": england.names["subicb"].get(s, s)}
                                 for r, s, i in units},
                      "region": {r: england.names["region"].get(r, r) for r, _, _ in units},
                      "practice": dict(zip(practices["practice_id"].to_pylist(), subicb.tolist(), strict=True)),
                      "icb": {i: england.names["icb"].get(i, i) for _, _, i in units}},
    }
    manifest = Manifest(sources=[f"synthetic:england ({england.sources['age_sex']}, {england.sources['map']}, "
                                 f"{england.sources['deprivation']})"], seed=seed, extra=extra)

    def write(staging: Path) -> None:
        global _PLAN, _SMALL
        for name, table in small.items():
            pq.write_table(table, staging / f"{name}.parquet", compression="zstd")
        for name in PATIENT_TABLES:
            (staging / name).mkdir()
            counts[name] = 0
        _PLAN, _SMALL = p, small
        try:
            for task, written in _results(staging, work, workers):
                for name, n in written.items():
                    counts[name] += n
                if on_task is not None:
                    on_task(task.patients)
        finally:
            _PLAN = _SMALL = None
        manifest.counts = {n: counts[n] for n in TABLES if n in counts}

    return write_staged(Path(path), manifest, write)


def _extract_day(extract: str) -> dt.date | None:
    """The files' extract date (the day the lists were counted), the generated population's reference date."""
    try:
        return dt.date.fromisoformat(extract.split(",")[0])
    except ValueError:
        return None


def partition_of(manifest: Manifest) -> dict[str, Any] | None:
    """The partitioning a dataset's manifest records, or ``None`` for an unpartitioned dataset."""
    part = manifest.extra.get("partitioning")
    return part if isinstance(part, dict) else None
