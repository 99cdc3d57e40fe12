"""Every table of the store: importing this module declares the domains' tables on :data:`METADATA`."""

from carenet.service.access import tables as access_tables
from carenet.service.audit import tables as audit_tables
from carenet.service.auth import tables as auth_tables
from carenet.service.booking import tables as booking_tables
from carenet.service.people import tables as people_tables
from carenet.service.store.tables import CANONICAL, METADATA

DOMAIN_MODULES = (people_tables, auth_tables, audit_tables, access_tables, booking_tables)

__all__ = ["CANONICAL", "DOMAIN_MODULES", "METADATA"]
