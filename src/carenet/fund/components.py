"""The capitation components: each a raw index per practice before national normalisation.

* **age-sex workload** ``A_p = Σ_{s,b} n_{p,s,b} r_{s,b} / N_p``: the practice's expected consultations per
  patient from its list by age band and sex, with the band rate ``r_b`` split between women ``2ρ_b/(1+ρ_b)``
  and men ``2/(1+ρ_b)`` by the female-to-male ratio ``ρ_b`` (``measures_need_weights``);
* **morbidity** ``M_p = 1 + (RR_mm − 1) m_p``: patients with two or more long-term conditions consult
  ``RR_mm`` = 2.30 times as often (Soley-Bori 2021); ``m_p`` is counted directly in a dataset, and from QOF
  register prevalences ``p_c`` as if independent, ``m = 1 − P₀ − P₀ Σ_c p_c/(1 − p_c)``, ``P₀ = Π_c (1 − p_c)``;
* **deprivation** ``D_p = RR_dep^{x_p}``: consulting rises log-linearly with deprivation from the least
  (``x = 0``) to the most deprived (``x = 1``), ``RR_dep`` = the twin's deprivation rate ratio.

A component the source cannot build is ``None``; unknown practices get NaN and are set to the national
average (1 after normalisation) by :mod:`carenet.fund.normalise`.
"""

from __future__ import annotations

import numpy as np

from carenet.fund.errors import FundError
from carenet.fund.profile import PracticeProfile
from carenet.measures.community import NeedWeights


def sex_band_rates(weights: NeedWeights) -> np.ndarray:
    """Consultations per person-year, ``[sex, band]`` with sex 0 female, 1 male."""
    rates = np.asarray(weights.rates, dtype=np.float64)
    ratio = np.asarray(weights.female_to_male, dtype=np.float64)
    return np.stack([rates * 2 * ratio / (1 + ratio), rates * 2 / (1 + ratio)])


def age_sex_index(profile: PracticeProfile, weights: NeedWeights) -> np.ndarray | None:
    if profile.age_sex is None:
        return None
    if profile.age_sex.shape[2] != len(weights.bands):
        raise FundError(f"{profile.source}: the list is counted in {profile.age_sex.shape[2]} age bands but the "
                        f"need weights have {len(weights.bands)}")
    counts = profile.age_sex.astype(np.float64)
    total = counts.sum(axis=(1, 2))
    expected = np.einsum("psb,sb->p", counts, sex_band_rates(weights))
    return np.divide(expected, total, out=np.full(profile.size, np.nan), where=total > 0)


def multimorbid_from_registers(prevalence: np.ndarray) -> np.ndarray:
    """Share with two or more conditions if each register were independent (rows with NaN stay NaN)."""
    p = np.clip(prevalence, 0.0, 0.999999)
    none = np.prod(1 - p, axis=1)
    return 1 - none - none * np.sum(p / (1 - p), axis=1)


def morbidity_index(profile: PracticeProfile, weights: NeedWeights) -> np.ndarray | None:
    if profile.multimorbid is not None:
        share = profile.multimorbid
    elif profile.ltc_prevalence is not None:
        share = multimorbid_from_registers(profile.ltc_prevalence)
    else:
        return None
    return 1 + (weights.multimorbidity_rate_ratio - 1) * share


def deprivation_index(profile: PracticeProfile, rate_ratio: float) -> np.ndarray | None:
    assert profile.deprivation is not None
    if np.isnan(profile.deprivation).all():
        return None
    return rate_ratio ** profile.deprivation
