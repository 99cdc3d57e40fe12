"""The error the fund package raises for input a user can fix."""

from __future__ import annotations

from carenet.schema.errors import CarenetError


class FundError(CarenetError):
    """A practices file, contract file, run folder or year that cannot be funded, with what to fix."""
