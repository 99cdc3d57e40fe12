"""The uncertainty analysis's parts on hand-made inputs whose answers are known: ranges read from a parameters
tree, draws spread over them, verdict shares and their classes, and which assumption decides a conclusion."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from carenet.twin.experiments.uncertainty import (
    Assumption,
    RangeError,
    Thresholds,
    analyse,
    draw,
    uncertain_assumptions,
)
from carenet.twin.experiments.uncertainty.analysis import noise_level, targets

TREE = {
    "twin": {
        "effects": {
            "lift": {"value": 0.2, "value_range": [0.1, 0.3], "tag": "A"},
            "peak": {"value": 0.5, "value_range": [0.0, 2.0], "distribution": "triangular", "tag": "A"},
            "routes": {"triage": ["none", "gp"], "value": [0.25, 0.05], "value_range": [[0.15, 0.35], [0.05, 0.05]]},
            "definition": {"value": 14, "value_range": [7, 28], "fixed": "a definition, not a belief"},
            "no_range": {"value": 3, "tag": "A"},
        },
        "rota": {"days": {"value": 5, "value_range": [3, 8], "tag": "M"}},
    },
    "measures": {"window": {"value": 30, "value_range": [10, 60]}},
}


def test_ranges_are_read_per_entry_and_per_named_list_element_fixed_and_other_sections_left_out() -> None:
    found = {a.path: a for a in uncertain_assumptions(TREE, ["twin"])}
    assert sorted(found) == ["twin.effects.lift", "twin.effects.peak", "twin.effects.routes.value.0",
                             "twin.rota.days"]
    assert found["twin.effects.routes.value.0"].label == "routes (none)"  # [0.05, 0.05] holds "gp" fixed
    assert found["twin.effects.peak"].distribution == "triangular"
    assert found["twin.rota.days"].integer and not found["twin.effects.lift"].integer


@pytest.mark.parametrize(("entry", "words"), [
    ({"value": 0.5, "value_range": [0.6, 0.9]}, "outside its range"),
    ({"value": [0.1, 0.2], "value_range": [[0.0, 0.3]]}, r"one \[low, high\] per element"),
    ({"value": 0.5, "value_range": [0.0, 1.0], "distribution": "beta"}, "distribution 'beta'"),
])
def test_a_range_that_cannot_be_drawn_is_refused_naming_its_path(entry: dict, words: str) -> None:
    with pytest.raises(RangeError, match=words) as caught:
        uncertain_assumptions({"twin": {"bad": entry}}, ["twin"])
    assert "twin.bad" in str(caught.value)


def test_sobol_draws_fill_each_range_evenly_are_whole_where_the_value_is_and_repeat_with_the_seed() -> None:
    assumptions = uncertain_assumptions(TREE, ["twin"])
    draws = draw(assumptions, 64, seed=3)
    assert list(draws["draw"]) == list(range(64))
    lift = draws["twin.effects.lift"]
    assert lift.between(0.1, 0.3).all()
    # scrambled Sobol' points put exactly one of 64 points in each 64th of every range: 16 per quarter
    assert np.histogram(lift, bins=4, range=(0.1, 0.3))[0].tolist() == [16, 16, 16, 16]
    days = draws["twin.rota.days"]
    assert set(days) <= {3, 4, 5, 6, 7, 8} and (days == days.round()).all()
    pd.testing.assert_frame_equal(draws, draw(assumptions, 64, seed=3))
    assert not draws.equals(draw(assumptions, 64, seed=4))
    peak = draws["twin.effects.peak"]  # triangular on [0, 2] with its mode at 0.5: mean (0 + 0.5 + 2) / 3
    assert peak.mean() == pytest.approx(2.5 / 3, abs=0.03)


def test_latin_hypercube_is_the_other_sampler_and_an_unknown_one_is_refused() -> None:
    assumptions = uncertain_assumptions(TREE, ["twin"])
    draws = draw(assumptions, 10, seed=0, sampler="latin_hypercube")
    assert np.histogram(draws["twin.effects.lift"], bins=10, range=(0.1, 0.3))[0].tolist() == [1] * 10
    with pytest.raises(Exception, match="not one of sobol, latin_hypercube"):
        draw(assumptions, 10, seed=0, sampler="grid")


def _rows(draw_no: int, model: str, measure: str, value: float, better: str = "lower") -> dict:
    return {"draw": draw_no, "model": model, "attribute": "access", "measure": measure, "label": "Mean wait",
            "unit": "days", "better": better, "mean": value, "lo": value, "hi": value, "reps": 1, "note": ""}


def _scorecards(after: list[float], before: float = 10.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A central scorecard where B waits 8 days against A's 10 (better), and one draw per value of ``after``."""
    central = pd.DataFrame([_rows(0, "a", "mean_wait_days", before), _rows(0, "b", "mean_wait_days", 8.0)])
    central = central.drop(columns="draw")
    by_draw = pd.DataFrame([r for i, v in enumerate(after)
                            for r in (_rows(i, "a", "mean_wait_days", before), _rows(i, "b", "mean_wait_days", v))])
    return central, by_draw


@pytest.mark.parametrize(("after", "holds", "verdict_class"), [
    ([8.0] * 9 + [12.0], 0.9, "robust"),       # better in 9 of 10 draws
    ([8.0] * 7 + [10.0] * 3, 0.7, "likely"),   # the same (within the tolerance) in 3
    ([8.0] * 5 + [12.0] * 5, 0.5, "fragile"),
])
def test_a_conclusion_is_robust_likely_or_fragile_by_the_share_of_draws_that_agree(after: list[float], holds: float,
                                                                                  verdict_class: str) -> None:
    central, by_draw = _scorecards(after)
    draws = pd.DataFrame({"draw": range(len(after)), "twin.x": np.linspace(0, 1, len(after))})
    result = analyse(central, by_draw, draws, [Assumption("twin.x", 0.5, 0.0, 1.0)], "a", ["a", "b"], 0.02,
                     Thresholds(0.9, 0.7))
    row = result.robustness.set_index("measure").loc["mean_wait_days"]
    assert row["verdict"] == "better"
    assert row["holds"] == pytest.approx(holds)
    assert row["robustness"] == verdict_class
    assert row["better_share"] + row["same_share"] + row["worse_share"] == pytest.approx(1.0)


def test_the_analysis_finds_the_assumption_that_decides_a_conclusion_and_not_the_one_that_does_not() -> None:
    """B's wait is 8 + 4·(decisive − 0.5) + a trace of the irrelevant one: B is better than A's 10 days only while
    the decisive assumption is below 0.5, so the conclusion holds in half the draws, and hangs on it alone."""
    decisive = Assumption("twin.decisive", 0.25, 0.0, 1.0)
    irrelevant = Assumption("twin.irrelevant", 0.5, 0.0, 1.0)
    draws = draw([decisive, irrelevant], 32, seed=7)
    rng = np.random.default_rng(1)
    waits = 8.0 + 4.0 * (draws["twin.decisive"] - 0.25) * 2 + 0.001 * rng.standard_normal(32)
    central, by_draw = _scorecards(list(waits))
    result = analyse(central, by_draw, draws, [decisive, irrelevant], "a", ["a", "b"], 0.02, Thresholds(0.9, 0.7))
    row = result.robustness.set_index("measure").loc["mean_wait_days"]
    assert row["holds"] == pytest.approx((draws["twin.decisive"] < 0.5 - 0.02 * 10 / 8 / 2).mean(), abs=0.07)
    assert row["robustness"] == "fragile"
    assert row["hangs_on"].startswith("decisive (ρ +1.00)")
    assert "irrelevant" not in row["hangs_on"]
    tornado = result.sensitivity[result.sensitivity["target"] == "b − a: mean_wait_days"].set_index("assumption")
    assert tornado.loc["decisive", "rank"] == 1
    assert abs(tornado.loc["irrelevant", "rho"]) < result.noise_rho


def test_the_chance_level_of_a_rank_correlation_falls_with_the_draws_and_rises_with_the_assumptions() -> None:
    assert noise_level(1, 10) == 1.0
    assert noise_level(5, 1) == pytest.approx(1.959964 / 2)  # one assumption: the plain two-sided 5%
    assert noise_level(101, 1) == pytest.approx(0.196, abs=0.001)
    assert noise_level(33, 76) == pytest.approx(3.4086 / math.sqrt(32), abs=0.002)  # 0.05 shared by 76


def test_unrelated_assumptions_are_named_beside_a_conclusion_rarely() -> None:
    """Sixty assumptions that do nothing, a target that is pure noise: across 40 analyses of 32 draws each, an
    assumption is named in few of them (one in twenty is the design; a few more or fewer by chance)."""
    rng = np.random.default_rng(0)
    named = 0
    assumptions = [Assumption(f"twin.a{i}", 0.5, 0.0, 1.0) for i in range(60)]
    for trial in range(40):
        draws = draw(assumptions, 32, seed=trial)
        central, by_draw = _scorecards(list(8.0 + rng.standard_normal(32)))
        result = analyse(central, by_draw, draws, assumptions, "a", ["a", "b"], 0.02, Thresholds(0.9, 0.7))
        named += bool(result.robustness["hangs_on"].iloc[0])
    assert named <= 6


def test_the_sensitivity_targets_are_every_level_and_every_pair_of_models() -> None:
    card = pd.DataFrame([_rows(d, m, "mean_wait_days", v) for d in range(3)
                         for m, v in (("a", 10.0 + d), ("b", 8.0), ("c", 9.0 - d))])
    table = targets(card, ["a", "b", "c"]).set_index("draw")
    assert sorted(table.columns) == sorted(["a: mean_wait_days", "b: mean_wait_days", "c: mean_wait_days",
                                            "b − a: mean_wait_days", "c − a: mean_wait_days",
                                            "c − b: mean_wait_days"])
    assert table["c − b: mean_wait_days"].tolist() == [1.0, 0.0, -1.0]
    assert table["b − a: mean_wait_days"].tolist() == [-2.0, -3.0, -4.0]
