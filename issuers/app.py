"""HTTP face of the issuer engine: OpenID4VCI endpoints, metadata, proofing and registration,
status lists (``application/statuslist+jwt``), issuer staff's credential status changes, the
holder's renewal and re-issuance requests, and vital statistics (deaths, parent–child
relationships).

The app subscribes every issuer to the event bus (``person.died``) and, at start-up, publishes
whatever a crash left in the outbox. It owns the bus it creates (closed at shutdown); a bus
handed in belongs to the caller.

Paths are absolute (``/issuers/<id>/...`` and ``/.well-known/<kind>/issuers/<id>``) so the app
serves the same URLs whether it runs alone or beside the other services on one port.
"""
from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from pctf import statuslist
from pctf.clock import Clock
from pctf.events import EventBus, InProcessEventBus, PeriodicRelay, event_bus_from_settings, relay
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.web import require_bearer, service_app

from . import deaths, reissuance, vital_statistics
from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .service import IssuerService

NO_STORE = {"Cache-Control": "no-store"}


def create_app(settings: Settings, clock: Clock, service: IssuerService | None = None,
               bus: EventBus | None = None) -> FastAPI:
    service = service or IssuerService(settings, clock)
    app = service_app("/issuers", "PCTF sandbox issuers", "Identity proofing, registration and OpenID4VCI issuance.")
    app.state.service = service
    owned = bus is None
    bus = bus or event_bus_from_settings(settings)
    deaths.subscribe_issuers(service, bus)
    relay(service.engine, bus, clock)  # what a crash left between a registration and its publication
    # In process, publishing cannot fail; a broker can be down, and what it refused is sent again.
    relayer = None if isinstance(bus, InProcessEventBus) else \
        PeriodicRelay(service.engine, bus, clock, settings.event_relay_interval_seconds)
    app.state.bus = bus

    def shutdown() -> None:
        if relayer is not None:
            relayer.stop()
        if owned:
            bus.close()

    app.state.shutdown = shutdown
    app.router.on_shutdown.append(shutdown)

    def staff(request: Request) -> None:
        require_bearer(request, settings.resolved_secret("issuer-admin", settings.issuer_admin_token),
                       role="issuer staff")

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
        staff(request)
        return JSONResponse(service.set_status(issuer, issuance_id, body.get("status"), body.get("reason")),
                            headers=NO_STORE)

    @app.post("/issuers/{issuer}/renewal")
    def renewal(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """The holder, presenting a credential due for renewal (KB-JWT ``aud`` = this issuer,
        ``nonce`` from the nonce endpoint), gets an offer of its successor."""
        return JSONResponse(reissuance.renewal_offer(service, issuer, body), headers=NO_STORE)

    @app.post("/issuers/{issuer}/reissuance")
    def reissue(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """The holder, presenting a credential, asks for it again with ``changes`` (address, or a
        name with its ``evidence``); the offer's credential revokes the old one when issued."""
        return JSONResponse(reissuance.reissuance_offer(service, issuer, body), headers=NO_STORE)

    @app.post("/issuers/{issuer}/deaths")
    def register_death(issuer: str, request: Request, body: Any = Body(...)) -> JSONResponse:
        """Vital statistics staff register a death; every issuer hears ``person.died``."""
        staff(request)
        return JSONResponse(vital_statistics.register_death(service, bus, issuer, body), status_code=201,
                            headers=NO_STORE)

    @app.get("/issuers/{issuer}/deaths/{registration_id}")
    def death(issuer: str, registration_id: int, request: Request) -> JSONResponse:
        staff(request)
        return JSONResponse(vital_statistics.death(service, issuer, registration_id), headers=NO_STORE)

    @app.post("/issuers/{issuer}/relationships")
    def relationship(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """A parent–child relationship offer, from the child's birth certificate."""
        return JSONResponse(vital_statistics.request_relationship(service, issuer, body), headers=NO_STORE)

    @app.get("/issuers/{issuer}/events/{event_id}")
    def event(issuer: str, event_id: str, request: Request) -> JSONResponse:
        """Whether and when this issuer processed an event, and which issuances it revoked (staff)."""
        staff(request)
        return JSONResponse(deaths.processed(service, issuer, event_id), headers=NO_STORE)

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
