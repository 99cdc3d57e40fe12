"""Typing text columns, whole columns at a time: each parser returns the typed array and a mask of
the values it could not read, so the caller can report them line by line.

Dates are accepted as ``2024-03-01``, ``01/03/2024`` (day first, as UK systems write them),
``01-03-2024``, ``01.03.2024``, ``01-Mar-2024`` or ``1 March 2024``; date-times add a time
``09:30`` or ``09:30:15`` after a space or ``T``. Impossible dates (``2023-02-30``) are
rejected, not rolled over.
"""

from __future__ import annotations

from collections.abc import Mapping

import nhs_number
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_MONTHS = {name: i + 1 for i, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_MONTH_NAMES = {**_MONTHS, "sept": 9, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6,
                "july": 7, "august": 8, "september": 9, "october": 10, "november": 11, "december": 12}
_TIME = r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})",
    r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})",
    r"^(?P<d>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})[ -](?P<y>\d{4})",
)
_YEARS = (1000, 9999)
_INT = r"^[+-]?\d{1,18}$"
_FLOAT = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d{1,3})?$"
_SNOMED = r"^\d{6,18}$"
_NHS_FORMAT = r"^(?:\d{10}|\d{3} \d{3} \d{4}|\d{3}-\d{3}-\d{4})$"
_NHS_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)


def _text(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _bad(col: pa.Array, parsed: pa.Array) -> np.ndarray:
    """Values present in the input but absent after parsing."""
    return pc.and_(pc.is_valid(col), pc.is_null(parsed)).to_numpy(zero_copy_only=False)


def parse_int(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Whole numbers (``12``, ``-3``); anything else is flagged."""
    col = _text(col)
    ok = pc.match_substring_regex(col, _INT)
    unsigned = pc.replace_substring_regex(col, r"^\+", "")
    parsed = pc.cast(pc.if_else(ok, unsigned, pa.scalar(None, pa.string())), pa.int64())
    return parsed, _bad(col, parsed)


_YES = ("1", "y", "yes", "true", "t")
_NO = ("0", "n", "no", "false", "f")


def parse_flag(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Yes/no flags (``yes``/``no``, ``Y``/``N``, ``true``/``false``, ``1``/``0``, any case); anything else is
    flagged."""
    col = _text(col)
    token = pc.utf8_lower(pc.utf8_trim_whitespace(col))
    yes = pc.is_in(token, value_set=pa.array(_YES))
    no = pc.is_in(token, value_set=pa.array(_NO))
    parsed = pc.if_else(yes, True, pc.if_else(no, False, pa.scalar(None, pa.bool_())))
    return parsed, _bad(col, parsed)


def parse_float(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Decimal numbers (``12``, ``3.5``, ``1e-3``); anything else is flagged."""
    col = _text(col)
    ok = pc.match_substring_regex(col, _FLOAT)
    unsigned = pc.replace_substring_regex(col, r"^\+", "")
    parsed = pc.cast(pc.if_else(ok, unsigned, pa.scalar(None, pa.string())), pa.float64())
    return parsed, _bad(col, parsed)


def _components(col: pa.Array, with_time: bool) -> dict[str, np.ndarray]:
    """Year, month, day (and time) of each value matching one of the date patterns; -1 where absent.

    Each pattern is tried only on the values no earlier pattern matched.
    """
    n = len(col)
    out = {k: np.full(n, -1, dtype=np.int64) for k in ("y", "m", "d", "H", "M", "S")}
    matched = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(pc.is_valid(col).to_numpy(zero_copy_only=False))
    for pattern in _DATE_PATTERNS:
        if todo.size == 0:
            break
        subset = col if todo.size == n else col.take(pa.array(todo))
        parts = pc.extract_regex(subset, pattern + (_TIME if with_time else "") + r"$")
        hit = pc.is_valid(parts).to_numpy(zero_copy_only=False)
        rows = todo[hit]
        for field in parts.type:
            values = pc.struct_field(parts, field.name).filter(pa.array(hit))
            values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
            if field.name == "mon":
                keys = pa.array(list(_MONTH_NAMES))
                ints = pc.take(pa.array(list(_MONTH_NAMES.values()), pa.int64()),
                               pc.index_in(pc.utf8_lower(values), keys))
                name = "m"
            else:
                ints = pc.cast(values, pa.int64())
                name = field.name
            out[name][rows] = pc.fill_null(ints, -1).to_numpy(zero_copy_only=False)
        matched[rows] = True
        todo = todo[~hit]
    for k in ("H", "M", "S"):
        out[k] = np.where(matched & (out[k] < 0), 0, out[k])
    out["matched"] = matched
    return out


def _days(parts: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 and a validity mask, rejecting impossible calendar dates."""
    y, m, d = parts["y"], parts["m"], parts["d"]
    ok = parts["matched"] & (y >= _YEARS[0]) & (y <= _YEARS[1]) & (m >= 1) & (m <= 12) & (d >= 1)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0)
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype(np.int64)
    ok &= d <= length
    days = first.astype(np.int64) + np.where(ok, d - 1, 0)
    return days, ok


_FAST_DATES = (("%Y-%m-%d", 10, 8), ("%d/%m/%Y", 10, 0))
_FAST_DATETIMES = (("%Y-%m-%d %H:%M", 16, 8), ("%Y-%m-%dT%H:%M", 16, 8), ("%Y-%m-%d %H:%M:%S", 19, 8),
                   ("%Y-%m-%dT%H:%M:%S", 19, 8), ("%d/%m/%Y %H:%M", 16, 0), ("%d/%m/%Y %H:%M:%S", 19, 0),
                   *_FAST_DATES)
"""Zero-padded layouts read by Arrow's strptime: (format, exact width, where the day's two digits start)."""


def _seconds(col: pa.Array, with_time: bool) -> tuple[np.ndarray, np.ndarray]:
    """Seconds since 1970 of each value and a mask of those that are real dates (and times).

    The common zero-padded layouts go through Arrow's ``strptime``; its roll-over of impossible
    days (30 February becomes 2 March) is caught by comparing the day it read with the day
    written. Everything else goes through the general patterns.
    """
    n = len(col)
    seconds = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    todo = np.flatnonzero(pc.is_valid(col).to_numpy(zero_copy_only=False))
    for layout, width, day_at in _FAST_DATETIMES if with_time else _FAST_DATES:
        if todo.size == 0:
            break
        subset = col if todo.size == n else col.take(pa.array(todo))
        parsed = pc.strptime(subset, format=layout, unit="s", error_is_null=True)
        fits = pc.and_(pc.is_valid(parsed), pc.equal(pc.utf8_length(subset), width))
        day_text = pc.if_else(fits, pc.utf8_slice_codeunits(subset, day_at, day_at + 2), pa.scalar(None, pa.string()))
        good = as_bool(pc.and_(pc.and_(fits, pc.greater_equal(pc.year(parsed), _YEARS[0])),
                               pc.equal(pc.day(parsed), pc.cast(day_text, pa.int64()))))
        seconds[todo[good]] = pc.cast(parsed, pa.int64()).to_numpy(zero_copy_only=False)[good]
        ok[todo[good]] = True
        todo = todo[~good]
    if todo.size:
        subset = col.take(pa.array(todo))
        parts = _components(subset, with_time)
        days, fine = _days(parts)
        if with_time:
            fine &= (parts["H"] < 24) & (parts["M"] < 60) & (parts["S"] < 60)
        seconds[todo] = days * 86_400 + parts["H"] * 3_600 + parts["M"] * 60 + parts["S"]
        ok[todo] = fine
    return np.where(ok, seconds, 0), ok


def as_bool(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def parse_date(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Calendar dates as ``date32``; values that are not a real date are flagged."""
    col = _text(col)
    seconds, ok = _seconds(col, with_time=False)
    parsed = pa.array((seconds // 86_400).astype(np.int32), pa.date32(), mask=~ok)
    return parsed, _bad(col, parsed)


def parse_datetime(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Date-times as ``timestamp[s]`` (a date alone means midnight); impossible values are flagged."""
    col = _text(col)
    seconds, ok = _seconds(col, with_time=True)
    parsed = pa.array(seconds, pa.timestamp("s"), mask=~ok)
    return parsed, _bad(col, parsed)


def parse_month(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Months written ``MAR2019``, ``Mar-2019``, ``2019-03`` or ``March 2019``, as their first day."""
    col = _text(col)
    n = len(col)
    y = np.full(n, -1, dtype=np.int64)
    m = np.full(n, -1, dtype=np.int64)
    for pattern in (r"^(?P<mon>[A-Za-z]{3,9})[ -]?(?P<y>\d{4})$", r"^(?P<y>\d{4})-(?P<m>\d{1,2})$"):
        parts = pc.extract_regex(col, pattern)
        hit = pc.is_valid(parts).to_numpy(zero_copy_only=False) & (y < 0)
        year = pc.cast(pc.struct_field(parts, "y"), pa.int64())
        if "mon" in [f.name for f in parts.type]:
            words = pc.utf8_lower(pc.struct_field(parts, "mon"))
            month = pc.take(pa.array(list(_MONTH_NAMES.values()), pa.int64()),
                            pc.index_in(words, pa.array(list(_MONTH_NAMES))))
        else:
            month = pc.cast(pc.struct_field(parts, "m"), pa.int64())
        y = np.where(hit, pc.fill_null(year, -1).to_numpy(zero_copy_only=False), y)
        m = np.where(hit, pc.fill_null(month, -1).to_numpy(zero_copy_only=False), m)
    days, ok = _days({"y": y, "m": m, "d": np.ones(n, dtype=np.int64), "matched": y >= 0})
    parsed = pa.array(days.astype(np.int32), pa.date32(), mask=~ok)
    return parsed, _bad(col, parsed)


def parse_snomed(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """SNOMED CT concept ids: 6 to 18 digits (the SCTID length range); anything else is flagged."""
    col = _text(col)
    parsed = pc.if_else(pc.match_substring_regex(col, _SNOMED), col, pa.scalar(None, pa.string()))
    return parsed, _bad(col, parsed)


def normalise_token(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Lower case with every run of spaces and punctuation made one space: ``Face-to-Face`` → ``face to face``."""
    lowered = pc.utf8_lower(_text(col))
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(lowered, r"[^0-9a-z]+", " "))


def map_codes(col: pa.ChunkedArray | pa.Array, vocabulary: Mapping[str, str]) -> tuple[pa.Array, np.ndarray]:
    """Canonical code for each spelling in ``vocabulary`` (keys already normalised); unknown ones are flagged.

    Code columns hold few distinct spellings, so each distinct one is normalised once.
    """
    col = _text(col)
    encoded = pc.dictionary_encode(col)
    tokens = normalise_token(encoded.dictionary)
    index = pc.index_in(tokens, value_set=pa.array(list(vocabulary), pa.string()))
    codes = pc.take(pa.array(list(vocabulary.values()), pa.string()), index)
    parsed = pc.take(codes, encoded.indices)
    return parsed, _bad(col, parsed)


def _ten_digits(texts: pa.Array) -> np.ndarray:
    """An (n, 10) digit matrix from strings that are all exactly ten ASCII digits."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, 10), dtype=np.int64)
    binary = pc.cast(texts, pa.binary())
    offsets = np.frombuffer(binary.buffers()[1], dtype=np.int32)[binary.offset: binary.offset + n + 1]
    data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[0] + 10 * n]
    return data.reshape(n, 10).astype(np.int64) - ord("0")


def parse_nhs_number(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """NHS numbers as 10 digits (``943 476 5919`` → ``9434765919``); flags any that fail the checks.

    The format and the modulus-11 check digit (NHS Data Dictionary) are checked for the whole
    column at once; numbers in the Scottish CHI range, whose first six digits must also be a
    date, are confirmed one by one with the ``nhs-number`` package.
    """
    col = _text(col)
    shaped = pc.fill_null(pc.match_substring_regex(col, _NHS_FORMAT), False)
    digits_text = pc.replace_substring_regex(pc.if_else(shaped, col, "0000000000"), r"[ -]", "")
    digits = _ten_digits(digits_text)
    check = (11 - (digits[:, :9] @ _NHS_WEIGHTS) % 11) % 11
    ok = shaped.to_numpy(zero_copy_only=False) & (check == digits[:, 9])
    value = digits @ (10 ** np.arange(9, -1, -1, dtype=np.int64))
    for span in nhs_number.REGION_SCOTLAND.ranges:
        chi = np.flatnonzero(ok & (value >= span.start) & (value <= span.end))
        if chi.size:
            texts = digits_text.take(pa.array(chi)).to_pylist()
            ok[chi] = [nhs_number.is_valid(t) for t in texts]
    parsed = pc.if_else(pa.array(ok), digits_text, pa.scalar(None, pa.string()))
    return parsed, _bad(col, parsed)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_NAMES = {**{d.lower(): d for d in _DAYS},
              **{full: d for d, full in zip(_DAYS, ("monday", "tuesday", "wednesday", "thursday", "friday",
                                                    "saturday", "sunday"), strict=True)},
              "tues": "Tue", "weds": "Wed", "thur": "Thu", "thurs": "Thu"}


def parse_days(col: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Lists of weekdays (``Mon, Tue`` or ``monday;thursday``) as ``Mon,Tue``; unknown day names are flagged."""
    col = _text(col)
    trimmed = pc.utf8_trim(pc.utf8_lower(pc.fill_null(col, "")), characters=",;/ ")
    parts = pc.split_pattern_regex(trimmed, r"[,;/ ]+")
    index = pc.index_in(pc.list_flatten(parts), value_set=pa.array(list(_DAY_NAMES)))
    names = pc.take(pa.array(list(_DAY_NAMES.values())), index)
    joined = pc.binary_join(pa.ListArray.from_arrays(parts.offsets, names), ",")
    parsed = pc.if_else(pc.is_valid(col), joined, pa.scalar(None, pa.string()))
    return parsed, _bad(col, parsed)
