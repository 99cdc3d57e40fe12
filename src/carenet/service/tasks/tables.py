"""What the canonical ``tasks`` rows do not hold: the task's words and who raised and closed it."""

from __future__ import annotations

import sqlalchemy as sa

from carenet.service.store.tables import METADATA

TASK_NOTES = sa.Table(
    "task_notes", METADATA,
    sa.Column("task_id", sa.Text(), sa.ForeignKey("tasks.task_id", deferrable=True, initially="DEFERRED"),
              primary_key=True, comment="The canonical task"),
    sa.Column("title", sa.Text(), nullable=False, comment="What is to be done"),
    sa.Column("raised_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=False, comment="Who raised it"),
    sa.Column("closed_by", sa.Text(), sa.ForeignKey("users.user_id"), nullable=True,
              comment="Who marked it done or cancelled it"),
    comment="The words of tasks raised through the service, and who raised and closed them.",
)

__all__ = ["TASK_NOTES"]
