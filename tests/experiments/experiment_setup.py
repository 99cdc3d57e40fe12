"""The small comparison the experiment tests share: its constants and how it is run.

A 2,000-patient demo network for 45 working days (20 of them warm-up) keeps it to seconds while
every piece runs for real: the demo builder, the twin, parallel replications, scoring and pooling.
"""

from __future__ import annotations

from pathlib import Path

from carenet.twin.experiments import Comparison, compare_models

MODELS = ["traditional", "micro_teams"]
DAYS = 45
REPS = 2
SEED = 11
PATIENTS = 2000


def run_comparison(out: Path) -> Comparison:
    return compare_models(MODELS, "demo", out, days=DAYS, reps=REPS, seed=SEED, demo_patients=PATIENTS, workers=2,
                          command="pytest")
