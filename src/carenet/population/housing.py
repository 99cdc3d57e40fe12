"""Who experiences homelessness: a household at a time, at a rate that rises with its deprivation decile.

The national share (``synthetic_population.homelessness.prevalence``, Shelter's one in 160) is spread over the
IMD deciles log-linearly, decile 1 (most deprived) ``deprivation_ratio`` times decile 10, so that the mean over the
ten deciles - each a tenth of England's population by construction - is the national share. A household is
homeless as a whole (a family in temporary accommodation, a single person in a hostel or sleeping rough), so the
expected share of people is the household rate whatever the household sizes.

The draw uses its own generator (the synthesiser passes a stream of the practice's own), so adding it left every
other column of a seeded population as it was.
"""

from __future__ import annotations

import numpy as np

from carenet.population.settings import Settings, settings

DECILES = np.arange(1, 11)


def homeless_rates(s: Settings | None = None) -> np.ndarray:
    """Share of people experiencing homelessness by IMD decile 1..10 (index 0 = decile 1)."""
    s = s or settings()
    weight = s.homeless_deprivation_ratio ** ((10 - DECILES) / 9)
    return s.homeless_prevalence * weight / weight.mean()


def draw_homeless(household: np.ndarray, decile: np.ndarray, rng: np.random.Generator,
                  s: Settings | None = None) -> np.ndarray:
    """Whether each person's household is homeless: one draw per household (numbered 0..H-1) at its decile's rate."""
    households = int(household.max(initial=-1)) + 1
    if households == 0:
        return np.zeros(household.shape[0], bool)
    hh_decile = np.full(households, 10, np.int64)  # a household's members share its decile
    hh_decile[household] = decile
    homeless = rng.random(households) < homeless_rates(s)[np.clip(hh_decile, 1, 10) - 1]
    return homeless[household]
