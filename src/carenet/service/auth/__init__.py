"""Authentication: argon2 passwords, logins rate-limited and locked, browser sessions with CSRF, bearer tokens
with SMART-style scopes.

Where an OIDC provider plugs in (NHS login for patients, staff single sign-on): :mod:`.login` turns
a checked identity into a session with :func:`~carenet.service.auth.login.start_session`; an OIDC
callback that has verified the provider's ID token calls it with the account the token's subject
maps to, instead of checking a password.
"""

from carenet.service.auth.passwords import PasswordHasher
from carenet.service.auth.scopes import Scope, allowed_scopes, parse_scopes
from carenet.service.auth.tables import AUTH_SESSIONS, LOGIN_ATTEMPTS

__all__ = ["AUTH_SESSIONS", "LOGIN_ATTEMPTS", "PasswordHasher", "Scope", "allowed_scopes", "parse_scopes"]
