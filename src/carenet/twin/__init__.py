"""The digital twin: calibrated demand, a day-stepping engine that drives the care engines, and effects.

API:

* ``run_model(model, tables, start=, days=, seed=, effects=, booking_mode=)`` -> :class:`TwinRun`;
  ``write_run(run, folder)`` writes it as a canonical dataset with ``run.json``;
  ``run_tables(run)`` / ``run_manifest(run)`` / ``run_summary(run)`` give the parts in memory.
* :class:`Effects` - the behavioural effects a run assumes (``Effects.from_parameters()``,
  ``.replace(...)``, ``.none()``, ``.describe()``).
* Reference workload R1: ``run_r1(practices, seed)``, ``r1_metrics(record, population)``,
  ``r1_engine(practices)``.
* Building blocks: :class:`Engine`, :class:`WorkingCalendar`, ``build_demand`` /
  :class:`CalibratedDemand`, :class:`PatientFrame`, ``twin_settings()``.
"""

from carenet.network.calendar import WorkingCalendar
from carenet.network.patients import PatientFrame, PopulationError
from carenet.twin.demand import CalibratedDemand, DemandModel, build_demand
from carenet.twin.effects import EffectError, Effects
from carenet.twin.engine import Engine
from carenet.twin.ledger import RunRecord
from carenet.twin.output import RUN_FILE, run_manifest, run_summary, run_tables, write_run
from carenet.twin.r1 import R1, R1Spec, r1_engine, r1_metrics, run_r1
from carenet.twin.run import BOOKING_MODES, TwinError, TwinRun, run_model
from carenet.twin.settings import twin_settings

__all__ = [
    "BOOKING_MODES", "R1", "RUN_FILE", "CalibratedDemand", "DemandModel", "EffectError", "Effects", "Engine",
    "PatientFrame", "PopulationError", "R1Spec", "RunRecord", "TwinError", "TwinRun", "WorkingCalendar",
    "build_demand", "r1_engine", "r1_metrics", "run_manifest", "run_model", "run_r1", "run_summary", "run_tables",
    "twin_settings", "write_run",
]
