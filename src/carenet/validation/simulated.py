"""Simulated figures: the same quantities the published figures give, read from a run's canonical tables.

Everything is computed by DuckDB through Ibis over the dataset's Parquet files (:func:`carenet.measures.load`),
over a measured period (the run's days after its warm-up). An *appointment* here is one booked for a day in
the period that was attended or missed, as NHS Digital counts them. A figure the dataset cannot give is NaN
with the reason in ``note``, never a zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from carenet.measures import ContinuityConfig, Period, Tables, Unsupported, load, patient_continuity, unmet_demand
from carenet.measures.access import BOOKING_INTERVALS, OUTCOME_STATUSES, AccessConfig, age_on
from carenet.measures.segments import DAYS_PER_YEAR
from carenet.schema import open_dataset
from carenet.validation.catalogue import (
    INTERVALS,
    OPEN_OUTCOMES,
    PRACTICE_SIZES,
    PUBLISHED_MODES,
    STAFF_TYPES,
    UNMET_OUTCOMES,
)
from carenet.validation.settings import ValidationInputError, ValidationSettings

SIMULATED_COLUMNS: tuple[str, ...] = ("measure", "group", "value", "note")
_MODE_GROUPS: dict[str, str] = {"face_to_face": "face_to_face", "telephone": "telephone", "home_visit": "home_visit",
                                "video": "video_online", "online": "video_online"}
"""The schema's appointment modes in NHS Digital's categories (video and online are one there)."""


def _rows(measure: str, values: dict[str, float], note: str = "") -> list[dict]:
    return [{"measure": measure, "group": g, "value": v, "note": note if math.isnan(v) else ""}
            for g, v in values.items()]


def _absent(measure: str, groups: Iterable[str], reason: str) -> list[dict]:
    return _rows(measure, dict.fromkeys(groups, math.nan), reason)


def _counts(expr: ir.Table, key: str) -> dict[str, int]:
    frame = expr.to_pandas()
    return {str(k): int(v) for k, v in zip(frame[key], frame["n"], strict=True) if k is not None}


def _shares(counts: dict[str, int], groups: Iterable[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {g: counts.get(g, 0) / total if total else math.nan for g in groups}


def data_period(tables: Tables) -> Period:
    """The span of a dataset's attended or missed appointments (when no measured period is known)."""
    a = tables["appointments"]
    a = a.filter(a.status.isin(list(OUTCOME_STATUSES)))
    span = a.agg(first=a.booked_for.min(), last=a.booked_for.max()).to_pyarrow().to_pylist()[0]
    if span["first"] is None:
        raise ValidationInputError("the dataset has no attended or missed appointment to validate")
    return Period(span["first"].date(), span["last"].date())


def _appointments(tables: Tables, period: Period) -> ir.Table:
    a = tables["appointments"]
    a = a.filter(a.status.isin(list(OUTCOME_STATUSES)) & period.contains(a.booked_for))
    if "clinicians" in tables:
        c = tables["clinicians"].select(c_id="clinician_id", c_role="role")
        a = a.left_join(c, a.clinician_id == c.c_id).mutate(role=a.role.coalesce(c.c_role))
    return a.select("patient_id", "role", "mode", "status", "requested_at", "booked_for")


def _age_band(age: ir.IntegerValue, settings: ValidationSettings) -> ir.StringValue:
    bands = sorted(settings.consultation_bands, key=lambda b: b.lo, reverse=True)
    return ibis.cases(*[(age >= b.lo, b.label) for b in bands], else_=ibis.null("string"))


def _registered_days(p: ir.Table, period: Period) -> ir.IntegerValue:
    """Each patient's registered (and living) days within ``period``."""
    first, last = ibis.date(period.start), ibis.date(period.end)
    until = ibis.least(p.registered_to.coalesce(last), p.death_date.coalesce(last), last)
    since = ibis.greatest(p.registered_from, first)
    return ibis.greatest(until.epoch_days() - since.epoch_days() + 1, 0)


def outpatient_referral_rate(tables: Tables, period: Period) -> list[dict]:
    """Referrals to hospital outpatient clinics (``referrals.kind`` outpatient) per registered patient-year."""
    if "patients" not in tables or "referrals" not in tables:
        return _absent("outpatient_referral_rate", [""], "the dataset has no patients or referrals table")
    r = tables["referrals"]
    out = r.filter((r.kind == "outpatient") & period.contains(r.created_at))
    made = int(out.count().to_pyarrow().as_py())
    if made == 0 and not int(r.filter(r.kind == "outpatient").count().to_pyarrow().as_py()):
        return _absent("outpatient_referral_rate", [""], "the dataset records no referral to an outpatient clinic")
    p = tables["patients"]
    days = p.select(days=_registered_days(p, period)).days.sum().to_pyarrow().as_py() or 0
    return _rows("outpatient_referral_rate", {"": made / (days / DAYS_PER_YEAR) if days else math.nan},
                 "no registered patient-time in the period")


def consultation_rates(tables: Tables, appts: ir.Table, period: Period, settings: ValidationSettings) -> list[dict]:
    """Appointments per patient-year by age band (age on the first measured day; registered time in the period)."""
    labels = [b.label for b in settings.consultation_bands]
    if "patients" not in tables:
        return _absent("consultation_rate", labels, "the dataset has no patients table to count patient-years")
    p = tables["patients"]
    people = p.select("patient_id", band=_age_band(age_on(p.birth_date, ibis.date(period.start)), settings),
                      days=_registered_days(p, period))
    years = people.group_by("band").agg(days=people.days.sum()).to_pandas().set_index("band")["days"] / DAYS_PER_YEAR
    joined = appts.inner_join(people, "patient_id")
    counts = _counts(joined.group_by("band").agg(n=joined.count()).rename(key="band"), "key")
    values = {b: counts.get(b, 0) / float(years[b]) if b in years.index and years[b] > 0 else math.nan
              for b in labels}
    return _rows("consultation_rate", values, "no registered patient-time in this age band in the period")


def staff_shares(appts: ir.Table) -> list[dict]:
    staff = appts.filter(appts.role.notnull()).mutate(
        key=ibis.cases((appts.role == "gp", "gp"), else_="other_practice_staff"))
    counts = _counts(staff.group_by("key").agg(n=staff.count()), "key")
    return _rows("staff_share", _shares(counts, STAFF_TYPES), "no appointment in the period names its clinician's role")


def booking_intervals(appts: ir.Table) -> list[dict]:
    """Shares of appointments by NHS Digital booking interval (calendar days from request to appointment)."""
    dated = appts.filter(appts.requested_at.notnull())
    dated = dated.mutate(wait=dated.booked_for.date().epoch_days() - dated.requested_at.date().epoch_days())
    known = dated.filter(dated.wait >= 0)
    interval = ibis.cases(*[(known.wait <= hi, label) for label, _, hi in BOOKING_INTERVALS if hi is not None],
                          else_=BOOKING_INTERVALS[-1][0])
    banded = known.mutate(key=interval)
    shares = _shares(_counts(banded.group_by("key").agg(n=banded.count()), "key"), INTERVALS)
    reason = "no appointment in the period records when it was requested (appointments.requested_at)"
    return _rows("booking_interval", shares, reason) + _rows("same_day_share", {"": shares["same_day"]}, reason)


def dna(appts: ir.Table) -> list[dict]:
    counts = _counts(appts.group_by(key=appts.status).agg(n=appts.count()), "key")
    return _rows("dna_rate", {"": _shares(counts, ["did_not_attend"])["did_not_attend"]},
                 "no attended or missed appointment in the period")


def modes(appts: ir.Table) -> list[dict]:
    mapped = appts.mutate(key=appts.mode.substitute(_MODE_GROUPS, else_=ibis.null("string")))
    counts = _counts(mapped.group_by("key").agg(n=mapped.count()), "key")
    return _rows("mode_share", _shares(counts, PUBLISHED_MODES), "no appointment in the period records its mode")


def continuity(tables: Tables, period: Period, settings: ValidationSettings) -> list[dict]:
    """Mean UPC and COC over GP contacts of patients in Barker 2017's age range, by practice list size."""
    missing = tables.require("patients", "practices", measure="continuity by practice size")
    if missing is not None:
        return _absent("upc", PRACTICE_SIZES, missing.reason) + _absent("coc", PRACTICE_SIZES, missing.reason)
    per_patient = patient_continuity(tables, ContinuityConfig(start=period.start, end=period.end))
    p, practices = tables["patients"], tables["practices"]
    lo, hi = settings.upc_cohort_ages
    age = age_on(p.birth_date, ibis.date(period.start))
    cohort = p.filter((age >= lo) & (age <= hi)).select("patient_id", "practice_id")
    sized = cohort.inner_join(practices.select("practice_id", "list_size"), "practice_id")
    sized = sized.mutate(size=ibis.cases((sized.list_size < settings.small_practice_list_below, "small"),
                                         else_="large"))
    joined = per_patient.inner_join(sized, "patient_id")
    by_size = joined.group_by("size").agg(upc=joined.upc.mean(), coc=joined.coc.mean(), n=joined.count()).to_pandas()
    overall = joined.agg(upc=joined.upc.mean(), coc=joined.coc.mean(), n=joined.count()).to_pandas()
    frame = pd.concat([by_size, overall.assign(size="all")], ignore_index=True).set_index("size")
    reason = (f"no patient aged {lo}-{hi} with two or more GP contacts in the period at a practice of this size "
              f"(small: list below {settings.small_practice_list_below:,})")
    rows = []
    for index in ("upc", "coc"):
        values = {s: float(frame.loc[s, index]) if s in frame.index and frame.loc[s, "n"] > 0 else math.nan
                  for s in PRACTICE_SIZES}
        rows += _rows(index, values, reason)
    return rows


def unmet(tables: Tables, period: Period) -> list[dict]:
    """Requests that ended without an appointment and, where the run records it, what the patients did instead."""
    missing = tables.require("requests", measure="unmet demand")
    if missing is not None:
        return _absent("unmet_demand", [""], missing.reason) + _absent("unmet_outcome", UNMET_OUTCOMES, missing.reason)
    r = tables["requests"]
    r = r.filter(period.contains(r.requested_at))
    recorded = "outcome" in r.columns and bool(r.filter(r.outcome.notnull()).count().to_pyarrow().as_py())
    if recorded:
        ended = r.filter(r.outcome.notnull() & (r.outcome != "waiting"))
        counts = _counts(ended.group_by(key=ended.outcome).agg(n=ended.count()), "key")
        total = sum(counts.values())
        without = {k: v for k, v in counts.items() if k not in OPEN_OUTCOMES}
        share = sum(without.values()) / total if total else math.nan
        return (_rows("unmet_demand", {"": share}, "no request in the period has ended")
                + _rows("unmet_outcome", _shares(without, UNMET_OUTCOMES),
                        "every request in the period that has ended got an appointment"))
    table = unmet_demand(tables, AccessConfig(start=period.start, end=period.end))
    if isinstance(table, Unsupported):
        share, reason = math.nan, table.reason
    else:
        row = table.to_pandas()
        share = float(row["share_unmet"].iloc[0]) if len(row) and pd.notna(row["share_unmet"].iloc[0]) else math.nan
        reason = "no request in the period has a closed booking horizon"
    instead = ("the run records no request outcomes (requests.outcome is empty), so what patients did instead of an "
               "appointment is unknown; unmet demand is the share with no appointment within the booking horizon")
    return _rows("unmet_demand", {"": share}, reason) + _absent("unmet_outcome", UNMET_OUTCOMES, instead)


def simulated_figures(folder: str | Path, settings: ValidationSettings, period: Period | None = None) -> pd.DataFrame:
    """Every simulated figure of the dataset at ``folder`` over ``period`` (default: the span of its appointments)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationInputError(f"{folder}: no such run folder")
    dataset = open_dataset(folder)
    tables = load(dataset)
    if "appointments" not in tables:
        raise ValidationInputError(f"{folder}: the dataset has no appointments table, so it has nothing to validate")
    period = period or data_period(tables)
    appts = tables.materialize(_appointments(tables, period), "validation_appointments")
    rows = (consultation_rates(tables, appts, period, settings) + staff_shares(appts) + booking_intervals(appts)
            + dna(appts) + modes(appts) + continuity(tables, period, settings) + unmet(tables, period)
            + outpatient_referral_rate(tables, period))
    return pd.DataFrame(rows, columns=list(SIMULATED_COLUMNS))


def pooled(figures: list[pd.DataFrame]) -> pd.DataFrame:
    """The mean of each figure over replications (a figure absent from all keeps the first one's reason)."""
    if len(figures) == 1:
        return figures[0]
    both = pd.concat(figures, ignore_index=True)
    keys = ["measure", "group"]
    means = both.groupby(keys, sort=False)["value"].mean()
    notes = both.groupby(keys, sort=False)["note"].first()
    out = pd.DataFrame({"value": means, "note": notes}).reset_index()
    out.loc[out["value"].notna(), "note"] = ""
    return out[list(SIMULATED_COLUMNS)]


__all__ = ["SIMULATED_COLUMNS", "data_period", "pooled", "simulated_figures"]
