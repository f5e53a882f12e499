"""Alembic's environment: runs a service's history on the connection it is handed
(:func:`pctf.migrations.upgrade`), recorded in that service's own version table."""

from __future__ import annotations

from alembic import context

from pctf.migrations import version_table

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run on a connection: use pctf.migrations.upgrade or `pctf-sandbox db upgrade`")
context.configure(
    connection=connection,
    version_table=version_table(config.attributes["service"]),
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
