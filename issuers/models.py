"""What issuers persist: signing keys, pending offers, nonces and every issuance."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel


class IssuerKey(SQLModel, table=True):
    __tablename__ = "issuer_key"
    kid: str = Field(primary_key=True)
    issuer_id: str = Field(index=True)  # short id, e.g. "prov1"
    private_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
    active: bool = True


class CredentialOffer(SQLModel, table=True):
    """A pre-authorized code and what it entitles its bearer to (OpenID4VCI 4.1.1, 6.1)."""

    __tablename__ = "credential_offer"
    code_hash: str = Field(primary_key=True)  # SHA-256 of the pre-authorized code
    issuer_id: str = Field(index=True)
    items: list = Field(sa_column=Column(JSON, nullable=False))  # [{"configuration_id", "claims"}]
    tx_code_hash: str | None = None
    # Wrong transaction codes tried so far; at TX_CODE_ATTEMPTS the offer is void.
    tx_code_failures: int | None = None
    expires_at: datetime
    redeemed: bool = False
    token_hash: str | None = Field(default=None, index=True)
    token_expires_at: datetime | None = None
    issued: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # configuration ids done


class IssuerNonce(SQLModel, table=True):
    """A ``c_nonce`` from the nonce endpoint; single use (OpenID4VCI 7)."""

    __tablename__ = "issuer_nonce"
    value: str = Field(primary_key=True)
    issuer_id: str
    expires_at: datetime
    used: bool = False


class StatusListRecord(SQLModel, table=True):
    """One of an issuer's status lists (draft-ietf-oauth-status-list), served at
    ``<issuer>/status-lists/<id>``. Its bits are not stored: they are the statuses of the
    issuances that hold an index in it."""

    __tablename__ = "status_list"
    id: int | None = Field(default=None, primary_key=True)
    issuer_id: str = Field(index=True)
    size: int  # entries
    bits: int
    allocated: int = 0  # indexes handed out so far
    created_at: datetime


class Issuance(SQLModel, table=True):
    """One issued credential, kept for audit and for the credential lifecycle.

    ``(status_list_id, status_idx)`` is unique: an index names one credential, for ever.
    """

    __tablename__ = "issuance"
    __table_args__ = (Index("uq_issuance_status_entry", "status_list_id", "status_idx", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    issuer_id: str = Field(index=True)
    vct: str
    holder_kid: str  # JWK thumbprint of the holder key the credential is bound to
    claims: dict = Field(sa_column=Column(JSON, nullable=False))
    assurance_level: int
    issued_at: datetime
    expires_at: datetime
    status: str = "valid"  # valid | suspended | revoked
    status_list_id: int | None = Field(default=None, index=True)
    status_idx: int | None = None
    status_reason: str | None = None
    status_changed_at: datetime | None = None


class Organization(SQLModel, table=True):
    """A corporation on the federal registrar's register."""

    __tablename__ = "organization"
    business_number: str = Field(primary_key=True)
    legal_name: str
    jurisdiction_of_incorporation: str
    incorporation_date: str
    registered_office: dict = Field(sa_column=Column(JSON, nullable=False))
    directors: list = Field(sa_column=Column(JSON, nullable=False))
    status: str = "active"


class DeathRecord(SQLModel, table=True):
    """A death on vital statistics' register. The ``person.died`` event that announces it is
    stored in the outbox in the same transaction (:mod:`pctf.events`)."""

    __tablename__ = "death_record"
    id: int | None = Field(default=None, primary_key=True)
    given_name: str
    family_name: str
    birthdate: str = Field(index=True)
    date_of_death: str
    identity_key: str = Field(unique=True)  # the normalized person (issuers.deaths.identity_key): one death each
    registered_at: datetime
    event_id: str = Field(unique=True)


class BirthRecord(SQLModel, table=True):
    """A birth on vital statistics' register: the child, where it was born, and the parents it
    names. The register, not a document a caller brings, decides who may hold a parent–child
    relationship to a child registered here (:mod:`issuers.vital_statistics`)."""

    __tablename__ = "birth_record"
    id: int | None = Field(default=None, primary_key=True)
    registration_number: str | None = Field(default=None, unique=True)  # set once the id is known
    given_name: str
    family_name: str
    birthdate: str = Field(index=True)
    place_of_birth: dict = Field(sa_column=Column(JSON, nullable=False))
    parents: list = Field(sa_column=Column(JSON, nullable=False))  # person references, one or two
    identity_key: str = Field(unique=True)  # the normalized child (issuers.deaths.identity_key): one birth each
    registered_at: datetime


class DelegationConsent(SQLModel, table=True):
    """A represented person's consent to a delegation, as the health authority records it before
    it offers the delegate a Verified Relationship of type ``delegate`` (:mod:`issuers.delegations`).
    The consent reference names one consent, so one signed form never backs two delegations."""

    __tablename__ = "delegation_consent"
    __table_args__ = (Index("uq_delegation_consent_reference", "issuer_id", "reference", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    issuer_id: str = Field(index=True)
    reference: str
    delegate: dict = Field(sa_column=Column(JSON, nullable=False))  # person reference
    represented_person: dict = Field(sa_column=Column(JSON, nullable=False))  # person reference
    granted_by: dict = Field(sa_column=Column(JSON, nullable=False))  # person reference: who consented
    granted_at: datetime
    scope: str
    valid_from: str
    valid_until: str
    recorded_at: datetime


class AuthorizationRequest(SQLModel, table=True):
    """A pushed authorization request (RFC 9126) and, once the person it is for has proven who
    they are at the authorization endpoint, the authorization code it gave. The request_uri and
    the code are kept only as SHA-256 digests; each is used once (:mod:`issuers.authorization`)."""

    __tablename__ = "authorization_request"
    request_uri_hash: str = Field(primary_key=True)  # SHA-256 of the request_uri
    issuer_id: str = Field(index=True)
    client_id: str
    redirect_uri: str
    code_challenge: str  # PKCE S256 (RFC 7636 4.2)
    state: str | None = None
    configuration_ids: list = Field(sa_column=Column(JSON, nullable=False))
    detailed: list = Field(sa_column=Column(JSON, nullable=False))  # asked for by authorization_details
    expires_at: datetime  # of the request_uri
    code_hash: str | None = Field(default=None, unique=True, index=True)  # SHA-256 of the authorization code
    code_expires_at: datetime | None = None
    # What the code grants, once given: [{"configuration_id", "claims"}], as a credential offer's items.
    items: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    redeemed: bool = False  # the code was exchanged for an access token
