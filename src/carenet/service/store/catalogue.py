"""Every table of the store: importing this module declares the domains' tables on :data:`METADATA`."""

from carenet.service.access import tables as access_tables
from carenet.service.audit import tables as audit_tables
from carenet.service.auth import tables as auth_tables
from carenet.service.booking import tables as booking_tables
from carenet.service.careplans import tables as careplan_tables
from carenet.service.careteam import tables as careteam_tables
from carenet.service.people import tables as people_tables
from carenet.service.referrals import tables as referral_tables
from carenet.service.socialrx import tables as socialrx_tables
from carenet.service.store.tables import CANONICAL, METADATA
from carenet.service.tasks import tables as task_tables
from carenet.service.threads import tables as thread_tables
from carenet.service.worklists import tables as worklist_tables

DOMAIN_MODULES = (people_tables, auth_tables, audit_tables, access_tables, booking_tables, careteam_tables,
                  careplan_tables, thread_tables, referral_tables, task_tables, socialrx_tables, worklist_tables)

__all__ = ["CANONICAL", "DOMAIN_MODULES", "METADATA"]
