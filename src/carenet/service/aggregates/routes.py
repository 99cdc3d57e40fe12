"""Routes of the analysts' aggregates: ``GET /aggregates/practices``, counts with no patient in them.

A network analyst (with the ``system/Aggregate.read`` scope) sees, for each practice of their network, the
registered population by segment, risk tier and complexity, and the patients on each case-finding
worklist, every count suppressed when small and rounded otherwise. No patient identifier is read
out of the measures; the request is audited as a search of no patient's record.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from carenet.service.aggregates.logic import Disclosure, network_practices, shown, true_counts
from carenet.service.api import App, Connection, Who, require_role
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.scopes import permits
from carenet.service.worklists.logic import local_now

router = APIRouter(prefix="/aggregates", tags=["aggregates"])
AGGREGATE_ROLES = ("network_analyst",)


@router.get("/practices")
def by_practice(who: Who, app: App, conn: Connection) -> dict:
    """Counts by practice of your network: population by segment, risk tier and complexity, and worklists;
    counts from 1 to the suppression limit are null, the rest rounded."""
    require_role(who, AGGREGATE_ROLES, "the network's aggregates")
    if not permits(who.scopes, "Aggregate", "read"):
        raise HTTPException(403, "the session's scopes do not allow read of Aggregate")
    if who.network_id is None:
        raise HTTPException(403, "aggregates are a network's; your account belongs to no network")
    today = local_now(app.clock(), app.settings).date()
    practices = network_practices(conn, who.network_id)
    disclose = Disclosure.of(app.settings)
    counts, unavailable = true_counts(conn, practices, today, app.settings)
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Patient", None, "search", "allowed",
                            "aggregates", f"disclosure-controlled counts of network {who.network_id}'s "
                                          f"{len(practices)} practices"))
    return {"network_id": who.network_id, "as_of": today.isoformat(),
            "disclosure": {"suppressed": f"counts from 1 to {disclose.max_suppressed} are null",
                           "rounded_to": disclose.rounding_base,
                           "source": "parameters.yaml service.aggregates"},
            "practices": shown(counts, disclose), "unavailable": unavailable}


__all__ = ["AGGREGATE_ROLES", "router"]
