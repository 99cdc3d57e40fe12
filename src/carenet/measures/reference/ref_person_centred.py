"""Reference person-centred measures, written from docs/measures/person-centred.md."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from carenet.measures.reference.ref_coordination import live_plans
from carenet.measures.reference.rows import Rows, day_of
from carenet.measures.support import Unsupported
from carenet.schema.roles import ROLES_BY_CODE


def minutes(a: dict[str, Any]) -> int | None:
    if a["duration_minutes"] is not None:
        return a["duration_minutes"]
    role = ROLES_BY_CODE.get(a["role"]) if a["role"] is not None else None
    return role.usual_minutes if role else None


def minutes_per_patient_year(rows: Rows, profile: dict[str, dict[str, Any]], start: date,
                             end: date) -> dict[str, float | Unsupported]:
    years = ((end - start).days + 1) / 365.25
    spent: dict[str, int] = defaultdict(int)
    recorded = set()
    for a in rows.get("appointments", []):
        if a["status"] == "attended" and start <= day_of(a["booked_for"]) <= end and a["patient_id"] in profile:
            m = minutes(a)
            if m is not None:
                spent[a["patient_id"]] += m
                recorded.add(a["patient_id"])
    if not recorded:
        u = Unsupported("no minutes")
        return {"minutes_per_complex_patient_year": u, "minutes_per_other_patient_year": u}
    cx = [p for p in profile if profile[p]["complex"]]
    other = [p for p in profile if not profile[p]["complex"]]
    return {
        "minutes_per_complex_patient_year": (sum(spent[p] for p in cx) / years / len(cx)) if cx
        else Unsupported("no complex"),
        "minutes_per_other_patient_year": (sum(spent[p] for p in other) / years / len(other)) if other
        else Unsupported("all complex"),
    }


def needs_in_scope_share(rows: Rows, start: date, end: date) -> float | Unsupported:
    seen = [a for a in rows.get("appointments", []) if a["status"] == "attended" and a["role"] is not None
            and a["need_type"] is not None and start <= day_of(a["booked_for"]) <= end]
    if not seen:
        return Unsupported("none")
    return sum(a["need_type"] in ROLES_BY_CODE[a["role"]].need_types for a in seen) / len(seen)


def patient_set_goals_share(rows: Rows, as_of: date) -> float | Unsupported:
    if "care_plans" not in rows:
        return Unsupported("no care plans")
    known = [cp for cp in live_plans(rows, as_of) if cp["goals_patient_set"] is not None]
    if not known:
        return Unsupported("none recorded")
    return sum(cp["goals_patient_set"] for cp in known) / len(known)
