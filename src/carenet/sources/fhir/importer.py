"""Import FHIR R4 bundles and bulk-data ndjson into a canonical dataset, all or nothing.

Files are cut into pieces (a JSON file whole, an ndjson file in blocks of whole lines) that worker
processes read, parse, validate with the R4B models and reduce to Arrow tables of facts; the facts
are merged in input order, references resolved a column at a time and canonical tables built. Any
problem anywhere stops the import before a byte is written, and every problem is reported with its
file and line or bundle entry.
"""

from __future__ import annotations

import gc
import os
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import pyarrow as pa

from carenet.schema import Manifest, write_dataset
from carenet.schema.processes import die_with_parent
from carenet.sources.fhir.build import TableBuilder
from carenet.sources.fhir.bulk import gunzip, gzip_blocks, is_gzip, is_ndjson, not_resources, readable
from carenet.sources.fhir.defaults import FhirDefaults
from carenet.sources.fhir.merge import Merger
from carenet.sources.fhir.references import ReferenceIndex
from carenet.sources.fhir.scan import Piece, ScanResult, scan_piece
from carenet.sources.fhir.validation import preload
from carenet.sources.fhir.vocabulary import READ_TYPES
from carenet.sources.problems import ProblemLog

PIECE_BYTES = 4 * 1024 * 1024
"""Size of one unit of work: large enough to amortise process hand-over, small enough to stream."""
PARALLEL_FROM_BYTES = 8 * 1024 * 1024
"""Below this much input, a process pool costs more than it saves."""

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) as the import proceeds."""


@dataclass
class FhirImport:
    """The canonical tables of an import and what was read, skipped and noted on the way."""

    tables: dict[str, pa.Table]
    files: list[str]
    resources: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)
    n_bytes: int = 0
    manifest: Manifest | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {name: table.num_rows for name, table in self.tables.items()}


def find_inputs(paths: Sequence[str | os.PathLike[str]], problems: ProblemLog,
                notes: Counter[str] | None = None) -> list[Path]:
    """The JSON and ndjson files named by ``paths`` (folders are searched recursively, in name order; gzip-compressed
    files too). Files of an export that hold no FHIR resources (its manifest, a log) are left out, each with a note
    in ``notes``."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and readable(p))
            if not inside:
                problems.add(str(path), None, "folder holds no .json, .ndjson or .jsonl file (or .gz of one)")
            found += inside
        elif path.is_file():
            if not readable(path):
                problems.add(str(path), None, "not a .json bundle or an .ndjson/.jsonl bulk-data file (or .gz of one)")
            else:
                found.append(path)
        else:
            problems.add(str(path), None, "no such file or folder")
    kept = []
    for path in dict.fromkeys(found):
        why = not_resources(path)
        if why is None:
            kept.append(path)
        elif notes is not None:
            notes[why] += 1
    return kept


def _pieces(files: list[Path]) -> Iterator[Piece]:
    """Units of work, in input order: a JSON file whole, an ndjson file in blocks of whole lines.

    Only the places of the pieces are found here (their line numbers counted); each worker reads its
    piece from the file itself.
    """
    for path in files:
        name = str(path)
        if is_gzip(path):
            if is_ndjson(path):
                for line, block in gzip_blocks(path, PIECE_BYTES):
                    yield Piece(name, data=block, ndjson=True, first_line=line)
            else:
                yield Piece(name, data=gunzip(path))
            continue
        if not is_ndjson(path):
            yield Piece(name, offset=0, size=path.stat().st_size)
            continue
        line, start, carry = 1, 0, 0
        with path.open("rb") as handle:
            while True:
                block = handle.read(PIECE_BYTES)
                if not block:
                    break
                cut = block.rfind(b"\n")
                if cut < 0:
                    carry += len(block)
                    continue
                size = carry + cut + 1
                yield Piece(name, ndjson=True, first_line=line, offset=start, size=size)
                line += block.count(b"\n", 0, cut + 1)
                start += size
                carry = len(block) - cut - 1
        if carry:
            yield Piece(name, ndjson=True, first_line=line, offset=start, size=carry)


def _scan_all(files: list[Path], workers: int | None, progress: Progress | None) -> Iterator[ScanResult]:
    """Scan every piece, in input order, in a process pool when the input is large enough."""
    total = sum(p.stat().st_size for p in files)
    done = 0
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or total < PARALLEL_FROM_BYTES:
        for piece in _pieces(files):
            result = scan_piece(piece)
            done += result.n_bytes
            if progress:
                progress(done, total)
            yield result
        return
    preload(READ_TYPES)
    window: deque[Future[ScanResult]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"), initializer=die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        for piece in _pieces(files):
            if not window:
                # Forked workers inherit the parent's heap; frozen, the garbage collector leaves it alone
                # there, so its pages are not copied (all workers start at the first submit under fork).
                gc.freeze()
                try:
                    window.append(pool.submit(scan_piece, piece))
                finally:
                    gc.unfreeze()
                continue
            window.append(pool.submit(scan_piece, piece))
            if len(window) >= 2 * workers:
                result = window.popleft().result()
                done += result.n_bytes
                if progress:
                    progress(done, total)
                yield result
        while window:
            result = window.popleft().result()
            done += result.n_bytes
            if progress:
                progress(done, total)
            yield result


def read_fhir(
    paths: Sequence[str | os.PathLike[str]],
    defaults: FhirDefaults,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> FhirImport:
    """Read FHIR files into canonical tables; raise :class:`ImportFailed` listing every problem."""
    problems = ProblemLog()
    set_aside: Counter[str] = Counter()
    files = find_inputs(paths, problems, set_aside)
    result = FhirImport({}, [str(f) for f in files])
    result.notes.update(set_aside)
    return _build(result, _scan_all(files, workers, progress), defaults, problems)


def read_fhir_document(data: bytes, name: str, defaults: FhirDefaults) -> FhirImport:
    """Read one JSON document (a Bundle or a resource) held in memory, exactly as :func:`read_fhir` reads a file;
    ``name`` stands for the file in problems. Raises :class:`ImportFailed` listing every problem."""
    return _build(FhirImport({}, [name]), iter([scan_piece(Piece(name, data=data))]), defaults, ProblemLog())


def _build(result: FhirImport, scanned_pieces: Iterator[ScanResult], defaults: FhirDefaults,
           problems: ProblemLog) -> FhirImport:
    """Merge the scanned pieces, resolve references and build the canonical tables (the import's common end)."""
    index = ReferenceIndex()
    merger = Merger(problems, index)
    for scanned in scanned_pieces:
        result.n_bytes += scanned.n_bytes
        result.resources.update(scanned.seen)
        result.skipped.update(scanned.skipped)
        merger.add(scanned)
    facts = merger.finish()
    builder = TableBuilder(facts, index, defaults, problems)
    result.tables = builder.build()
    result.notes.update(facts.notes)
    result.notes.update(builder.notes)
    problems.raise_if_any()
    return result


def import_fhir(
    paths: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    defaults: FhirDefaults,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
    update: bool = False,
) -> FhirImport:
    """Read FHIR files and merge their tables into the dataset at ``out``, atomically.

    Importing the same files again adds nothing: canonical ids come from the FHIR ids (or carenet's
    identifiers), and the dataset merges by primary key. A fact that contradicts the dataset is a conflict:
    refused, or applied when ``update`` is set.
    """
    result = read_fhir(paths, defaults, workers=workers, progress=progress)
    return save_fhir(result, paths, out, update=update)


def save_fhir(result: FhirImport, paths: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *,
              update: bool = False) -> FhirImport:
    """Merge the tables :func:`read_fhir` made into the dataset at ``out``; sets ``result.manifest``."""
    source = "fhir:" + ",".join(sorted(str(Path(p).resolve()) for p in paths))
    result.manifest = write_dataset(out, result.tables, source=source, update=update)
    return result
