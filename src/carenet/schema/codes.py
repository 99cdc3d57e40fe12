"""Code systems shared by every table: need types, urgencies, modes, statuses, sexes.

Kept as plain tuples so that validators, generators and importers agree on one spelling.
"""

from __future__ import annotations

NEED_TYPES: tuple[str, ...] = (
    "acute_minor",
    "acute_complex",
    "ltc_review",
    "mental_health",
    "musculoskeletal",
    "medication",
    "psychosocial",
    "admin_results",
)
"""Episode-of-need types: what a patient needs, independent of who meets it."""

URGENCIES: tuple[str, ...] = ("same_day", "urgent", "routine", "proactive")
"""How soon a need must be met; ``proactive`` marks contacts the practice initiated."""

CHANNELS: tuple[str, ...] = ("telephone", "online", "walk_in", "proactive", "referral")
"""How a request reached the practice."""

MODES: tuple[str, ...] = ("face_to_face", "telephone", "video", "online", "home_visit")
"""How an appointment was delivered."""

APPOINTMENT_STATUSES: tuple[str, ...] = ("booked", "attended", "did_not_attend", "cancelled")

REQUEST_OUTCOMES: tuple[str, ...] = (
    "booked",
    "waiting",
    "abandoned",
    "redirected_111",
    "redirected_utc",
    "redirected_ae",
    "redirected_pharmacy",
)
"""How a request ended: it got an appointment, still waits for a slot when the data end, the patient
gave up, or it was sent (or went) to NHS 111, an urgent treatment centre, A&E or a community pharmacy."""

REDIRECT_OUTCOMES: tuple[str, ...] = tuple(o for o in REQUEST_OUTCOMES if o.startswith("redirected_"))
"""The outcomes that mean the need was met (or not) outside the practice."""

SLOT_TYPES: tuple[str, ...] = ("routine", "on_the_day", "long")
"""Kinds of diary slot: ``routine`` slots can be booked ahead; ``on_the_day`` slots are held (embargoed) and
released for same-day and urgent requests on the day itself; ``long`` slots are longer appointments (reviews of
long-term conditions, complex patients), booked ahead."""

SEXES: tuple[str, ...] = ("female", "male", "other", "unknown")

TEAM_KINDS: tuple[str, ...] = ("practice", "micro_team", "hub", "segment_service", "community")

REFERRAL_KINDS: tuple[str, ...] = ("formal", "informal", "outpatient")

CARE_PLAN_STATUSES: tuple[str, ...] = ("draft", "active", "completed", "revoked")

TASK_STATUSES: tuple[str, ...] = ("open", "done", "cancelled")

SNOMED_SYSTEM = "http://snomed.info/sct"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
CARENET_ID_SYSTEM = "https://carenet.dev/id"
