"""Access: waits from request to appointment, same-day and two-week shares, unmet demand, did-not-attend rate.

Definitions in docs/measures/access.md (sources: docs/reference/parameters.md §2.5, §2.6, §8). The unit of a wait
is an *answered request*: a request and the first appointment booked for it (not cancelled), or,
for an appointment that names no request, the appointment and its own ``requested_at``. Waits are
whole calendar days between the day of the request and the day of the appointment (0 = same day),
as NHS Digital's booking intervals count them. Every result can be split by urgency, deprivation
quintile, age band, practice, site (where the appointment took place) and any patient segment.

Requests that record how they ended (``requests.outcome``, written by the twin) and got no
appointment - still waiting when the data end, abandoned, or redirected to NHS 111, an urgent
treatment centre, A&E or a pharmacy - are *unanswered requests*: they have no wait, but they count in
the denominator of the same-day and two-week shares and of the wait distribution, so a model that
leaves demand unmet cannot score 100%. Where no request records an outcome (imported data) nothing
is unanswered and the shares are those of answered requests, as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carenet.measures.backend import Tables
from carenet.measures.support import Unsupported, attach_segments, flag, in_window
from carenet.schema.codes import REDIRECT_OUTCOMES, REQUEST_OUTCOMES, URGENCIES
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLES

BOOKED_STATUSES: tuple[str, ...] = ("booked", "attended", "did_not_attend")
"""Statuses of an appointment that answered a request (a cancelled one did not)."""

OUTCOME_STATUSES: tuple[str, ...] = ("attended", "did_not_attend")
"""Statuses with a known outcome: the denominator of the did-not-attend rate (docs/reference/parameters.md §2.5)."""

BOOKING_INTERVALS: tuple[tuple[str, int, int | None], ...] = (
    ("same_day", 0, 0), ("1_day", 1, 1), ("2_7_days", 2, 7), ("8_14_days", 8, 14), ("15_21_days", 15, 21),
    ("22_28_days", 22, 28), ("over_28_days", 29, None),
)
"""NHS Digital "Appointments in General Practice" booking intervals (days, inclusive), as in ``appointment_counts``."""

UNANSWERED_INTERVALS: tuple[str, ...] = ("waiting", "abandoned", "redirected")
"""Where :func:`wait_distribution` puts unanswered requests: still waiting, abandoned, redirected (any destination)."""

UNANSWERED_WAIT = -1
"""The ``wait_days`` code of an unanswered request in the per-wait counts (real waits are never negative)."""

UNMET_CATEGORIES: tuple[str, ...] = (*(o for o in REQUEST_OUTCOMES if o != "booked"), "booked_late", "unknown")
"""How an unmet request ended: its recorded outcome, ``booked_late`` (recorded as booked, but no booking within
the horizon: booked beyond it, or the booking was cancelled) or ``unknown`` (no outcome recorded)."""

PATIENT_GROUPS: tuple[str, ...] = ("urgency", "deprivation_quintile", "age_band", "practice_id")
"""Built-in grouping keys; segment columns come on top."""

SITE = "site_id"
"""Grouping key of the waits and the did-not-attend rate by where the appointment took place
(``appointments.site_id``): an answered request takes the site of its first appointment. A request that got no
appointment has no site, so unanswered requests fall in the group with a null site."""

PERCENT = 100

ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "gp": ("gp",),
    "nurse": ("anp", "practice_nurse"),
    "other_clinical": tuple(r.code for r in ROLES if r.clinical and r.code not in ("gp", "anp", "practice_nurse")),
}
"""Diaries third next available is measured per group: GPs; nurses (advanced nurse practitioners and practice
nurses); every other clinical role (HCAs and the Additional Roles: pharmacists, physician associates,
paramedics, physiotherapists, mental-health practitioners, link workers, coaches, care co-ordinators)."""

TNA_SUMMARY: tuple[str, ...] = tuple(f"third_next_available_{g}" for g in ROLE_GROUPS)

TNA_RANK = 3
"""The *third* next available slot (IHI): the first two free slots may be chance cancellations."""


class AccessConfigError(CarenetError):
    """An access configuration with an empty window, unordered age bands or an impossible percentile."""


class AccessConfig(BaseModel):
    """Window, standards and bands for the access measures; defaults follow docs/reference/parameters.md §8."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: date | None = None
    """First day of the window (inclusive) on which requests were made; ``None`` = open."""
    end: date | None = None
    """Last day of the window (inclusive); ``None`` = open."""
    within_days: int = Field(14, ge=0)
    """The two-week standard: seen within 14 days of asking (Our Plan for Patients, 2022;
    docs/reference/parameters.md §8)."""
    unmet_horizon_days: int = Field(28, ge=0)
    """A request with no appointment within this many days is unmet demand (assumption: NHS Digital's
    longest closed booking interval, 22-28 days; parameters.yaml ``measures_access.unmet_horizon_days``)."""
    tna_horizon_days: int = Field(28, ge=0)
    """Look-ahead of third next available, in calendar days: fewer than three free slots within it is
    reported as the horizon (censored). Assumption: NHS Digital's longest closed booking interval, as
    ``unmet_horizon_days`` (parameters.yaml ``measures_access_tna.horizon_days``)."""
    percentile: int = Field(90, gt=0, le=100)
    """The upper wait percentile reported (nearest-rank)."""
    age_bands: tuple[int, ...] = (0, 5, 15, 25, 45, 65, 75, 85)
    """Lower bounds of the age bands, in years (docs/reference/benchmarks.md R1 bands; the last band is open)."""

    @field_validator("age_bands")
    @classmethod
    def _ordered(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or value[0] != 0 or list(value) != sorted(set(value)):
            raise ValueError("age bands must start at 0 and rise strictly")
        return value

    @model_validator(mode="after")
    def _window_in_order(self) -> AccessConfig:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")
        return self

    @classmethod
    def from_mapping(cls, options: dict[str, Any]) -> AccessConfig:
        """Build from plain options, turning validation failures into a :class:`CarenetError`."""
        try:
            return cls.model_validate(options)
        except ValidationError as exc:
            detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'config'}: {e['msg']}" for e in exc.errors())
            raise AccessConfigError(f"access configuration: {detail}") from None

    def band_labels(self) -> list[str]:
        """``0-4``, ``5-14``, …, ``85+``."""
        bounds = self.age_bands
        return [f"{lo}-{hi - 1}" for lo, hi in zip(bounds, bounds[1:], strict=False)] + [f"{bounds[-1]}+"]


# --- patient attributes ---------------------------------------------------------------------------------------------


def age_on(birth: ir.DateValue, day: ir.DateValue) -> ir.IntegerValue:
    """Whole years of age on ``day`` (birthdays counted on the day)."""
    before_birthday = (day.month() * 100 + day.day()) < (birth.month() * 100 + birth.day())
    return day.year() - birth.year() - flag(before_birthday)


def age_band(age: ir.IntegerValue, config: AccessConfig) -> ir.StringValue:
    """The label of the band ``age`` falls in (null for an unknown age)."""
    labels = config.band_labels()
    branches = [(age >= lo, label) for lo, label in zip(reversed(config.age_bands), reversed(labels), strict=True)]
    return ibis.cases(*branches, else_=ibis.null("string"))


def deprivation_quintile(decile: ir.IntegerValue) -> ir.IntegerValue:
    """IMD quintile from the decile: deciles 1-2 → quintile 1 (most deprived) … 9-10 → 5."""
    return ibis.cases(*[(decile <= 2 * q, q) for q in range(1, 6)], else_=ibis.null("int8")).cast("int8")


def with_patient_groups(t: ir.Table, tables: Tables, day: str, by: Sequence[str], config: AccessConfig) -> ir.Table:
    """Add the ``deprivation_quintile`` / ``age_band`` (on the day in column ``day``) that ``by`` asks for, and fill a
    missing ``practice_id`` with the patient's registered practice when grouping by practice."""
    wanted = {"deprivation_quintile", "age_band", "practice_id"} & set(by)
    if not wanted:
        return t
    if "patients" not in tables:
        if wanted == {"practice_id"}:
            return t
        raise CarenetError(f"grouping by {', '.join(sorted(wanted - {'practice_id'}))} needs the 'patients' table")
    p = tables["patients"].select(g_patient="patient_id", g_birth="birth_date", g_decile="deprivation_decile",
                                  g_practice="practice_id")
    t = t.left_join(p, t.patient_id == p.g_patient)
    extra: dict[str, Any] = {}
    if "age_band" in wanted:
        extra["age_band"] = age_band(age_on(t.g_birth, t[day].date()), config)
    if "deprivation_quintile" in wanted:
        extra["deprivation_quintile"] = deprivation_quintile(t.g_decile)
    if "practice_id" in wanted:
        extra["practice_id"] = t.practice_id.coalesce(t.g_practice)
    return t.mutate(**extra).drop("g_patient", "g_birth", "g_decile", "g_practice")


def _check_by(by: Sequence[str], segments: ir.Table | None) -> list[str]:
    labels = {c for c in segments.columns if c != "patient_id"} if segments is not None else set()
    allowed = set(PATIENT_GROUPS) | {SITE} | labels
    unknown = [k for k in by if k not in allowed]
    if unknown:
        raise CarenetError(f"cannot group access measures by {unknown}; choose from {sorted(allowed)}")
    return list(by)


def _grouped(t: ir.Table, keys: list[str], **aggregations: Any) -> ir.Table:
    return t.group_by(keys).agg(**aggregations) if keys else t.agg(**aggregations)


# --- waits ----------------------------------------------------------------------------------------------------------


def waits(
    tables: Tables,
    config: AccessConfig | None = None,
    by: Sequence[str] = (),
    segments: ir.Table | None = None,
) -> ir.Table:
    """One row per answered request made in the window: patient_id, practice_id, urgency, requested_at,
    booked_for, wait_days, plus the grouping columns ``by`` needs.

    A request with several appointments is answered by the earliest; a booking before its request (a
    recording error) has no wait and is left out.
    """
    config = config or AccessConfig()
    keys = _check_by(by, segments)
    a = tables["appointments"]
    a = a.filter(a.status.isin(list(BOOKED_STATUSES)))
    columns = ["patient_id", "practice_id", "urgency", "requested_at", "booked_for"]
    by_site = SITE in keys
    direct = a.filter(a.request_id.isnull() & a.requested_at.notnull()).select(*columns, *([SITE] if by_site else []))
    linked = a.filter(a.request_id.notnull())
    if "requests" in tables:
        r = tables["requests"].select(r_id="request_id", r_at="requested_at", r_urgency="urgency",
                                      r_practice="practice_id")
        linked = linked.left_join(r, linked.request_id == r.r_id)
        linked = linked.mutate(requested_at=linked.r_at.coalesce(linked.requested_at),
                               urgency=linked.r_urgency.coalesce(linked.urgency),
                               practice_id=linked.practice_id.coalesce(linked.r_practice))
    linked = linked.filter(linked.requested_at.notnull())
    first = linked.group_by("request_id").agg(
        patient_id=linked.patient_id.max(), practice_id=linked.practice_id.max(), urgency=linked.urgency.max(),
        requested_at=linked.requested_at.min(), booked_for=linked.booked_for.min(),
    ).select("request_id", *columns)
    if by_site:  # the site of the first booking (the least site id among bookings at the same moment)
        s = linked.select(s_request="request_id", s_at="booked_for", s_site=SITE)
        first = first.left_join(s, [first.request_id == s.s_request, first.booked_for == s.s_at])
        first = first.group_by(["request_id", *columns]).agg(site_id=first.s_site.min())
    first = first.select(*columns, *([SITE] if by_site else []))
    answered = direct.union(first)
    answered = answered.filter(in_window(answered.requested_at, config.start, config.end))
    wait = answered.booked_for.date().epoch_days() - answered.requested_at.date().epoch_days()
    answered = answered.mutate(wait_days=wait).filter(ibis._.wait_days >= 0)
    answered = with_patient_groups(answered, tables, "requested_at", keys, config)
    return attach_segments(answered, segments) if segments is not None else answered


def unanswered(
    tables: Tables,
    config: AccessConfig | None = None,
    by: Sequence[str] = (),
    segments: ir.Table | None = None,
) -> ir.Table | None:
    """One row per unanswered request made in the window: a request whose recorded outcome is not ``booked``
    (waiting, abandoned, redirected_*) and that no uncancelled appointment names.

    Columns: patient_id, practice_id, urgency, requested_at, outcome, plus the grouping columns ``by`` needs.
    ``None`` when the dataset holds no requests; empty when none records an outcome.
    """
    config = config or AccessConfig()
    keys = _check_by(by, segments)
    columns = ["patient_id", "practice_id", "urgency", "requested_at", "outcome"]
    if "requests" not in tables:
        return None
    r = tables["requests"]
    r = r.filter(r.outcome.notnull() & (r.outcome != "booked") & in_window(r.requested_at, config.start, config.end))
    a = tables["appointments"]
    booked = a.filter(a.status.isin(list(BOOKED_STATUSES)) & a.request_id.notnull()).select(b_request="request_id")
    left = r.anti_join(booked, r.request_id == booked.b_request).select(*columns)
    if SITE in keys:  # a request no appointment answered took place nowhere
        left = left.mutate(site_id=ibis.null("string"))
    left = with_patient_groups(left, tables, "requested_at", keys, config)
    return attach_segments(left, segments) if segments is not None else left


def outcome_recorded(tables: Tables, config: AccessConfig | None = None) -> bool:
    """Whether any request made in the window records how it ended (``requests.outcome``): the shares then
    count unanswered requests (see the module docstring); otherwise they are shares of answered requests."""
    config = config or AccessConfig()
    if "requests" not in tables:
        return False
    r = tables["requests"]
    r = r.filter(r.outcome.notnull() & in_window(r.requested_at, config.start, config.end))
    return bool(_scalar(r.count()))


def wait_summary(
    tables: Tables,
    config: AccessConfig | None = None,
    by: Sequence[str] = ("urgency",),
    segments: ir.Table | None = None,
) -> ir.Table:
    """Per group: answered requests, mean wait, the ``percentile`` wait (nearest rank), share same day and
    share within ``within_days``.

    Columns: the keys of ``by``, requests (answered), unanswered, mean_wait_days, p{percentile}_wait_days,
    share_same_day, share_within_{within_days}_days. The mean and percentile are of answered requests' waits;
    the two shares are of answered plus unanswered requests (:func:`unanswered`).
    """
    config = config or AccessConfig()
    keys = _check_by(by, segments)
    return _summarise_waits(_wait_counts(tables, config, keys, segments), keys, config)


def _wait_counts(tables: Tables, config: AccessConfig, keys: list[str], segments: ir.Table | None) -> ir.Table:
    """Requests per group and wait in days (column ``n``), unanswered ones under ``UNANSWERED_WAIT``: all a wait
    summary needs, and small."""
    w = waits(tables, config, keys, segments)
    answered = _grouped(w, [*keys, "wait_days"], n=w.count())
    u = unanswered(tables, config, keys, segments)
    if u is None:
        return answered
    u = u.mutate(wait_days=ibis.literal(UNANSWERED_WAIT).cast(w.wait_days.type()))
    # Each part is computed on its own first: SQLite's parser cannot take both nested in one statement.
    return tables.materialize(answered, stem="answered").union(
        tables.materialize(_grouped(u, [*keys, "wait_days"], n=u.count()), stem="unanswered"), distinct=False)


def _summarise_waits(per_day: ir.Table, keys: list[str], config: AccessConfig) -> ir.Table:
    """The :func:`wait_summary` columns from answered requests counted per group and wait (:func:`_wait_counts`)."""
    # Nearest rank from counts per wait: the least wait w with 100·#(waits ≤ w) ≥ percentile·#waits. Integer
    # arithmetic keeps it exact on every backend (no floating-point rank, no engine-specific quantile).
    # Unanswered requests (wait code -1) sort first and add nothing to the running count of answered ones.
    answered = per_day.wait_days >= 0
    per_day = per_day.mutate(answered_n=ibis.ifelse(answered, per_day.n, 0))
    running = ibis.cumulative_window(group_by=keys or None, order_by="wait_days")
    ranked = per_day.mutate(cumulative=per_day.answered_n.sum().over(running),
                            total=per_day.answered_n.sum().over(ibis.window(group_by=keys or None)))
    reached = (ranked.wait_days >= 0) & (ranked.cumulative * PERCENT >= ranked.total * config.percentile)
    grouped = _grouped(
        ranked, keys, requests=ranked.answered_n.sum(), unanswered=ranked.n.sum(where=ranked.wait_days < 0),
        wait_total=(ranked.answered_n * ranked.wait_days).sum(),
        upper=ranked.wait_days.min(where=reached),
        same_day=ranked.n.sum(where=ranked.wait_days == 0),
        within=ranked.n.sum(where=(ranked.wait_days >= 0) & (ranked.wait_days <= config.within_days)),
    )
    answered_total = grouped.requests.fill_null(0)
    asked = (answered_total + grouped.unanswered.fill_null(0)).cast("float64").nullif(0)
    return grouped.select(
        *keys, requests=answered_total, unanswered=grouped.unanswered.fill_null(0),
        mean_wait_days=grouped.wait_total.cast("float64") / answered_total.cast("float64").nullif(0),
        **{f"p{config.percentile}_wait_days": grouped.upper,
           "share_same_day": grouped.same_day.fill_null(0).cast("float64") / asked,
           f"share_within_{config.within_days}_days": grouped.within.fill_null(0).cast("float64") / asked},
    )


def wait_distribution(
    tables: Tables,
    config: AccessConfig | None = None,
    by: Sequence[str] = ("urgency",),
    segments: ir.Table | None = None,
    *,
    answered_only: bool = False,
) -> ir.Table:
    """Requests per NHS Digital booking interval (same_day, 1_day, 2_7_days, …, over_28_days) and group, with
    unanswered requests (:func:`unanswered`) as three more intervals: waiting, abandoned, redirected.

    ``answered_only`` leaves the unanswered out, for a distribution of appointments comparable with NHS
    Digital's. Columns: the keys of ``by``, booking_interval, requests, share (of the group's requests).
    """
    config = config or AccessConfig()
    keys = _check_by(by, segments)
    w = waits(tables, config, keys, segments)
    interval = ibis.cases(
        *[(w.wait_days <= hi, label) for label, _, hi in BOOKING_INTERVALS if hi is not None],
        else_=BOOKING_INTERVALS[-1][0],
    )
    counts = _grouped(w.mutate(booking_interval=interval), [*keys, "booking_interval"], requests=ibis._.count())
    u = None if answered_only else unanswered(tables, config, keys, segments)
    if u is not None:
        u = u.mutate(booking_interval=ibis.ifelse(u.outcome.isin(list(REDIRECT_OUTCOMES)), "redirected", u.outcome))
        # Each part is computed on its own first: SQLite's parser cannot take both nested in one statement.
        counts = tables.materialize(counts, stem="answered").union(tables.materialize(
            _grouped(u, [*keys, "booking_interval"], requests=ibis._.count()), stem="unanswered"), distinct=False)
    group_total = counts.requests.sum().over(ibis.window(group_by=keys or None))
    return counts.mutate(share=counts.requests.cast("float64") / group_total)


# --- unmet demand and DNA -------------------------------------------------------------------------------------------


def unmet_demand(
    tables: Tables,
    config: AccessConfig | None = None,
    by: Sequence[str] = (),
    segments: ir.Table | None = None,
) -> ir.Table | Unsupported:
    """Requests made in the window with no (uncancelled) appointment within ``unmet_horizon_days``.

    Only requests whose whole horizon has passed by the end of the data (the latest request or
    appointment) are counted, so recent requests are not called unmet early. A request answered
    without an appointment (advice, signposting) counts as unmet: the schema does not record such
    answers, so this is an upper bound. Columns: the keys of ``by``, requests, unmet, share_unmet, and
    ``unmet_<category>`` for each of :data:`UNMET_CATEGORIES`: how the unmet requests ended (their
    ``outcome``; ``booked_late`` for an outcome of booked with no booking within the horizon; ``unknown``
    where no outcome is recorded).
    """
    config = config or AccessConfig()
    keys = _check_by(by, segments)
    if SITE in keys:
        raise CarenetError("unmet demand cannot be split by site: a request with no appointment took place nowhere")
    missing = tables.require("requests", "appointments", measure="unmet demand")
    if missing is not None:
        return missing
    a = tables["appointments"]
    seen = a.agg(named=a.request_id.count(), last=a.booked_for.max()).to_pyarrow().to_pylist()[0]
    if not seen["named"]:
        return Unsupported("no appointment names the request it answers (appointments.request_id is empty), "
                           "so requests cannot be matched to bookings")
    r = tables["requests"]
    data_end = max(d for d in (_scalar(r.requested_at.max()), seen["last"]) if d is not None)
    horizon_closed = r.requested_at.date().epoch_days() + config.unmet_horizon_days <= _epoch_days(data_end)
    r = r.filter(in_window(r.requested_at, config.start, config.end) & horizon_closed)
    r = r.select("request_id", "patient_id", "practice_id", "urgency", "requested_at", "outcome")
    # Met means some uncancelled booking within the horizon (the first booking is within it exactly when one is):
    # an anti-join finds the unmet requests without grouping millions of bookings by request.
    booked = a.filter(a.status.isin(list(BOOKED_STATUSES)) & a.request_id.notnull()).select(
        b_request="request_id", b_day=a.booked_for.date().epoch_days())
    unmet = r.anti_join(booked, [r.request_id == booked.b_request,
                                 booked.b_day - r.requested_at.date().epoch_days() <= config.unmet_horizon_days])
    category = ibis.cases((unmet.outcome.isnull(), "unknown"), (unmet.outcome == "booked", "booked_late"),
                          else_=unmet.outcome)
    none = {f"c_{c}": 0 for c in UNMET_CATEGORIES}
    counted = r.mutate(asked=1, unmet=0, **none).union(
        unmet.mutate(asked=0, unmet=1, **{f"c_{c}": flag(category == c) for c in UNMET_CATEGORIES}), distinct=False)
    counted = with_patient_groups(counted, tables, "requested_at", keys, config)
    counted = attach_segments(counted, segments) if segments is not None else counted
    grouped = _grouped(counted, keys, requests=counted.asked.sum().fill_null(0),
                       unmet=counted.unmet.sum().fill_null(0),
                       **{f"unmet_{c}": counted[f"c_{c}"].sum().fill_null(0) for c in UNMET_CATEGORIES})
    return grouped.mutate(share_unmet=grouped.unmet.cast("float64") / grouped.requests.nullif(0))


def dna_rate(
    tables: Tables,
    config: AccessConfig | None = None,
    by: Sequence[str] = (),
    segments: ir.Table | None = None,
) -> ir.Table:
    """Did-not-attend appointments ÷ appointments with a known outcome (attended or DNA), booked for a day
    in the window. Columns: the keys of ``by``, appointments, did_not_attend, dna_rate."""
    config = config or AccessConfig()
    keys = _check_by(by, segments)
    a = tables["appointments"]
    a = a.filter(a.status.isin(list(OUTCOME_STATUSES)) & in_window(a.booked_for, config.start, config.end))
    a = a.select("patient_id", "practice_id", "urgency", "booked_for", *([SITE] if SITE in keys else []),
                 dna=flag(a.status == "did_not_attend"))
    a = with_patient_groups(a, tables, "booked_for", keys, config)
    a = attach_segments(a, segments) if segments is not None else a
    grouped = _grouped(a, keys, appointments=a.count(), did_not_attend=a.dna.sum().fill_null(0))
    return grouped.mutate(dna_rate=grouped.did_not_attend.cast("float64") / grouped.appointments.nullif(0))


def _role_group(role: ir.StringValue) -> ir.StringValue:
    """The :data:`ROLE_GROUPS` group of ``role`` (null for a non-clinical, unknown or null role)."""
    return role.cases(*((code, group) for group, codes in ROLE_GROUPS.items() for code in codes),
                      else_=ibis.null("string"))


def third_next_available(tables: Tables, config: AccessConfig | None = None, *,
                         by_role_group: bool = False) -> ir.Table | Unsupported:
    """Mean time to the third next available appointment per site, in days (IHI; docs/measures/access.md).

    Sampled at the start of each working day ``t`` of the window (a day the site's diaries offer
    slots) whose whole look-ahead ``t … t + tna_horizon_days`` the diaries cover. A slot on day
    ``d ≥ t`` is free at the start of ``t`` unless an uncancelled appointment at the site on ``d``
    was booked (``requested_at``; unknown = long before) before ``t``. Slots held for the day are
    never bookable ahead and IHI leaves them out: where the diaries type their slots, ``on_the_day``
    slots are not counted; where a site-day's diaries do not say (``slot_type`` null), a booking made
    on the appointment's own day is taken to have filled a held slot, so it counts as taken too.
    free = max(0, slots − booked).
    The value is ``d − t`` for the day ``d`` holding the third free slot, or the horizon when fewer
    than three are free within it (censored). Columns: site_id, sample_days, mean_tna_days, censored_days.

    ``by_role_group`` measures each :data:`ROLE_GROUPS` group's diaries apart (column ``role_group``
    added): slots are grouped by their clinician's role (needs the ``clinicians`` table), bookings by
    the appointment's role, else its clinician's; a booking whose role is unknown is left out.
    """
    config = config or AccessConfig()
    needed = ("diaries", "appointments", "clinicians") if by_role_group else ("diaries", "appointments")
    missing = tables.require(*needed, measure="third next available appointment (free slots)")
    if missing is not None:
        return missing
    horizon = config.tna_horizon_days
    d = tables["diaries"]
    d = d.filter(d.slots > 0)
    a = tables["appointments"]
    a = a.filter(a.status.isin(list(BOOKED_STATUSES)) & a.site_id.notnull())
    if by_role_group:
        c = tables["clinicians"].select(c_id="clinician_id", c_role="role")
        d = d.left_join(c, d.clinician_id == c.c_id)
        d = d.mutate(g=_role_group(d.c_role)).filter(lambda t: t.g.notnull())
        a = a.left_join(c, a.clinician_id == c.c_id)
        a = a.mutate(g=_role_group(a.role.coalesce(a.c_role))).filter(lambda t: t.g.notnull())
    else:
        d, a = d.mutate(g=ibis.literal("all")), a.mutate(g=ibis.literal("all"))
    held = d.slot_type.fill_null("") == "on_the_day"
    supply = d.group_by(s_site=d.site_id, s_g=d.g, s_day=d.date.epoch_days()).agg(
        slots=d.slots.sum(), ahead=ibis.ifelse(held, 0, d.slots).sum(), untyped=flag(d.slot_type.isnull()).sum())
    last = _scalar(supply.s_day.max())
    if last is None:
        return Unsupported("the diaries offer no bookable slot" + (" of a clinical role" if by_role_group else ""))
    samples = supply.filter(supply.s_day + horizon <= int(last))
    if config.start is not None:
        samples = samples.filter(samples.s_day >= _epoch_days(config.start))
    if config.end is not None:
        samples = samples.filter(samples.s_day <= _epoch_days(config.end))
    samples = samples.select(site_id="s_site", g="s_g", t="s_day")
    pairs = samples.join(supply, [samples.site_id == supply.s_site, samples.g == supply.s_g,
                                  supply.s_day >= samples.t, supply.s_day <= samples.t + horizon])
    pairs = pairs.select("site_id", "g", "t", day="s_day", slots="ahead", untyped="untyped")
    a = a.select(b_site=a.site_id, b_g=a.g, b_day=a.booked_for.date().epoch_days(),
                 made=a.requested_at.date().epoch_days())
    # Bookings per site, group, day and booking day: small whatever the list size, and all the look-back needs.
    booked = a.group_by("b_site", "b_g", "b_day", "made").agg(n=a.count())
    # Taken at the start of t: booked before t; where the diaries do not type their slots, also a booking made on the
    # appointment's own day - a slot held for the day, never bookable ahead (IHI leaves held slots out).
    same_day_held = (booked.made == booked.b_day) & (pairs.untyped > 0)
    taken = pairs.join(booked, [pairs.site_id == booked.b_site, pairs.g == booked.b_g, pairs.day == booked.b_day,
                                booked.made.isnull() | (booked.made < pairs.t) | same_day_held])
    taken = taken.group_by(k_site="site_id", k_g="g", k_t="t", k_day="day").agg(taken=taken.n.sum())
    cells = pairs.left_join(taken, [pairs.site_id == taken.k_site, pairs.g == taken.k_g, pairs.t == taken.k_t,
                                    pairs.day == taken.k_day])
    cells = cells.select("site_id", "g", "t", "day", free=ibis.greatest(cells.slots - cells.taken.fill_null(0), 0))
    running = ibis.cumulative_window(group_by=["site_id", "g", "t"], order_by="day")
    cells = cells.mutate(free_so_far=cells.free.sum().over(running))
    third = cells.filter(cells.free_so_far >= TNA_RANK)
    third = third.group_by(r_site="site_id", r_g="g", r_t="t").agg(third_day=third.day.min())
    per_day = samples.left_join(third, [samples.site_id == third.r_site, samples.g == third.r_g,
                                        samples.t == third.r_t])
    per_day = per_day.select("site_id", "g", tna=(per_day.third_day - per_day.t).fill_null(horizon).cast("float64"),
                             censored=flag(per_day.third_day.isnull()))
    keys = ["site_id", "g"] if by_role_group else ["site_id"]
    out = per_day.group_by(keys).agg(sample_days=per_day.count(), mean_tna_days=per_day.tna.mean(),
                                     censored_days=per_day.censored.sum())
    return out.rename(role_group="g") if by_role_group else out


# --- network summary ------------------------------------------------------------------------------------------------


DIARY_MEASURES: tuple[str, ...] = ("third_next_available", *TNA_SUMMARY, "third_next_available_by_practice")
"""The access figures read from the diaries rather than the appointments."""


def access_summary(tables: Tables, config: AccessConfig | None = None, *, diaries: bool = True) -> dict[str, Any]:
    """Network-level access figures for the scorecard: plain numbers, dicts by urgency, or :class:`Unsupported`.

    ``diaries=False`` leaves out :data:`DIARY_MEASURES` (third next available), the dearest to compute, for callers
    that read none of them.
    """
    config = config or AccessConfig()
    p_key = f"p{config.percentile}_wait_days"
    within_key = f"share_within_{config.within_days}_days"
    missing = tables.require("appointments", measure="access")
    if missing is not None:
        return {k: missing for k in ("answered_requests", "unanswered_requests", "mean_wait_days", p_key,
                                     "share_same_day", within_key, "by_urgency", "unmet_demand", *UNMET_SUMMARY,
                                     "dna_rate", *(DIARY_MEASURES if diaries else ()))}
    summary: dict[str, Any] = {}
    recorded = outcome_recorded(tables, config)
    summary["definition"] = {"shares_of": SHARES_WITH_OUTCOMES if recorded else SHARES_WITHOUT_OUTCOMES}
    # One pass over the waits, counted per urgency and day; the network figures sum those counts.
    per_day = tables.materialize(_wait_counts(tables, config, ["urgency"], None), stem="wait_counts")
    overall_per_day = _grouped(per_day, ["wait_days"], n=per_day.n.sum())
    overall = _summarise_waits(overall_per_day, [], config).to_pyarrow().to_pylist()[0]
    summary["answered_requests"] = int(overall["requests"] or 0)
    summary["unanswered_requests"] = (float(overall["unanswered"] or 0) if recorded else Unsupported(
        "no request in the window records how it ended (requests.outcome), so requests without an appointment "
        "cannot be told apart from requests answered otherwise"))
    no_waits = Unsupported("no appointment in the window records when it was requested")
    for key in ("mean_wait_days", p_key):
        summary[key] = no_waits if not summary["answered_requests"] else float(overall[key])
    for key in ("share_same_day", within_key):
        summary[key] = no_waits if overall[key] is None else float(overall[key])
    by_urgency = {row.pop("urgency") or "unknown": row
                  for row in _summarise_waits(per_day, ["urgency"], config).to_pyarrow().to_pylist()}
    order = [*URGENCIES, "unknown"]
    summary["by_urgency"] = dict(sorted(by_urgency.items(), key=lambda item: order.index(item[0])))
    summary.update(_unmet_summary(tables, config))
    dna = dna_rate(tables, config).to_pyarrow().to_pylist()[0]
    summary["dna_rate"] = (Unsupported("no attended or missed appointment in the window")
                           if not dna["appointments"] else float(dna["dna_rate"]))
    if diaries:
        summary.update(_tna_summary(tables, config))
    return summary


def _tna_summary(tables: Tables, config: AccessConfig) -> dict[str, Any]:
    """:data:`DIARY_MEASURES`: third next available over the network, by role group and by practice."""
    summary: dict[str, Any] = {}
    tna = third_next_available(tables, config)
    by_site = {} if isinstance(tna, Unsupported) else {
        row["site_id"]: float(row["mean_tna_days"]) for row in tna.to_pyarrow().to_pylist()}
    no_sample = Unsupported("no working day in the window has its whole look-ahead in the diaries")
    summary["third_next_available"] = (
        tna if isinstance(tna, Unsupported) else no_sample if not by_site else sum(by_site.values()) / len(by_site))
    summary.update(_tna_by_role_group(tables, config))
    summary["third_next_available_by_practice"] = dict(sorted(by_site.items()))
    return summary


def _tna_by_role_group(tables: Tables, config: AccessConfig) -> dict[str, Any]:
    """Third next available per :data:`ROLE_GROUPS` group, the mean over the sites whose diaries hold that group."""
    tna = third_next_available(tables, config, by_role_group=True)
    if isinstance(tna, Unsupported):
        return dict.fromkeys(TNA_SUMMARY, tna)
    per_group: dict[str, list[float]] = {g: [] for g in ROLE_GROUPS}
    for row in tna.to_pyarrow().to_pylist():
        per_group[row["role_group"]].append(float(row["mean_tna_days"]))
    return {f"third_next_available_{g}": (sum(v) / len(v) if v else Unsupported(
                f"no site's diaries offer {g.replace('_', ' ')} slots with a whole look-ahead in the window"))
            for g, v in per_group.items()}


SHARES_WITH_OUTCOMES = ("answered and unanswered requests: requests record how they ended, and those still "
                        "waiting, abandoned or redirected count in the denominator")
SHARES_WITHOUT_OUTCOMES = ("answered requests only: no request records how it ended (requests.outcome), as in "
                           "imported data")
UNMET_SUMMARY: tuple[str, ...] = ("unmet_waiting", "unmet_abandoned", "unmet_redirected")
"""Scorecard shares of requests (closed horizon) unmet because still waiting, abandoned or redirected elsewhere."""


def _unmet_summary(tables: Tables, config: AccessConfig) -> dict[str, Any]:
    """``unmet_demand``, its split by how the unmet requests ended (:data:`UNMET_SUMMARY`) and, for the details,
    ``unmet_by_outcome`` (share of requests per :data:`UNMET_CATEGORIES`)."""
    unmet = unmet_demand(tables, config)
    if isinstance(unmet, Unsupported):
        return {"unmet_demand": unmet, **dict.fromkeys(UNMET_SUMMARY, unmet)}
    row = unmet.to_pyarrow().to_pylist()[0]
    if not row["requests"]:
        closed = Unsupported("no request in the window has a closed horizon yet")
        return {"unmet_demand": closed, **dict.fromkeys(UNMET_SUMMARY, closed)}
    n = row["requests"]
    out: dict[str, Any] = {"unmet_demand": float(row["share_unmet"])}
    by_category = {c: row[f"unmet_{c}"] / n for c in UNMET_CATEGORIES}
    if row["unmet_unknown"] == row["unmet"] and row["unmet"]:
        unknown = Unsupported("no unmet request records how it ended (requests.outcome), as in imported data")
        return {**out, **dict.fromkeys(UNMET_SUMMARY, unknown)}
    out["unmet_waiting"] = by_category["waiting"]
    out["unmet_abandoned"] = by_category["abandoned"]
    out["unmet_redirected"] = sum(by_category[c] for c in REDIRECT_OUTCOMES)
    out["unmet_by_outcome"] = by_category
    return out


def _scalar(expr: ir.Scalar) -> Any:
    return expr.to_pyarrow().as_py()


def _epoch_days(moment: Any) -> int:
    day = moment.date() if hasattr(moment, "date") else moment
    return (day - date(1970, 1, 1)).days


__all__ = [
    "BOOKED_STATUSES", "BOOKING_INTERVALS", "OUTCOME_STATUSES", "PATIENT_GROUPS", "ROLE_GROUPS", "SITE", "TNA_RANK",
    "TNA_SUMMARY", "UNANSWERED_INTERVALS", "UNMET_CATEGORIES", "UNMET_SUMMARY", "AccessConfig", "AccessConfigError",
    "access_summary", "age_band", "age_on", "deprivation_quintile", "dna_rate", "outcome_recorded",
    "third_next_available", "unanswered", "unmet_demand", "wait_distribution", "wait_summary", "waits",
    "with_patient_groups",
]
