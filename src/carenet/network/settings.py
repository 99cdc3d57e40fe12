"""The network layer's figures, read once from ``parameters.yaml`` into typed records and passed in.

Nothing else in :mod:`carenet.network` reads parameters: the staffing, rota, diary, panel, routing
and booking engines take a :class:`NetworkSettings` (or one of its parts) as an argument, so a
service can hold one for its lifetime and a sweep can vary one field without touching globals.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from carenet.models.spec import FRAILTY_CATEGORIES
from carenet.params import parameter
from carenet.schema.codes import NEED_TYPES, URGENCIES
from carenet.schema.roles import ROLE_CODES

ROLE_GROUPS: tuple[str, ...] = ("gp", "nurse", "other")
"""Staff groups whose working patterns the rota distinguishes (GPs; nurses; every other role)."""


def role_group(role: str) -> str:
    """The rota group of a role code: ``gp`` for GPs and GP registrars, ``nurse`` for nursing roles, else ``other``."""
    if role in ("gp", "gp_registrar"):
        return "gp"
    if "nurse" in role or role in ("anp", "hca"):
        return "nurse"
    return "other"


@dataclass(frozen=True)
class StaffSettings:
    """Sessions, and how an establishment's FTE becomes people."""

    session_minutes: int
    full_time_sessions: int
    sessions_per_day: int
    mean_fte_per_person: dict[str, float]  # by ROLE_GROUPS
    gp_spread_min_fte: float = 1.0
    """A network's GPs are spread as its practices' own only when each practice records at least this GP FTE."""


@dataclass(frozen=True)
class RotaSettings:
    """Leave and absence in whole working days, by staff group (a full-time year)."""

    annual_leave_days: dict[str, float]
    study_leave_days: dict[str, float]
    sickness_absence_rate: dict[str, float]
    sickness_spell_days: float
    leave_block_days: int
    bank_holiday_country: str
    bank_holiday_subdivision: str


@dataclass(frozen=True)
class BookingSettings:
    """The booking objective and the rules that bound where a request may be booked."""

    delay_per_day: np.ndarray  # by URGENCIES
    continuity_value: np.ndarray  # by continuity class (0 ordinary, 1 continuity matters)
    team_share: float
    unmet_penalty: float
    continuity_needs: np.ndarray  # bool by NEED_TYPES
    urgent_within_days: int
    cover_urgencies: np.ndarray  # bool by URGENCIES: a team patient may be seen outside the team
    on_the_day_share: dict[str, float]  # by ROLE_GROUPS: slots embargoed until the day


@dataclass(frozen=True)
class TriageSettings:
    """What a triage step does beyond routing: same-day requests it judges can wait, by triage method."""

    same_day_to_routine: dict[str, float]


@dataclass(frozen=True)
class ChoiceSettings:
    """Patients who prefer a particular GP and wait for them (GP Patient Survey): a patient's odds of preferring one
    are the reference group's odds times the odds ratio of each of their characteristics (Aboulghate 2012)."""

    reference_share: float  # chance of preferring a GP for a younger man with no long-term condition
    older_from_age: int
    older_odds_ratio: float
    chronic_odds_ratio: float  # any long-term condition
    female_odds_ratio: float
    wait_value_days: float  # working days of waiting a preferring patient accepts for their GP

    def share(self, age: np.ndarray, female: np.ndarray, conditions: np.ndarray) -> np.ndarray:
        """Each patient's chance of preferring a particular GP."""
        odds = (self.reference_share / (1.0 - self.reference_share)
                * np.where(age >= self.older_from_age, self.older_odds_ratio, 1.0)
                * np.where(conditions > 0, self.chronic_odds_ratio, 1.0)
                * np.where(female, self.female_odds_ratio, 1.0))
        return odds / (1.0 + odds)


@dataclass(frozen=True)
class AccessSettings:
    """What happens to a request that finds no slot: it waits, is abandoned or goes elsewhere."""

    give_up_per_day: float
    destinations: tuple[str, ...]
    destination_share: np.ndarray
    urgent_redirect_share: float  # share of same-day/urgent requests with no slot that go elsewhere at once


@dataclass(frozen=True)
class SurgeSettings:
    """When and by how much a practice adds sessions for a role whose diaries are booked up."""

    trigger_booked_share: float  # share of the slots bookable ahead already booked that triggers an extra session
    look_ahead_days: int  # working days of diary looked at
    lead_days: int  # working days ahead the extra session is put on
    max_extra_share: float  # an extra session's slots, as a share of the role's mean daily slots at the practice


@dataclass(frozen=True)
class RiskSettings:
    high_risk_min_ltc: int
    complex_min_ltc: int
    complex_efi_categories: tuple[int, ...]
    complex_min_segment: int
    efi_upper_bounds: np.ndarray  # fit, mild, moderate upper eFI scores


@dataclass(frozen=True)
class NetworkSettings:
    staff: StaffSettings
    rota: RotaSettings
    booking: BookingSettings
    choice: ChoiceSettings
    access: AccessSettings
    risk: RiskSettings
    triage: TriageSettings
    surge: SurgeSettings

    @classmethod
    def from_parameters(cls) -> NetworkSettings:
        """Every figure the network layer uses, resolved and checked once."""
        return cls(staff=_staff(), rota=_rota(), booking=_booking(), choice=_choice(), access=_access(),
                   risk=_risk(), triage=_triage(), surge=_surge())

    def replace(self, part: str, **changes: Any) -> NetworkSettings:
        """A copy with fields of one part changed (``settings.replace("choice", wait_value_days=0)``)."""
        return dataclasses.replace(self, **{part: dataclasses.replace(getattr(self, part), **changes)})


def _node(path: str) -> Any:
    return parameter(f"network.{path}")


def _by_group(path: str) -> dict[str, float]:
    node = _node(path)
    groups = tuple(node["groups"])
    if groups != ROLE_GROUPS:
        raise ValueError(f"parameters.yaml network.{path}.groups must list {', '.join(ROLE_GROUPS)} in that order")
    return {g: float(v) for g, v in zip(groups, node["value"], strict=True)}


def _staff() -> StaffSettings:
    return StaffSettings(
        session_minutes=int(parameter("workforce.gp_session.session_minutes")),
        full_time_sessions=int(parameter("workforce.gp_session.sessions_full_time")),
        sessions_per_day=int(_node("staffing.sessions_per_day.value")),
        mean_fte_per_person=_by_group("staffing.mean_fte_per_person"),
        gp_spread_min_fte=float(_node("staffing.gp_spread_min_fte.value")),
    )


def _rota() -> RotaSettings:
    return RotaSettings(
        annual_leave_days=_by_group("rota.annual_leave_days"),
        study_leave_days=_by_group("rota.study_leave_days"),
        sickness_absence_rate=_by_group("rota.sickness_absence_rate"),
        sickness_spell_days=float(_node("rota.sickness_spell_days.value")),
        leave_block_days=int(_node("rota.leave_block_days.value")),
        bank_holiday_country=str(_node("rota.bank_holidays.country")),
        bank_holiday_subdivision=str(_node("rota.bank_holidays.subdivision")),
    )


def _booking() -> BookingSettings:
    node = parameter("twin.booking")
    if tuple(node["delay_cost_per_day"]["urgencies"]) != URGENCIES:
        raise ValueError(f"parameters.yaml twin.booking.delay_cost_per_day.urgencies must list {URGENCIES}")
    matters = [NEED_TYPES.index(n) for n in node["continuity_needs"]["value"]]
    cover = [URGENCIES.index(u) for u in _node("booking.cover_outside_team.urgencies")]
    return BookingSettings(
        delay_per_day=np.asarray(node["delay_cost_per_day"]["value"], dtype=np.float64),
        continuity_value=np.asarray(node["continuity_value"]["value"], dtype=np.float64),
        team_share=float(node["team_share"]["value"]),
        unmet_penalty=float(node["unmet_penalty"]["value"]),
        continuity_needs=np.isin(np.arange(len(NEED_TYPES)), matters),
        urgent_within_days=int(parameter("twin.demand.urgent_within_days.value")),
        cover_urgencies=np.isin(np.arange(len(URGENCIES)), cover),
        on_the_day_share=_by_group("booking.on_the_day_share"),
    )


def _choice() -> ChoiceSettings:
    reference = float(_node("choice.prefer_reference_share.value"))
    ratios = {name: float(_node(f"choice.{name}_prefer_odds_ratio.value")) for name in ("older", "chronic", "female")}
    if not 0.0 < reference < 1.0 or min(ratios.values()) <= 0:
        raise ValueError("parameters.yaml network.choice: prefer_reference_share must lie strictly between 0 and 1 "
                         "and each *_prefer_odds_ratio must be above 0")
    return ChoiceSettings(
        reference_share=reference,
        older_from_age=int(_node("choice.older_prefer_odds_ratio.from_age")),
        older_odds_ratio=ratios["older"],
        chronic_odds_ratio=ratios["chronic"],
        female_odds_ratio=ratios["female"],
        wait_value_days=float(_node("choice.wait_for_preferred_days.value")),
    )


def _access() -> AccessSettings:
    node = _node("access.no_slot_destination")
    share = np.asarray(node["value"], np.float64)
    if share.sum() <= 0:
        raise ValueError("parameters.yaml network.access.no_slot_destination must have a positive share")
    return AccessSettings(
        give_up_per_day=float(_node("access.give_up_per_working_day.value")),
        destinations=tuple(node["destinations"]),
        destination_share=share / share.sum(),
        urgent_redirect_share=float(_node("access.urgent_no_slot_goes_elsewhere.value")),
    )


def _triage() -> TriageSettings:
    node = _node("triage.same_day_to_routine")
    shares = {str(k): float(v) for k, v in zip(node["triage"], node["value"], strict=True)}
    if any(not 0.0 <= v <= 1.0 for v in shares.values()):
        raise ValueError("parameters.yaml network.triage.same_day_to_routine: shares must lie between 0 and 1")
    return TriageSettings(same_day_to_routine=shares)


def _surge() -> SurgeSettings:
    settings = SurgeSettings(
        trigger_booked_share=float(_node("capacity.backlog_response.trigger_booked_share.value")),
        look_ahead_days=int(_node("capacity.backlog_response.look_ahead_days.value")),
        lead_days=int(_node("capacity.backlog_response.lead_days.value")),
        max_extra_share=float(_node("capacity.backlog_response.max_extra_share.value")),
    )
    if not 0.0 < settings.trigger_booked_share <= 1.0 or settings.max_extra_share < 0:
        raise ValueError("parameters.yaml network.capacity.backlog_response: trigger_booked_share must lie in (0, 1] "
                         "and max_extra_share must not be negative")
    if settings.look_ahead_days < 1 or settings.lead_days < 1:
        raise ValueError("parameters.yaml network.capacity.backlog_response: look_ahead_days and lead_days must be "
                         "at least 1")
    return settings


def _risk() -> RiskSettings:
    bounds = {row["name"]: float(row["upper_inclusive"]) for row in parameter("efi.categories")}
    return RiskSettings(
        high_risk_min_ltc=int(parameter("measures_population.high_risk_min_ltc_count.value")),
        complex_min_ltc=int(parameter("measures_population.complex_patient_min_ltc_count.value")),
        complex_efi_categories=tuple(FRAILTY_CATEGORIES.index(c) for c in
                                     parameter("measures_population.complex_patient_efi_categories.value")),
        complex_min_segment=int(parameter("measures_population.complex_patient_min_b2h_segment.value")),
        efi_upper_bounds=np.asarray([bounds["fit"], bounds["mild"], bounds["moderate"]]),
    )


def role_groups() -> np.ndarray:
    """Rota group index (into ROLE_GROUPS) of every role code, by ROLE_CODES order."""
    return np.asarray([ROLE_GROUPS.index(role_group(r)) for r in ROLE_CODES], np.int64)


__all__ = ["ROLE_GROUPS", "AccessSettings", "BookingSettings", "ChoiceSettings", "NetworkSettings", "RiskSettings",
           "RotaSettings", "StaffSettings", "SurgeSettings", "TriageSettings", "role_group", "role_groups"]
