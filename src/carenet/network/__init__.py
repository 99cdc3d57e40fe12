"""The network layer: a delivery model laid over a network's practices, callable for a year or one request.

Between the declarative model (:mod:`carenet.models`) with the care engines (:mod:`carenet.care`)
and the digital twin (:mod:`carenet.twin`): everything that turns "this model on these practices"
into people, days and slots - staffing with part-time people on named days, the rota (leave,
study leave, sickness, bank holidays), diaries with slots held for the day, panels and named
clinicians, patients' choice of GP, routing and triage, and continuity-aware booking.

API:

* ``lay_over(model, tables, start, days, settings, seed, ...) -> Network``;
* :class:`NetworkSettings` (``NetworkSettings.from_parameters()``): every figure, built once, passed in;
* :class:`NetworkBooking` (``carenet.network.booking``): triage, route and book a batch of requests
  - a day of a simulated year, or a single request of a live service;
* building blocks: :func:`build_staffing` / :func:`staff_network`, :func:`presence`,
  :func:`bank_holidays`, :class:`WorkingCalendar`, :class:`PatientFrame`, :class:`RequestBatch`.
"""

from carenet.network.calendar import WorkingCalendar
from carenet.network.layout import Network, bookable_roles, lay_over
from carenet.network.patients import PatientFrame, PopulationError
from carenet.network.requests import Bookings, RequestBatch, make_batch
from carenet.network.rota import bank_holidays, presence
from carenet.network.settings import NetworkSettings
from carenet.network.staffing import Staffing, StaffingError, build_staffing, staff_network

__all__ = [
    "Bookings", "Network", "NetworkSettings", "PatientFrame", "PopulationError", "RequestBatch", "Staffing",
    "StaffingError", "WorkingCalendar", "bank_holidays", "bookable_roles", "build_staffing", "lay_over",
    "make_batch", "presence", "staff_network",
]
