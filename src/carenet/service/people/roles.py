"""The service's roles: who an account is, what kind of access it has, and the role catalogue code it books as.

Clinical staff carry their role code from the role catalogue (:mod:`carenet.schema.roles`), so a
GP's account books into a GP's diary; the others are the service's own: reception and care
navigation (the catalogue's administrators), practice managers, network analysts and network
administrators, and patients and carers.
"""

from __future__ import annotations

from dataclasses import dataclass

from carenet.schema.errors import CarenetError


@dataclass(frozen=True)
class ServiceRole:
    """A role of the service: ``kind`` is staff, patient or carer; ``clinical_role`` its catalogue code, if any."""

    code: str
    name: str
    kind: str
    clinical_role: str | None = None


SERVICE_ROLES: tuple[ServiceRole, ...] = (
    ServiceRole("gp", "General practitioner", "staff", "gp"),
    ServiceRole("nurse", "Practice nurse", "staff", "practice_nurse"),
    ServiceRole("anp", "Advanced nurse practitioner", "staff", "anp"),
    ServiceRole("pharmacist", "Clinical pharmacist", "staff", "clinical_pharmacist"),
    ServiceRole("link_worker", "Social-prescribing link worker", "staff", "splw"),
    ServiceRole("care_coordinator", "Care co-ordinator", "staff", "care_coordinator"),
    ServiceRole("receptionist", "Receptionist / care navigator", "staff", "admin"),
    ServiceRole("practice_manager", "Practice manager", "staff"),
    ServiceRole("network_analyst", "Network analyst", "staff"),
    ServiceRole("network_admin", "Network administrator", "staff"),
    ServiceRole("patient", "Patient", "patient"),
    ServiceRole("carer", "Carer", "carer"),
)
ROLES_BY_CODE = {r.code: r for r in SERVICE_ROLES}
STAFF_ROLES = tuple(r.code for r in SERVICE_ROLES if r.kind == "staff")
CLINICAL_TO_SERVICE = {r.clinical_role: r.code for r in SERVICE_ROLES if r.clinical_role}


def service_role(code: str) -> ServiceRole:
    """The role ``code``; an unknown code is an error listing the roles there are."""
    try:
        return ROLES_BY_CODE[code]
    except KeyError:
        raise CarenetError(f"role {code!r} is not a service role; use one of {', '.join(ROLES_BY_CODE)}") from None


__all__ = ["CLINICAL_TO_SERVICE", "ROLES_BY_CODE", "SERVICE_ROLES", "STAFF_ROLES", "ServiceRole", "service_role"]
