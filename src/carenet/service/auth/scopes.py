"""SMART-style scopes: ``context/Resource.permission``, e.g. ``user/Patient.read``, ``patient/*.read``.

``context`` is ``user`` (what the logged-in user may see), ``patient`` (one patient's own record)
or ``system``; ``Resource`` a FHIR resource type or ``*``; ``permission`` ``read``, ``write`` or
``*``. A token holds the scopes asked for that its account's role allows (all of them when none
are asked for). Scopes cap what a token may do; the access policies
(:mod:`carenet.service.access`) still decide which patients' data it may touch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from carenet.schema.errors import CarenetError

_SCOPE = re.compile(r"^(user|patient|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)$")
READ, WRITE = "read", "write"


class ScopeError(CarenetError):
    """A scope that is not of the form context/Resource.permission, or one the account may not have."""


@dataclass(frozen=True)
class Scope:
    context: str
    resource: str
    permission: str

    def __str__(self) -> str:
        return f"{self.context}/{self.resource}.{self.permission}"

    def covers(self, other: Scope) -> bool:
        return (self.context == other.context and self.resource in ("*", other.resource)
                and self.permission in ("*", other.permission))


def parse_scopes(text: str) -> tuple[Scope, ...]:
    """Space-separated scopes; a malformed one is an error naming it."""
    out = []
    for word in text.split():
        match = _SCOPE.match(word)
        if not match:
            raise ScopeError(f"scope {word!r} is not of the form context/Resource.permission (e.g. user/Patient.read)")
        out.append(Scope(*match.groups()))
    return tuple(out)


_CLINICAL = "user/*.read user/*.write"
ROLE_SCOPES: dict[str, str] = {
    "gp": _CLINICAL, "nurse": _CLINICAL, "anp": _CLINICAL, "pharmacist": _CLINICAL, "link_worker": _CLINICAL,
    "care_coordinator": _CLINICAL,
    "receptionist": "user/Patient.* user/Appointment.* user/Slot.read user/Schedule.read user/ServiceRequest.* "
                    "user/Consent.* user/Practitioner.read user/PractitionerRole.read user/Organization.read",
    "practice_manager": "user/Practitioner.* user/PractitionerRole.* user/Organization.read user/Schedule.* "
                        "user/Slot.read user/Consent.* user/AuditEvent.read user/CareTeam.write user/Patient.read "
                        "user/Task.*",
    "network_analyst": "system/Aggregate.read",
    "network_admin": "user/Practitioner.* user/PractitionerRole.* user/Organization.* user/AuditEvent.read "
                     "user/CareTeam.write",
    "patient": "patient/*.read patient/Appointment.write patient/ServiceRequest.write patient/Communication.write "
               "patient/Consent.write patient/CarePlan.write",
    "carer": "patient/*.read patient/Communication.write",
}
"""The most each role's tokens may hold."""


def allowed_scopes(role: str, requested: str | None) -> tuple[Scope, ...]:
    """The scopes a token of ``role`` gets for ``requested`` (None or empty: everything the role allows)."""
    ceiling = parse_scopes(ROLE_SCOPES[role])
    if not requested or not requested.strip():
        return ceiling
    asked = parse_scopes(requested)
    refused = [str(s) for s in asked if not any(c.covers(s) for c in ceiling)]
    if refused:
        raise ScopeError(f"a {role} may not hold {', '.join(refused)}; allowed: {ROLE_SCOPES[role]}")
    return asked


def permits(scopes: tuple[Scope, ...], resource: str, permission: str) -> bool:
    """Whether any of ``scopes`` allows ``permission`` on ``resource`` (in any context)."""
    return any(s.resource in ("*", resource) and s.permission in ("*", permission) for s in scopes)


__all__ = ["READ", "ROLE_SCOPES", "WRITE", "Scope", "ScopeError", "allowed_scopes", "parse_scopes", "permits"]
