"""The service's settings: every figure from ``parameters.yaml`` ``service``, read once and passed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from carenet.params import parameter


@dataclass(frozen=True)
class ServiceSettings:
    """Login, session, password, booking, care-plan, social-prescribing and demo settings of the service
    (``parameters.yaml`` ``service``); the
    practices' opening time (``twin.calendar.opening_time``, the contract's core hours) and time zone
    (``fhir_import.timezone``)."""

    failures_before_lockout: int
    lockout_minutes: float
    attempts_per_minute: int
    idle_minutes: float
    absolute_hours: float
    argon2_memory_kib: int
    argon2_time_cost: int
    argon2_parallelism: int
    minimum_password_length: int
    demo_working_days: int
    proposals: int
    alternatives: int
    opening_time: dt.time
    timezone: str
    care_plan_review_days: int
    social_prescribing_suggestions: int

    @classmethod
    def from_parameters(cls) -> ServiceSettings:
        def value(path: str):
            return parameter(f"service.{path}.value")

        return cls(
            failures_before_lockout=int(value("login.failures_before_lockout")),
            lockout_minutes=float(value("login.lockout_minutes")),
            attempts_per_minute=int(value("login.attempts_per_minute")),
            idle_minutes=float(value("sessions.idle_minutes")),
            absolute_hours=float(value("sessions.absolute_hours")),
            argon2_memory_kib=int(value("passwords.argon2_memory_kib")),
            argon2_time_cost=int(value("passwords.argon2_time_cost")),
            argon2_parallelism=int(value("passwords.argon2_parallelism")),
            minimum_password_length=int(value("passwords.minimum_length")),
            demo_working_days=int(value("demo.working_days")),
            proposals=int(value("booking.proposals")),
            alternatives=int(value("booking.alternatives")),
            opening_time=dt.time.fromisoformat(str(parameter("twin.calendar.opening_time.value"))),
            timezone=str(parameter("fhir_import.timezone.value")),
            care_plan_review_days=int(value("care_plans.review_interval_days")),
            social_prescribing_suggestions=int(value("social_prescribing.suggestions")),
        )

    def wall_clock(self, now: dt.datetime) -> dt.datetime:
        """``now`` (UTC) as the practices' wall-clock time without zone, as canonical timestamps are."""
        return now.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None, microsecond=0)


__all__ = ["ServiceSettings"]
