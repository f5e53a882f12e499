"""HTTP face of the relying parties: create a request, receive the ``direct_post``, read the verdict."""
from __future__ import annotations

from typing import Any

import httpx
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse

from pctf.clock import Clock
from pctf.http import make_client
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.statuslist import HttpStatusSource
from pctf.web import service_app
from registry.client import RegistryClient

from .engine import VerificationEngine
from .relying_parties import RELYING_PARTIES, relying_party
from .service import RelyingPartyService

NO_STORE = {"Cache-Control": "no-store"}


def create_app(settings: Settings, clock: Clock, http: httpx.Client | None = None,
               service: RelyingPartyService | None = None) -> FastAPI:
    if service is None:
        http = http or make_client(settings)
        trust = RegistryClient(settings.service_url("registry"), http, settings.registry_authority_id, clock=clock,
                               anchor_jwks=settings.anchor_jwks(), state_dir=settings.data_dir / "verifier")
        engine = VerificationEngine(trust, clock, status=HttpStatusSource(http), kb_max_age=settings.kb_max_age_seconds,
                                    leeway=settings.leeway_seconds)
        service = RelyingPartyService(settings, clock, engine)
    app = service_app("/verifier", "PCTF sandbox relying parties", "OpenID4VP requests, responses and verdicts.")
    app.state.service = service

    @app.get("/verifier")
    def list_relying_parties() -> list[dict]:
        return [{"id": rp.id, "name": {"en": rp.name_en, "fr": rp.name_fr}, "client_id": service.client_id(rp.id),
                 "policy": {"id": rp.policy.id, "purpose": {"en": rp.policy.purpose_en, "fr": rp.policy.purpose_fr},
                            "dcql_query": rp.policy.dcql_query()}}
                for rp in RELYING_PARTIES.values()]

    @app.post("/verifier/{rp_id}/requests")
    def create_request(rp_id: str) -> JSONResponse:
        return JSONResponse(service.create_request(rp_id), headers=NO_STORE)

    @app.post("/verifier/{rp_id}/response")
    async def response(rp_id: str, request: Request) -> JSONResponse:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise SandboxError(Reason.BAD_REQUEST, "direct_post responses are application/x-www-form-urlencoded")
        form = {k: str(v) for k, v in (await request.form()).items()}
        # Verification calls the registry over HTTP: run it off the event loop.
        from starlette.concurrency import run_in_threadpool

        return JSONResponse(await run_in_threadpool(service.receive, rp_id, form), headers=NO_STORE)

    @app.get("/verifier/{rp_id}/requests/{state}")
    def result(rp_id: str, state: str) -> JSONResponse:
        return JSONResponse(service.result(rp_id, state), headers=NO_STORE)

    @app.post("/verifier/{rp_id}/verify")
    def verify(rp_id: str, body: dict[str, Any] = Body(...)) -> dict:
        """Verify a vp_token against this relying party's policy with caller-chosen aud and nonce
        (for integration tests that build presentations themselves)."""
        rp = relying_party(rp_id)
        vp_token, aud, nonce = body.get("vp_token"), body.get("aud"), body.get("nonce")
        if not isinstance(aud, str) or not isinstance(nonce, str):
            raise SandboxError(Reason.BAD_REQUEST, "aud and nonce are required strings")
        return service.engine.verify_presentation(rp.policy, vp_token, aud=aud, nonce=nonce,
                                                  verifier=service.client_id(rp_id)).as_dict()

    return app
