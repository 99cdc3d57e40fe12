"""One small comparison shared by the experiment tests: two models, two replications, in worker processes.

A 2,000-patient demo network for 45 working days (20 of them warm-up) keeps it to seconds while
every piece runs for real: the demo builder, the twin, parallel replications, scoring and pooling.
"""

from __future__ import annotations

import pytest

from carenet.twin.experiments import compare_models

MODELS = ["traditional", "micro_teams"]
DAYS = 45
REPS = 2
SEED = 11
PATIENTS = 2000


@pytest.fixture(scope="session")
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "run"
    return compare_models(MODELS, "demo", out, days=DAYS, reps=REPS, seed=SEED, demo_patients=PATIENTS, workers=2,
                          command="pytest")
