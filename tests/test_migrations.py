"""Database migrations (pctf.migrations): a database of the previous release is adopted without
losing a row, the models and the migrations agree on both backends, ``pctf-sandbox db`` upgrades
and reports, and services starting together upgrade one database once."""

from __future__ import annotations

import os
import subprocess
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import Session, SQLModel, select

from issuers.service import TABLES as ISSUER_TABLES
from pctf import migrations
from pctf.settings import Settings
from pctf.storage import database_url as url_of
from pctf.storage import dispose_all, engine_for, open_engine
from registry.store import TABLES as REGISTRY_TABLES
from tests.support import EXE
from verifier.models import DeclaredRelyingParty, PresentationSession, SignInSession, VerifierSecret
from wallet.models import Consent, PendingPresentation, Wallet, WalletCredential

MODELS: dict[str, list[type[SQLModel]]] = {
    "issuers": ISSUER_TABLES,
    "registry": REGISTRY_TABLES,
    "verifier": [PresentationSession, SignInSession, VerifierSecret, DeclaredRelyingParty],
    "wallet": [Wallet, WalletCredential, PendingPresentation, Consent],
}
MODEL_OF = {m.__tablename__: m for models in MODELS.values() for m in models}  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request) -> str:
    return request.param


def _service_metadata(service: str) -> sa.MetaData:
    metadata = sa.MetaData()
    for model in MODELS[service]:
        model.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    return metadata


def _differences(engine: sa.Engine, metadata: sa.MetaData) -> list:
    """What autogenerate would put in a new migration for ``metadata``'s tables (tables of other
    services sharing the database, and the version tables, are not this one's concern)."""

    def ours(name, type_, _parent) -> bool:
        return type_ != "table" or name in metadata.tables

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours})
        return compare_metadata(ctx, metadata)


# -- the previous release ------------------------------------------------------------------------
# The tables as the release before migrations made them (the models at commit c98baa1, which had
# no birth records, delegation consents, sign-in sessions nor verifier secrets), and in which
# service's database each one was.
PREVIOUS_RELEASE_TABLES = {
    "issuers": [
        "issuer_key",
        "credential_offer",
        "issuer_nonce",
        "issuance",
        "organization",
        "status_list",
        "death_record",
        "event_outbox",
        "event_processed",
    ],
    "registry": [
        "registry_entity",
        "registry_authorization",
        "registry_recognition",
        "registry_status_event",
        "registry_key_event",
        "registry_application",
        "registry_conformance_run",
        "registry_assessment_mark",
        "registry_audit",
        "registry_signing_key",
    ],
    "verifier": ["presentation_session"],
    "wallet": ["wallet", "wallet_credential", "pending_presentation", "consent"],
}


class _Schema:
    """Collects the previous release's tables into a MetaData, leaving out ``omit`` columns
    (``table.column``: a data directory older still, from before such a column was added)."""

    def __init__(self, omit: frozenset[str] = frozenset()) -> None:
        self.metadata = sa.MetaData()
        self.omit = omit

    def table(self, name: str, *elements) -> None:
        kept = [e for e in elements if not (isinstance(e, sa.Column) and f"{name}.{e.name}" in self.omit)]
        sa.Table(name, self.metadata, *kept)

    def index(self, name: str, table: str, columns: list[str], unique: bool = False) -> None:
        sa.Index(name, *(self.metadata.tables[table].c[c] for c in columns), unique=unique)


def _previous_release(schema):
    schema.table(
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
    schema.index("ix_credential_offer_issuer_id", "credential_offer", ["issuer_id"], unique=False)
    schema.index("ix_credential_offer_token_hash", "credential_offer", ["token_hash"], unique=False)
    schema.table(
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
    schema.index("ix_death_record_birthdate", "death_record", ["birthdate"], unique=False)
    schema.table(
        "event_outbox",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("published_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_event_outbox_published_at", "event_outbox", ["published_at"], unique=False)
    schema.table(
        "event_processed",
        sa.Column("subscriber", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("processed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("subscriber", "event_id"),
    )
    schema.table(
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
    schema.index("ix_issuance_issuer_id", "issuance", ["issuer_id"], unique=False)
    schema.index("ix_issuance_status_list_id", "issuance", ["status_list_id"], unique=False)
    schema.index("uq_issuance_status_entry", "issuance", ["status_list_id", "status_idx"], unique=True)
    schema.table(
        "issuer_key",
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )
    schema.index("ix_issuer_key_issuer_id", "issuer_key", ["issuer_id"], unique=False)
    schema.table(
        "issuer_nonce",
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("value"),
    )
    schema.table(
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
    schema.table(
        "presentation_session",
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rp_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("nonce", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("response_uri", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("dcql_query", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("verdict", sa.JSON(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("state"),
    )
    schema.index("ix_presentation_session_rp_id", "presentation_session", ["rp_id"], unique=False)
    schema.table(
        "registry_application",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("jurisdiction", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("requested", sa.JSON(), nullable=False),
        sa.Column("credential_issuer", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("applicant_token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=True),
        sa.Column("decision", sa.JSON(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_registry_application_entity_id", "registry_application", ["entity_id"], unique=False)
    schema.table(
        "registry_assessment_mark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("criterion", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("met", sa.Boolean(), nullable=False),
        sa.Column("evidence", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("assessed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "criterion"),
    )
    schema.index(
        "ix_registry_assessment_mark_application_id", "registry_assessment_mark", ["application_id"], unique=False
    )
    schema.table(
        "registry_audit",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    schema.table(
        "registry_conformance_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("ran_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index(
        "ix_registry_conformance_run_application_id", "registry_conformance_run", ["application_id"], unique=False
    )
    schema.table(
        "registry_entity",
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("jurisdiction", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("entity_id"),
    )
    schema.table(
        "registry_key_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("effective_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_registry_key_event_entity_id", "registry_key_event", ["entity_id"], unique=False)
    schema.table(
        "registry_recognition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recognized_authority_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("valid_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("valid_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_registry_recognition_authority_id", "registry_recognition", ["authority_id"], unique=False)
    schema.index(
        "ix_registry_recognition_recognized_authority_id",
        "registry_recognition",
        ["recognized_authority_id"],
        unique=False,
    )
    schema.table(
        "registry_signing_key",
        sa.Column("kid", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )
    schema.table(
        "registry_status_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("authorization_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("effective_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("retroactive", sa.Boolean(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_registry_status_event_entity_id", "registry_status_event", ["entity_id"], unique=False)
    schema.table(
        "status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_status_list_issuer_id", "status_list", ["issuer_id"], unique=False)
    schema.table(
        "wallet",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder_private_jwk", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_wallet_token_hash", "wallet", ["token_hash"], unique=True)
    schema.table(
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
    schema.index("ix_consent_wallet_id", "consent", ["wallet_id"], unique=False)
    schema.table(
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
    schema.index("ix_pending_presentation_wallet_id", "pending_presentation", ["wallet_id"], unique=False)
    schema.table(
        "registry_authorization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("resource", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("assurance_level", sa.Integer(), nullable=False),
        sa.Column("framework_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("valid_from", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("valid_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["registry_entity.entity_id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    schema.index("ix_registry_authorization_entity_id", "registry_authorization", ["entity_id"], unique=False)
    schema.table(
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
    schema.index("ix_wallet_credential_wallet_id", "wallet_credential", ["wallet_id"], unique=False)


def _value(column: sa.Column):
    """A value for ``column`` in the one row each previous-release table gets; a foreign key
    takes the value of the column it refers to, so every row is consistent."""
    for fk in column.foreign_keys:
        return _value(fk.column)
    kind = column.type
    if isinstance(kind, sa.JSON):
        return {"table": column.table.name, "column": column.name, "items": [1, "two"]}
    if isinstance(kind, sqlmodel.sql.sqltypes.UTCDateTime | sa.DateTime):
        return datetime(2026, 11, 30, 12, 34, 56, tzinfo=UTC)
    if isinstance(kind, sa.Boolean):
        return True
    if isinstance(kind, sa.Integer):
        return 7
    return f"{column.table.name}.{column.name}"


def _fill_previous_release(settings: Settings, omit: frozenset[str] = frozenset()) -> dict[str, dict]:
    """Every service's database as the previous release left it, one row in every table.
    Returns the rows by table name."""
    schema = _Schema(omit)
    _previous_release(schema)
    rows: dict[str, dict] = {}
    for service, names in PREVIOUS_RELEASE_TABLES.items():
        tables = [schema.metadata.tables[n] for n in names]
        engine = open_engine(url_of(settings, service))
        schema.metadata.create_all(engine, tables=tables)
        with engine.begin() as conn:
            for table in schema.metadata.sorted_tables:
                if table in tables:
                    rows[table.name] = {c.name: _value(c) for c in table.columns}
                    conn.execute(table.insert().values(rows[table.name]))
        engine.dispose()
    return rows


def _same(stored, inserted) -> bool:
    if isinstance(inserted, datetime):  # SQLite keeps no zone: the model reads it back as UTC
        return stored.astimezone(UTC) == inserted
    return stored == inserted


@pytest.mark.parametrize(
    "omit",
    [
        frozenset(),
        # Older still: before the verifier kept evidence and wallets kept replacements.
        frozenset({"presentation_session.evidence", "wallet_credential.replaced_by", "wallet_credential.replaced_at"}),
    ],
    ids=["previous-release", "older"],
)
def test_a_database_of_the_previous_release_is_adopted_and_keeps_every_row(settings, omit):
    rows = _fill_previous_release(settings, omit)
    for service in migrations.SERVICES:
        engine = open_engine(url_of(settings, service))
        assert migrations.current(engine, service) is None
        assert migrations.upgrade(engine, service) == "adopted"
        assert migrations.current(engine, service) == migrations.head(service)
        assert _differences(engine, _service_metadata(service)) == []
        engine.dispose()
    for service, names in PREVIOUS_RELEASE_TABLES.items():
        with Session(engine_for(settings, service)) as session:  # what a starting service opens
            for name in names:
                stored = session.exec(select(MODEL_OF[name])).all()
                assert len(stored) == 1, name
                for column, value in rows[name].items():
                    assert _same(getattr(stored[0], column), value), f"{name}.{column}"
                for column in omit:
                    table, _, field = column.partition(".")
                    if table == name:
                        assert getattr(stored[0], field) is None


def test_a_service_starts_on_a_database_of_the_previous_release_and_uses_its_records(settings):
    """The registry, started as a service would be, serves an entity with its keys recorded
    before migrations; the new tables of the release (the verifier's secret) are usable."""
    rows = _fill_previous_release(settings)
    from pctf.clock import SystemClock
    from registry.store import RegistryStore  # the read path the registry's API uses

    store = RegistryStore(settings, SystemClock())
    with Session(store.db) as session:
        entity = session.exec(select(MODEL_OF["registry_entity"])).one()
    assert entity.jwks == rows["registry_entity"]["jwks"]
    with Session(engine_for(settings, "verifier")) as session:
        session.add(VerifierSecret(name="pairwise", value="s"))
        session.commit()
        assert session.get(VerifierSecret, "pairwise") is not None


# -- models and migrations agree -----------------------------------------------------------------
def test_models_and_migrations_agree(settings):
    for service in migrations.SERVICES:
        engine = engine_for(settings, service)
        assert _differences(engine, _service_metadata(service)) == [], service


def test_a_model_column_without_a_migration_is_found(settings):
    """The comparison above is not blind: a column a model gained without a migration shows."""
    engine = engine_for(settings, "wallet")
    metadata = _service_metadata("wallet")
    metadata.tables["wallet"].append_column(sa.Column("nickname", sa.String(), nullable=True))
    differences = _differences(engine, metadata)
    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "wallet", "nickname")]


def test_the_head_read_from_the_files_is_alembics():
    for service in migrations.SERVICES:
        assert migrations.head(service) == ScriptDirectory.from_config(migrations.config(service)).get_current_head()


def test_a_service_without_a_history_is_refused(settings):
    with pytest.raises(ValueError, match="no migration history"):
        engine_for(settings, "nobody")


# -- pctf-sandbox db ------------------------------------------------------------------------------
def _db(tmp_path, *args, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    env["PCTF_DATA_DIR"] = str(tmp_path / "data")
    if database_url:
        env["PCTF_DATABASE_URL"] = database_url
    return subprocess.run([EXE, "db", *args], env=env, capture_output=True, text=True, timeout=120)


def test_db_upgrade_creates_then_finds_every_database_up_to_date(tmp_path):
    first = _db(tmp_path, "upgrade")
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [f"{s}: {migrations.head(s)} (created)" for s in migrations.SERVICES]
    again = _db(tmp_path, "upgrade")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == [f"{s}: {migrations.head(s)} (up to date)" for s in migrations.SERVICES]
    current = _db(tmp_path, "current")
    assert current.returncode == 0, current.stderr
    assert current.stdout.splitlines() == [f"{s}: {migrations.head(s)} (newest)" for s in migrations.SERVICES]


def test_db_current_reads_without_creating(tmp_path):
    result = _db(tmp_path, "current")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{s}: none (not upgraded)" for s in migrations.SERVICES]
    assert not list((tmp_path / "data").glob("*.db"))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql+psycopg://pctf:secret@127.0.0.1:1/pctf", "cannot be used"),
        ("not a url", "not a database URL"),
        ("nodriver://host/db", "no database driver"),
    ],
)
def test_db_upgrade_on_a_bad_database_url_is_one_line_and_exit_2(tmp_path, url, says):
    result = _db(tmp_path, "upgrade", database_url=url)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert says in result.stderr
    assert "secret" not in result.stderr
    assert result.stdout == ""


# -- services starting together ------------------------------------------------------------------
def test_concurrent_upgrades_of_one_fresh_database_both_succeed(settings):
    """Two processes' worth of engines upgrade the same fresh database at the same moment, a few
    times over: both succeed, one creates, the other finds it done, and the schema is right."""
    for round_ in range(3):
        if settings.database_url is None:
            url = f"sqlite:///{settings.ensure_data_dir() / f'together-{round_}.db'}"
        else:
            url = settings.database_url
            with open_engine(url).begin() as conn:  # start each round from an empty store (its schema)
                schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE; CREATE SCHEMA "{schema}"'))
        engines = [open_engine(url) for _ in range(2)]
        start, outcomes, failures = threading.Barrier(2), [], []

        def upgrade(engine) -> None:
            start.wait()
            try:
                outcomes.append(migrations.upgrade(engine, "issuers"))
            except Exception as exc:  # what would stop a service from starting
                failures.append(exc)

        threads = [threading.Thread(target=upgrade, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert failures == []
        assert sorted(outcomes) == ["created", "up to date"]
        assert _differences(engines[0], _service_metadata("issuers")) == []
        with engines[0].connect() as conn:
            versions = conn.execute(sa.text("SELECT version_num FROM alembic_version_issuers")).all()
        assert versions == [(migrations.head("issuers"),)]
        for engine in engines:
            engine.dispose()


def test_two_processes_upgrading_one_data_directory_both_succeed(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    env["PCTF_DATA_DIR"] = str(tmp_path / "data")
    procs = [
        subprocess.Popen([EXE, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(120), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    for service in migrations.SERVICES:
        said = sorted(line for r in results for line in r[1].splitlines() if line.startswith(f"{service}:"))
        assert said == [f"{service}: {migrations.head(service)} ({o})" for o in ("created", "up to date")]
    dispose_all()
