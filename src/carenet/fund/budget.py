"""A network's budget against the cost of its model: per model, per year, per weighted patient.

For each replication (a twin run, or one dataset):

* **income** — the year's global sum and ARRS per weighted patient and the enhanced services
  (:mod:`carenet.fund.prices`) on the network's need-weighted list (:mod:`carenet.fund.capitation`,
  normalised against England's national means when the NHS open data are at hand);
* **staff cost** — every clinician's FTE at the role's cost per WTE with employer on-costs
  (``experiments.staff_costs``, as the comparison's cost per registered patient);
* **hospital activity the model changes** — emergency admissions, A&E attendances and outpatient referrals
  counted over the measured period, scaled to a year, at NHS reference costs (``fund.hospital_unit_costs_gbp``;
  a referral at one outpatient attendance; the low and high columns use each cost's range). An activity the
  data do not record is left out of the cost and shown as n/a.

``balance = income − staff cost``; the hospital cost is shown beside it (it is not paid from the practice
budget, but it is what an outcome contract shares savings on). A model's figures are the mean over its
replications with a 95% interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.fund.capitation import Capitation, capitation
from carenet.fund.dataset_profile import DatasetPatients, profile_from_dataset, read_dataset
from carenet.fund.prices import YearPrices
from carenet.fund.runs import RunRef
from carenet.fund.settings import FundSettings

HOSPITAL = {"emergency_admissions": "emergency_admission", "a_and_e_attendances": "a_and_e_attendance",
            "outpatient_referrals": "outpatient_attendance"}
"""Counted activity → its unit cost in ``fund.hospital_unit_costs_gbp``."""


@dataclass
class RunData:
    """One replication read once for every funding calculation."""

    run: RunRef
    data: DatasetPatients
    cap: Capitation


def read_runs(runs: list[RunRef], settings: FundSettings, reference: Capitation | None = None) -> list[RunData]:
    out: list[RunData] = []
    profiles: dict[str, pa.Table] = {}
    for run in runs:
        data = read_dataset(run.folder, as_of=run.last_day, first_day=run.first_day, cache=profiles)
        profile = profile_from_dataset(data, settings.need_weights)
        out.append(RunData(run, data, capitation(profile, settings, reference)))
    return out


def unit_costs(settings: FundSettings, end: str = "value") -> dict[str, float]:
    """Pounds per counted activity at the central value, or the ``low``/``high`` end of each range."""
    return {k: float(getattr(settings.hospital[v], end)) for k, v in HOSPITAL.items()}


def _staff_cost(clinicians: pa.Table | None) -> float | None:
    if clinicians is None or clinicians.num_rows == 0:
        return None
    from carenet.twin.experiments.costs import staff_cost  # noqa: PLC0415 - the twin is slow to import

    return staff_cost(clinicians)


def budget_rows(runs: list[RunData], settings: FundSettings, prices: YearPrices) -> pa.Table:
    """One row per replication."""
    rows = []
    central, low, high = (unit_costs(settings, end) for end in ("value", "low", "high"))
    for r in runs:
        registered = float(r.cap.profile.registered.sum())
        weighted = float(r.cap.weighted.sum())
        income = {k: float(np.sum(v)) for k, v in prices.income(np.array([registered]), np.array([weighted])).items()}
        total_income = sum(income.values())
        staff = _staff_cost(r.data.clinicians)
        years = r.data.years
        per_year = {k: pc.sum(r.data.people[k]).as_py() / years for k in HOSPITAL}
        counted = [k for k in HOSPITAL if k in r.data.recorded]  # an activity the data do not record is n/a
        hospital = {name: sum(per_year[k] * costs[k] for k in counted) if counted else None
                    for name, costs in (("", central), ("_low", low), ("_high", high))}
        rows.append({
            "setting": r.run.setting, "model": r.run.model, "replication": r.run.replication,
            "registered": int(registered),
            "weighted": round(weighted, 1), **{f"{k}_gbp": round(v, 2) for k, v in income.items()},
            "income_gbp": round(total_income, 2),
            "staff_cost_gbp": None if staff is None else round(staff, 2),
            "balance_gbp": None if staff is None else round(total_income - staff, 2),
            **{f"{k}_per_year": round(per_year[k], 1) if k in r.data.recorded else None for k in HOSPITAL},
            **{f"hospital_cost{k}_gbp": None if v is None else round(v, 2) for k, v in hospital.items()},
            "income_per_weighted_gbp": round(total_income / weighted, 2),
            "staff_cost_per_weighted_gbp": None if staff is None else round(staff / weighted, 2),
            "hospital_cost_per_weighted_gbp": None if hospital[""] is None else round(hospital[""] / weighted, 2),
            "measured_days": (r.data.last_day - r.data.first_day).days + 1,
        })
    return pa.Table.from_pylist(rows)


SUMMARY_COLUMNS = ("income_gbp", "staff_cost_gbp", "balance_gbp", "hospital_cost_gbp", "income_per_weighted_gbp",
                   "staff_cost_per_weighted_gbp", "hospital_cost_per_weighted_gbp", "emergency_admissions_per_year",
                   "a_and_e_attendances_per_year", "outpatient_referrals_per_year")


def by_model(rows: pa.Table) -> pa.Table:
    """Each model's (in a sweep, each setting and model's) mean over its replications and the 95% interval
    (Student t) of each figure."""
    from carenet.twin.experiments.intervals import t_interval  # noqa: PLC0415

    out = []
    groups = list(dict.fromkeys(zip(rows["setting"].to_pylist(), rows["model"].to_pylist(), strict=True)))
    for setting, model in groups:
        mine = rows.filter(pc.and_(pc.equal(rows["setting"], setting), pc.equal(rows["model"], model)))
        entry: dict[str, object] = {"setting": setting, "model": model, "replications": mine.num_rows,
                                    "registered": mine["registered"][0].as_py(),
                                    "weighted": mine["weighted"][0].as_py()}
        for column in SUMMARY_COLUMNS:
            values = np.array([v for v in mine[column].to_pylist() if v is not None], dtype=np.float64)
            if values.size == 0:
                entry[column], entry[f"{column}_lo"], entry[f"{column}_hi"] = None, None, None
                continue
            mean, lo, hi, _ = t_interval(values)
            entry[column] = round(mean, 2)
            entry[f"{column}_lo"] = None if np.isnan(lo) else round(lo, 2)
            entry[f"{column}_hi"] = None if np.isnan(hi) else round(hi, 2)
        out.append(entry)
    return pa.Table.from_pylist(out)
