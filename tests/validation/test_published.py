"""Published figures: from the real Dorset file (checked against pandas straight from the CSV), from settings,
and refused with a clear error when the file is unusable."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from carenet.validation import ValidationInputError, file_figures, published_figures, settings_figures

MONTHS = ["APR2019", "MAY2019", "JUN2019", "JUL2019", "AUG2019", "SEP2019", "OCT2019", "NOV2019", "DEC2019",
          "JAN2020", "FEB2020"]


def _expected(csv: Path, column: str, labels: dict[str, str]) -> dict[str, float]:
    """Shares computed independently: pandas on the raw CSV, 'Unknown' rows left out."""
    raw = pd.read_csv(csv)
    raw = raw[raw["Appointment_Month"].isin(MONTHS)]
    raw = raw[~raw[column].str.startswith("Unknown")]
    by = raw.groupby(column)["COUNT_OF_APPOINTMENTS"].sum()
    return {code: by[label] / by.sum() for label, code in labels.items()}


def _figures(frame: pd.DataFrame, measure: str) -> dict[str, float]:
    rows = frame[frame["measure"] == measure]
    return dict(zip(rows["group"], rows["value"], strict=True))


def test_months_are_april_2019_to_february_2020(settings) -> None:
    assert [d.isoformat() for d in settings.months] == ["2019-04-01", "2020-02-01"]


def test_dorset_shares_equal_the_csv_computed_directly(dorset: Path, settings) -> None:
    figures = file_figures(dorset, settings)
    intervals = {"Same Day": "same_day", "1 Day": "1_day", "2 to 7 Days": "2_7_days", "8  to 14 Days": "8_14_days",
                 "15  to 21 Days": "15_21_days", "22  to 28 Days": "22_28_days", "More than 28 Days": "over_28_days"}
    staff = {"GP": "gp", "Other Practice staff": "other_practice_staff"}
    modes = {"Face-to-Face": "face_to_face", "Telephone": "telephone", "Home Visit": "home_visit",
             "Video/Online": "video_online"}
    for measure, column, labels in (("booking_interval", "TIME_BETWEEN_BOOK_AND_APPT", intervals),
                                    ("staff_share", "HCP_TYPE", staff), ("mode_share", "APPT_MODE", modes)):
        expected = _expected(dorset, column, labels)
        assert _figures(figures, measure) == pytest.approx(expected, abs=1e-12), measure
    dna = _expected(dorset, "APPT_STATUS", {"DNA": "dna", "Attended": "attended"})["dna"]
    assert _figures(figures, "dna_rate")[""] == pytest.approx(dna, abs=1e-12)
    assert 0.30 < _figures(figures, "booking_interval")["same_day"] < 0.40  # Dorset books about a third on the day


def test_settings_figures_carry_barker_and_say_when_none_was_found(settings) -> None:
    figures = settings_figures(settings)
    upc = _figures(figures, "upc")
    assert upc == {"small": 0.70, "large": 0.59, "all": 0.61}
    assert set(figures.loc[figures["measure"] == "upc", "tag"]) == {"V"}
    coc = figures[figures["measure"] == "coc"]
    assert coc["value"].isna().all() and coc["note"].str.contains("no published").all()
    ae = figures[(figures["measure"] == "unmet_outcome") & (figures["group"] == "redirected_ae")].iloc[0]
    assert ae["value"] == 0.08 and ae["tag"] == "S"
    assert math.isnan(_figures(figures, "unmet_outcome")["redirected_111"])



def test_consultation_rates_are_the_2008_profile_at_todays_volume(settings) -> None:
    """The twin draws demand at QResearch's 2008 profile x 5.8/5.5 (GPAD 2024 over 2008); the check compares with
    the same, and says so."""
    rates = _figures(settings_figures(settings), "consultation_rate")
    assert rates["85+"] == pytest.approx(13.5 * 1.0545)
    assert rates["0-4"] == pytest.approx(5.6 * 1.0545)
    notes = settings_figures(settings).query("measure == 'consultation_rate'")["note"]
    assert notes.str.contains("2008 rate × 1.0545 to today's volume").all()

def _other_region(dorset: Path, folder: Path) -> Path:
    """Another region's file in the same format: Dorset's rows renamed, same-day counts tripled."""
    raw = pd.read_csv(dorset)
    raw["CCG_CODE"], raw["CCG_NAME"] = "99Z", "NHS Elsewhere CCG"
    same_day = raw["TIME_BETWEEN_BOOK_AND_APPT"] == "Same Day"
    raw.loc[same_day, "COUNT_OF_APPOINTMENTS"] *= 3
    path = folder / "appointments_elsewhere.csv"
    raw.to_csv(path, index=False)
    return path


def test_another_regions_file_changes_the_published_figures(dorset: Path, settings, tmp_path: Path) -> None:
    other = _other_region(dorset, tmp_path)
    before = published_figures(dorset, settings)
    after = published_figures(other, settings)
    assert _figures(after, "booking_interval")["same_day"] > _figures(before, "booking_interval")["same_day"] + 0.2
    assert "NHS Elsewhere CCG" in after.loc[after["measure"] == "booking_interval", "source"].iloc[0]
    assert _figures(after, "upc") == _figures(before, "upc")  # settings figures do not depend on the file


def test_a_missing_file_is_named(settings, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(ValidationInputError, match="nowhere.csv"):
        published_figures(missing, settings)


def test_a_file_of_another_format_is_named_with_its_problem(settings, tmp_path: Path) -> None:
    bad = tmp_path / "not_appointments.csv"
    bad.write_text("practice,patients\nA81001,5000\n")
    with pytest.raises(ValidationInputError, match=r"not_appointments.csv.*\n.*(missing|column)"):
        published_figures(bad, settings)


def test_a_file_without_the_reference_months_says_which_it_holds(dorset: Path, settings, tmp_path: Path) -> None:
    raw = pd.read_csv(dorset)
    late = tmp_path / "late.csv"
    raw[raw["Appointment_Month"].isin(["JUN2021", "JUL2021"])].to_csv(late, index=False)
    with pytest.raises(ValidationInputError, match=r"late.csv: no appointments in Apr 2019 to Feb 2020.*Jun 2021"):
        published_figures(late, settings)
