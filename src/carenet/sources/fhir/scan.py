"""Read one piece of input (a JSON file or a slice of an ndjson file): parse, validate, extract.

This is the per-resource hot path and runs in worker processes; it returns compact records, the
index entries that let references be resolved later, and every problem with its file and line or
bundle entry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from carenet.sources.fhir.extract import EXTRACTORS, Skip, Unusable
from carenet.sources.fhir.validation import is_resource_type, validation_errors
from carenet.sources.fhir.vocabulary import BUNDLE_TYPES, READ_TYPES


@dataclass(frozen=True)
class Piece:
    """A unit of work: the bytes of one JSON file, or whole lines of an ndjson file from ``first_line``."""

    file: str
    data: bytes
    ndjson: bool
    first_line: int = 1


@dataclass
class ScanResult:
    """What a piece held, ready to merge with the others."""

    file: str
    records: dict[str, list[tuple]] = field(default_factory=dict)
    full_urls: list[tuple[str, str, str]] = field(default_factory=list)
    identifiers: list[tuple[str, str, str, str]] = field(default_factory=list)
    keys: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[tuple[str, str | None, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)
    n_bytes: int = 0


def scan_piece(piece: Piece) -> ScanResult:
    """Scan ``piece``; never raises for bad input, which is reported in ``problems``."""
    out = ScanResult(piece.file, n_bytes=len(piece.data))
    if piece.ndjson:
        for offset, line in enumerate(piece.data.split(b"\n")):
            if line.strip():
                _scan_document(out, line, f"line {piece.first_line + offset}")
    else:
        _scan_document(out, piece.data, None)
    return out


def _scan_document(out: ScanResult, text: bytes, where: str | None) -> None:
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        out.problems.append((out.file, where, f"not valid JSON: {_json_error(exc, where is None)}"))
        return
    _scan_resource(out, doc, where or "document", None)


def _json_error(exc: orjson.JSONDecodeError, whole_file: bool) -> str:
    if whole_file:
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return f"{exc.msg} at column {exc.colno}"


def _scan_resource(out: ScanResult, doc: Any, where: str, full_url: str | None) -> None:
    if not isinstance(doc, dict):
        out.problems.append((out.file, where, f"expected a JSON object (a FHIR resource), found {type(doc).__name__}"))
        return
    kind = doc.get("resourceType")
    if not isinstance(kind, str) or not is_resource_type(kind):
        out.problems.append((out.file, where, f"resourceType {kind!r} is not a FHIR R4 resource type"))
        return
    if kind == "Bundle":
        _scan_bundle(out, doc, where)
        return
    rid = doc.get("id")
    if rid is None and isinstance(full_url, str):
        rid = full_url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        doc = {**doc, "id": rid}
    if not isinstance(rid, str) or not rid:
        out.problems.append((out.file, where, f"{kind} has no id (and no fullUrl to take one from)"))
        return
    here = f"{where} ({kind}/{rid})"
    out.seen[kind] += 1
    if isinstance(full_url, str):
        out.full_urls.append((full_url, kind, rid))
    if kind not in READ_TYPES:
        out.skipped[f"{kind} (not read by carenet)"] += 1
        return
    out.keys.append((kind, rid, here))
    reasons = validation_errors(doc)
    if reasons:
        out.problems += [(out.file, here, f"invalid {kind}: {reason}") for reason in reasons]
        return
    for ident in doc.get("identifier") or ():
        if ident.get("value") is not None:
            out.identifiers.append((kind, ident.get("system") or "", ident["value"], rid))
    try:
        record = EXTRACTORS[kind](doc, here)
    except Skip as skip:
        out.skipped[str(skip)] += 1
        return
    except Unusable as bad:
        out.problems.append((out.file, here, str(bad)))
        return
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        out.problems.append((out.file, here, f"cannot read {kind}: {type(exc).__name__}: {exc}"))
        return
    out.records.setdefault(kind, []).append(record)


def _scan_bundle(out: ScanResult, bundle: dict[str, Any], where: str) -> None:
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
        method = (entry.get("request") or {}).get("method") if isinstance(entry.get("request"), dict) else None
        if entry.get("resource") is None:
            if method == "DELETE":
                out.skipped["Bundle entry deleting a resource"] += 1
            else:
                out.problems.append((out.file, here, "Bundle entry has no resource"))
            continue
        _scan_resource(out, entry["resource"], here, entry.get("fullUrl"))
