"""The service's settings: every figure from ``parameters.yaml`` ``service``, read once and passed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from carenet.measures import ComplexPatientRule, PopulationConfig, WorklistConfig
from carenet.params import parameter


@dataclass(frozen=True)
class ServiceSettings:
    """Login, session, password, booking, care-plan, social-prescribing, worklist, panel, aggregate, server and
    demo settings of the service (``parameters.yaml`` ``service``); the practices' opening time
    (``twin.calendar.opening_time``, the contract's core hours) and time zone (``fhir_import.timezone``); and the
    measures' own definitions the service's worklists and aggregates run on (``measures_population``,
    ``measures_worklists``, the Cambridge score's weights), read from the same entries ``carenet score`` and
    ``carenet worklist`` read."""

    failures_before_lockout: int
    lockout_minutes: float
    attempts_per_minute: int
    idle_minutes: float
    touch_seconds: float
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
    worklist_page_size: int
    worklist_max_age_seconds: float
    panel_rebalance_tolerance: float
    aggregate_max_suppressed: int
    aggregate_rounding_base: int
    workers_per_core: float
    population: PopulationConfig
    worklists: WorklistConfig

    @classmethod
    def from_parameters(cls) -> ServiceSettings:
        def value(path: str):
            return parameter(f"service.{path}.value")

        return cls(
            failures_before_lockout=int(value("login.failures_before_lockout")),
            lockout_minutes=float(value("login.lockout_minutes")),
            attempts_per_minute=int(value("login.attempts_per_minute")),
            idle_minutes=float(value("sessions.idle_minutes")),
            touch_seconds=float(value("sessions.touch_seconds")),
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
            worklist_page_size=int(value("worklists.page_size")),
            worklist_max_age_seconds=float(value("worklists.max_age_seconds")),
            panel_rebalance_tolerance=float(value("panels.rebalance_tolerance")),
            aggregate_max_suppressed=int(value("aggregates.max_suppressed")),
            aggregate_rounding_base=int(value("aggregates.rounding_base")),
            workers_per_core=float(value("server.workers_per_core")),
            population=population_config(),
            worklists=WorklistConfig(
                multimorbid_min_ltc=int(parameter("measures_worklists.multimorbid_min_ltc_count.value")),
                review_window_days=int(parameter("measures_worklists.ltc_review_window_days.value"))),
        )

    def default_workers(self, cores: int | None) -> int:
        """Worker processes ``carenet serve`` starts on PostgreSQL without ``--workers``: ``workers_per_core`` for
        each of ``cores`` (``os.cpu_count()``; one when unknown), at least one."""
        return max(1, round(self.workers_per_core * (cores or 1)))

    def wall_clock(self, now: dt.datetime) -> dt.datetime:
        """``now`` (UTC) as the practices' wall-clock time without zone, as canonical timestamps are."""
        return now.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None, microsecond=0)


def population_config() -> PopulationConfig:
    """Segmentation, risk and complex-patient thresholds from ``parameters.yaml``, the entries ``carenet score``
    reads (the service may not import the twin, which reads them for the CLI)."""
    def value(path: str):
        return parameter(f"measures_population.{path}.value")

    weights = {w["condition"]: w["weight"] for w in parameter("cambridge_multimorbidity_score_general.weights")}
    rule = ComplexPatientRule(min_ltc_count=int(value("complex_patient_min_ltc_count")),
                              efi_categories=tuple(value("complex_patient_efi_categories")),
                              min_segment=int(value("complex_patient_min_b2h_segment")))
    return PopulationConfig(cms_weights=weights, acute_window_days=int(value("acute_window_days")),
                            high_risk_min_ltc=int(value("high_risk_min_ltc_count")), complex_rule=rule)


__all__ = ["ServiceSettings", "population_config"]
