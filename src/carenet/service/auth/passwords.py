"""Passwords hashed with argon2id at the cost ``parameters.yaml`` ``service.passwords`` gives (OWASP's minimum)."""

from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from carenet.schema.errors import CarenetError
from carenet.service.settings import ServiceSettings


class WeakPasswordError(CarenetError):
    """A new password is too short."""


class PasswordHasher:
    """Hash and check passwords; a hash made at an older cost is flagged for re-hashing at the next login."""

    def __init__(self, settings: ServiceSettings):
        self._argon = _Argon2(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                              parallelism=settings.argon2_parallelism)
        self.minimum_length = settings.minimum_password_length
        self._dummy = self._argon.hash("carenet: a hash to check against when the account does not exist")

    def hash(self, password: str) -> str:
        if len(password) < self.minimum_length:
            raise WeakPasswordError(f"a password needs at least {self.minimum_length} characters")
        return self._argon.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; with no stored hash the same work is done, then False."""
        try:
            return self._argon.verify(stored or self._dummy, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self._argon.check_needs_rehash(stored)


__all__ = ["PasswordHasher", "WeakPasswordError"]
