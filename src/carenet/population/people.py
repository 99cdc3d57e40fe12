"""One practice's patients: ages, sexes, households, deprivation, dates, conditions and eFI deficits.

Everything is drawn from the practice's own generator, so a practice's patients are the same
whether it is generated alone, in a batch or in a national run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from carenet.population.demography import AgeModel, ages_in_bands, household_deciles
from carenet.population.frailty import FrailtyModel
from carenet.population.grid import deprivation_score
from carenet.population.households import build_households
from carenet.population.morbidity import ConditionModel, onset_ages
from carenet.population.settings import Settings

DAYS_PER_YEAR = 365.2425
_EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class People:
    """A practice's patients (ordered by household, oldest first) and their coded conditions."""

    age: np.ndarray
    female: np.ndarray
    household: np.ndarray
    decile: np.ndarray
    birth_day: np.ndarray
    registered_day: np.ndarray
    condition_person: np.ndarray
    condition_code: np.ndarray
    """Index into the code table: registers first (in register order), then own-draw deficits."""
    condition_onset_day: np.ndarray
    homeless: np.ndarray | None = None
    """Whether the person's household is homeless (:mod:`carenet.population.housing`, drawn from its own stream)."""


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01, Arrow's date32."""
    return (day - _EPOCH).days


def birth_days(age: np.ndarray, reference: dt.date, rng: np.random.Generator) -> np.ndarray:
    """Birth dates (day numbers) such that each person is exactly ``age`` on the reference date."""
    month = np.datetime64(reference, "M")
    day_offset = np.timedelta64(reference.day - 1, "D")

    def anniversary(years: np.ndarray) -> np.ndarray:
        at = (month - (12 * years).astype("timedelta64[M]")).astype("datetime64[D]") + day_offset
        return at.astype(np.int64)

    latest = anniversary(age)
    earliest = anniversary(age + 1) + 1
    return earliest + np.floor(rng.random(len(age)) * (latest - earliest + 1)).astype(np.int64)


def make_people(n: int, z: float, rng: np.random.Generator, s: Settings, ages: AgeModel,
                conditions: ConditionModel, frailty: FrailtyModel, reference: dt.date,
                age_sex: tuple[np.ndarray, np.ndarray] | None = None) -> People:
    """Draw ``n`` patients of a practice at deprivation ``z``.

    ``age_sex`` (counts by sex and age band, shape (2, bands), female first; the bands' lower ages) fixes how many
    patients of each sex fall in each band, as a practice's published list does; ages within a band follow the
    practice's single-year shares.
    """
    ref_day = day_number(reference)
    if age_sex is None:
        age = rng.choice(len(ages.base), size=n, p=ages.shares(z))
        female = rng.random(n) < ages.female[age]
    else:
        age, female = ages_in_bands(age_sex[0], age_sex[1], ages.shares(z), rng)
        if len(age) != n:
            raise ValueError(f"the age-sex counts add up to {len(age):,} patients, not the list size {n:,}")
    household = build_households(age, female, rng, s)
    order = np.lexsort((-age, household))
    age, female, household = age[order], female[order], household[order]
    decile = household_deciles(z, int(household.max(initial=-1)) + 1, rng, s)[household]
    birth = birth_days(age, reference, rng)
    since = np.floor(rng.exponential(s.mean_years_at_practice, n) * DAYS_PER_YEAR).astype(np.int64)
    registered = np.maximum(birth, ref_day - since)
    exact_age = (ref_day - birth) / DAYS_PER_YEAR

    factor = rng.standard_normal(n, dtype=np.float32)
    eta = conditions.linear_predictor(age, ~female, deprivation_score(decile))
    person, register = np.nonzero(conditions.draw(eta, factor, rng))
    onset = conditions.onset_age(exact_age[person], register, eta[person, register], rng)

    old = np.flatnonzero(age >= frailty.min_age)
    own_eta = frailty.linear_predictor32(age[old])
    own_person, own_deficit = np.nonzero(frailty.draw(own_eta, factor[old], rng))
    own_onset = onset_ages(exact_age[old][own_person], np.full(len(own_person), float(frailty.min_age)),
                           np.full(len(own_person), frailty.age_slope), own_eta[own_person, own_deficit], rng)

    who = np.concatenate([person, old[own_person]])
    code = np.concatenate([register, len(conditions.codes) + own_deficit])
    onset_age = np.concatenate([onset, own_onset])
    onset_day = np.minimum(birth[who] + np.floor(onset_age * DAYS_PER_YEAR).astype(np.int64), ref_day)
    by_person = np.lexsort((code, who))
    return People(age, female, household, decile, birth, registered,
                  who[by_person], code[by_person], onset_day[by_person])
