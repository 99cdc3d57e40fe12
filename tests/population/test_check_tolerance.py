"""The population check allows for sampling error: a small, correctly generated population passes, a large one is
held to the calibration tolerance, and a real miss still fails."""

from __future__ import annotations

import math

import pytest

from carenet.population import compare, failures, read_practices_csv, summarise, synthesise
from carenet.population.check import sampling_error


def test_sampling_error_is_z_binomial_standard_errors() -> None:
    assert sampling_error(0.0085, 2_000, 3.0) == pytest.approx(3.0 * math.sqrt(0.0085 * 0.9915 / 2_000))
    assert sampling_error(0.5, 10_000, 2.0) == pytest.approx(0.01)
    assert sampling_error(0.2, 0, 3.0) == 1.0  # nobody counted: any share is possible


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_small_two_practice_population_passes_its_check(tmp_path, seed: int) -> None:
    csv = tmp_path / "practices.csv"
    csv.write_text("practice_id,name,list_size,imd_score,network_id\nB1,North,3000,12,N9\nB2,South,2500,33,N9\n")
    rows = compare(summarise(synthesise(read_practices_csv(csv), None, seed=seed)))
    assert failures(rows) == []
    by_n = {r.n for r in rows if r.group == "eFI category, age 65+"}
    assert len(by_n) == 1 and 0 < by_n.pop() < 5_500
    small = [r for r in rows if r.n < 5_500]
    assert all(r.tolerance > r.calibration for r in small)


def test_a_small_population_missing_a_register_still_fails(tmp_path) -> None:
    csv = tmp_path / "practices.csv"
    csv.write_text("practice_id,name,list_size,imd_score,network_id\nB1,North,3000,12,N9\nB2,South,2500,33,N9\n")
    tables = synthesise(read_practices_csv(csv), None, seed=1)
    codes = tables["conditions"].column("register").to_pylist()
    keep = [c != "HYP" for c in codes]
    tables = {**tables, "conditions": tables["conditions"].filter(keep)}
    failed = {r.measure for r in failures(compare(summarise(tables)))}
    assert any(m.startswith("HYP") for m in failed)
