"""The managers' scorecard kept from one page view to the next while the store has not changed.

Scoring the live store takes seconds on a full network (reading every patient's rows, building and running the
measures' queries), so :class:`ScorecardCache` keeps the last results, keyed on what they were computed from: the
practices, the day, the series and unit charted, and the store's version
(:func:`carenet.service.audit.log.store_version`, which moves on whenever a request that wrote commits - a booking,
a care plan, a panel moved). Each process keeps its own; with ``carenet serve --workers`` a change made through any
worker moves the version every worker reads, so none shows a stale scorecard. One request computes a result while
others asking for the same one wait for it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class ScorecardCache:
    """The latest ``size`` results by key (a key holds the store's version, so a changed store misses)."""

    size: int = 16
    computed: int = 0
    """How many results were computed (not found kept)."""
    _entries: OrderedDict[Hashable, object] = field(default_factory=OrderedDict)
    _locks: dict[Hashable, threading.Lock] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def peek(self, key: Hashable) -> object | None:
        """The result kept for ``key``, or None."""
        with self._guard:
            return self._entries.get(key)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The result kept for ``key``, or computed now by ``compute`` (and kept)."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            with self._guard:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key]  # type: ignore[return-value]
            try:
                value = compute()
            except BaseException:
                with self._guard:  # nothing kept: forget the key's lock too, so failed keys do not pile up
                    if key not in self._entries:
                        self._locks.pop(key, None)
                raise
            with self._guard:
                self.computed += 1
                self._entries[key] = value
                while len(self._entries) > self.size:
                    self._locks.pop(self._entries.popitem(last=False)[0], None)
            return value


__all__ = ["ScorecardCache"]
