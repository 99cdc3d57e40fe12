"""Reference workforce measures, written from docs/measures/workforce.md."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from carenet.measures.reference.ref_person_centred import minutes
from carenet.measures.reference.rows import Rows, day_of
from carenet.measures.support import Unsupported
from carenet.measures.workforce import RedirectRule
from carenet.schema.roles import ROLES_BY_CODE


def _role(a: dict, clinician_role: dict[str, str]) -> str | None:
    return a["role"] if a["role"] is not None else clinician_role.get(a["clinician_id"])


def utilisation_by_role(rows: Rows, start: date, end: date, working_weeks: float) -> dict[str, float | Unsupported]:
    days = (end - start).days + 1
    clinical = {r for r, v in ROLES_BY_CODE.items() if v.clinical}
    capacity: dict[str, float] = defaultdict(float)
    for c in rows["clinicians"]:
        if c["role"] in clinical:
            sessions = c["sessions_per_week"] if c["sessions_per_week"] is not None else c["fte"] * 9
            capacity[c["role"]] += sessions * 250 * days / 7 * working_weeks / 52
    clinician_role = {c["clinician_id"]: c["role"] for c in rows["clinicians"]}
    held: dict[str, float] = defaultdict(float)
    for a in rows["appointments"]:
        role = _role(a, clinician_role)
        m = minutes({**a, "role": role})
        if (a["status"] in ("attended", "did_not_attend") and role in clinical and m is not None
                and start <= day_of(a["booked_for"]) <= end):
            held[role] += m
    out: dict[str, float | Unsupported] = {}
    diaries = rows.get("diaries")
    bookable = None if diaries is None else {clinician_role.get(d["clinician_id"]) for d in diaries if d["slots"] > 0}
    roles: dict[str, float | Unsupported] = {}
    for role in ROLES_BY_CODE:
        if bookable is not None and capacity.get(role) and not held.get(role) and role not in bookable:
            roles[f"utilisation_{role}"] = Unsupported("no bookable diary")
        elif capacity.get(role) or held.get(role):
            roles[f"utilisation_{role}"] = held[role] / capacity[role] if capacity.get(role) \
                else Unsupported("no capacity")
    total_cap = sum(v for r, v in capacity.items() if roles.get(f"utilisation_{r}") != Unsupported("no bookable diary"))
    out["utilisation_all"] = sum(held.values()) / total_cap if total_cap else Unsupported("no capacity")
    return {**out, **roles}


def gp_redirectable(rows: Rows, start: date, end: date,
                    rule: RedirectRule | None = None) -> dict[str, float | Unsupported]:
    rule = rule or RedirectRule()
    years = ((end - start).days + 1) / 365.25
    network_of = {p["practice_id"]: p["network_id"] for p in rows.get("practices", [])}
    employed: dict[str, set[str]] = defaultdict(set)
    for c in rows["clinicians"]:
        role = ROLES_BY_CODE[c["role"]]
        if not role.clinical or c["role"] == "gp":
            continue
        if c["practice_id"] is not None:
            employed[c["practice_id"]].add(c["role"])
        elif c["network_id"] is not None:
            for practice, network in network_of.items():
                if network == c["network_id"]:
                    employed[practice].add(c["role"])
    clinician_role = {c["clinician_id"]: c["role"] for c in rows["clinicians"]}
    registered = {p["patient_id"]: p["practice_id"] for p in rows.get("patients", [])}
    total = moved = 0
    for a in rows["appointments"]:
        role = _role(a, clinician_role)
        practice = next((p for p in (a["practice_id"], registered.get(a["patient_id"]), a["site_id"]) if p is not None),
                        None)
        m = minutes({**a, "role": role})
        if (role == "gp" and a["status"] == "attended" and a["need_type"] is not None and practice is not None
                and m is not None and start <= day_of(a["booked_for"]) <= end):
            total += m
            if employed[practice] & set(rule.roles.get(a["need_type"], ())):
                moved += m * rule.shares.get(a["need_type"], 0.0)
    if not total:
        u = Unsupported("no GP minutes")
        return {"gp_redirectable_share": u, "gp_redirectable_hours_year": u}
    return {"gp_redirectable_share": moved / total, "gp_redirectable_hours_year": moved / 60 / years}
