"""Community focus: connecting people to community resources, and whether clinicians are where need is.

* ``social_prescriptions_per_1000_year``: social prescriptions made in the period per 1,000
  registered patients per year; ``social_prescription_take_up``: share taken up (of those whose
  take-up is recorded).
* ``psychosocial_met_in_community``: episodes of psychosocial need in the period (requests; or
  attended appointments where the dataset holds no psychosocial requests) followed, within N days,
  by a social prescription or a referral to a community service for the same patient.
* Clinicians per 100,000 *need-adjusted* patients by deprivation quintile (the inverse care law,
  Tudor Hart 1971; Asaria M et al., BMJ Open 2016;6:e008783, who count FTE GPs per 100,000
  need-adjusted population). Each registered patient carries a need weight (:class:`NeedWeights`:
  the consultation rate of their age band and sex, times the multimorbidity rate ratio for two or
  more long-term conditions where the dataset records conditions), scaled so the network's mean
  weight is 1. Each practice's clinical FTE, plus a share of its network's staff in proportion to
  need-weighted list size, is spread over its patients in proportion to their weights; a quintile's
  figure is the FTE attributed to its patients per 100,000 of their weights. Quintile 1 is the most
  deprived (IMD deciles 1-2). ``gp_inverse_care_ratio`` is GP FTE per 100,000 need-adjusted patients
  in quintile 1 over quintile 5: below 1, the most deprived have fewer GPs for their need than the
  least deprived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from carenet.measures.backend import Tables
from carenet.measures.segments import Period, fetch_row, registered_patients, share_or_unsupported
from carenet.measures.support import Unsupported, flag
from carenet.schema.errors import CarenetError
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


def _default_rates() -> tuple[float, ...]:
    return (5.6, 2.4, 3.7, 4.2, 5.4, 8.2, 10.7, 13.5)


def _default_female_ratios() -> tuple[float, ...]:
    return (0.95, 1.0, 2.0, 1.8, 1.35, 1.1, 1.05, 1.0)


@dataclass(frozen=True)
class NeedWeights:
    """Age-sex-morbidity need weights of registered patients (defaults: parameters.yaml ``measures_need_weights``).

    A patient's weight is the consultation rate of their age band, split between the sexes by the band's
    female-to-male ratio (women ``2r/(1+r)``, men ``2/(1+r)`` of it; other or unknown sex the band rate), times
    ``multimorbidity_rate_ratio`` with ``min_ltc_count`` or more long-term conditions.
    """

    bands: tuple[int, ...] = (0, 5, 15, 25, 45, 65, 75, 85)
    rates: tuple[float, ...] = field(default_factory=_default_rates)
    female_to_male: tuple[float, ...] = field(default_factory=_default_female_ratios)
    multimorbidity_rate_ratio: float = 2.30
    min_ltc_count: int = 2

    def __post_init__(self) -> None:
        if not (len(self.bands) == len(self.rates) == len(self.female_to_male)) or not self.bands \
                or self.bands[0] != 0 or list(self.bands) != sorted(set(self.bands)):
            raise CarenetError("need weights: age bands must start at 0, rise strictly, and have one rate and one "
                               "female-to-male ratio each")
        if min(self.rates) <= 0 or min(self.female_to_male) <= 0 or self.multimorbidity_rate_ratio <= 0:
            raise CarenetError("need weights: rates and ratios must be positive")

    def table(self) -> ir.Table:
        """(nw_lo, nw_hi, nw_sex, nw_rate): the age-sex rate of each band and of female, male and other sexes (``nw_hi``
        is null for the open last band). A table, not literals: engines type decimal literals as decimals."""
        his = [*self.bands[1:], None]
        rows = [(lo, hi, sex, rate * share)
                for lo, hi, rate, r in zip(self.bands, his, self.rates, self.female_to_male, strict=True)
                for sex, share in (("female", 2 * r / (1 + r)), ("male", 2 / (1 + r)), ("other", 1.0))]
        return ibis.memtable(pa.table({"nw_lo": pa.array([r[0] for r in rows], pa.int32()),
                                       "nw_hi": pa.array([r[1] for r in rows], pa.int32()),
                                       "nw_sex": [r[2] for r in rows],
                                       "nw_rate": pa.array([r[3] for r in rows], pa.float64())}))


def _weighted_people(tables: Tables, as_of: date, weights: NeedWeights, profile: ir.Table | None) -> ir.Table:
    """Registered patients with their need weight scaled to a network mean of 1: patient_id, practice_id,
    deprivation_decile, w."""
    if profile is not None:
        people = profile.select("patient_id", "practice_id", "sex", "deprivation_decile", "age", "ltc_count")
    else:
        people = registered_patients(tables, as_of).mutate(ltc_count=ibis.null("int32"))
    people = people.mutate(sex_key=ibis.cases((people.sex == "female", "female"), (people.sex == "male", "male"),
                                              else_="other"),
                           morbid=ibis.ifelse(people.ltc_count.fill_null(0) >= weights.min_ltc_count, 1, 0))
    nw = weights.table()
    people = people.join(nw, [people.sex_key == nw.nw_sex, people.age >= nw.nw_lo,
                              nw.nw_hi.isnull() | (people.age < nw.nw_hi)])
    people = people.mutate(raw=ibis.ifelse(people.morbid == 1, people.nw_rate * weights.multimorbidity_rate_ratio,
                                           people.nw_rate))
    mean = people.raw.mean().over(ibis.window())
    return people.select("patient_id", "practice_id", "deprivation_decile", w=people.raw / mean)


def _fte_per_weight(people: ir.Table, tables: Tables) -> ir.Table:
    """Per practice, for each staff group: FTE per unit of need weight (practice staff plus a need-weighted share
    of network staff)."""
    lists = people.group_by("practice_id").aggregate(list_size=people.w.sum())
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
        rates[g] = (t[f"own_{g}"].fill_null(0.0) + network_share) / t.list_size.nullif(0)
    return t.select("practice_id", **rates)


def clinicians_by_deprivation(tables: Tables, as_of: date, weights: NeedWeights | None = None,
                              profile: ir.Table | None = None) -> dict[str, float | Unsupported]:
    """Clinical and GP FTE per 100,000 need-adjusted patients in each deprivation quintile, and the GP ratio Q1/Q5.

    ``profile`` (:func:`~carenet.measures.patient_profile`) supplies long-term conditions for the multimorbidity
    weight; without it the weights are by age and sex alone.
    """
    weights = weights or NeedWeights()
    keys = [f"{g}_per_100k_q{q}" for g in STAFF_GROUPS for q in QUINTILES] + ["gp_inverse_care_ratio"]
    missing = tables.require("clinicians", "practices", measure="clinicians by deprivation")
    if missing:
        return dict.fromkeys(keys, missing)
    people = _weighted_people(tables, as_of, weights, profile)
    practices = tables.con.to_pyarrow(people.practice_id.nunique()).as_py()
    if practices < 2:  # each quintile's patients would share one practice's staff: the same rate, a ratio of 1
        return dict.fromkeys(keys, Unsupported(
            f"staff are set against need across practices; the registered population has {practices} practice"))
    rates = _fte_per_weight(people, tables).rename(r_practice="practice_id")
    known = people.filter(people.deprivation_decile.notnull())
    known = known.mutate(quintile=((known.deprivation_decile.cast("int32") + 1) // 2).cast("int32"))
    joined = known.left_join(rates, known.practice_id == rates.r_practice)
    by_q = joined.group_by("quintile").aggregate(n=joined.w.sum(),
                                                 **{g: (joined.w * joined[g].fill_null(0.0)).sum()
                                                    for g in STAFF_GROUPS})
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


def community_summary(tables: Tables, period: Period, link_window_days: int, *, weights: NeedWeights | None = None,
                      profile: ir.Table | None = None) -> dict[str, float | Unsupported]:
    """Every community-focus measure for the period (``profile``: long-term conditions for the need weights)."""
    out = social_prescribing(tables, period)
    out["psychosocial_met_in_community"] = psychosocial_met_in_community(tables, period, link_window_days)
    out.update(clinicians_by_deprivation(tables, period.end, weights, profile))
    return out


__all__ = ["CLINICAL_ROLES", "QUINTILES", "NeedWeights", "clinicians_by_deprivation", "community_summary",
           "psychosocial_met_in_community", "social_prescribing"]
