"""What capitation needs to know of each practice: its list by age band and sex, morbidity, deprivation, locality.

A :class:`PracticeProfile` is built from the England open data (:mod:`carenet.fund.england`), a
user's practices CSV, or a carenet dataset (:mod:`carenet.fund.dataset_profile`). Arrays are
aligned by practice; a part the source does not give is ``None`` (or NaN per practice) and the
capitation says so instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from carenet.fund.errors import FundError

SEXES = ("female", "male")


@dataclass
class PracticeProfile:
    """Practices and their lists. ``age_sex[i, s, b]`` counts patients of sex ``SEXES[s]`` in need-weight age band
    ``b``; ``ltc_prevalence[i, c]`` is the share of the whole list on register ``registers[c]``; ``multimorbid`` the
    share with two or more long-term conditions where it is counted directly; ``imd_score`` and ``deprivation`` (the
    position 0 least to 1 most deprived) NaN where unknown; ``clinical_fte`` and ``gp_fte`` where the source has
    staff."""

    practice_id: np.ndarray
    name: np.ndarray
    registered: np.ndarray
    source: str
    age_sex: np.ndarray | None = None
    registers: tuple[str, ...] = ()
    ltc_prevalence: np.ndarray | None = None
    multimorbid: np.ndarray | None = None
    imd_score: np.ndarray | None = None
    deprivation: np.ndarray | None = None
    share_65plus: np.ndarray | None = None
    network: np.ndarray | None = None
    locality: np.ndarray | None = None
    age_bands: tuple[int, ...] = ()
    deprivation_from_imd: bool = False
    clinical_fte: np.ndarray | None = None
    gp_fte: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.practice_id)
        if n == 0:
            raise FundError(f"{self.source}: no practices to fund")
        self.registered = np.asarray(self.registered, dtype=np.int64)
        if (self.registered <= 0).all():
            raise FundError(f"{self.source}: every practice has an empty list; list sizes are needed to fund them")
        if self.imd_score is None:
            self.imd_score = np.full(n, np.nan)
        if self.deprivation is None:
            self.deprivation = deprivation_position(self.imd_score, self.registered)
            self.deprivation_from_imd = True
        if self.share_65plus is None and self.age_sex is not None:
            total = self.age_sex.sum(axis=(1, 2))
            self.share_65plus = np.divide(self.age_sex[:, :, _band_65(self)].sum(axis=(1, 2)), total,
                                          out=np.full(n, np.nan), where=total > 0)

    @property
    def size(self) -> int:
        return len(self.practice_id)


def _band_65(profile: PracticeProfile) -> slice:
    """The need-weight bands from age 65 on (the bands start at 0 and 65 is one of their lower bounds)."""
    bands = profile.age_bands
    return slice(bands.index(65) if 65 in bands else len(bands), None)


def position_in(reference: np.ndarray, weights: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Where each IMD score sits in the patient-weighted distribution of ``reference`` scores: 0 least to 1 most
    deprived, the mid-point of any reference practices with the same score; NaN for an unknown score."""
    known = ~np.isnan(reference)
    order = np.argsort(reference[known], kind="stable")
    ref = reference[known][order]
    cumulative = np.concatenate([[0.0], np.cumsum(weights[known][order].astype(np.float64))])
    out = np.full(len(scores), np.nan)
    if ref.size == 0 or cumulative[-1] <= 0:
        return out
    given = ~np.isnan(scores)
    below = cumulative[np.searchsorted(ref, scores[given], side="left")]
    upto = cumulative[np.searchsorted(ref, scores[given], side="right")]
    out[given] = (below + upto) / 2 / cumulative[-1]
    return out


def deprivation_position(imd_score: np.ndarray, registered: np.ndarray) -> np.ndarray:
    """Each practice's place among the practices given (see :func:`position_in`)."""
    return position_in(imd_score, registered, imd_score)


def deciles(position: np.ndarray) -> np.ndarray:
    """Deprivation decile 1 (most deprived) to 10 from a position 0 (least) to 1 (most); 0 where unknown."""
    d = np.zeros(len(position), dtype=np.int8)
    known = ~np.isnan(position)
    d[known] = (10 - np.minimum(np.floor(position[known] * 10), 9)).astype(np.int8)
    return d


def from_practices_table(practices: pa.Table, source: str) -> PracticeProfile:
    """A profile from a canonical ``practices`` table (a user's CSV): list sizes and IMD only."""
    imd = practices["imd_score"].to_numpy(zero_copy_only=False).astype(np.float64)
    network = practices["network_id"].to_pylist()
    profile = PracticeProfile(
        practice_id=np.array(practices["practice_id"].to_pylist(), dtype=object),
        name=np.array(practices["name"].to_pylist(), dtype=object),
        registered=practices["list_size"].to_numpy(),
        source=source, imd_score=imd,
        network=np.array([n or "" for n in network], dtype=object),
        locality=np.array([n or "" for n in network], dtype=object))
    profile.notes.append("age-sex structure and morbidity are not in a practices file: their indices are 1 "
                         "(the average)")
    return profile
