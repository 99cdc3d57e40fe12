"""Time exact against greedy continuity-aware booking on a realistic day, and report the optimality gap.

Workload (benchmark constants, not evidence — the calibrated values live in parameters.yaml):

* practices of 10,000 patients; per practice 4 GPs (30 ten-minute slots a day), 2 nurses (17
  fifteen-minute slots) and 1 HCA (23 slots); each clinician is off one weekday in five;
* diaries already part-booked: 60% of today's slots are taken, falling linearly to 10% on the
  last horizon day (10 working days);
* 14 requests per 1,000 patients a day (3.5 a patient-year over 250 days), urgency same-day
  40% / urgent 10% / routine 45% / proactive 5%, deadlines 0 / 1 / 9 / 9 days; need types mapped
  to the roles whose scope covers them (GP for acute complex and mental health …);
* continuity: 70% of patients simple (value 0), 20% with long-term conditions (2), 10% complex or
  frail (5) for a booking with their named GP, half that with another GP of the team; delay cost
  per day 10 / 4 / 1 / 0.5 by urgency;
* the 1M-patient day adds an extended-hours hub per network of five practices (a GP and a nurse
  lane, open to same-day and routine requests).

Run: ``python bench/bench_booking.py`` (sizes 50k and 1M) or ``--patients 50000 200000``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from carenet.care import BookingCosts, BookingRequests, Diary, booking_gap, hub_site, role_mask

PRACTICE_SIZE = 10_000
HORIZON = 10
REQUESTS_PER_1000_A_DAY = 14
PRACTICE_STAFF = (("gp", 4, 30), ("practice_nurse", 2, 17), ("hca", 1, 23))
HUB_STAFF = (("gp", 12), ("practice_nurse", 10))
URGENCY_SHARE = np.array([0.40, 0.10, 0.45, 0.05])
DEADLINE = np.array([0, 1, 9, 9])
NEED_SHARE = {"acute_minor": 0.35, "acute_complex": 0.20, "ltc_review": 0.20, "mental_health": 0.08,
              "musculoskeletal": 0.07, "medication": 0.05, "psychosocial": 0.02, "admin_results": 0.03}
NEED_ROLES = {"acute_minor": ("gp", "practice_nurse"), "acute_complex": ("gp",),
              "ltc_review": ("practice_nurse", "hca", "gp"), "mental_health": ("gp",), "musculoskeletal": ("gp",),
              "medication": ("gp",), "psychosocial": ("gp",), "admin_results": ("hca", "gp")}
CONTINUITY_SHARE = np.array([0.7, 0.2, 0.1])
COSTS = BookingCosts(delay_per_day=np.array([10.0, 4.0, 1.0, 0.5]), continuity_value=np.array([0.0, 2.0, 5.0]),
                     team_share=0.5, unmet_penalty=0.0)
ROLE_INDEX = {"gp": 0, "practice_nurse": 2, "hca": 3}


def day_batch(patients: int, seed: int, with_hubs: bool) -> tuple[BookingRequests, Diary]:
    """A network's booking day: requests and part-booked diaries."""
    rng = np.random.default_rng(seed)
    practices = max(1, patients // PRACTICE_SIZE)
    taken = np.linspace(0.6, 0.1, HORIZON)
    clinician, role, site, team, free = [], [], [], [], []
    gps_of_practice = np.zeros((practices, 4), dtype=np.int64)
    for p in range(practices):
        for code, count, slots in PRACTICE_STAFF:
            for i in range(count):
                c = len(clinician)
                if code == "gp":
                    gps_of_practice[p, i] = c
                working = (np.arange(HORIZON) % 5) != (c % 5)
                clinician.append(c)
                role.append(ROLE_INDEX[code])
                site.append(p)
                team.append(p)
                free.append(rng.binomial(slots, 1 - taken) * working)
    if with_hubs:
        for h in range(int(np.ceil(practices / 5))):
            for code, slots in HUB_STAFF:
                clinician.append(len(clinician))
                role.append(ROLE_INDEX[code])
                site.append(hub_site(h))
                team.append(-1)
                free.append(rng.binomial(slots, 1 - taken))
    diary = Diary.build(clinician, role, site, np.array(free), team=team)

    n = int(rng.poisson(patients * REQUESTS_PER_1000_A_DAY / 1000))
    patient = rng.integers(0, patients, n)
    practice = patient // PRACTICE_SIZE % practices
    urgency = rng.choice(4, n, p=URGENCY_SHARE)
    needs = list(NEED_SHARE)
    need = rng.choice(len(needs), n, p=np.array(list(NEED_SHARE.values())))
    masks = np.array([role_mask(NEED_ROLES[k]) for k in needs])
    requests = BookingRequests.build(
        patient=patient, site=practice, allowed_roles=masks[need], urgency=urgency, deadline=DEADLINE[urgency],
        continuity_class=rng.choice(3, n, p=CONTINUITY_SHARE), preferred=gps_of_practice[practice, patient % 4],
        team=practice, hub=np.where(with_hubs & (urgency != 1), practice // 5, -1),
        earliest=np.where(urgency >= 2, 1, 0),
    )
    return requests, diary


def run(patients: int, seed: int) -> None:
    with_hubs = patients >= 200_000
    requests, diary = day_batch(patients, seed, with_hubs)
    started = time.perf_counter()
    gap = booking_gap(requests, diary, COSTS)
    total = time.perf_counter() - started
    e, g = gap.exact, gap.greedy
    print(f"{patients:>9,} patients | {len(requests):>6,} requests x {diary.lanes:>4} lanes x {diary.days} days "
          f"| {e.classes:,} classes{' | hubs' if with_hubs else ''}")
    valued = COSTS.continuity_value[requests.continuity_class] > 0
    for label, a in (("exact ", e), ("greedy", g)):
        named = (a.clinician == requests.preferred)[valued & a.booked].mean()
        same_day = (a.day[requests.urgency == 0] == 0).mean()
        routine_wait = a.day[(requests.urgency == 2) & a.booked].mean()
        print(f"    {label} {a.seconds:7.3f} s  cost {a.cost:10.1f}  unmet {a.unmet.size:5d}  "
              f"named GP {named:6.1%}  same-day on the day {same_day:6.1%}  routine wait {routine_wait:4.2f} d")
    print(f"    gap {gap.absolute:.1f} ({gap.relative:.2%} of |exact|); both solves {total:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    for patients in args.patients:
        run(patients, args.seed)


if __name__ == "__main__":
    main()
