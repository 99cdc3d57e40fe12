"""Counts by practice of the network's registered population, from the measures library, with disclosure control.

The profile (:func:`carenet.measures.profile_for`: segment, risk tier, complex flag) and the case-finding
worklists (:func:`carenet.measures.case_finding`) run on the store's tables; only counts leave this module.
Every count shown is disclosure-controlled (:func:`disclose`): zero is shown, 1 to ``max_suppressed``
is suppressed (``None``), and the rest are rounded to the nearest ``rounding_base`` so that totals
cannot be differenced to recover a suppressed cell (``parameters.yaml`` ``service.aggregates``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from carenet.measures import Unsupported, case_finding, profile_for
from carenet.service.settings import ServiceSettings
from carenet.service.store.tables import CANONICAL
from carenet.service.worklists.dataset import measured


@dataclass(frozen=True)
class Disclosure:
    """Small-number suppression and rounding of counts shown to analysts."""

    max_suppressed: int
    rounding_base: int

    @classmethod
    def of(cls, settings: ServiceSettings) -> Disclosure:
        return cls(settings.aggregate_max_suppressed, settings.aggregate_rounding_base)

    def __call__(self, count: int) -> int | None:
        """The count as shown: 0, ``None`` (suppressed) or rounded to the nearest base (halves up)."""
        if count == 0:
            return 0
        if count <= self.max_suppressed:
            return None
        return self.rounding_base * ((2 * count + self.rounding_base) // (2 * self.rounding_base))


def network_practices(connection: sa.Connection, network_id: str) -> list[str]:
    practices = CANONICAL["practices"]
    return list(connection.execute(sa.select(practices.c.practice_id).where(practices.c.network_id == network_id)
                                   .order_by(practices.c.practice_id)).scalars())


def true_counts(connection: sa.Connection, practice_ids: list[str], as_of: dt.date,
                settings: ServiceSettings) -> tuple[dict[str, dict[str, Counter]], dict[str, str]]:
    """Exact counts per practice: ``patients`` (key ``all``), by ``segment``, ``risk_tier``, ``complex`` and
    ``worklist`` rule; and what could not be counted (with why). Never shown as they are."""
    out = {p: {k: Counter() for k in ("patients", "segment", "risk_tier", "complex", "worklist")}
           for p in practice_ids}
    unavailable: dict[str, str] = {}
    with measured(connection, practice_ids) as tables:
        profile = profile_for(tables, as_of, settings.population)
        if isinstance(profile, Unsupported):
            return out, {"profile": profile.reason}
        columns = ["practice_id", "b2h_segment", "risk_tier", "complex"]
        grouped = profile.group_by(columns).aggregate(n=profile.count())
        for row in tables.con.to_pyarrow(grouped).to_pylist():
            counts = out.get(row["practice_id"])
            if counts is None:
                continue
            counts["patients"]["all"] += row["n"]
            counts["segment"][str(row["b2h_segment"])] += row["n"]
            counts["risk_tier"][str(row["risk_tier"])] += row["n"]
            counts["complex"]["complex" if row["complex"] else "not_complex"] += row["n"]
        found = case_finding(tables, profile, as_of, settings.worklists)
    for practice, rule in zip(found.table.column("practice_id").to_pylist(), found.table.column("rule").to_pylist(),
                              strict=True):
        if practice in out:
            out[practice]["worklist"][rule] += 1
    for practice in out:
        for rule in found.ran:
            out[practice]["worklist"].setdefault(rule, 0)
    unavailable.update({f"worklist.{rule}": why for rule, why in found.skipped.items()})
    return out, unavailable


def shown(counts: dict[str, dict[str, Counter]], disclose: Disclosure) -> dict[str, dict[str, dict[str, int | None]]]:
    """Every count disclosure-controlled."""
    return {practice: {kind: {key: disclose(n) for key, n in sorted(cells.items())} for kind, cells in by.items()}
            for practice, by in counts.items()}


__all__ = ["Disclosure", "network_practices", "shown", "true_counts"]
