"""England's practices from the NHS open data, as a :class:`~carenet.fund.profile.PracticeProfile`.

* list sizes (and names, IMD 2019) through :func:`carenet.sources.nhs.read_registered_practices` on the
  July 2026 "Patients Registered at a GP Practice" 5-year age band file and Fingertips indicator 93553;
* the age-sex structure from the same file's practice rows by ``SEX`` and ``AGE_GROUP_5``;
* the practice → PCN → sub-ICB map of the same release (localities and networks);
* QOF 2022-23 register sizes (morbidity), register ÷ the practice's total list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carenet.fund.errors import FundError
from carenet.fund.profile import SEXES, PracticeProfile
from carenet.measures.community import NeedWeights
from carenet.sources.extract_csv import Column, as_mask, each_value, read_text_csv, report_lines
from carenet.sources.extract_parse import parse_float, parse_int
from carenet.sources.nhs import read_registered_practices
from carenet.sources.problems import ProblemLog

AGE_SEX_CSV = "gp-reg-pat-prac-quin-age_2026-07.csv"
MAP_CSV = "gp-reg-pat-prac-map_2026-07.csv"
IMD_CSV = "fingertips_93553_imd2019_by_gp_practice.csv"
QOF_CSV = "qof_PREVALENCE_2223.csv"

_AGE_SEX = (
    Column("ORG_TYPE", "text", True, "Organisation type; GP rows are practices"),
    Column("ORG_CODE", "text", True, "Practice code"),
    Column("SEX", "text", True, "FEMALE, MALE or ALL"),
    Column("AGE_GROUP_5", "text", True, "5-year age band, e.g. 0_4, 95+, or ALL"),
    Column("NUMBER_OF_PATIENTS", "int", True, "Registered patients"),
)
_MAP = (
    Column("PRACTICE_CODE", "text", True, "Practice code"),
    Column("PCN_CODE", "text", False, "Primary care network"),
    Column("SUB_ICB_LOCATION_CODE", "text", False, "Sub-ICB location (the locality)"),
)
_QOF = (
    Column("PRACTICE_CODE", "text", True, "Practice code"),
    Column("GROUP_CODE", "text", True, "QOF register"),
    Column("REGISTER", "float", True, "Patients on the register"),
    Column("PATIENT_LIST_TYPE", "text", True, "Age base of the register's list: TOTAL, 06OV, 16OV …"),
    Column("PRACTICE_LIST_SIZE", "int", True, "List size of that age base"),
)


def read_england(folder: str | Path, weights: NeedWeights, registers: tuple[str, ...]) -> PracticeProfile:
    """Every practice in the July 2026 age-sex file, with morbidity (QOF 2022-23), IMD 2019, PCN and sub-ICB."""
    folder = Path(folder)
    needed = [folder / name for name in (AGE_SEX_CSV, MAP_CSV, IMD_CSV, QOF_CSV)]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise FundError(f"{folder}: {', '.join(missing)} not found; --nhs-data must be the folder of the NHS open "
                        f"data ({', '.join(p.name for p in needed)})")
    practices = read_registered_practices(folder / AGE_SEX_CSV, folder / IMD_CSV)
    codes = practices["practice_id"]
    log = ProblemLog()
    age_sex = _age_sex(folder / AGE_SEX_CSV, codes, weights, log)
    places = _map(folder / MAP_CSV, codes, log)
    prevalence, found = _qof(folder / QOF_CSV, codes, registers, log)
    log.raise_if_any()
    profile = PracticeProfile(
        practice_id=np.array(codes.to_pylist(), dtype=object), name=np.array(practices["name"].to_pylist(),
                                                                             dtype=object),
        registered=practices["list_size"].to_numpy(), source=f"England ({AGE_SEX_CSV})", age_sex=age_sex,
        age_bands=weights.bands,
        registers=registers, ltc_prevalence=prevalence,
        imd_score=practices["imd_score"].to_numpy(zero_copy_only=False).astype(np.float64),
        network=places["PCN_CODE"], locality=places["SUB_ICB_LOCATION_CODE"])
    unknown_imd = int(np.isnan(profile.imd_score).sum())
    profile.notes.append(f"{profile.size:,} practices, {int(profile.registered.sum()):,} registered patients "
                         "(July 2026)")
    if (~found).any():
        profile.notes.append(f"{int((~found).sum()):,} practices have no QOF 2022-23 registers: morbidity index 1")
    if unknown_imd:
        profile.notes.append(f"{unknown_imd:,} practices have no IMD 2019 score: deprivation index 1")
    return profile


def _index(codes: pa.ChunkedArray, values: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Position of each value in ``codes`` (-1 where absent)."""
    return pc.fill_null(pc.index_in(values, value_set=codes.combine_chunks()), -1).to_numpy(zero_copy_only=False)


def _age_sex(path: Path, codes: pa.ChunkedArray, weights: NeedWeights, log: ProblemLog) -> np.ndarray | None:
    text = read_text_csv(path, _AGE_SEX, log)
    if text is None:
        return None
    text = text.filter(pc.equal(pc.utf8_upper(text.col("ORG_TYPE")), "GP"))
    sex = pc.utf8_lower(text.col("SEX"))
    text = text.filter(pc.and_(pc.is_in(sex, value_set=pa.array(SEXES)), pc.not_equal(text.col("AGE_GROUP_5"),
                                                                                        "ALL")))
    band = pc.utf8_replace_slice(text.col("AGE_GROUP_5"), 0, 0, "")
    lower, bad = parse_int(pc.replace_substring_regex(band, r"[_+].*$", ""))
    report_lines(log, text.label, text.lines, bad, each_value("AGE_GROUP_5: expected a band like 0_4 or 95+",
                                                             text.col("AGE_GROUP_5")))
    count, bad_count = parse_int(text.col("NUMBER_OF_PATIENTS"))
    report_lines(log, text.label, text.lines, bad_count, each_value("NUMBER_OF_PATIENTS: not a whole number",
                                                                   text.col("NUMBER_OF_PATIENTS")))
    if log:
        return None
    row = _index(codes, text.col("ORG_CODE"))
    lo = pc.fill_null(lower, 0).to_numpy(zero_copy_only=False)
    b = np.searchsorted(np.asarray(weights.bands), lo, side="right") - 1
    s = as_mask(pc.equal(pc.utf8_lower(text.col("SEX")), "male")).astype(np.int64)
    n = pc.fill_null(count, 0).to_numpy(zero_copy_only=False)
    out = np.zeros((len(codes), 2, len(weights.bands)), dtype=np.int64)
    keep = row >= 0
    np.add.at(out, (row[keep], s[keep], b[keep]), n[keep])
    return out


def _map(path: Path, codes: pa.ChunkedArray, log: ProblemLog) -> dict[str, np.ndarray]:
    empty = {c.name: np.full(len(codes), "", dtype=object) for c in _MAP[1:]}
    text = read_text_csv(path, _MAP, log)
    if text is None:
        return empty
    row = _index(codes, text.col("PRACTICE_CODE"))
    keep = row >= 0
    for name in empty:
        values = text.col(name)
        if values is not None:
            empty[name][row[keep]] = np.array(pc.fill_null(values, "").to_pylist(), dtype=object)[keep]
    return empty


def _qof(path: Path, codes: pa.ChunkedArray, registers: tuple[str, ...],
         log: ProblemLog) -> tuple[np.ndarray, np.ndarray]:
    n = len(codes)
    prevalence = np.full((n, len(registers)), np.nan)
    text = read_text_csv(path, _QOF, log)
    if text is None:
        return prevalence, np.zeros(n, dtype=bool)
    count, bad = parse_float(text.col("REGISTER"))
    report_lines(log, text.label, text.lines, bad, each_value("REGISTER: not a number", text.col("REGISTER")))
    size, bad_size = parse_int(text.col("PRACTICE_LIST_SIZE"))
    report_lines(log, text.label, text.lines, bad_size, each_value("PRACTICE_LIST_SIZE: not a whole number",
                                                                  text.col("PRACTICE_LIST_SIZE")))
    row = _index(codes, text.col("PRACTICE_CODE"))
    total = np.zeros(n)
    is_total = as_mask(pc.equal(text.col("PATIENT_LIST_TYPE"), "TOTAL")) & (row >= 0)
    total[row[is_total]] = pc.fill_null(size, 0).to_numpy(zero_copy_only=False)[is_total]
    reg = pc.fill_null(pc.index_in(text.col("GROUP_CODE"), value_set=pa.array(registers)), -1).to_numpy(
        zero_copy_only=False)
    keep = (row >= 0) & (reg >= 0)
    found = total > 0
    prevalence[found] = 0.0
    values = pc.fill_null(count, 0.0).to_numpy(zero_copy_only=False)
    ok = keep & found[np.maximum(row, 0)]
    prevalence[row[ok], reg[ok]] = values[ok] / total[row[ok]]
    return np.clip(prevalence, 0.0, 1.0), found
