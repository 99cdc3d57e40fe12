"""FHIR dates and date-times to canonical local dates and wall-clock timestamps, column at a time.

A FHIR ``dateTime`` with a time carries a UTC offset; canonical timestamps are the wall-clock time
of the practices' zone (``Europe/London`` by default), so instants are converted to that zone and
the offset dropped. Partial dates (``2019``, ``2019-04``) stand for their first day.

The common shapes (an instant with its offset; a date or partial date) are parsed by Arrow in one
pass and moved to the zone by pandas (whose zone rules hold beyond 2037), at a resolution of one
second; any other shape, and any value Arrow will not take, is read by pandas alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_YEAR = r"([0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_INSTANT_YEAR = r"([1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
"""Years 1000–9998: moved by up to 14 hours, an instant stays within the calendar pandas converts."""
_INSTANT = (rf"^{_INSTANT_YEAR}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]+)?"
            r"(Z|[+-][0-9]{2}:[0-9]{2})$")
_DATE = rf"^{_YEAR}(-[0-9]{{2}}(-[0-9]{{2}})?)?$"
_FRACTION = r"\.[0-9]+"
_STAMP = pa.timestamp("s")
_FIRST_DAY = int(np.datetime64("0001-01-01T00:00:00", "s").astype(np.int64))
_LAST_SECOND = int(np.datetime64("9999-12-31T23:59:59", "s").astype(np.int64))
_SLOW_ERRORS = (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, OverflowError, NotImplementedError,
                pd.errors.OutOfBoundsDatetime)


def local_timestamps(values: Sequence[str | None] | pa.Array | pa.ChunkedArray,
                     timezone: str) -> tuple[pa.Array, np.ndarray]:
    """Timestamps (seconds, naive local time) and a mask of the non-null inputs that could not be read."""
    text = _strings(values)
    present = text.is_valid().to_numpy(zero_copy_only=False)
    instant = _mask(pc.match_substring_regex(text, _INSTANT))
    day = _mask(pc.match_substring_regex(text, _DATE))
    seconds = np.zeros(len(text), dtype=np.int64)
    read = np.zeros(len(text), dtype=bool)
    try:
        if instant.any():
            seconds[instant] = _instants(text.filter(pa.array(instant)), timezone)
            read |= instant
        if day.any():
            seconds[day] = _days(text.filter(pa.array(day)))
            read |= day
    except _SLOW_ERRORS:
        read[:] = False  # a value Arrow will not take (an impossible calendar date): all by the slow path
    rest = present & ~read
    if rest.any():
        slow_seconds, slow_ok = _by_pandas(text.filter(pa.array(rest)).to_pylist(), timezone)
        seconds[rest] = slow_seconds
        read[np.flatnonzero(rest)[slow_ok]] = True
    stamps = pa.array(seconds, pa.int64()).cast(_STAMP)
    stamps = pc.if_else(pa.array(read), stamps, pa.nulls(len(text), _STAMP))
    return stamps, present & ~read


def local_dates(values: Sequence[str | None] | pa.Array | pa.ChunkedArray,
                timezone: str) -> tuple[pa.Array, np.ndarray]:
    """Local calendar dates and a mask of the non-null inputs that could not be read."""
    stamps, bad = local_timestamps(values, timezone)
    return stamps.cast(pa.date32()), bad


def _strings(values: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(list(values), pa.string())
    return values.cast(pa.string())


def _mask(matches: pa.Array) -> np.ndarray:
    return pc.fill_null(matches, False).to_numpy(zero_copy_only=False)


def _instants(text: pa.Array, timezone: str) -> np.ndarray:
    """Seconds of the local wall-clock time of instants, floored to the second (offsets are whole minutes,
    so dropping the fraction before moving to the zone floors it)."""
    whole = pc.replace_substring_regex(text, _FRACTION, "") if pc.any(pc.match_substring(text, ".")).as_py() else text
    utc = pc.cast(whole, pa.timestamp("s", "UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
    local = pd.DatetimeIndex(utc.astype("datetime64[s]")).tz_localize("UTC").tz_convert(timezone).tz_localize(None)
    return local.as_unit("s").asi8


def _days(text: pa.Array) -> np.ndarray:
    """Seconds of midnight of dates, a partial date standing for its first day."""
    length = pc.utf8_length(text)
    full = pc.if_else(pc.equal(length, 4), pc.binary_join_element_wise(text, "01-01", "-"),
                      pc.if_else(pc.equal(length, 7), pc.binary_join_element_wise(text, "01", "-"), text))
    return pc.cast(full, _STAMP).cast(pa.int64()).to_numpy(zero_copy_only=False)


def _by_pandas(values: list[str], timezone: str) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and a mask of the values read, for the shapes the Arrow path leaves out (one by one when
    the zone cannot take one of them: an instant moved outside the calendar)."""
    try:
        seconds, ok = _pandas_batch(values, timezone)
    except _SLOW_ERRORS:
        each = [_pandas_one(v, timezone) for v in values]
        seconds = np.array([s for s, _ in each], dtype=np.int64)
        ok = np.array([k for _, k in each], dtype=bool)
    return seconds, ok & (seconds >= _FIRST_DAY) & (seconds <= _LAST_SECOND)


def _pandas_one(value: str, timezone: str) -> tuple[int, bool]:
    try:
        seconds, ok = _pandas_batch([value], timezone)
    except _SLOW_ERRORS:
        return 0, False
    return int(seconds[0]), bool(ok[0])


def _pandas_batch(values: list[str], timezone: str) -> tuple[np.ndarray, np.ndarray]:
    given = pd.Series(values, dtype="object")
    out = pd.Series(pd.NaT, index=given.index, dtype="datetime64[s]")
    timed = given.str.contains("T", regex=False)
    if timed.any():
        whole = given[timed].str.replace(_FRACTION, "", n=1, regex=True)  # seconds only: no nanosecond calendar
        instants = pd.to_datetime(whole, format="ISO8601", utc=True, errors="coerce")
        local = instants.dt.tz_convert(timezone).dt.tz_localize(None).dt.floor("s")
        out[local.index] = local.astype("datetime64[s]")
    if (~timed).any():
        dates = given[~timed].str.pad(7, side="right", fillchar="-").str.replace(r"^(\d{4})-*$", r"\1-01",
                                                                                 regex=True)
        dates = dates.where(dates.str.len() > 7, dates + "-01")
        parsed = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
        out[parsed.index] = parsed.astype("datetime64[s]")
    ok = out.notna().to_numpy()
    return out.to_numpy().astype("datetime64[s]").astype(np.int64), ok
