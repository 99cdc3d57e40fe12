"""Property tests: mutated valid input never crashes the importer and never leaves a partial dataset."""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fhir_samples import sample_bundle
from hypothesis import given, settings
from hypothesis import strategies as st

from carenet.schema import CarenetError, check_dataset, open_dataset
from carenet.sources.fhir import FhirDefaults, import_fhir
from carenet.sources.problems import ImportFailed

_SETTINGS = settings(max_examples=40, deadline=None)
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**12), st.floats(allow_nan=False), st.text(max_size=12),
    st.just("2024-02-30"), st.just("Patient/ghost"), st.just("urn:uuid:x"), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(doc: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value inside ``doc``."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _paths(v, (*prefix, i))
    return found


def _mutate(doc: Any, path: tuple, action: str, value: Any) -> Any:
    doc = copy.deepcopy(doc)
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    else:
        parent[last] = value
    return doc


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _check(data: bytes, defaults: FhirDefaults, template: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "input.json"
        source.write_bytes(data)
        out = work / "ds"
        shutil.copytree(template, out)
        before = _snapshot(out)
        try:
            import_fhir([source], out, defaults, workers=1)
        except ImportFailed as failed:
            assert failed.problems and all(p.file and p.reason for p in failed.problems)
            assert _snapshot(out) == before
        except CarenetError:
            assert _snapshot(out) == before
        else:
            check_dataset(open_dataset(out).tables())
        assert sorted(p.name for p in work.iterdir()) == ["ds", "input.json"]


_BUNDLE = sample_bundle()
_ALL_PATHS = _paths(_BUNDLE)


@pytest.fixture(scope="module")
def template(tmp_path_factory, defaults: FhirDefaults) -> Path:
    """A dataset imported from the unmutated bundle: each example imports into a copy of it."""
    folder = tmp_path_factory.mktemp("template")
    good = folder / "good.json"
    good.write_text(json.dumps(_BUNDLE))
    import_fhir([good], folder / "ds", defaults, workers=1)
    return folder / "ds"


@_SETTINGS
@given(path=st.sampled_from(_ALL_PATHS), action=st.sampled_from(["replace", "delete", "duplicate"]), value=_VALUES)
def test_structural_mutations(template, defaults, path, action, value) -> None:
    _check(json.dumps(_mutate(_BUNDLE, path, action, value)).encode(), defaults, template)


@_SETTINGS
@given(cut=st.integers(0, len(json.dumps(_BUNDLE))), noise=st.binary(max_size=4))
def test_byte_mutations(template, defaults, cut, noise) -> None:
    text = json.dumps(_BUNDLE).encode()
    _check(text[:cut] + noise + text[cut + len(noise):], defaults, template)
