"""Reading search parameter values: dates with prefixes, references, tokens; a bad value is a 400 saying why."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from carenet.service.fhir.outcome import FhirError

PREFIXES = ("eq", "ge", "le", "gt", "lt")
MAX_REFERENCE = 300
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def date_bounds(name: str, value: str, zone: zoneinfo.ZoneInfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The half-open range [lower, upper) of practice wall-clock times a ``date`` value selects (None: open)."""
    prefix = value[:2] if value[:2] in PREFIXES else "eq"
    text = value[2:] if value[:2] in PREFIXES else value
    try:
        if _DATE.match(text):
            start = dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
            end = start + dt.timedelta(days=1)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(zone).replace(tzinfo=None)
            start, end = moment, moment + dt.timedelta(seconds=1)
    except ValueError:
        raise FhirError(400, f"{name}={value!r} is not a FHIR date: give YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[+hh:mm], "
                             f"optionally prefixed by {', '.join(PREFIXES)} (e.g. {name}=ge2026-03-02)") from None
    return {"eq": (start, end), "ge": (start, None), "gt": (end, None), "le": (None, end),
            "lt": (None, start)}[prefix]


def reference(name: str, value: str, target: str) -> str:
    """The id of a reference parameter: ``Target/ID``, a full URL ending so, or a bare ``ID``."""
    text = value.rstrip("/")
    if "\x00" in text or len(text) > MAX_REFERENCE:
        raise FhirError(400, f"{name}: a reference is {target}/ID, at most {MAX_REFERENCE} characters, without NUL")
    if "/" in text:
        kind, _, ident = text.rpartition("/")
        kind = kind.rpartition("/")[2]
        if kind != target or not ident:
            raise FhirError(400, f"{name}={value!r} must refer to a {target} ({name}={target}/ID)")
        return ident
    if not text:
        raise FhirError(400, f"{name} is empty: give {name}={target}/ID")
    return text


def token(value: str) -> str:
    """The code of a token value (``system|code`` or ``code``)."""
    return value.rpartition("|")[2]


__all__ = ["PREFIXES", "date_bounds", "reference", "token"]
