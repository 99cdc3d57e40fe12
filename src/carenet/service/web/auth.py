"""Screens of logging in and out: ``/login`` (a form; a browser session and its CSRF token), ``/logout``, ``/``."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from carenet.service.api import CONNECTION_LIMITER, SESSION_COOKIE, App, Connection, Who
from carenet.service.auth.login import BROWSER, end_session
from carenet.service.auth.routes import Credentials, open_session
from carenet.service.web.render import CSRF_COOKIE, home_of, page, redirect

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None, fallback: str) -> str:
    """Only a path of this site (never another site's address) to go on to."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


@router.get("/")
def root(request: Request) -> Response:
    return redirect("/login")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return page(request, "login.html", None, "Log in", next=_safe_next(next, ""))


@router.post("/login")
async def login(request: Request, app: App, username: str = Form(""), password: str = Form(""),
                next: str = Form("")) -> Response:
    """Check the password; a browser session cookie and its CSRF token (HttpOnly, for the server's forms)."""
    error, status = None, 401
    if not username or not password:
        error = "Enter your user name and password"
    else:
        body = Credentials(username=username[:200], password=password[:1000])
        try:
            new = await anyio.to_thread.run_sync(open_session, app, request, body, BROWSER,
                                                 limiter=CONNECTION_LIMITER)
        except HTTPException as refused:
            error, status = str(refused.detail).capitalize(), refused.status_code
    if error is not None:
        return page(request, "login.html", None, "Log in", status=status, error=error, username=username,
                    next=_safe_next(next, ""))
    response = redirect(_safe_next(next, home_of(new.principal.role)))
    secure = request.url.scheme == "https"
    age = int(app.settings.absolute_hours * 3600)
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="strict", secure=secure, max_age=age,
                        path="/")
    response.set_cookie(CSRF_COOKIE, new.csrf or "", httponly=True, samesite="strict", secure=secure, max_age=age,
                        path="/")
    return response


@router.post("/logout")
def logout(request: Request, who: Who, app: App, conn: Connection) -> Response:
    end_session(conn, request.cookies.get(SESSION_COOKIE, ""), app.clock())
    response = redirect("/login", "logged_out")
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


__all__ = ["router"]
