"""What the twin assumes changes outcomes: named, sourced effects that every run lists and a caller can vary.

* continuity → fewer return contacts (``continuity_repeat_reduction``) and fewer emergency
  admissions for ambulatory-care-sensitive conditions, on the index and outcome of the source
  (Barker 2017: GP usual-provider continuity; ``continuity_acs_admission_reduction`` per 0.2 of
  UPC around ``reference_upc``, applied to the ``acs_share_of_admissions``) and fewer outpatient
  referrals (Hansen 2013: ``continuity_outpatient_referral_odds_ratio`` from UPC 0 to 1, around
  ``reference_upc``, on the chance a consultation ends in a referral);
* proactive review → fewer acute episodes (``proactive_acute_reduction``);
* wrong role → an extra contact (``wrong_role_extra_contact_probability``, with the chance of a
  misrouted need by kind of first-contact triage, ``misroute_probability``);
* social prescribing → fewer practice contacts for psychosocial need
  (``social_prescribing_psychosocial_reduction`` once ``social_prescribing_take_up`` happens);
* access → demand: new episodes rise or fall with the share of a practice's requests seen on the
  day asked (``demand_response`` around ``demand_response_reference``).

Values come from ``parameters.yaml`` ``twin.effects``; :meth:`Effects.replace` overrides any of
them, and :meth:`Effects.describe` reports each with its tag, source and whether it was changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from carenet.params import parameter
from carenet.schema.errors import CarenetError

_SECTION = "twin.effects"
LEVELS: tuple[str, ...] = ("low", "central", "high")
"""Which value of each effect's published range a run uses."""


def _at_level(entry: dict[str, Any], level: str) -> dict[str, Any]:
    """The entry with ``value`` taken from the low or high end of its ``value_range`` (per element for lists)."""
    span = entry.get("value_range")
    if span is None or level == "central":
        return entry
    end = 0 if level == "low" else 1
    value = [pair[end] for pair in span] if isinstance(span[0], list) else span[end]
    return {**entry, "value": value}
TRIAGE_KINDS: tuple[str, ...] = ("none", "care_navigator", "online_form", "gp")


class EffectError(CarenetError):
    """An effect override names an unknown effect or gives an impossible value."""


@dataclass(frozen=True)
class Effects:
    """The behavioural effects of one run (see the module docstring for what each does)."""

    repeat_contact_probability: float
    repeat_contact_lag_days: tuple[int, int]
    continuity_repeat_reduction: float
    continuity_acs_admission_reduction: float
    acs_share_of_admissions: float
    reference_upc: float
    continuity_outpatient_referral_odds_ratio: float
    proactive_acute_reduction: float
    wrong_role_extra_contact_probability: float
    misroute_probability: dict[str, float]
    social_prescribing_psychosocial_reduction: float
    social_prescribing_take_up: float
    demand_response: float
    demand_response_reference: float
    overridden: frozenset[str] = field(default=frozenset(), compare=False)
    level: str = field(default="central", compare=False)

    def __post_init__(self) -> None:
        shares = ("repeat_contact_probability", "continuity_repeat_reduction", "proactive_acute_reduction",
                  "wrong_role_extra_contact_probability", "social_prescribing_psychosocial_reduction",
                  "social_prescribing_take_up", "reference_upc", "continuity_acs_admission_reduction",
                  "acs_share_of_admissions", "demand_response", "demand_response_reference")
        for name in shares:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise EffectError(f"effect {name} must lie between 0 and 1, got {value}")
        if self.repeat_contact_probability >= 1.0:
            raise EffectError("effect repeat_contact_probability must be below 1 (every contact would repeat forever)")
        if self.continuity_acs_admission_reduction >= 1.0:
            raise EffectError("effect continuity_acs_admission_reduction must be below 1")
        if not 0.0 < self.continuity_outpatient_referral_odds_ratio <= 1.0:
            raise EffectError("effect continuity_outpatient_referral_odds_ratio must lie above 0 and at most 1 (1: no "
                              f"effect of continuity), got {self.continuity_outpatient_referral_odds_ratio}")
        lo, hi = self.repeat_contact_lag_days
        if not 1 <= lo <= hi:
            raise EffectError(f"effect repeat_contact_lag_days must be 1 <= min <= max, got {lo}, {hi}")
        for kind in TRIAGE_KINDS:
            p = self.misroute_probability.get(kind)
            if p is None or not 0.0 <= p <= 1.0:
                raise EffectError(f"effect misroute_probability needs a share for triage {kind!r}, got {p!r}")

    @classmethod
    def from_parameters(cls, level: str = "central") -> Effects:
        """The effects of ``parameters.yaml``: their central values, or the low or high end of every effect's
        ``value_range`` (effects without a range keep their value)."""
        if level not in LEVELS:
            raise EffectError(f"effects level must be one of {', '.join(LEVELS)}, got {level!r}")
        node = {name: _at_level(entry, level) if isinstance(entry, dict) else entry
                for name, entry in parameter(_SECTION).items()}
        misroute = node["misroute_probability"]
        lo, hi = node["repeat_contact_lag_days"]["value"]
        return cls(level=level, **cls._values(node, misroute, lo, hi))

    @staticmethod
    def _values(node: dict[str, Any], misroute: dict[str, Any], lo: int, hi: int) -> dict[str, Any]:
        return dict(
            repeat_contact_probability=float(node["repeat_contact_probability"]["value"]),
            repeat_contact_lag_days=(int(lo), int(hi)),
            continuity_repeat_reduction=float(node["continuity_repeat_reduction"]["value"]),
            continuity_acs_admission_reduction=float(node["continuity_acs_admission_reduction"]["value"]),
            acs_share_of_admissions=float(node["acs_share_of_admissions"]["value"]),
            reference_upc=float(node["reference_upc"]["value"]),
            continuity_outpatient_referral_odds_ratio=float(
                node["continuity_outpatient_referral_odds_ratio"]["value"]),
            proactive_acute_reduction=float(node["proactive_acute_reduction"]["value"]),
            wrong_role_extra_contact_probability=float(node["wrong_role_extra_contact_probability"]["value"]),
            misroute_probability=dict(zip(misroute["triage"], map(float, misroute["value"]), strict=True)),
            social_prescribing_psychosocial_reduction=float(node["social_prescribing_psychosocial_reduction"]["value"]),
            social_prescribing_take_up=float(node["social_prescribing_take_up"]["value"]),
            demand_response=float(node["demand_response"]["value"]),
            demand_response_reference=float(node["demand_response_reference"]["value"]),
        )

    @classmethod
    def none(cls) -> Effects:
        """Every effect switched off: no returns, no misrouting, no effect of continuity or programmes."""
        base = cls.from_parameters()
        return base.replace(repeat_contact_probability=0.0, continuity_repeat_reduction=0.0,
                            continuity_acs_admission_reduction=0.0, continuity_outpatient_referral_odds_ratio=1.0,
                            proactive_acute_reduction=0.0,
                            wrong_role_extra_contact_probability=0.0,
                            misroute_probability=dict.fromkeys(TRIAGE_KINDS, 0.0),
                            social_prescribing_psychosocial_reduction=0.0, demand_response=0.0)

    @staticmethod
    def names() -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(Effects) if f.name not in ("overridden", "level"))

    def replace(self, **overrides: Any) -> Effects:
        """A copy with some effects changed; unknown names or impossible values raise :class:`EffectError`."""
        unknown = sorted(set(overrides) - set(self.names()))
        if unknown:
            raise EffectError(f"unknown effect(s) {', '.join(unknown)}; known effects: {', '.join(self.names())}")
        return dataclasses.replace(self, overridden=self.overridden | frozenset(overrides), **overrides)

    def replace_from_text(self, assignments: list[str]) -> Effects:
        """Apply ``name=value`` overrides as typed on a command line (``misroute_probability.gp=0.1`` too)."""
        changes: dict[str, Any] = {}
        for text in assignments:
            name, sep, raw = text.partition("=")
            name = name.strip()
            if not sep:
                raise EffectError(f"effect override {text!r} must look like name=value")
            try:
                if name.startswith("misroute_probability."):
                    routes = dict(changes.get("misroute_probability", self.misroute_probability))
                    routes[name.split(".", 1)[1]] = float(raw)
                    changes["misroute_probability"] = routes
                elif name == "repeat_contact_lag_days":
                    lo, hi = raw.split(",")
                    changes[name] = (int(lo), int(hi))
                else:
                    changes[name] = float(raw)
            except ValueError:
                raise EffectError(f"effect override {text!r}: {raw!r} is not a number") from None
        return self.replace(**changes)

    def describe(self) -> list[dict[str, Any]]:
        """Each effect with its value, evidence tag, source and whether this run changed it."""
        node = parameter(_SECTION)
        out = []
        for name in self.names():
            value = getattr(self, name)
            out.append({
                "name": name,
                "value": list(value) if isinstance(value, tuple) else value,
                "tag": node[name]["tag"],
                "source": node[name]["source"],
                "rationale": node[name].get("rationale", ""),
                "range": node[name].get("value_range"),
                "level": self.level if node[name].get("value_range") is not None else "central",
                "overridden": name in self.overridden,
            })
        return out


__all__ = ["LEVELS", "TRIAGE_KINDS", "EffectError", "Effects"]
