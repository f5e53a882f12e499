"""The response mode each presentation request asked for (verifier.models.PresentationSession):
``direct_post``, or ``direct_post.jwt`` for a response encrypted to the relying party. Requests
made before it asked for ``direct_post``.

Revision ID: verifier_0003
Revises: verifier_0002
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "verifier_0003"
down_revision = "verifier_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("presentation_session") as batch:
        batch.add_column(
            sa.Column("response_mode", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="direct_post")
        )


def downgrade() -> None:
    with op.batch_alter_table("presentation_session") as batch:
        batch.drop_column("response_mode")
