"""HTTP face of the wallet: one wallet per persona under ``/wallet/<id>``."""
from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from pctf.clock import Clock
from pctf.http import make_client
from pctf.settings import Settings
from pctf.web import service_app

from .service import WalletService


class OfferIn(BaseModel):
    offer: str | dict[str, Any]
    tx_code: str | None = None


class RequestIn(BaseModel):
    request: str | dict[str, Any]


class DecisionIn(BaseModel):
    approve: bool


class ReissueIn(BaseModel):
    changes: dict[str, Any]
    evidence: list[Any] | None = None


def create_app(settings: Settings, clock: Clock, http: httpx.Client | None = None,
               service: WalletService | None = None) -> FastAPI:
    service = service or WalletService(settings, clock, http or make_client(settings))
    app = service_app("/wallet", "PCTF sandbox wallet", "One wallet per persona: OpenID4VCI, consent, OpenID4VP.")
    app.state.service = service

    @app.put("/wallet/{wallet_id}")
    def create(wallet_id: str) -> dict:
        return service.create(wallet_id)

    @app.get("/wallet/{wallet_id}/credentials")
    def credentials(wallet_id: str) -> list[dict]:
        return service.credentials(wallet_id)

    @app.post("/wallet/{wallet_id}/credentials/{credential_id}/renew")
    def renew(wallet_id: str, credential_id: int) -> dict:
        """Renew a credential that expires soon or has expired, over OpenID4VCI; the old one is kept as replaced."""
        return service.renew(wallet_id, credential_id)

    @app.post("/wallet/{wallet_id}/credentials/{credential_id}/reissue")
    def reissue(wallet_id: str, credential_id: int, body: ReissueIn) -> dict:
        """Have a credential re-issued with changes (address; name with evidence); the old one is kept as replaced."""
        return service.reissue(wallet_id, credential_id, body.changes, body.evidence)

    @app.post("/wallet/{wallet_id}/offers")
    def accept_offer(wallet_id: str, body: OfferIn) -> list[dict]:
        return service.accept_offer(wallet_id, body.offer, body.tx_code)

    @app.post("/wallet/{wallet_id}/presentations")
    def review(wallet_id: str, body: RequestIn) -> dict:
        return service.review_request(wallet_id, body.request)

    @app.post("/wallet/{wallet_id}/presentations/{request_id}/decision")
    def decide(wallet_id: str, request_id: str, body: DecisionIn) -> dict:
        return service.respond(wallet_id, request_id, approve=body.approve)

    @app.get("/wallet/{wallet_id}/consents")
    def consents(wallet_id: str) -> list[dict]:
        return service.consents(wallet_id)

    return app
