"""What every route shares: the store, settings and clock of the running service, and who is asking.

``Services`` is built once by :func:`carenet.service.app.create_app` and kept on ``app.state``.
A request is authenticated by a bearer token (``Authorization: Bearer ...``) or a browser session
cookie; a browser session must also send its CSRF token with every request that changes something:
in the ``X-CSRF-Token`` header, or (a plain HTML form) in the form field ``csrf_token``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import anyio
import sqlalchemy as sa
from fastapi import Depends, HTTPException, Request

from carenet.service.access.guard import AuditedRefusal
from carenet.service.audit.log import PENDING, flush
from carenet.service.auth.login import LoginRefused, Principal, authenticate, digest
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.scorecard.cache import ScorecardCache
from carenet.service.settings import ServiceSettings
from carenet.service.store.database import Store
from carenet.service.worklists.cache import CHANGED, WorklistCache, note_changes

if TYPE_CHECKING:
    from carenet.service.booking.engine import LiveNetwork

SESSION_COOKIE = "carenet_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_COOKIE = "carenet_csrf"
"""A browser session's CSRF token, HttpOnly and SameSite=Strict, for the server to copy into its own forms."""
CSRF_FIELD = "csrf_token"
"""The form field an HTML form sends the CSRF token in (when it cannot send the header)."""
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
T = TypeVar("T")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    """The running service's parts."""

    store: Store
    settings: ServiceSettings
    hasher: PasswordHasher
    clock: Callable[[], dt.datetime] = utc_now
    live: LiveNetwork | None = None
    """The model laid over the store's population (booking); None when the store records no layout."""
    twin_scorecard: Path | None = None
    """A comparison's ``scorecard.csv`` (``carenet compare``): the twin's predictions the managers' scorecard shows."""
    worklists: WorklistCache = field(init=False)
    """Each practice's worklists, computed once and shared (:mod:`carenet.service.worklists.cache`)."""
    scorecards: ScorecardCache = field(default_factory=ScorecardCache)
    """The managers' scorecards kept while the store is unchanged (:mod:`carenet.service.scorecard.cache`)."""

    def __post_init__(self) -> None:
        self.worklists = WorklistCache(dt.timedelta(seconds=self.settings.worklist_max_age_seconds))


def services(request: Request) -> Services:
    return request.app.state.services


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


CONNECTION_LIMITER = anyio.CapacityLimiter(64)
"""Threads that take a request's connection from the pool (they may wait for one)."""
RELEASE_LIMITER = anyio.CapacityLimiter(16)
"""Threads that commit and give a connection back: never waiting for the pool, so a request holding a connection
never waits behind requests that wait for it."""
COMMITTERS = 2
COMMITTING = threading.BoundedSemaphore(COMMITTERS)
"""Requests of this process that append to the audit chain and commit at once (:func:`_commit`). They append one at
a time anyway, each holding the chain's head until it has committed; more of them waiting in PostgreSQL for the
head's lock only cost its CPU, as it wakes every waiter each time the lock is released. No deadlock: a request
waits here holding no lock that a committing request could need (the head and the worklists' generations are
locked only while committing)."""


def _authenticate(app: Services, token: str) -> Principal:
    """The session's principal, on a connection of its own (see :func:`connection`). On PostgreSQL the look-up
    and the rare rewrite of the session's idle clock each commit on their own (autocommit: one round trip, not a
    transaction's three); SQLite's writers take the store's lock in a short transaction."""
    if app.store.dialect == "postgresql":
        with app.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            return authenticate(conn, token, app.clock(), app.settings)
    with app.store.engine.begin() as conn:
        return authenticate(conn, token, app.clock(), app.settings)


async def principal(request: Request) -> Principal:
    """Who is asking; 401 without a live session, 403 for a browser change without its CSRF token.

    Its session is looked up on a :data:`CONNECTION_LIMITER` thread: the routes' worker threads are never taken
    by requests waiting for the store's pool (which, with every worker waiting, would starve the requests that
    hold a connection and need a worker to finish).
    """
    sent = await credentials(request)
    try:
        who = await anyio.to_thread.run_sync(_authenticate, services(request), sent.token, limiter=CONNECTION_LIMITER)
    except LoginRefused as refused:
        raise HTTPException(refused.status, str(refused), headers={"WWW-Authenticate": "Bearer"}) from None
    sent.check_csrf(who)
    return who


@dataclass(frozen=True)
class Credentials:
    """What a request presents (:func:`credentials`): its session's token and, for a browser session's change, the
    CSRF token it sent."""

    token: str
    csrf: str | None = None
    """The CSRF token sent ('' if none) when one is needed; None when it is not (a bearer token, a read)."""

    def check_csrf(self, who: Principal) -> None:
        """403 unless the CSRF token needed was sent and is the session's."""
        if self.csrf is not None and (not who.csrf_hash or not hmac.compare_digest(digest(self.csrf),
                                                                                   who.csrf_hash)):
            raise HTTPException(403, f"a browser session must send its CSRF token in the {CSRF_HEADER} header "
                                     f"(or a form's {CSRF_FIELD} field) with every change (it was given at login)")


async def credentials(request: Request) -> Credentials:
    """The request's credentials, not yet checked; 401 if it presents no session."""
    token, from_cookie = _token(request)
    if not token:
        raise HTTPException(401, "not logged in: send 'Authorization: Bearer TOKEN' (from /auth/token) or log in "
                                 "at /auth/login", headers={"WWW-Authenticate": "Bearer"})
    if from_cookie and request.method not in SAFE_METHODS:
        return Credentials(token, request.headers.get(CSRF_HEADER) or await _form_token(request))
    return Credentials(token)


async def _form_token(request: Request) -> str:
    """The CSRF token of a posted HTML form ('' if the body is not a form); the form is kept for the route."""
    if not request.headers.get("content-type", "").startswith(FORM_TYPES):
        return ""
    value = (await request.form()).get(CSRF_FIELD, "")
    return value if isinstance(value, str) else ""




def _commit(conn: sa.Connection) -> set[str | None]:
    """Note the worklists the request changed and append its audit events, then commit: the audit chain's head is
    locked only meanwhile. The practices whose worklists changed (None: every practice)."""
    with COMMITTING:
        changed = note_changes(conn)
        flush(conn)
        conn.commit()
    return changed


def _refuse(conn: sa.Connection) -> set[str | None]:
    """Roll back what a refused request (a 4xx) wrote, then append and commit its audit events alone: the access it
    was allowed is logged although nothing else of it is kept."""
    pending = conn.info.pop(PENDING, [])
    conn.info.pop(CHANGED, None)
    conn.rollback()
    if pending:
        conn.info[PENDING] = pending
        _commit(conn)
    return set()


def _discard(conn: sa.Connection) -> set[str | None]:
    """Roll back a failed request, its audit events with it (they would otherwise stay on the pooled connection and
    be appended by the next request that uses it)."""
    conn.info.pop(PENDING, None)
    conn.info.pop(CHANGED, None)
    conn.rollback()
    return set()


def _finish(conn: sa.Connection, step: Callable[[sa.Connection], set[str | None]]) -> set[str | None]:
    """``step`` (commit, refuse or discard), then give the connection back to the pool: one thread hand-off."""
    try:
        return step(conn)
    finally:
        conn.close()


async def connection(request: Request, _who: Annotated[Principal, Depends(principal, scope="function")]
                     ) -> AsyncIterator[sa.Connection]:
    """One transaction per request: committed when the route returns, rolled back if it fails - except that a
    refusal the audit log recorded (:class:`~carenet.service.access.guard.AuditedRefusal`) is committed, and a
    request refused after the guard let it in (a 4xx: a stale version, bad input) keeps its audit events alone.

    It is taken after the requester is known (:func:`principal` uses a connection of its own and gives it back
    first), so a request never holds two of the pool's connections at once; the connection is taken, and
    committed and given back, on threads of their own (:data:`CONNECTION_LIMITER`, :data:`RELEASE_LIMITER`).
    """
    engine = services(request).store.engine
    conn = await anyio.to_thread.run_sync(engine.connect, limiter=CONNECTION_LIMITER)
    async with _transaction(request, conn):
        yield conn


@asynccontextmanager
async def _transaction(request: Request, conn: sa.Connection) -> AsyncIterator[sa.Connection]:
    """The request's transaction on ``conn`` (see :func:`connection`)."""
    try:
        yield conn
    except AuditedRefusal:
        await anyio.to_thread.run_sync(_finish, conn, _commit, limiter=RELEASE_LIMITER)
        raise
    except HTTPException:
        await anyio.to_thread.run_sync(_finish, conn, _refuse, limiter=RELEASE_LIMITER)
        raise
    except BaseException:
        await anyio.to_thread.run_sync(_finish, conn, _discard, limiter=RELEASE_LIMITER)
        raise
    else:
        changed = await anyio.to_thread.run_sync(_finish, conn, _commit, limiter=RELEASE_LIMITER)
        _changed(request, changed)


def _changed(request: Request, changed: set[str | None]) -> None:
    for practice in changed:  # committed: the next worklist of those practices is new
        services(request).worklists.invalidate(practice)


def _in_one_step(app: Services, sent: Credentials, work: Callable[..., T], args: tuple,
                 refusal: Callable[[Exception], HTTPException | None]) -> tuple[T, set[str | None]]:
    """:func:`committed`'s thread: who is asking (on a connection given back first), then the request's connection,
    ``work``, and the transaction ended as :func:`connection` ends it."""
    try:
        who = _authenticate(app, sent.token)
    except LoginRefused as refused:
        raise HTTPException(refused.status, str(refused), headers={"WWW-Authenticate": "Bearer"}) from None
    sent.check_csrf(who)
    conn = app.store.engine.connect()
    try:
        result = work(conn, who, *args)
    except Exception as failed:
        answer = failed if isinstance(failed, HTTPException) else refusal(failed)
        _finish(conn, _commit if isinstance(answer, AuditedRefusal) else _refuse if answer is not None else _discard)
        if answer is None or answer is failed:
            raise
        raise answer from None
    except BaseException:
        _finish(conn, _discard)
        raise
    return result, _finish(conn, _commit)


async def committed(request: Request, sent: Credentials, work: Callable[..., T], *args,
                    refusal: Callable[[Exception], HTTPException | None] = lambda _: None) -> T:
    """``work(conn, who, *args)`` in one thread hand-off with all around it: the session looked up (as
    :func:`principal`), the request's connection taken, ``work`` done and the transaction ended as
    :func:`connection` ends it (committed; a refusal's audit events kept). A synchronous route with
    :data:`Who` and :data:`Connection` takes five hand-offs (the session, the connection, its work, the checking of
    its answer, the commit). ``refusal`` turns an exception of ``work`` into the HTTP refusal to answer (None: a
    failure).

    It runs on the routes' threads: a request holding a connection there needs no other thread to finish, and it
    takes its connection only once it has given back the one it looked its session up on.
    """
    result, changed = await anyio.to_thread.run_sync(_in_one_step, services(request), sent, work, args, refusal)
    _changed(request, changed)
    return result


Connection = Annotated[sa.Connection, Depends(connection, scope="function")]
Who = Annotated[Principal, Depends(principal, scope="function")]
App = Annotated[Services, Depends(services)]
Presented = Annotated[Credentials, Depends(credentials)]

__all__ = ["App", "CSRF_COOKIE", "CSRF_FIELD", "CSRF_HEADER", "Connection", "Credentials", "Presented",
           "SESSION_COOKIE", "Services", "Who", "client_address", "committed", "connection", "credentials",
           "principal", "require_role", "services", "utc_now"]
