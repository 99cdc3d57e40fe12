"""What every route shares: the store, settings and clock of the running service, and who is asking.

``Services`` is built once by :func:`carenet.service.app.create_app` and kept on ``app.state``.
A request is authenticated by a bearer token (``Authorization: Bearer ...``) or a browser session
cookie; a browser session must also send its CSRF token (``X-CSRF-Token``) with every request
that changes something.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request

from carenet.service.access.guard import AuditedRefusal
from carenet.service.auth.login import LoginRefused, Principal, authenticate, digest
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.settings import ServiceSettings
from carenet.service.store.database import Store

SESSION_COOKIE = "carenet_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    """The running service's parts."""

    store: Store
    settings: ServiceSettings
    hasher: PasswordHasher
    clock: Callable[[], dt.datetime] = utc_now
    extra: dict[str, object] = field(default_factory=dict)


def services(request: Request) -> Services:
    return request.app.state.services


def connection(request: Request) -> Iterator[sa.Connection]:
    """One transaction per request: committed when the route returns, rolled back if it fails - except that a
    refusal the audit log recorded (:class:`~carenet.service.access.guard.AuditedRefusal`) is committed."""
    with services(request).store.engine.connect() as conn:
        transaction = conn.begin()
        try:
            yield conn
        except AuditedRefusal:
            transaction.commit()
            raise
        except BaseException:
            transaction.rollback()
            raise
        transaction.commit()


def require_role(who: Principal, roles: tuple[str, ...], what: str) -> None:
    """403 unless ``who`` has one of ``roles``."""
    if who.role not in roles:
        raise HTTPException(403, f"{what} is for {', '.join(roles)}; you are logged in as {who.role}")


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _token(request: Request) -> tuple[str | None, bool]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else (None, False)


def principal(request: Request, conn: Annotated[sa.Connection, Depends(connection, scope="function")]) -> Principal:
    """Who is asking; 401 without a live session, 403 for a browser change without its CSRF token."""
    token, from_cookie = _token(request)
    if not token:
        raise HTTPException(401, "not logged in: send 'Authorization: Bearer TOKEN' (from /auth/token) or log in "
                                 "at /auth/login", headers={"WWW-Authenticate": "Bearer"})
    app = services(request)
    try:
        who = authenticate(conn, token, app.clock(), app.settings)
    except LoginRefused as refused:
        raise HTTPException(refused.status, str(refused), headers={"WWW-Authenticate": "Bearer"}) from None
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not who.csrf_hash or not hmac.compare_digest(digest(sent), who.csrf_hash):
            raise HTTPException(403, f"a browser session must send its CSRF token in the {CSRF_HEADER} header "
                                     "with every change (it was given at login)")
    return who


Connection = Annotated[sa.Connection, Depends(connection, scope="function")]
Who = Annotated[Principal, Depends(principal, scope="function")]
App = Annotated[Services, Depends(services)]

__all__ = ["App", "CSRF_HEADER", "Connection", "SESSION_COOKIE", "Services", "Who", "client_address", "connection",
           "principal", "require_role", "services", "utc_now"]
