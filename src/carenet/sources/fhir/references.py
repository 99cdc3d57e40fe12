"""Resolve references between resources: ``urn:uuid:``, relative, absolute and conditional.

Every resource read is indexed by its key ``(type, id)``, its ``fullUrl`` and its identifiers; a
reference resolves to exactly one key or is reported (dangling or ambiguous). The identifiers are
indexed only when a conditional or logical reference first needs them.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote

import pyarrow as pa

Key = tuple[str, str]


class ReferenceIndex:
    """Where each reference points, across every file of one import."""

    def __init__(self) -> None:
        self._ids: dict[str, set[str]] = {}
        self._by_url: dict[str, Key] = {}
        self._by_identifier: dict[tuple[str, str, str], set[str]] = {}
        self._by_value: dict[tuple[str, str], set[str]] = {}
        self._pending: list[pa.Table] = []
        self._resolved: dict[str, Key | str] = {}

    def add_keys(self, keys: Iterable[Key]) -> None:
        self._resolved.clear()
        for kind, rid in keys:
            self._ids.setdefault(kind, set()).add(rid)

    def add_ids(self, kind: str, ids: Iterable[str]) -> None:
        """Index the resources ``kind/id`` for each of ``ids``."""
        self._resolved.clear()
        self._ids.setdefault(kind, set()).update(ids)

    def add_identifier_table(self, table: pa.Table) -> None:
        """Index the rows (kind, system, value, id) of ``table`` when a conditional reference first needs them."""
        self._resolved.clear()
        if table.num_rows:
            self._pending.append(table)

    def add_full_urls(self, entries: Iterable[tuple[str, str, str]]) -> None:
        self._resolved.clear()
        for url, kind, rid in entries:
            self._by_url.setdefault(url, (kind, rid))

    def add_identifiers(self, entries: Iterable[tuple[str, str, str, str]]) -> None:
        self._resolved.clear()
        for kind, system, value, rid in entries:
            self._by_identifier.setdefault((kind, system, value), set()).add(rid)
            self._by_value.setdefault((kind, value), set()).add(rid)

    def resolve(self, ref: str) -> Key | str:
        """The key ``ref`` points to, or a string saying why it does not resolve (memoised: the index is
        complete before anything is resolved, and the same references recur across resources)."""
        found = self._resolved.get(ref)
        if found is None:
            found = self._resolved[ref] = self._resolve(ref)
        return found

    def _resolve(self, ref: str) -> Key | str:
        if ref in self._by_url:
            return self._by_url[ref]
        if ref.startswith(("urn:uuid:", "urn:oid:")):
            return f"reference {ref!r} matches no fullUrl in the input"
        if ref.startswith("#"):
            return f"contained reference {ref!r} is not supported"
        if "?" in ref:
            return self._conditional(ref)
        parts = ref.split("/")
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        if len(parts) < 2 or not parts[-1] or not parts[-2]:
            return f"reference {ref!r} is not of the form Type/id"
        key = (parts[-2], parts[-1])
        if key[1] not in self._ids.get(key[0], ()):
            return f"reference {ref!r}: no {key[0]} with id {key[1]!r} in the input"
        return key

    def _conditional(self, ref: str) -> Key | str:
        while self._pending:
            table = self._pending.pop(0)
            self.add_identifiers(zip(*(table[c].to_pylist() for c in ("kind", "system", "value", "id")), strict=True))
        kind, _, query = ref.partition("?")
        kind = kind.rsplit("/", 1)[-1]
        params = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
        token = unquote(params.get("identifier", ""))
        if not token or len(params) != 1:
            return f"conditional reference {ref!r}: only Type?identifier=system|value is supported"
        system, bar, value = token.partition("|")
        if not bar:
            system, value = "", token
        ids = self._by_identifier.get((kind, system, value), set())
        if not ids and not bar:  # "identifier=value": any system
            ids = self._by_value.get((kind, value), set())
        if not ids:
            return f"conditional reference {ref!r} matches no {kind} in the input"
        if len(ids) > 1:
            return f"conditional reference {ref!r} is ambiguous: it matches {kind} {', '.join(sorted(ids)[:5])}"
        return (kind, next(iter(ids)))
