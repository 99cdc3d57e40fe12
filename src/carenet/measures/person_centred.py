"""Person-centred, holistic care: time for the whole person, the right professional, the patient's own goals.

* ``minutes_per_complex_patient_year``: clinician minutes in attended appointments per complex
  patient per year (and ``minutes_per_other_patient_year`` for everyone else, for contrast).
  An appointment's minutes are its ``duration_minutes``, else the usual length of its role in the
  role catalogue (:mod:`carenet.schema.roles`); appointments with neither are left out.
* ``needs_in_scope_share``: attended appointments whose need type lies within the scope of
  practice of the role that met it (among appointments recording both).
* ``patient_set_goals_share``: live care plans whose goals the patient set (among plans that
  record whether they did).
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from carenet.measures.backend import Tables
from carenet.measures.coordination import live_care_plans
from carenet.measures.segments import Period, fetch_row, share_or_unsupported
from carenet.measures.support import Unsupported, flag
from carenet.schema.roles import ROLES


def usual_minutes(role: ir.StringValue) -> ir.IntegerValue:
    """The catalogue's usual appointment length of ``role`` (null for an unknown or null role)."""
    return role.cases(*((r.code, r.usual_minutes) for r in ROLES))


def appointment_minutes(appointments: ir.Table) -> ir.IntegerValue:
    """Minutes of each appointment: its recorded duration, else its role's usual length."""
    return appointments.duration_minutes.cast("int64").coalesce(usual_minutes(appointments.role).cast("int64"))


def in_scope(role: ir.StringValue, need_type: ir.StringValue) -> ir.BooleanValue:
    """Whether ``need_type`` lies within the scope of practice of ``role`` (false when either is null).

    An expression for small tables; over many rows, :func:`scope_pairs` joined on both columns is faster.
    """
    covered = ibis.literal(False)
    for r in ROLES:
        covered = covered | ((role == r.code) & need_type.isin(list(r.need_types)))
    return covered.fill_null(False)


def scope_pairs(exclude: tuple[str, ...] = ()) -> ir.Table:
    """(scope_role, scope_need) for every role's scope of practice in the role catalogue, less ``exclude``."""
    pairs = [(r.code, n) for r in ROLES if r.code not in exclude for n in r.need_types]
    return ibis.memtable(pa.table({"scope_role": [p[0] for p in pairs], "scope_need": [p[1] for p in pairs]}))


def minutes_per_patient_year(tables: Tables, profile: ir.Table, period: Period) -> dict[str, float | Unsupported]:
    """Clinician minutes per complex patient per year, and per other patient per year."""
    missing = tables.require("appointments", measure="clinician minutes per patient")
    if missing:
        return {"minutes_per_complex_patient_year": missing, "minutes_per_other_patient_year": missing}
    a = tables["appointments"]
    seen = a.filter(a.status == "attended", period.contains(a.booked_for))
    minutes = seen.mutate(minutes=appointment_minutes(seen)).filter(lambda t: t.minutes.notnull())
    per_patient = minutes.group_by("patient_id").aggregate(minutes=minutes.minutes.sum())
    joined = profile.select("patient_id", "complex").left_join(per_patient, "patient_id")
    spent = joined.minutes.fill_null(0)
    row = fetch_row(tables, joined.aggregate(
        n_complex=flag(joined.complex).sum(), n_other=flag(~joined.complex).sum(),
        m_complex=ibis.ifelse(joined.complex, spent, 0).sum(), m_other=ibis.ifelse(joined.complex, 0, spent).sum(),
        recorded=flag(joined.minutes.notnull()).sum()))
    if not row.get("recorded"):
        reason = Unsupported("no attended appointment in the period records its minutes or its clinician's role")
        return {"minutes_per_complex_patient_year": reason, "minutes_per_other_patient_year": reason}
    per_year = {k: (row[k] / period.years if row.get(k) is not None else None) for k in ("m_complex", "m_other")}
    return {
        "minutes_per_complex_patient_year": share_or_unsupported(
            per_year["m_complex"], row.get("n_complex"), "no complex patients in the registered population"),
        "minutes_per_other_patient_year": share_or_unsupported(
            per_year["m_other"], row.get("n_other"), "every registered patient is complex"),
    }


def needs_in_scope_share(tables: Tables, period: Period) -> float | Unsupported:
    """Share of attended appointments met by a role whose scope of practice covers the need."""
    missing = tables.require("appointments", measure="needs met in scope")
    if missing:
        return missing
    a = tables["appointments"]
    seen = a.filter(a.status == "attended", a.role.notnull(), a.need_type.notnull(), period.contains(a.booked_for))
    scope = scope_pairs()
    matched = seen.left_join(scope, (seen.role == scope.scope_role) & (seen.need_type == scope.scope_need))
    row = fetch_row(tables, matched.aggregate(hit=matched.scope_role.count(), n=matched.count()))
    return share_or_unsupported(row.get("hit"), row.get("n"),
                                "no attended appointment in the period records both its need type and role")


def patient_set_goals_share(tables: Tables, as_of: date) -> float | Unsupported:
    """Share of live care plans whose goals the patient set."""
    missing = tables.require("care_plans", measure="care plans with patient-set goals")
    if missing:
        return missing
    plans = live_care_plans(tables, as_of)
    known = plans.filter(plans.goals_patient_set.notnull())
    row = fetch_row(tables, known.aggregate(hit=flag(known.goals_patient_set).sum(), n=known.count()))
    return share_or_unsupported(row.get("hit"), row.get("n"),
                                "no live care plan records whether the patient set its goals")


def person_centred_summary(tables: Tables, profile: ir.Table | Unsupported,
                           period: Period) -> dict[str, float | Unsupported]:
    """Every person-centred measure for the period."""
    if isinstance(profile, Unsupported):
        out: dict[str, float | Unsupported] = {"minutes_per_complex_patient_year": profile,
                                               "minutes_per_other_patient_year": profile}
    else:
        out = minutes_per_patient_year(tables, profile, period)
    out["needs_in_scope_share"] = needs_in_scope_share(tables, period)
    out["patient_set_goals_share"] = patient_set_goals_share(tables, period.end)
    return out


__all__ = ["appointment_minutes", "in_scope", "minutes_per_patient_year", "needs_in_scope_share",
           "patient_set_goals_share", "person_centred_summary", "scope_pairs", "usual_minutes"]
