"""Sessions and login attempts.

A session is a browser session (cookie plus CSRF token) or a bearer token; only SHA-256 hashes of
the secrets are stored, so a copy of the database logs nobody in.
"""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

AUTH_SESSIONS = sa.Table(
    "auth_sessions", METADATA,
    sa.Column("token_hash", sa.Text(), primary_key=True, comment="SHA-256 of the session or bearer token"),
    sa.Column("user_id", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Account"),
    sa.Column("kind", sa.Text(), nullable=False, comment="browser or bearer"),
    sa.Column("scopes", sa.Text(), nullable=False, comment="Space-separated SMART-style scopes it holds"),
    sa.Column("csrf_hash", sa.Text(), nullable=True, comment="SHA-256 of a browser session's CSRF token"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, comment="Login time"),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False, comment="Last request (idle timeout)"),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, comment="Absolute end"),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True, comment="Logged out or revoked"),
    comment="Browser sessions and bearer tokens.",
)

LOGIN_ATTEMPTS = sa.Table(
    "login_attempts", METADATA,
    sa.Column("attempt_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True,
              autoincrement=True, comment="Attempt number"),
    sa.Column("client", sa.Text(), nullable=False, comment="Client address"),
    sa.Column("username", sa.Text(), nullable=False, comment="Login name tried"),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, comment="When"),
    sa.Column("succeeded", sa.Boolean(), nullable=False, comment="Whether it logged in"),
    sa.Index("ix_login_attempts_client_at", "client", "at"),
    comment="Every login attempt (rate limit per client address).",
)

__all__ = ["AUTH_SESSIONS", "LOGIN_ATTEMPTS"]
