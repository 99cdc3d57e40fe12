"""Fuzz every importer with mutated inputs and count how each case ends (docs/reliability.md).

Each case takes a valid input of one importer — the sample practice extract (``examples/extract``),
the FHIR sample bundle (as a bundle or as bulk-data ndjson), an NHS Digital registered-patients list
and an "Appointments in General Practice" file — applies one to three seeded mutations, and imports
it, in this process, either into a copy of a dataset that already holds the valid input or into a
new folder. The mutations are those of the Hypothesis mutation tests (tests/sources/*/…mutations.py:
changed cells, dropped or renamed columns, repeated, dropped, cut and garbage lines, bad bytes,
changed, deleted and repeated JSON values, cut JSON with noise) plus "clearly invalid" ones, each of
which no importer may accept:

* extract: a birth date in the future, a non-date in a date column, an unknown sex code, an NHS
  number with a wrong check digit, an unknown appointment status, a negative FTE;
* FHIR: a birth date in the future, an unknown gender, an appointment start that is not a date-time,
  a deprivation decile of 99, a negative FTE;
* NHS lists: a negative list size, a list size that is not a number, a typo in TYPE, SEX or AGE;
* NHS appointments: a negative count, a month that is not a month, an unknown status or HCP type.

Every case ends as one of:

* ``accepted``: imported, and the dataset passes every check;
* ``rejected``: refused with a CarenetError naming the problem, the target exactly as it was;
* ``crash``: any other exception (the first ones are written to the report with their tracebacks);
* ``partial``: refused, but the target folder (or its parent) changed;
* ``silent``: a clearly invalid input accepted.

Run: ``python bench/bench_fuzz.py`` (10,000 cases, about ten minutes on one busy core) or
``--cases 100000 --seed 13``; ``--report FILE`` writes the counts and any crash as JSON.
"""

from __future__ import annotations

import argparse
import copy
import csv
import hashlib
import io
import json
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "sources" / "csv"), str(ROOT / "tests" / "sources" / "fhir")]

from fhir_samples import resources, sample_bundle  # noqa: E402
from test_csv_mutations import _COUNTS, _LIST, NASTY  # noqa: E402
from test_csv_mutations import _apply as apply_csv_mutation  # noqa: E402
from test_fhir_mutations import _mutate as mutate_json  # noqa: E402
from test_fhir_mutations import _paths as json_paths  # noqa: E402

from carenet.params import parameter  # noqa: E402
from carenet.schema import CarenetError, check_dataset, open_dataset  # noqa: E402
from carenet.schema.folders import LOCK_FILE, STATE_DIR  # noqa: E402
from carenet.sources.extract import import_extract  # noqa: E402
from carenet.sources.fhir import FhirDefaults, import_fhir  # noqa: E402
from carenet.sources.nhs import import_appointment_counts, import_registered_practices  # noqa: E402

SAMPLE = ROOT / "examples" / "extract"
EXTRACT_FILES = ("registrations.csv", "clinicians.csv", "appointments.csv", "conditions.csv")
CSV_KINDS = ("cell", "cell", "cell", "drop_column", "rename_column", "duplicate_line", "drop_line", "truncate_line",
             "garbage_line", "bytes")
JSON_VALUES: tuple[object, ...] = (None, True, False, -1, 0, 7, 10**12, 1.5, "", "x", "2024-02-30", "Patient/ghost",
                                   "urn:uuid:x", "[/]", "[bold]", [1, 2], {"a": 1}, "💥", "9999-12-31")
IMPORTERS = {"extract": 0.05, "fhir-bundle": 0.05, "fhir-ndjson": 0.05, "nhs-registered": 0.425,
             "nhs-appointments": 0.425}
"""Share of the cases per importer: an extract or FHIR case costs 0.1-0.2 s (DuckDB and Arrow set-up per
import), an NHS case about 10 ms, so the shares keep a 100,000-case run near an hour on one core."""
CLEARLY_INVALID_SHARE = 0.25
"""Share of the cases that carry one clearly invalid mutation (besides any random ones)."""
INTO_EXISTING_SHARE = 0.5
"""Share of the cases imported into a copy of a dataset holding the valid input (the rest into a new folder)."""
CRASHES_KEPT = 20
CHECKPOINT_CASES = 1000
"""With --report, the counts so far are written every this many cases (a long run can be read while it runs)."""


@dataclass
class Case:
    importer: str
    invalid: str | None
    existing: bool


# --- inputs and the datasets they are imported into ----------------------------------------------------------------


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)


def _read_rows(path: Path) -> list[list[str]] | None:
    try:
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    except UnicodeDecodeError:
        return None


def _set_cell(path: Path, column: str, line: int, value: str) -> bool:
    """Set ``column`` on data line ``line`` (1-based after the header); False when the file no longer has it."""
    rows = _read_rows(path)
    if not rows or column not in rows[0] or len(rows) < 2:
        return False
    row = rows[1 + (line - 1) % (len(rows) - 1)]
    index = rows[0].index(column)
    if index >= len(row):
        return False
    row[index] = value
    _write_rows(path, rows)
    return True


def _ndjson(bundle: dict) -> bytes:
    return "".join(json.dumps(entry["resource"]) + "\n" for entry in bundle["entry"]).encode()


class Inputs:
    """The valid inputs, and a dataset holding each (the target of the cases that import into one)."""

    def __init__(self, work: Path, defaults: FhirDefaults):
        self.work, self.defaults = work, defaults
        self.docs = {"fhir-bundle": sample_bundle(),
                     "fhir-ndjson": {"resourceType": "Bundle", "type": "collection",
                                     "entry": [{"resource": r} for r in resources()]}}
        """The FHIR inputs as bundles (bulk data is written one resource a line, so it refers by Type/id)."""
        self.paths = {kind: json_paths(doc) for kind, doc in self.docs.items()}
        self.bases: dict[str, Path] = {}
        valid = work / "valid"
        for importer in IMPORTERS:
            folder = valid / importer
            folder.mkdir(parents=True)
            self.write_valid(importer, folder)
            self.bases[importer] = work / "bases" / importer
            self.run(importer, folder, self.bases[importer])

    def write_valid(self, importer: str, folder: Path) -> None:
        if importer == "extract":
            for name in EXTRACT_FILES:
                shutil.copy(SAMPLE / name, folder / name)
        elif importer == "fhir-bundle":
            (folder / "bundle.json").write_text(json.dumps(self.docs[importer]))
        elif importer == "fhir-ndjson":
            (folder / "resources.ndjson").write_bytes(_ndjson(self.docs[importer]))
        elif importer == "nhs-registered":
            _write_rows(folder / "list.csv", [list(r) for r in _LIST])
        else:
            _write_rows(folder / "counts.csv", [list(r) for r in _COUNTS])

    def run(self, importer: str, folder: Path, out: Path) -> None:
        if importer == "extract":
            import_extract([folder], out)
        elif importer.startswith("fhir"):
            import_fhir(sorted(folder.iterdir()), out, self.defaults, workers=1)
        elif importer == "nhs-registered":
            import_registered_practices(folder / "list.csv", out)
        else:
            import_appointment_counts([folder / "counts.csv"], out)


# --- mutations ----------------------------------------------------------------------------------------------------


def _random_csv(rng: np.random.Generator, folder: Path, names: tuple[str, ...]) -> None:
    name = names[rng.integers(len(names))]
    lines = max(2, (folder / name).read_bytes().count(b"\n"))
    value = NASTY[rng.integers(len(NASTY))] if rng.random() < 0.7 else _random_text(rng)
    apply_csv_mutation(folder, CSV_KINDS[rng.integers(len(CSV_KINDS))], name, int(rng.integers(1, lines)),
                       int(rng.integers(0, 13)), value)


def _random_text(rng: np.random.Generator) -> str:
    alphabet = "abcXYZ019 ,;\"'\n\t-/:[]()💥é"
    return "".join(alphabet[i] for i in rng.integers(0, len(alphabet), rng.integers(0, 12)))


def _random_json(rng: np.random.Generator, paths: list[tuple], doc: dict) -> dict:
    path = paths[rng.integers(len(paths))]
    action = ("replace", "delete", "duplicate")[rng.integers(3)]
    try:
        return mutate_json(doc, path, action, copy.deepcopy(JSON_VALUES[rng.integers(len(JSON_VALUES))]))
    except (KeyError, IndexError, TypeError):
        return doc  # an earlier mutation removed the path


def _entry(doc: object, kind: str, rng: np.random.Generator) -> dict | None:
    """A resource of ``kind`` in the (possibly mutated out of shape) bundle, or None."""
    entries = doc.get("entry") if isinstance(doc, dict) else None
    found = [e["resource"] for e in (entries if isinstance(entries, list) else ()) if isinstance(e, dict)
             and isinstance(e.get("resource"), dict) and e["resource"].get("resourceType") == kind]
    return found[rng.integers(len(found))] if found else None


EXTRACT_INVALID: dict[str, tuple[str, str, str]] = {
    "birth date in the future": ("registrations.csv", "birth_date", "2999-01-01"),
    "non-date in a date column": ("registrations.csv", "registered_from", "last spring"),
    "unknown sex code": ("registrations.csv", "sex", "Q"),
    "NHS number with a wrong check digit": ("registrations.csv", "nhs_number", "9990001007"),
    "unknown appointment status": ("appointments.csv", "status", "Maybe"),
    "negative FTE": ("clinicians.csv", "fte", "-1"),
}
NHS_LIST_INVALID: dict[str, tuple[str, str]] = {
    "negative list size": ("NUMBER_OF_PATIENTS", "-5"),
    "list size not a number": ("NUMBER_OF_PATIENTS", "lots"),
    "typo in TYPE": ("TYPE", "GPP"),
    "typo in SEX": ("SEX", "AL"),
    "typo in AGE": ("AGE", "ALLL"),
}
NHS_COUNTS_INVALID: dict[str, tuple[str, str]] = {
    "negative count": ("COUNT_OF_APPOINTMENTS", "-3"),
    "month not a month": ("Appointment_Month", "Smarch2019"),
    "unknown status": ("APPT_STATUS", "Maybe"),
    "unknown HCP type": ("HCP_TYPE", "Wizard"),
}


def _fhir_invalid(name: str, doc: dict, rng: np.random.Generator) -> bool:
    """Apply the clearly invalid FHIR mutation ``name``; False when the bundle no longer has its target."""
    kind, change = FHIR_INVALID[name]
    resource = _entry(doc, kind, rng)
    if resource is None:
        return False
    change(resource)
    return True


FHIR_INVALID: dict[str, tuple[str, Callable[[dict], None]]] = {
    "birth date in the future": ("Patient", lambda r: r.update(birthDate="2999-01-01")),
    "unknown gender": ("Patient", lambda r: r.update(gender="q")),
    "appointment start not a date-time": ("Appointment", lambda r: r.update(start="soon")),
    "deprivation decile 99": ("Patient", lambda r: r.setdefault("extension", []).append(
        {"url": "https://carenet.dev/fhir/StructureDefinition/deprivation-decile", "valueInteger": 99})),
    "negative FTE": ("PractitionerRole", lambda r: r.setdefault("extension", []).append(
        {"url": "https://carenet.dev/fhir/StructureDefinition/fte", "valueDecimal": -1})),
}
INVALID = {"extract": list(EXTRACT_INVALID), "fhir-bundle": list(FHIR_INVALID), "fhir-ndjson": list(FHIR_INVALID),
           "nhs-registered": list(NHS_LIST_INVALID), "nhs-appointments": list(NHS_COUNTS_INVALID)}


def make_case(rng: np.random.Generator, inputs: Inputs, importer: str, folder: Path) -> Case:
    """Write the valid input of ``importer`` into ``folder`` and mutate it; the case says what was done."""
    invalid = None
    if rng.random() < CLEARLY_INVALID_SHARE:
        choices = INVALID[importer]
        invalid = choices[rng.integers(len(choices))]
    steps = int(rng.integers(0 if invalid else 1, 4))
    if importer.startswith("fhir"):
        doc = copy.deepcopy(inputs.docs[importer])
        for _ in range(steps):
            doc = _random_json(rng, inputs.paths[importer], doc)
        if invalid and not _fhir_invalid(invalid, doc, rng):
            invalid = None
        data = json.dumps(doc).encode() if importer == "fhir-bundle" else _ndjson_or_text(doc)
        if steps and not invalid and rng.random() < 0.2:
            cut = int(rng.integers(0, len(data)))
            data = data[:cut] + bytes(rng.integers(0, 256, int(rng.integers(0, 5))).astype(np.uint8)) + data[cut + 4:]
        (folder / ("bundle.json" if importer == "fhir-bundle" else "resources.ndjson")).write_bytes(data)
        return Case(importer, invalid, rng.random() < INTO_EXISTING_SHARE)
    inputs.write_valid(importer, folder)
    # the random mutations first, the clearly invalid one last: it must still be in the input that is imported
    if importer == "extract":
        for _ in range(steps):
            _random_csv(rng, folder, EXTRACT_FILES)
        if invalid:
            name, column, value = EXTRACT_INVALID[invalid]
            invalid = invalid if _set_cell(folder / name, column, int(rng.integers(1, 40)), value) else None
    else:
        name = "list.csv" if importer == "nhs-registered" else "counts.csv"
        for _ in range(steps):
            _random_csv(rng, folder, (name,))
        if invalid:
            column, value = (NHS_LIST_INVALID if importer == "nhs-registered" else NHS_COUNTS_INVALID)[invalid]
            invalid = invalid if _set_cell(folder / name, column, int(rng.integers(1, 9)), value) else None
    return Case(importer, invalid, rng.random() < INTO_EXISTING_SHARE)


def _ndjson_or_text(doc: dict) -> bytes:
    """Bulk-data lines of the bundle's resources; a bundle mutated out of shape is written as it is."""
    try:
        return _ndjson(doc)
    except (KeyError, TypeError, AttributeError):
        return json.dumps(doc).encode()


# --- running and classifying ---------------------------------------------------------------------------------------


def digest(folder: Path) -> str:
    """Names and bytes of everything under ``folder`` but the lock file (which records each writer that tried)."""
    h = hashlib.sha256()
    if folder.exists():
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if rel.parts[:1] == (STATE_DIR,) and rel.name == LOCK_FILE:
                continue
            h.update(str(rel).encode())
            if path.is_file():
                h.update(path.read_bytes())
    return h.hexdigest()


def run_case(inputs: Inputs, case: Case, folder: Path, area: Path) -> tuple[str, str | None]:
    """Import the case from ``folder`` into ``area/ds``; return its outcome and, for a crash, the traceback."""
    target = area / "ds"
    if case.existing:
        shutil.copytree(inputs.bases[case.importer], target, symlinks=True)
    before, siblings = digest(target), sorted(p.name for p in area.iterdir())
    try:
        inputs.run(case.importer, folder, target)
    except CarenetError as exc:
        if not str(exc).strip():
            return "crash", f"{type(exc).__name__} with an empty message"
        if digest(target) != before or sorted(p.name for p in area.iterdir()) != siblings:
            return "partial", None
        return "rejected", None
    except Exception:  # noqa: BLE001 - a crash is what the fuzz counts
        return "crash", traceback.format_exc()
    problems = check_dataset(open_dataset(target).tables())
    if problems:
        return "crash", f"accepted, but the dataset breaks its rules: {problems[:3]}"
    if case.invalid:
        return "silent", f"accepted although {case.invalid}: {_inputs_text(folder)}"
    return "accepted", None


def _inputs_text(folder: Path) -> str:
    """The case's input, for the report of a silent acceptance (cut to a few thousand characters)."""
    return " | ".join(f"{p.name}: {p.read_text(errors='replace')[:3000]}" for p in sorted(folder.iterdir()))


def fuzz(cases: int, seed: int, console: Console, on_checkpoint: Callable[[dict], None] | None = None) -> dict:
    """Run ``cases`` seeded cases; ``on_checkpoint`` gets the counts so far every :data:`CHECKPOINT_CASES`."""
    rng = np.random.default_rng(seed)
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(prefix="carenet-fuzz-", dir=shm if shm.is_dir() else None) as tmp:
        work = Path(tmp)
        inputs = Inputs(work, FhirDefaults.from_parameters(parameter("fhir_import")))
        names, shares = list(IMPORTERS), np.array(list(IMPORTERS.values()))
        counts: Counter[tuple[str, str]] = Counter()
        silent: Counter[tuple[str, str]] = Counter()
        invalid_seen: Counter[tuple[str, str]] = Counter()
        crashes: list[dict] = []
        clock = time.perf_counter()
        columns = (TextColumn("fuzzing importers"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("ETA"), TimeRemainingColumn())
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("cases", total=cases)
            for k in range(cases):
                importer = names[rng.choice(len(names), p=shares)]
                folder, area = work / "input", work / "area"
                for stale in (folder, area):
                    shutil.rmtree(stale, ignore_errors=True)
                    stale.mkdir()
                case = make_case(rng, inputs, importer, folder)
                outcome, detail = run_case(inputs, case, folder, area)
                counts[(importer, outcome)] += 1
                if case.invalid:
                    invalid_seen[(importer, case.invalid)] += 1
                    if outcome == "silent":
                        silent[(importer, case.invalid)] += 1
                if detail is not None and len(crashes) < CRASHES_KEPT:
                    crashes.append({"case": k, "importer": importer, "outcome": outcome, "invalid": case.invalid,
                                    "detail": detail})
                bar.advance(task)
                if on_checkpoint is not None and (k + 1) % CHECKPOINT_CASES == 0 and k + 1 < cases:
                    on_checkpoint(_result(k + 1, seed, time.perf_counter() - clock, names, counts, silent,
                                          invalid_seen, crashes))
        return _result(cases, seed, time.perf_counter() - clock, names, counts, silent, invalid_seen, crashes)


def _result(cases: int, seed: int, seconds: float, names: list[str], counts: Counter, silent: Counter,
            invalid_seen: Counter, crashes: list[dict]) -> dict:
    outcomes = ("accepted", "rejected", "crash", "partial", "silent")
    return {
        "cases": cases, "seed": seed, "seconds": round(seconds, 1),
        "by_importer": {i: {o: counts[(i, o)] for o in outcomes} for i in names},
        "totals": {o: sum(counts[(i, o)] for i in names) for o in outcomes},
        "clearly_invalid": {f"{i}: {name}": {"cases": n, "accepted": silent[(i, name)]}
                            for (i, name), n in sorted(invalid_seen.items())},
        "crashes": crashes,
    }


def show(result: dict, console: Console) -> None:
    outcomes = ("accepted", "rejected", "crash", "partial", "silent")
    grid = Table("importer", *outcomes, title=f"{result['cases']:,} cases, seed {result['seed']}, "
                                              f"{result['seconds']:,.0f} s", title_justify="left")
    for importer, row in result["by_importer"].items():
        grid.add_row(importer, *[f"{row[o]:,}" for o in outcomes])
    grid.add_row("all", *[f"{result['totals'][o]:,}" for o in outcomes], style="bold")
    console.print(grid)
    invalid = Table("clearly invalid mutation", "cases", "accepted", title_justify="left")
    for name, row in result["clearly_invalid"].items():
        invalid.add_row(name, f"{row['cases']:,}", f"{row['accepted']:,}")
    console.print(invalid)
    for crash in result["crashes"][:3]:
        console.print(f"case {crash['case']} ({crash['importer']}):", highlight=False, markup=False)
        console.print(crash["detail"], highlight=False, markup=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="mutated inputs to import (default 10,000)")
    parser.add_argument("--seed", type=int, default=13, help="seed of every choice (default 13)")
    parser.add_argument("--report", type=Path, help="write the counts and crashes here as JSON")
    args = parser.parse_args()
    console = Console(stderr=True)

    def checkpoint(partial: dict) -> None:
        args.report.write_text(json.dumps({**partial, "planned": args.cases}, indent=2) + "\n")

    result = fuzz(args.cases, args.seed, console, checkpoint if args.report else None)
    show(result, Console())
    if args.report:
        args.report.write_text(json.dumps(result, indent=2) + "\n")
    bad = result["totals"]["crash"] + result["totals"]["partial"] + result["totals"]["silent"]
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
