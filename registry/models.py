"""The registry's tables.

Table names carry a ``registry_`` prefix because, with ``PCTF_DATABASE_URL`` set, every service
shares one database (and ``authorization`` is a reserved word in PostgreSQL). Datetimes are
aware UTC, to the whole second: SQLModel stores them as ``timestamptz`` on PostgreSQL and as
UTC without an offset on SQLite; reading goes through :func:`pctf.clock.as_utc` all the same,
so the comparisons never mix naive and aware values whatever the driver returns.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

ROLES = ("issuer", "verifier", "governance")
STATUSES = ("active", "suspended", "revoked")


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
