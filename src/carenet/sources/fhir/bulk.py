"""The files of a FHIR bulk-data export folder, as a server writes it (FHIR Bulk Data Access IG, $export).

Beside the ``<Type>.ndjson`` files of resources an export folder may hold files that are not FHIR
resources: the export's manifest (the JSON the status endpoint returns: ``transactionTime``,
``request``, ``output`` and ``error`` lists), a server's own log (``log.ndjson``, lines of events) and
error files of ``OperationOutcome`` resources. The first two are skipped with a note naming the file;
OperationOutcome files are read, and each outcome is reported (``scan``). Files may be gzip-compressed
(``Patient.ndjson.gz``).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import orjson

NDJSON_SUFFIXES = (".ndjson", ".jsonl")
JSON_SUFFIXES = (".json",)
GZIP_SUFFIX = ".gz"
PEEK_BYTES = 64 * 1024
"""How much of a file is read to tell whether it holds FHIR resources (a first ndjson line, a manifest)."""
MANIFEST_KEYS = frozenset({"transactionTime", "request", "output"})
"""Keys of a bulk-data export manifest (all three are required by the Bulk Data Access IG)."""


def is_gzip(path: Path) -> bool:
    return path.suffix.lower() == GZIP_SUFFIX


def data_suffix(path: Path) -> str:
    """The suffix that says what the file holds: ``.ndjson`` for both ``a.ndjson`` and ``a.ndjson.gz``."""
    inner = path.with_suffix("") if is_gzip(path) else path
    return inner.suffix.lower()


def is_ndjson(path: Path) -> bool:
    return data_suffix(path) in NDJSON_SUFFIXES


def readable(path: Path) -> bool:
    """Whether ``path`` is named as FHIR input: .json, .ndjson or .jsonl, each optionally gzip-compressed."""
    return data_suffix(path) in NDJSON_SUFFIXES + JSON_SUFFIXES


def _head(path: Path) -> bytes:
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as handle:
        return handle.read(PEEK_BYTES)


def _first_record(head: bytes) -> object | None:
    for line in head.split(b"\n"):
        if line.strip():
            try:
                return orjson.loads(line)
            except orjson.JSONDecodeError:
                return None  # a broken first line is reported by the import itself
    return None


def not_resources(path: Path) -> str | None:
    """Why ``path`` holds no FHIR resources (an export manifest, a log), or None when it is read as FHIR.

    Only a file that parses as something other than a resource is set aside: a broken file is left to the
    import, which reports each fault with its line.
    """
    try:
        head = _head(path)
    except (OSError, EOFError, gzip.BadGzipFile):
        return None  # unreadable: the import reports it where it reads the file
    if is_ndjson(path):
        first = _first_record(head)
        if isinstance(first, dict) and "resourceType" not in first:
            keys = ", ".join(sorted(first)[:4]) or "none"
            return (f"{path.name}: not FHIR resources (its first line has no resourceType, keys {keys}: a log of "
                    "the export?); skipped")
        return None
    if len(head) >= PEEK_BYTES:
        return None  # a large .json file is a Bundle, not a manifest
    try:
        doc = orjson.loads(head)
    except orjson.JSONDecodeError:
        return None
    if isinstance(doc, dict) and "resourceType" not in doc and MANIFEST_KEYS <= doc.keys():
        return (f"{path.name}: the bulk-data export's manifest (transactionTime {doc.get('transactionTime')}, "
                f"{len(doc.get('output') or [])} output file(s), {len(doc.get('error') or [])} error file(s)); "
                "its files are read from the folder, the manifest itself is skipped")
    return None


def gunzip(path: Path) -> bytes:
    """A gzip-compressed JSON file, whole."""
    with gzip.open(path, "rb") as handle:
        return handle.read()


def gzip_blocks(path: Path, block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """A gzip-compressed ndjson file as (first line number, whole lines) blocks of about ``block_bytes``."""
    line, carry = 1, b""
    with gzip.open(path, "rb") as handle:
        while True:
            block = handle.read(block_bytes)
            if not block:
                break
            block = carry + block
            cut = block.rfind(b"\n")
            if cut < 0:
                carry = block
                continue
            whole, carry = block[:cut + 1], block[cut + 1:]
            yield line, whole
            line += whole.count(b"\n")
    if carry:
        yield line, carry


__all__ = ["GZIP_SUFFIX", "JSON_SUFFIXES", "NDJSON_SUFFIXES", "data_suffix", "gunzip", "gzip_blocks", "is_gzip",
           "is_ndjson", "not_resources", "readable"]
