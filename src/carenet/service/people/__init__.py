"""People of the service: staff with roles, patients and carers, as user accounts."""

from carenet.service.people.roles import SERVICE_ROLES, STAFF_ROLES, ServiceRole, service_role
from carenet.service.people.tables import USERS

__all__ = ["SERVICE_ROLES", "STAFF_ROLES", "USERS", "ServiceRole", "service_role"]
