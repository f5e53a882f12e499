"""HTTP face of the issuer engine: OpenID4VCI endpoints, metadata, proofing and registration,
status lists (``application/statuslist+jwt``) and issuer staff's credential status changes.

Paths are absolute (``/issuers/<id>/...`` and ``/.well-known/<kind>/issuers/<id>``) so the app
serves the same URLs whether it runs alone or beside the other services on one port.
"""
from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from pctf import statuslist
from pctf.clock import Clock
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.web import require_bearer, service_app

from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .service import IssuerService

NO_STORE = {"Cache-Control": "no-store"}


def create_app(settings: Settings, clock: Clock, service: IssuerService | None = None) -> FastAPI:
    service = service or IssuerService(settings, clock)
    app = service_app("/issuers", "PCTF sandbox issuers", "Identity proofing, registration and OpenID4VCI issuance.")
    app.state.service = service

    @app.get("/issuers")
    def list_issuers() -> list[dict]:
        return [{"id": j.short_id, "issuer": service.issuer_url(j.short_id), "name": {"en": j.name_en, "fr": j.name_fr},
                 "jurisdiction": j.jurisdiction, "kind": j.kind,
                 "credential_types": [{"type": t, "max_assurance_level": loa} for t, loa in j.grants]}
                for j in SANDBOX_ISSUERS.values()]

    @app.get("/.well-known/openid-credential-issuer/issuers/{issuer}")
    def credential_issuer_metadata(issuer: str) -> dict:
        return service.credential_issuer_metadata(issuer)

    @app.get("/.well-known/oauth-authorization-server/issuers/{issuer}")
    def authorization_server_metadata(issuer: str) -> dict:
        return service.authorization_server_metadata(issuer)

    @app.get("/.well-known/jwt-vc-issuer/issuers/{issuer}")
    def jwt_vc_issuer_metadata(issuer: str) -> dict:
        return service.jwt_vc_issuer_metadata(issuer)

    @app.post("/issuers/{issuer}/proofing")
    def proofing(issuer: str, application: dict[str, Any] = Body(...)) -> JSONResponse:
        return JSONResponse(service.proof_person(issuer, application), headers=NO_STORE)

    @app.post("/issuers/{issuer}/incorporations")
    def incorporations(issuer: str, application: dict[str, Any] = Body(...)) -> JSONResponse:
        return JSONResponse(service.incorporate(issuer, application), headers=NO_STORE)

    @app.post("/issuers/{issuer}/token")
    async def token(issuer: str, request: Request) -> JSONResponse:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise SandboxError(Reason.BAD_REQUEST, "the token request must be application/x-www-form-urlencoded")
        form = dict(await request.form())
        return JSONResponse(service.token(issuer, form), headers=NO_STORE)

    @app.post("/issuers/{issuer}/nonce")
    def nonce(issuer: str) -> JSONResponse:
        return JSONResponse(service.nonce(issuer), headers=NO_STORE)

    @app.post("/issuers/{issuer}/credential")
    def credential(issuer: str, request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return JSONResponse(service.credential(issuer, token.strip() if scheme.lower() == "bearer" else None, body),
                            headers=NO_STORE)

    @app.get("/issuers/{issuer}/issuances")
    def issuances(issuer: str) -> list[dict]:
        return service.issuances(issuer)

    @app.get("/issuers/{issuer}/status-lists/{list_id}")
    def status_list(issuer: str, list_id: int) -> Response:
        """The Status List Token (draft-ietf-oauth-status-list 8.2). Caches may keep it for its
        ttl, which verifiers read from the token itself."""
        token = service.status_list_token(issuer, list_id)
        return Response(token, media_type=statuslist.MEDIA_TYPE,
                        headers={"Cache-Control": f"max-age={settings.status_list_ttl_seconds}"})

    @app.post("/issuers/{issuer}/issuances/{issuance_id}/status")
    def set_status(issuer: str, issuance_id: int, request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
        """Issuer staff suspend, reinstate (``valid``) or revoke one credential; revocation is final."""
        require_bearer(request, settings.resolved_secret("issuer-admin", settings.issuer_admin_token),
                       role="issuer staff")
        return JSONResponse(service.set_status(issuer, issuance_id, body.get("status"), body.get("reason")),
                            headers=NO_STORE)

    @app.get("/issuers/{issuer}/offer.svg")
    def offer_qr(issuer: str, uri: str) -> Response:
        """A QR code of a credential offer URI, for a phone wallet to scan from a browser."""
        import io

        import segno

        jurisdiction(issuer)
        if len(uri) > 4000 or not uri.startswith("openid-credential-offer://"):
            raise SandboxError(Reason.BAD_REQUEST, "uri must be an openid-credential-offer:// URI")
        buffer = io.BytesIO()
        segno.make(uri, error="m").save(buffer, kind="svg", scale=4)
        return Response(buffer.getvalue(), media_type="image/svg+xml")

    return app
