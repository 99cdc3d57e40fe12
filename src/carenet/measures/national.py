"""The scorecard of every practice, PCN, sub-ICB location or region of a national dataset, out of core.

A national dataset (60 million patients) is too large to split unit by unit as
:func:`carenet.measures.unit_scorecards.unit_scorecards` does (a whole scorecard per unit, about two seconds each, so
hours for 6,000 practices). Here the patient profile (:func:`carenet.measures.segments.patient_profile`) is joined to
each patient's unit and aggregated by unit with the same sums the network's scorecard divides
(:func:`carenet.measures.segments.population_aggregates`), so a unit's figures are those its own scorecard gives.
The sums add up, so the dataset is aggregated partition by partition (a sub-ICB location's folder at a time,
:func:`partition_tables`; the engine scans the Parquet files itself and no table is brought into Python) and the
partial sums are added: memory is bounded by one partition, not by England (one query over the whole dataset makes
DuckDB spill gigabytes of hash tables keyed by 63 million patient ids).

Which unit a practice belongs to comes from ``units`` (practice_id, practice, pcn, subicb, region), a small table
the caller builds (from a national dataset's manifest, :func:`units_from_manifest`). The engine is the connection
given, so the same code runs on DuckDB or any backend :func:`carenet.measures.backend.load` exposes a dataset on.

The population attribute is what a generated population holds. The other attributes (access, continuity,
coordination, person-centred care, community, workforce) are listed per unit with the reason the dataset cannot give
them (read from one practice's own scorecard: no appointments, no care plans ...), or, where it could, a note that
they are left to the per-unit scorecards (``carenet score --by practice|pcn`` on one network's or sub-ICB's
dataset).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from carenet.measures.backend import Tables
from carenet.measures.scorecard import ScorecardConfig, scorecard
from carenet.measures.segments import patient_profile, population_aggregates, population_values
from carenet.measures.sites import UNIT_COLUMN, patient_units
from carenet.measures.support import Unsupported
from carenet.measures.unit_scorecards import card_rows, unit_tables
from carenet.schema import Dataset, conform
from carenet.schema.errors import CarenetError

NATIONAL_UNITS: dict[str, str] = {
    "practice": "the patient's registered practice",
    "pcn": "the primary care network of the patient's practice (practices.network_id)",
    "subicb": "the sub-ICB location of the patient's practice (the practice map)",
    "region": "the NHS England region of the patient's practice (the practice map)",
}
UNIT_COLUMNS = ("practice_id", "practice", "pcn", "subicb", "region")


def units_from_manifest(extra: Mapping[str, Any], practices: pa.Table) -> pa.Table:
    """Each practice's practice, PCN, sub-ICB location and region (``UNIT_COLUMNS``), from a national dataset's
    manifest (``geography``) and its practices table."""
    geography = extra.get("geography")
    if not isinstance(geography, Mapping) or "practice" not in geography:
        raise CarenetError("the dataset's manifest records no geography (practice -> sub-ICB -> region); only a "
                           "dataset written by 'carenet population england' can be scored by subicb or region")
    of_practice, of_subicb = geography["practice"], geography.get("subicb", {})
    ids = practices["practice_id"].to_pylist()
    subicb = [of_practice.get(p) for p in ids]
    region = [(of_subicb.get(s) or {}).get("region") if s is not None else None for s in subicb]
    return pa.table({"practice_id": ids, "practice": ids, "pcn": practices["network_id"], "subicb": subicb,
                     "region": region}).cast(pa.schema([(c, pa.string()) for c in UNIT_COLUMNS]))


def check_national_unit(by: str) -> str:
    if by not in NATIONAL_UNITS:
        raise CarenetError(f"unknown unit {by!r}; choose one of {', '.join(NATIONAL_UNITS)}")
    return by


PARTITIONED_TABLES = ("patients", "registrations", "panels", "conditions")
"""The patient tables a national dataset partitions by region and sub-ICB location."""


def partitions(dataset: Dataset) -> list[Path]:
    """The leaf partition folders of a national dataset's ``patients`` (``region=R/subicb=S``), in order; one
    folder (the table's own) when it is not partitioned."""
    root = dataset.arrow_path("patients")
    if not root.is_dir():
        return []
    leaves = sorted({f.parent.relative_to(root) for f in root.rglob("*.parquet")})
    return [Path(leaf) for leaf in leaves]


def partition_tables(tables: Tables, dataset: Dataset, leaf: Path) -> Tables:
    """``tables`` with the patient tables cut to one partition folder (``leaf``, relative to each table's folder):
    the engine reads only that folder's files. The small tables stay whole."""
    out = {n: tables[n] for n in tables}
    for name in PARTITIONED_TABLES:
        if name not in tables:
            continue
        folder = dataset.arrow_path(name) / leaf
        files = sorted(folder.glob("*.parquet"))
        if not files:
            continue
        table_name = f"carenet_part_{name}_{next(_part_counter)}"
        if tables.con.name == "duckdb":
            out[name] = tables.con.read_parquet([str(f) for f in files], table_name=table_name)
        elif hasattr(tables.con, "read_parquet"):
            out[name] = tables.con.read_parquet(str(folder), table_name=table_name)
        else:
            out[name] = tables.upload(table_name, conform(name, pq.read_table(folder)))
    return Tables(tables.con, out)


_part_counter = itertools.count()


def scan_parts(tables: Tables, dataset: Dataset) -> tuple[int, Iterator[Tables]]:
    """How the engine reads a national dataset: how many parts, and the parts.

    DuckDB reads it partition by partition (:func:`partition_tables`), so one machine's memory holds one sub-ICB
    location's hash tables, not England's. Spark reads it in one pass: it spreads the scan and the aggregation over
    its executors' cores and spills itself, and a job per partition would pay its scheduling (a tenth of a second or
    more per query) a hundred times over and leave cores idle on small partitions.
    """
    leaves = partitions(dataset)
    if not leaves or tables.con.name == "pyspark":
        return 1, iter([tables])
    return len(leaves), (partition_tables(tables, dataset, leaf) for leaf in leaves)


def notes_part(tables: Tables, dataset: Dataset) -> Tables:
    """The tables the notes on the other attributes are read from (:func:`national_scorecards`' ``notes``): the
    first partition of a partitioned dataset, so their cost stays that of one sub-ICB location's folder however large
    the dataset and whichever engine; the whole dataset otherwise."""
    leaves = partitions(dataset)
    return partition_tables(tables, dataset, leaves[0]) if leaves else tables


def national_scorecards(parts: Iterable[Tables], units: pa.Table, config: ScorecardConfig, by: str, as_of: date,
                        on_part: Callable[[int], None] | None = None, notes: Tables | None = None) -> pd.DataFrame:
    """One row per unit and measure (``unit``, ``attribute``, ``measure``, ``label``, ``measure_unit``, ``value``,
    ``note``), as :func:`~carenet.measures.unit_scorecards.unit_scorecards` gives, for every ``by`` unit at once.

    ``parts`` are the dataset's partitions (:func:`partition_tables`; or the whole dataset as one part): each is
    aggregated by unit in one query and the sums are added, so memory is bounded by a partition and a unit that
    spans partitions (a PCN across two sub-ICB locations, a region) is scored on all its patients.
    ``on_part(i)`` is called as each part is done. The other attributes' notes are read from one practice's
    scorecard on ``notes`` (:func:`notes_part`; the first part if not given).
    """
    check_national_unit(by)
    totals: pd.DataFrame | None = None
    first: Tables | None = None
    for i, tables in enumerate(parts):
        if first is None:
            first = tables
        unit_of = tables.upload(f"carenet_units_{by}", units.select(["practice_id", by]).rename_columns(
            ["u_practice", "unit"]))
        profile = patient_profile(tables, as_of, config.population)
        joined = profile.join(unit_of, profile.practice_id == unit_of.u_practice)
        grouped = joined.group_by("unit").aggregate(**population_aggregates(joined))
        sums = tables.con.to_pyarrow(grouped).to_pandas().set_index("unit").astype("float64")
        totals = sums if totals is None else totals.add(sums, fill_value=0.0)
        if on_part is not None:
            on_part(i)
    if totals is None or first is None:
        raise CarenetError("the dataset has no patients to score")
    others = _activity_notes(notes if notes is not None else first, replace(config, as_of=as_of), as_of)
    out = []
    for unit, row in totals.sort_index().iterrows():
        out.extend(card_rows(unit, {"population": population_values(row.to_dict()), **others}))
    return pd.DataFrame(out, columns=["unit", "attribute", "measure", "label", "measure_unit", "value", "note"])


def _activity_notes(tables: Tables, config: ScorecardConfig, as_of: date) -> dict[str, dict[str, Unsupported]]:
    """The attributes other than the population, each measure with why the national pass does not score it: the
    reason the dataset cannot give it (read from the scorecard of one practice of ``tables``, the first by code), or
    that it is left to the per-unit scorecards."""
    who = patient_units(tables, "practice", as_of)
    if isinstance(who, Unsupported):
        return {}
    found = tables.con.execute(who[UNIT_COLUMN].min())
    if found is None or pd.isna(found):
        return {}
    first = str(found)
    # The practice's rows are read out of the national tables once, into small tables the scorecard's queries
    # share; scoring the filtered national tables directly would scan all of them once per measure.
    mine = tables.materialize(who.filter(who[UNIT_COLUMN] == first), "national_notes_patients")
    cut = unit_tables(tables, "practice", first, mine)
    small = Tables(tables.con, {name: tables.materialize(cut[name], f"national_notes_{name}") for name in cut})
    card = scorecard(small, config, label=first)
    left = Unsupported("not in the national pass (one grouped query per measure covers the population attribute); "
                       "score it with carenet score --by practice|pcn on a network's or sub-ICB's dataset")
    return {attribute: {k: v if isinstance(v, Unsupported) else left for k, v in section.items()}
            for attribute, section in card.sections.items() if attribute != "population"}


__all__ = ["NATIONAL_UNITS", "PARTITIONED_TABLES", "UNIT_COLUMNS", "check_national_unit", "national_scorecards",
           "notes_part", "partition_tables", "partitions", "scan_parts", "units_from_manifest"]
