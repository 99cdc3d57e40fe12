"""Contract files are validated like model files: every problem named with its field."""

import pytest

from carenet.fund import FundError
from carenet.fund.contract_spec import read_contract

GOOD = """name: Outcomes
year: 2025/26
indicators:
  - {id: standardised_emergency_admissions, target: 1.0}
  - {id: upc_complex, target: 0.7}
payment:
  shared_savings: {gain_share: 0.5, risk_share: 0.25, gain_cap: 0.05}
  quality_gate: {min_indicators_met: 1}
"""


def _write(tmp_path, text):
    path = tmp_path / "contract.yaml"
    path.write_text(text)
    return path


def test_the_example_contract_is_valid():
    contract = read_contract("outcomes")
    assert [i.id for i in contract.indicators] == ["standardised_emergency_admissions", "upc_complex",
                                                   "care_plan_coverage"]
    assert contract.indicators[0].better == "lower" and contract.indicators[1].better == "higher"
    assert contract.indicators[0].met(0.95) and not contract.indicators[1].met(0.6)


def test_an_unknown_indicator_is_named_with_its_field(tmp_path):
    path = _write(tmp_path, GOOD.replace("upc_complex", "happiness"))
    with pytest.raises(FundError) as info:
        read_contract(path)
    message = str(info.value)
    assert f"{path}: 1 problem(s) with the contract" in message
    assert "indicators[1].id: unknown indicator 'happiness'" in message and "upc_complex" in message


@pytest.mark.parametrize("change, words", [
    (("gain_share: 0.5", "gain_share: 1.5"), "payment.shared_savings.gain_share"),
    (("year: 2025/26", "year: 2025-26"), "year: financial year '2025-26': write it as YYYY/YY"),
    (("min_indicators_met: 1", "min_indicators_met: 3"), "min_indicators_met is 3 but the contract has 2"),
    (("name: Outcomes", "name: Outcomes\nbonus: 3"), "bonus: Extra inputs are not permitted"),
])
def test_bad_fields_are_explained(tmp_path, change, words):
    with pytest.raises(FundError, match="problem") as info:
        read_contract(_write(tmp_path, GOOD.replace(*change)))
    assert words in str(info.value)


def test_not_yaml_or_not_a_mapping(tmp_path):
    with pytest.raises(FundError, match="not valid YAML at line"):
        read_contract(_write(tmp_path, "name: [unclosed\n"))
    with pytest.raises(FundError, match="must be a YAML mapping"):
        read_contract(_write(tmp_path, "- a list\n"))
    with pytest.raises(FundError, match="no such contract file"):
        read_contract(tmp_path / "missing.yaml")
