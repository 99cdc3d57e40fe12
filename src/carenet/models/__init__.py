"""The delivery-model library: a typed specification and one declarative YAML file per model.

API: ``load_model(name_or_path) -> DeliveryModel``, ``list_models() -> list[str]``,
``check_model_file(path) -> DeliveryModel``, ``library_path(name)``, :class:`ModelError`, and the spec
classes (``DeliveryModel``, ``Cohort`` …) in :mod:`carenet.models.spec`. Staffing a network with a model
is the network layer's (:mod:`carenet.network.staffing`).
"""

from carenet.models.library import ModelError, check_model_file, library_path, list_models, load_model
from carenet.models.spec import (
    FRAILTY_CATEGORIES,
    RISK_TIERS,
    AnnualReview,
    Booking,
    CarePlans,
    CaseManagement,
    Cohort,
    Community,
    DeliveryModel,
    DirectoryEntry,
    Entry,
    Hub,
    HubRole,
    LongAppointments,
    Panels,
    Proactive,
    RoleStaffing,
    Scale,
    SegmentAccess,
    Team,
    TeamMember,
    Workforce,
)

__all__ = [
    "FRAILTY_CATEGORIES", "RISK_TIERS", "AnnualReview", "Booking", "CarePlans", "CaseManagement", "Cohort", "Community",
    "DeliveryModel", "DirectoryEntry", "Entry", "Hub", "HubRole", "LongAppointments", "ModelError", "Panels",
    "Proactive", "RoleStaffing", "Scale", "SegmentAccess", "Team", "TeamMember", "Workforce", "check_model_file",
    "library_path", "list_models", "load_model",
]
