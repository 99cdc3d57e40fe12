"""Import a practice CSV extract (registrations, clinicians, appointments, conditions) into canonical tables.

The format is defined in :mod:`carenet.sources.extract_format` and documented in
``docs/csv-extract.md``. Every problem in every file is collected and reported with its file
and line before anything is written; the write itself is atomic and merges by primary key
(ids are those of the practice system, kept as given), so importing the same extract again
adds nothing.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.dataset import MANIFEST, Dataset, Manifest, write_dataset
from carenet.schema.tables import conform
from carenet.sources.extract_activity import Known, build_appointments, build_clinicians, build_panels
from carenet.sources.extract_conditions import build_conditions
from carenet.sources.extract_csv import header_key, read_text_csv, sort_problems
from carenet.sources.extract_format import EXTRACT_FILES, ExtractFile
from carenet.sources.extract_people import build_people, check_registrations
from carenet.sources.extract_typing import FILE, type_columns
from carenet.sources.housing import with_coded_homelessness
from carenet.sources.problems import ProblemLog

REFERENCED = ("practices", "patients", "registrations", "clinicians", "panels")
"""Tables of the target dataset an extract may refer to."""


def classify(path: Path) -> ExtractFile | None:
    """Which extract file ``path`` is: by its name (``appointments_2024.csv``), else by a column only it has."""
    stem = path.stem.lower()
    named = [(stem.find(kind.rstrip("s")), spec) for kind, spec in EXTRACT_FILES.items() if kind.rstrip("s") in stem]
    if named:
        return min(named, key=lambda found: found[0])[1]
    try:
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = {header_key(h) for h in next(csv.reader(handle), [])}
    except OSError:
        return None
    for spec in EXTRACT_FILES.values():
        if header & spec.spellings(spec.signature):
            return spec
    return None


def locate(paths: Sequence[str | os.PathLike[str]], log: ProblemLog) -> dict[str, list[Path]]:
    """The extract's files grouped by kind; a folder stands for the ``*.csv`` files inside it."""
    found: dict[str, list[Path]] = {kind: [] for kind in EXTRACT_FILES}
    for given in paths:
        path = Path(given)
        members = sorted(path.glob("*.csv")) if path.is_dir() else [path]
        if path.is_dir() and not members:
            log.add(str(path), None, "folder holds no .csv files")
        for member in members:
            if not member.is_file():
                log.add(str(member), None, "file not found")
                continue
            spec = classify(member)
            if spec is None:
                names = ", ".join(f.filename for f in EXTRACT_FILES.values())
                log.add(str(member), None, f"cannot tell which extract file this is: name it like {names}")
                continue
            if member not in found[spec.kind]:
                found[spec.kind].append(member)
    return found


def read_extract(paths: Sequence[str | os.PathLike[str]],
                 existing: Mapping[str, pa.Table] | None = None) -> dict[str, pa.Table]:
    """Canonical tables from the extract files at ``paths`` (files or folders).

    ``existing`` holds the tables of the dataset the extract will join, so that references to
    patients, practices and clinicians imported earlier are accepted. Raises
    :class:`~carenet.sources.problems.ImportFailed` listing every problem.
    """
    log = ProblemLog()
    existing = existing or {}
    files = locate(paths, log)
    if not any(files.values()) and not log:
        log.add(", ".join(map(str, paths)) or "(no files)", None, "no extract files given")
    typed: dict[str, pa.Table | None] = {}
    for kind, members in files.items():
        parts = []
        for member in members:
            text = read_text_csv(member, EXTRACT_FILES[kind].columns, log)
            if text is None:
                typed[kind] = None
                break
            parts.append(type_columns(text, EXTRACT_FILES[kind].columns, log))
        else:
            if parts:
                typed[kind] = pa.concat_tables(parts, promote_options="permissive")
    tables = _build(typed, existing, log)
    sort_problems(log)
    log.raise_if_any()
    return {name: conform(name, table) for name, table in tables.items()}


def _build(typed: Mapping[str, pa.Table | None], existing: Mapping[str, pa.Table],
           log: ProblemLog) -> dict[str, pa.Table]:
    """Canonical tables from the typed files; a kind that could not be read is a reference nobody checks."""
    tables: dict[str, pa.Table] = {}
    regs = typed.get("registrations")
    if regs is not None:
        check_registrations(regs, log)
        tables.update(build_people(regs))
        if "practices" in tables and existing.get("practices") is not None:  # the dataset's practices stand
            known_ids = existing["practices"]["practice_id"]
            tables["practices"] = tables["practices"].filter(
                pc.invert(pc.is_in(tables["practices"]["practice_id"], value_set=known_ids)))
    known = Known(
        patients=_union("patient_id", tables.get("patients"), existing.get("patients"),
                        unreadable="registrations" in typed and regs is None),
        practices=_union("practice_id", tables.get("practices"), existing.get("practices"),
                         unreadable="registrations" in typed and regs is None),
        clinicians=None, registrations=_stack(tables.get("registrations"), existing.get("registrations"),
                                              columns=["patient_id", "practice_id", "start_date", "end_date"]),
        panels=existing.get("panels"),
    )
    staff = typed.get("clinicians")
    if staff is not None:
        tables["clinicians"] = build_clinicians(staff, known, log)
    if "clinicians" not in typed or staff is not None:
        known.clinicians = _stack(tables.get("clinicians"), existing.get("clinicians"),
                                  columns=["clinician_id", "role"])
    appts = typed.get("appointments")
    if appts is not None:
        if known.patients is None and "registrations" not in typed:
            log.add(appts[FILE][0].as_py() if appts.num_rows else "appointments.csv", None,
                    "appointments need their patients: give registrations.csv too, or import into a dataset "
                    "that already holds them")
        tables["appointments"] = build_appointments(appts, known, log)
    problems = typed.get("conditions")
    if problems is not None:
        if known.patients is None and "registrations" not in typed:
            log.add(problems[FILE][0].as_py() if problems.num_rows else "conditions.csv", None,
                    "conditions need their patients: give registrations.csv too, or import into a dataset "
                    "that already holds them")
        tables["conditions"] = build_conditions(problems, known, log)
        if "patients" in tables:
            tables["patients"] = with_coded_homelessness(tables["patients"], tables["conditions"], uncoded_housed=False)
    if regs is not None or appts is not None:
        panels = build_panels(regs, appts, known, log)
        if panels.num_rows:
            tables["panels"] = panels
    return tables


def _union(column: str, *tables: pa.Table | None, unreadable: bool) -> pa.Array | None:
    """Every id in ``column`` of the given tables; None when there is nothing (or nothing readable) to check."""
    present = [t[column].combine_chunks() for t in tables if t is not None]
    if unreadable or not present:
        return None
    return pa.concat_arrays(present)


def _stack(*tables: pa.Table | None, columns: list[str]) -> pa.Table | None:
    present = [t.select(columns) for t in tables if t is not None]
    if not present:
        return None
    loose = pa.schema([pa.field(f.name, f.type) for f in present[0].schema])
    return pa.concat_tables([t.cast(loose) for t in present])


@dataclass(frozen=True)
class ImportResult:
    """What an import read (rows per canonical table) and the dataset it left (its manifest)."""

    read: dict[str, int]
    manifest: Manifest

    @classmethod
    def of(cls, tables: Mapping[str, pa.Table], manifest: Manifest) -> ImportResult:
        return cls({name: t.num_rows for name, t in tables.items()}, manifest)


def import_extract(paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
                   update: bool = False) -> ImportResult:
    """Read the extract at ``paths`` and merge it into the dataset at ``out`` (created if absent).

    A fact that contradicts the dataset (a changed birth date, an appointment's new status) is a conflict:
    refused, or applied with ``update``.
    """
    target = Path(out)
    existing = {}
    if (target / MANIFEST).is_file():
        dataset = Dataset(target)
        existing = {name: dataset.table(name) for name in REFERENCED if name in dataset}
    tables = read_extract(paths, existing)
    names = sorted({p.name for kind in locate(paths, ProblemLog()).values() for p in kind})
    return ImportResult.of(tables, write_dataset(target, tables, source="csv-extract:" + "+".join(names),
                                                 update=update))
