"""Alembic environment: the connection is handed in by jifen.store.database, never built from a file."""

from __future__ import annotations

from alembic import context

from jifen.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
