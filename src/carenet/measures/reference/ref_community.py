"""Reference community-focus measures, written from docs/measures/community.md."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from carenet.measures.community import NeedWeights
from carenet.measures.reference.access import age_on
from carenet.measures.reference.rows import Rows, day_of
from carenet.measures.support import Unsupported
from carenet.schema.roles import ROLES_BY_CODE


def registered(rows: Rows, as_of: date) -> list[dict]:
    return [p for p in rows["patients"] if p["registered_from"] <= as_of and p["birth_date"] <= as_of
            and (p["registered_to"] is None or p["registered_to"] >= as_of)
            and (p["death_date"] is None or p["death_date"] > as_of)]


def social_prescribing(rows: Rows, start: date, end: date) -> dict[str, float | Unsupported]:
    if "social_prescriptions" not in rows:
        u = Unsupported("none")
        return {"social_prescriptions_per_1000_year": u, "social_prescription_take_up": u}
    years = ((end - start).days + 1) / 365.25
    made = [s for s in rows["social_prescriptions"] if start <= day_of(s["referred_at"]) <= end]
    n = len(registered(rows, end))
    known = [s for s in made if s["taken_up"] is not None]
    rate = (len(made) * 1000 / years / n if n else Unsupported("no patients")) if rows["social_prescriptions"] \
        else Unsupported("none at all")
    return {"social_prescriptions_per_1000_year": rate,
            "social_prescription_take_up": sum(s["taken_up"] for s in known) / len(known) if known
            else Unsupported("none recorded")}


def psychosocial_met_in_community(rows: Rows, start: date, end: date, within_days: int) -> float | Unsupported:
    links: dict[str, list[date]] = defaultdict(list)
    if "social_prescriptions" not in rows and "referrals" not in rows:
        return Unsupported("no links")
    for s in rows.get("social_prescriptions", []):
        links[s["patient_id"]].append(day_of(s["referred_at"]))
    for r in rows.get("referrals", []):
        if r["to_service_id"] is not None:
            links[r["patient_id"]].append(day_of(r["created_at"]))
    episodes = [(r["patient_id"], day_of(r["requested_at"])) for r in rows.get("requests", [])
                if r["need_type"] == "psychosocial" and start <= day_of(r["requested_at"]) <= end]
    if not episodes:
        episodes = [(a["patient_id"], day_of(a["booked_for"])) for a in rows.get("appointments", [])
                    if a["need_type"] == "psychosocial" and a["status"] == "attended"
                    and start <= day_of(a["booked_for"]) <= end]
    if not episodes:
        return Unsupported("no psychosocial need")
    met = sum(any(0 <= (d - day).days <= within_days for d in links[pid]) for pid, day in episodes)
    return met / len(episodes)


def need_weight(age: int, sex: str, ltc: int | None, weights: NeedWeights) -> float:
    band = max(i for i, lo in enumerate(weights.bands) if age >= lo)
    rate, r = weights.rates[band], weights.female_to_male[band]
    base = rate * 2 * r / (1 + r) if sex == "female" else rate * 2 / (1 + r) if sex == "male" else rate
    return base * (weights.multimorbidity_rate_ratio if (ltc or 0) >= weights.min_ltc_count else 1.0)


def clinicians_by_deprivation(rows: Rows, as_of: date, weights: NeedWeights | None = None,
                              ltc: dict[str, int] | None = None) -> dict[str, float | Unsupported]:
    weights = weights or NeedWeights()
    people = registered(rows, as_of)
    raw = {p["patient_id"]: need_weight(age_on(p["birth_date"], as_of), p["sex"], (ltc or {}).get(p["patient_id"]),
                                        weights) for p in people}
    mean = sum(raw.values()) / len(raw) if raw else 1.0
    w = {k: v / mean for k, v in raw.items()}
    list_size: dict[str, float] = defaultdict(float)
    for p in people:
        list_size[p["practice_id"]] += w[p["patient_id"]]
    network_of = {pr["practice_id"]: pr["network_id"] for pr in rows["practices"]}
    network_list: dict[str, float] = defaultdict(float)
    for practice, n in list_size.items():
        if network_of.get(practice) is not None:
            network_list[network_of[practice]] += n
    out: dict[str, float | Unsupported] = {}
    for label, roles in (("clinicians", {r for r, v in ROLES_BY_CODE.items() if v.clinical}), ("gps", {"gp"})):
        per_practice: dict[str, float] = defaultdict(float)
        for c in rows["clinicians"]:
            if c["role"] not in roles:
                continue
            if c["practice_id"] is not None:
                if c["practice_id"] in list_size:
                    per_practice[c["practice_id"]] += c["fte"]
            elif c["network_id"] is not None and network_list.get(c["network_id"]):
                for practice, n in list_size.items():
                    if network_of.get(practice) == c["network_id"]:
                        per_practice[practice] += c["fte"] * n / network_list[c["network_id"]]
        fte_q: dict[int, float] = defaultdict(float)
        n_q: dict[int, float] = defaultdict(float)
        for p in people:
            if p["deprivation_decile"] is None:
                continue
            q = (p["deprivation_decile"] + 1) // 2
            weight = w[p["patient_id"]]
            fte_q[q] += weight * per_practice[p["practice_id"]] / list_size[p["practice_id"]]
            n_q[q] += weight
        for q in range(1, 6):
            out[f"{label}_per_100k_q{q}"] = fte_q[q] * 100_000 / n_q[q] if n_q[q] else Unsupported("empty quintile")
    lo, hi = out["gps_per_100k_q1"], out["gps_per_100k_q5"]
    if isinstance(lo, Unsupported) or isinstance(hi, Unsupported):
        out["gp_inverse_care_ratio"] = Unsupported("empty quintile")
    else:
        out["gp_inverse_care_ratio"] = lo / hi if hi else Unsupported("no GPs for the least deprived")
    return out
