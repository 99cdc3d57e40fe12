"""Patient choice of GP: the published preference odds ratios, and the survey's share on the demo network."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow.parquet as pq
import pytest

from carenet.network.patients import PatientFrame
from carenet.network.settings import NetworkSettings
from carenet.params import parameter
from carenet.twin.experiments.population import build_demo

CHOICE = NetworkSettings.from_parameters().choice
SURVEY_TOLERANCE = 0.02
"""How far the demo adults' share may sit from the GP Patient Survey figure: the reference share is given to three
places and the demo population is one draw."""


def _odds(p: np.ndarray) -> np.ndarray:
    return p / (1 - p)


def test_each_characteristic_multiplies_the_odds_by_its_published_ratio():
    age = np.array([40, 70, 40, 40])
    female = np.array([False, False, True, False])
    conditions = np.array([0, 0, 0, 2])
    share = CHOICE.share(age, female, conditions)
    assert share[0] == pytest.approx(CHOICE.reference_share)
    ratios = _odds(share[1:]) / _odds(share[0])
    assert ratios == pytest.approx([1.7, 1.5, 1.9])  # Aboulghate et al. BJGP 2012: older, women, chronic conditions
    everything = CHOICE.share(np.array([80]), np.array([True]), np.array([3]))[0]
    assert _odds(everything) / _odds(share[0]) == pytest.approx(1.7 * 1.5 * 1.9)
    assert 0 < share.min() and everything < 1


def test_the_demo_networks_adults_prefer_a_gp_as_often_as_the_survey_says(tmp_path):
    source = build_demo(tmp_path / "demo")
    tables = {path.stem: pq.read_table(path) for path in source.path.glob("*.parquet")}
    efi_bounds = NetworkSettings.from_parameters().risk.efi_upper_bounds
    frame = PatientFrame.from_tables(tables, dt.date(2026, 4, 1), efi_bounds)
    share = CHOICE.share(frame.age, frame.female, frame.registers)
    adults = frame.age >= 16  # the survey asks patients aged 16 and over
    published = float(parameter("validation.preferred_gp_share.value"))
    assert share[adults].mean() == pytest.approx(published, abs=SURVEY_TOLERANCE)
    # the gradient the survey found: older patients and those with long-term conditions prefer a GP more often
    old = frame.age >= CHOICE.older_from_age
    assert share[adults & old].mean() > share[adults & ~old].mean() + 0.1
    assert share[adults & (frame.registers > 0)].mean() > share[adults & (frame.registers == 0)].mean() + 0.1


def test_a_reference_share_outside_zero_and_one_is_refused(monkeypatch):
    from carenet.network import settings as module  # noqa: PLC0415

    real = module._node

    def node(path):
        return 1.0 if path == "choice.prefer_reference_share.value" else real(path)

    monkeypatch.setattr(module, "_node", node)
    with pytest.raises(ValueError, match="prefer_reference_share"):
        module._choice()
