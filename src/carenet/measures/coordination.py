"""Co-ordination: does someone hold the whole story, and do professionals talk to each other?

* ``key_worker_coverage``: share of complex patients with a live care plan that names a key
  worker (a live plan is ``active`` and agreed on or before the reference date; a plan past its
  review date is still the patient's plan, and the ``care_plan_review_overdue`` worklist finds
  it); ``care_plan_coverage`` the same without the key-worker condition.
* ``professionals_per_episode``: mean distinct clinicians seen for one episode of need, over the
  episodes with an attended appointment in the period. An appointment belongs to the episode of the
  request it answers (``requests.episode_id``: returns, re-contacts after a misroute and follow-ups
  carry the first request's id); where the request records no episode, or the dataset holds no
  requests, the request is its own episode. When no episode has two or more attended contacts the
  value could only be 1, so the measure says why instead (episodes are not linked in the data).
* ``informal_referral_share``: informal advice as a share of referrals between professionals
  (``to_clinician_id`` set) in the period.
* ``discharge_follow_up``: share of hospital discharges (tasks of kind ``discharge``, created in
  the period) followed by an attended appointment within N days, counting the day of the task.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from carenet.measures.backend import Tables
from carenet.measures.segments import Period, fetch_row, share_or_unsupported
from carenet.measures.support import Unsupported, flag

MIN_LINKED_CONTACTS = 2
"""An episode needs two or more attended contacts for "distinct professionals per episode" to exceed one."""

DISCHARGE_TASK_KIND = "discharge"
"""Task kind carenet reads as "a discharge summary arrived": the practice must follow the patient up."""


def live_care_plans(tables: Tables, as_of: date) -> ir.Table:
    """Care plans in force on ``as_of``: active and agreed by then."""
    cp = tables["care_plans"]
    return cp.filter(cp.status == "active", cp.created_date <= ibis.date(as_of))


def care_plan_coverage(tables: Tables, profile: ir.Table, as_of: date) -> dict[str, float | Unsupported]:
    """Shares of complex patients with a live care plan, and with one naming a key worker."""
    missing = tables.require("care_plans", measure="care-plan coverage")
    if missing:
        return {"care_plan_coverage": missing, "key_worker_coverage": missing}
    plans = live_care_plans(tables, as_of)
    per_patient = plans.group_by("patient_id").aggregate(
        keyed=ibis.ifelse(plans.key_worker_id.notnull(), 1, 0).max())
    cx = profile.filter(profile.complex).select("patient_id")
    joined = cx.left_join(per_patient, "patient_id")
    row = fetch_row(tables, joined.aggregate(
        n=joined.count(), planned=flag(joined.keyed.notnull()).sum(),
        keyed=joined.keyed.fill_null(0).sum()))
    empty = "no complex patients in the registered population"
    return {"care_plan_coverage": share_or_unsupported(row.get("planned"), row.get("n"), empty),
            "key_worker_coverage": share_or_unsupported(row.get("keyed"), row.get("n"), empty)}


def professionals_per_episode(tables: Tables, period: Period) -> float | Unsupported:
    """Mean distinct clinicians per episode of need with an attended appointment in the period."""
    missing = tables.require("appointments", measure="professionals per episode")
    if missing:
        return missing
    a = tables["appointments"]
    seen = a.filter(a.status == "attended", a.request_id.notnull(), a.clinician_id.notnull(),
                    period.contains(a.booked_for))
    if "requests" in tables:
        r = tables["requests"].select(e_request="request_id", e_episode="episode_id")
        seen = seen.left_join(r, seen.request_id == r.e_request)
        seen = seen.mutate(episode=seen.e_episode.coalesce(seen.request_id))
    else:
        seen = seen.mutate(episode=seen.request_id)
    # mean over episodes of distinct clinicians = distinct (episode, clinician) pairs / distinct episodes
    pairs = seen.select("episode", "clinician_id").distinct()
    contacts = seen.group_by("episode").aggregate(n=seen.count())
    row = fetch_row(tables, pairs.aggregate(total=pairs.count(), n=pairs.episode.nunique()))
    most = fetch_row(tables, contacts.aggregate(most=contacts.n.max())).get("most")
    if most is not None and most < MIN_LINKED_CONTACTS:
        return Unsupported("no episode of need has more than one attended contact in the period, so every episode "
                           "sees one professional by construction; the data do not link returns and follow-ups "
                           "to their episode (requests.episode_id)")
    return share_or_unsupported(row.get("total"), row.get("n"),
                                "no attended appointment in the period is linked to a request (request_id)")


def informal_referral_share(tables: Tables, period: Period) -> float | Unsupported:
    """Informal advice among referrals between professionals made in the period."""
    missing = tables.require("referrals", measure="the informal-referral share")
    if missing:
        return missing
    r = tables["referrals"]
    between = r.filter(r.to_clinician_id.notnull(), period.contains(r.created_at))
    row = fetch_row(tables, between.aggregate(
        informal=flag(between.kind == "informal").sum(), n=between.count()))
    return share_or_unsupported(row.get("informal"), row.get("n"),
                                "no referral between professionals in the period")


def discharge_follow_up(tables: Tables, period: Period, within_days: int) -> float | Unsupported:
    """Share of discharges in the period followed by an attended appointment within ``within_days`` days."""
    missing = tables.require("tasks", "appointments", measure="follow-up after discharge")
    if missing:
        return missing
    t = tables["tasks"]
    discharges = t.filter(t.kind == DISCHARGE_TASK_KIND, t.patient_id.notnull(), period.contains(t.created_at))
    discharges = discharges.select("task_id", "patient_id", day=discharges.created_at.date())
    a = tables["appointments"]
    visits = a.filter(a.status == "attended").select("patient_id", visit=a.booked_for.date())
    pairs = discharges.join(visits, "patient_id")
    gap = pairs.visit.delta(pairs.day, unit="day")
    followed = pairs.filter(gap >= 0, gap <= within_days).select(f_task="task_id").distinct()
    marked = discharges.left_join(followed, discharges.task_id == followed.f_task)
    row = fetch_row(tables, marked.aggregate(n=marked.count(), hit=marked.f_task.count()))
    return share_or_unsupported(row.get("hit"), row.get("n"),
                                f"no discharge recorded in the period (tasks of kind {DISCHARGE_TASK_KIND!r})")


def coordination_summary(tables: Tables, profile: ir.Table | Unsupported, period: Period,
                         discharge_follow_up_days: int) -> dict[str, float | Unsupported]:
    """Every co-ordination measure for the period (``profile``: see :func:`~carenet.measures.patient_profile`)."""
    if isinstance(profile, Unsupported):
        out: dict[str, float | Unsupported] = {"care_plan_coverage": profile, "key_worker_coverage": profile}
    else:
        out = care_plan_coverage(tables, profile, period.end)
    out["professionals_per_episode"] = professionals_per_episode(tables, period)
    out["informal_referral_share"] = informal_referral_share(tables, period)
    out["discharge_follow_up"] = discharge_follow_up(tables, period, discharge_follow_up_days)
    return out


__all__ = ["DISCHARGE_TASK_KIND", "care_plan_coverage", "coordination_summary", "discharge_follow_up",
           "informal_referral_share", "live_care_plans", "professionals_per_episode"]
