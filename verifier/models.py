"""What a relying party keeps: each presentation request, the verdict it ended with, and the
evidence that verdict was reached on (see :mod:`verifier.evidence`); for a relying party that
signs people in, the session each accepted presentation opened; and the relying parties created
over the API (:mod:`verifier.directory`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class PresentationSession(SQLModel, table=True):
    __tablename__ = "presentation_session"
    state: str = Field(primary_key=True)
    rp_id: str = Field(index=True)
    nonce: str
    client_id: str
    response_uri: str
    dcql_query: dict = Field(sa_column=Column(JSON, nullable=False))
    # How the wallet must answer (OpenID4VP 8.2, 8.3.1): direct_post, or direct_post.jwt (encrypted).
    response_mode: str = "direct_post"
    created_at: datetime
    expires_at: datetime
    status: str = "pending"  # pending | accepted | rejected | declined
    verdict: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    evidence: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # None: declined, pending


class SignInSession(SQLModel, table=True):
    """A session a signing-in relying party opened on an accepted presentation (see
    :meth:`verifier.service.RelyingPartyService.result`): who signed in, as that relying party
    alone knows them, until when."""

    __tablename__ = "sign_in_session"
    session_id: str = Field(primary_key=True)
    state: str = Field(index=True, unique=True)  # the presentation request that opened it: one each
    rp_id: str = Field(index=True)
    subject: str  # pairwise: the same person has another subject at every other relying party
    name: dict = Field(sa_column=Column(JSON, nullable=False))  # given_name, family_name
    issuer: str
    assurance_level: int | None
    created_at: datetime
    expires_at: datetime


class VerifierSecret(SQLModel, table=True):
    """A secret the verifier generates once and keeps with its records, so every process that
    shares its database derives the same pairwise subjects."""

    __tablename__ = "verifier_secret"
    name: str = Field(primary_key=True)
    value: str


class DeclaredRelyingParty(SQLModel, table=True):
    """A relying party created over the API: its declaration (docs/relying-parties.md) as it was
    accepted, and a digest of the back-end token it was answered with once (the token itself is
    kept nowhere)."""

    __tablename__ = "declared_relying_party"
    id: str = Field(primary_key=True)
    declaration: dict = Field(sa_column=Column(JSON, nullable=False))
    token_hash: str = Field(index=True, unique=True)
    created_at: datetime
