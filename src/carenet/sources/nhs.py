"""NHS Digital open data: registered practices with their deprivation, and aggregate appointments.

* "Patients Registered at a GP Practice" (``gp-reg-pat-prac-all``) gives each practice's code,
  list size, postcode and CCG; OHID Fingertips indicator 93553 adds the IMD 2019 score of the
  practice's registered population and the practice name. Together they make the canonical
  ``practices`` table. ``network_id`` is left null: a CCG (or sub-ICB location) commissions
  practices but is not a network that shares staff and services, which is what ``networks``
  means; ``ccgs=`` selects the practices of one or more CCGs instead.
* "Appointments in General Practice" (regional CSVs) gives monthly counts by status, HCP type,
  mode and booking interval: the canonical ``appointment_counts`` table, with the publication's
  spellings (``8  to 14 Days``, ``Unknown / Data Issue``, ``MAR2019``) normalised.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.schema.dataset import write_dataset
from carenet.schema.tables import TABLES, conform
from carenet.sources.extract import ImportResult
from carenet.sources.extract_csv import (
    Column,
    TextTable,
    as_mask,
    check_unique,
    each_value,
    read_text_csv,
    report_lines,
    sort_problems,
)
from carenet.sources.extract_parse import map_codes, normalise_token, parse_float, parse_int, parse_month
from carenet.sources.problems import ProblemLog

FINGERTIPS_IMD_INDICATOR = "93553"
"""OHID Fingertips indicator: Deprivation score (IMD 2019) of a GP practice's registered population."""

REGISTERED_COLUMNS = (
    Column("CODE", "text", True, "Practice ODS code", ("PRACTICE_CODE", "ORG_CODE")),
    Column("NUMBER_OF_PATIENTS", "int", True, "Registered patients", ("TOTAL_ALL", "NUMBER_OF_PATIENTS_ALL")),
    Column("POSTCODE", "text", False, "Practice postcode"),
    Column("CCG_CODE", "text", False, "Commissioner (CCG / sub-ICB location) code",
           ("SUB_ICB_LOCATION_CODE", "COMMISSIONER_ORGANISATION_CODE")),
    Column("TYPE", "text", False, "Organisation type; only GP rows are practices", ("ORG_TYPE",)),
    Column("SEX", "text", False, "Sex breakdown; only ALL rows are totals"),
    Column("AGE", "text", False, "Age breakdown; only ALL rows are totals", ("AGE_GROUP_5", "AGE_GROUP")),
)

_BREAKDOWNS: dict[str, tuple[dict[str, str], str]] = {
    "TYPE": ({"gp": "total", "pcn": "other", "ccg": "other", "stp": "other", "icb": "other",
              "sub icb location": "other", "sub icb location code": "other", "comm region": "other",
              "nhse region": "other", "region": "other", "national": "other"},
             "GP (a practice), or another level of the publication: PCN, CCG, SUB_ICB_LOCATION, ICB, COMM_REGION, "
             "NATIONAL"),
    "SEX": ({"all": "total", "male": "other", "female": "other"}, "ALL, MALE or FEMALE"),
    "AGE": ({"all": "total"}, "ALL, an age (0, 95+) or an age band (0_4)"),
}
"""The breakdown columns of the registered-patients files: spellings (normalised) → whether the row is a
practice total, and what is allowed. A value outside them is a typo that would silently drop its practice."""
_AGE_BREAKDOWN = r"^[0-9]{1,3}( [0-9]{1,3})?$"
"""An age or an age band after normalisation (``95+`` → ``95``, ``0_4`` → ``0 4``)."""

FINGERTIPS_COLUMNS = (
    Column("Area Code", "text", True, "Practice ODS code"),
    Column("Area Name", "text", False, "Practice name"),
    Column("Area Type", "text", False, "Area type; practice rows are GP or GPs"),
    Column("Value", "float", True, "IMD 2019 score"),
    Column("Indicator ID", "text", False, "Fingertips indicator number"),
    Column("Time period Sortable", "int", False, "Period as a sortable number; the latest per practice is kept"),
)

APPOINTMENT_COLUMNS = (
    Column("area_code", "text", True, "CCG / sub-ICB location code", ("CCG_CODE", "SUB_ICB_LOCATION_CODE")),
    Column("area_name", "text", False, "Area name", ("CCG_NAME", "SUB_ICB_LOCATION_NAME")),
    Column("month", "month", True, "Appointment month, e.g. MAR2019", ("Appointment_Month", "APPOINTMENT_MONTH")),
    Column("status", "code", True, "Attended, DNA or Unknown", ("APPT_STATUS",)),
    Column("hcp_type", "code", True, "GP, Other Practice staff or Unknown", ("HCP_TYPE",)),
    Column("mode", "code", True, "Face-to-Face, Telephone, Home Visit, Video/Online or Unknown", ("APPT_MODE",)),
    Column("booking_interval", "code", True, "Same Day … More than 28 Days, Unknown / Data Issue",
           ("TIME_BETWEEN_BOOK_AND_APPT",)),
    Column("count", "int", True, "Appointments", ("COUNT_OF_APPOINTMENTS",)),
)

_APPOINTMENT_VOCABULARY: dict[str, dict[str, str]] = {
    "status": {"attended": "attended", "dna": "did_not_attend", "did not attend": "did_not_attend",
               "unknown": "unknown"},
    "hcp_type": {"gp": "gp", "other practice staff": "other_practice_staff", "unknown": "unknown"},
    "mode": {"face to face": "face_to_face", "telephone": "telephone", "home visit": "home_visit",
             "video online": "video_online", "video conference online": "video_online", "unknown": "unknown"},
    "booking_interval": {
        "same day": "same_day", "1 day": "1_day", "2 to 7 days": "2_7_days", "8 to 14 days": "8_14_days",
        "15 to 21 days": "15_21_days", "22 to 28 days": "22_28_days", "more than 28 days": "over_28_days",
        "unknown data issue": "unknown", "unknown": "unknown",
    },
}
"""Publication spellings (normalised: lower case, punctuation and repeated spaces collapsed) → codes."""


def read_registered_practices(list_csv: Path, imd_csv: Path | None = None, *,
                              ccgs: Collection[str] | None = None) -> pa.Table:
    """The canonical ``practices`` table from a registered-patients file and, optionally, Fingertips IMD.

    ``practice_id`` is the practice code; ``list_size`` the total registered; ``postcode`` as
    published; ``imd_score`` and ``name`` from Fingertips where the practice appears there (the
    name falls back to the code); ``network_id`` null. ``ccgs`` keeps only practices of those
    CCG codes. Raises :class:`~carenet.sources.problems.ImportFailed` listing every problem.
    """
    log = ProblemLog()
    practices = _read_list(Path(list_csv), log, ccgs)
    imd = _read_imd(Path(imd_csv), log) if imd_csv is not None else None
    sort_problems(log)
    log.raise_if_any()
    assert practices is not None
    if imd is not None:
        practices = practices.join(imd, "practice_id", join_type="left outer", use_threads=False)
        practices = practices.sort_by([("__row", "ascending")])
        name = pc.coalesce(practices["name"], practices["practice_id"])
        practices = practices.set_column(practices.schema.get_field_index("name"), "name", name)
    else:
        practices = practices.append_column("name", practices["practice_id"])
    return conform("practices", practices.drop_columns(["__row"]))


def _read_list(path: Path, log: ProblemLog, ccgs: Collection[str] | None) -> pa.Table | None:
    text = read_text_csv(path, REGISTERED_COLUMNS, log)
    if text is None:
        return None
    keep = _practice_totals(text, log)
    lo, hi = TABLES["practices"].ranges["list_size"]
    size, bad = parse_int(text.col("NUMBER_OF_PATIENTS"))
    report_lines(log, text.label, text.lines, bad,
                 each_value("NUMBER_OF_PATIENTS: not a whole number", text.col("NUMBER_OF_PATIENTS")))
    report_lines(log, text.label, text.lines, pc.less(size, lo),
                 each_value(f"NUMBER_OF_PATIENTS: outside {lo}–{hi:,}", text.col("NUMBER_OF_PATIENTS")))
    if ccgs is not None:
        if text.col("CCG_CODE") is None:
            log.add(text.label, "line 1", "no CCG_CODE column, so practices cannot be selected by CCG")
            return None
        in_ccg = pc.is_in(text.col("CCG_CODE"), value_set=pa.array(sorted(ccgs), pa.string()))
        keep &= as_mask(in_ccg)
    if not keep.any():
        log.add(text.label, None, "no practice totals found (rows with TYPE=GP, SEX=ALL, AGE=ALL"
                + (f" in CCG {', '.join(sorted(ccgs))}" if ccgs is not None else "") + ")")
        return None
    text = text.filter(keep)
    code = text.col("CODE")
    report_lines(log, text.label, text.lines, pc.is_null(code), "CODE: practice code is empty")
    size = size.filter(pa.array(keep))
    report_lines(log, text.label, text.lines, pc.is_null(text.col("NUMBER_OF_PATIENTS")),
                 "NUMBER_OF_PATIENTS: value is missing")
    report_lines(log, text.label, text.lines, pc.greater(size, hi),
                 each_value(f"NUMBER_OF_PATIENTS: outside {lo}–{hi:,}", text.col("NUMBER_OF_PATIENTS")))
    check_unique(log, text, ["CODE"], "practice")
    postcode = text.col("POSTCODE")
    return pa.table({
        "practice_id": code,
        "list_size": size,
        "postcode": postcode if postcode is not None else pa.nulls(text.table.num_rows, pa.string()),
        "__row": pa.array(np.arange(text.table.num_rows, dtype=np.int64)),
    })


def _practice_totals(text: TextTable, log: ProblemLog) -> np.ndarray:
    """Rows that are practice totals (TYPE=GP, SEX=ALL, AGE=ALL); a breakdown value that is none of the
    publication's is reported, not silently taken for another breakdown."""
    keep = np.ones(text.table.num_rows, dtype=bool)
    for column, (vocabulary, allowed) in _BREAKDOWNS.items():
        values = text.col(column)
        if values is None:
            continue
        codes, bad = map_codes(values, vocabulary)
        if column == "AGE":
            bad &= ~as_mask(pc.match_substring_regex(normalise_token(values), _AGE_BREAKDOWN))
        report_lines(log, text.label, text.lines, bad, each_value(f"{column}: unknown value; expected {allowed}",
                                                                  values))
        report_lines(log, text.label, text.lines, pc.is_null(values), f"{column}: value is missing; expected {allowed}")
        keep &= as_mask(pc.equal(codes, "total"))
    return keep


def _read_imd(path: Path, log: ProblemLog) -> pa.Table | None:
    text = read_text_csv(path, FINGERTIPS_COLUMNS, log)
    if text is None:
        return None
    indicator = text.col("Indicator ID")
    if indicator is not None:
        other = pc.fill_null(pc.not_equal(indicator, FINGERTIPS_IMD_INDICATOR), False)
        if pc.any(other).as_py():
            expected = f"Indicator ID: expected {FINGERTIPS_IMD_INDICATOR} (IMD 2019 by practice)"
            report_lines(log, text.label, text.lines, other, each_value(expected, indicator))
    area_type = text.col("Area Type")
    if area_type is not None:
        is_gp = pc.is_in(pc.utf8_lower(area_type), value_set=pa.array(["gp", "gps"]))
        text = text.filter(is_gp)
    score, bad = parse_float(text.col("Value"))
    report_lines(log, text.label, text.lines, bad, each_value("Value: not a number", text.col("Value")))
    lo, hi = TABLES["practices"].ranges["imd_score"]
    report_lines(log, text.label, text.lines, pc.or_(pc.less(score, lo), pc.greater(score, hi)),
                 each_value(f"Value: IMD score outside {lo:g}–{hi:g}", text.col("Value")))
    period_text = text.col("Time period Sortable")
    if period_text is not None:
        period, bad_period = parse_int(period_text)
        report_lines(log, text.label, text.lines, bad_period, each_value("Time period Sortable: not a whole number",
                                                                    period_text))
    else:
        period = pa.nulls(text.table.num_rows, pa.int64())
    if period_text is not None:
        check_unique(log, text, ["Area Code", "Time period Sortable"], "practice and period")
    else:
        check_unique(log, text, ["Area Code"], "practice")
    name = text.col("Area Name")
    rows = pa.table({
        "practice_id": text.col("Area Code"),
        "imd_score": score,
        "name": name if name is not None else pa.nulls(text.table.num_rows, pa.string()),
        "__period": pc.fill_null(period, -1),
    }).filter(pc.is_valid(text.col("Area Code")))
    latest = rows.sort_by([("practice_id", "ascending"), ("__period", "descending")])
    return latest.group_by("practice_id", use_threads=False).aggregate(
        [("imd_score", "first"), ("name", "first")]).rename_columns(["practice_id", "imd_score", "name"])


def read_appointment_counts(paths: Sequence[Path]) -> pa.Table:
    """The canonical ``appointment_counts`` table from one or more "Appointments in General Practice" CSVs.

    Rows whose labels normalise to the same key within a file are summed; the same key in two
    files is a problem (the files overlap). Raises
    :class:`~carenet.sources.problems.ImportFailed` listing every problem.
    """
    log = ProblemLog()
    parts = [part for path in paths if (part := _read_counts(Path(path), log)) is not None]
    sort_problems(log)
    log.raise_if_any()
    if not parts:
        return TABLES["appointment_counts"].empty()
    key = list(TABLES["appointment_counts"].primary_key)
    both = pa.concat_tables(parts)
    files = both.group_by(key, use_threads=False).aggregate([("__file", "count_distinct"), ("__file", "list")])
    clash = files.filter(pc.greater(files["__file_count_distinct"], 1))
    for row in clash.slice(0, 20).to_pylist():
        shown = ", ".join(f"{k}={row[k]!s}" for k in key)
        log.add(" and ".join(sorted(set(row["__file_list"]))), None,
                f"the same counts appear in more than one file: {shown}")
    log.raise_if_any()
    names = both.group_by("area_code", use_threads=False).aggregate([("area_name", "max")])
    counts = both.drop_columns(["__file", "area_name"]).join(names, "area_code", use_threads=False)
    return conform("appointment_counts", counts.rename_columns(
        [c if c != "area_name_max" else "area_name" for c in counts.column_names]).sort_by(
        [(k, "ascending") for k in key]))


def _read_counts(path: Path, log: ProblemLog) -> pa.Table | None:
    text = read_text_csv(path, APPOINTMENT_COLUMNS, log)
    if text is None:
        return None
    columns: dict[str, pa.Array] = {}
    for name in ("area_code", "month", "status", "hcp_type", "mode", "booking_interval", "count"):
        report_lines(log, text.label, text.lines, pc.is_null(text.col(name)), f"{name}: value is missing")
    month, bad = parse_month(text.col("month"))
    report_lines(log, text.label, text.lines, bad, each_value("month: not a month like MAR2019", text.col("month")))
    columns["month"] = month
    for name, vocabulary in _APPOINTMENT_VOCABULARY.items():
        codes, bad = map_codes(text.col(name), vocabulary)
        report_lines(log, text.label, text.lines, bad, each_value(f"{name}: unknown label", text.col(name)))
        columns[name] = codes
    count, bad = parse_int(text.col("count"))
    report_lines(log, text.label, text.lines, bad, each_value("count: not a whole number", text.col("count")))
    report_lines(log, text.label, text.lines, pc.less(count, 0), each_value("count: negative", text.col("count")))
    labels = ["area_code", "month", "status", "hcp_type", "mode", "booking_interval"]
    check_unique(log, text.with_columns({f"__{k}": normalise_token(text.col(k)) for k in labels}),
                 [f"__{k}" for k in labels], "row")
    area_name = text.col("area_name")
    table = pa.table({
        "area_code": text.col("area_code"),
        "area_name": area_name if area_name is not None else pa.nulls(text.table.num_rows, pa.string()),
        **columns,
        "count": count,
    })
    key = list(TABLES["appointment_counts"].primary_key)
    summed = table.group_by([*key, "area_name"], use_threads=False).aggregate([("count", "sum")])
    summed = summed.rename_columns([c if c != "count_sum" else "count" for c in summed.column_names])
    return summed.append_column("__file", pa.array([text.label] * summed.num_rows, pa.string()))


def import_registered_practices(list_csv: Path, out: str | os.PathLike[str], imd_csv: Path | None = None, *,
                                ccgs: Collection[str] | None = None, update: bool = False) -> ImportResult:
    """Read the registered practices (with IMD) and merge them into the dataset at ``out``.

    A practice the dataset already holds with other facts is a conflict: refused, or applied with ``update``.
    """
    tables = {"practices": read_registered_practices(list_csv, imd_csv, ccgs=ccgs)}
    sources = [Path(list_csv).name] + ([Path(imd_csv).name] if imd_csv is not None else [])
    return ImportResult.of(tables, write_dataset(out, tables, source="nhs-registered:" + "+".join(sources),
                                                 update=update))


def import_appointment_counts(paths: Sequence[Path], out: str | os.PathLike[str], *,
                              update: bool = False) -> ImportResult:
    """Read "Appointments in General Practice" CSVs and merge the counts into the dataset at ``out``."""
    tables = {"appointment_counts": read_appointment_counts(paths)}
    source = "nhs-appointments:" + "+".join(Path(p).name for p in paths)
    return ImportResult.of(tables, write_dataset(out, tables, source=source, update=update))


