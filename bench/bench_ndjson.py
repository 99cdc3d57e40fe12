"""Bulk ndjson import throughput: MB/s and resources/s of ``carenet import fhir`` end to end.

Builds a bulk-data export (one ``<Type>.ndjson`` per resource type, relative references) from the
Synthea R4 bundles in ``../shared/external/synthea-r4/bundles``: the patients and everything about
them are replicated ``--copies`` times under new ids, the run's Organizations and Practitioners are
written once. Two mixes:

* ``synthea`` — every resource type, as Synthea writes them (Observations, Claims … dominate the
  bytes; carenet checks their type and skips them);
* ``carenet`` — only the types carenet reads, each validated in full and mapped: the worst case.

The compiled validators come from their cache (as on every import but the first after an install or
upgrade); ``--cold`` starts from an empty cache, so the R4B models are built and walked first.

    python bench/bench_ndjson.py --mix synthea --copies 24
    python bench/bench_ndjson.py --mix carenet --copies 120
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

from carenet.params import parameter
from carenet.sources.fhir import FhirDefaults, import_fhir
from carenet.sources.fhir.vocabulary import READ_TYPES

ROOT = Path(__file__).resolve().parents[1]
BUNDLES = ROOT.parent / "shared" / "external" / "synthea-r4" / "bundles"
_URN = re.compile(r'"urn:uuid:([0-9a-f-]{36})"')
_UUID = re.compile(r"\b([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b")


def build_export(folder: Path, copies: int, mix: str) -> Counter[str]:
    """Write the replicated export into ``folder``; return resources written per type."""
    entries = [e for p in sorted(BUNDLES.glob("*.json")) for e in json.loads(p.read_text())["entry"]]
    type_of = {e["resource"]["id"]: e["resource"]["resourceType"] for e in entries}
    shared = {"Organization", "Practitioner"}
    handles: dict[str, object] = {}
    counts: Counter[str] = Counter()
    seen_shared: set[str] = set()

    def write(kind: str, text: str) -> None:
        if kind not in handles:
            handles[kind] = (folder / f"{kind}.ndjson").open("w")
        handles[kind].write(text + "\n")
        counts[kind] += 1

    for copy in range(copies):
        for e in entries:
            r = e["resource"]
            kind = r["resourceType"]
            if mix == "carenet" and kind not in READ_TYPES:
                continue
            if kind in shared:
                if r["id"] in seen_shared:
                    continue
                seen_shared.add(r["id"])
            text = json.dumps(r, separators=(",", ":"))
            text = _URN.sub(lambda m: f'"{type_of.get(m.group(1), "Unknown")}/{m.group(1)}"', text)
            if kind not in shared:
                text = _UUID.sub(lambda m, c=copy: m.group(1) if type_of.get(m.group(1)) in shared
                                 else f"{m.group(1)[:-4]}{c:04x}", text)
            write(kind, text)
    for handle in handles.values():
        handle.close()
    return counts


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process, and of it with its finished children (the import's workers): robust to a
    busy machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    mine = own.ru_utime + own.ru_stime
    return mine, mine + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mix", choices=["synthea", "carenet"], default="synthea")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--workers", type=int, default=0, help="0 = one per core")
    parser.add_argument("--cold", action="store_true", help="start without the compiled validators' cache")
    args = parser.parse_args()
    defaults = FhirDefaults.from_parameters(parameter("fhir_import"))
    work = Path(tempfile.mkdtemp(prefix="carenet-bench-"))
    try:
        export = work / "export"
        export.mkdir()
        counts = build_export(export, args.copies, args.mix)
        size = sum(p.stat().st_size for p in export.iterdir())
        n = sum(counts.values())
        if args.cold:
            os.environ["CARENET_CACHE_DIR"] = str(work / "cache")
        main_before, cpu_before = _cpu_seconds()
        start = time.perf_counter()
        result = import_fhir([export], work / "dataset", defaults, workers=args.workers or None)
        elapsed = time.perf_counter() - start
        main_after, cpu_after = _cpu_seconds()
        cpu, main_cpu = cpu_after - cpu_before, main_after - main_before
        print(f"mix={args.mix} copies={args.copies} files={len(counts)} size={size / 1e6:.1f} MB "
              f"resources={n:,} (read {n - sum(result.skipped.values()):,}, skipped "
              f"{sum(result.skipped.values()):,})")
        print(f"rows: {', '.join(f'{k}={v:,}' for k, v in result.counts.items() if v)}")
        print(f"import: {elapsed:.2f} s  {size / 1e6 / elapsed:.1f} MB/s  {n / elapsed:,.0f} resources/s")
        print(f"cpu: {cpu:.2f} s in all processes, {main_cpu:.2f} s of it in the importing one "
              f"({size / 1e6 / cpu:.1f} MB per cpu-second); load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores{'; validators compiled (cold cache)' if args.cold else ''}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
