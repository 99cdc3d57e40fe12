"""Practice staff from NHS Digital's "General Practice Workforce" practice-level CSV.

NHS Digital publishes, each month (each quarter before July 2021), one row per practice in England
("General Practice – <month> <year> Practice Level" in the GPWPracticeCSV zip): headcount and full-time
equivalents by staff group. carenet reads the columns the equity figures need, by the names that file gives
them (any letter case):

* ``PRAC_CODE`` — the practice code (as in the list-size files);
* ``TOTAL_GP_FTE`` — every GP, partners, salaried, registrars and regular locums;
* ``TOTAL_NURSES_FTE`` (``TOTAL_NURSE_FTE`` before 2015) — practice nurses, advanced nurse practitioners;
* ``TOTAL_DPC_FTE`` — direct patient care: pharmacists, physiotherapists, physician associates, health care
  assistants and the like employed by the practice.

Clinical FTE is GP + nurses + direct patient care. Staff that primary care networks employ under ARRS are
published separately (the PCN workforce series) and are not in this file. ``ND`` (not disclosed), ``NA``,
``EST`` and empty cells are unknown, and a practice with an unknown GP figure is left out of every staff
figure rather than counted as having no GPs; any other text where a number belongs is an error naming the
line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.fund.errors import FundError
from carenet.fund.profile import PracticeProfile
from carenet.sources.extract_csv import Column, each_value, read_text_csv, report_lines
from carenet.sources.extract_parse import parse_float
from carenet.sources.problems import ProblemLog

UNKNOWN = ("ND", "NA", "N/A", "EST", "")
"""Cells the workforce file uses for a figure it does not give."""

_COLUMNS = (
    Column("PRAC_CODE", "text", True, "Practice code"),
    Column("TOTAL_GP_FTE", "text", True, "GP full-time equivalents"),
    Column("TOTAL_NURSES_FTE", "text", False, "Nurse full-time equivalents", aliases=("TOTAL_NURSE_FTE",)),
    Column("TOTAL_DPC_FTE", "text", False, "Direct patient care full-time equivalents"),
)


def attach_workforce(profile: PracticeProfile, path: str | Path) -> None:
    """Set ``profile.gp_fte`` and ``profile.clinical_fte`` from a workforce CSV (NaN where a practice is not in
    the file or its GP figure is not given), and say in ``profile.notes`` what was matched."""
    path = Path(path)
    log = ProblemLog()
    text = read_text_csv(path, _COLUMNS, log)
    if text is None:
        _refuse(path, log)
    figures = {}
    for column in ("TOTAL_GP_FTE", "TOTAL_NURSES_FTE", "TOTAL_DPC_FTE"):
        values = text.col(column)
        if values is not None:
            figures[column] = _fte(values, column, text, log)
    _refuse(path, log)
    file_codes = pc.utf8_upper(pc.utf8_trim_whitespace(text.col("PRAC_CODE"))).combine_chunks()
    _refuse_repeats(file_codes, text, log)
    _refuse(path, log)
    codes = pc.utf8_upper(pa.array([str(c) for c in profile.practice_id], pa.string()))
    row = pc.fill_null(pc.index_in(codes, value_set=file_codes), -1).to_numpy(zero_copy_only=False)
    found = row >= 0
    gp = np.full(profile.size, np.nan)
    gp[found] = figures["TOTAL_GP_FTE"][row[found]]
    clinical = gp.copy()
    for column in ("TOTAL_NURSES_FTE", "TOTAL_DPC_FTE"):
        if column in figures:  # an undisclosed figure leaves the practice out of the clinical figure, never as 0
            clinical[found] += figures[column][row[found]]
    profile.gp_fte, profile.clinical_fte = gp, clinical
    known = int((~np.isnan(gp)).sum())
    clinical_known = int((~np.isnan(clinical)).sum())
    groups = ["GPs"] + [name for column, name in (("TOTAL_NURSES_FTE", "nurses"), ("TOTAL_DPC_FTE",
                                                                                  "direct patient care"))
                        if column in figures]
    profile.notes.append(f"staff from {path.name}: {', '.join(groups)} for {known:,} of {profile.size:,} practices"
                         + (f"; {profile.size - known:,} not in the file or not disclosed are left out of the staff "
                            "figures" if known < profile.size else "")
                         + (f"; clinical staff for {clinical_known:,} (a group not disclosed leaves a practice out)"
                            if clinical_known < known else ""))


def _refuse_repeats(codes: pa.Array, text, log: ProblemLog) -> None:
    """A practice code on more than one line is an error naming the lines (which figure would be meant?)."""
    counts = pc.value_counts(codes)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(repeated):
        report_lines(log, text.label, text.lines, pc.is_in(codes, value_set=repeated),
                     each_value("PRAC_CODE: the practice is on more than one line", codes))


def _refuse(path: Path, log: ProblemLog) -> None:
    """Stop with every problem found, naming the file and line, if there is any."""
    if log.problems:
        shown = "\n".join(f"  - {problem}" for problem in log.problems[:50])
        raise FundError(f"{path}: not usable as NHS Digital's practice-level workforce CSV (--workforce); nothing "
                        f"was computed:\n{shown}")


def _fte(values: pa.ChunkedArray, column: str, text, log: ProblemLog) -> np.ndarray:
    """FTE per row; NaN where the file says it is unknown; an error for any other text or a negative number."""
    unknown = pc.or_kleene(pc.is_null(values), pc.is_in(pc.utf8_upper(values), value_set=pa.array(UNKNOWN)))
    given = pc.if_else(unknown, pa.scalar(None, pa.string()), values)
    number, bad = parse_float(given)
    report_lines(log, text.label, text.lines, bad,
                 each_value(f"{column}: not a number of full-time equivalents (or ND for not disclosed)", values))
    out = pc.fill_null(number, np.nan).to_numpy(zero_copy_only=False).astype(np.float64)
    report_lines(log, text.label, text.lines, np.nan_to_num(out, nan=0.0) < 0,
                 each_value(f"{column}: a negative number of full-time equivalents", values))
    return out
