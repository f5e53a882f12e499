"""What a wallet keeps: its holder key, its credentials, pending requests and every consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class Wallet(SQLModel, table=True):
    __tablename__ = "wallet"
    id: str = Field(primary_key=True)  # the persona, e.g. "sasha"
    holder_private_jwk: dict = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
    # SHA-256 of the holder's API token (shown once, when the wallet is created). None only for a
    # wallet created before wallets had tokens: creating it again issues its token.
    token_hash: str | None = Field(default=None, index=True, unique=True)


class WalletCredential(SQLModel, table=True):
    __tablename__ = "wallet_credential"
    id: int | None = Field(default=None, primary_key=True)
    wallet_id: str = Field(foreign_key="wallet.id", index=True)
    type_name: str
    vct: str
    issuer: str
    credential: str = Field(sa_column=Column(Text, nullable=False))  # SD-JWT issuance form
    claims: dict = Field(sa_column=Column(JSON, nullable=False))  # resolved, for display and matching
    received_at: datetime
    expires_at: datetime
    # Set when a renewal or re-issuance replaced this credential: kept for the holder's history,
    # never offered for presentation again.
    replaced_by: int | None = None
    replaced_at: datetime | None = None


class PendingPresentation(SQLModel, table=True):
    """An OpenID4VP request the holder is looking at, waiting for her decision."""

    __tablename__ = "pending_presentation"
    id: str = Field(primary_key=True)
    wallet_id: str = Field(foreign_key="wallet.id", index=True)
    request: dict = Field(sa_column=Column(JSON, nullable=False))
    matches: list = Field(sa_column=Column(JSON, nullable=False))  # [{"query_id", "credential_id", "paths"}]
    created_at: datetime
    status: str = "pending"  # pending | approved | declined


class Consent(SQLModel, table=True):
    """The holder's decision on one request: to whom, what (claim paths, not values), when."""

    __tablename__ = "consent"
    id: int | None = Field(default=None, primary_key=True)
    wallet_id: str = Field(foreign_key="wallet.id", index=True)
    client_id: str
    response_uri: str
    disclosed: list = Field(sa_column=Column(JSON, nullable=False))  # [{"type", "issuer", "paths"}]
    decision: str  # approved | declined
    decided_at: datetime
