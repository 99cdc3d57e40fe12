"""What the worklist routes and screens do: count, list a page, take an action - one implementation for both.

Each function takes the request's connection, requester and services; refusals are :class:`ActionError`
(status and message), writes are guarded and audited as the JSON API's are.
"""

from __future__ import annotations

import datetime as dt
import uuid

from carenet.service.access.decide import Facts, evaluate
from carenet.service.access.guard import guard
from carenet.service.audit.log import AuditEntry, record
from carenet.service.auth.login import Principal
from carenet.service.worklists.cache import generations, mark_changed
from carenet.service.worklists.logic import (
    ACTIONS,
    CLINICAL_COLUMNS,
    DONE_RESOURCE,
    ActionError,
    Listed,
    book_review,
    close_recalls,
    invite,
    local_now,
    open_recalls,
    patient_practice,
    plan_done,
    states,
    worklists,
)

OWN_PRACTICE = Facts(frozenset({"own_practice"}), frozenset())


def may(who: Principal, resource: str, action: str) -> bool:
    """Whether ``who``'s role and session may ``action`` (read or write) ``resource`` of their practice's patients."""
    return evaluate(who.role, who.scopes, OWN_PRACTICE, resource, action).allowed


def practice_of(who: Principal) -> str:
    """The practice whose worklists ``who`` sees, or :class:`ActionError` (403)."""
    if not may(who, "Patient", "read"):
        raise ActionError(403, f"worklists list a practice's patients: a {who.role} may not read them")
    if who.practice_id is None:
        raise ActionError(403, "worklists are a practice's; your account belongs to no practice")
    return who.practice_id


def now_of(app) -> dt.datetime:
    """The practices' wall-clock time now (the live network's zone when there is one)."""
    return app.live.local(app.clock()).replace(microsecond=0) if app.live is not None \
        else local_now(app.clock(), app.settings)


def summary(conn, who: Principal, app) -> dict:
    """Patients of ``who``'s practice on each case-finding rule today (rules the record cannot run say why)."""
    practice = practice_of(who)
    today = now_of(app).date()
    listed, computed = _listed(conn, app, practice, today)
    counts = {rule: len(rows) for rule, rows in listed.rows.items()}
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Patient", None, "search", "allowed",
                            "worklist", f"worklist counts of {practice}: {sum(counts.values())} entries"))
    return {"practice_id": practice, "as_of": today.isoformat(), "computed_at": computed.isoformat(),
            "patients": counts, "skipped": listed.skipped}


def _listed(conn, app, practice: str, day: dt.date) -> tuple[Listed, dt.datetime]:
    """The practice's worklists for ``day``, as computed last (within ``worklist_max_age_seconds``) or now."""
    return app.worklists.get(practice, day, app.clock(), lambda: worklists(conn, practice, day, app.settings),
                             generations(conn, practice))


def allowed_actions(who: Principal, rule: str, state: dict, live: bool, now: dt.datetime) -> list[str]:
    allowed = []
    status = state.get("state", "to_contact")
    if status == "to_contact" and all(may(who, r, "write") for r in ACTIONS["invite"]):
        allowed.append("invite")
    if live and status != "booked" and all(may(who, r, "write") for r in ACTIONS["book_review"]):
        allowed.append("book_review")
    future = status == "booked" and dt.datetime.fromisoformat(state["booked_for"]) > now
    if not (rule == "multimorbid_without_review" and future) and may(who, DONE_RESOURCE[rule], "write"):
        allowed.append("done")
    return allowed


def listing(conn, who: Principal, app, rule: str, page: int) -> dict:
    """A page of ``who``'s practice's patients on ``rule``, each with its state and the actions ``who`` may take."""
    practice = practice_of(who)
    now = now_of(app)
    listed, computed = _listed(conn, app, practice, now.date())
    if rule in listed.skipped:
        raise ActionError(409, f"the {rule} worklist cannot run on this record: {listed.skipped[rule]}")
    rows = listed.rows[rule]
    size = app.settings.worklist_page_size
    shown = rows[(page - 1) * size:page * size]
    state = states(conn, [r["patient_id"] for r in shown])
    clinical = may(who, "Condition", "read")
    out = []
    for row in shown:
        entry = {k: v for k, v in row.items() if clinical or k not in CLINICAL_COLUMNS}
        entry.pop("rule")
        s = state.get(row["patient_id"], {"state": "to_contact"})
        out.append({**entry, **s, "actions": allowed_actions(who, rule, s, app.live is not None, now)})
    record(conn, AuditEntry(app.clock(), who.user_id, who.role, None, "Patient", None, "search", "allowed",
                            "worklist", f"worklist {rule} of {practice}, page {page}: {len(out)} of {len(rows)}"))
    return {"rule": rule, "practice_id": practice, "as_of": now.date().isoformat(),
            "computed_at": computed.isoformat(), "total": len(rows),
            "page": page, "page_size": size, "rows": out}


def act(conn, who: Principal, app, rule: str, patient_id: str, action: str, *, due_date: dt.date | None = None,
        clinician_id: str | None = None, start: dt.datetime | None = None, key_worker_id: str | None = None,
        review_date: dt.date | None = None) -> dict:
    """Take ``action`` (invite, book_review, done) on a patient of the worklist, recorded where the next reads it."""
    practice = practice_of(who)
    if (clinician_id is None) != (start is None):
        raise ActionError(422, "a chosen slot needs both clinician_id and start")
    if action != "book_review" and clinician_id is not None:
        raise ActionError(422, "clinician_id and start choose a slot for book_review only")
    now, clock = now_of(app), app.clock()
    if action == "invite":
        task_id = f"T-{uuid.uuid4().hex[:16]}"
        guard(conn, who, clock, patient_id, "Task", "create", resource_id=task_id)
        _own(conn, patient_id, practice)
        return {"action": "invite", "task": invite(conn, who, now, patient_id, task_id, due_date)}
    if action == "book_review":
        if app.live is None:
            raise ActionError(503, "this store has no network laid out for booking; start the service with --demo")
        request_id = f"R-{uuid.uuid4().hex[:16]}"
        guard(conn, who, clock, patient_id, "ServiceRequest", "create", resource_id=request_id)
        guard(conn, who, clock, patient_id, "Appointment", "create")
        _own(conn, patient_id, practice)
        chosen = (clinician_id, start) if clinician_id is not None else None
        return {"action": "book_review", **book_review(conn, app.live, clock, patient_id, request_id, chosen)}
    guard(conn, who, clock, patient_id, DONE_RESOURCE[rule], "update")
    _own(conn, patient_id, practice)
    done = plan_done(conn, who, now, app.live, rule, patient_id, key_worker_id, review_date)
    recalls = open_recalls(conn, patient_id)
    closing = recalls if may(who, "Task", "write") else []
    for task_id in closing:  # every write guarded before any is made
        guard(conn, who, clock, patient_id, "Task", "update", resource_id=task_id)
    written = done.write()
    close_recalls(conn, closing, now)
    mark_changed(conn, practice)  # who is on the practice's worklists has changed
    return {"action": "done", done.resource: written, "recalls_closed": closing,
            "recalls_left_open": [t for t in recalls if t not in closing]}


def _own(conn, patient_id: str, practice: str) -> None:
    if patient_practice(conn, patient_id) != practice:
        raise ActionError(403, f"patient {patient_id} is not on your practice's list: worklists act on your "
                               "practice's patients")


__all__ = ["OWN_PRACTICE", "act", "allowed_actions", "listing", "may", "now_of", "practice_of", "summary"]
