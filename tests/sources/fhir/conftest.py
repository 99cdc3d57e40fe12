"""Fixtures for the FHIR tests: the importer's defaults and the Synthea bundles."""

from __future__ import annotations

from pathlib import Path

import pytest

from carenet.params import parameter
from carenet.sources.fhir import FhirDefaults


@pytest.fixture(scope="session")
def defaults() -> FhirDefaults:
    return FhirDefaults.from_parameters(parameter("fhir_import"))


@pytest.fixture(scope="session")
def synthea(external: Path) -> Path:
    folder = external / "synthea-r4" / "bundles"
    if not folder.is_dir():
        pytest.skip(f"Synthea bundles not found at {folder}")
    return folder
