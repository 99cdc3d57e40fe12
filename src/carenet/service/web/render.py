"""Rendering a screen: the templates, the page's context (who is logged in, their menu, the CSRF token)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from carenet.measures.scorecard import format_value
from carenet.schema.codelists import EFI_DEFICITS, REGISTERS_BY_CODE
from carenet.schema.roles import ROLES_BY_CODE as CATALOGUE
from carenet.service.api import CSRF_COOKIE, Connection, Who
from carenet.service.auth.login import Principal
from carenet.service.people.lookup import clinician_labels
from carenet.service.people.roles import ROLES_BY_CODE
from carenet.service.store.tables import CANONICAL

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=str(HERE / "templates"))

CLINICAL_HOME = ("gp", "nurse", "anp", "pharmacist", "link_worker", "care_coordinator")
MANAGERS = ("practice_manager", "network_admin", "network_analyst")

NOTICES = {
    "booked": "The appointment is booked.",
    "rebooked": "The appointment is re-booked: the new one is booked and the old one cancelled.",
    "invited": "The patient is invited: a recall task is open.",
    "review_booked": "The review is booked.",
    "done": "Recorded as done.",
    "plan_saved": "The care plan is saved.",
    "rebalanced": "The panels are rebalanced.",
    "consent_saved": "Your choice is saved.",
    "requested": "Your request is sent.",
    "logged_out": "You have logged out.",
    "message_sent": "Your message is sent to the team.",
    "advice_asked": "Your question is sent.",
    "advice_answered": "Your answer is sent.",
    "prescribed": "The referral to the community service is made.",
    "step_recorded": "The step is recorded.",
    "goals_saved": "Your goals are saved.",
}
"""Messages a redirect may ask the next page to show (by code, so no text comes from the address)."""


def home_of(role: str) -> str:
    """Where a role lands after logging in."""
    if role in CLINICAL_HOME:
        return "/day"
    if role == "receptionist":
        return "/reception"
    if role in MANAGERS:
        return "/manage"
    if role == "patient":
        return "/portal"
    if role == "carer":
        return "/carer"
    return "/"


def menu(who: Principal | None) -> list[tuple[str, str]]:
    """The header's links for ``who``."""
    if who is None:
        return []
    role = who.role
    if role in CLINICAL_HOME:
        return [("/day", "My day"), ("/lists", "Worklists")]
    if role == "receptionist":
        return [("/reception", "Incoming requests"), ("/lists", "Worklists")]
    if role == "network_analyst":
        return [("/manage", "Overview"), ("/manage/scorecard", "Scorecard")]
    if role in MANAGERS:
        items = [("/manage", "Overview"), ("/manage/scorecard", "Scorecard"), ("/manage/panels", "Panels"),
                 ("/manage/diary", "Diary fill"), ("/manage/social-prescribing", "Social prescribing")]
        if role == "practice_manager":
            items.insert(2, ("/lists", "Worklists"))
        return items
    if role == "patient":
        return [("/portal", "My record"), ("/portal/help", "Ask for help"), ("/portal/carers", "My carers")]
    if role == "carer":
        return [("/carer", "Shared with me")]
    return []


def when(value) -> str:
    """A date or time as people read it."""
    if value is None:
        return "-"
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return f"{value:%a %d %b %Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    return str(value)


def words(code) -> str:
    return str(code).replace("_", " ") if code is not None else "-"


def condition_name(condition) -> str:
    """A condition as people read it: its QOF register's name, else its frailty deficit's, with the SNOMED CT code."""
    register = REGISTERS_BY_CODE.get(condition.get("register") or "")
    deficit = condition.get("efi_deficit")
    name = register.name if register else EFI_DEFICITS[deficit - 1].name if deficit and \
        0 < deficit <= len(EFI_DEFICITS) else None
    code = condition["snomed_code"]
    code = f"SNOMED {code}" if str(code).isdigit() else f"code {code}"
    return f"{name} ({code})" if name else code


TEMPLATES.env.filters["condition"] = condition_name
TEMPLATES.env.filters["when"] = when
TEMPLATES.env.filters["words"] = words
TEMPLATES.env.filters["measure"] = lambda value, unit: format_value(value, unit)
TEMPLATES.env.globals["role_label"] = lambda code: CATALOGUE[code].name if code in CATALOGUE else words(code)
TEMPLATES.env.globals["role_name"] = lambda code: ROLES_BY_CODE[code].name if code in ROLES_BY_CODE else code


class StaffLabels:
    """Clinicians' labels (name and role, :func:`carenet.service.people.lookup.clinician_label`) for the screens,
    read from the store once, and again when a screen names a clinician not read yet (the service never renames
    its staff), on the request's own connection."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._missing: set[str] = set()
        self._lock = threading.Lock()

    def label(self, conn, clinician_id: str | None) -> str:
        if not clinician_id:
            return "-"
        with self._lock:
            if clinician_id not in self._labels and clinician_id not in self._missing:
                self._labels = clinician_labels(conn)
                if clinician_id not in self._labels:
                    self._missing.add(clinician_id)
            return self._labels.get(clinician_id, clinician_id)


def _staff(request: Request) -> Callable[[str | None], str]:
    """``staff(clinician_id)`` of a screen's templates: the clinician's label (their identifier outside a logged-in
    screen)."""
    conn = getattr(request.state, "conn", None)
    if conn is None:
        return lambda clinician_id: clinician_id or "-"
    state = request.app.state
    labels = getattr(state, "staff_labels", None)
    if labels is None:
        labels = state.staff_labels = StaffLabels()
    return lambda clinician_id: labels.label(conn, clinician_id)


def _practice(request: Request) -> Callable[[str | None], str]:
    """``practice(practice_id)`` of a screen's templates: the practice's name and code."""
    conn = getattr(request.state, "conn", None)

    def name(practice_id: str | None) -> str:
        if not practice_id or conn is None:
            return practice_id or "-"
        practices = CANONICAL["practices"]
        found = conn.execute(sa.select(practices.c.name).where(practices.c.practice_id == practice_id)).scalar()
        return f"{found} ({practice_id})" if found else practice_id
    return name


def page(request: Request, template: str, who: Principal | None, title: str, status: int = 200,
         **context) -> HTMLResponse:
    """A full page (or, for an HTMX request naming a fragment, the fragment alone); ``staff(clinician_id)`` in a
    template is the clinician's name and role."""
    notice = NOTICES.get(request.query_params.get("msg", ""))
    return TEMPLATES.TemplateResponse(request, template, {
        "who": who, "title": title, "menu": menu(who), "csrf": request.cookies.get(CSRF_COOKIE, ""),
        "notice": notice, "path": request.url.path, "staff": _staff(request), "practice_name": _practice(request),
        **context}, status_code=status)


def redirect(url: str, msg: str | None = None) -> RedirectResponse:
    """303 See Other to ``url`` (a plain form's answer), with a notice code."""
    if msg is not None:
        url, hash_, fragment = url.partition("#")
        url += ("&" if "?" in url else "?") + "msg=" + quote(msg) + hash_ + fragment
    return RedirectResponse(url, status_code=303)




async def viewer(request: Request, who: Who, conn: Connection) -> Principal:
    """The logged-in requester of a screen (kept on the request, so an error page shows their menu), and the
    request's connection (for the clinicians' names the screen shows)."""
    request.state.who = who
    request.state.conn = conn
    return who


Viewer = Annotated[Principal, Depends(viewer)]


__all__ = ["CSRF_COOKIE", "NOTICES", "TEMPLATES", "Viewer", "home_of", "menu", "page", "redirect", "viewer", "when",
           "words"]
