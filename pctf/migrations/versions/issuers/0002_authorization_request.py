"""Pushed authorization requests and their authorization codes
(issuers.models.AuthorizationRequest), for the wallet-initiated authorization code flow.

Revision ID: issuers_0002
Revises: issuers_0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "issuers_0002"
down_revision = "issuers_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "authorization_request",
        sa.Column("request_uri_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("redirect_uri", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("code_challenge", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("configuration_ids", sa.JSON(), nullable=False),
        sa.Column("detailed", sa.JSON(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("code_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("redeemed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("request_uri_hash"),
    )
    op.create_index("ix_authorization_request_issuer_id", "authorization_request", ["issuer_id"], unique=False)
    op.create_index("ix_authorization_request_code_hash", "authorization_request", ["code_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_authorization_request_code_hash", table_name="authorization_request")
    op.drop_index("ix_authorization_request_issuer_id", table_name="authorization_request")
    op.drop_table("authorization_request")
