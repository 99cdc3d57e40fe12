"""A practice's worklists computed once and shared by its staff until something changes them or they age.

Case finding runs over the practice's whole list (seconds for a large practice, most of it building and compiling
the measures' queries), so fifty staff opening their worklists at once would otherwise compute them fifty times.
:class:`WorklistCache` keeps each practice's result for ``max_age``; one request computes it while the others of
that practice wait for it (not fifty computations at once); an action taken through the service that changes who
is on a worklist (recording a review or a care plan, loading data) drops the practice's entry, so the next
worklist shows it at once. It also moves the practice's generation on in the store as it commits
(:func:`note_changes`, :mod:`carenet.service.worklists.tables`), and an entry is kept only while the store's
generations are those it was computed at (:func:`generations`), so a change made through another worker process of
``carenet serve --workers`` shows at once too. The age bounds what the service cannot see (another program writing
to the store).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from carenet.service.worklists.tables import EVERY_PRACTICE, WORKLIST_CHANGES

T = TypeVar("T")
CHANGED = "carenet_worklists_changed"
"""Where a request notes the practices whose worklists it changed (dropped once it commits)."""


def mark_changed(connection, practice: str | None = None) -> None:
    """Note that this request changes who is on ``practice``'s worklists (every practice's when None): the
    service drops them once the request commits, not before (a worklist computed meanwhile would be stale)."""
    connection.info.setdefault(CHANGED, set()).add(practice)


def note_changes(connection: sa.Connection) -> set[str | None]:
    """Move on the store's generation of each practice whose worklists this request changed (in its transaction,
    just before it commits); the practices (None: every practice)."""
    changed = connection.info.pop(CHANGED, set())
    if not changed:
        return changed
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    for key in sorted(EVERY_PRACTICE if p is None else p for p in changed):  # one order: no deadlock between two
        insert = dialect.insert(WORKLIST_CHANGES).values(practice_id=key, generation=1)
        connection.execute(insert.on_conflict_do_update(index_elements=[WORKLIST_CHANGES.c.practice_id],
                                                        set_={"generation": WORKLIST_CHANGES.c.generation + 1}))
    return changed


def generations(connection: sa.Connection, practice: str) -> tuple[int, int]:
    """The store's generations of ``practice``'s worklists and of every practice's."""
    found = dict(connection.execute(sa.select(WORKLIST_CHANGES.c.practice_id, WORKLIST_CHANGES.c.generation).where(
        WORKLIST_CHANGES.c.practice_id.in_((practice, EVERY_PRACTICE)))).all())
    return found.get(practice, 0), found.get(EVERY_PRACTICE, 0)


@dataclass
class Entry:
    computed_at: dt.datetime
    value: object
    stamp: object = None


@dataclass
class WorklistCache:
    """Results by (practice, day), each kept for ``max_age`` or until :meth:`invalidate`."""

    max_age: dt.timedelta
    _entries: dict[tuple[str, dt.date], Entry] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _generation: dict[str, int] = field(default_factory=dict)

    def _lock(self, practice: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(practice, threading.Lock())

    def get(self, practice: str, day: dt.date, now: dt.datetime, compute: Callable[[], T],
            stamp: object = None) -> tuple[T, dt.datetime]:
        """The practice's result for ``day`` and when it was computed: kept, or computed now by ``compute``.

        ``stamp``: the store's generations of the practice's worklists now (:func:`generations`); a result computed
        at other generations is computed again.
        """
        key = (practice, day)
        with self._lock(practice):
            with self._guard:
                entry = self._entries.get(key)
                generation = self._generation.get(practice, 0)
            if entry is not None and entry.stamp == stamp and now - entry.computed_at < self.max_age:
                return entry.value, entry.computed_at  # type: ignore[return-value]
            value = compute()
            with self._guard:
                if self._generation.get(practice, 0) == generation:  # not invalidated while computing
                    self._entries[key] = Entry(now, value, stamp)
            return value, now

    def invalidate(self, practice: str | None = None) -> None:
        """Drop ``practice``'s results (every practice's when None)."""
        with self._guard:
            for key in [k for k in self._entries if practice is None or k[0] == practice]:
                del self._entries[key]
            for name in ([practice] if practice is not None else list(self._generation) + list(self._locks)):
                self._generation[name] = self._generation.get(name, 0) + 1


__all__ = ["CHANGED", "WorklistCache", "generations", "mark_changed", "note_changes"]
