"""The registry's tables.

Table names carry a ``registry_`` prefix because, with ``PCTF_DATABASE_URL`` set, every service
shares one database (and ``authorization`` is a reserved word in PostgreSQL). Datetimes are
aware UTC, to the whole second: SQLModel stores them as ``timestamptz`` on PostgreSQL and as
UTC without an offset on SQLite; reading goes through :func:`pctf.clock.as_utc` all the same,
so the comparisons never mix naive and aware values whatever the driver returns.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

ROLES = ("issuer", "verifier", "governance")
STATUSES = ("active", "suspended", "revoked")
KEY_EVENTS = ("retired", "compromised")
# An application moves forward only: submitted -> conformance_passed | conformance_failed (re-runnable)
# -> accredited | refused (final).
APPLICATION_STATES = ("submitted", "conformance_failed", "conformance_passed", "accredited", "refused")


class Entity(SQLModel, table=True):
    """A participant of the ecosystem (issuer, verifier or governance body) and its public keys."""

    __tablename__ = "registry_entity"

    entity_id: str = Field(primary_key=True, max_length=2048)  # a URL, e.g. the issuer's `iss`
    name: str
    jurisdiction: str
    role: str
    jwks: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # {"keys": [public JWKs]}
    status: str = "active"
    created_at: datetime
    updated_at: datetime


class Authorization(SQLModel, table=True):
    """Entity X may ``action`` resource Y (a credential ``vct``) up to LoA L, from A until B."""

    __tablename__ = "registry_authorization"

    id: int | None = Field(default=None, primary_key=True)
    entity_id: str = Field(foreign_key="registry_entity.entity_id", index=True)
    action: str
    resource: str
    assurance_level: int  # the highest PCTF level of assurance it may act at (1-4)
    framework_id: str  # the authority that granted it (our TRQP authority_id)
    valid_from: datetime
    valid_until: datetime | None = None  # exclusive; None means open-ended
    status: str = "active"
    created_at: datetime


class Recognition(SQLModel, table=True):
    """Our authority recognizes another framework's authority for (action, resource)."""

    __tablename__ = "registry_recognition"

    id: int | None = Field(default=None, primary_key=True)
    authority_id: str = Field(index=True)
    recognized_authority_id: str = Field(index=True)
    action: str
    resource: str
    valid_from: datetime
    valid_until: datetime | None = None
    status: str = "active"


class StatusEvent(SQLModel, table=True):
    """A governance decision on an entity (``authorization_id`` None) or one of its authorizations.

    Never updated or deleted: the status at any time is derived from these (registry.rules),
    which is what makes the registry time-aware.
    """

    __tablename__ = "registry_status_event"

    id: int | None = Field(default=None, primary_key=True)
    entity_id: str = Field(index=True, max_length=2048)
    authorization_id: int | None = None
    status: str
    effective_from: datetime
    retroactive: bool = False
    reason: str = ""
    recorded_at: datetime


class KeyEvent(SQLModel, table=True):
    """A key's retirement or compromise, effective from a date (registry.rules.key_state)."""

    __tablename__ = "registry_key_event"

    id: int | None = Field(default=None, primary_key=True)
    entity_id: str = Field(index=True, max_length=2048)
    kid: str
    event: str  # retired | compromised
    effective_from: datetime
    reason: str = ""
    recorded_at: datetime


class Application(SQLModel, table=True):
    """A would-be issuer's request for accreditation, and where it stands."""

    __tablename__ = "registry_application"

    id: str = Field(primary_key=True)
    entity_id: str = Field(index=True, max_length=2048)
    name: str
    jurisdiction: str
    contacts: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # [{resource, assurance_level}]
    requested: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    credential_issuer: str = Field(max_length=2048)
    state: str = "submitted"
    applicant_token_hash: str
    jwks: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # as conformance found them
    decision: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime
    updated_at: datetime


class ConformanceRun(SQLModel, table=True):
    """One run of the automated technical checks against an applicant's live endpoints."""

    __tablename__ = "registry_conformance_run"

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(index=True)
    passed: bool
    report: dict = Field(sa_column=Column(JSON, nullable=False))
    ran_at: datetime


class AssessmentMark(SQLModel, table=True):
    """An assessor's finding on one PCTF conformance criterion for one application (the latest counts)."""

    __tablename__ = "registry_assessment_mark"
    __table_args__ = (UniqueConstraint("application_id", "criterion"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(index=True)
    criterion: str
    met: bool
    evidence: str
    assessed_at: datetime


class AuditEntry(SQLModel, table=True):
    """One line of the append-only audit log; ``hash`` covers the line and the previous hash."""

    __tablename__ = "registry_audit"

    seq: int = Field(primary_key=True)
    at: datetime
    actor: str
    action: str
    subject: str = Field(max_length=2048)
    details: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str


class RegistrySigningKey(SQLModel, table=True):
    """The key the registry signs its trust-list snapshots with."""

    __tablename__ = "registry_signing_key"

    kid: str = Field(primary_key=True)
    private_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
