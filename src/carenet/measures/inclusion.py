"""Access and continuity for people experiencing homelessness against everyone else (the inclusion-health segment).

``housing_segments(tables)`` labels every patient by the ``patients.homeless`` flag (schema 1.3): people
experiencing homelessness, other patients, or not recorded (a dataset that does not say, e.g. one written before
the flag). ``housing_breakdown(tables, access, continuity)`` reports, per label, the registered patients, the
requests and their waits (:func:`carenet.measures.access.wait_summary`: mean wait, same-day share, share within
the two-week standard, unanswered requests), the share of same-day requests seen on the day (``same_day_seen``,
of ``same_day_requests``: the walk-in need an inclusion service is for), unmet demand where the requests record
outcomes
(:func:`~carenet.measures.access.unmet_demand`) and mean usual-provider continuity
(:func:`~carenet.measures.continuity.continuity_by_segment`). It is computed only when asked (``carenet score
--by-housing``), so the main scorecard pays nothing for it.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from carenet.measures.access import AccessConfig, unmet_demand, wait_summary
from carenet.measures.backend import Tables
from carenet.measures.continuity import ContinuityConfig, continuity_by_segment
from carenet.measures.support import Unsupported, is_unsupported

HOUSING = "housing"
HOMELESS_LABEL = "People experiencing homelessness"
HOUSED_LABEL = "Other patients"
UNKNOWN_LABEL = "Not recorded"
LABELS: tuple[str, ...] = (HOMELESS_LABEL, HOUSED_LABEL, UNKNOWN_LABEL)


def housing_segments(tables: Tables) -> ir.Table | Unsupported:
    """``patient_id`` and ``housing`` (one of :data:`LABELS`) for every patient of the ``patients`` table."""
    if "patients" not in tables:
        return Unsupported("the dataset has no patients table")
    p = tables["patients"]
    label = ibis.cases((p.homeless.isnull(), UNKNOWN_LABEL), (p.homeless, HOMELESS_LABEL), else_=HOUSED_LABEL)
    return p.select("patient_id", **{HOUSING: label})


def housing_breakdown(tables: Tables, access: AccessConfig | None = None,
                      continuity: ContinuityConfig | None = None) -> list[dict[str, Any]] | Unsupported:
    """One row per housing label with patients: access and continuity (see the module docstring)."""
    segments = housing_segments(tables)
    if is_unsupported(segments):
        return segments
    access = access or AccessConfig()
    patients = _rows(tables, segments.group_by(HOUSING).agg(patients=segments.count()))
    out = {row[HOUSING]: {HOUSING: row[HOUSING], "patients": int(row["patients"])} for row in patients}
    if "appointments" in tables:
        waits = wait_summary(tables, access, by=(HOUSING,), segments=segments)
        for row in _rows(tables, waits):
            out.setdefault(row[HOUSING], {HOUSING: row[HOUSING]}).update(
                {k: v for k, v in row.items() if k != HOUSING})
        by_urgency = wait_summary(tables, access, by=(HOUSING, "urgency"), segments=segments)
        same_day = by_urgency.filter(by_urgency.urgency == "same_day")
        for row in _rows(tables, same_day.select(HOUSING, "requests", "unanswered", "share_same_day")):
            out.setdefault(row[HOUSING], {HOUSING: row[HOUSING]}).update(
                same_day_requests=int(row["requests"] or 0) + int(row["unanswered"] or 0),
                same_day_seen=row["share_same_day"])
        unmet = unmet_demand(tables, access, by=(HOUSING,), segments=segments)
        if not is_unsupported(unmet):
            for row in _rows(tables, unmet.select(HOUSING, "unmet", "share_unmet")):
                out.setdefault(row[HOUSING], {HOUSING: row[HOUSING]}).update(
                    unmet=row["unmet"], share_unmet=row["share_unmet"])
        config = continuity or ContinuityConfig()
        config = config.model_copy(update={"start": config.start or access.start, "end": config.end or access.end})
        by = continuity_by_segment(tables, config, segments=segments)
        for row in _rows(tables, by.select(HOUSING, upc_mean="upc_mean", continuity_patients="patients")):
            out.setdefault(row[HOUSING], {HOUSING: row[HOUSING]}).update(
                upc_mean=row["upc_mean"], continuity_patients=row["continuity_patients"])
    return [out[label] for label in LABELS if label in out]


def _rows(tables: Tables, expr: ir.Table) -> list[dict[str, Any]]:
    return tables.con.to_pyarrow(expr).to_pylist()


__all__ = ["HOMELESS_LABEL", "HOUSED_LABEL", "HOUSING", "LABELS", "UNKNOWN_LABEL", "housing_breakdown",
           "housing_segments"]
