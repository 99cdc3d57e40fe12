"""Households built from a practice's people, so that the age structure stays the calibrated one.

People are drawn first (ages and sexes), then grouped, all vectorised:

1. children are grouped into sibling sets (family sizes from ``children_per_family``) and given
   a mother, or a lone parent, of a plausible age (``mother_age_at_birth``);
2. couple families get a partner; further couples are formed until ``couple_share_of_adults``
   of adults live in a couple (partner ages ``partner_age_gap_years`` apart);
3. unpartnered young adults mostly live with a parent (``young_adult_at_parents``);
4. of the rest, enough live alone to make ``one_person_share_of_households`` of households
   (older people more often), and the others share (``sharer_household_size``).

Matching by age uses a monotone assignment: targets and candidates are both sorted by age, each
target takes its nearest candidate, and collisions are pushed to the next free one, so every
candidate is used at most once and the whole step is a handful of array operations.
"""

from __future__ import annotations

import numpy as np

from carenet.population.settings import Settings, settings


def match_by_age(targets: np.ndarray, pool_ages: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each target age, a distinct position in ``pool_ages`` near it (-1 if the pool ran out)."""
    g, p = len(targets), len(pool_ages)
    result = np.full(g, -1, dtype=np.int64)
    if g == 0 or p == 0:
        return result
    if g > p:
        chosen = np.sort(rng.choice(g, size=p, replace=False))
        result[chosen] = match_by_age(targets[chosen], pool_ages, rng)
        return result
    order_t = np.argsort(targets, kind="stable")
    order_p = np.lexsort((rng.random(p), pool_ages))
    sorted_pool = pool_ages[order_p].astype(float)
    sorted_t = targets[order_t]
    right = np.clip(np.searchsorted(sorted_pool, sorted_t), 0, p - 1)
    left = np.clip(right - 1, 0, p - 1)
    nearest = np.where(np.abs(sorted_pool[left] - sorted_t) < np.abs(sorted_pool[right] - sorted_t), left, right)
    step = np.arange(g)
    slot = np.maximum.accumulate(nearest - step) + step
    slot = np.minimum(slot, p - g + step)
    result[order_t] = order_p[slot]
    return result


def _chunk_sizes(total: int, shares: dict[int, float], rng: np.random.Generator) -> np.ndarray:
    """Group sizes drawn from ``shares`` that add up to exactly ``total`` (the last one trimmed)."""
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    sizes = rng.choice(np.array(list(shares)), size=total, p=np.array(list(shares.values())))
    cum = np.cumsum(sizes)
    count = int(np.searchsorted(cum, total)) + 1
    sizes = sizes[:count].copy()
    sizes[-1] -= cum[count - 1] - total
    return sizes


class _Builder:
    """Household ids given out in order; ``-1`` marks someone not yet placed."""

    def __init__(self, n: int):
        self.household = np.full(n, -1, dtype=np.int64)
        self.count = 0

    def new(self, k: int) -> np.ndarray:
        ids = np.arange(self.count, self.count + k)
        self.count += k
        return ids

    def free(self, mask: np.ndarray) -> np.ndarray:
        return np.flatnonzero(mask & (self.household < 0))


def build_households(age: np.ndarray, female: np.ndarray, rng: np.random.Generator,
                     s: Settings | None = None) -> np.ndarray:
    """The household (0-based, dense) of each person; every child shares one with an adult if any exists."""
    s = s or settings()
    n = len(age)
    b = _Builder(n)
    adult = age >= s.adult_age
    primary_of_household = np.zeros(0, dtype=np.int64)

    # 1. sibling groups and their primary parent
    kids = np.flatnonzero(~adult)
    kids = kids[np.argsort(age[kids] + rng.uniform(-s.sibling_spread, s.sibling_spread, len(kids)), kind="stable")]
    sizes = _chunk_sizes(len(kids), s.children_per_family, rng)
    groups = len(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    family = b.new(groups)
    b.household[kids] = np.repeat(family, sizes)
    primary = np.full(groups, -1, dtype=np.int64)
    partner_needed = np.zeros(groups, dtype=bool)
    if groups:
        eldest = np.maximum.reduceat(age[kids], starts)
        mean_age = np.add.reduceat(age[kids], starts) / sizes
        lone = rng.random(groups) < s.lone_parent_share
        mother = ~lone | (rng.random(groups) < s.lone_parent_female_share)
        target = np.maximum(mean_age + rng.normal(s.mother_age_mean, s.mother_age_sd, groups),
                            eldest + s.min_parent_gap)
        for is_female in (True, False):
            want = np.flatnonzero(mother == is_female)
            pool = b.free(adult & (female == is_female))
            got = match_by_age(target[want], age[pool].astype(float), rng)
            ok = got >= 0
            primary[want[ok]] = pool[got[ok]]
            b.household[pool[got[ok]]] = family[want[ok]]
        partner_needed = ~lone & (primary >= 0)
    primary_of_household = np.concatenate([primary_of_household, primary])

    # 2. partners of couple families, then couples without dependent children
    wanted = int(round(s.couple_share * adult.sum() / 2))
    wanted -= _add_partners(b, age, female, adult, primary[partner_needed], rng, s)
    if wanted > 0:
        women = b.free(adult & female)
        women = rng.permutation(women)[:wanted]
        couples = b.new(len(women))
        b.household[women] = couples
        _add_partners(b, age, female, adult, women, rng, s)
        primary_of_household = np.concatenate([primary_of_household, women])

    # 3. young unpartnered adults in a parental household
    young = b.free(adult & (age <= s.young_adult_max_age))
    young = young[rng.random(len(young)) < s.young_adult_at_parents]
    parents = primary_of_household[primary_of_household >= 0]
    target = age[young] + rng.normal(s.mother_age_mean, s.mother_age_sd, len(young))
    got = match_by_age(target, age[parents].astype(float), rng)
    ok = got >= 0
    b.household[young[ok]] = b.household[parents[got[ok]]]

    # 4. living alone, enough to make the published share of one-person households; the rest share
    rest = b.free(adult)
    sharer_mean = sum(k * p for k, p in s.sharer_sizes.items())
    other = b.count + len(rest) / sharer_mean
    alone_count = s.one_person_share * other / (1 - s.one_person_share + s.one_person_share / sharer_mean)
    alone_count = int(np.clip(round(alone_count), 0, len(rest)))
    weight = s.alone_odds_per_decade ** (age[rest] / 10.0)
    keys = np.log(rng.random(len(rest))) / weight
    alone = rest[np.argsort(-keys, kind="stable")[:alone_count]]
    b.household[alone] = b.new(len(alone))
    sharers = rng.permutation(b.free(adult))
    sizes = _chunk_sizes(len(sharers), s.sharer_sizes, rng)
    b.household[sharers] = np.repeat(b.new(len(sizes)), sizes)

    # children whose family found no parent join a household that has an adult
    orphan_families = family[primary < 0]
    if len(orphan_families) and adult.any():
        hosts = b.household[rng.choice(np.flatnonzero(adult), size=len(orphan_families))]
        remap = np.arange(b.count)
        remap[orphan_families] = hosts
        b.household = remap[b.household]
    _, dense = np.unique(b.household, return_inverse=True)
    return dense.astype(np.int64)


def _add_partners(b: _Builder, age: np.ndarray, female: np.ndarray, adult: np.ndarray, first: np.ndarray,
                  rng: np.random.Generator, s: Settings) -> int:
    """Give each person in ``first`` a partner of the other sex in their household; returns the couples made."""
    made = 0
    gap = rng.normal(s.partner_gap_mean, s.partner_gap_sd, len(first))
    for is_female in (True, False):
        pick = female[first] == is_female
        who = first[pick]
        target = age[who] + (gap[pick] if is_female else -gap[pick])
        pool = b.free(adult & (female != is_female))
        got = match_by_age(target, age[pool].astype(float), rng)
        ok = got >= 0
        b.household[pool[got[ok]]] = b.household[who[ok]]
        made += int(ok.sum())
    return made
