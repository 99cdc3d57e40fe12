"""The managers' kept scorecard: computed once per key, the oldest let go, a failure keeps nothing."""

from __future__ import annotations

import threading
import time

import pytest

from carenet.service.scorecard.cache import ScorecardCache


def test_a_key_is_computed_once_and_the_oldest_is_let_go():
    cache = ScorecardCache(size=2)
    assert cache.get(("P1", 1), lambda: "card at version 1") == "card at version 1"
    assert cache.get(("P1", 1), lambda: "computed again") == "card at version 1"
    cache.get(("P1", 2), lambda: "card at version 2")
    cache.get(("P1", 3), lambda: "card at version 3")
    assert cache.computed == 3
    assert cache.peek(("P1", 1)) is None and cache.peek(("P1", 3)) == "card at version 3"


def test_a_failed_computation_keeps_nothing_and_the_next_view_tries_again():
    cache = ScorecardCache()

    def fails():
        raise RuntimeError("the store could not be read")

    with pytest.raises(RuntimeError):
        cache.get("key", fails)
    assert cache.peek("key") is None and cache.computed == 0
    assert not cache._locks  # a long-running service does not pile up the locks of keys that failed
    assert cache.get("key", lambda: "card") == "card"


def test_views_that_arrive_together_wait_for_one_computation():
    cache = ScorecardCache()
    calls: list[int] = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return "card"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("key", slow))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["card"] * 4 and len(calls) == 1
