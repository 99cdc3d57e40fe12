"""FHIR dates and date-times to canonical local dates and wall-clock timestamps, column at a time.

A FHIR ``dateTime`` with a time carries a UTC offset; canonical timestamps are the wall-clock time
of the practices' zone (``Europe/London`` by default), so instants are converted to that zone and
the offset dropped. Partial dates (``2019``, ``2019-04``) stand for their first day.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa


def local_timestamps(values: Sequence[str | None], timezone: str) -> tuple[pa.Array, np.ndarray]:
    """Timestamps (seconds, naive local time) and a mask of the non-null inputs that could not be read."""
    text = pd.Series(values, dtype="object")
    present = text.notna().to_numpy()
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[s]")
    if present.any():
        given = text[present].astype(str)
        timed = given.str.contains("T", regex=False)
        if timed.any():
            instants = pd.to_datetime(given[timed], format="ISO8601", utc=True, errors="coerce")
            local = instants.dt.tz_convert(timezone).dt.tz_localize(None).dt.floor("s")
            out[local.index] = local.astype("datetime64[s]")
        if (~timed).any():
            dates = given[~timed].str.pad(7, side="right", fillchar="-").str.replace(
                r"^(\d{4})-*$", r"\1-01", regex=True)
            dates = dates.where(dates.str.len() > 7, dates + "-01")
            parsed = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
            out[parsed.index] = parsed.astype("datetime64[s]")
    bad = present & out.isna().to_numpy()
    return pa.array(out, type=pa.timestamp("s")), bad


def local_dates(values: Sequence[str | None], timezone: str) -> tuple[pa.Array, np.ndarray]:
    """Local calendar dates and a mask of the non-null inputs that could not be read."""
    stamps, bad = local_timestamps(values, timezone)
    return stamps.cast(pa.date32()), bad
