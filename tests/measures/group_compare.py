"""Comparing a measure's rows on a backend with the oracle's, group by group."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def assert_same_groups(actual: list[dict[str, Any]], expected: dict[tuple, dict[str, Any]], keys: list[str],
                       same: Callable[[Any, Any], bool]) -> None:
    """Every expected group is present, no other is, and each expected column agrees under ``same``."""
    got = {tuple(row[k] for k in keys): row for row in actual}
    assert set(got) == set(expected), f"groups differ: {sorted(map(str, got))} vs {sorted(map(str, expected))}"
    for key, want in expected.items():
        for column, value in want.items():
            assert same(got[key][column], value), f"{key} {column}: {got[key][column]!r} != {value!r}"


def rows_of(result) -> list[dict[str, Any]]:
    """An Ibis expression's result as a list of row dicts."""
    return result.to_pyarrow().to_pylist()
