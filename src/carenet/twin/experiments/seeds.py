"""Common random numbers: replication ``k`` of every model (and every sweep setting) runs on the same seed.

The replication seeds are spawned from the experiment's seed with NumPy's ``SeedSequence``, so
they are independent of each other yet fixed by the one seed the user gives. The engine spawns
its demand, booking, outcome and step streams from a replication's seed in a fixed order, so two
models run with the same replication seed face the same patients asking on the same days: their
differences are the models', not the dice's (Law, *Simulation Modeling and Analysis*, §11.2).
"""

from __future__ import annotations

import numpy as np

from carenet.schema.errors import CarenetError


def replication_seeds(seed: int, reps: int) -> list[int]:
    """``reps`` independent 64-bit seeds derived from ``seed`` (the same for every model)."""
    if reps < 1:
        raise CarenetError(f"--reps must be at least 1, got {reps}")
    if seed < 0:
        raise CarenetError(f"--seed must be a non-negative integer, got {seed}")
    children = np.random.SeedSequence(seed).spawn(reps)
    return [int(child.generate_state(1, np.uint64)[0]) for child in children]


__all__ = ["replication_seeds"]
