"""The care engines: batch-first pure functions over NumPy arrays and Arrow tables.

* booking — ``allocate(requests, diary, costs, mode)``, ``booking_gap``; inputs ``Diary``,
  ``BookingRequests``, ``BookingCosts`` (:mod:`carenet.care.booking`)
* entry and triage — ``RoutingTable.build``, ``triage``, ``first_contact_modes`` (:mod:`carenet.care.triage`)
* proactive care — ``plan_reviews``, ``plan_case_management``, ``plan_care_plans``, ``care_plans_table``
  (:mod:`carenet.care.proactive`)
* panels — ``assign_panels`` (:mod:`carenet.care.panels`)
* community — ``Directory``, ``social_prescribe`` (:mod:`carenet.care.community`)
* hub and capacity — ``hub_lanes``, ``hub_requests``, ``daily_slots``, ``split_long_slots``
* patients — ``PatientAttributes``, ``cohort_mask`` (:mod:`carenet.care.patients`)

Behavioural numbers (routing accuracy, continuity values, take-up …) are always arguments.
"""

from carenet.care.booking import Allocation, BookingGap, allocate, booking_gap, request_costs, violations
from carenet.care.booking_inputs import (
    NO_CLINICIAN,
    NO_HUB,
    NO_TEAM,
    BookingCosts,
    BookingInputError,
    BookingRequests,
    Diary,
    hub_site,
    role_mask,
)
from carenet.care.capacity import CapacityInputError, daily_slots, split_long_slots
from carenet.care.community import NO_SERVICE, CommunityInputError, Directory, SocialPrescribing, social_prescribe
from carenet.care.hub import HubLanes, hub_lanes, hub_requests
from carenet.care.panels import NO_PANEL, PanelAssignment, PanelInputError, assign_panels
from carenet.care.patients import (
    FRAILTY_CATEGORIES,
    NO_HOUSEHOLD,
    REGISTER_CODES,
    PatientAttributes,
    PatientInputError,
    cohort_mask,
)
from carenet.care.proactive import (
    CARE_PLAN_ROWS,
    PROACTIVE_NEEDS,
    STEPS,
    KeyWorkers,
    ProactiveInputError,
    care_plans_table,
    plan_care_plans,
    plan_case_management,
    plan_reviews,
)
from carenet.care.triage import NO_ROLE, RoutingTable, Triage, TriageInputError, first_contact_modes, triage

__all__ = [
    "CARE_PLAN_ROWS", "FRAILTY_CATEGORIES", "NO_CLINICIAN", "NO_HOUSEHOLD", "NO_HUB", "NO_PANEL", "NO_ROLE",
    "NO_SERVICE", "NO_TEAM", "PROACTIVE_NEEDS", "REGISTER_CODES", "STEPS", "Allocation", "BookingCosts",
    "BookingGap", "BookingInputError", "BookingRequests", "CapacityInputError", "CommunityInputError", "Diary",
    "Directory", "HubLanes", "KeyWorkers", "PanelAssignment", "PanelInputError", "PatientAttributes",
    "PatientInputError", "ProactiveInputError", "RoutingTable", "SocialPrescribing", "Triage", "TriageInputError",
    "allocate", "assign_panels", "booking_gap", "care_plans_table", "cohort_mask", "daily_slots",
    "first_contact_modes", "hub_lanes", "hub_requests", "hub_site", "plan_care_plans", "plan_case_management",
    "plan_reviews", "request_costs", "role_mask", "social_prescribe", "split_long_slots", "triage", "violations",
]
