"""Logging in and out, and who a request is: rate limit, lockout, sessions and tokens.

A login is refused with one reason: too many attempts from the client this minute (429), an
account locked after ``failures_before_lockout`` failures in a row (423, until
``lockout_minutes`` pass), or a wrong name or password (401, the same answer for both). A
success starts a session: a bearer token, or a browser session with its CSRF token. A session
ends after ``idle_minutes`` unused or ``absolute_hours`` in all.

OIDC: a provider's callback that has verified the ID token maps its subject to an account and
calls :func:`start_session`; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from carenet.schema.errors import CarenetError
from carenet.service.auth.passwords import PasswordHasher
from carenet.service.auth.scopes import Scope, allowed_scopes, parse_scopes
from carenet.service.auth.tables import AUTH_SESSIONS, LOGIN_ATTEMPTS
from carenet.service.people.tables import USERS
from carenet.service.settings import ServiceSettings

BROWSER, BEARER = "browser", "bearer"


class LoginRefused(CarenetError):
    """A login or a request's credentials refused: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Principal:
    """Who a request is: the account, its role and links, the scopes its session holds."""

    user_id: str
    username: str
    role: str
    clinician_id: str | None
    practice_id: str | None
    network_id: str | None
    patient_id: str | None
    scopes: tuple[Scope, ...]
    kind: str
    csrf_hash: str | None = None


@dataclass(frozen=True)
class NewSession:
    token: str
    csrf: str | None
    scopes: tuple[Scope, ...]
    expires_at: dt.datetime
    principal: Principal


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time as an aware UTC time (SQLite gives it back without its zone)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def _principal(user, scopes: tuple[Scope, ...], kind: str, csrf_hash: str | None = None) -> Principal:
    return Principal(user.user_id, user.username, user.role, user.clinician_id, user.practice_id, user.network_id,
                     user.patient_id, scopes, kind, csrf_hash)


def _rate_limited(connection: sa.Connection, client: str, now: dt.datetime, settings: ServiceSettings) -> bool:
    since = now - dt.timedelta(minutes=1)
    tries = connection.execute(sa.select(sa.func.count()).select_from(LOGIN_ATTEMPTS).where(
        LOGIN_ATTEMPTS.c.client == client, LOGIN_ATTEMPTS.c.at >= since)).scalar_one()
    return tries >= settings.attempts_per_minute


def check_password(connection: sa.Connection, hasher: PasswordHasher, settings: ServiceSettings, username: str,
                   password: str, client: str, now: dt.datetime):
    """The account ``username`` if ``password`` is right and nothing forbids the login, else :class:`LoginRefused`.

    Every attempt is recorded (the caller commits, refused or not).
    """
    if _rate_limited(connection, client, now, settings):
        raise LoginRefused(429, "too many login attempts from this address; wait a minute and try again")
    user = connection.execute(sa.select(USERS).where(USERS.c.username == username)).first()
    locked = user is not None and user.locked_until is not None and utc(user.locked_until) > now
    right = hasher.verify(user.password_hash if user is not None else None, password)
    connection.execute(LOGIN_ATTEMPTS.insert().values(client=client, username=username, at=now,
                                                      succeeded=bool(right and not locked)))
    if locked:
        raise LoginRefused(423, f"the account is locked after {settings.failures_before_lockout} failed logins; "
                                f"try again after {utc(user.locked_until):%H:%M} UTC or ask an administrator")
    if not right:
        if user is not None:
            failures = user.failed_logins + 1
            lock = now + dt.timedelta(minutes=settings.lockout_minutes) \
                if failures >= settings.failures_before_lockout else None
            connection.execute(USERS.update().where(USERS.c.user_id == user.user_id).values(
                failed_logins=0 if lock else failures, locked_until=lock))
        raise LoginRefused(401, "wrong user name or password")
    changes = {"failed_logins": 0, "locked_until": None}
    if hasher.needs_rehash(user.password_hash):
        changes["password_hash"] = hasher.hash(password)
    connection.execute(USERS.update().where(USERS.c.user_id == user.user_id).values(**changes))
    return user


def start_session(connection: sa.Connection, user, kind: str, requested_scopes: str | None, now: dt.datetime,
                  settings: ServiceSettings) -> NewSession:
    """A new browser session or bearer token for the account ``user`` (a row of ``users``)."""
    scopes = allowed_scopes(user.role, requested_scopes)
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == BROWSER else None
    expires = now + dt.timedelta(hours=settings.absolute_hours)
    connection.execute(AUTH_SESSIONS.insert().values(
        token_hash=digest(token), user_id=user.user_id, kind=kind, scopes=" ".join(map(str, scopes)),
        csrf_hash=digest(csrf) if csrf else None, created_at=now, last_used_at=now, expires_at=expires))
    return NewSession(token, csrf, scopes, expires, _principal(user, scopes, kind))


_SESSION = sa.select(AUTH_SESSIONS, USERS).join(USERS, USERS.c.user_id == AUTH_SESSIONS.c.user_id).where(
    AUTH_SESSIONS.c.token_hash == sa.bindparam("token_hash"))
"""A session and its account, by the token's hash (built once: every request looks its session up)."""


@functools.lru_cache(maxsize=256)
def _scopes(text: str) -> tuple[Scope, ...]:
    """A session's stored scopes, parsed once for each distinct text (they are few: a role's, or those asked for)."""
    return parse_scopes(text)


def authenticate(connection: sa.Connection, token: str, now: dt.datetime, settings: ServiceSettings) -> Principal:
    """The principal of a live session ``token``, else :class:`LoginRefused` (401).

    Its idle clock is restarted when ``settings.touch_seconds`` have passed since it last was, not on every call.
    """
    row = connection.execute(_SESSION, {"token_hash": digest(token)}).first()
    if row is None or row.ended_at is not None:
        raise LoginRefused(401, "not logged in: log in at /auth/login or /auth/token")
    idle_end = utc(row.last_used_at) + dt.timedelta(minutes=settings.idle_minutes)
    if now >= utc(row.expires_at) or now >= idle_end:
        raise LoginRefused(401, "the session has expired; log in again")
    if now - utc(row.last_used_at) >= dt.timedelta(seconds=settings.touch_seconds):
        connection.execute(AUTH_SESSIONS.update().where(AUTH_SESSIONS.c.token_hash == row.token_hash)
                           .values(last_used_at=now))
    return _principal(row, _scopes(row.scopes), row.kind, row.csrf_hash)


def end_session(connection: sa.Connection, token: str, now: dt.datetime) -> None:
    connection.execute(AUTH_SESSIONS.update().where(AUTH_SESSIONS.c.token_hash == digest(token),
                                                    AUTH_SESSIONS.c.ended_at.is_(None)).values(ended_at=now))


__all__ = ["BEARER", "BROWSER", "LoginRefused", "NewSession", "Principal", "authenticate", "check_password",
           "digest", "end_session", "start_session", "utc"]
