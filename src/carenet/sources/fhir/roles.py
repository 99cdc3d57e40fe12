"""Map a PractitionerRole code or a Practitioner qualification to carenet's role catalogue.

Three rules, in order: a coding in carenet's own role system is taken as it is; a standard code
from :data:`ROLE_BY_CODE` is looked up; otherwise the words of the coding displays and text are
matched against :data:`ROLE_KEYWORDS` (most specific first). No match leaves the role unknown and the
importer applies its configured default.

Codes are tagged as in ``schema/codelists.py``: ``M`` = a well-known code quoted from memory, not yet
checked against a terminology server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from carenet.schema.roles import ROLES_BY_CODE
from carenet.sources.fhir.vocabulary import ROLE_SYSTEM, SNOMED_SYSTEM

_DEGREE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v2-0360"

ROLE_BY_CODE: dict[tuple[str, str], tuple[str, str]] = {
    (SNOMED_SYSTEM, "62247001"): ("gp", "M"),            # Family medicine specialist
    (SNOMED_SYSTEM, "158965000"): ("gp", "M"),           # Medical practitioner
    (SNOMED_SYSTEM, "309343006"): ("gp", "M"),           # Physician
    (SNOMED_SYSTEM, "224571005"): ("anp", "M"),          # Nurse practitioner
    (SNOMED_SYSTEM, "224535009"): ("practice_nurse", "M"),  # Registered nurse
    (SNOMED_SYSTEM, "46255001"): ("clinical_pharmacist", "M"),  # Pharmacist
    (SNOMED_SYSTEM, "36682004"): ("fcp", "M"),           # Physiotherapist
    (SNOMED_SYSTEM, "397897005"): ("paramedic", "M"),    # Paramedic
    (SNOMED_SYSTEM, "449161006"): ("physician_associate", "M"),  # Physician assistant
    (_DEGREE_SYSTEM, "MD"): ("gp", "M"),
    (_DEGREE_SYSTEM, "NP"): ("anp", "M"),
    (_DEGREE_SYSTEM, "RN"): ("practice_nurse", "M"),
    (_DEGREE_SYSTEM, "PA"): ("physician_associate", "M"),
    (_DEGREE_SYSTEM, "PharmD"): ("clinical_pharmacist", "M"),
}
"""Standard codes with an unambiguous carenet role, and the evidence tag of each."""

ROLE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("advanced nurse practitioner", "anp"), ("nurse practitioner", "anp"),
    ("health care assistant", "hca"), ("healthcare assistant", "hca"), ("healthcare support worker", "hca"),
    ("physician associate", "physician_associate"), ("physician assistant", "physician_associate"),
    ("general practitioner", "gp"), ("general medical practitioner", "gp"), ("family medicine", "gp"),
    ("mental health", "mh_practitioner"), ("link worker", "splw"), ("social prescrib", "splw"),
    ("wellbeing coach", "hwbc"), ("health coach", "hwbc"),
    ("care co-ordinator", "care_coordinator"), ("care coordinator", "care_coordinator"),
    ("pharmacist", "clinical_pharmacist"), ("physiotherapist", "fcp"), ("paramedic", "paramedic"),
    ("practice nurse", "practice_nurse"), ("nurse", "practice_nurse"),
    ("receptionist", "admin"), ("administrator", "admin"), ("practice manager", "admin"),
)
"""Phrases in a role's display or text and the role they name; the first match wins."""


def role_from_concepts(concepts: Iterable[dict[str, Any] | None]) -> str | None:
    """The carenet role named by any of ``concepts`` (FHIR CodeableConcept dicts), or None."""
    words: list[str] = []
    for concept in concepts:
        if not concept:
            continue
        for coding in concept.get("coding") or ():
            system, code = coding.get("system"), coding.get("code")
            if system == ROLE_SYSTEM and code in ROLES_BY_CODE:
                return code
            known = ROLE_BY_CODE.get((system, code))
            if known is not None:
                return known[0]
            if coding.get("display"):
                words.append(coding["display"].lower())
        if concept.get("text"):
            words.append(concept["text"].lower())
    for phrase in words:
        for keyword, role in ROLE_KEYWORDS:
            if keyword in phrase:
                return role
    return None
