"""Clinicians per need-adjusted patient from NHS Digital's practice-level workforce CSV."""

import csv

import numpy as np
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from carenet.cli.app import app
from carenet.fund import FundSettings, capitation, equity
from carenet.fund.england import read_england
from carenet.fund.errors import FundError
from carenet.fund.profile import from_practices_table
from carenet.fund.workforce import attach_workforce

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def _twenty_practices():
    """Twenty practices of 1,000 patients, IMD 1 to 20: two to a decile, P20 the most deprived."""
    codes = [f"P{i}" for i in range(1, 21)]
    table = pa.table({"practice_id": codes, "name": codes, "list_size": [1000] * 20,
                      "imd_score": [float(i) for i in range(1, 21)], "network_id": ["N1"] * 20})
    return from_practices_table(table, "twenty practices")


def _write(path, rows, header="PRAC_CODE,PRAC_NAME,TOTAL_GP_FTE,TOTAL_NURSES_FTE,TOTAL_DPC_FTE"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def test_fte_per_need_adjusted_patient_by_decile_from_the_workforce_file(tmp_path):
    settings = FundSettings.from_parameters()
    profile = _twenty_practices()
    rows = [f"P{i},Practice {i},{0.5 + 0.05 * (20 - i):.2f},0.5,0.25" for i in range(1, 21) if i != 19]
    rows += ["P19,Practice 19,ND,ND,ND", "Z99999,Not in the list,3,1,1"]
    attach_workforce(profile, _write(tmp_path / "gpw.csv", rows))
    assert np.isnan(profile.gp_fte[18]) and profile.gp_fte[0] == pytest.approx(1.45)
    assert profile.clinical_fte[0] == pytest.approx(1.45 + 0.5 + 0.25)
    assert any("19 of 20 practices" in n and "1 not in the file" in n for n in profile.notes)

    result = equity(capitation(profile, settings), settings, 100.0)
    table = {r["deprivation_decile"]: r for r in result.table.to_pylist()}
    weighted = capitation(profile, settings).weighted
    # decile 1 (most deprived) is P19 and P20; P19 did not disclose its staff and is left out of both sides
    assert table[1]["gp_fte_per_100k_need_adjusted"] == pytest.approx(0.5 / weighted[19] * 1e5, abs=0.01)
    # decile 10 is P1 and P2
    least = (1.45 + 1.40) / (weighted[0] + weighted[1]) * 1e5
    assert table[10]["gp_fte_per_100k_need_adjusted"] == pytest.approx(least, abs=0.01)
    assert table[10]["clinical_fte_per_100k_need_adjusted"] == pytest.approx(
        (1.45 + 1.40 + 2 * 0.75) / (weighted[0] + weighted[1]) * 1e5, abs=0.01)
    assert result.gp_gap == pytest.approx(1 - table[1]["gp_fte_per_100k_need_adjusted"] /
                                          table[10]["gp_fte_per_100k_need_adjusted"])
    assert result.gp_gap > 0.5


def test_an_undisclosed_nurse_figure_leaves_the_practice_out_of_the_clinical_figure_only(tmp_path):
    profile = _twenty_practices()
    rows = [f"P{i},Practice {i},1.0,0.5,0.5" for i in range(2, 21)] + ["p1,Practice 1,2.0,ND,0.5"]
    attach_workforce(profile, _write(tmp_path / "gpw.csv", rows))
    assert profile.gp_fte[0] == 2.0 and np.isnan(profile.clinical_fte[0])  # lower-case code still matched
    assert any("clinical staff for 19" in n for n in profile.notes)
    settings = FundSettings.from_parameters()
    cap = capitation(profile, settings)
    table = {r["deprivation_decile"]: r for r in equity(cap, settings, 100.0).table.to_pylist()}
    # decile 10 is P1 and P2: both count for GPs, only P2 for clinical staff (its need alone below the line)
    assert table[10]["gp_fte_per_100k_need_adjusted"] == pytest.approx(3.0 / (cap.weighted[0] + cap.weighted[1]) * 1e5,
                                                                      abs=0.01)
    assert table[10]["clinical_fte_per_100k_need_adjusted"] == pytest.approx(2.0 / cap.weighted[1] * 1e5, abs=0.01)


def test_a_practice_on_two_lines_is_refused(tmp_path):
    path = _write(tmp_path / "gpw.csv", ["P1,One,2.0,1,1", "P2,Two,2.0,1,1", "P2,Two again,9.0,1,1"])
    with pytest.raises(FundError) as failed:
        attach_workforce(_twenty_practices(), path)
    text = str(failed.value)
    assert "line 3" in text and "line 4" in text and "more than one line" in text


def test_the_older_spelling_lower_case_and_no_direct_patient_care_column(tmp_path):
    profile = _twenty_practices()
    attach_workforce(profile, _write(tmp_path / "gpw.csv", [f"p{i},2.0,1.0" for i in range(1, 21)],
                                     header="prac_code,total_gp_fte,total_nurse_fte"))
    assert (profile.gp_fte == 2.0).all() and (profile.clinical_fte == 3.0).all()
    assert any("GPs, nurses for 20 of 20" in n for n in profile.notes)


def test_a_figure_that_is_not_a_number_names_the_file_line_and_column(tmp_path):
    path = _write(tmp_path / "gpw.csv", ["P1,One,2.0,1,1", "P2,Two,two,1,1", "P3,Three,-1,1,1"])
    with pytest.raises(FundError) as failed:
        attach_workforce(_twenty_practices(), path)
    text = str(failed.value)
    assert "gpw.csv" in text and "line 3" in text and "TOTAL_GP_FTE" in text and "'two'" in text
    assert "line 4" in text and "negative" in text


def test_a_file_without_gp_fte_says_which_column_is_missing(tmp_path):
    path = _write(tmp_path / "gpw.csv", ["P1,1"], header="PRAC_CODE,TOTAL_GP_HC")
    with pytest.raises(FundError) as failed:
        attach_workforce(_twenty_practices(), path)
    assert "TOTAL_GP_FTE" in str(failed.value)


@pytest.fixture(scope="module")
def england_workforce(external, tmp_path_factory):
    """A workforce file in NHS Digital's layout for every practice in the real July 2026 list-size files, with GP
    staffing that falls with deprivation (the inverse care law) and a few practices not disclosed."""
    settings = FundSettings.from_parameters()
    profile = read_england(external / "nhs-open-data", settings.need_weights, settings.morbidity_registers)
    imd = np.nan_to_num(profile.imd_score, nan=20.0)
    path = tmp_path_factory.mktemp("gpw") / "General Practice - Practice Level.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["PRAC_CODE", "PRAC_NAME", "TOTAL_PATIENTS", "TOTAL_GP_FTE", "TOTAL_NURSES_FTE", "TOTAL_DPC_FTE"])
        for i, (code, registered) in enumerate(zip(profile.practice_id, profile.registered, strict=True)):
            gp = registered / 2000 * (1.2 - imd[i] / 100)
            out.writerow([code, "", registered, "ND" if i % 97 == 0 else f"{gp:.3f}", f"{registered / 5000:.3f}",
                          f"{registered / 4000:.3f}"])
    return external / "nhs-open-data", path


def test_england_equity_with_the_workforce_file(tmp_path, england_workforce):
    nhs_data, workforce = england_workforce
    out = tmp_path / "equity.csv"
    result = runner.invoke(app, ["fund", "equity", "--nhs-data", str(nhs_data), "--workforce", str(workforce),
                                 "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    gps = [float(r["gp_fte_per_100k_need_adjusted"]) for r in rows]
    clinical = [float(r["clinical_fte_per_100k_need_adjusted"]) for r in rows]
    assert all(c > g > 0 for c, g in zip(clinical, gps, strict=True))
    assert gps[0] < gps[9]  # fewer GPs per need-adjusted patient in the most deprived decile
    assert "fewer GP FTE per need-adjusted patient than the least deprived" in result.output
    assert "6,075 of 6,139 practices" in result.output
    assert "hold no workforce" not in result.output


def test_a_missing_workforce_file_is_named(tmp_path, external):
    result = runner.invoke(app, ["fund", "equity", "--nhs-data", str(external / "nhs-open-data"), "--workforce",
                                 str(tmp_path / "nowhere.csv")], env=WIDE)
    assert isinstance(result.exception, FundError)
    assert "nowhere.csv" in str(result.exception) and "file not found" in str(result.exception)
