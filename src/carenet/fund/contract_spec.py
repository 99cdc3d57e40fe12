"""The contract file: outcome indicators with targets and payment rules, validated like model files.

```yaml
name: Riverside outcomes contract
year: 2025/26                     # prices (must have a sourced global sum)
reference_model: traditional      # whose activity sets expected cost (a comparison's model; default the first)
indicators:
  - {id: standardised_emergency_admissions, target: 1.0}   # observed / expected, at most
  - {id: upc_complex, target: 0.7}                          # scorecard measures: their better direction
  - {id: care_plan_coverage, target: 0.4}
payment:
  shared_savings: {gain_share: 0.5, risk_share: 0.25, gain_cap: 0.05, risk_cap: 0.02, minimum_savings_rate: 0.0}
  quality_gate: {min_indicators_met: 2}
```

An indicator is a fund indicator (below) or any scorecard measure with a better direction
(``carenet score`` lists them); a target is met when the value is at least it (higher is better) or at
most it (lower is better).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carenet.fund.errors import FundError
from carenet.fund.prices import check_year
from carenet.measures.scorecard import MEASURE_INFO

FUND_INDICATORS: dict[str, tuple[str, Literal["higher", "lower"]]] = {
    "standardised_emergency_admissions": ("Emergency admissions, observed / risk-adjusted expected", "lower"),
    "standardised_a_and_e_attendances": ("A&E attendances, observed / risk-adjusted expected", "lower"),
    "standardised_outpatient_referrals": ("Outpatient referrals, observed / risk-adjusted expected", "lower"),
}


def known_indicators() -> dict[str, tuple[str, str]]:
    """Every indicator a contract may name: label and better direction."""
    scorecard = {k: (i.label, i.better) for k, i in MEASURE_INFO.items() if i.better}
    return {**FUND_INDICATORS, **scorecard}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Indicator(_Strict):
    id: str
    target: float

    @field_validator("id")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in known_indicators():
            fund = ", ".join(FUND_INDICATORS)
            raise ValueError(f"unknown indicator {value!r}; use one of the fund indicators ({fund}) or a scorecard "
                             "measure with a better direction, e.g. upc_complex, care_plan_coverage, share_same_day, "
                             "mean_wait_days")
        return value

    @property
    def better(self) -> str:
        return known_indicators()[self.id][1]

    def met(self, value: float) -> bool:
        return value >= self.target if self.better == "higher" else value <= self.target


class SharedSavings(_Strict):
    gain_share: float = Field(ge=0, le=1, description="share of savings paid to the network")
    risk_share: float = Field(0.0, ge=0, le=1, description="share of an overspend the network bears")
    gain_cap: float | None = Field(None, ge=0, description="most the network gains, as a share of expected cost")
    risk_cap: float | None = Field(None, ge=0, description="most the network loses, as a share of expected cost")
    minimum_savings_rate: float = Field(0.0, ge=0, lt=1,
                                        description="savings or losses below this share of expected cost pay nothing")


class QualityGate(_Strict):
    min_indicators_met: int = Field(ge=0)


class Payment(_Strict):
    shared_savings: SharedSavings
    quality_gate: QualityGate | None = None


class Contract(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    year: str
    reference_model: str | None = None
    indicators: list[Indicator] = Field(min_length=1)
    payment: Payment

    @field_validator("year")
    @classmethod
    def _year(cls, value: str) -> str:
        try:
            return check_year(str(value))
        except FundError as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _gate(self) -> Contract:
        gate = self.payment.quality_gate
        if gate is not None and gate.min_indicators_met > len(self.indicators):
            raise ValueError(f"payment.quality_gate.min_indicators_met is {gate.min_indicators_met} but the contract "
                             f"has {len(self.indicators)} indicator(s)")
        ids = [i.id for i in self.indicators]
        if len(set(ids)) != len(ids):
            raise ValueError("an indicator is listed twice; give each once")
        return self


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the contract"


def library_contracts() -> list[str]:
    """Names of the contracts shipped with carenet (``carenet/fund/library/*.yaml``)."""
    return sorted(p.name.removesuffix(".yaml") for p in resources.files("carenet.fund").joinpath("library").iterdir()
                  if p.name.endswith(".yaml"))


def contract_path(name_or_path: str | Path) -> Path:
    """A library contract by name (``outcomes``), or a contract file by path."""
    text = str(name_or_path)
    if text in library_contracts():
        return Path(str(resources.files("carenet.fund").joinpath("library", f"{text}.yaml")))
    return Path(name_or_path)


def read_contract(name_or_path: str | Path) -> Contract:
    """Read and validate a contract file (or a library contract by name), raising :class:`FundError` listing every
    problem with its field."""
    path = contract_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FundError(f"{path}: no such contract file (library contracts: {', '.join(library_contracts())})") \
            from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FundError(f"{path}: cannot read the contract file ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FundError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise FundError(f"{path}: a contract file must be a YAML mapping of fields (name, year, indicators, payment)")
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {len(exc.errors())} problem(s) with the contract:"]
        for err in exc.errors():
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"  - {_where(tuple(err['loc']))}: {message}")
        raise FundError("\n".join(lines)) from None
