"""The wallet service's tables as they were when migrations began.

On a fresh database it creates them; on one a release before migrations made, it adds what that
release lacked (see :mod:`pctf.migrations.adopt`).

Revision ID: wallet_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from pctf.migrations import adopt

revision = "wallet_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    adopt.create_table(
        "wallet",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder_private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_wallet_token_hash", "wallet", ["token_hash"], unique=True)
    adopt.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("response_uri", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("disclosed", sa.JSON(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["wallet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_consent_wallet_id", "consent", ["wallet_id"], unique=False)
    adopt.create_table(
        "pending_presentation",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("wallet_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("matches", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["wallet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_pending_presentation_wallet_id", "pending_presentation", ["wallet_id"], unique=False)
    adopt.create_table(
        "wallet_credential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("type_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vct", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("credential", sa.Text(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("replaced_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["wallet.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_wallet_credential_wallet_id", "wallet_credential", ["wallet_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: it would drop every record")
