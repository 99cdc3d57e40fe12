"""Workforce: how full each role's diary is, and GP time spent on needs another role could meet.

Utilisation of a role = minutes of appointments held (attended or not attended: the slot was
used) ÷ contracted clinical minutes. A clinician's weekly clinical minutes are their
``sessions_per_week`` × 250 minutes, or, where sessions are not recorded, ``fte`` × 9 sessions
(BMA salaried GP model contract: 37.5 hours = 9 notional sessions of 4 h 10 min). Over a period
this is scaled by the share of weeks actually worked (``working_weeks_per_year`` / 52, an
assumption the caller passes). Appointment minutes are those of
:func:`~carenet.measures.person_centred.appointment_minutes`; an appointment's role is its own
``role``, else its clinician's.

``gp_redirectable_share``: the share of GP minutes in attended appointments that another role
could take, by a sourced rule (:class:`RedirectRule`; parameters.yaml
``measures_workforce_redirect``): for each need type, a share of the GP's minutes on it could go to
one of a list of roles, and counts where the practice, or its network, employs one of them. The
practice is the appointment's ``practice_id``, else the patient's registered practice, else the
site. Scope of practice alone is not the rule: advanced nurse practitioners and mental-health
practitioners between them cover every need type, so every GP minute would count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from carenet.measures.backend import Tables
from carenet.measures.person_centred import appointment_minutes
from carenet.measures.segments import Period, fetch_row, share_or_unsupported
from carenet.measures.support import Unsupported, flag
from carenet.schema.codes import NEED_TYPES
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLES, ROLES_BY_CODE

SESSION_MINUTES = 250
"""A notional session, 4 h 10 min (BMA salaried GP model contract; docs/reference/parameters.md §6.3)."""
SESSIONS_PER_FTE = 9
"""Sessions in a full-time (37.5 h) week (BMA salaried GP model contract)."""
WEEKS_PER_YEAR = 52
DAYS_PER_WEEK = 7
CLINICAL_ROLES: tuple[str, ...] = tuple(r.code for r in ROLES if r.clinical)
NON_CLINICAL_ROLES: tuple[str, ...] = tuple(r.code for r in ROLES if not r.clinical)
GP_ROLE = "gp"
SLOT_USED_STATUSES: tuple[str, ...] = ("attended", "did_not_attend")


def _default_shares() -> dict[str, float]:
    return dict(zip(NEED_TYPES, (0.20, 0.03, 0.20, 0.10, 0.20, 0.25, 0.25, 0.15), strict=True))


def _default_roles() -> dict[str, tuple[str, ...]]:
    return {
        "acute_minor": ("anp", "practice_nurse", "physician_associate", "paramedic"),
        "acute_complex": ("anp", "paramedic"),
        "ltc_review": ("practice_nurse", "anp", "hca", "clinical_pharmacist"),
        "mental_health": ("mh_practitioner",),
        "musculoskeletal": ("fcp",),
        "medication": ("clinical_pharmacist",),
        "psychosocial": ("splw", "hwbc", "care_coordinator", "mh_practitioner"),
        "admin_results": ("care_coordinator", "practice_nurse", "hca"),
    }


@dataclass(frozen=True)
class RedirectRule:
    """What other roles take from GPs: per need type, the share of GP minutes another role could take, and the
    roles that could (one must work for the practice or its network). Defaults: parameters.yaml
    ``measures_workforce_redirect.by_need_type`` (shares averaging the one GP appointment in six that Making Time
    in General Practice, 2015, found could be seen by someone else in the practice team)."""

    shares: dict[str, float] = field(default_factory=_default_shares)
    roles: dict[str, tuple[str, ...]] = field(default_factory=_default_roles)

    def __post_init__(self) -> None:
        for need, share in self.shares.items():
            if need not in NEED_TYPES or not 0 <= share <= 1:
                raise CarenetError(f"redirect rule: {need!r} must be a need type with a share in [0, 1], got {share}")
        for need, roles in self.roles.items():
            unknown = [r for r in roles if r not in ROLES_BY_CODE or r == GP_ROLE]
            if need not in NEED_TYPES or unknown:
                raise CarenetError(f"redirect rule: {need!r} lists roles that are not other clinical roles: {unknown}")

    def pairs(self) -> ir.Table:
        """(rule_need, rule_role, rule_share): one row per need type and role that could take it."""
        rows = [(need, role, self.shares.get(need, 0.0)) for need, roles in self.roles.items() for role in roles]
        return ibis.memtable(pa.table({"rule_need": [r[0] for r in rows], "rule_role": [r[1] for r in rows],
                                       "rule_share": pa.array([r[2] for r in rows], pa.float64())}))


def _appointments_with_role(tables: Tables) -> ir.Table:
    a = tables["appointments"]
    if "clinicians" not in tables:
        return a
    c = tables["clinicians"].select("clinician_id", clinician_role="role")
    j = a.left_join(c, "clinician_id")
    return j.mutate(role=j.role.coalesce(j.clinician_role)).drop("clinician_role", "clinician_id_right")


def utilisation_by_role(tables: Tables, period: Period,
                        working_weeks_per_year: float) -> dict[str, float | Unsupported]:
    """Utilisation of each clinical role with contracted time, and ``utilisation_all`` over all of them but those
    that hold no bookable diary (n/a: their time is work other than appointments)."""
    if not 0 < working_weeks_per_year <= WEEKS_PER_YEAR:
        raise CarenetError(f"working_weeks_per_year must be in (0, {WEEKS_PER_YEAR}], got {working_weeks_per_year}")
    missing = tables.require("clinicians", "appointments", measure="utilisation")
    if missing:
        return {"utilisation_all": missing}
    c = tables["clinicians"]
    clinical = c.filter(c.role.isin(list(CLINICAL_ROLES)))
    weekly = clinical.sessions_per_week.coalesce(clinical.fte * SESSIONS_PER_FTE) * SESSION_MINUTES
    weeks = period.days / DAYS_PER_WEEK * working_weeks_per_year / WEEKS_PER_YEAR
    capacity = clinical.group_by("role").aggregate(capacity=(weekly * weeks).sum())
    a = _appointments_with_role(tables)
    used = a.filter(a.status.isin(SLOT_USED_STATUSES), period.contains(a.booked_for), a.role.isin(list(CLINICAL_ROLES)))
    used = used.mutate(minutes=appointment_minutes(used))
    held = used.group_by("role").aggregate(minutes=used.minutes.sum())
    cap = {r["role"]: r["capacity"] for r in tables.con.to_pyarrow(capacity).to_pylist()}
    got = {r["role"]: r["minutes"] for r in tables.con.to_pyarrow(held).to_pylist()}
    bookable = _roles_with_diaries(tables)
    out: dict[str, float | Unsupported] = {}
    for role in CLINICAL_ROLES:
        if bookable is not None and cap.get(role) and not got.get(role) and role not in bookable:
            out[f"utilisation_{role}"] = Unsupported(f"no {role} holds a bookable diary: nobody books appointments "
                                                     "with them, their sessions go to work other than appointments")
        elif cap.get(role) or got.get(role):
            out[f"utilisation_{role}"] = share_or_unsupported(
                got.get(role) or 0, cap.get(role), f"appointments with {role} but no {role} holds contracted sessions")
    appointment_time = {r: v for r, v in cap.items() if not isinstance(out.get(f"utilisation_{r}"), Unsupported)}
    out["utilisation_all"] = share_or_unsupported(sum(v or 0 for v in got.values()),
                                                  sum(v or 0 for v in appointment_time.values()),
                                                  "no clinician holds contracted sessions")
    return {"utilisation_all": out.pop("utilisation_all"), **out}


def _roles_with_diaries(tables: Tables) -> set[str] | None:
    """Roles whose clinicians hold any bookable slot in the diaries, or None where the data have no diaries."""
    if "diaries" not in tables:
        return None
    d, c = tables["diaries"], tables["clinicians"]
    held = d.filter(d.slots > 0).select("clinician_id").distinct()
    roles = held.join(c.select("clinician_id", "role"), "clinician_id").select("role").distinct()
    return {r["role"] for r in tables.con.to_pyarrow(roles).to_pylist()}


def gp_redirectable(tables: Tables, period: Period, rule: RedirectRule | None = None) -> dict[str, float | Unsupported]:
    """Share of GP appointment minutes another available role could take under ``rule``, and those hours a year."""
    rule = rule or RedirectRule()
    keys = ("gp_redirectable_share", "gp_redirectable_hours_year")
    missing = tables.require("clinicians", "appointments", measure="GP minutes another role could meet")
    if missing:
        return dict.fromkeys(keys, missing)
    a = _appointments_with_role(tables)
    gp = a.filter(a.role == GP_ROLE, a.status == "attended", a.need_type.notnull(), period.contains(a.booked_for))
    unplaced = fetch_row(tables, gp.aggregate(n=flag(gp.practice_id.isnull()).sum())).get("n")
    if unplaced and "patients" in tables:
        registered = tables["patients"].select(p_patient="patient_id", p_practice="practice_id")
        gp = gp.left_join(registered, gp.patient_id == registered.p_patient)
        practice = gp.practice_id.coalesce(gp.p_practice, gp.site_id)
    else:
        practice = gp.practice_id.coalesce(gp.site_id)
    gp = gp.mutate(practice=practice, minutes=appointment_minutes(gp))
    gp_minutes = gp.filter(gp.minutes.notnull(), gp.practice.notnull()).group_by(["practice", "need_type"]).aggregate(
        minutes=lambda t: t.minutes.sum())
    c = tables["clinicians"]
    others = c.filter(c.role.isin([r for r in CLINICAL_ROLES if r != GP_ROLE]))
    own = others.filter(others.practice_id.notnull()).select(practice=others.practice_id, role=others.role)
    pr = tables["practices"].select("practice_id", "network_id") if "practices" in tables else None
    available = own
    if pr is not None:
        net = others.filter(others.practice_id.isnull(), others.network_id.notnull()).select("network_id", "role")
        shared = net.join(pr, "network_id").select(practice=pr.practice_id, role=net.role)
        available = ibis.union(own, shared)
    takers = rule.pairs()
    covered = available.join(takers, available.role == takers.rule_role).select(
        "practice", need_type="rule_need", share="rule_share").distinct()
    j = gp_minutes.left_join(covered, ["practice", "need_type"])
    row = fetch_row(tables, j.aggregate(total=j.minutes.sum(), moved=(j.minutes * j.share.fill_null(0.0)).sum()))
    empty = "no attended GP appointment in the period records its need type, minutes and practice"
    share = share_or_unsupported(row.get("moved"), row.get("total"), empty)
    hours: float | Unsupported = share if isinstance(share, Unsupported) else row["moved"] / 60 / period.years
    return {"gp_redirectable_share": share, "gp_redirectable_hours_year": hours}


def workforce_summary(tables: Tables, period: Period, working_weeks_per_year: float,
                      rule: RedirectRule | None = None) -> dict[str, float | Unsupported]:
    """Every workforce measure for the period."""
    return {**utilisation_by_role(tables, period, working_weeks_per_year), **gp_redirectable(tables, period, rule)}


__all__ = ["SESSIONS_PER_FTE", "SESSION_MINUTES", "RedirectRule", "gp_redirectable", "utilisation_by_role",
           "workforce_summary"]
