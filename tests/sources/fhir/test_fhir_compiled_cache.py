"""The compiled schemas: cached on disk, calendar-exact date patterns, choice groups, no R4B import when valid."""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from fhir_samples import resources, write_ndjson
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import SchemaValidator

from carenet.sources.fhir import compiled
from carenet.sources.fhir.compiled import accepts
from carenet.sources.fhir.validation import validation_errors

_DATE = SchemaValidator(compiled._PRIMITIVES["Date"])
_DATE_TIME = SchemaValidator(compiled._PRIMITIVES["DateTime"])


def _takes(validator: SchemaValidator, value: object) -> bool:
    try:
        validator.validate_python(value)
    except Exception:  # noqa: BLE001 - any rejection
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(year=st.integers(1, 9999), month=st.integers(1, 12), day=st.integers(1, 31))
def test_dates_are_real_calendar_days(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        dt.date(year, month, day)
        real = True
    except ValueError:
        real = False
    assert _takes(_DATE, text) == real
    assert _takes(_DATE_TIME, text + "T10:00:00+01:00") == real


def test_times_and_partial_dates() -> None:
    assert all(_takes(_DATE_TIME, v) for v in ("2024", "2024-02", "2024-02-29T23:59:59.123456Z", "2000-02-29"))
    assert not any(_takes(_DATE_TIME, v) for v in ("1900-02-29", "0000-01-01", "2024-01-01T24:00:00Z",
                                                   "2016-12-31T23:59:60Z", "2024-01-01T10:00:00",
                                                   "2024-01-01T10:00:00+14:01"))


def test_a_second_choice_is_left_to_the_r4b_model() -> None:
    patient = copy.deepcopy(resources()[5])
    patient["extension"] = [{"url": "https://example.org/x", "valueString": "a"}]
    assert accepts(patient)
    patient["extension"][0]["valueInteger"] = 1
    assert not accepts(patient)
    assert validation_errors(patient)  # the R4B model rejects it too, and says why
    patient["extension"] = [{"url": "https://example.org/x", "extension": [{"url": "y", "valueCode": "z"}]}]
    assert accepts(patient)


def test_extensions_of_primitives_take_the_full_schema() -> None:
    patient = copy.deepcopy(resources()[5])
    patient["_birthDate"] = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                            "valueDateTime": "1950-03-04T06:10:00+00:00"}]}
    assert not _takes(compiled.compiled_validator("Patient"), patient)
    assert _takes(compiled.compiled_validator("Patient", full=True), patient) and accepts(patient)
    patient["_birthDate"] = {}
    assert not accepts(patient) and validation_errors(patient)  # an empty extension of a primitive


def test_schemas_are_cached_on_disk(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("CARENET_CACHE_DIR", str(tmp_path))
    path = compiled._cache_file()
    assert path.parent == tmp_path
    (tmp_path / "fhir-r4b-validators-stale.pickle").write_bytes(b"old")
    schemas = {"Patient": compiled._Compiler().resource("Patient")}
    compiled._store(path, schemas)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    loaded = compiled._load(path)
    sample = resources()[5]
    assert SchemaValidator(loaded["Patient"]).validate_python(sample) == sample
    path.write_bytes(b"not a pickle")
    assert compiled._load(path) == {}  # a damaged cache is rebuilt, not trusted
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    compiled._store(blocked / "x.pickle", schemas)  # no cache, and no error


def test_valid_input_needs_no_r4b_models(tmp_path: Path) -> None:
    path = write_ndjson(tmp_path / "x.ndjson", resources())
    code = ("import sys; from carenet.params import parameter;"
            "from carenet.sources.fhir import FhirDefaults, read_fhir;"
            f"r = read_fhir([{str(path)!r}], FhirDefaults.from_parameters(parameter('fhir_import')), workers=1);"
            "print(r.counts['appointments'], 'fhir.resources.R4B' in sys.modules)")
    env = {**os.environ, "CARENET_CACHE_DIR": str(tmp_path / "cache")}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split() == ["3", "True"]  # compiled from the models, then cached
    assert second.stdout.split() == ["3", "False"]
