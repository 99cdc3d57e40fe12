"""Time need-weighted capitation and equity for every practice in England from the NHS open data.

Work: read the July 2026 registered-patients file by 5-year age band and sex (263,977 practice rows) with
Fingertips IMD 2019, the practice → PCN → sub-ICB map and QOF 2022-23 registers (133,938 rows); build the
age-sex, morbidity and deprivation indices of 6,139 practices, normalise them nationally, weigh the lists,
price them for 2025/26, tabulate funding per need-adjusted patient by deprivation decile and flag lists
unlike their locality's. The target is ≤ 5 s (wall, one process, imports excluded; the import time is
printed separately).

Run: ``python bench/bench_fund.py`` (``--nhs-data DIR`` if the open data are elsewhere; ``--repeat N``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nhs-data", type=Path, default=ROOT.parent / "shared" / "external" / "nhs-open-data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    from carenet.fund import FundSettings, capitation, capitation_table, cream_skimming, equity, prices_for
    from carenet.fund.england import read_england

    imported = time.perf_counter() - started
    print(f"imports {imported:.2f} s; load average {os.getloadavg()[0]:.1f}")
    print(f"{'run':>4} {'read s':>7} {'compute s':>9} {'total s':>8} {'CPU s':>6} {'practices':>9} {'gap':>6}")
    for run in range(1, args.repeat + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        settings = FundSettings.from_parameters()
        profile = read_england(args.nhs_data, settings.need_weights, settings.morbidity_registers)
        read = time.perf_counter() - wall
        prices = prices_for("2025/26", settings)
        cap = capitation(profile, settings)
        capitation_table(cap, prices)
        result = equity(cap, settings, prices.global_sum.value)
        cream_skimming(profile, settings.cream_flag_gap)
        total = time.perf_counter() - wall
        print(f"{run:>4} {read:>7.2f} {total - read:>9.2f} {total:>8.2f} {time.process_time() - cpu:>6.2f} "
              f"{profile.size:>9,} {result.gap:>6.1%}")


if __name__ == "__main__":
    main()
