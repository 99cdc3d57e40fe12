"""Read one piece of input (a JSON file or a slice of an ndjson file): parse, validate, extract.

This is the per-resource hot path and runs in worker processes; it returns the piece's facts as
Arrow tables (one per resource type), the index entries that let references be resolved later,
and every problem with its file and line or bundle entry.
"""

from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
from pydantic_core import SchemaValidator

from carenet.sources.fhir.compiled import compiled_validator
from carenet.sources.fhir.contained import lift_contained
from carenet.sources.fhir.extract import EXTRACTORS, Skip, Unusable
from carenet.sources.fhir.facts import IDENTIFIER_SCHEMA, KEY_SCHEMA, fact_table, rows_table
from carenet.sources.fhir.validation import is_resource_type, validation_errors
from carenet.sources.fhir.vocabulary import BUNDLE_TYPES, READ_TYPES

_READ = frozenset(READ_TYPES)
_CANNOT_READ = (KeyError, TypeError, ValueError, AttributeError, OverflowError)


@dataclass(frozen=True)
class Piece:
    """A unit of work: a JSON file, or whole lines of an ndjson file from ``first_line``.

    The bytes are ``data`` when given, else ``size`` bytes read from ``offset`` of the file by the
    worker itself (so that the input does not travel through the pool's pipes).
    """

    file: str
    data: bytes | None = None
    ndjson: bool = False
    first_line: int = 1
    offset: int = 0
    size: int = 0

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        with Path(self.file).open("rb") as handle:
            handle.seek(self.offset)
            return handle.read(self.size)


@dataclass
class ScanResult:
    """What a piece held, ready to merge with the others."""

    file: str
    facts: dict[str, pa.Table] = field(default_factory=dict)
    keys: pa.Table = field(default_factory=KEY_SCHEMA.empty_table)
    identifiers: pa.Table = field(default_factory=IDENTIFIER_SCHEMA.empty_table)
    full_urls: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[tuple[str, str | None, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)
    n_bytes: int = 0


class _Reader:
    """Accumulates the rows of one piece; :meth:`result` turns them into tables."""

    def __init__(self, file: str, n_bytes: int):
        self.out = ScanResult(file, n_bytes=n_bytes)
        self.validators: dict[str, SchemaValidator | None] = {}
        self.rows: dict[str, list[tuple]] = {}
        self.keys: list[tuple[str, str, str]] = []
        self.identifiers: list[tuple[str, str, str, str]] = []

    def result(self) -> ScanResult:
        out = self.out
        out.facts = {kind: self._table(kind, rows) for kind, rows in self.rows.items()}
        out.keys = rows_table(KEY_SCHEMA, self.keys)
        out.identifiers = rows_table(IDENTIFIER_SCHEMA, self.identifiers)
        return out

    def _table(self, kind: str, rows: list[tuple]) -> pa.Table:
        """The fact table of ``kind``; a row whose values do not fit its columns is a problem (looked for
        row by row only when the table as a whole cannot be built)."""
        try:
            return fact_table(kind, rows)
        except (pa.ArrowException, *_CANNOT_READ):
            pass
        fitting = []
        for row in rows:
            try:
                fact_table(kind, [row])
            except (pa.ArrowException, *_CANNOT_READ) as exc:
                self.out.problems.append((self.out.file, row[1], f"cannot read {kind}: {type(exc).__name__}: {exc}"))
            else:
                fitting.append(row)
        return fact_table(kind, fitting)

    def document(self, text: bytes, where: str | None) -> None:
        try:
            doc = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            self.out.problems.append((self.out.file, where, f"not valid JSON: {_json_error(exc, where is None)}"))
            return
        self.resource(doc, where or "document", None)

    def resource(self, doc: Any, where: str, full_url: str | None) -> None:
        out = self.out
        if not isinstance(doc, dict):
            out.problems.append((out.file, where, f"expected a JSON object (a FHIR resource), found "
                                                  f"{type(doc).__name__}"))
            return
        kind = doc.get("resourceType")
        if not isinstance(kind, str) or not is_resource_type(kind):
            out.problems.append((out.file, where, f"resourceType {kind!r} is not a FHIR R4 resource type"))
            return
        if kind == "Bundle":
            self.bundle(doc, where)
            return
        rid = doc.get("id")
        if rid is None and isinstance(full_url, str):
            rid = full_url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
            doc = {**doc, "id": rid}
        if not isinstance(rid, str) or not rid:
            out.problems.append((out.file, where, f"{kind} has no id (and no fullUrl to take one from)"))
            return
        out.seen[kind] += 1
        if isinstance(full_url, str):
            out.full_urls.append((full_url, kind, rid))
        if kind == "OperationOutcome":
            out.skipped[_outcome(doc)] += 1
            return
        if kind not in _READ:
            out.skipped[f"{kind} (not read by carenet)"] += 1
            return
        if doc.get("contained"):
            doc, inner = lift_contained(doc, rid)
            for i, resource in enumerate(inner):
                self.resource(resource, f"{where} contained[{i}]", None)
        here = f"{where} ({kind}/{rid})"
        self.keys.append((kind, rid, here))
        if not self._valid(kind, doc):
            reasons = validation_errors(doc)
            if reasons:
                out.problems += [(out.file, here, f"invalid {kind}: {reason}") for reason in reasons]
                return
        for ident in doc.get("identifier") or ():
            if ident.get("value") is not None:
                self.identifiers.append((kind, ident.get("system") or "", ident["value"], rid))
        try:
            row = EXTRACTORS[kind](doc, here)
        except Skip as skip:
            out.skipped[str(skip)] += 1
            return
        except Unusable as bad:
            out.problems.append((out.file, here, str(bad)))
            return
        except _CANNOT_READ as exc:
            out.problems.append((out.file, here, f"cannot read {kind}: {type(exc).__name__}: {exc}"))
            return
        rows = self.rows.get(kind)
        if rows is None:
            rows = self.rows[kind] = []
        rows.append(row)

    def _valid(self, kind: str, doc: dict[str, Any]) -> bool:
        """Whether the compiled validator accepts ``doc`` (when it does not, the R4B model decides)."""
        if kind not in self.validators:
            self.validators[kind] = compiled_validator(kind)
        validator = self.validators[kind]
        if validator is None:
            return False
        try:
            validator.validate_python(doc)
        except Exception:  # noqa: BLE001 - any failure only sends the resource to the R4B model
            return False
        return True

    def bundle(self, bundle: dict[str, Any], where: str) -> None:
        out = self.out
        kind = bundle.get("type")
        if kind not in BUNDLE_TYPES:
            out.problems.append((out.file, where, f"Bundle type {kind!r} cannot be imported "
                                                  f"(expected one of {', '.join(BUNDLE_TYPES)})"))
            return
        entries = bundle.get("entry") or []
        if not isinstance(entries, list):
            out.problems.append((out.file, where, "Bundle.entry is not a list"))
            return
        prefix = "" if where == "document" else f"{where} "
        for i, entry in enumerate(entries):
            here = f"{prefix}entry {i}"
            if not isinstance(entry, dict):
                out.problems.append((out.file, here, "Bundle entry is not a JSON object"))
                continue
            request = entry.get("request")
            method = request.get("method") if isinstance(request, dict) else None
            if entry.get("resource") is None:
                if method == "DELETE":
                    out.skipped["Bundle entry deleting a resource"] += 1
                else:
                    out.problems.append((out.file, here, "Bundle entry has no resource"))
                continue
            self.resource(entry["resource"], here, entry.get("fullUrl"))


OUTCOME_TEXT = 160
"""Characters of an OperationOutcome's diagnostics shown in its note."""


def _outcome(doc: dict[str, Any]) -> str:
    """An OperationOutcome (a bulk export's error file, a server's warning) as a one-line note."""
    issues = doc.get("issue") if isinstance(doc.get("issue"), list) else []
    said = []
    for issue in issues[:3]:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details") if isinstance(issue.get("details"), dict) else {}
        text = issue.get("diagnostics") or details.get("text") or ""
        said.append(f"{issue.get('severity', '?')} {issue.get('code', '?')}" + (f": {text}" if text else ""))
    return ("OperationOutcome (the exporting server reported: " + ("; ".join(said) or "no issue")[:OUTCOME_TEXT]
            + ")")


def scan_piece(piece: Piece) -> ScanResult:
    """Scan ``piece``; never raises for bad input, which is reported in ``problems``.

    The garbage collector is paused meanwhile: parsed JSON holds no reference cycles (reference
    counting frees it), and the rows kept would otherwise be traversed again and again.
    """
    data = piece.read()
    reader = _Reader(piece.file, len(data))
    collecting = gc.isenabled()
    gc.disable()
    try:
        if piece.ndjson:
            first = piece.first_line
            for offset, line in enumerate(data.split(b"\n")):
                if line and not line.isspace():
                    reader.document(line, f"line {first + offset}")
        else:
            reader.document(data, None)
    finally:
        if collecting:
            gc.enable()
    return reader.result()


def _json_error(exc: orjson.JSONDecodeError, whole_file: bool) -> str:
    if whole_file:
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return f"{exc.msg} at column {exc.colno}"
