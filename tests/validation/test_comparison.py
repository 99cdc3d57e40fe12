"""Simulated against published: the verdict of each row, absolute and relative tolerances, absent figures."""

from __future__ import annotations

import math

import pandas as pd

from carenet.validation import NOT_APPLICABLE, OK, OUTSIDE, compare, settings_figures
from carenet.validation.settings import Tolerance


def test_tolerances_absolute_and_relative() -> None:
    assert Tolerance(0.05).allows(0.40, 0.44) and not Tolerance(0.05).allows(0.38, 0.44)
    assert Tolerance(0.10, relative=True).allows(10.9, 10.0) and not Tolerance(0.10, relative=True).allows(11.2, 10.0)


def test_rows_are_ok_outside_or_not_applicable(settings) -> None:
    published = settings_figures(settings)
    simulated = pd.DataFrame([
        {"measure": "upc", "group": "small", "value": 0.66, "note": ""},  # 0.70 ± 0.05: ok
        {"measure": "upc", "group": "large", "value": 0.50, "note": ""},  # 0.59 ± 0.05: outside
        {"measure": "upc", "group": "all", "value": math.nan, "note": "no patient qualifies"},
        {"measure": "coc", "group": "small", "value": 0.4, "note": ""},  # no published COC
        {"measure": "same_day_share", "group": "", "value": 0.30, "note": ""},  # 0.44 ± 0.05: outside
    ])
    table = compare(simulated, published, settings).set_index(["measure", "group"])
    assert table.loc[("upc", "small"), "status"] == OK
    assert table.loc[("upc", "large"), "status"] == OUTSIDE
    assert table.loc[("upc", "all"), "status"] == NOT_APPLICABLE
    assert "no patient qualifies" in table.loc[("upc", "all"), "note"]
    assert table.loc[("coc", "small"), "status"] == NOT_APPLICABLE
    assert "published: no published" in table.loc[("coc", "small"), "note"]
    assert table.loc[("same_day_share", ""), "status"] == OUTSIDE
    # A figure the dataset did not give at all is n/a, never a zero.
    assert table.loc[("dna_rate", ""), "status"] == NOT_APPLICABLE and math.isnan(table.loc[("dna_rate", ""),
                                                                                            "simulated"])
