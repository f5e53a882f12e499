"""What the first revision of every history creates with, so that it also adopts a database from
before migrations existed: a table already there keeps its rows and gains the columns and
indexes it lacks, a table not there is created. Later revisions use Alembic's ``op`` directly.

A missing column can only be added when it is nullable (the rows already there have no value for
it); every column the earlier releases added over time was.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op


def create_table(name: str, *elements: Any) -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if not inspector.has_table(name):
        op.create_table(name, *elements)
        return
    op.get_context().config.attributes["adopted"] = True  # type: ignore[union-attr]
    present = {c["name"] for c in inspector.get_columns(name)}
    for column in elements:
        if not isinstance(column, sa.Column) or column.name in present:
            continue
        if not column.nullable:
            raise RuntimeError(f"{name}.{column.name} is missing and not nullable: it cannot be added in place")
        op.add_column(name, column)


def create_index(name: str, table: str, columns: list[str], *, unique: bool = False) -> None:
    if name not in {i["name"] for i in sa.inspect(op.get_bind()).get_indexes(table)}:
        op.create_index(name, table, columns, unique=unique)
