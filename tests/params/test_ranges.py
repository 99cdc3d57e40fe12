"""Every assumption of parameters.yaml says how uncertain it is: a range an uncertainty analysis draws from, or
why it is not drawn (``fixed``)."""

from __future__ import annotations

import copy
import re

import pytest

from carenet.params import load_parameters, range_text, tagged_entries
from carenet.params.ranges import DISTRIBUTIONS, RANGED_TAGS

ENTRIES = dict(tagged_entries(copy.deepcopy(load_parameters())))  # as the file has them, whatever a test changes
RANGED = {path: e for path, e in ENTRIES.items() if "value_range" in e and "value" in e}
PROBABILITY = re.compile(r"(probability|share|reduction|take_up|realisation|absence_rate|goes_elsewhere|give_up)")
"""Names of entries whose values are chances or shares, so every value and bound lies in [0, 1]."""


def _pairs(entry):
    span = entry["value_range"]
    values = entry["value"] if isinstance(entry["value"], list) else [entry["value"]]
    pairs = span if isinstance(entry["value"], list) else [span]
    return list(zip(values, pairs, strict=True))


def test_the_walk_finds_the_twins_assumptions():
    assert "twin.effects.reference_upc" in ENTRIES and "network.choice.prefer_reference_share" in ENTRIES
    assert "prevalence.multimorbidity_by_age.7" in ENTRIES  # list items, by index
    assert len(RANGED) >= 40


def test_every_assumption_has_a_range_or_says_why_it_is_fixed():
    both_or_neither = [p for p, e in ENTRIES.items() if str(e["tag"]) in RANGED_TAGS
                       and ("value_range" in e) == ("fixed" in e)]
    assert not both_or_neither, both_or_neither


def test_every_effect_has_a_range_or_says_why_it_is_fixed():
    effects = {p: e for p, e in ENTRIES.items() if p.startswith("twin.effects.")}
    assert len(effects) >= 13
    assert not [p for p, e in effects.items() if ("value_range" in e) == ("fixed" in e)]


def test_a_fixed_entry_gives_its_reason_and_no_range():
    fixed = {p: e for p, e in ENTRIES.items() if "fixed" in e}
    assert not [p for p, e in fixed.items() if not isinstance(e["fixed"], str) or len(e["fixed"].split()) < 4]
    assert not [p for p, e in fixed.items() if {"range_note", "distribution"} & set(e)]


@pytest.mark.parametrize("path", sorted(RANGED))
def test_a_range_holds_its_value(path):
    entry = RANGED[path]
    span = entry["value_range"]
    assert isinstance(span, list) and span, path
    if isinstance(entry["value"], list):
        assert len(span) == len(entry["value"]), f"{path}: one [low, high] per element"
    for value, pair in _pairs(entry):
        assert isinstance(pair, list) and len(pair) == 2, f"{path}: {pair!r} is not [low, high]"
        lo, hi = pair
        assert all(isinstance(x, int | float) and not isinstance(x, bool) for x in (value, lo, hi)), path
        assert lo <= value <= hi, f"{path}: {value} outside [{lo}, {hi}]"
        if isinstance(value, int):
            assert isinstance(lo, int) and isinstance(hi, int), f"{path}: an integer value needs integer bounds"
        if PROBABILITY.search(path.rsplit(".", 1)[-1]):
            assert 0 <= lo <= hi <= 1, f"{path}: a probability's range lies in [0, 1]"


def test_a_range_says_why_and_how_it_is_drawn():
    drawn = {p: e for p, e in ENTRIES.items() if "value_range" in e or str(e["tag"]) in RANGED_TAGS}
    assert not [p for p, e in drawn.items() if e.get("distribution", "uniform") not in DISTRIBUTIONS]
    assert not [p for p, e in drawn.items() if ("distribution" in e or "range_note" in e) and "value_range" not in e]
    # elsewhere "distribution" may describe data (demand.duration_minutes: a fitted lognormal), never a draw
    unexplained = [p for p, e in RANGED.items() if str(e["tag"]) in RANGED_TAGS
                   and not (e.get("range_note") or "range" in str(e.get("rationale", "")))]
    assert not unexplained, unexplained


def test_a_range_reads_as_text():
    assert range_text({"value": 0.2, "value_range": [0.1, 0.3]}) == "0.1–0.3"
    assert range_text({"value": [0.0, 0.1], "value_range": [[0.0, 0.0], [0.0, 0.2]]}) == "0, 0–0.2"
    assert range_text({"value": 5, "value_range": [3, 8], "distribution": "triangular"}) == "3–8 (triangular)"
    assert range_text({"value": 28, "fixed": "a definition"}) == "fixed"
    assert range_text({"value": 28, "fixed": "a definition"}, reason=True) == "fixed: a definition"
    assert range_text({"value": 0.61}) == ""
