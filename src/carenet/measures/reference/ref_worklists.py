"""Reference case-finding rules, written from docs/measures/population.md."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from carenet.measures.reference.ref_coordination import live_plans
from carenet.measures.reference.rows import Rows, day_of


def case_finding(rows: Rows, profile: dict[str, dict[str, Any]], as_of: date, min_ltc: int,
                 window_days: int) -> set[tuple[str, str]]:
    """(rule, patient_id) pairs selected."""
    out: set[tuple[str, str]] = set()
    if "care_plans" in rows:
        plans = live_plans(rows, as_of)
        planned = {cp["patient_id"] for cp in plans}
        keyed = {cp["patient_id"] for cp in plans if cp["key_worker_id"] is not None}
        overdue = {cp["patient_id"] for cp in rows["care_plans"] if cp["status"] == "active"
                   and cp["review_date"] is not None and cp["review_date"] < as_of}
        for pid, p in profile.items():
            if p["efi_category"] in ("moderate", "severe") and pid not in planned:
                out.add(("frail_without_care_plan", pid))
            if p["complex"] and pid not in keyed:
                out.add(("complex_without_key_worker", pid))
            if pid in overdue:
                out.add(("care_plan_review_overdue", pid))
    if "appointments" in rows:
        since = as_of - timedelta(days=window_days - 1)
        reviewed = {a["patient_id"] for a in rows["appointments"] if a["status"] == "attended"
                    and a["need_type"] == "ltc_review" and since <= day_of(a["booked_for"]) <= as_of}
        for pid, p in profile.items():
            if p["ltc_count"] >= min_ltc and pid not in reviewed:
                out.add(("multimorbid_without_review", pid))
    return out
