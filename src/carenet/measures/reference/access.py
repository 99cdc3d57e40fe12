"""Reference access measures: waits, shares, the nearest-rank percentile, unmet demand and DNA, row by row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from carenet.measures.access import (
    BOOKED_STATUSES,
    BOOKING_INTERVALS,
    OUTCOME_STATUSES,
    ROLE_GROUPS,
    UNMET_CATEGORIES,
    AccessConfig,
)
from carenet.measures.reference.rows import Rows, day_of, in_window, maximum, minimum
from carenet.measures.support import Unsupported

Grouped = dict[tuple[Any, ...], dict[str, Any]]
Segments = dict[str, dict[str, Any]] | None


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(age: int | None, config: AccessConfig) -> str | None:
    if age is None or age < 0:
        return None
    labels = config.band_labels()
    band = max(i for i, lower in enumerate(config.age_bands) if age >= lower)
    return labels[band]


def quintile(decile: int | None) -> int | None:
    return None if decile is None else (decile + 1) // 2


def _groups(rows: Rows, record: dict[str, Any], day: date, by: Sequence[str], config: AccessConfig,
            segments: dict[str, dict[str, Any]] | None) -> tuple[Any, ...]:
    patient = next((p for p in rows.get("patients", []) if p["patient_id"] == record["patient_id"]), None)
    values = []
    for key in by:
        if key == "urgency":
            values.append(record["urgency"])
        elif key == "practice_id":
            values.append(record["practice_id"] if record["practice_id"] is not None
                          else (patient or {}).get("practice_id"))
        elif key == "age_band":
            values.append(age_band(age_on(patient["birth_date"], day), config) if patient else None)
        elif key == "deprivation_quintile":
            values.append(quintile(patient["deprivation_decile"]) if patient else None)
        else:
            values.append((segments or {}).get(record["patient_id"], {}).get(key))
    return tuple(values)


def waits(rows: Rows, config: AccessConfig) -> list[dict[str, Any]]:
    """Answered requests made in the window, each with its wait in calendar days (negative waits left out)."""
    requests = {r["request_id"]: r for r in rows.get("requests", [])}
    booked = [a for a in rows["appointments"] if a["status"] in BOOKED_STATUSES]
    answered = [{k: a[k] for k in ("patient_id", "practice_id", "urgency", "requested_at", "booked_for")}
                for a in booked if a["request_id"] is None and a["requested_at"] is not None]
    by_request: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in booked:
        if a["request_id"] is None:
            continue
        r = requests.get(a["request_id"])
        requested_at = r["requested_at"] if r else a["requested_at"]
        if requested_at is None:
            continue
        by_request[a["request_id"]].append({
            "patient_id": a["patient_id"],
            "practice_id": a["practice_id"] if a["practice_id"] is not None else (r or {}).get("practice_id"),
            "urgency": r["urgency"] if r else a["urgency"],
            "requested_at": requested_at, "booked_for": a["booked_for"],
        })
    for group in by_request.values():
        answered.append({key: (minimum if key in ("requested_at", "booked_for") else maximum)([g[key] for g in group])
                         for key in group[0]})
    out = []
    for w in answered:
        if not in_window(w["requested_at"], config.start, config.end):
            continue
        wait = (day_of(w["booked_for"]) - day_of(w["requested_at"])).days
        if wait >= 0:
            out.append({**w, "wait_days": wait})
    return out


def unanswered(rows: Rows, config: AccessConfig) -> list[dict[str, Any]]:
    """Requests made in the window that ended otherwise than booked (a recorded outcome) and no live booking names."""
    named = {a["request_id"] for a in rows["appointments"] if a["status"] in BOOKED_STATUSES}
    return [r for r in rows.get("requests", [])
            if r["outcome"] is not None and r["outcome"] != "booked" and r["request_id"] not in named
            and in_window(r["requested_at"], config.start, config.end)]


def nearest_rank(values: Sequence[int], percentile: int) -> int:
    """The value at rank ⌈p·n/100⌉ of the sorted values."""
    ordered = sorted(values)
    rank = -(-percentile * len(ordered) // 100)
    return ordered[rank - 1]


def wait_summary(rows: Rows, config: AccessConfig, by: Sequence[str] = ("urgency",),
                 segments: Segments = None) -> Grouped:
    groups: dict[tuple[Any, ...], list[int | None]] = defaultdict(list)
    for w in waits(rows, config):
        groups[_groups(rows, w, day_of(w["requested_at"]), by, config, segments)].append(w["wait_days"])
    for r in unanswered(rows, config):
        groups[_groups(rows, r, day_of(r["requested_at"]), by, config, segments)].append(None)
    if not by and not groups:
        return {(): {"requests": 0, "unanswered": 0, "mean_wait_days": None, f"p{config.percentile}_wait_days": None,
                     "share_same_day": None, f"share_within_{config.within_days}_days": None}}
    out: Grouped = {}
    for k, v in groups.items():
        seen = [x for x in v if x is not None]
        out[k] = {"requests": len(seen), "unanswered": len(v) - len(seen),
                  "mean_wait_days": sum(seen) / len(seen) if seen else None,
                  f"p{config.percentile}_wait_days": nearest_rank(seen, config.percentile) if seen else None,
                  "share_same_day": sum(1 for x in seen if x == 0) / len(v),
                  f"share_within_{config.within_days}_days": sum(1 for x in seen if x <= config.within_days) / len(v)}
    return out


def booking_interval(wait: int) -> str:
    for label, low, high in BOOKING_INTERVALS:
        if wait >= low and (high is None or wait <= high):
            return label
    raise ValueError(f"negative wait {wait}")


def wait_distribution(rows: Rows, config: AccessConfig, by: Sequence[str] = ("urgency",),
                      segments: Segments = None, answered_only: bool = False) -> Grouped:
    counts: dict[tuple[Any, ...], int] = defaultdict(int)
    totals: dict[tuple[Any, ...], int] = defaultdict(int)
    for w in waits(rows, config):
        key = _groups(rows, w, day_of(w["requested_at"]), by, config, segments)
        counts[key + (booking_interval(w["wait_days"]),)] += 1
        totals[key] += 1
    for r in [] if answered_only else unanswered(rows, config):
        key = _groups(rows, r, day_of(r["requested_at"]), by, config, segments)
        counts[key + ("redirected" if r["outcome"].startswith("redirected_") else r["outcome"],)] += 1
        totals[key] += 1
    return {k: {"requests": n, "share": n / totals[k[:-1]]} for k, n in counts.items()}


def unmet_demand(rows: Rows, config: AccessConfig, by: Sequence[str] = (),
                 segments: Segments = None) -> Grouped | Unsupported:
    if "requests" not in rows:
        return Unsupported("no requests")
    appointments = rows["appointments"]
    if not any(a["request_id"] is not None for a in appointments):
        return Unsupported("no request ids")
    moments = [r["requested_at"] for r in rows["requests"]] + [a["booked_for"] for a in appointments]
    data_end = day_of(max(moments))
    groups: dict[tuple[Any, ...], list[str | None]] = defaultdict(list)
    for r in rows["requests"]:
        day = day_of(r["requested_at"])
        if not in_window(r["requested_at"], config.start, config.end):
            continue
        if (data_end - day).days < config.unmet_horizon_days:
            continue
        bookings = [a["booked_for"] for a in appointments
                    if a["request_id"] == r["request_id"] and a["status"] in BOOKED_STATUSES]
        met = bool(bookings) and (day_of(min(bookings)) - day).days <= config.unmet_horizon_days
        category = None if met else ("unknown" if r["outcome"] is None else
                                     "booked_late" if r["outcome"] == "booked" else r["outcome"])
        groups[_groups(rows, r, day, by, config, segments)].append(category)
    if not by and not groups:
        return {(): {"requests": 0, "unmet": 0, "share_unmet": None, **{f"unmet_{c}": 0 for c in UNMET_CATEGORIES}}}
    out: Grouped = {}
    for k, v in groups.items():
        unmet = [c for c in v if c is not None]
        out[k] = {"requests": len(v), "unmet": len(unmet), "share_unmet": len(unmet) / len(v),
                  **{f"unmet_{c}": unmet.count(c) for c in UNMET_CATEGORIES}}
    return out


def dna_rate(rows: Rows, config: AccessConfig, by: Sequence[str] = (),
             segments: Segments = None) -> Grouped:
    groups: dict[tuple[Any, ...], list[bool]] = defaultdict(list)
    for a in rows["appointments"]:
        if a["status"] in OUTCOME_STATUSES and in_window(a["booked_for"], config.start, config.end):
            groups[_groups(rows, a, day_of(a["booked_for"]), by, config, segments)].append(
                a["status"] == "did_not_attend")
    if not by and not groups:
        return {(): {"appointments": 0, "did_not_attend": 0, "dna_rate": None}}
    return {k: {"appointments": len(v), "did_not_attend": sum(v), "dna_rate": sum(v) / len(v)}
            for k, v in groups.items()}


def role_group(role: str | None) -> str | None:
    return next((g for g, codes in ROLE_GROUPS.items() if role in codes), None)


def third_next_available(rows: Rows, config: AccessConfig, rank: int = 3,
                         by_role_group: bool = False) -> Grouped | Unsupported:
    """Per site (and role group): days from each sample day to the day of the ``rank``-th slot free at its start,
    averaged."""
    if "diaries" not in rows or "appointments" not in rows or (by_role_group and "clinicians" not in rows):
        return Unsupported("no diaries")
    roles = {c["clinician_id"]: c["role"] for c in rows.get("clinicians", [])}

    def group_of(role: str | None) -> str | None:
        return role_group(role) if by_role_group else "all"

    slots: dict[tuple[str, str, date], int] = defaultdict(int)
    untyped: set[tuple[str, str, date]] = set()
    for row in rows["diaries"]:
        g = group_of(roles.get(row["clinician_id"]))
        if row["slots"] > 0 and g is not None:
            key = (row["site_id"], g, row["date"])
            slot_type = row.get("slot_type")
            slots[key] += 0 if slot_type == "on_the_day" else row["slots"]
            if slot_type is None:
                untyped.add(key)
    if not slots:
        return Unsupported("no slots")
    last = max(day for _, _, day in slots)
    horizon = config.tna_horizon_days
    live = [{**a, "group": group_of(a["role"] if a["role"] is not None else roles.get(a["clinician_id"]))}
            for a in rows["appointments"] if a["status"] in BOOKED_STATUSES and a["site_id"] is not None]
    out: Grouped = {}
    for site, g in sorted({(s, g) for s, g, _ in slots}):
        values, censored = [], 0
        for t in sorted(day for s, gg, day in slots if (s, gg) == (site, g)):
            if (last - t).days < horizon or (config.start and t < config.start) or (config.end and t > config.end):
                continue
            seen, value = 0, None
            for ahead in range(horizon + 1):
                day = t + timedelta(days=ahead)
                booked = sum(1 for a in live if a["site_id"] == site and a["group"] == g
                             and day_of(a["booked_for"]) == day
                             and (a["requested_at"] is None or day_of(a["requested_at"]) < t
                                  or (day_of(a["requested_at"]) == day and (site, g, day) in untyped)))
                seen += max(0, slots.get((site, g, day), 0) - booked)
                if seen >= rank:
                    value = ahead
                    break
            censored += value is None
            values.append(horizon if value is None else value)
        if values:
            out[(site, g) if by_role_group else (site,)] = {
                "sample_days": len(values), "mean_tna_days": sum(values) / len(values), "censored_days": censored}
    return out


def access_summary(rows: Rows, config: AccessConfig) -> dict[str, Any]:
    p_key, within_key = f"p{config.percentile}_wait_days", f"share_within_{config.within_days}_days"
    overall = wait_summary(rows, config, by=())[()]
    recorded = any(r["outcome"] is not None and in_window(r["requested_at"], config.start, config.end)
                   for r in rows.get("requests", []))
    summary: dict[str, Any] = {"answered_requests": overall["requests"],
                               "unanswered_requests": overall["unanswered"] if recorded else Unsupported("no outcome")}
    for key in ("mean_wait_days", p_key):
        summary[key] = float(overall[key]) if overall["requests"] else Unsupported("no waits")
    for key in ("share_same_day", within_key):
        summary[key] = float(overall[key]) if overall["requests"] + overall["unanswered"] else Unsupported("none")
    summary["by_urgency"] = {(k[0] or "unknown"): v for k, v in wait_summary(rows, config).items()}
    unmet = unmet_demand(rows, config)
    split = ("unmet_waiting", "unmet_abandoned", "unmet_redirected")
    if not isinstance(unmet, Unsupported) and not unmet[()]["requests"]:
        unmet = Unsupported("no closed horizon")
    if isinstance(unmet, Unsupported):
        summary.update({"unmet_demand": unmet, **dict.fromkeys(split, unmet)})
    else:
        u = unmet[()]
        summary["unmet_demand"] = u["share_unmet"]
        if u["unmet"] and u["unmet_unknown"] == u["unmet"]:
            summary.update(dict.fromkeys(split, Unsupported("no outcome")))
        else:
            summary["unmet_waiting"] = u["unmet_waiting"] / u["requests"]
            summary["unmet_abandoned"] = u["unmet_abandoned"] / u["requests"]
            redirected = sum(v for k, v in u.items() if k.startswith("unmet_redirected_"))
            summary["unmet_redirected"] = redirected / u["requests"]
            summary["unmet_by_outcome"] = {c: u[f"unmet_{c}"] / u["requests"] for c in UNMET_CATEGORIES}
    dna = dna_rate(rows, config)[()]
    summary["dna_rate"] = dna["dna_rate"] if dna["appointments"] else Unsupported("no outcomes")
    tna = third_next_available(rows, config)
    by_site = {} if isinstance(tna, Unsupported) else {k[0]: v["mean_tna_days"] for k, v in tna.items()}
    summary["third_next_available"] = (tna if isinstance(tna, Unsupported) else
                                       sum(by_site.values()) / len(by_site) if by_site else Unsupported("no sample"))
    by_group = third_next_available(rows, config, by_role_group=True)
    for g in ROLE_GROUPS:
        if isinstance(by_group, Unsupported):
            summary[f"third_next_available_{g}"] = by_group
            continue
        values = [v["mean_tna_days"] for k, v in by_group.items() if k[1] == g]
        summary[f"third_next_available_{g}"] = sum(values) / len(values) if values else Unsupported("no sample")
    summary["third_next_available_by_practice"] = dict(sorted(by_site.items()))
    summary["definition"] = {"shares_of": "with outcomes" if recorded else "answered only"}
    return summary


__all__ = ["access_summary", "age_band", "age_on", "booking_interval", "dna_rate", "nearest_rank", "quintile",
           "role_group", "third_next_available", "unanswered", "unmet_demand", "wait_distribution", "wait_summary",
           "waits"]
