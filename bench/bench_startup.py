"""Start-up of the command line: how long ``carenet --help``, a command's help and a mistake in the arguments take.

Each case runs ``python -m carenet ARGS`` (the interpreter itself, not pyenv's shim, which adds about 0.1 s) ``--runs``
times in a fresh process, after one unmeasured run that fills Python's bytecode cache, and prints the best and the
median wall time and the median CPU time (user + system) of the process; ``python -c pass`` is the floor: the
interpreter's own start-up. CPU time is the steadier figure on a machine shared with other work.

``--src`` times another checkout's sources (e.g. the one before a change) with the same cases.

    python bench/bench_startup.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
CASES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("python -c pass (the interpreter alone)", (), 0),
    ("carenet --help", ("--help",), 0),
    ("carenet simulate --help", ("simulate", "--help"), 0),
    ("carenet import fhir --help", ("import", "fhir", "--help"), 0),
    ("carenet simulate --no-such-option", ("simulate", "--no-such-option"), 2),
    ("carenet compare (missing argument)", ("compare",), 2),
    ("carenet nosuch (unknown command)", ("nosuch",), 2),
    ("carenet compare a b --days thirty (bad value)", ("compare", "a", "b", "--days", "thirty"), 2),
)


def command(argv: tuple[str, ...]) -> list[str]:
    """The process to start for one case: ``python -m carenet ARGV``, or ``python -c pass`` when ``argv`` is empty."""
    return [sys.executable, "-m", "carenet", *argv] if argv else [sys.executable, "-c", "pass"]


def time_once(cmd: list[str], code: int, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd``; fails loudly if it does not exit with ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != code:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}, not {code}:\n{done.stdout}{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15)")
    parser.add_argument("--src", type=Path, default=SRC, help="the sources to time (default: this checkout's src)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if not (args.src / "carenet" / "__main__.py").is_file():
        parser.error(f"--src {args.src}: no carenet/__main__.py there; give a checkout's src folder")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(args.src), os.environ.get("PYTHONPATH")) if p)}
    print(f"{args.src}: {args.runs} runs per case; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"Python {sys.version.split()[0]}")
    print(f"{'case':<48} {'best':>7} {'median':>7} {'CPU med':>8}")
    for label, argv, code in CASES:
        cmd = command(argv)
        time_once(cmd, code, env)
        runs = [time_once(cmd, code, env) for _ in range(args.runs)]
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(f"{label:<48} {min(walls):6.3f}s {statistics.median(walls):6.3f}s {statistics.median(cpus):7.3f}s")


if __name__ == "__main__":
    main()
