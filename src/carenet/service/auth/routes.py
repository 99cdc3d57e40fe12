"""Routes of authentication: ``/auth/token`` (bearer), ``/auth/login`` and ``/auth/logout`` (browser), ``/auth/me``."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from carenet.service.api import CONNECTION_LIMITER, CSRF_COOKIE, SESSION_COOKIE, App, Connection, Who, client_address
from carenet.service.auth.login import (
    BEARER,
    BROWSER,
    LoginRefused,
    NewSession,
    check_password,
    end_session,
    start_session,
)
from carenet.service.auth.scopes import ScopeError

router = APIRouter(prefix="/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    scope: str | None = Field(None, max_length=2000, description="SMART-style scopes asked for, space-separated")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


class SessionOut(BaseModel):
    csrf_token: str
    expires_in: int
    scope: str


class Me(BaseModel):
    user_id: str
    username: str
    role: str
    clinician_id: str | None
    practice_id: str | None
    network_id: str | None
    patient_id: str | None
    scope: str


def open_session(app, request: Request, body: Credentials, kind: str) -> NewSession:
    """Check the password and start a session; the attempt (and a failure's count) is committed either way."""
    now = app.clock()
    with app.store.engine.begin() as conn:
        try:
            user = check_password(conn, app.hasher, app.settings, body.username, body.password,
                                  client_address(request), now)
        except LoginRefused as refused:
            failure = refused
        else:
            failure = None
            try:
                return start_session(conn, user, kind, body.scope, now, app.settings)
            except ScopeError as exc:
                failure = exc
    raise HTTPException(failure.status if isinstance(failure, LoginRefused) else 400, str(failure))


@router.post("/token", response_model=TokenOut)
async def token(body: Credentials, request: Request, app: App) -> TokenOut:
    """A bearer token for the API (SMART-style scopes: those asked for that the role allows)."""
    new = await anyio.to_thread.run_sync(open_session, app, request, body, BEARER, limiter=CONNECTION_LIMITER)
    return TokenOut(access_token=new.token, expires_in=int(app.settings.idle_minutes * 60),
                    scope=" ".join(map(str, new.scopes)))


@router.post("/login", response_model=SessionOut)
async def login(body: Credentials, request: Request, response: Response, app: App) -> SessionOut:
    """A browser session: an HttpOnly cookie, and the CSRF token to send with every change."""
    new = await anyio.to_thread.run_sync(open_session, app, request, body, BROWSER, limiter=CONNECTION_LIMITER)
    for name, value in ((SESSION_COOKIE, new.token), (CSRF_COOKIE, new.csrf or "")):  # the CSRF one for the screens
        response.set_cookie(name, value, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                            max_age=int(app.settings.absolute_hours * 3600), path="/")
    return SessionOut(csrf_token=new.csrf or "", expires_in=int(app.settings.idle_minutes * 60),
                      scope=" ".join(map(str, new.scopes)))


@router.post("/logout", status_code=204)
def logout(request: Request, response: Response, who: Who, app: App, conn: Connection) -> Response:
    """End this session (the bearer token or the browser session)."""
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE, "")
    end_session(conn, token, app.clock())
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def me(who: Who) -> Me:
    """Who this session is and what its scopes allow."""
    return Me(user_id=who.user_id, username=who.username, role=who.role, clinician_id=who.clinician_id,
              practice_id=who.practice_id, network_id=who.network_id, patient_id=who.patient_id,
              scope=" ".join(map(str, who.scopes)))


__all__ = ["Credentials", "open_session", "router"]
