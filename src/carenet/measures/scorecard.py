"""The scorecard: the population, the five core attributes and the workforce, for one dataset and one period.

Every value is a number or :class:`~carenet.measures.support.Unsupported` with the reason, so a
dataset that holds no care plans says so instead of scoring zero. The period is the
``period_days`` days up to the reference date: ``as_of`` if given, else the day of the last
attended or missed appointment. Each measure carries its unit and which direction is better, which
:mod:`carenet.measures.compare` uses to flag trade-offs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import ibis.expr.types as ir
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table

from carenet.measures.access import DIARY_MEASURES, AccessConfig, access_summary
from carenet.measures.backend import Tables
from carenet.measures.community import QUINTILES, NeedWeights, community_summary
from carenet.measures.continuity import POOLED_MEASURES, ContinuityConfig, contacts, continuity_summary
from carenet.measures.coordination import coordination_summary
from carenet.measures.person_centred import person_centred_summary
from carenet.measures.segments import (
    Period,
    PopulationConfig,
    fetch_row,
    patient_profile,
    population_summary,
)
from carenet.measures.support import Unsupported
from carenet.measures.workforce import RedirectRule, workforce_summary
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLES

ATTRIBUTES: dict[str, str] = {
    "population": "Population",
    "person_centred": "Person-centred, holistic care",
    "access": "Access",
    "continuity": "Continuity",
    "coordination": "Co-ordination",
    "community": "Community focus",
    "workforce": "Workforce",
}
"""Sections of the scorecard, in print order: who the population are, the five attributes, the workforce."""

Unit = Literal["count", "share", "days", "minutes", "hours", "rate", "score", "ratio", "fte"]
Better = Literal["higher", "lower"] | None
Value = float | Unsupported


@dataclass(frozen=True)
class MeasureInfo:
    """How to print and compare one measure."""

    label: str
    unit: Unit
    better: Better = None


def _info() -> dict[str, MeasureInfo]:
    m = MeasureInfo
    info = {
        "registered_patients": m("Registered patients", "count"),
        "mean_ltc_count": m("Long-term conditions per patient (mean)", "score"),
        "multimorbid_share": m("Multimorbid (2+ long-term conditions)", "share"),
        "mean_cms": m("Cambridge Multimorbidity Score (mean)", "score"),
        "frail_share_65plus": m("Moderate or severe frailty, aged 65+ (eFI)", "share"),
        "complex_share": m("Complex patients", "share"),
        "minutes_per_complex_patient_year": m("Clinician minutes per complex patient per year", "minutes", "higher"),
        "minutes_per_other_patient_year": m("Clinician minutes per other patient per year", "minutes"),
        "needs_in_scope_share": m("Needs met by a role whose scope covers them", "share", "higher"),
        "patient_set_goals_share": m("Live care plans with patient-set goals", "share", "higher"),
        "answered_requests": m("Answered requests", "count"),
        "mean_wait_days": m("Mean wait, request to appointment", "days", "lower"),
        "share_same_day": m("Seen the same day", "share", "higher"),
        "unanswered_requests": m("Requests still waiting, abandoned or redirected (no appointment)", "count"),
        "unmet_demand": m("Unmet demand (no appointment within the horizon)", "share", "lower"),
        "unmet_waiting": m("Unmet: still waiting for a slot", "share", "lower"),
        "unmet_abandoned": m("Unmet: the patient gave up", "share", "lower"),
        "unmet_redirected": m("Unmet: redirected to 111, UTC, A&E or pharmacy", "share", "lower"),
        "dna_rate": m("Did not attend", "share", "lower"),
        "third_next_available": m("Third next available, any clinician (every role's slots together)", "days", "lower"),
        "third_next_available_gp": m("Third next available, GP", "days", "lower"),
        "third_next_available_nurse": m("Third next available, nurse", "days", "lower"),
        "third_next_available_other_clinical": m("Third next available, other clinical roles", "days", "lower"),
        "patients_eligible": m("Patients with enough contacts for the indices", "count"),
        "upc": m("Usual provider of care (UPC, mean)", "score", "higher"),
        "upc_named": m("Named-GP UPC (mean)", "score", "higher"),
        "upc_complex": m("UPC of complex patients (mean)", "score", "higher"),
        "coc": m("Bice-Boxerman COC (mean)", "score", "higher"),
        "secon": m("Sequential continuity SECON (mean)", "score", "higher"),
        "mmci": m("MMCI (mean)", "score", "higher"),
        "kpc": m("Known provider of care KPC (mean)", "score", "higher"),
        "slicc": m("SLICC (face-to-face GP with own GP)", "share", "higher"),
        "own_patient_ratio": m("Own-patient ratio (GPs)", "share", "higher"),
        "micro_team_share": m("Contacts within the patient's micro-team", "share", "higher"),
        "care_plan_coverage": m("Complex patients with a live care plan", "share", "higher"),
        "key_worker_coverage": m("Complex patients with a named key worker and live plan", "share", "higher"),
        "professionals_per_episode": m("Distinct professionals per episode of need", "score", "lower"),
        "informal_referral_share": m("Informal advice among referrals", "share", "higher"),
        "discharge_follow_up": m("Discharges followed up in time", "share", "higher"),
        "social_prescriptions_per_1000_year": m("Social prescriptions per 1,000 patients per year", "rate", "higher"),
        "social_prescription_take_up": m("Social prescriptions taken up", "share", "higher"),
        "psychosocial_met_in_community": m("Psychosocial needs linked to the community", "share", "higher"),
        "gp_inverse_care_ratio": m("GP FTE per 100k need-adjusted, most / least deprived quintile", "ratio",
                                   "higher"),
        "utilisation_all": m("Utilisation, all clinical roles", "share"),
        "gp_redirectable_share": m("GP minutes on needs another role could meet", "share", "lower"),
        "gp_redirectable_hours_year": m("GP hours a year on needs another role could meet", "hours", "lower"),
    }
    for k in range(1, 9):
        info[f"segment_{k}_share"] = m(f"Bridges to Health segment {k}", "share")
    for k, name in enumerate(("low", "rising", "high", "very high"), start=1):
        info[f"risk_tier_{k}_share"] = m(f"Risk tier {k} ({name})", "share")
    for q in QUINTILES:
        info[f"clinicians_per_100k_q{q}"] = m(f"Clinical FTE per 100k need-adjusted, deprivation quintile {q}", "fte")
        info[f"gps_per_100k_q{q}"] = m(f"GP FTE per 100k need-adjusted, deprivation quintile {q}", "fte")
    for r in ROLES:
        if r.clinical:
            info[f"utilisation_{r.code}"] = m(f"Utilisation, {r.name.lower()}", "share")
    return info


MEASURE_INFO: dict[str, MeasureInfo] = _info()


def measure_info(key: str) -> MeasureInfo:
    """Label, unit and better direction of ``key`` (configurable access keys are recognised by shape)."""
    if key in MEASURE_INFO:
        return MEASURE_INFO[key]
    if key.startswith("p") and key.endswith("_wait_days"):
        return MeasureInfo(f"{key[1:-len('_wait_days')]}th centile wait", "days", "lower")
    if key.startswith("share_within_") and key.endswith("_days"):
        return MeasureInfo(f"Seen within {key[len('share_within_'):-len('_days')]} days", "share", "higher")
    return MeasureInfo(key.replace("_", " "), "score")


@dataclass(frozen=True)
class ScorecardConfig:
    """Everything the scorecard needs beyond the data (the CLI builds it from ``parameters.yaml``)."""

    period_days: int
    population: PopulationConfig
    discharge_follow_up_days: int
    psychosocial_link_window_days: int
    working_weeks_per_year: float
    as_of: date | None = None
    continuity: ContinuityConfig = field(default_factory=ContinuityConfig)
    access: AccessConfig = field(default_factory=AccessConfig)
    redirect: RedirectRule = field(default_factory=RedirectRule)
    need_weights: NeedWeights = field(default_factory=NeedWeights)


@dataclass
class Scorecard:
    """One dataset's scorecard: ``sections[attribute][measure]`` is a number or :class:`Unsupported`."""

    period: Period
    backend: str
    sections: dict[str, dict[str, Value]]
    details: dict[str, Any] = field(default_factory=dict)
    label: str = ""

    def value(self, attribute: str, key: str) -> Value:
        return self.sections[attribute][key]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: each measure's value (null when unsupported), unit, direction and reason."""
        def one(key: str, v: Value) -> dict[str, Any]:
            info = measure_info(key)
            entry: dict[str, Any] = {"label": info.label, "unit": info.unit, "better": info.better}
            if isinstance(v, Unsupported):
                entry.update(value=None, unsupported=v.reason)
            else:
                entry["value"] = v
            return entry

        return {
            "label": self.label, "backend": self.backend,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                       "days": self.period.days},
            "attributes": {a: {k: one(k, v) for k, v in section.items()} for a, section in self.sections.items()},
            "details": _jsonable(self.details),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)


def to_json(card: Scorecard, indent: int | None = 2) -> str:
    """The scorecard as JSON (see :meth:`Scorecard.to_dict`)."""
    return card.to_json(indent)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Unsupported):
        return {"unsupported": value.reason}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def reference_date(tables: Tables) -> date:
    """The day of the last attended or missed appointment: the default end of the scorecard's period."""
    if "appointments" in tables:
        a = tables["appointments"]
        done = a.filter(a.status.isin(["attended", "did_not_attend"]))
        last = fetch_row(tables, done.aggregate(last=done.booked_for.max())).get("last")
        if last is not None:
            return last.date() if hasattr(last, "date") else last
    raise CarenetError("cannot tell the scorecard's reference date: the dataset has no attended or missed "
                       "appointment; pass a reference date (--as-of)")


def first_activity_date(tables: Tables) -> date | None:
    """The day of the first attended or missed appointment (None when there is none): where the data's own period
    starts, for an extract shorter than the scorecard's default year."""
    if "appointments" not in tables:
        return None
    a = tables["appointments"]
    done = a.filter(a.status.isin(["attended", "did_not_attend"]))
    first = fetch_row(tables, done.aggregate(first=done.booked_for.min())).get("first")
    if first is None:
        return None
    return first.date() if hasattr(first, "date") else first


def profile_for(tables: Tables, as_of: date, config: PopulationConfig) -> ir.Table | Unsupported:
    """The registered population's profile, cached on the backend, or why the dataset cannot give it."""
    missing = tables.require("patients", "conditions", measure="segmentation and risk")
    if missing:
        return missing
    c = tables["conditions"]
    if not fetch_row(tables, c.aggregate(n=c.count())).get("n"):
        return Unsupported("the dataset records no conditions, so segments, frailty and multimorbidity are unknown")
    return tables.memo(("patient_profile", as_of, repr(config)), lambda: patient_profile(tables, as_of, config))


def _numbers_only(summary: dict[str, Any], details: dict[str, Any], prefix: str) -> dict[str, Value]:
    """Keep numbers and markers in the section; move nested breakdowns into ``details``."""
    out: dict[str, Value] = {}
    for k, v in summary.items():
        if isinstance(v, dict):
            details[f"{prefix}.{k}"] = v
        elif isinstance(v, Unsupported):
            out[k] = v
        elif v is None:
            out[k] = Unsupported("no value")
        else:
            out[k] = float(v)
    return out


def scorecard(tables: Tables, config: ScorecardConfig, label: str = "", *,
              only: Mapping[str, Collection[str]] | None = None) -> Scorecard:
    """Compute every section for the ``period_days`` days up to the reference date.

    ``only`` (attribute → measures, e.g. :data:`carenet.measures.verdicts.HEADLINES`) keeps just those measures,
    and skips the sections and dear parts of sections (third next available, the pooled continuity figures, the
    workforce) that none of them needs: the same values, sooner.
    """
    end = config.as_of or reference_date(tables)
    period = Period.ending(end, config.period_days)
    window = {"start": period.start, "end": period.end}
    continuity_cfg = config.continuity.model_copy(update=window)
    access_cfg = config.access.model_copy(update=window)
    profile = profile_for(tables, period.end, config.population)
    details: dict[str, Any] = {}
    sections: dict[str, dict[str, Value]] = {}
    asked = _Asked(only)
    if asked.any("population"):
        if isinstance(profile, Unsupported):
            sections["population"] = {"registered_patients": profile}
        else:
            sections["population"] = population_summary(tables, profile)
            details["population.complex_patient_rule"] = config.population.complex_rule.describe()
    if asked.any("person_centred"):
        sections["person_centred"] = person_centred_summary(tables, profile, period)
    if asked.any("access"):
        sections["access"] = _numbers_only(
            access_summary(tables, access_cfg, diaries=asked.any("access", DIARY_MEASURES)), details, "access")
    if asked.any("continuity"):
        sections["continuity"] = _numbers_only(
            continuity_summary(tables, continuity_cfg, pooled=asked.any("continuity", POOLED_MEASURES)),
            details, "continuity")
        if asked.any("continuity", ("upc_complex",)):
            sections["continuity"]["upc_complex"] = _upc_complex(tables, continuity_cfg, profile)
    if asked.any("coordination"):
        sections["coordination"] = coordination_summary(tables, profile, period, config.discharge_follow_up_days)
    if asked.any("community"):
        sections["community"] = community_summary(
            tables, period, config.psychosocial_link_window_days, weights=config.need_weights,
            profile=None if isinstance(profile, Unsupported) else profile)
    if asked.any("workforce"):
        sections["workforce"] = workforce_summary(tables, period, config.working_weeks_per_year, config.redirect)
    return Scorecard(period, tables.backend, asked.keep(sections), details, label)


@dataclass(frozen=True)
class _Asked:
    """Which measures a scorecard is asked for: every one (``only`` is None) or those ``only`` names."""

    only: Mapping[str, Collection[str]] | None

    def any(self, attribute: str, measures: Collection[str] | None = None) -> bool:
        """Whether any measure of ``attribute`` (of ``measures``, if given) is asked for."""
        if self.only is None:
            return True
        wanted = self.only.get(attribute, ())
        return bool(wanted) if measures is None else any(m in wanted for m in measures)

    def keep(self, sections: dict[str, dict[str, Value]]) -> dict[str, dict[str, Value]]:
        if self.only is None:
            return sections
        return {a: {k: v for k, v in section.items() if k in self.only[a]} for a, section in sections.items()}


def _upc_complex(tables: Tables, config: ContinuityConfig, profile: ir.Table | Unsupported) -> Value:
    """Mean UPC of complex patients: continuity where it matters most.

    The continuity page's UPC (most-seen clinician's contacts / contacts, patients with at least
    ``min_contacts``), computed from the contacts of complex patients alone.
    """
    if isinstance(profile, Unsupported):
        return profile
    if "appointments" not in tables:
        return tables.require("appointments", measure="UPC of complex patients")
    complex_ids = profile.filter(profile.complex).select(cx_patient="patient_id")
    a = tables["appointments"]
    theirs = a.semi_join(complex_ids, a.patient_id == complex_ids.cx_patient)
    visits = contacts(Tables(tables.con, {**{n: tables[n] for n in tables}, "appointments": theirs}), config)
    per_clinician = visits.group_by(["patient_id", "clinician_id"]).aggregate(n=visits.count())
    per_patient = per_clinician.group_by("patient_id").aggregate(
        contacts=per_clinician.n.sum(), most=per_clinician.n.max())
    eligible = per_patient.filter(per_patient.contacts >= config.min_contacts)
    rows = tables.con.to_pyarrow(eligible.aggregate(
        upc_mean=(eligible.most.cast("float64") / eligible.contacts.cast("float64")).mean())).to_pylist()
    if not rows or rows[0]["upc_mean"] is None:
        return Unsupported(f"no complex patient has {config.min_contacts} or more contacts in the period")
    return float(rows[0]["upc_mean"])


# --- printing -------------------------------------------------------------------------------------------------------


def format_value(value: Value, unit: str) -> str:
    """A value as a person reads it: shares as percentages, counts with separators."""
    if isinstance(value, Unsupported):
        return "n/a"
    if unit == "share":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("minutes", "hours"):
        return f"{value:,.0f}"
    if unit in ("days", "rate", "fte"):
        return f"{value:,.1f}"
    return f"{value:,.3f}"


def render(card: Scorecard) -> Group:
    """The scorecard as Rich tables, one per section; unsupported measures show their reason."""
    parts = []
    for attribute, section in card.sections.items():
        grid = Table(title=ATTRIBUTES.get(attribute, attribute), title_justify="left", show_header=True,
                     header_style="bold", expand=False)
        grid.add_column("measure")
        grid.add_column("value", justify="right")
        grid.add_column("unit / note")
        for key, v in section.items():
            info = measure_info(key)
            if isinstance(v, Unsupported):
                grid.add_row(info.label, "[yellow]n/a[/]", f"[yellow]not supported: {v.reason}[/]")
            else:
                grid.add_row(info.label, format_value(v, info.unit), info.unit if info.unit != "share" else "")
        parts.append(grid)
    return Group(*parts)


def print_scorecard(card: Scorecard, console: Console | None = None) -> None:
    """Print a heading and every section."""
    console = console or Console()
    title = (f"[bold]{escape(card.label or 'scorecard')}[/]  {card.period.start} to {card.period.end} "
             f"({card.period.days} days)")
    console.print(title + f"  backend {card.backend}")
    console.print(render(card))


__all__ = ["ATTRIBUTES", "MEASURE_INFO", "MeasureInfo", "Scorecard", "ScorecardConfig", "format_value",
           "measure_info", "print_scorecard", "profile_for", "reference_date", "render", "scorecard", "to_json"]
