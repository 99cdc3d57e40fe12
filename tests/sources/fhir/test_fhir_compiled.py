"""The compiled validator never accepts what the R4B models reject, and accepts real data."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir_samples import resources
from hypothesis import given, settings
from hypothesis import strategies as st

from carenet.sources.fhir.compiled import accepts, compiled_validator
from carenet.sources.fhir.validation import is_resource_type, validation_errors
from carenet.sources.fhir.vocabulary import READ_TYPES

_SAMPLES = [r for r in resources() if r["resourceType"] in READ_TYPES]
_ODD_VALUES = st.sampled_from([
    None, True, 0, -1, 2**40, 1.5, "", " ", "x y", "2020-02-30", "2020-13", "2020-01-01T10:00:00",
    "2016-12-31T23:59:60Z", "15", "true", [], [None], {}, {"x": 1}, {"extension": []},
    {"extension": [{"url": "u", "valueString": "v"}]}, {"coding": [{"code": "a b"}]}, "\u000b",
])


def _r4b_accepts(resource: dict[str, Any]) -> bool:
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except Exception:  # noqa: BLE001 - any rejection
        return False
    return True


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        found += _paths(v, (*prefix, k))
    return found


@pytest.mark.parametrize("resource_type", READ_TYPES)
def test_every_type_carenet_reads_compiles(resource_type: str) -> None:
    assert compiled_validator(resource_type) is not None


def test_synthea_resources_take_the_fast_path(synthea: Path) -> None:
    checked = 0
    for path in sorted(synthea.glob("*.json"))[:6]:
        for entry in json.loads(path.read_text())["entry"]:
            r = entry["resource"]
            if r["resourceType"] in READ_TYPES:
                assert accepts(r), r["id"]
                checked += 1
    assert checked > 100


@settings(max_examples=150, deadline=None)
@given(data=st.data(), sample=st.sampled_from(_SAMPLES), action=st.sampled_from(["set", "delete", "add"]))
def test_never_accepts_what_r4b_rejects(data, sample: dict, action: str) -> None:
    resource = copy.deepcopy(sample)
    path = data.draw(st.sampled_from(_paths(resource)))
    parent = resource
    for step in path[:-1]:
        parent = parent[step]
    value = copy.deepcopy(data.draw(_ODD_VALUES))
    if action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["_" + str(path[-1]), "extension", "foo", "onsetString", "id"]))] = value
    else:
        parent[path[-1]] = value
    if resource.get("resourceType") not in READ_TYPES:
        return
    if accepts(resource):
        assert _r4b_accepts(resource), resource
    assert (validation_errors(resource) == []) == _r4b_accepts(resource)


def test_resource_types_come_from_the_r4b_package() -> None:
    assert all(is_resource_type(t) for t in ("Patient", "Bundle", "Binary", "Parameters", "Observation"))
    assert not any(is_resource_type(t) for t in ("HumanName", "Resource", "DomainResource", "patient", "Nope", ""))
