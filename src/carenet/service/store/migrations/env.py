"""Alembic environment of the store: runs on the connection :func:`carenet.service.store.database.migrate` passes."""

from __future__ import annotations

from alembic import context

from carenet.service.store.catalogue import METADATA

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("the store's migrations run through carenet.service.store.database.migrate")
context.configure(connection=connection, target_metadata=METADATA, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
