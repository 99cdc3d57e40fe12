"""SNOMED CT concepts of social prescribing, and the check that a code is a well-formed SNOMED CT concept id.

The national codes for social prescribing in English general practice, with the state of the loop each records:

* ``871731000000106`` |Referral to social prescribing service| - recorded when a patient is referred;
* ``871711000000103`` |Social prescribing declined| - recorded when the patient declines.

Sources: both ids with their terms in socialrx.co.uk, "What are the social prescribing SNOMED codes and why are
they important?" (the national codes NHS England asks link workers and practices to use); the referral concept with
the same term in a public GP-record code set of an NHS secure data environment ("social-care-prescribing-referral").
Check them against the NHS England SNOMED CT browser (termbrowser.nhs.uk) before relying on them elsewhere.

Outcomes are recorded with the SNOMED CT concept the link worker chooses (a finding or procedure of the UK
edition): the service checks the id is a well-formed concept id (Verhoeff check digit, concept partition) and keeps
the term given with it; it holds no outcome list of its own.
"""

from __future__ import annotations

REFERRED = ("871731000000106", "Referral to social prescribing service")
DECLINED = ("871711000000103", "Social prescribing declined")

_D = ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 2, 3, 4, 0, 6, 7, 8, 9, 5), (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
      (3, 4, 0, 1, 2, 8, 9, 5, 6, 7), (4, 0, 1, 2, 3, 9, 5, 6, 7, 8), (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
      (6, 5, 9, 8, 7, 1, 0, 4, 3, 2), (7, 6, 5, 9, 8, 2, 1, 0, 4, 3), (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
      (9, 8, 7, 6, 5, 4, 3, 2, 1, 0))
_P = ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9), (1, 5, 7, 6, 2, 8, 3, 0, 9, 4), (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
      (8, 9, 1, 6, 0, 4, 3, 5, 2, 7), (9, 4, 5, 3, 1, 2, 6, 8, 7, 0), (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
      (2, 7, 9, 3, 8, 0, 6, 4, 1, 5), (7, 0, 4, 6, 9, 1, 3, 2, 5, 8))
"""Verhoeff's dihedral-group multiplication and permutation tables (SNOMED CT identifiers' check digit)."""
CONCEPT_PARTITIONS = ("00", "10")
"""Partition identifiers of concept ids (short and long format): the second and third digits from the right."""
MIN_DIGITS, MAX_DIGITS = 6, 18
"""A SNOMED CT identifier has 6 to 18 digits."""


def verhoeff_ok(digits: str) -> bool:
    """Whether the last digit of ``digits`` is their Verhoeff check digit."""
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(ch)]]
    return check == 0


def concept_problem(code: str) -> str | None:
    """Why ``code`` is not a well-formed SNOMED CT concept id, or None if it is."""
    if not code.isdigit() or not MIN_DIGITS <= len(code) <= MAX_DIGITS or code[0] == "0":
        return f"{code!r} is not a SNOMED CT id (6 to 18 digits, no leading zero)"
    if code[-3:-1] not in CONCEPT_PARTITIONS:
        return f"{code!r} is a SNOMED CT id of a description or relationship, not of a concept"
    if not verhoeff_ok(code):
        return f"{code!r} fails the SNOMED CT check digit (Verhoeff): a digit is wrong"
    return None


__all__ = ["CONCEPT_PARTITIONS", "DECLINED", "REFERRED", "concept_problem", "verhoeff_ok"]
