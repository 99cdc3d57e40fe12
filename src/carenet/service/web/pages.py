"""Putting the screens into the application: routers, static files and how a screen answers an error."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from carenet.service.web.render import HERE, page, redirect

SCREEN_PREFIXES = ("login", "logout", "day", "record", "requests", "reception", "lists", "manage", "portal", "carer")
"""First path segments of the screens (and ``/`` itself): their errors are answered as pages."""
TITLES = {401: "You need to log in", 403: "You cannot see this", 404: "Page not found", 409: "This cannot be done now",
          422: "Check what you entered", 503: "Not available on this service"}


def is_screen(request: Request) -> bool:
    path = request.url.path
    return path == "/" or path.strip("/").split("/", 1)[0] in SCREEN_PREFIXES


def _detail(exc: HTTPException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return str(detail.get("message", detail))
    return str(detail)


def error_page(request: Request, exc: HTTPException) -> Response:
    """A screen's error: to the login page when not logged in, else a plain page saying what happened.

    A refusal of the access guard has already been written to the audit log (it is an ``AuditedRefusal``), and the
    page says so; other refusals (a screen not for the role) are not patient data and are not audited.
    """
    if exc.status_code == 401:
        return redirect(f"/login?next={request.url.path}")
    from carenet.service.access.guard import AuditedRefusal
    from carenet.service.access.policies import CLINICAL

    who = getattr(request.state, "who", None)
    patient_id = getattr(request.state, "patient_id", None)
    break_glass = exc.status_code == 403 and who is not None and who.role in CLINICAL and patient_id is not None \
        and request.method == "GET" and request.url.path == f"/record/{patient_id}"
    return page(request, "error.html", who, TITLES.get(exc.status_code, "Something went wrong"),
                status=exc.status_code, detail=_detail(exc), code=exc.status_code, break_glass=break_glass,
                patient_id=patient_id, audited=isinstance(exc, AuditedRefusal))


def install(app: FastAPI) -> None:
    """Add the screens' routers and static files (``/static``, and ``/assets`` for the design system's icons)."""
    from carenet.service.web import auth, care, lists, manager, portal, reception, staff

    for module in (auth, staff, care, reception, lists, manager, portal):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.mount("/assets", StaticFiles(directory=str(HERE / "static" / "nhsuk" / "assets")), name="nhsuk-assets")


__all__ = ["SCREEN_PREFIXES", "error_page", "install", "is_screen"]
