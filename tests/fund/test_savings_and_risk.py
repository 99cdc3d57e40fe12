"""Shared savings and risk adjustment on cases small enough to compute by hand."""

import numpy as np
import pyarrow as pa
import pytest

from carenet.fund.contract_spec import SharedSavings
from carenet.fund.risk import fit, observed_over_expected
from carenet.fund.savings import shared_savings_payment

RULE = SharedSavings(gain_share=0.5, risk_share=0.25)


@pytest.mark.parametrize("actual, gate, rule, paid", [
    (90_000, True, RULE, 5_000),                                            # half of 10,000 saved
    (90_000, False, RULE, 0),                                               # quality gate not met: no gain share
    (90_000, True, SharedSavings(gain_share=0.5, gain_cap=0.04), 4_000),     # capped at 4% of 100,000
    (110_000, True, RULE, -2_500),                                          # a quarter of 10,000 overspent
    (110_000, False, RULE, -2_500),                                         # losses are borne whatever the gate
    (110_000, True, SharedSavings(gain_share=0.5, risk_share=0.25, risk_cap=0.02), -2_000),
    (95_000, True, SharedSavings(gain_share=0.5, minimum_savings_rate=0.06), 0),  # 5% is inside the corridor
    (90_000, True, SharedSavings(gain_share=0.5, minimum_savings_rate=0.06), 5_000),
])
def test_shared_savings_payment(actual, gate, rule, paid):
    assert shared_savings_payment(rule, 100_000, actual, gate) == pytest.approx(paid)


def _people(groups):
    rows = {"age": [], "sex": [], "cms": [], "efi_category": [], "deprivation_decile": [], "emergency_admissions": []}
    for age, sex, n, events in groups:
        for i in range(n):
            rows["age"].append(age)
            rows["sex"].append(sex)
            rows["cms"].append(0.0)
            rows["efi_category"].append(None if age < 65 else "fit")
            rows["deprivation_decile"].append(5)
            rows["emergency_admissions"].append(1 if i < events else 0)
    return pa.table({**rows, "deprivation_decile": pa.array(rows["deprivation_decile"], pa.int8())})


def test_a_saturated_risk_model_reproduces_each_groups_rate():
    # 100 men aged 70 with 20 admissions in two years; 200 girls aged 2 with 4: rates 0.1 and 0.01 a year
    people = _people([(70, "male", 100, 20), (2, "female", 200, 4)])
    model = fit(people, 2.0, (0, 5, 15, 25, 45, 65, 75, 85), ("emergency_admissions",), {"emergency_admissions": 1590})
    expected = model.expected(people, 1.0)
    assert expected["emergency_admissions"][0] == pytest.approx(0.1, rel=1e-4)
    assert expected["emergency_admissions"][-1] == pytest.approx(0.01, rel=1e-4)
    assert expected["cost"][0] == pytest.approx(159.0, rel=1e-4)


def test_indirect_standardisation_applies_the_reference_rates_to_each_population():
    reference = _people([(70, "male", 100, 20), (2, "female", 200, 4)])
    model = fit(reference, 1.0, (0, 5, 15, 25, 45, 65, 75, 85), ("emergency_admissions",), {})
    # a practice of 50 older men with 5 admissions in a year: expected 50 x 0.2 = 10, O/E 0.5
    other = _people([(70, "male", 50, 5)])
    e = model.expected(other, 1.0)["emergency_admissions"]
    ratio = observed_over_expected(np.asarray(other["emergency_admissions"]), e, np.array(["P1"] * 50))
    assert ratio["P1"] == pytest.approx(0.5, rel=1e-4)


def test_few_events_over_many_groups_fit_without_diverging():
    """A month of a small network: 3 admissions among 16 groups, most with none. The fit converges (no singular
    matrix), expects the observed total, and expects next to nothing where nothing happened."""
    groups = [(age, sex, 20, 0) for age in (2, 10, 20, 30, 50, 70, 80, 90) for sex in ("male", "female")]
    groups[10] = (70, "male", 20, 2)
    groups[13] = (80, "female", 20, 1)
    people = _people(groups)
    model = fit(people, 1 / 12, (0, 5, 15, 25, 45, 65, 75, 85), ("emergency_admissions",), {})
    expected = model.expected(people, 1 / 12)["emergency_admissions"]
    assert np.isfinite(expected).all()
    assert expected.sum() == pytest.approx(3.0, rel=1e-3)
    assert expected[:20].sum() < 1e-3  # the youngest groups had none
