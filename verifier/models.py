"""What a relying party keeps: each presentation request, the verdict it ended with, and the
evidence that verdict was reached on (see :mod:`verifier.evidence`)."""

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
    created_at: datetime
    expires_at: datetime
    status: str = "pending"  # pending | accepted | rejected | declined
    verdict: dict | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    evidence: list | None = Field(default=None, sa_column=Column(JSON, nullable=True))  # None: declined, pending
