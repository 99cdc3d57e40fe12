"""Where practices come from: the demo network, a user's CSV, or scaling any set to a chosen size.

A practices CSV has a header row and these columns (any order; others are ignored):

===============  ========  ==============================================================
column           required  meaning
===============  ========  ==============================================================
practice_id      yes       practice code (ODS style, e.g. A81001); unique
name             yes       practice name
list_size        yes       registered patients, a whole number 0-200,000
imd_score        no        IMD 2019 score of the registered population, 0-100 (blank: unknown)
network_id       no        network (PCN) the practice belongs to (blank: none)
postcode         no        main-site postcode
===============  ========  ==============================================================
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.errors import CarenetError
from carenet.schema.tables import TABLES, conform

REQUIRED = ("practice_id", "name", "list_size")
OPTIONAL = ("imd_score", "network_id", "postcode")
_MAX_SHOWN = 30

DEMO_NETWORK = {"network_id": "U99001", "name": "Riverside and Hillview PCN", "kind": "pcn"}
_DEMO = (
    ("Z99001", "Riverside Medical Centre", 14_200, 17.5),
    ("Z99002", "Market Street Practice", 11_800, 38.0),
    ("Z99003", "Hillview Surgery", 9_600, 9.5),
    ("Z99004", "Old Mill Health Centre", 8_300, 27.0),
    ("Z99005", "Parkside Surgery", 6_100, 13.0),
)
"""Five fictional practices (Z99 codes are not issued) with a spread of deprivation, 50,000 patients."""


def demo_practices() -> pa.Table:
    """The demo network's five practices (one PCN, 50,000 patients, IMD scores from 9.5 to 38)."""
    return conform("practices", pa.table({
        "practice_id": [p[0] for p in _DEMO],
        "name": [p[1] for p in _DEMO],
        "network_id": [DEMO_NETWORK["network_id"]] * len(_DEMO),
        "imd_score": [p[3] for p in _DEMO],
        "list_size": pa.array([p[2] for p in _DEMO], pa.int32()),
    }))


def demo_networks() -> pa.Table:
    """The demo network: one primary care network."""
    return conform("networks", pa.table({k: [v] for k, v in DEMO_NETWORK.items()}))


def read_practices_csv(path: str | os.PathLike[str]) -> pa.Table:
    """Practices from a user's CSV (columns in the module docstring); every bad row is reported with its line."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise CarenetError(f"{path}: practices file not found") from None
    except UnicodeDecodeError as exc:
        raise CarenetError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not rows:
        raise CarenetError(f"{path}: the file is empty; expected a header with {', '.join(REQUIRED)}")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CarenetError(f"{path} line 1: missing column(s) {', '.join(missing)} "
                           f"(found: {', '.join(h for h in header if h) or 'none'})")
    where = {c: header.index(c) for c in (*REQUIRED, *OPTIONAL) if c in header}
    problems: list[str] = []
    seen: dict[str, int] = {}
    out: dict[str, list] = {c: [] for c in (*REQUIRED, *OPTIONAL)}
    lo, hi = TABLES["practices"].ranges["list_size"]
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))

        def cell(column: str, row: list[str] = row) -> str:
            return row[where[column]].strip() if column in where else ""

        bad = []
        practice_id, name = cell("practice_id"), cell("name")
        if not practice_id:
            bad.append("practice_id is empty")
        elif practice_id in seen:
            bad.append(f"practice_id {practice_id!r} repeats line {seen[practice_id]}")
        if not name:
            bad.append("name is empty")
        size = _whole(cell("list_size"))
        if size is None:
            bad.append(f"list_size {cell('list_size')!r} is not a whole number")
        elif not lo <= size <= hi:
            bad.append(f"list_size {size} is outside {lo}-{hi:,}")
        imd_text = cell("imd_score")
        imd = _number(imd_text) if imd_text else None
        if imd_text and (imd is None or not 0.0 <= imd <= 100.0):
            bad.append(f"imd_score {imd_text!r} is not a number between 0 and 100")
        if bad:
            problems.append(f"{path} line {line}: " + "; ".join(bad))
            continue
        seen[practice_id] = line
        for column, value in (("practice_id", practice_id), ("name", name), ("list_size", size),
                              ("imd_score", imd), ("network_id", cell("network_id") or None),
                              ("postcode", cell("postcode") or None)):
            out[column].append(value)
    if problems:
        shown = "\n  ".join(problems[:_MAX_SHOWN])
        more = f"\n  … and {len(problems) - _MAX_SHOWN} more" if len(problems) > _MAX_SHOWN else ""
        raise CarenetError(f"{len(problems)} bad row(s) in the practices file:\n  {shown}{more}")
    if not out["practice_id"]:
        raise CarenetError(f"{path}: no practices (only a header)")
    return conform("practices", pa.table({
        **{c: out[c] for c in ("practice_id", "name", "network_id", "postcode")},
        "imd_score": pa.array(out["imd_score"], pa.float64()),
        "list_size": pa.array(out["list_size"], pa.int32()),
    }))


def _whole(text: str) -> int | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value == int(value) else None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def networks_for(practices: pa.Table, networks: pa.Table | None = None) -> pa.Table:
    """The given networks, or one ``pcn`` per distinct ``network_id`` of the practices (named by its code)."""
    if networks is not None:
        return conform("networks", networks)
    ids = pc.unique(practices["network_id"].drop_null()).to_pylist()
    return conform("networks", pa.table({"network_id": ids, "name": ids, "kind": ["pcn"] * len(ids)}))


def scale_list_sizes(practices: pa.Table, total: int) -> pa.Table:
    """Practices with list sizes scaled to add up to ``total`` (largest remainders), shape of the list kept."""
    sizes = practices["list_size"].to_numpy().astype(np.int64)
    if total < 0:
        raise CarenetError(f"cannot make a population of {total} patients")
    if sizes.sum() == 0:
        raise CarenetError("every practice has list size 0, so there is nothing to scale")
    exact = sizes * (total / sizes.sum())
    scaled = np.floor(exact).astype(np.int64)
    short = total - int(scaled.sum())
    scaled[np.argsort(-(exact - scaled), kind="stable")[:short]] += 1
    hi = TABLES["practices"].ranges["list_size"][1]
    if scaled.max(initial=0) > hi:
        raise CarenetError(f"scaling to {total:,} patients makes a practice larger than {hi:,}; "
                           "add practices or choose a smaller total")
    index = practices.schema.get_field_index("list_size")
    return practices.set_column(index, practices.schema.field(index), pa.array(scaled, pa.int32()))
