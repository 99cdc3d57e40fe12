"""Dates given on the command line (``--start``, ``--as-of``, ``--reference-date``) or read from a manifest."""

from __future__ import annotations

import datetime as dt

from carenet.schema.errors import CarenetError


def parse_day(text: str | None, where: str) -> dt.date | None:
    """``text`` as a date (None stays None); a value that is not one is refused naming ``where`` it came from."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise CarenetError(f"{where} must be a date like 2024-03-31 (YYYY-MM-DD), got {text!r}") from None


__all__ = ["parse_day"]
