"""Published figures: computed from an NHS Digital "Appointments in General Practice" file, or read from settings.

The file (any region's CSV in the publication's format; :func:`carenet.sources.nhs.read_appointment_counts`
parses it) gives, over the reference months, the share of appointments by staff type, by booking interval
(the same-day share among them), by mode, and the did-not-attend rate. ``Unknown`` categories are left out
of each share's denominator, as NHS Digital's own percentages leave them out. The other figures (consultation
rates by age, UPC of Barker 2017, GP Patient Survey access) come from :class:`ValidationSettings`.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from carenet.sources.nhs import read_appointment_counts
from carenet.sources.problems import ImportFailed
from carenet.validation.catalogue import INTERVALS, PRACTICE_SIZES, PUBLISHED_MODES, STAFF_TYPES, UNMET_OUTCOMES
from carenet.validation.settings import Published, ValidationInputError, ValidationSettings

PUBLISHED_COLUMNS: tuple[str, ...] = ("measure", "group", "value", "tag", "source", "note")
UNKNOWN = "unknown"
MAX_PROBLEMS = 20
FILE_TAG = "D"
"""Shares computed from the published counts: derived by arithmetic from verified figures."""


def month_label(day: dt.date) -> str:
    return day.strftime("%b %Y")


def appointment_counts(path: Path, months: tuple[dt.date, dt.date]) -> pd.DataFrame:
    """The file's counts for the reference months (first and last included); refuses a file without them."""
    path = Path(path)
    try:
        counts = read_appointment_counts([path]).to_pandas()
    except ImportFailed as exc:
        shown = "\n".join(f"  - {p}" for p in exc.problems[:MAX_PROBLEMS])
        more = f"\n  … and {len(exc.problems) - MAX_PROBLEMS} more" if len(exc.problems) > MAX_PROBLEMS else ""
        raise ValidationInputError(f"{path}: not a usable 'Appointments in General Practice' file:\n{shown}{more}"
                                   ) from None
    month = pd.to_datetime(counts["month"]).dt.date
    first, last = months
    chosen = counts[(month >= first) & (month <= last)]
    if chosen.empty or int(chosen["count"].sum()) == 0:
        held = sorted(set(month))
        span = f"{month_label(held[0])} to {month_label(held[-1])}" if held else "no months"
        raise ValidationInputError(f"{path}: no appointments in {month_label(first)} to {month_label(last)} "
                                   f"(validation.appointment_months); the file holds {span}")
    return chosen


def _shares(counts: pd.DataFrame, column: str, groups: tuple[str, ...]) -> dict[str, float]:
    known = counts[counts[column] != UNKNOWN].groupby(column)["count"].sum()
    total = float(known.sum())
    return {g: float(known.get(g, 0)) / total if total else math.nan for g in groups}


def _rows(measure: str, values: dict[str, float], tag: str, source: str, note: str = "") -> list[dict]:
    return [{"measure": measure, "group": g, "value": v, "tag": tag, "source": source,
             "note": note if math.isnan(v) else ""} for g, v in values.items()]


def file_figures(path: Path, settings: ValidationSettings) -> pd.DataFrame:
    """Staff-type, booking-interval, mode and did-not-attend figures from the appointments file ``path``."""
    counts = appointment_counts(path, settings.months)
    first, last = settings.months
    areas = ", ".join(f"{name} ({code})" if isinstance(name, str) and name else str(code)
                      for code, name in counts[["area_code", "area_name"]].drop_duplicates().itertuples(index=False))
    source = (f"NHS Digital, Appointments in General Practice, {areas}, {month_label(first)} to {month_label(last)} "
              f"({Path(path).name})")
    outcome = counts[counts["status"] != UNKNOWN].groupby("status")["count"].sum()
    seen = float(outcome.sum())
    dna = float(outcome.get("did_not_attend", 0)) / seen if seen else math.nan
    empty = f"{Path(path).name} has no appointments of a known category in these months"
    return pd.DataFrame(
        _rows("staff_share", _shares(counts, "hcp_type", STAFF_TYPES), FILE_TAG, source, empty)
        + _rows("booking_interval", _shares(counts, "booking_interval", INTERVALS), FILE_TAG, source, empty)
        + _rows("dna_rate", {"": dna}, FILE_TAG, source, empty)
        + _rows("mode_share", _shares(counts, "mode", PUBLISHED_MODES), FILE_TAG, source, empty),
        columns=list(PUBLISHED_COLUMNS))


def _one(measure: str, group: str, figure: Published) -> dict:
    value = math.nan if figure.value is None else figure.value
    source = f"{figure.source} ({figure.period})" if figure.period and figure.value is not None else figure.source
    return {"measure": measure, "group": group, "value": value, "tag": figure.tag, "source": source,
            "note": figure.note or ("no published figure found" if figure.value is None else "")}


def settings_figures(settings: ValidationSettings) -> pd.DataFrame:
    """The figures ``parameters.yaml`` holds: consultation rates, same-day share, continuity, unmet demand."""
    rates = settings.consultation_rate
    scale = settings.consultation_scale
    note = f"{rates.period} rate × {scale:g} to today's volume" if scale != 1 else ""
    rows = [_one("consultation_rate", band.label,
                 Published(band.rate * scale, rates.tag, rates.source, rates.period, note))
            for band in settings.consultation_bands]
    rows.append(_one("same_day_share", "", settings.same_day_share))
    rows += [_one("upc", size, settings.upc[size]) for size in PRACTICE_SIZES]
    rows += [_one("coc", size, settings.coc) for size in PRACTICE_SIZES]
    rows.append(_one("unmet_demand", "", settings.gpps_no_appointment))
    rows += [_one("unmet_outcome", outcome,
                  settings.gpps_went_to_ae if outcome == "redirected_ae" else settings.gpps_other_outcomes)
             for outcome in UNMET_OUTCOMES]
    rows.append(_one("outpatient_referral_rate", "", settings.outpatient_referral_rate))
    return pd.DataFrame(rows, columns=list(PUBLISHED_COLUMNS))


def published_figures(appointments: Path, settings: ValidationSettings) -> pd.DataFrame:
    """Every published figure, one row per measure and group."""
    return pd.concat([settings_figures(settings), file_figures(appointments, settings)], ignore_index=True)


__all__ = ["PUBLISHED_COLUMNS", "appointment_counts", "file_figures", "published_figures", "settings_figures"]
