"""Reference continuity measures, straight from parameters.md §7.1, one patient and one visit at a time."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from carenet.measures.continuity import ContinuityConfig
from carenet.measures.reference.rows import Rows, day_of, in_window
from carenet.measures.support import Unsupported

# --- the indices of one visit sequence ------------------------------------------------------------------------------


def upc(seq: Sequence[str]) -> float:
    """max_j n_j / N."""
    return max(Counter(seq).values()) / len(seq)


def coc(seq: Sequence[str]) -> float:
    """(Σ n_j² − N) / (N (N − 1))."""
    n = len(seq)
    return (sum(c * c for c in Counter(seq).values()) - n) / (n * (n - 1))


def secon(seq: Sequence[str]) -> float:
    """Share of consecutive pairs of visits with the same clinician."""
    return sum(1 for a, b in zip(seq, seq[1:], strict=False) if a == b) / (len(seq) - 1)


def mmci(seq: Sequence[str]) -> float:
    """(1 − M/(N + 0.1)) / (1 − 1/(N + 0.1))."""
    n, m = len(seq), len(set(seq))
    return (1 - m / (n + 0.1)) / (1 - 1 / (n + 0.1))


def kpc(seq: Sequence[str]) -> float:
    """Share of visits 2…N with a clinician already seen earlier in the sequence."""
    seen: set[str] = set()
    known = 0
    for i, clinician in enumerate(seq):
        if i > 0 and clinician in seen:
            known += 1
        seen.add(clinician)
    return known / (len(seq) - 1)


# --- contacts -------------------------------------------------------------------------------------------------------


def _role(appointment: dict[str, Any], roles_by_clinician: dict[str, str]) -> str | None:
    return appointment["role"] if appointment["role"] is not None else roles_by_clinician.get(
        appointment["clinician_id"])


def contacts(rows: Rows, config: ContinuityConfig, roles: Sequence[str] | None,
             modes: Sequence[str] | None) -> list[dict[str, Any]]:
    """Attended appointments in the window with a known clinician of ``roles`` in ``modes`` (None = any)."""
    roles_by_clinician = {c["clinician_id"]: c["role"] for c in rows.get("clinicians", [])}
    out = []
    for a in rows["appointments"]:
        role = _role(a, roles_by_clinician)
        if a["status"] != "attended" or a["clinician_id"] is None:
            continue
        if not in_window(a["booked_for"], config.start, config.end):
            continue
        if roles is not None and role not in roles:
            continue
        if modes is not None and a["mode"] not in modes:
            continue
        out.append({**a, "role": role})
    return out


def panel_on(rows: Rows, patient_id: str, day: date) -> dict[str, Any] | None:
    """The patient's panel row in force on ``day``: the latest starting on or before it."""
    candidates = [p for p in rows.get("panels", []) if p["patient_id"] == patient_id and p["start_date"] <= day]
    return max(candidates, key=lambda p: p["start_date"]) if candidates else None


def _visit_order(a: dict[str, Any]) -> tuple[Any, str]:
    return (a["booked_for"], a["appointment_id"])


# --- measures -------------------------------------------------------------------------------------------------------


def patient_continuity(rows: Rows, config: ContinuityConfig) -> dict[str, dict[str, Any]]:
    """patient_id → contacts, clinicians and the six indices, for patients with ≥ ``min_contacts`` contacts."""
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in contacts(rows, config, config.roles, config.modes):
        by_patient[a["patient_id"]].append(a)
    out = {}
    for patient, visits in by_patient.items():
        if len(visits) < config.min_contacts:
            continue
        visits.sort(key=_visit_order)
        seq = [v["clinician_id"] for v in visits]
        named_upc = None
        if "panels" in rows:
            named = [(panel_on(rows, patient, day_of(v["booked_for"])) or {}).get("clinician_id") for v in visits]
            if any(n is not None for n in named):
                named_upc = sum(1 for v, n in zip(seq, named, strict=True) if v == n) / len(seq)
        out[patient] = {"contacts": len(seq), "clinicians": len(set(seq)), "upc": upc(seq), "upc_named": named_upc,
                        "coc": coc(seq), "secon": secon(seq), "mmci": mmci(seq), "kpc": kpc(seq)}
    return out


def _list_visits(rows: Rows, config: ContinuityConfig) -> list[dict[str, Any]]:
    practice_of = {p["patient_id"]: p["practice_id"] for p in rows.get("patients", [])}
    out = []
    for a in contacts(rows, config, config.list_roles, config.list_modes):
        panel = panel_on(rows, a["patient_id"], day_of(a["booked_for"])) or {}
        named = panel.get("clinician_id")
        practice = a["practice_id"] if a["practice_id"] is not None else practice_of.get(a["patient_id"])
        month = day_of(a["booked_for"]).replace(day=1)
        out.append({**a, "named": named, "own": named is not None and named == a["clinician_id"],
                    "practice": practice, "month": month})
    return out


def slicc(rows: Rows, config: ContinuityConfig, level: str = "practice",
          monthly: bool = True) -> dict[tuple[Any, ...], dict[str, Any]] | Unsupported:
    """(group…, month) → appointments, own_gp_appointments, slicc, over patients with a named clinician."""
    if "panels" not in rows:
        return Unsupported("no panels")
    groups: dict[tuple[Any, ...], list[bool]] = defaultdict(list)
    for v in _list_visits(rows, config):
        if v["named"] is None:
            continue
        key = {"list": (v["named"],), "practice": (v["practice"],), "network": ()}[level]
        groups[key + ((v["month"],) if monthly else ())].append(v["own"])
    return {k: {"appointments": len(o), "own_gp_appointments": sum(o), "slicc": sum(o) / len(o)}
            for k, o in groups.items()}


def own_patient_ratio(rows: Rows, config: ContinuityConfig) -> dict[str, dict[str, Any]] | Unsupported:
    """clinician_id → appointments, own_list_appointments, opr, for list holders."""
    if "panels" not in rows:
        return Unsupported("no panels")
    holders = {p["clinician_id"] for p in rows["panels"] if p["clinician_id"] is not None}
    groups: dict[str, list[bool]] = defaultdict(list)
    for v in _list_visits(rows, config):
        if v["clinician_id"] in holders:
            groups[v["clinician_id"]].append(v["own"])
    return {k: {"appointments": len(o), "own_list_appointments": sum(o), "opr": sum(o) / len(o)}
            for k, o in groups.items()}


def micro_team_share(rows: Rows, config: ContinuityConfig,
                     level: str = "patient") -> dict[str, dict[str, Any]] | Unsupported:
    """patient_id (or team_id) → contacts, team_contacts, team_share."""
    if "panels" not in rows or "team_members" not in rows:
        return Unsupported("no panels or team members")
    members = {(m["team_id"], m["clinician_id"]) for m in rows["team_members"]}
    groups: dict[str, list[bool]] = defaultdict(list)
    for a in contacts(rows, config, config.team_roles, config.modes):
        team = (panel_on(rows, a["patient_id"], day_of(a["booked_for"])) or {}).get("team_id")
        if team is None:
            continue
        groups[a["patient_id"] if level == "patient" else team].append((team, a["clinician_id"]) in members)
    return {k: {"contacts": len(o), "team_contacts": sum(o), "team_share": sum(o) / len(o)}
            for k, o in groups.items()}


def continuity_summary(rows: Rows, config: ContinuityConfig) -> dict[str, Any]:
    """The network figures: means of the indices over eligible patients, pooled SLICC, OPR and team share."""
    per_patient = patient_continuity(rows, config)
    summary: dict[str, Any] = {"patients_eligible": len(per_patient)}
    for index in ("upc", "upc_named", "coc", "secon", "mmci", "kpc"):
        values = [p[index] for p in per_patient.values() if p[index] is not None]
        summary[index] = sum(values) / len(values) if values else Unsupported("no values")
    if "panels" not in rows:
        summary["upc_named"] = Unsupported("no panels")
    for name, result, total, part in (
        ("slicc", slicc(rows, config, "network", monthly=False), "appointments", "own_gp_appointments"),
        ("own_patient_ratio", own_patient_ratio(rows, config), "appointments", "own_list_appointments"),
        ("micro_team_share", micro_team_share(rows, config, "team"), "contacts", "team_contacts"),
    ):
        if isinstance(result, Unsupported):
            summary[name] = result
            continue
        denominator = sum(r[total] for r in result.values())
        summary[name] = (sum(r[part] for r in result.values()) / denominator if denominator
                         else Unsupported("empty"))
    return summary


__all__ = ["coc", "contacts", "continuity_summary", "kpc", "micro_team_share", "mmci", "own_patient_ratio",
           "panel_on", "patient_continuity", "secon", "slicc", "upc"]
