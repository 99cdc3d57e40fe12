"""All 31 Synthea R4 bundles (plus the run's reference bundles) import; counts and values match the JSON."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow.compute as pc
import pytest

from carenet.schema import open_dataset, register_for_code
from carenet.sources.fhir import import_fhir, read_fhir

SNOMED = "http://snomed.info/sct"
GP_CLASSES = {"AMB", "VR", "HH"}


def _london(stamp: str) -> dt.datetime:
    """Wall-clock time in England of a FHIR instant."""
    return dt.datetime.fromisoformat(stamp).astimezone(ZoneInfo("Europe/London")).replace(tzinfo=None)


@pytest.fixture(scope="module")
def bundles(synthea: Path) -> dict[str, list[dict]]:
    """Resources of every bundle by type, as the JSON holds them (Organizations and Practitioners repeat)."""
    by_type: dict[str, list[dict]] = {}
    for path in sorted(synthea.glob("*.json")):
        for entry in json.loads(path.read_text())["entry"]:
            r = entry["resource"]
            by_type.setdefault(r["resourceType"], []).append(r)
    return by_type


@pytest.fixture(scope="module")
def imported(synthea: Path, defaults):
    return read_fhir([synthea], defaults, workers=1)


def test_there_are_31_patient_bundles(synthea: Path, bundles) -> None:
    patient_files = [p for p in synthea.glob("*.json") if not p.name.startswith(("hospital", "practitioner"))]
    assert len(patient_files) == 31
    assert len(bundles["Patient"]) == 31


def test_row_counts_match_the_bundles(imported, bundles) -> None:
    counts = imported.counts
    assert counts["patients"] == len(bundles["Patient"])
    assert counts["registrations"] == len(bundles["Patient"])
    assert counts["practices"] == len({r["id"] for r in bundles["Organization"]})
    assert counts["clinicians"] == len({r["id"] for r in bundles["Practitioner"]})
    gp_encounters = [e for e in bundles["Encounter"] if e["class"]["code"] in GP_CLASSES]
    assert counts["appointments"] == len(gp_encounters)
    condition_keys = {(c["subject"]["reference"], c["code"]["coding"][0]["code"], _london(c["onsetDateTime"]).date())
                      for c in bundles["Condition"]}
    assert counts["conditions"] == len(condition_keys)
    assert counts["care_plans"] == len(bundles["CarePlan"])
    assert counts["networks"] == counts["teams"] == counts["panels"] == 0


def test_every_resource_is_read_or_counted_as_skipped(imported, bundles) -> None:
    assert imported.resources == Counter({t: len(rs) for t, rs in bundles.items()})
    skipped = imported.skipped
    assert skipped["Observation (not read by carenet)"] == len(bundles["Observation"])
    non_gp = Counter(e["class"]["code"] for e in bundles["Encounter"] if e["class"]["code"] not in GP_CLASSES)
    for klass, n in non_gp.items():
        assert skipped[f"Encounter of class {klass!r} (not general-practice activity)"] == n


def test_patient_values(imported, bundles) -> None:
    patients = {r["patient_id"]: r for r in imported.tables["patients"].to_pylist()}
    for p in bundles["Patient"]:
        row = patients[p["id"]]
        assert row["birth_date"] == dt.date.fromisoformat(p["birthDate"])
        assert row["sex"] == p["gender"]
        assert row["nhs_number"] is None  # US-shaped: no NHS number
        if "deceasedDateTime" in p:
            assert row["death_date"] == _london(p["deceasedDateTime"]).date()
            assert row["registered_to"] == row["death_date"]


def test_encounter_becomes_appointment_with_its_clinician(imported, bundles) -> None:
    appointments = {r["appointment_id"]: r for r in imported.tables["appointments"].to_pylist()}
    checked = 0
    for e in bundles["Encounter"]:
        if e["class"]["code"] != "AMB" or not e.get("participant"):
            continue
        row = appointments[e["id"]]
        assert row["clinician_id"] == e["participant"][0]["individual"]["reference"].removeprefix("urn:uuid:")
        assert row["patient_id"] == e["subject"]["reference"].removeprefix("urn:uuid:")
        assert row["site_id"] == e["serviceProvider"]["reference"].removeprefix("urn:uuid:")
        start = dt.datetime.fromisoformat(e["period"]["start"])
        assert start.utcoffset() == dt.timedelta(0)
        assert row["booked_for"] == _london(e["period"]["start"])
        minutes = (dt.datetime.fromisoformat(e["period"]["end"]) - start).total_seconds() / 60
        assert row["duration_minutes"] == (round(minutes) if minutes <= 600 else None)
        assert (row["mode"], row["status"], row["role"]) == ("face_to_face", "attended", "gp")
        checked += 1
    assert checked > 300


def test_registration_practice_is_where_most_encounters_were(imported, bundles) -> None:
    sites: dict[str, Counter[str]] = {}
    first: dict[str, str] = {}
    for e in bundles["Encounter"]:
        if e["class"]["code"] not in GP_CLASSES:
            continue
        pid = e["subject"]["reference"].removeprefix("urn:uuid:")
        sites.setdefault(pid, Counter())[e["serviceProvider"]["reference"].removeprefix("urn:uuid:")] += 1
        first[pid] = min(first.get(pid, e["period"]["start"]), e["period"]["start"])
    for row in imported.tables["patients"].to_pylist():
        counts = sites[row["patient_id"]]
        top = max(counts.values())
        assert row["practice_id"] == min(s for s, n in counts.items() if n == top)
        assert row["registered_from"] == _london(first[row["patient_id"]]).date()


def test_conditions_carry_registers_and_resolution(imported, bundles) -> None:
    table = imported.tables["conditions"]
    rows = {(r["patient_id"], r["snomed_code"], r["onset_date"]): r for r in table.to_pylist()}
    for c in bundles["Condition"]:
        code = c["code"]["coding"][0]["code"]
        key = (c["subject"]["reference"].removeprefix("urn:uuid:"), code, _london(c["onsetDateTime"]).date())
        assert rows[key]["register"] == register_for_code(code)
        if "abatementDateTime" in c:
            assert rows[key]["resolved_date"] == _london(c["abatementDateTime"]).date()
    assert pc.sum(pc.is_valid(table["register"])).as_py() > 0


def test_care_plan_goals_come_from_goal_resources(imported, bundles) -> None:
    goals = {g["id"]: g["description"]["text"] for g in bundles["Goal"]}
    plans = {r["care_plan_id"]: r for r in imported.tables["care_plans"].to_pylist()}
    with_goals = [p for p in bundles["CarePlan"] if p.get("goal")]
    assert with_goals
    for p in with_goals:
        expected = [goals[g["reference"].removeprefix("urn:uuid:")] for g in p["goal"]]
        assert plans[p["id"]]["goals"] == expected
    for p in bundles["CarePlan"]:
        assert plans[p["id"]]["status"] == p["status"]
        assert plans[p["id"]]["created_date"] == _london(p["period"]["start"]).date()


def test_import_twice_adds_nothing(tmp_path: Path, synthea: Path, defaults) -> None:
    out = tmp_path / "ds"
    first = import_fhir([synthea], out, defaults, workers=1).manifest.counts
    second = import_fhir([synthea], out, defaults, workers=1).manifest.counts
    assert first == second
    assert open_dataset(out).manifest.sources == [f"fhir:{synthea.resolve()}"]
