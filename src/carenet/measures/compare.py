"""Two scorecards side by side: every difference, and the trade-offs between attributes.

Each measure with a better direction gets a verdict for B against A: ``better``, ``worse`` or
``same`` (a change within ``relative_tolerance`` of the larger value). An attribute is better
overall when more of its measures got better than worse, and the reverse. A trade-off is one
attribute better while another is worse, e.g. "access better while continuity worse": the
reports' warning that models maximising access can cost continuity, shown rather than hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from rich.console import Group
from rich.markup import escape
from rich.table import Table

from carenet.measures.scorecard import ATTRIBUTES, Scorecard, Value, format_value, measure_info
from carenet.measures.support import Unsupported
from carenet.schema.errors import CarenetError

Verdict = Literal["better", "worse", "same", "n/a", ""]

_FIRST_PAIRS = (("access", "continuity"),)
"""Trade-offs listed first: the access-continuity tension the reports warn about."""


@dataclass(frozen=True)
class Difference:
    """One measure in both scorecards."""

    attribute: str
    key: str
    a: Value
    b: Value
    verdict: Verdict

    @property
    def change(self) -> float | None:
        if isinstance(self.a, Unsupported) or isinstance(self.b, Unsupported):
            return None
        return self.b - self.a


@dataclass
class Comparison:
    """Scorecard B against scorecard A."""

    a: Scorecard
    b: Scorecard
    differences: list[Difference]
    attribute_verdicts: dict[str, Verdict] = field(default_factory=dict)
    tradeoffs: list[str] = field(default_factory=list)
    relative_tolerance: float = 0.0
    """The smallest relative change called a difference; smaller changes are ``same``."""

    def to_dict(self) -> dict[str, Any]:
        def v(x: Value) -> Any:
            return {"unsupported": x.reason} if isinstance(x, Unsupported) else x

        return {
            "a": self.a.to_dict(), "b": self.b.to_dict(),
            "differences": [{"attribute": d.attribute, "measure": d.key, "a": v(d.a), "b": v(d.b),
                             "change": d.change, "verdict": d.verdict or None} for d in self.differences],
            "attribute_verdicts": self.attribute_verdicts, "tradeoffs": self.tradeoffs,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def verdict(key: str, a: Value, b: Value, relative_tolerance: float) -> Verdict:
    """B against A for one measure: better/worse/same, ``n/a`` if either is unsupported, blank without a direction."""
    better = measure_info(key).better
    if isinstance(a, Unsupported) or isinstance(b, Unsupported):
        return "n/a"
    if better is None:
        return ""
    if abs(b - a) <= relative_tolerance * max(abs(a), abs(b)):
        return "same"
    return "better" if (b > a) == (better == "higher") else "worse"


def compare(a: Scorecard, b: Scorecard, relative_tolerance: float) -> Comparison:
    """Every measure of A and B, verdicts per measure and per attribute, and the trade-offs."""
    if not 0 <= relative_tolerance < 1:
        raise CarenetError(f"relative tolerance must be in [0, 1), got {relative_tolerance}")
    diffs: list[Difference] = []
    tally: dict[str, list[int]] = {}
    for attribute in ATTRIBUTES:
        sa, sb = a.sections.get(attribute, {}), b.sections.get(attribute, {})
        for key in list(dict.fromkeys([*sa, *sb])):
            missing = Unsupported("not in this scorecard")
            va, vb = sa.get(key, missing), sb.get(key, missing)
            v = verdict(key, va, vb, relative_tolerance)
            diffs.append(Difference(attribute, key, va, vb, v))
            counts = tally.setdefault(attribute, [0, 0])
            counts[0] += v == "better"
            counts[1] += v == "worse"
    verdicts: dict[str, Verdict] = {}
    for attribute, (up, down) in tally.items():
        if measure_directions(a, attribute):
            verdicts[attribute] = "better" if up > down else "worse" if down > up else "same"
    return Comparison(a, b, diffs, verdicts, tradeoffs(verdicts), relative_tolerance)


def measure_directions(card: Scorecard, attribute: str) -> bool:
    """Whether any measure of ``attribute`` has a better direction (population measures do not)."""
    return any(measure_info(k).better for k in card.sections.get(attribute, {}))


def tradeoffs(verdicts: dict[str, Verdict]) -> list[str]:
    """Sentences naming each better attribute against each worse one, access-continuity first."""
    better = [a for a, v in verdicts.items() if v == "better"]
    worse = [a for a, v in verdicts.items() if v == "worse"]
    pairs = [(x, y) for x in better for y in worse]
    first = [p for p in pairs if p in _FIRST_PAIRS or p[::-1] in _FIRST_PAIRS]
    ordered = first + [p for p in pairs if p not in first]
    return [f"{ATTRIBUTES[x].lower()} better while {ATTRIBUTES[y].lower()} worse" for x, y in ordered]


def render_comparison(cmp: Comparison) -> Group:
    """Side-by-side Rich tables, one per attribute, then the trade-offs."""
    colour = {"better": "green", "worse": "red", "same": "dim", "n/a": "yellow"}
    parts: list[Any] = []
    label_a, label_b = escape(cmp.a.label or "A"), escape(cmp.b.label or "B")
    for attribute, title in ATTRIBUTES.items():
        rows = [d for d in cmp.differences if d.attribute == attribute]
        if not rows:
            continue
        overall = cmp.attribute_verdicts.get(attribute)
        heading = title + (f"  [{colour.get(overall, 'dim')}]({overall})[/]" if overall else "")
        grid = Table(title=heading, title_justify="left", header_style="bold")
        for col, justify in (("measure", "left"), (label_a, "right"), (label_b, "right"), ("change", "right"),
                             ("verdict", "left")):
            grid.add_column(col, justify=justify)
        for d in rows:
            info = measure_info(d.key)
            change = d.change
            shown = "" if change is None else format_change(change, info.unit)
            v = f"[{colour.get(d.verdict, 'dim')}]{d.verdict}[/]" if d.verdict else ""
            if d.verdict == "same" and change:
                v += " [dim]*[/]"
            grid.add_row(info.label, _cell(d.a, info.unit), _cell(d.b, info.unit), shown, v)
        parts.append(grid)
    small = sum(1 for d in cmp.differences if d.verdict == "same" and d.change)
    if small:
        parts.append(f"[dim]* {small} change(s) within the {cmp.relative_tolerance:.0%} relative tolerance "
                     "(measures_compare.relative_tolerance) are called the same, not differences[/]")
    if cmp.tradeoffs:
        parts.append("[bold]Trade-offs[/] (B against A):")
        parts.extend(f"  [magenta]- {t}[/]" for t in cmp.tradeoffs)
    else:
        parts.append("[bold]Trade-offs[/]: none (no attribute better while another is worse)")
    return Group(*parts)


def format_change(change: float, unit: str) -> str:
    """A difference as a person reads it: shares in percentage points, with a sign."""
    if unit == "share":
        return f"{change * 100:+.1f} pp"
    text = format_value(change, unit)
    return text if change <= 0 else "+" + text


def _cell(value: Value, unit: str) -> str:
    return "[yellow]n/a[/]" if isinstance(value, Unsupported) else format_value(value, unit)


__all__ = ["Comparison", "Difference", "compare", "format_change", "render_comparison", "tradeoffs", "verdict"]
