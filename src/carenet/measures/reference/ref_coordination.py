"""Reference co-ordination measures, written from docs/measures/coordination.md."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from carenet.measures.reference.rows import Rows, day_of
from carenet.measures.support import Unsupported


def live_plans(rows: Rows, as_of: date) -> list[dict[str, Any]]:
    return [cp for cp in rows.get("care_plans", []) if cp["status"] == "active" and cp["created_date"] <= as_of]


def care_plan_coverage(rows: Rows, profile: dict[str, dict[str, Any]], as_of: date) -> dict[str, float | Unsupported]:
    if "care_plans" not in rows:
        return {"care_plan_coverage": Unsupported("no care_plans"), "key_worker_coverage": Unsupported("no care_plans")}
    plans = live_plans(rows, as_of)
    planned = {cp["patient_id"] for cp in plans}
    keyed = {cp["patient_id"] for cp in plans if cp["key_worker_id"] is not None}
    complex_ = [p for p in profile.values() if p["complex"]]
    if not complex_:
        return {"care_plan_coverage": Unsupported("no complex"), "key_worker_coverage": Unsupported("no complex")}
    return {"care_plan_coverage": sum(p["patient_id"] in planned for p in complex_) / len(complex_),
            "key_worker_coverage": sum(p["patient_id"] in keyed for p in complex_) / len(complex_)}


def professionals_per_episode(rows: Rows, start: date, end: date) -> float | Unsupported:
    episode_of = {r["request_id"]: r["episode_id"] or r["request_id"] for r in rows.get("requests", [])}
    seen: dict[str, set[str]] = defaultdict(set)
    contacts: dict[str, int] = defaultdict(int)
    for a in rows.get("appointments", []):
        if (a["status"] == "attended" and a["request_id"] is not None and a["clinician_id"] is not None
                and start <= day_of(a["booked_for"]) <= end):
            episode = episode_of.get(a["request_id"], a["request_id"])
            seen[episode].add(a["clinician_id"])
            contacts[episode] += 1
    if not seen:
        return Unsupported("no linked appointments")
    if max(contacts.values()) < 2:
        return Unsupported("no episode with two contacts")
    return sum(len(s) for s in seen.values()) / len(seen)


def informal_referral_share(rows: Rows, start: date, end: date) -> float | Unsupported:
    if "referrals" not in rows:
        return Unsupported("no referrals")
    between = [r for r in rows["referrals"] if r["to_clinician_id"] is not None
               and start <= day_of(r["created_at"]) <= end]
    if not between:
        return Unsupported("none between professionals")
    return sum(r["kind"] == "informal" for r in between) / len(between)


def discharge_follow_up(rows: Rows, start: date, end: date, within_days: int) -> float | Unsupported:
    if "tasks" not in rows:
        return Unsupported("no tasks")
    discharges = [t for t in rows["tasks"] if t["kind"] == "discharge" and t["patient_id"] is not None
                  and start <= day_of(t["created_at"]) <= end]
    if not discharges:
        return Unsupported("no discharges")
    visits: dict[str, list[date]] = defaultdict(list)
    for a in rows.get("appointments", []):
        if a["status"] == "attended":
            visits[a["patient_id"]].append(day_of(a["booked_for"]))
    followed = 0
    for t in discharges:
        day = day_of(t["created_at"])
        followed += any(0 <= (v - day).days <= within_days for v in visits[t["patient_id"]])
    return followed / len(discharges)
