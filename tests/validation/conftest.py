"""Fixtures of the validation tests: the settings, the Dorset appointments file and a synthetic dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from validation_sample import Synthetic, build  # noqa: E402

from carenet.validation import ValidationSettings  # noqa: E402

DORSET = "nhs-open-data/appointments_in_gp_regional_Dorset_2019-03_to_2021-08.csv"


@pytest.fixture(scope="session")
def settings() -> ValidationSettings:
    return ValidationSettings.from_parameters()


@pytest.fixture(scope="session")
def dorset(external: Path) -> Path:
    path = external / DORSET
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Synthetic:
    return build(tmp_path_factory.mktemp("synthetic") / "run")
