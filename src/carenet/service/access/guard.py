"""The one gate to patient data: decide, audit the decision, and refuse with a clear 403/404 if denied.

Every route that reads or writes a patient's data calls :func:`guard` first. The decision is
written to the audit log in the request's transaction; a refusal is an :class:`AuditedRefusal`,
which the request's transaction commits (so the denied attempt stays in the log) before answering.
"""

from __future__ import annotations

from fastapi import HTTPException

from carenet.service.access.decide import Decision, evaluate, gather
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal

WRITE_ACTIONS = {"create": "write", "update": "write", "delete": "write", "read": "read", "search": "read"}


class AuditedRefusal(HTTPException):
    """A refusal whose audit row must be kept: the request's transaction commits it before answering."""


def guard(connection, who: Principal, now, patient_id: str, resource: str, action: str, *,
          resource_id: str | None = None, break_glass_reason: str | None = None,
          roles: tuple[str, ...] | None = None, what: str | None = None) -> Decision:
    """Allow ``who`` to ``action`` (read, search, create, update, delete) ``resource`` of the patient, or refuse.

    ``roles`` narrows an action the policies allow more widely (``what`` names it): asking a colleague's advice is
    for clinicians, though a patient may write ServiceRequests; the refusal is audited like any other.
    """
    facts = gather(connection, who, patient_id, now, break_glass_reason)
    if facts is None:
        decision = Decision(False, None, f"no patient {patient_id!r} in this record")
    elif roles is not None and who.role not in roles:
        decision = Decision(False, None, f"{what or resource} is for {', '.join(roles)}; you are logged in as "
                                         f"{who.role}")
    else:
        decision = evaluate(who.role, who.scopes, facts, resource, WRITE_ACTIONS[action])
    reason = decision.reason if not decision.break_glass else f"{decision.reason}; reason given: {break_glass_reason}"
    record(connection, AuditEntry(now, who.user_id, who.role, patient_id if facts is not None else None, resource,
                                  resource_id, action, "allowed" if decision.allowed else "denied", decision.policy,
                                  reason, decision.break_glass))
    if not decision.allowed:
        raise AuditedRefusal(404 if facts is None else 403, decision.reason)
    return decision


__all__ = ["AuditedRefusal", "WRITE_ACTIONS", "guard"]
