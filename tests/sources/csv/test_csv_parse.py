"""Column parsers: real dates only, the usual UK layouts, NHS numbers as the nhs-number package checks them."""

from __future__ import annotations

import datetime as dt

import nhs_number
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carenet.sources.extract_parse import (
    map_codes,
    parse_date,
    parse_datetime,
    parse_days,
    parse_float,
    parse_int,
    parse_month,
    parse_nhs_number,
)
from carenet.sources.extract_vocab import MODE, ROLE, SEX, STATUS, URGENCY


def _values(parsed: pa.Array) -> list:
    return parsed.to_pylist()


def test_dates_in_every_accepted_layout() -> None:
    texts = ["2024-03-01", "01/03/2024", "1/3/2024", "01-03-2024", "01.03.2024", "01-Mar-2024", "1 March 2024",
             "1 mar 2024"]
    parsed, bad = parse_date(pa.array(texts))
    assert _values(parsed) == [dt.date(2024, 3, 1)] * len(texts)
    assert not bad.any()


@pytest.mark.parametrize("text", ["2023-02-29", "2024-02-30", "31/04/2024", "2024-13-01", "00/01/2024", "tomorrow",
                                  "2024-1-1x", "0999-01-01", "31-Feb-2024", "1 Smarch 2024"])
def test_impossible_dates_are_flagged_not_rolled_over(text: str) -> None:
    parsed, bad = parse_date(pa.array([text]))
    assert _values(parsed) == [None]
    assert bad.tolist() == [True]


def test_missing_values_are_not_flagged() -> None:
    parsed, bad = parse_date(pa.array([None, "2020-02-29"], pa.string()))
    assert _values(parsed) == [None, dt.date(2020, 2, 29)]
    assert bad.tolist() == [False, False]


def test_date_times() -> None:
    texts = ["2024-03-01 09:30", "2024-03-01T09:30:15", "01/03/2024 09:30", "01/03/2024 9:30", "2024-03-01",
             "01-Mar-2024 09:30", "24/03/2024 23:59:59", "2024-03-01 24:00", "2024-03-01 10:60", "2024-02-30 10:00"]
    parsed, bad = parse_datetime(pa.array(texts))
    assert _values(parsed) == [
        dt.datetime(2024, 3, 1, 9, 30), dt.datetime(2024, 3, 1, 9, 30, 15), dt.datetime(2024, 3, 1, 9, 30),
        dt.datetime(2024, 3, 1, 9, 30), dt.datetime(2024, 3, 1), dt.datetime(2024, 3, 1, 9, 30),
        dt.datetime(2024, 3, 24, 23, 59, 59), None, None, None]
    assert bad.tolist() == [False] * 7 + [True] * 3


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31)),
       st.sampled_from(["%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d-%b-%Y %H:%M:%S"]))
@settings(max_examples=200, deadline=None)
def test_any_written_date_time_reads_back(moment: dt.datetime, layout: str) -> None:
    moment = moment.replace(microsecond=0)
    parsed, bad = parse_datetime(pa.array([moment.strftime(layout)]))
    assert _values(parsed) == [moment] and not bad.any()


def test_months_as_nhs_digital_writes_them() -> None:
    parsed, bad = parse_month(pa.array(["MAR2019", "Sep-2020", "2021-08", "December 2020", "FOO2019", "2021-13"]))
    assert _values(parsed) == [dt.date(2019, 3, 1), dt.date(2020, 9, 1), dt.date(2021, 8, 1), dt.date(2020, 12, 1),
                               None, None]
    assert bad.tolist() == [False] * 4 + [True] * 2


def test_numbers() -> None:
    ints, bad = parse_int(pa.array(["12", "-3", "+4", "1.5", "x", "99999999999999999999", None]))
    assert _values(ints) == [12, -3, 4, None, None, None, None]
    assert bad.tolist() == [False, False, False, True, True, True, False]
    floats, bad = parse_float(pa.array(["0.8", "1", ".5", "1e-1", "one", None]))
    assert _values(floats) == [0.8, 1.0, 0.5, 0.1, None, None]
    assert bad.tolist() == [False] * 4 + [True, False]


def test_nhs_numbers_in_their_written_forms() -> None:
    parsed, bad = parse_nhs_number(pa.array(["9434765919", "943 476 5919", "943-476-5919", "9434765918",
                                             "943476591", "94347659190", "943 4765919", None]))
    assert _values(parsed) == ["9434765919"] * 3 + [None] * 5
    assert bad.tolist() == [False] * 3 + [True] * 4 + [False]


@given(st.lists(st.integers(min_value=0, max_value=9_999_999_999), min_size=1, max_size=50))
@settings(max_examples=200, deadline=None)
def test_nhs_number_check_agrees_with_the_nhs_number_package(numbers: list[int]) -> None:
    texts = [f"{n:010d}" for n in numbers]
    _, bad = parse_nhs_number(pa.array(texts))
    assert (~bad).tolist() == [nhs_number.is_valid(t) for t in texts]


def test_scottish_chi_numbers_must_start_with_a_date() -> None:
    # CHI range (up to 3112999999): 31 Dec 99 is a date, 30 Feb 99 is not
    candidates = [f"{d:06d}{s:03d}" for d in (311299, 300299) for s in range(0, 40)]
    texts = [c + str(nhs_number.calculate_checksum(c)) for c in candidates
             if nhs_number.calculate_checksum(c) != 10]
    _, bad = parse_nhs_number(pa.array(texts))
    assert (~bad).tolist() == [nhs_number.is_valid(t) for t in texts]
    assert (~bad).any() and bad.any()


@pytest.mark.parametrize(("vocabulary", "spellings", "code"), [
    (STATUS, ["DNA", "D.N.A.", "Did Not Attend", "did_not_attend", "no-show"], "did_not_attend"),
    (STATUS, ["Attended", "SEEN", "finished"], "attended"),
    (STATUS, ["Cancelled by patient", "Canceled"], "cancelled"),
    (MODE, ["Face to face", "Face-to-Face", "F2F", "face_to_face"], "face_to_face"),
    (MODE, ["Telephone", "phone", "TEL"], "telephone"),
    (MODE, ["Home visit", "home_visit"], "home_visit"),
    (URGENCY, ["Same day", "On the day", "same_day"], "same_day"),
    (URGENCY, ["Pre-bookable", "Routine"], "routine"),
    (SEX, ["F", "female", "2"], "female"),
    (SEX, ["M", "Male", "1"], "male"),
    (ROLE, ["GP", "GP Partner", "Salaried GP", "General practitioner", "gp"], "gp"),
    (ROLE, ["Advanced Nurse Practitioner", "ANP", "anp"], "anp"),
    (ROLE, ["Social prescribing link worker", "Link Worker", "SPLW"], "splw"),
    (ROLE, ["Receptionist", "Administrator"], "admin"),
])
def test_usual_spellings_map_to_canonical_codes(vocabulary: dict, spellings: list[str], code: str) -> None:
    parsed, bad = map_codes(pa.array(spellings), vocabulary)
    assert _values(parsed) == [code] * len(spellings)
    assert not bad.any()


def test_unknown_spellings_are_flagged() -> None:
    parsed, bad = map_codes(pa.array(["Maybe", None, "Attended"]), STATUS)
    assert _values(parsed) == [None, None, "attended"]
    assert bad.tolist() == [True, False, False]


def test_every_catalogue_role_is_reachable() -> None:
    from carenet.schema.roles import ROLES

    parsed, bad = map_codes(pa.array([r.name for r in ROLES]), ROLE)
    assert _values(parsed) == [r.code for r in ROLES] and not bad.any()


def test_working_days() -> None:
    parsed, bad = parse_days(pa.array(["Mon,Tue,Thu", "monday; Friday", "Mon,Funday", None]))
    assert _values(parsed) == ["Mon,Tue,Thu", "Mon,Fri", None, None]
    assert bad.tolist() == [False, False, True, False]


def test_parsers_handle_large_columns_without_python_loops() -> None:
    n = 200_000
    texts = pa.array(np.datetime_as_string(np.datetime64("2024-01-01T00:00") + np.arange(n).astype("timedelta64[m]")))
    parsed, bad = parse_datetime(texts)
    assert parsed.null_count == 0 and not bad.any()
    assert parsed[-1].as_py() == dt.datetime(2024, 1, 1) + dt.timedelta(minutes=n - 1)
