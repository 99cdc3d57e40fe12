"""The column machinery of the importer: pieces, time columns, per-group choices, odd values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from fhir_samples import resources, write_ndjson
from hypothesis import given, settings
from hypothesis import strategies as st

from carenet.sources.fhir import importer, read_fhir
from carenet.sources.fhir.groups import earlier_count, explode, first_in_group, last_in_group, list_column, most_common
from carenet.sources.fhir.timestamps import _by_pandas, local_dates, local_timestamps
from carenet.sources.problems import ImportFailed

_INSTANTS = st.builds(
    lambda day, seconds, fraction, zone: f"{day.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:"
                                         f"{seconds % 60:02d}{fraction}{zone}",
    st.dates(dt.date(1, 1, 2), dt.date(9999, 12, 30)), st.integers(0, 86399),
    st.sampled_from(["", ".5", ".123456", ".123456789"]),
    st.sampled_from(["Z", "+00:00", "+01:00", "-05:30", "+14:00", "-12:00"]))
_DATES = st.dates(dt.date(1, 1, 1)).map(lambda d: d.isoformat()) | st.integers(1, 9999).map(lambda y: f"{y:04d}") | \
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(1, 9999), st.integers(1, 12))
_ODD = st.sampled_from(["0", "2019-02-30", "2019-13", "20190101", "2019-01-01T10:00Z", "2016-12-31T23:59:60Z", "x"])


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.none() | _INSTANTS | _DATES | _ODD, max_size=30),
       zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe"]))
def test_the_arrow_path_reads_what_pandas_reads(values: list[str | None], zone: str) -> None:
    stamps, bad = local_timestamps(values, zone)
    for value, stamp, failed in zip(values, stamps.cast(pa.int64()).to_pylist(), bad, strict=True):
        if value is None:
            assert stamp is None and not failed
            continue
        seconds, ok = _by_pandas([value], zone)
        assert (not failed) == bool(ok[0]), value
        assert stamp == (int(seconds[0]) if ok[0] else None), value


def test_local_wall_clock_time() -> None:
    stamps, bad = local_timestamps(["2024-07-01T09:00:00+01:00", "2011-03-27T00:20:19.9+00:00", "2199-07-01T12:00:00Z",
                                    "1990", "1990-04", None, "2019-02-30"], "Europe/London")
    assert stamps.to_pylist()[:6] == [dt.datetime(2024, 7, 1, 9), dt.datetime(2011, 3, 27, 0, 20, 19),
                                      dt.datetime(2199, 7, 1, 13), dt.datetime(1990, 1, 1), dt.datetime(1990, 4, 1),
                                      None]
    assert bad.tolist() == [False] * 6 + [True]
    dates, _ = local_dates(["2024-05-01T23:30:00Z"], "Europe/London")
    assert dates.to_pylist() == [dt.date(2024, 5, 2)]
    _, outside = local_timestamps(["0001-01-01T01:00:00+14:00"], "Europe/London")
    assert outside.tolist() == [True]  # before the first day of the calendar in London


def test_groups() -> None:
    items = explode(pa.array([["a", "b", "c"], None, [], ["d", "e"]], pa.list_(pa.string())))
    assert items.parent.tolist() == [0, 0, 0, 3, 3] and items.pos.tolist() == [0, 1, 2, 0, 1]
    hit = np.array([False, True, True, True, False])
    assert earlier_count(items.parent, hit).tolist() == [0, 0, 1, 0, 1]
    assert first_in_group(items.parent, hit, 4).tolist() == [1, -1, -1, 3]
    assert last_in_group(items.parent, hit, 4).tolist() == [2, -1, -1, 3]
    assert most_common(np.array([1, 1, 1, 2, 2]), np.array(["y", "x", "y", "b", "a"], dtype=object)) == \
        {1: "y", 2: "a"}  # a tie goes to the smallest
    lists = list_column(np.array([0, 0, 2]), pa.array(["a", "b", "c"]), 3)
    assert lists.to_pylist() == [["a", "b"], None, ["c"]]


@settings(max_examples=40, deadline=None)
@given(lengths=st.lists(st.integers(0, 300), min_size=1, max_size=30), piece=st.integers(1, 700),
       newline_at_end=st.booleans())
def test_pieces_cover_every_line_once(tmp_path_factory, lengths: list[int], piece: int, newline_at_end: bool) -> None:
    path = tmp_path_factory.mktemp("pieces") / "x.ndjson"
    lines = [f"{i:05d}" + "x" * n for i, n in enumerate(lengths)]
    path.write_bytes(("\n".join(lines) + ("\n" if newline_at_end else "")).encode())
    original = importer.PIECE_BYTES
    importer.PIECE_BYTES = piece
    try:
        pieces = list(importer._pieces([path]))
    finally:
        importer.PIECE_BYTES = original
    assert sum(p.size for p in pieces) == path.stat().st_size
    seen = []
    for p in pieces:
        for offset, line in enumerate(p.read().decode().split("\n")):
            if line:
                seen.append((p.first_line + offset, line))
    assert seen == [(i + 1, line) for i, line in enumerate(lines)]


def test_a_value_of_another_json_type_is_a_problem_not_a_crash(tmp_path: Path, defaults) -> None:
    items = resources()
    encounter = next(r for r in items if r["id"] == "enc1")
    encounter["period"]["end"] = 0  # the R4B model takes a number for a dateTime
    path = write_ndjson(tmp_path / "x.ndjson", items)
    with pytest.raises(ImportFailed) as caught:
        read_fhir([path], defaults, workers=1)
    assert [p.reason for p in caught.value.problems] == ["a start, end or created time cannot be read as a date-time"]


def test_patient_care_teams_that_give_no_panel(tmp_path: Path, defaults) -> None:
    items = resources() + [
        {"resourceType": "CareTeam", "id": "panel2", "subject": {"reference": "Patient/pat2"},
         "participant": [{"member": {"reference": "CareTeam/panel1"}}]},  # a panel, not a team
        {"resourceType": "CareTeam", "id": "alone", "subject": {"reference": "Patient/pat2"},
         "participant": [{"member": {"reference": "Patient/pat2"}}]}]
    result = read_fhir([write_ndjson(tmp_path / "x.ndjson", items)], defaults)
    assert result.tables["panels"].to_pylist() == [
        {"patient_id": "pat1", "clinician_id": "gp1", "team_id": "team1", "start_date": dt.date(2023, 1, 1)}]
    assert result.notes["patient CareTeam naming a team that is not imported"] == 1
    assert result.notes["CareTeam of a patient with no clinician"] == 1
    assert [t["team_id"] for t in result.tables["teams"].to_pylist()] == ["team1"]


def test_a_decile_too_large_for_its_column_is_a_problem(tmp_path: Path, defaults) -> None:
    items = resources()
    items[5]["extension"] = [{"url": "https://carenet.dev/fhir/StructureDefinition/deprivation-decile",
                              "valueInteger": 300}]
    with pytest.raises(ImportFailed) as caught:
        read_fhir([write_ndjson(tmp_path / "x.ndjson", items)], defaults, workers=1)
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems] == [
        "extension deprivation-decile: 300 is outside 1-10 (the range of patients.deprivation_decile)"]
    assert str(caught.value.problems[0]).startswith(f"{tmp_path / 'x.ndjson'} line 6 (Patient/")
