"""Access policies as data, evaluated for every request that touches a patient's data.

A policy says which roles, standing in which relationship to the patient, may do which actions on
which resources, and what must also hold (a data-sharing agreement, the patient's consents, a
break-glass reason). A request is allowed by the first policy that matches; otherwise it is
denied, with the reason of the closest policy. The relationships:

* ``own_practice`` - staff of the patient's registered practice;
* ``network`` - staff of another practice of the patient's network, or network-wide staff;
* ``care_team`` - the patient's named clinician, a member of the team holding their panel, the
  key worker of one of their care plans, or a professional added to their care team (``care_team_members``);
* ``self`` - the patient's own account; ``carer_of`` - a carer's account for the patient;
* ``any`` - anyone (break-glass).

Analysts see no patient's record: only pseudonymised aggregates (``Aggregate``).
"""

from __future__ import annotations

from dataclasses import dataclass

CLINICAL = ("gp", "nurse", "anp", "pharmacist", "link_worker", "care_coordinator")
PATIENT_RESOURCES = ("Patient", "Condition", "Appointment", "CarePlan", "CareTeam", "Communication",
                     "ServiceRequest", "Task", "Consent", "AuditEvent")
"""Resource types that hold a patient's data."""
PATIENT_VISIBLE = ("Patient", "Condition", "Appointment", "CarePlan", "CareTeam", "Communication", "ServiceRequest",
                   "Consent", "AuditEvent")
"""What patients see of their own record (tasks between professionals are the professionals')."""
RELATIONSHIPS = ("own_practice", "network", "care_team", "self", "carer_of", "any")
CONDITIONS = ("agreement", "share_out", "share_in", "carer_consent", "break_glass_reason")


@dataclass(frozen=True)
class Policy:
    name: str
    roles: tuple[str, ...]
    relationship: str
    resources: tuple[str, ...]
    actions: tuple[str, ...]
    requires: tuple[str, ...] = ()
    break_glass: bool = False
    description: str = ""


POLICIES: tuple[Policy, ...] = (
    Policy("own-practice-clinician", CLINICAL, "own_practice", PATIENT_RESOURCES, ("read", "write"),
           description="a clinician sees and records for the patients of their practice"),
    Policy("care-team", CLINICAL, "care_team", PATIENT_RESOURCES, ("read", "write"),
           description="care-team members see the patients whose team they are on"),
    Policy("shared-record", CLINICAL, "network", PATIENT_RESOURCES, ("read",),
           ("agreement", "share_out", "share_in"),
           description="a clinician of another practice of the network reads the record under a data-sharing "
                       "agreement and the patient's share-out and share-in consent"),
    Policy("own-practice-reception", ("receptionist",), "own_practice", ("Patient", "Appointment", "ServiceRequest"),
           ("read", "write"),
           description="reception and care navigation see demographics, appointments and requests of their "
                       "practice's patients"),
    Policy("own-practice-consent", ("receptionist", "practice_manager"), "own_practice", ("Consent",),
           ("read", "write"), description="the practice records its patients' consents"),
    Policy("practice-recall-lists", ("practice_manager",), "own_practice", ("Patient",), ("read",),
           description="a practice manager lists the practice's patients on its proactive worklists (who is due, "
                       "not their health record)"),
    Policy("practice-recalls", ("practice_manager",), "own_practice", ("Task",), ("read", "write"),
           description="a practice manager invites the patients a worklist finds (a recall task)"),
    Policy("practice-panels", ("practice_manager",), "own_practice", ("CareTeam",), ("write",),
           description="a practice manager moves the practice's patients between its panels (rebalancing)"),
    Policy("network-panels", ("network_admin",), "network", ("CareTeam",), ("write",),
           description="a network administrator moves patients between the panels of the network's practices"),
    Policy("own-record", ("patient",), "self", PATIENT_VISIBLE, ("read",),
           description="a patient reads their own record, and who has accessed it"),
    Policy("own-record-requests", ("patient",), "self", ("Appointment", "ServiceRequest", "Communication",
                                                         "Consent"), ("write",),
           description="a patient books, asks, writes to their team and gives or withdraws consent"),
    Policy("own-care-plan-goals", ("patient",), "self", ("CarePlan",), ("write",),
           description="a patient edits the goals of their own care plan (the care-plan routes let clinicians make "
                       "and revise the rest)"),
    Policy("carer", ("carer",), "carer_of", PATIENT_VISIBLE, ("read",), ("carer_consent",),
           description="a carer reads what the patient has consented to share with them"),
    Policy("carer-thread", ("carer",), "carer_of", ("Communication",), ("write",), ("carer_consent",),
           description="a carer writes to the patient's team thread when the patient shares the thread with them"),
    Policy("break-glass", CLINICAL, "any", PATIENT_RESOURCES, ("read",), ("break_glass_reason",), True,
           description="a clinician reads any record in an emergency, giving a reason; flagged for review"),
)


def render_policies() -> str:
    """The policies as a Markdown table (docs/service.md)."""
    rows = ["| policy | roles | relationship | resources | actions | also needs |", "|---|---|---|---|---|---|"]
    for p in POLICIES:
        resources = "all patient data" if p.resources == PATIENT_RESOURCES else ", ".join(p.resources)
        rows.append(f"| `{p.name}` | {', '.join(p.roles)} | {p.relationship} | {resources} | "
                    f"{', '.join(p.actions)} | {', '.join(p.requires) or '-'} |")
    return "\n".join(rows)


__all__ = ["CLINICAL", "CONDITIONS", "PATIENT_RESOURCES", "PATIENT_VISIBLE", "POLICIES", "Policy",
           "RELATIONSHIPS", "render_policies"]
