"""Named points in every write at which a test can kill carenet, to prove a crash loses nothing.

When the environment variable ``CARENET_KILL_AT`` equals a checkpoint's name, the process sends
itself ``SIGKILL`` there: no cleanup, no ``finally``, exactly as a power cut or ``kill -9`` would
leave things. Otherwise a checkpoint costs one dictionary lookup.

Dataset writes (:func:`carenet.schema.dataset.write_dataset` and population streaming):

- ``staged``: every table is written to the staging folder, nothing fsynced yet;
- ``fsynced``: the staging folder's files and the folder itself are on disk;
- ``before-pointer``: the new generation is in place, ``manifest.json`` not yet replaced;
- ``after-pointer``: ``manifest.json`` names the new generation (the write is committed);
- ``cleanup``: the table links are updated, the previous generation not yet removed.

Run folders (``carenet simulate``, ``compare``, ``sweep``, ``demo``):

- ``run-staged``: every replication is written, ``experiment.json`` not yet committed;
- ``run-committed``: ``experiment.json`` is committed, the incomplete marker not yet removed.
"""

from __future__ import annotations

import os
import signal

KILL_AT = "CARENET_KILL_AT"
"""The environment variable naming the checkpoint at which to die."""
CHECKPOINTS = ("staged", "fsynced", "before-pointer", "after-pointer", "cleanup", "run-staged", "run-committed")


def checkpoint(name: str) -> None:
    """Die by ``SIGKILL`` here when ``CARENET_KILL_AT`` is ``name``; otherwise do nothing."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


__all__ = ["CHECKPOINTS", "KILL_AT", "checkpoint"]
