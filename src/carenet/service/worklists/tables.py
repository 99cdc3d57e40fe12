"""The store's record of changes to the practices' worklists, so every process of the service sees them.

A request that changes who is on a practice's worklists (:func:`carenet.service.worklists.cache.mark_changed`)
moves the practice's generation on as it commits (``*``: every practice's); a worker process keeps a computed
worklist only while the generations it was computed at are still the store's, so a change made through one
worker of ``carenet serve --workers`` shows on every worker's worklists at once.
"""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

EVERY_PRACTICE = "*"
"""The ``practice_id`` of the generation that every practice's worklists share (a change to all of them)."""

WORKLIST_CHANGES = sa.Table(
    "worklist_changes", METADATA,
    sa.Column("practice_id", sa.Text(), primary_key=True, comment="Practice, or * for every practice"),
    sa.Column("generation", sa.BigInteger(), nullable=False, comment="Changes committed so far"),
    comment="How often each practice's worklists have been changed through the service (kept worklists are "
            "checked against it).",
)

__all__ = ["EVERY_PRACTICE", "WORKLIST_CHANGES"]
