"""The spellings clinical-system exports use, mapped to the canonical codes of ``schema``.

Keys are in the form :func:`carenet.sources.extract_parse.normalise_token` gives them (lower case,
punctuation and spaces collapsed to one space), so ``DNA``, ``D.N.A.``, ``did_not_attend`` and
``Did Not Attend`` all meet the same key. Every canonical code is also accepted as itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from carenet.schema.codes import APPOINTMENT_STATUSES, MODES, NEED_TYPES, SEXES, URGENCIES
from carenet.schema.roles import ROLES


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def _vocabulary(codes: Iterable[str], synonyms: Mapping[str, Iterable[str]]) -> dict[str, str]:
    vocab = {_key(code): code for code in codes}
    for code, spellings in synonyms.items():
        for spelling in spellings:
            vocab[_key(spelling)] = code
    return vocab


STATUS = _vocabulary(APPOINTMENT_STATUSES, {
    "attended": ("Attended", "Seen", "Finished", "Completed", "Arrived", "Consulted", "Fulfilled", "Visited"),
    "did_not_attend": ("DNA", "D.N.A.", "Did Not Attend", "Did not arrive", "No show", "Noshow", "Missed",
                       "Failed to attend", "FTA", "Not attended", "Patient did not attend"),
    "cancelled": ("Cancelled", "Canceled", "Cancelled by patient", "Cancelled by practice", "Cancelled by unit",
                  "Patient cancelled", "Practice cancelled", "Cancelled by clinician"),
    "booked": ("Booked", "Pending", "Scheduled", "Future", "Not yet attended", "Awaiting", "Slot booked"),
})
"""Appointment status (``schema.codes.APPOINTMENT_STATUSES``)."""

MODE = _vocabulary(MODES, {
    "face_to_face": ("Face to face", "Face-to-Face", "F2F", "FTF", "In person", "Surgery", "Surgery consultation",
                     "Clinic", "Walk in"),
    "telephone": ("Telephone", "Phone", "Tel", "Telephone consultation", "Phone call", "Telephone call"),
    "video": ("Video", "Video consultation", "Video call", "Video conference"),
    "online": ("Online", "Online consultation", "E-consultation", "eConsult", "Econsultation", "Email",
               "Message", "Text message", "Video/Online"),
    "home_visit": ("Home visit", "Home", "Visit", "Domiciliary visit", "Care home visit"),
})
"""Appointment mode (``schema.codes.MODES``)."""

URGENCY = _vocabulary(URGENCIES, {
    "same_day": ("Same day", "Same-day", "On the day", "On-the-day", "Today", "Book on the day"),
    "urgent": ("Urgent", "Emergency", "Urgent same day", "Triage urgent", "Immediate"),
    "routine": ("Routine", "Pre-bookable", "Prebookable", "Pre bookable", "Non-urgent", "Non urgent",
                "Advance", "Book ahead"),
    "proactive": ("Proactive", "Recall", "Planned review", "Invited", "Practice initiated"),
})
"""Urgency (``schema.codes.URGENCIES``)."""

SEX = _vocabulary(SEXES, {
    "female": ("F", "Female", "Woman", "2"),
    "male": ("M", "Male", "Man", "1"),
    "other": ("Other", "Indeterminate", "I", "X", "Intersex"),
    "unknown": ("U", "Unknown", "Not known", "Not specified", "Not stated", "0", "9"),
})
"""Sex (``schema.codes.SEXES``); the digits are the NHS Data Dictionary person-stated codes."""

NEED_TYPE = _vocabulary(NEED_TYPES, {})
"""Need type (``schema.codes.NEED_TYPES``), accepted only as the canonical codes."""

_ROLE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "gp": ("GP", "Doctor", "GP partner", "Partner", "Salaried GP", "Locum GP", "Locum", "GP registrar",
           "Registrar", "GP trainee", "GP retainer", "Retained GP", "Principal", "Medical practitioner"),
    "anp": ("ANP", "Advanced nurse practitioner", "Nurse practitioner", "Advanced clinical practitioner", "ACP"),
    "practice_nurse": ("Practice nurse", "Nurse", "PN", "Treatment room nurse", "Senior practice nurse"),
    "hca": ("HCA", "Health care assistant", "Healthcare assistant", "Phlebotomist", "Nursing associate",
            "Assistant practitioner"),
    "clinical_pharmacist": ("Pharmacist", "Clinical pharmacist", "Practice pharmacist", "Pharmacy technician"),
    "physician_associate": ("PA", "Physician associate", "Physician assistant"),
    "paramedic": ("Paramedic", "Advanced paramedic", "Community paramedic"),
    "fcp": ("FCP", "First contact physiotherapist", "First contact physio", "Physiotherapist", "Physio",
            "MSK practitioner"),
    "mh_practitioner": ("MHP", "Mental health practitioner", "Mental health worker", "Mental health nurse",
                        "CPN", "Counsellor"),
    "splw": ("SPLW", "Social prescriber", "Social prescribing link worker", "Link worker", "Social prescribing"),
    "hwbc": ("Health coach", "Health and wellbeing coach", "Wellbeing coach", "HWBC"),
    "care_coordinator": ("Care coordinator", "Care co-ordinator", "Care navigator"),
    "admin": ("Admin", "Administrator", "Receptionist", "Reception", "Practice manager", "Secretary"),
}

ROLE = _vocabulary((r.code for r in ROLES), {
    **{r.code: (r.name, *_ROLE_SYNONYMS.get(r.code, ())) for r in ROLES},
})
"""Role (``schema.roles``): catalogue codes, catalogue names and common job titles."""
