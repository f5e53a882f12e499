"""The issuers service's tables as they were when migrations began.

On a fresh database it creates them; on one a release before migrations made, it adds what that
release lacked (see :mod:`pctf.migrations.adopt`).

Revision ID: issuers_0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel.sql.sqltypes

from pctf.migrations import adopt

revision = "issuers_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    adopt.create_table(
        "birth_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_number", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("given_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("family_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("birthdate", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("place_of_birth", sa.JSON(), nullable=False),
        sa.Column("parents", sa.JSON(), nullable=False),
        sa.Column("identity_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("identity_key"),
        sa.UniqueConstraint("registration_number"),
    )
    adopt.create_index("ix_birth_record_birthdate", "birth_record", ["birthdate"], unique=False)
    adopt.create_table(
        "credential_offer",
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("tx_code_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("tx_code_failures", sa.Integer(), nullable=True),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("redeemed", sa.Boolean(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("token_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("issued", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    adopt.create_index("ix_credential_offer_issuer_id", "credential_offer", ["issuer_id"], unique=False)
    adopt.create_index("ix_credential_offer_token_hash", "credential_offer", ["token_hash"], unique=False)
    adopt.create_table(
        "death_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("given_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("family_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("birthdate", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("date_of_death", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("identity_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id"),
        sa.UniqueConstraint("identity_key"),
    )
    adopt.create_index("ix_death_record_birthdate", "death_record", ["birthdate"], unique=False)
    adopt.create_table(
        "delegation_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("delegate", sa.JSON(), nullable=False),
        sa.Column("represented_person", sa.JSON(), nullable=False),
        sa.Column("granted_by", sa.JSON(), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("valid_from", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("valid_until", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_delegation_consent_issuer_id", "delegation_consent", ["issuer_id"], unique=False)
    adopt.create_index("uq_delegation_consent_reference", "delegation_consent", ["issuer_id", "reference"], unique=True)
    adopt.create_table(
        "event_outbox",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_event_outbox_published_at", "event_outbox", ["published_at"], unique=False)
    adopt.create_table(
        "event_processed",
        sa.Column("subscriber", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("processed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("subscriber", "event_id"),
    )
    adopt.create_table(
        "issuance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("vct", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder_kid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("assurance_level", sa.Integer(), nullable=False),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status_list_id", sa.Integer(), nullable=True),
        sa.Column("status_idx", sa.Integer(), nullable=True),
        sa.Column("status_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("status_changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_issuance_issuer_id", "issuance", ["issuer_id"], unique=False)
    adopt.create_index("ix_issuance_status_list_id", "issuance", ["status_list_id"], unique=False)
    adopt.create_index("uq_issuance_status_entry", "issuance", ["status_list_id", "status_idx"], unique=True)
    adopt.create_table(
        "issuer_key",
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )
    adopt.create_index("ix_issuer_key_issuer_id", "issuer_key", ["issuer_id"], unique=False)
    adopt.create_table(
        "issuer_nonce",
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("value"),
    )
    adopt.create_table(
        "organization",
        sa.Column("business_number", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("legal_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("jurisdiction_of_incorporation", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("incorporation_date", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("registered_office", sa.JSON(), nullable=False),
        sa.Column("directors", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("business_number"),
    )
    adopt.create_table(
        "status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    adopt.create_index("ix_status_list_issuer_id", "status_list", ["issuer_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: it would drop every record")
