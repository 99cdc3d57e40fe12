"""Everything fixed for the length of a model run: the network the model is laid over, demand and programmes.

:func:`prepare` lays the model over the population (:func:`carenet.network.lay_over`) and adds what
only a simulated year needs - calibrated demand, the run's effects, planned proactive work and care
plans - as a :class:`Setup` that the booking policy, the outcome model and the steps of
:mod:`carenet.twin.model_steps` share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from carenet.care import (
    CARE_PLAN_ROWS,
    PROACTIVE_NEEDS,
    KeyWorkers,
    PatientAttributes,
    cohort_mask,
    plan_care_plans,
    plan_case_management,
    plan_reviews,
)
from carenet.models.spec import DeliveryModel
from carenet.network import Network, NetworkSettings, lay_over
from carenet.network.panels import Panels
from carenet.network.staffing import Staffing
from carenet.schema.roles import ROLE_CODES
from carenet.twin.demand import DemandModel, build_demand
from carenet.twin.effects import Effects
from carenet.twin.settings import TwinSettings, twin_settings


@dataclass
class Setup(Network):
    """A delivery model laid over a population, with the run's demand, effects and programmes."""

    twin: TwinSettings
    effects: Effects
    demand: DemandModel
    proactive_needs: pa.Table
    care_plans: pa.Table


def _key_workers(staff: Staffing) -> KeyWorkers:
    practice = staff.array("practice")
    return KeyWorkers(clinician=np.arange(len(staff)), role=np.asarray([ROLE_CODES[r] for r in staff.role]),
                      practice=practice, team=staff.array("team"), fte=staff.array("fte"))


def prepare(model: DeliveryModel, tables: Mapping[str, pa.Table], start: dt.date, days: int, effects: Effects,
            seed: np.random.SeedSequence, booking_mode: str = "compiled", settings: TwinSettings | None = None,
            network_settings: NetworkSettings | None = None) -> Setup:
    """Lay ``model`` over the population ``tables`` for ``days`` working days from ``start``.

    ``seed`` is the set-up's own seed sequence: the network layer and the programmes each draw from
    a stream spawned from it.
    """
    settings = settings or twin_settings()
    network_settings = network_settings or NetworkSettings.from_parameters()
    network_seed, programme_seed = seed.spawn(2)
    demand_of: dict[str, DemandModel] = {}

    def workload(frame) -> np.ndarray:
        demand_of["demand"] = build_demand(frame, settings.demand, effects.repeat_contact_probability,
                                           model.entry.channels)
        return demand_of["demand"].expected_contacts

    horizon = max(model.booking.horizon_days, settings.demand.urgent_within_days) + 1 + int(
        settings.demand.not_before_high.max(initial=0))  # the latest day a request made on the last day may want
    network = lay_over(model, tables, start, days, network_settings, network_seed, workload=workload,
                       extra_days=horizon, booking_mode=booking_mode)
    rng = np.random.default_rng(programme_seed)
    needs = _proactive_needs(model, network.attributes, days, settings, rng)
    plans = _care_plans(model, network.attributes, network.staff, network.panels, rng)
    fields = {name: getattr(network, name) for name in Network.__dataclass_fields__}
    return Setup(**fields, twin=settings, effects=effects, demand=demand_of["demand"], proactive_needs=needs,
                 care_plans=plans)


def _proactive_needs(model: DeliveryModel, attributes: PatientAttributes, days: int, settings: TwinSettings,
                     rng: np.random.Generator) -> pa.Table:
    window = model.booking.horizon_days
    parts = [PROACTIVE_NEEDS.empty_table()]
    year = settings.calendar.working_days_per_year
    if model.proactive.annual_review is not None:
        for first_day in range(0, days, year):  # one round of reviews per year of the run
            plan = plan_reviews(attributes, model.proactive.annual_review, year, window, rng)
            columns = {name: plan.column(name).to_numpy() for name in PROACTIVE_NEEDS.names}
            columns["day"] = columns["day"] + first_day
            columns["deadline"] = columns["deadline"] + first_day
            inside = columns["day"] < days
            parts.append(pa.table({k: v[inside] for k, v in columns.items()}, schema=PROACTIVE_NEEDS))
    if model.proactive.case_management:
        parts.append(plan_case_management(attributes, model.proactive.case_management, days,
                                          settings.calendar.working_days_per_year, window, rng))
    needs = pa.concat_tables(parts)
    return needs.take(np.argsort(needs.column("day").to_numpy(), kind="stable"))


def _care_plans(model: DeliveryModel, attributes: PatientAttributes, staff: Staffing, panels: Panels,
                rng: np.random.Generator) -> pa.Table:
    if model.proactive.care_plans is None:
        return CARE_PLAN_ROWS.empty_table()
    return plan_care_plans(attributes, model.proactive.care_plans, _key_workers(staff), rng, patient_team=panels.team)


def proactive_patients(setup: Setup) -> np.ndarray:
    """Patients under a care plan or a case-management programme from the start of the run."""
    flag = np.zeros(len(setup.frame), bool)
    flag[setup.care_plans.column("patient").to_numpy()] = True
    for programme in setup.model.proactive.case_management:
        flag |= cohort_mask(programme.cohort, setup.attributes)
    return flag


__all__ = ["Setup", "prepare", "proactive_patients"]
