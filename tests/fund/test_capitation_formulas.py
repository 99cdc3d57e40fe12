"""Each capitation formula on a worked example small enough to check by hand."""

import numpy as np
import pytest

from carenet.fund import FundError, FundSettings, capitation, prices_for
from carenet.fund.components import age_sex_index, deprivation_index, multimorbid_from_registers, sex_band_rates
from carenet.fund.normalise import normalised, weighted_list
from carenet.fund.profile import PracticeProfile, deciles, deprivation_position
from carenet.measures.community import NeedWeights

WEIGHTS = NeedWeights(bands=(0, 65), rates=(4.0, 8.0), female_to_male=(3.0, 1.0), multimorbidity_rate_ratio=2.0,
                      min_ltc_count=2)


def _profile(age_sex, **kw):
    age_sex = np.asarray(age_sex)
    return PracticeProfile(practice_id=np.array(["A", "B"], dtype=object), name=np.array(["A", "B"], dtype=object),
                           registered=age_sex.sum(axis=(1, 2)), source="worked example", age_sex=age_sex,
                           age_bands=WEIGHTS.bands if age_sex.shape[2] == 2 else (0, 5, 15, 25, 45, 65, 75, 85), **kw)


def test_age_sex_rates_split_the_band_rate_between_women_and_men():
    # under 65: rate 4, women 3x men -> women 4*2*3/4 = 6, men 4*2/4 = 2; 65+: ratio 1 -> 8 and 8
    assert sex_band_rates(WEIGHTS).tolist() == [[6.0, 8.0], [2.0, 8.0]]


def test_age_sex_index_is_expected_consultations_per_patient():
    # A: 10 women under 65, 10 men 65+ -> (10*6 + 10*8) / 20 = 7; B: 20 men under 65 -> 2
    p = _profile([[[10, 0], [0, 10]], [[0, 0], [20, 0]]])
    assert age_sex_index(p, WEIGHTS).tolist() == [7.0, 2.0]


def test_multimorbidity_from_independent_registers():
    # two registers at 10% and 20%: P(both) = 0.02 exactly
    assert multimorbid_from_registers(np.array([[0.1, 0.2]]))[0] == pytest.approx(0.02)
    # three at 50%: P(2 or 3) = 3/8 + 1/8 = 0.5
    assert multimorbid_from_registers(np.array([[0.5, 0.5, 0.5]]))[0] == pytest.approx(0.5)


def test_deprivation_index_is_log_linear_in_the_deprivation_position():
    p = _profile([[[10, 0], [0, 0]], [[10, 0], [0, 0]]], deprivation=np.array([0.0, 1.0]))
    assert deprivation_index(p, 1.2).tolist() == pytest.approx([1.0, 1.2])


def test_deprivation_position_weights_by_patients_and_deciles_count_from_the_most_deprived():
    position = deprivation_position(np.array([10.0, 40.0, np.nan]), np.array([300, 100, 50]))
    # least deprived 300 patients: midpoint 150/400; most deprived 100: (300 + 50)/400
    assert position[:2].tolist() == pytest.approx([0.375, 0.875]) and np.isnan(position[2])
    assert deciles(position).tolist() == [7, 2, 0]


def test_normalisation_keeps_the_registered_total():
    registered = np.array([1000, 3000])
    index = normalised(np.array([2.0, 1.0]), registered)
    # patient-weighted mean of (2, 1) is 1.25 -> 1.6 and 0.8; the weighted total equals the registered total
    assert index.tolist() == pytest.approx([1.6, 0.8])
    w = weighted_list(registered, [index, normalised(np.array([1.0, 3.0]), registered)])
    assert w.sum() == pytest.approx(4000)


def test_unknown_index_takes_the_national_average():
    assert normalised(np.array([np.nan, 2.0]), np.array([10, 10])).tolist() == [1.0, 1.0]


def test_capitation_of_a_worked_example():
    settings = FundSettings.from_parameters()
    a = np.zeros((2, 2, 8), dtype=np.int64)
    a[0, 0, 0], a[0, 1, 7], a[1, 1, 0] = 10, 10, 20  # A: 10 girls under 5, 10 men 85+; B: 20 boys under 5
    cap = capitation(_profile(a), settings)
    assert cap.weighted.sum() == pytest.approx(40)
    assert cap.built == {"age_sex": True, "morbidity": False, "deprivation": False}
    assert cap.indices["morbidity"].tolist() == [1.0, 1.0]
    assert cap.weighted[0] > cap.weighted[1]  # older list weighs more
    assert (cap.weighted_low <= cap.weighted).all() and (cap.weighted <= cap.weighted_high).all()


def test_income_for_a_year_is_priced_per_weighted_and_registered_patient():
    prices = prices_for("2025/26", FundSettings.from_parameters())
    income = prices.income(np.array([1000.0]), np.array([1200.0]))
    assert income["global_sum"][0] == pytest.approx(123.34 * 1200)
    assert income["arrs"][0] == pytest.approx(26.631 * 1200)
    # core PCN 2.266 per registered; 0.733 + 8.427 + 3.208 + 1.375 per adjusted (weighted) patient
    assert income["enhanced_services"][0] == pytest.approx(2.266 * 1000 + (0.733 + 8.427 + 3.208 + 1.375) * 1200)


@pytest.mark.parametrize("year, words", [("2020/21", "no sourced price"), ("2025-26", "YYYY/YY"),
                                         ("2025/27", "YYYY/YY")])
def test_a_year_without_a_sourced_price_is_refused(year, words):
    with pytest.raises(FundError, match=words) as info:
        prices_for(year, FundSettings.from_parameters())
    assert "global_sum" in str(info.value) or "YYYY/YY" in str(info.value)
