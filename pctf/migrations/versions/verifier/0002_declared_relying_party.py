"""Relying parties created over the API (verifier.models.DeclaredRelyingParty).

Revision ID: verifier_0002
Revises: verifier_0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "verifier_0002"
down_revision = "verifier_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declared_relying_party",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("declaration", sa.JSON(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_declared_relying_party_token_hash", "declared_relying_party", ["token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_declared_relying_party_token_hash", table_name="declared_relying_party")
    op.drop_table("declared_relying_party")
