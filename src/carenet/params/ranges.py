"""The uncertainty ranges of ``parameters.yaml``: which entries carry one, and how a table shows it.

An entry (a mapping with a ``tag``) that is an assumption (A) or from memory (M), and every
``twin.effects`` entry, says how far it is uncertain in one of two ways:

* ``value_range: [low, high]`` (one ``[low, high]`` per element of a list value; ``[x, x]`` holds an
  element fixed), with ``range_note`` saying why those bounds and an optional ``distribution``
  (``uniform``, the default, or ``triangular`` with its mode at ``value``);
* ``fixed: "<reason>"`` where the entry is not a belief about how care behaves (a measure's
  definition, a limit, a service setting, the synthetic population's generation, funding), so an
  uncertainty analysis leaves it at its value.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DISTRIBUTIONS: tuple[str, ...] = ("uniform", "triangular")
"""How a value is drawn from its range; ``uniform`` where ``distribution`` is absent."""
RANGED_TAGS: tuple[str, ...] = ("A", "M")
"""Evidence tags whose entries must carry a ``value_range`` or say why they are ``fixed``."""


def tagged_entries(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every mapping with an evidence ``tag`` under ``node``, with its dotted path (list items by index)."""
    if isinstance(node, dict):
        if "tag" in node:
            yield path, node
        children: Any = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        return
    for key, child in children:
        yield from tagged_entries(child, f"{path}.{key}" if path else str(key))


def _number(x: Any) -> str:
    return f"{x:g}" if isinstance(x, int | float) and not isinstance(x, bool) else str(x)


def _pair(pair: Any) -> str:
    lo, hi = pair
    return _number(lo) if lo == hi else f"{_number(lo)}–{_number(hi)}"


def range_text(entry: dict[str, Any], reason: bool = False) -> str:
    """``0.1–0.3`` (pairs joined by ", " for a list value, a held element as its value), with the distribution
    when it is not uniform; ``fixed`` (``fixed: <reason>`` with ``reason``) for an entry not drawn; empty for an
    entry with neither."""
    if "fixed" in entry:
        return f"fixed: {entry['fixed']}" if reason else "fixed"
    span = entry.get("value_range")
    if span is None:
        return ""
    text = ", ".join(_pair(p) for p in span) if isinstance(span[0], list) else _pair(span)
    distribution = entry.get("distribution", "uniform")
    return text if distribution == "uniform" else f"{text} ({distribution})"


__all__ = ["DISTRIBUTIONS", "RANGED_TAGS", "range_text", "tagged_entries"]
