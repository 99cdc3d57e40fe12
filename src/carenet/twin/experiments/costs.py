"""Staff cost per registered patient, from each role's cost per WTE (``parameters.yaml`` ``experiments.staff_costs``).

A role is priced either by an ARRS maximum reimbursable amount (which already covers employer
on-costs) or by the midpoint of a pay range plus employer on-costs: NHS pension at the
employer rate, and employer National Insurance on pay above the secondary threshold::

    cost = midpoint × (1 + pension_rate) + ni_rate × max(0, midpoint − ni_threshold)

The establishment cost of a dataset is Σ FTE × cost per WTE over its clinicians, and dividing by
the registered list gives pounds per registered patient per year (docs/reference/parameters.md §9.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.params import parameter, range_text
from carenet.schema.errors import CarenetError
from carenet.schema.roles import ROLE_CODES

SECTION = "experiments.staff_costs"


class CostError(CarenetError):
    """A role without a unit cost, or a dataset that cannot be costed."""


@dataclass(frozen=True)
class RoleCost:
    """One role's cost per WTE per year, and where it comes from."""

    role: str
    gbp_per_wte: float
    basis: str
    tag: str
    source: str
    rationale: str


def _on_costed(salary: float) -> float:
    pension = float(parameter(f"{SECTION}.employer_pension_rate.value"))
    ni_rate = float(parameter(f"{SECTION}.employer_ni_rate.value"))
    threshold = float(parameter(f"{SECTION}.employer_ni_threshold_gbp.value"))
    return salary * (1 + pension) + ni_rate * max(0.0, salary - threshold)


def _role_cost(role: str) -> RoleCost:
    try:
        entry = parameter(f"{SECTION}.roles.{role}")
    except KeyError:
        raise CostError(f"parameters.yaml {SECTION}.roles has no unit cost for role {role!r}; add one with its "
                        "source to cost this workforce") from None
    if "reimbursement" in entry:
        value = float(parameter(str(entry["reimbursement"])))
        basis = f"ARRS maximum reimbursable amount ({entry['reimbursement']})"
    elif "pay_range" in entry:
        lo, hi = (float(v) for v in parameter(f"{SECTION}.pay_ranges_gbp.{entry['pay_range']}.value"))
        value = _on_costed((lo + hi) / 2)
        basis = f"midpoint of {entry['pay_range']} plus employer on-costs"
    else:
        raise CostError(f"parameters.yaml {SECTION}.roles.{role} needs 'reimbursement' or 'pay_range'")
    return RoleCost(role, value, basis, str(entry["tag"]), str(entry["source"]), str(entry["rationale"]))


@cache
def role_costs() -> dict[str, RoleCost]:
    """Cost per WTE of every role in the catalogue (read once per process)."""
    return {role: _role_cost(role) for role in ROLE_CODES}


def staff_cost(clinicians: pa.Table) -> float:
    """Σ FTE × cost per WTE over a canonical ``clinicians`` table, in pounds a year."""
    costs = role_costs()
    roles = clinicians.column("role").to_pylist()
    unknown = sorted({r for r in roles if r not in costs})
    if unknown:
        raise CostError(f"clinicians hold role(s) with no unit cost: {', '.join(map(str, unknown))}")
    fte = pc.fill_null(clinicians.column("fte"), 0.0).to_numpy(zero_copy_only=False)
    price = np.array([costs[r].gbp_per_wte for r in roles], dtype=np.float64)
    return float(np.dot(fte, price))


def staff_cost_by_role(clinicians: pa.Table) -> dict[str, float]:
    """Pounds a year per role over a ``clinicians`` table."""
    costs = role_costs()
    grouped = clinicians.group_by("role").aggregate([("fte", "sum")]).to_pylist()
    return {row["role"]: float(row["fte_sum"] or 0.0) * costs[row["role"]].gbp_per_wte for row in grouped
            if row["role"] in costs}


def cost_per_patient(clinicians: pa.Table, registered: int) -> float:
    """Staff cost per registered patient per year."""
    if registered <= 0:
        raise CostError("cannot cost per patient: the dataset has no registered patients")
    return staff_cost(clinicians) / registered


def cost_assumptions() -> list[dict[str, str]]:
    """The unit costs as rows for the report's table of assumptions."""
    return [{"parameter": f"{SECTION}.roles.{c.role}", "value": f"£{c.gbp_per_wte:,.0f} per WTE a year",
             "tag": c.tag, "range": range_text(parameter(f"{SECTION}.roles.{c.role}"), reason=True), "range_note": "",
             "source": c.source, "rationale": f"{c.rationale} ({c.basis})"}
            for c in role_costs().values()]


__all__ = ["CostError", "RoleCost", "cost_assumptions", "cost_per_patient", "role_costs", "staff_cost",
           "staff_cost_by_role"]
