"""HTTP face of the wallet: one wallet per persona under ``/wallet/<id>``.

Opening a wallet is public (anyone may install a wallet app) and answers, once, the holder's API
token; every other route belongs to that wallet's holder alone (:mod:`pctf.access`).
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel, StrictBool

from pctf.access import AttemptLimiter, Role, install, owner
from pctf.clock import Clock
from pctf.outbound import outbound_client
from pctf.schemas import Record, documented
from pctf.settings import Settings
from pctf.statuslist import MAX_TOKEN_BYTES
from pctf.web import service_app

from .service import WalletService


class OfferIn(BaseModel):
    offer: str | dict[str, Any]
    tx_code: str | None = None


class RequestIn(BaseModel):
    request: str | dict[str, Any]


class DecisionIn(BaseModel):
    approve: StrictBool
    # The review_hash of the review the holder saw; required to approve.
    review_hash: str | None = None


class ReissueIn(BaseModel):
    changes: dict[str, Any]
    evidence: list[Any] | None = None


# -- answers (records: the members below are always there; a record may carry more) ---------
class WalletOut(Record):
    id: str
    holder_jwk: dict[str, Any]


class OpenedWalletOut(WalletOut):
    token: str  # the holder's API token, shown this once


class CredentialOut(Record):
    id: int
    type: str
    vct: str
    issuer: str
    claims: dict[str, Any]
    received_at: str
    expires_at: str
    status: str
    replaced_by: int | None
    actions: list[str]


class ReplacedOut(Record):
    replaced: int  # the credential kept as replaced
    credential: CredentialOut


class ReviewOut(Record):
    """What the holder is shown before she decides."""

    request_id: str
    verifier: str
    response_uri: str
    purpose: Any
    credentials: list[dict[str, Any]]
    review_hash: str


class DecisionOut(Record):
    decision: str
    verifier_response: Any


class ConsentOut(Record):
    id: int
    verifier: str
    decision: str
    disclosed: list[dict[str, Any]]
    decided_at: str


HOLDER = owner(Role.WALLET_HOLDER)
# What the wallet fetches from issuers and relying parties may be unreachable (503) or unusable (502).
HOLDER_OUTBOUND = documented(HOLDER, 409, 502, 503)


def create_app(
    settings: Settings, clock: Clock, http: httpx.Client | None = None, service: WalletService | None = None
) -> FastAPI:
    # Everything a wallet fetches comes from a stranger (offers, requests, metadata, status lists):
    # through the vetted client unless the caller hands one in.
    service = service or WalletService(
        settings, clock, http or outbound_client(settings, max_body_bytes=MAX_TOKEN_BYTES)
    )
    app = service_app(
        "/wallet",
        "PCTF sandbox wallet",
        "One wallet per persona: OpenID4VCI, consent, OpenID4VP.",
        max_body_bytes=settings.max_body_bytes,
    )
    install(app, service.identify, AttemptLimiter(settings.auth_failure_limit, settings.auth_failure_window_seconds))
    app.state.service = service

    @app.put(
        "/wallet/{wallet_id}", response_model=OpenedWalletOut, status_code=201, **documented(owner(Role.PUBLIC), 409)
    )
    def create(wallet_id: str) -> Any:
        """Open a wallet. The answer carries the holder's API token, shown this once: every other
        route of this wallet needs it as a bearer token."""
        return service.create(wallet_id)

    @app.get("/wallet/{wallet_id}", response_model=WalletOut, **HOLDER)
    def wallet(wallet_id: str) -> Any:
        """The wallet's public holder key."""
        return {"id": wallet_id, "holder_jwk": service.holder_key(wallet_id).public_jwk}

    @app.get("/wallet/{wallet_id}/credentials", response_model=list[CredentialOut], **HOLDER_OUTBOUND)
    def credentials(wallet_id: str) -> Any:
        return service.credentials(wallet_id)

    @app.post("/wallet/{wallet_id}/credentials/{credential_id}/renew", response_model=ReplacedOut, **HOLDER_OUTBOUND)
    def renew(wallet_id: str, credential_id: int) -> Any:
        """Renew a credential that expires soon or has expired, over OpenID4VCI; the old one is kept as replaced."""
        return service.renew(wallet_id, credential_id)

    @app.post("/wallet/{wallet_id}/credentials/{credential_id}/reissue", response_model=ReplacedOut, **HOLDER_OUTBOUND)
    def reissue(wallet_id: str, credential_id: int, body: ReissueIn) -> Any:
        """Have a credential re-issued with changes (address; name with evidence); the old one is kept as replaced."""
        return service.reissue(wallet_id, credential_id, body.changes, body.evidence)

    @app.post("/wallet/{wallet_id}/offers", response_model=list[CredentialOut], **HOLDER_OUTBOUND)
    def accept_offer(wallet_id: str, body: OfferIn) -> Any:
        return service.accept_offer(wallet_id, body.offer, body.tx_code)

    @app.post("/wallet/{wallet_id}/presentations", response_model=ReviewOut, **HOLDER_OUTBOUND)
    def review(wallet_id: str, body: RequestIn) -> Any:
        """Show the holder what a relying party asks for; nothing is sent until she decides."""
        return service.review_request(wallet_id, body.request)

    @app.post("/wallet/{wallet_id}/presentations/{request_id}/decision", response_model=DecisionOut, **HOLDER_OUTBOUND)
    def decide(wallet_id: str, request_id: str, body: DecisionIn) -> Any:
        """Approve (with the ``review_hash`` of what was shown) or decline a reviewed request."""
        return service.respond(wallet_id, request_id, approve=body.approve, review_hash=body.review_hash)

    @app.get("/wallet/{wallet_id}/consents", response_model=list[ConsentOut], **HOLDER)
    def consents(wallet_id: str) -> Any:
        return service.consents(wallet_id)

    return app
