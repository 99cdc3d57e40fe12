"""The typed specification of a delivery model: what a model file may say, checked field by field.

API: :class:`DeliveryModel` (the whole model) and its parts — :class:`Workforce`, :class:`Team`,
:class:`Panels`, :class:`Entry`, :class:`Booking`, :class:`Proactive`, :class:`Community`,
:class:`Hub`, :class:`Scale` — and :class:`Cohort`, the patient selector every programme uses.

A model is *declarative*: it says who works where, who triages, how bookings are made and which
patients get which proactive programme; the care engines and the twin turn that into behaviour.
Every block cites its source (``source:``) with an evidence tag: V verified, D derived, S
secondary, M from memory, A an assumption (then the source text gives the rationale).
Role codes are those of :mod:`carenet.schema.roles`; need types and urgencies those of
:mod:`carenet.schema.codes`. Unknown keys are rejected, so a misspelt field is an error, not a
silent default.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from carenet.schema.codelists import REGISTERS_BY_CODE
from carenet.schema.codes import CHANNELS, MODES, NEED_TYPES, TEAM_KINDS, URGENCIES
from carenet.schema.roles import ROLE_CODES, can_handle

FRAILTY_CATEGORIES: tuple[str, ...] = ("fit", "mild", "moderate", "severe")
"""eFI categories in order (Clegg 2016 cut-offs 0.12 / 0.24 / 0.36; parameters.yaml ``efi.categories``)."""

RISK_TIERS: tuple[str, ...] = ("low", "rising", "high", "very_high")
"""Risk tiers 1-4 by number, the scale of :mod:`carenet.measures.risk` (4 = highest risk)."""

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

FULL_TIME_SESSIONS = 9
"""Sessions in a full-time week (BMA salaried GP model contract; parameters.yaml ``workforce.gp_session``)."""


def _one_of(kind: str, allowed: tuple[str, ...]):
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"{value!r} is not a known {kind}; use one of: {', '.join(allowed)}")
        return value

    return check


def _register(value: str) -> str:
    if value not in REGISTERS_BY_CODE:
        raise ValueError(f"{value!r} is not a QOF register code; use one of: {', '.join(REGISTERS_BY_CODE)}")
    return value


RoleCode = Annotated[str, AfterValidator(_one_of("role code", ROLE_CODES))]
NeedType = Annotated[str, AfterValidator(_one_of("need type", NEED_TYPES))]
Urgency = Annotated[str, AfterValidator(_one_of("urgency", URGENCIES))]
Mode = Annotated[str, AfterValidator(_one_of("mode", MODES))]
TeamKind = Annotated[str, AfterValidator(_one_of("team kind", TEAM_KINDS))]
RegisterCode = Annotated[str, AfterValidator(_register)]
FrailtyCategory = Annotated[str, AfterValidator(_one_of("frailty category", FRAILTY_CATEGORIES))]
Weekday = Annotated[str, AfterValidator(_one_of("weekday", WEEKDAYS))]
REQUEST_CHANNELS: tuple[str, ...] = CHANNELS[:3]
"""Channels a patient's own request arrives by (proactive and referral requests are the practice's)."""
RequestChannel = Annotated[str, AfterValidator(_one_of("request channel", REQUEST_CHANNELS))]
Tag = Literal["V", "D", "S", "M", "A"]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Share = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(_Strict):
    """A block whose design choices come from a named source."""

    source: str = Field(min_length=3, description="Where the design choice comes from (citation or rationale)")
    tag: Tag = Field(description="Evidence tag: V verified, D derived, S secondary, M memory, A assumption")


class Cohort(_Strict):
    """Which patients a programme or team serves: every criterion given must hold (an empty cohort is everyone).

    ``risk_tiers`` use the project's scale (``RISK_TIERS``): 1 low, 2 rising, 3 high, 4 very high.
    ``frailty`` is the eFI category (patients under 65 have none and never match it).
    ``homeless`` selects people experiencing homelessness (``true``) or not (``false``): the ``patients.homeless``
    flag, which a dataset that does not record it leaves unknown, and an unknown flag matches neither.
    """

    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    frailty: tuple[FrailtyCategory, ...] | None = None
    risk_tiers: tuple[Annotated[int, Field(ge=1, le=len(RISK_TIERS))], ...] | None = None
    registers_any: tuple[RegisterCode, ...] | None = None
    min_registers: int | None = Field(default=None, ge=1, le=20)
    homeless: bool | None = None

    @model_validator(mode="after")
    def _age_order(self) -> Cohort:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValueError(f"min_age {self.min_age} is above max_age {self.max_age}")
        return self

    def describe(self) -> str:
        parts = []
        if self.min_age is not None or self.max_age is not None:
            parts.append(f"age {self.min_age or 0}-{self.max_age if self.max_age is not None else '+'}")
        if self.frailty:
            parts.append("frailty " + "/".join(self.frailty))
        if self.risk_tiers:
            parts.append("risk tier " + "/".join(map(str, self.risk_tiers)))
        if self.registers_any:
            parts.append("on " + "/".join(self.registers_any))
        if self.min_registers:
            parts.append(f">= {self.min_registers} registers")
        if self.homeless is not None:
            parts.append("experiencing homelessness" if self.homeless else "not homeless")
        return ", ".join(parts) or "everyone"


class RoleStaffing(Cited):
    """One role's establishment and its bookable sessions per FTE.

    The establishment is given one of three ways: ``fte_per_10k`` (FTE per 10,000 registered patients, scaling
    with the list), or for the whole network the model is laid over, ``wte`` (whole-time equivalents) or
    ``headcount`` (people, each working ``fte_each``). The network layer spreads a network figure over the
    practices by list size, as it does a rate per 10,000.
    """

    role: RoleCode
    fte_per_10k: float | None = Field(default=None, ge=0.0, le=50.0)
    wte: float | None = Field(default=None, ge=0.0, description="Whole-time equivalents for the whole network")
    headcount: int | None = Field(default=None, ge=0, description="People for the whole network")
    fte_each: float = Field(default=1.0, gt=0.0, le=1.0, description="FTE each of ``headcount`` works")
    sessions_per_fte: float = Field(
        ge=0.0, le=FULL_TIME_SESSIONS,
        description="Bookable patient-facing sessions (250 min) a week per FTE; a full-time week has 9 sessions",
    )
    employer: Literal["practice", "network"] = "practice"
    sites_each: int | None = Field(
        default=None, ge=1, le=20, description="For a network-employed role: the most practices one person works at "
        "in a week (a base site and others on a shared rota); default, as many as sharing the role's days out by list "
        "size takes")
    parameter: str | None = Field(
        default=None, description="Dotted path in parameters.yaml whose value this figure reproduces",
    )

    @model_validator(mode="after")
    def _one_measure(self) -> RoleStaffing:
        given = [name for name in ("fte_per_10k", "wte", "headcount") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"role {self.role!r}: give exactly one of fte_per_10k (FTE per 10,000 patients), wte "
                             f"(whole-time equivalents for the network) or headcount (people for the network); got "
                             f"{', '.join(given) or 'none'}")
        if self.sites_each is not None and self.employer != "network":
            raise ValueError(f"role {self.role!r}: sites_each says how many practices a network-employed person "
                             "works at; a practice-employed role works at its own practice")
        if self.parameter is not None and self.fte_per_10k is None:
            raise ValueError(f"role {self.role!r}: parameter names the parameters.yaml figure an fte_per_10k "
                             "reproduces; a network wte or headcount has none")
        return self

    @property
    def network_wte(self) -> float | None:
        """The whole network's whole-time equivalents, when the establishment is given for the network."""
        if self.wte is not None:
            return self.wte
        if self.headcount is not None:
            return self.headcount * self.fte_each
        return None

    def per_10k(self, patients: float) -> float:
        """FTE per 10,000 registered patients on a network of ``patients``."""
        whole = self.network_wte
        if whole is None:
            return float(self.fte_per_10k or 0.0)
        return whole * 10_000 / patients if patients > 0 else 0.0

    def describe(self) -> str:
        """The establishment as the model file gives it, e.g. ``3.2 per 10k``, ``4 WTE`` or ``5 people × 0.6``."""
        if self.wte is not None:
            return f"{self.wte:g} WTE (network)"
        if self.headcount is not None:
            return f"{self.headcount} people × {self.fte_each:g} FTE (network)"
        return f"{self.fte_per_10k:g} per 10k"


class Workforce(Cited):
    """The establishment, one line per role (per 10,000 patients, or for the whole network)."""

    roles: tuple[RoleStaffing, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_line_per_role(self) -> Workforce:
        seen: set[str] = set()
        for line in self.roles:
            if line.role in seen:
                raise ValueError(f"role {line.role!r} is listed twice")
            seen.add(line.role)
        return self

    def fte_per_10k(self, role: str) -> float | None:
        """FTE of ``role`` per 10,000 patients, or None when the model gives it for the network (a rate then
        depends on the network's size)."""
        lines = [line for line in self.roles if line.role == role]
        if any(line.fte_per_10k is None for line in lines):
            return None
        return sum(line.fte_per_10k or 0.0 for line in lines)

    @property
    def role_codes(self) -> tuple[str, ...]:
        return tuple(line.role for line in self.roles)


class TeamMember(_Strict):
    """A seat in a team: a role, its FTE for one panel, and what the seat does."""

    role: RoleCode
    fte: float = Field(gt=0.0, le=10.0)
    function: str | None = Field(default=None, description="e.g. 'case manager', 'primary care provider'")


class SegmentAccess(Cited):
    """A segment service's own diaries, kept for its cohort: dedicated access (e.g. an inclusion-health team).

    The team's clinicians book only the cohort, in appointments of ``appointment_minutes``, and hold
    ``walk_in_share`` of each day's slots for walk-ins and outreach on the day (not bookable ahead). The cohort's
    requests try the team first and fall back to the practice's diaries when the team has no slot in time.
    Without ``access`` a segment service's clinicians book anyone, as the frailty service's do.
    """

    appointment_minutes: int = Field(ge=5, le=120, description="Length of the team's appointments")
    walk_in_share: Share = Field(default=0.0, description="Share of the team's slots held for the day (walk-in)")


TEAM_KINDS_IN_MODELS: tuple[str, ...] = ("micro_team", "segment_service", "community")
"""Team kinds a model declares: micro-teams and community teams cover the whole list, one per
``panel_size`` patients; a segment service covers its cohort, one per ``panel_size`` cohort patients."""


class Team(Cited):
    """A team: a micro-team holding a panel, a community team, or a segment service for one cohort."""

    name: Slug
    kind: TeamKind
    panel_size: int | None = Field(default=None, ge=50, le=100_000, description="Patients per team")
    cohort: Cohort | None = None
    members: tuple[TeamMember, ...] = Field(min_length=1)
    access: SegmentAccess | None = Field(
        default=None, description="Dedicated access: the team's diaries are kept for its cohort (segment services)")

    @model_validator(mode="after")
    def _panel_where_needed(self) -> Team:
        if self.kind not in TEAM_KINDS_IN_MODELS:
            raise ValueError(f"team kind {self.kind!r} cannot be declared here: use one of "
                             f"{', '.join(TEAM_KINDS_IN_MODELS)} (the hub is declared under hub:)")
        if self.panel_size is None:
            raise ValueError(f"a {self.kind} team needs panel_size (patients per team)")
        if self.kind == "segment_service" and self.cohort is None:
            raise ValueError("a segment_service team needs a cohort (the patients it serves)")
        if self.kind != "segment_service" and self.cohort is not None:
            raise ValueError(f"a {self.kind} team serves the whole list: cohort belongs to segment_service teams")
        if self.access is not None and self.kind != "segment_service":
            raise ValueError(f"a {self.kind} team serves the whole list: access (diaries kept for a cohort) belongs "
                             "to segment_service teams")
        return self

    def fte(self, role: str) -> float:
        return sum(m.fte for m in self.members if m.role == role)


class Panels(Cited):
    """How patients are attached: to the practice only, to a named GP, or to a micro-team."""

    unit: Literal["practice", "named_gp", "micro_team"]
    keep_households_together: bool = True
    workload_weighting: Literal["headcount", "risk"] = "risk"


class Entry(Cited):
    """First contact and triage: who triages which requests, at what time cost, and where needs are routed."""

    triage: Literal["care_navigator", "gp", "online_form", "none"]
    triage_role: RoleCode | None = None
    minutes_per_request: float | None = Field(default=None, gt=0.0, le=60.0)
    triaged_urgencies: tuple[Urgency, ...] = ()
    first_contact_modes: dict[Mode, Share] = Field(min_length=1)
    routing: dict[NeedType, tuple[RoleCode, ...]]
    channels: dict[RequestChannel, Share] | None = Field(
        default=None, description="How requests reach the practice (telephone, online, walk_in); default: the "
        "national mix of parameters.yaml twin.demand.channel_mix")
    self_booking: Share = Field(
        default=0.0, description="Share of online requests for routine needs that patients book themselves into "
        "offered slots, without waiting for the triager")
    triage_scope: Literal["practice", "network"] = Field(
        default="practice", description="Where the triager works: 'practice', each practice's triagers take its own "
        "requests; 'network', one central desk takes every practice's requests with the pooled minutes of the "
        "network's triagers (central telephone and online triage of a multi-site organisation)")

    @model_validator(mode="after")
    def _coherent(self) -> Entry:
        staffed = self.triage in ("care_navigator", "gp", "online_form")
        if staffed and (self.triage_role is None or self.minutes_per_request is None):
            raise ValueError(f"triage {self.triage!r} needs triage_role and minutes_per_request")
        if self.triage == "none" and (self.triage_role is not None or self.triaged_urgencies):
            raise ValueError("triage 'none' takes no triage_role and no triaged_urgencies")
        if self.triage == "none" and self.triage_scope != "practice":
            raise ValueError("triage_scope 'network' pools triagers' minutes at a central desk: it needs a triage")
        if staffed and not self.triaged_urgencies:
            raise ValueError(f"triage {self.triage!r} needs triaged_urgencies (which requests are triaged)")
        total = sum(self.first_contact_modes.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"first_contact_modes shares add up to {total:g}, not 1")
        if self.channels is not None and abs(sum(self.channels.values()) - 1.0) > 1e-6:
            raise ValueError(f"channels shares add up to {sum(self.channels.values()):g}, not 1")
        missing = [n for n in NEED_TYPES if n not in self.routing]
        if missing:
            raise ValueError(f"routing has no roles for need type(s): {', '.join(missing)}")
        for need, roles in self.routing.items():
            if not roles:
                raise ValueError(f"routing.{need} lists no role")
            for role in roles:
                if not can_handle(role, need):
                    raise ValueError(f"routing.{need}: need type {need!r} is outside the scope of practice of {role!r}")
        return self


class LongAppointments(Cited):
    """Ring-fenced longer appointments for a cohort (e.g. complex patients in the Health Care Home)."""

    cohort: Cohort
    minutes: int = Field(ge=5, le=120)
    roles: tuple[RoleCode, ...] = Field(min_length=1)
    share_of_sessions: Share = Field(description="Share of these roles' sessions held as long slots")


class Booking(Cited):
    """How requests are booked: earliest slot, or continuity-aware with a named clinician or the team."""

    policy: Literal["first_available", "continuity"]
    continuity_with: Literal["none", "named_clinician", "team"] = "none"
    team_only: bool = Field(default=False, description="Bookings stay within the patient's team")
    horizon_days: int = Field(ge=1, le=60, description="Working days ahead a request may be booked")
    long_appointments: LongAppointments | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Booking:
        if self.policy == "first_available" and self.continuity_with != "none":
            raise ValueError("policy first_available books the earliest slot: continuity_with must be 'none'")
        if self.policy == "continuity" and self.continuity_with == "none":
            raise ValueError("policy continuity needs continuity_with: named_clinician or team")
        return self


class AnnualReview(Cited):
    """Long-term-condition reviews from the registers, optionally one bundled visit with a pre-check and follow-up."""

    cohort: Cohort
    bundled: bool
    review_role: RoleCode
    review_minutes: int = Field(ge=5, le=120)
    pre_check_role: RoleCode | None = None
    pre_check_lead_days: int = Field(default=0, ge=0, le=60)
    follow_up_role: RoleCode | None = None
    follow_up_after_days: int = Field(default=0, ge=0, le=120)

    @model_validator(mode="after")
    def _steps(self) -> AnnualReview:
        if self.pre_check_role is not None and self.pre_check_lead_days == 0:
            raise ValueError("a pre-check needs pre_check_lead_days > 0 so results are back before the review")
        if self.follow_up_role is not None and self.follow_up_after_days == 0:
            raise ValueError("a follow-up needs follow_up_after_days > 0")
        if not can_handle(self.review_role, "ltc_review"):
            raise ValueError(f"review_role {self.review_role!r} cannot do ltc_review within its scope of practice")
        return self


class CarePlans(Cited):
    """Personalised care plans with a named key worker for a cohort (usually the top risk tier)."""

    cohort: Cohort
    key_worker_role: RoleCode
    review_interval_days: int = Field(ge=7, le=730)


class CaseManagement(Cited):
    """Regular proactive contacts by a case manager for a cohort."""

    cohort: Cohort
    role: RoleCode
    contacts_per_year: float = Field(gt=0.0, le=104.0)
    minutes: int = Field(ge=5, le=120)
    need_type: NeedType = "ltc_review"

    @model_validator(mode="after")
    def _scope(self) -> CaseManagement:
        if not can_handle(self.role, self.need_type):
            raise ValueError(f"role {self.role!r} cannot handle {self.need_type!r} within its scope of practice")
        return self


class Proactive(Cited):
    """The proactive programme: annual reviews, care plans and case management (each optional)."""

    annual_review: AnnualReview | None = None
    care_plans: CarePlans | None = None
    case_management: tuple[CaseManagement, ...] = ()


class DirectoryEntry(_Strict):
    """A kind of community service in the directory, with how many new people it can take a week."""

    category: Slug
    weekly_capacity_per_10k: float = Field(ge=0.0, le=1000.0)


class Community(Cited):
    """Community programme: link workers and social prescribing to a directory of services."""

    social_prescribing: bool
    link_worker_role: RoleCode | None = None
    referral_needs: tuple[NeedType, ...] = ()
    directory: tuple[DirectoryEntry, ...] = ()

    @model_validator(mode="after")
    def _coherent(self) -> Community:
        if self.social_prescribing:
            if self.link_worker_role is None or not self.referral_needs or not self.directory:
                raise ValueError("social_prescribing needs link_worker_role, referral_needs and a directory")
            for need in self.referral_needs:
                if not can_handle(self.link_worker_role, need):
                    raise ValueError(f"link_worker_role {self.link_worker_role!r} cannot handle {need!r}")
        return self


class HubRole(_Strict):
    role: RoleCode
    sessions_per_week_per_10k: float = Field(gt=0.0, le=20.0)


class Hub(Cited):
    """A hub shared by the network's practices: an extended-hours hub, or a same-day list in working hours that
    any practice's patients may be booked into (its ``days`` and ``urgencies`` say which)."""

    roles: tuple[HubRole, ...] = Field(min_length=1)
    days: tuple[Weekday, ...] = Field(min_length=1)
    urgencies: tuple[Urgency, ...] = Field(min_length=1, description="Requests the hub may take")


class Scale(Cited):
    """The population the model is designed for: a practice or a network, and its size range."""

    unit: Literal["practice", "network"]
    min_patients: int = Field(ge=500, le=5_000_000)
    max_patients: int = Field(ge=500, le=5_000_000)

    @model_validator(mode="after")
    def _order(self) -> Scale:
        if self.min_patients > self.max_patients:
            raise ValueError(f"min_patients {self.min_patients} is above max_patients {self.max_patients}")
        return self


class DeliveryModel(_Strict):
    """A delivery model: workforce, teams and panels, entry and triage, booking, proactive, community, hub."""

    name: Slug
    title: str = Field(min_length=3)
    summary: str = Field(min_length=10)
    based_on: tuple[str, ...] = Field(min_length=1, description="Real services the design follows")
    sources: tuple[str, ...] = Field(min_length=1, description="Documents the design choices come from")
    composes: tuple[Slug, ...] = Field(default=(), description="Library models whose mechanisms this one combines")
    scale: Scale
    workforce: Workforce
    teams: tuple[Team, ...] = ()
    panels: Panels
    entry: Entry
    booking: Booking
    proactive: Proactive
    community: Community
    hub: Hub | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DeliveryModel:
        staffed = set(self.workforce.role_codes)
        hub_roles = {h.role for h in self.hub.roles} if self.hub else set()

        def need_staff(role: str | None, where: str) -> None:
            if role is not None and role not in staffed:
                raise ValueError(f"{where} uses role {role!r}, which has no line in workforce.roles")

        need_staff(self.entry.triage_role, "entry.triage_role")
        for need, roles in self.entry.routing.items():
            if not any(r in staffed or r in hub_roles for r in roles):
                raise ValueError(f"entry.routing.{need}: none of {', '.join(roles)} is staffed in workforce.roles")
        for i, team in enumerate(self.teams):
            for member in team.members:
                need_staff(member.role, f"teams[{i}] ({team.name})")
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise ValueError("team names must be unique")
        if self.panels.unit == "micro_team" and not any(t.kind == "micro_team" for t in self.teams):
            raise ValueError("panels.unit micro_team needs at least one team of kind micro_team")
        if self.panels.unit == "named_gp" and "gp" not in staffed:
            raise ValueError("panels.unit named_gp needs GPs in workforce.roles")
        if self.booking.team_only and self.panels.unit != "micro_team":
            raise ValueError("booking.team_only keeps bookings in the team: panels.unit must be micro_team")
        if self.booking.continuity_with == "team" and self.panels.unit != "micro_team":
            raise ValueError("booking.continuity_with team needs panels.unit micro_team")
        if self.booking.long_appointments:
            for role in self.booking.long_appointments.roles:
                need_staff(role, "booking.long_appointments.roles")
        review = self.proactive.annual_review
        if review:
            for role in (review.review_role, review.pre_check_role, review.follow_up_role):
                need_staff(role, "proactive.annual_review")
        if self.proactive.care_plans:
            need_staff(self.proactive.care_plans.key_worker_role, "proactive.care_plans.key_worker_role")
        for i, cm in enumerate(self.proactive.case_management):
            need_staff(cm.role, f"proactive.case_management[{i}].role")
        if self.community.social_prescribing:
            need_staff(self.community.link_worker_role, "community.link_worker_role")
        self._teams_within_workforce()
        return self

    def _teams_within_workforce(self) -> None:
        """Teams covering the whole list cannot seat more FTE per 10,000 than the establishment has."""
        whole_list = [t for t in self.teams if t.kind != "segment_service" and t.panel_size]
        for role in sorted({m.role for t in whole_list for m in t.members}):
            seated = sum(t.fte(role) * 10_000 / t.panel_size for t in whole_list)
            available = self.workforce.fte_per_10k(role)
            if available is not None and seated > available * 1.0001:
                raise ValueError(
                    f"teams seat {seated:.3f} FTE of {role!r} per 10,000 patients but workforce.roles "
                    f"has only {available:.3f}"
                )

    def roles(self) -> tuple[str, ...]:
        """Every role the model staffs, in workforce order."""
        return self.workforce.role_codes
