"""Community focus: connecting people to community resources, and whether clinicians are where need is.

* ``social_prescriptions_per_1000_year``: social prescriptions made in the period per 1,000
  registered patients per year; ``social_prescription_take_up``: share taken up (of those whose
  take-up is recorded).
* ``psychosocial_met_in_community``: episodes of psychosocial need in the period (requests; or
  attended appointments where the dataset holds no psychosocial requests) followed, within N days,
  by a social prescription or a referral to a community service for the same patient.
* Clinicians per 100,000 registered patients by deprivation quintile (the inverse care law, Tudor
  Hart 1971). Each practice's clinical FTE, plus a list-size share of its network's staff, is
  spread evenly over its registered patients and summed by the patients' own IMD quintile (the
  attribution of Asaria M et al., BMJ Open 2016;6:e008783). Quintile 1 is the most deprived
  (IMD deciles 1-2). ``gp_inverse_care_ratio`` is GP FTE per 100,000 in quintile 1 over quintile 5:
  below 1, the most deprived have fewer GPs than the least deprived.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from carenet.measures.backend import Tables
from carenet.measures.segments import Period, fetch_row, registered_patients, share_or_unsupported
from carenet.measures.support import Unsupported, flag
from carenet.schema.roles import ROLES

PER_THOUSAND = 1_000
PER_100K = 100_000
QUINTILES: tuple[int, ...] = (1, 2, 3, 4, 5)
CLINICAL_ROLES: tuple[str, ...] = tuple(r.code for r in ROLES if r.clinical)
GP_ROLE = "gp"
PSYCHOSOCIAL = "psychosocial"


def social_prescribing(tables: Tables, period: Period) -> dict[str, float | Unsupported]:
    """Social prescriptions per 1,000 registered patients per year, and their take-up."""
    missing = tables.require("social_prescriptions", measure="social prescribing")
    if missing:
        return {"social_prescriptions_per_1000_year": missing, "social_prescription_take_up": missing}
    sp = tables["social_prescriptions"]
    made = period.contains(sp.referred_at)
    row = fetch_row(tables, sp.aggregate(total=sp.count(), n=flag(made).sum(),
                                         recorded=flag(made & sp.taken_up.notnull()).sum(),
                                         taken=flag(made & sp.taken_up).sum()))
    people = registered_patients(tables, period.end)
    registered = fetch_row(tables, people.aggregate(n=people.count())).get("n")
    total = row.get("total")
    rate: float | Unsupported
    if not total:
        rate = Unsupported("the dataset records no social prescriptions at all")
    else:
        rate = share_or_unsupported((row.get("n") or 0) * PER_THOUSAND / period.years, registered,
                                    "no registered patients")
    return {"social_prescriptions_per_1000_year": rate,
            "social_prescription_take_up": share_or_unsupported(
                row.get("taken"), row.get("recorded"), "no social prescription in the period records its take-up")}


def _psychosocial_episodes(tables: Tables, period: Period) -> ir.Table | None:
    """(episode_id, patient_id, day) of psychosocial needs in the period: requests, else attended appointments."""
    if "requests" in tables:
        r = tables["requests"]
        eps = r.filter(r.need_type == PSYCHOSOCIAL, period.contains(r.requested_at))
        eps = eps.select(episode_id=eps.request_id, patient_id=eps.patient_id, day=eps.requested_at.date())
        if fetch_row(tables, eps.aggregate(n=eps.count())).get("n"):
            return eps
    if "appointments" in tables:
        a = tables["appointments"]
        eps = a.filter(a.need_type == PSYCHOSOCIAL, a.status == "attended", period.contains(a.booked_for))
        return eps.select(episode_id=eps.appointment_id, patient_id=eps.patient_id, day=eps.booked_for.date())
    return None


def psychosocial_met_in_community(tables: Tables, period: Period, within_days: int) -> float | Unsupported:
    """Share of psychosocial episodes linked to a community resource within ``within_days`` days."""
    links = []
    if "social_prescriptions" in tables:
        sp = tables["social_prescriptions"]
        links.append(sp.select("patient_id", link=sp.referred_at.date()))
    if "referrals" in tables:
        rf = tables["referrals"]
        to_community = rf.filter(rf.to_service_id.notnull())
        links.append(to_community.select("patient_id", link=to_community.created_at.date()))
    if not links:
        return Unsupported("needs social_prescriptions or referrals to community services, which the dataset "
                           "does not hold")
    episodes = _psychosocial_episodes(tables, period)
    if episodes is None:
        return Unsupported("needs requests or appointments, which the dataset does not hold")
    linked_any = ibis.union(*links) if len(links) > 1 else links[0]
    pairs = episodes.join(linked_any, "patient_id")
    gap = pairs.link.delta(pairs.day, unit="day")
    met = pairs.filter(gap >= 0, gap <= within_days).select(m_episode="episode_id").distinct()
    marked = episodes.left_join(met, episodes.episode_id == met.m_episode)
    row = fetch_row(tables, marked.aggregate(n=marked.count(), hit=marked.m_episode.count()))
    return share_or_unsupported(row.get("hit"), row.get("n"), "no psychosocial need recorded in the period")


STAFF_GROUPS: dict[str, tuple[str, ...]] = {"clinicians": CLINICAL_ROLES, "gps": (GP_ROLE,)}
"""Staff counted by the inverse-care-law measures: all clinical roles, and GPs alone."""


def _fte_per_patient(tables: Tables, as_of: date) -> ir.Table:
    """Per practice, for each staff group: FTE per registered patient (practice staff plus a share of network staff)."""
    people = registered_patients(tables, as_of)
    lists = people.group_by("practice_id").aggregate(list_size=people.count())
    c = tables["clinicians"]
    fte = {g: ibis.ifelse(c.role.isin(list(roles)), c.fte, 0.0) for g, roles in STAFF_GROUPS.items()}
    own = c.filter(c.practice_id.notnull()).group_by("practice_id").aggregate(
        **{f"own_{g}": v.sum() for g, v in fte.items()})
    shared = c.filter(c.practice_id.isnull(), c.network_id.notnull())
    net_fte = shared.group_by("network_id").aggregate(**{f"net_{g}": v.sum() for g, v in fte.items()})
    pr = tables["practices"].select("practice_id", "network_id")
    with_net = lists.left_join(pr, "practice_id").drop("practice_id_right")
    net_lists = with_net.filter(with_net.network_id.notnull()).group_by("network_id").aggregate(
        net_list=with_net.list_size.sum())
    t = with_net.left_join(own, "practice_id").drop("practice_id_right")
    t = t.left_join(net_fte, "network_id").drop("network_id_right")
    t = t.left_join(net_lists, "network_id").drop("network_id_right")
    rates = {}
    for g in STAFF_GROUPS:
        network_share = (t[f"net_{g}"].fill_null(0.0) * t.list_size / t.net_list.nullif(0)).fill_null(0.0)
        rates[g] = (t[f"own_{g}"].fill_null(0.0) + network_share) / t.list_size
    return t.select("practice_id", **rates)


def clinicians_by_deprivation(tables: Tables, as_of: date) -> dict[str, float | Unsupported]:
    """Clinical and GP FTE per 100,000 registered patients in each deprivation quintile, and the GP ratio Q1/Q5."""
    keys = [f"{g}_per_100k_q{q}" for g in STAFF_GROUPS for q in QUINTILES] + ["gp_inverse_care_ratio"]
    missing = tables.require("clinicians", "practices", measure="clinicians by deprivation")
    if missing:
        return dict.fromkeys(keys, missing)
    people = registered_patients(tables, as_of)
    people = people.filter(people.deprivation_decile.notnull())
    people = people.mutate(quintile=((people.deprivation_decile.cast("int32") + 1) // 2).cast("int32"))
    rates = _fte_per_patient(tables, as_of).rename(r_practice="practice_id")
    joined = people.left_join(rates, people.practice_id == rates.r_practice)
    by_q = joined.group_by("quintile").aggregate(n=joined.count(),
                                                 **{g: joined[g].fill_null(0.0).sum() for g in STAFF_GROUPS})
    got = {r["quintile"]: r for r in tables.con.to_pyarrow(by_q).to_pylist()}
    if not got:
        return dict.fromkeys(keys, Unsupported("no registered patient records a deprivation decile"))
    out: dict[str, float | Unsupported] = {}
    for g in STAFF_GROUPS:
        for q in QUINTILES:
            r = got.get(q)
            out[f"{g}_per_100k_q{q}"] = share_or_unsupported(
                r[g] * PER_100K if r else None, r["n"] if r else None,
                f"no registered patient in deprivation quintile {q}")
    lo, hi = out["gps_per_100k_q1"], out["gps_per_100k_q5"]
    if isinstance(lo, Unsupported) or isinstance(hi, Unsupported):
        out["gp_inverse_care_ratio"] = lo if isinstance(lo, Unsupported) else hi
    else:
        out["gp_inverse_care_ratio"] = share_or_unsupported(lo, hi, "no GP FTE serves the least deprived quintile")
    return out


def community_summary(tables: Tables, period: Period, link_window_days: int) -> dict[str, float | Unsupported]:
    """Every community-focus measure for the period."""
    out = social_prescribing(tables, period)
    out["psychosocial_met_in_community"] = psychosocial_met_in_community(tables, period, link_window_days)
    out.update(clinicians_by_deprivation(tables, period.end))
    return out


__all__ = ["CLINICAL_ROLES", "QUINTILES", "clinicians_by_deprivation", "community_summary",
           "psychosocial_met_in_community", "social_prescribing"]
