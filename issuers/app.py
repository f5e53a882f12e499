"""HTTP face of the issuer engine: OpenID4VCI endpoints, metadata, proofing and registration,
status lists (``application/statuslist+jwt``), issuer staff's credential status changes, the
holder's renewal and re-issuance requests, and vital statistics (deaths, births, parent–child
relationships).

The app subscribes every issuer to the event bus (``person.died``) and, at start-up, publishes
whatever a crash left in the outbox. It owns the bus it creates (closed at shutdown); a bus
handed in belongs to the caller.

Paths are absolute (``/issuers/<id>/...`` and ``/.well-known/<kind>/issuers/<id>``) so the app
serves the same URLs whether it runs alone or beside the other services on one port.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, StrictBool
from starlette.concurrency import run_in_threadpool

from pctf import statuslist
from pctf.access import AttemptLimiter, Role, bearer_token, client_key, configured_tokens, install, owner
from pctf.clock import Clock
from pctf.events import EventBus, InProcessEventBus, PeriodicRelay, event_bus_from_settings, relay
from pctf.reasons import Reason, SandboxError
from pctf.schemas import Record, documented, media
from pctf.settings import Settings
from pctf.web import check_form_value, service_app

from . import authorization_page as page
from .authorization import Authorizations
from .delegations import Delegations
from .immunizations import Immunizations
from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .peers import add_identity_queries
from .service import IssuerService


# -- answers (records: the members below are always there; a record may carry more) ---------
class IssuerOut(Record):
    id: str
    issuer: str
    name: dict[str, str]
    jurisdiction: str
    kind: str
    credential_types: list[dict[str, Any]]


class CredentialIssuerMetadata(Record):
    """OpenID4VCI 12.2, with the sandbox's renewal and re-issuance endpoints."""

    credential_issuer: str
    authorization_servers: list[str]
    credential_endpoint: str
    nonce_endpoint: str
    renewal_endpoint: str
    reissuance_endpoint: str
    display: list[dict[str, str]]
    credential_configurations_supported: dict[str, dict[str, Any]]


class AuthorizationServerMetadata(Record):
    """RFC 8414, for the pre-authorized code grant and, at an issuer a person may ask themselves,
    the authorization code grant (with ``authorization_endpoint``,
    ``pushed_authorization_request_endpoint`` and what they take)."""

    issuer: str
    token_endpoint: str
    grant_types_supported: list[str]


class JwtVcIssuerMetadata(Record):
    issuer: str
    jwks: dict[str, Any]


class OfferOut(Record):
    """A credential offer, by value and as links; the transaction code travels out of band."""

    credential_offer: dict[str, Any]
    # Despite its name, the link carrying the offer by value: openid-credential-offer://?credential_offer=...
    credential_offer_uri: str
    tx_code: str | None
    # The link carrying the offer by reference (OpenID4VCI 4.1.3):
    # openid-credential-offer://?credential_offer_uri=<the issuer's URL that answers the offer>
    credential_offer_link_by_reference: str


class StaffOfferIn(BaseModel):
    """What an issuer's staff offer: a credential type the issuer issues, its claims, and whether
    redeeming it takes a transaction code (the default)."""

    type: str
    claims: dict[str, Any]
    tx_code: StrictBool = True


class CredentialOfferOut(Record):
    """A credential offer by value (OpenID4VCI 4.1.1), as fetched by reference."""

    credential_issuer: str
    credential_configuration_ids: list[str]
    grants: dict[str, Any]


class DelegationOut(OfferOut):
    """A delegation offer, with the consent the health authority recorded for it."""

    consent: dict[str, Any]


class ProofingOut(OfferOut):
    assurance_level: int


class IncorporationOut(OfferOut):
    business_number: str


class RenewalOut(OfferOut):
    supersedes: int


class TokenOut(Record):
    access_token: str
    token_type: str
    expires_in: int


class PushedOut(Record):
    """RFC 9126 2.2: where the authorization request now is, and for how many seconds."""

    request_uri: str
    expires_in: int


class NonceOut(Record):
    c_nonce: str


class CredentialOut(Record):
    credentials: list[dict[str, Any]]


class IssuanceOut(Record):
    id: int
    vct: str
    holder_kid: str | None
    assurance_level: int
    issued_at: str
    expires_at: str
    status: str
    status_changed_at: str | None
    status_list: dict[str, Any] | None


class IssuanceStatusOut(IssuanceOut):
    status_reason: str | None


class DeathOut(Record):
    registration_id: int
    event_id: str
    topic: str
    person: dict[str, Any]
    date_of_death: str
    registered_at: str
    published_at: str | None


class BirthOfferOut(OfferOut):
    parent: dict[str, Any]


class BirthOut(Record):
    registration_number: str
    registered_at: str
    child: dict[str, Any]
    parents: list[dict[str, Any]]
    offers: list[BirthOfferOut]


class EventOut(Record):
    issuer: str
    event_id: str
    topic: str
    received_at: str
    processed_at: str
    revoked: list[Any]


NO_STORE = {"Cache-Control": "no-store"}
PUBLIC = owner(Role.PUBLIC)
STAFF = owner(Role.ISSUER_STAFF)
# The largest offer URI a QR code holds: version 40 at error correction level L, in byte mode.
MAX_QR_URI = 2953


def create_app(
    settings: Settings, clock: Clock, service: IssuerService | None = None, bus: EventBus | None = None
) -> FastAPI:
    service = service or IssuerService(settings, clock)
    # Each issuer's staff token, resolved now: a service that may not run with them refuses to start.
    staff_tokens = {short_id: settings.issuer_staff_token(short_id) for short_id in SANDBOX_ISSUERS}
    app = service_app(
        "/issuers",
        "PCTF sandbox issuers",
        "Identity proofing, registration and OpenID4VCI issuance.",
        max_body_bytes=settings.max_body_bytes,
    )
    attempts = AttemptLimiter(settings.auth_failure_limit, settings.auth_failure_window_seconds)

    install(app, configured_tokens(Role.ISSUER_STAFF, staff_tokens), attempts)
    app.state.service = service
    owned = bus is None
    bus = bus or event_bus_from_settings(settings)
    service.deaths.subscribe(bus, sorted(service.hosted))  # each issuer's consumer lives where its credentials do
    relay(service.db, bus, clock)  # what a crash left between a registration and its publication
    # In process, publishing cannot fail; a broker can be down, and what it refused is sent again.
    relayer = (
        None
        if isinstance(bus, InProcessEventBus)
        else PeriodicRelay(service.db, bus, clock, settings.event_relay_interval_seconds)
    )
    app.state.bus = bus

    def shutdown() -> None:
        if relayer is not None:
            relayer.stop()
        if owned:
            bus.close()

    app.state.shutdown = shutdown
    app.router.on_shutdown.append(shutdown)

    def limited(request: Request, call, *failures: Reason):
        """A protocol step whose secret (a pre-authorized code, an access token) a stranger might
        guess: each failure counts against the client, as an unknown bearer token does."""
        attempts.check(client_key(request))
        try:
            return call()
        except SandboxError as exc:
            if exc.reason in failures:
                attempts.failed(client_key(request))
            raise

    @app.get("/issuers", response_model=list[IssuerOut], **PUBLIC)
    def list_issuers() -> Any:
        return [
            {
                "id": j.short_id,
                "issuer": service.issuer_url(j.short_id),
                "name": {"en": j.name_en, "fr": j.name_fr},
                "jurisdiction": j.jurisdiction,
                "kind": j.kind,
                "credential_types": [{"type": t, "max_assurance_level": loa} for t, loa in j.grants],
            }
            for j in SANDBOX_ISSUERS.values()
            if j.short_id in service.hosted
        ]

    @app.get(
        "/.well-known/openid-credential-issuer/issuers/{issuer}", response_model=CredentialIssuerMetadata, **PUBLIC
    )
    def credential_issuer_metadata(issuer: str) -> Any:
        return service.credential_issuer_metadata(issuer)

    @app.get(
        "/.well-known/oauth-authorization-server/issuers/{issuer}", response_model=AuthorizationServerMetadata, **PUBLIC
    )
    def authorization_server_metadata(issuer: str) -> Any:
        return service.authorization_server_metadata(issuer)

    @app.get("/.well-known/jwt-vc-issuer/issuers/{issuer}", response_model=JwtVcIssuerMetadata, **PUBLIC)
    def jwt_vc_issuer_metadata(issuer: str) -> Any:
        return service.jwt_vc_issuer_metadata(issuer)

    @app.post("/issuers/{issuer}/proofing", response_model=ProofingOut, **STAFF)
    def proofing(issuer: str, application: dict[str, Any] = Body(...)) -> JSONResponse:
        return JSONResponse(service.proof_person(issuer, application), headers=NO_STORE)

    @app.post("/issuers/{issuer}/offers", response_model=OfferOut, **STAFF)
    def staff_offer(issuer: str, body: StaffOfferIn) -> JSONResponse:
        """The issuer's staff offer one credential of a type the issuer issues, with the claims
        they give, for any wallet: ``{"type": "VerifiedPerson", "claims": {...}, "tx_code": true}``.
        The claims are checked against the type's vocabulary and the issuer's grant now."""
        return JSONResponse(service.offers.staff_offer(issuer, body.model_dump()), headers=NO_STORE)

    @app.get("/issuers/{issuer}/credential-offers/{reference}", response_model=CredentialOfferOut, **PUBLIC)
    def credential_offer(issuer: str, reference: str, request: Request) -> JSONResponse:
        """An offer by reference (OpenID4VCI 4.1.3): what its ``credential_offer_uri`` answers, while
        the offer can be redeemed; ``credential_offer_unknown`` (404) otherwise. Each unknown
        reference counts against the client, as a wrong pre-authorized code does."""
        offer = limited(
            request, lambda: service.offers.by_reference(issuer, reference), Reason.CREDENTIAL_OFFER_UNKNOWN
        )
        return JSONResponse(offer, headers=NO_STORE)

    @app.post("/issuers/{issuer}/incorporations", response_model=IncorporationOut, **STAFF)
    def incorporations(issuer: str, application: dict[str, Any] = Body(...)) -> JSONResponse:
        return JSONResponse(service.incorporate(issuer, application), headers=NO_STORE)

    @app.post("/issuers/{issuer}/token", response_model=TokenOut, **PUBLIC)
    async def token(issuer: str, request: Request) -> JSONResponse:
        """OpenID4VCI token endpoint: a pre-authorized code (and its transaction code) for an access token."""
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise SandboxError(Reason.BAD_REQUEST, "the token request must be application/x-www-form-urlencoded")
        form = {k: check_form_value(k, v) for k, v in (await request.form()).items() if isinstance(v, str)}
        from starlette.concurrency import run_in_threadpool

        answer = await run_in_threadpool(limited, request, lambda: service.token(issuer, form), Reason.INVALID_GRANT)
        return JSONResponse(answer, headers=NO_STORE)

    @app.post("/issuers/{issuer}/nonce", response_model=NonceOut, **PUBLIC)
    def nonce(issuer: str) -> JSONResponse:
        return JSONResponse(service.nonce(issuer), headers=NO_STORE)

    authorizations = Authorizations(service.db, clock, service.keys, service.registration)

    async def form_of(request: Request, reason: Reason) -> dict[str, str]:
        """An ``application/x-www-form-urlencoded`` body, each parameter sent once (RFC 6749 3.1)."""
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise SandboxError(reason, "the request must be application/x-www-form-urlencoded")
        form: dict[str, str] = {}
        for name, value in (await request.form()).multi_items():
            if name in form:
                raise SandboxError(reason, f"parameter {name[:100]!r} is sent more than once")
            if isinstance(value, str):
                form[name] = check_form_value(name, value)
        return form

    def issuer_name(issuer: str, lang: str) -> str:
        return jurisdiction(issuer).name(lang) if issuer in SANDBOX_ISSUERS else "PCTF"

    @app.post("/issuers/{issuer}/par", status_code=201, response_model=PushedOut, **PUBLIC)
    async def par(issuer: str, request: Request) -> JSONResponse:
        """Pushed authorization request endpoint (RFC 9126 2), for a wallet (a public client) that
        asks a person's credential itself: ``response_type=code``, ``client_id``, ``redirect_uri``,
        PKCE (``code_challenge``, ``code_challenge_method=S256``), ``state``, and
        ``authorization_details`` (type ``openid_credential``) or ``scope``. The person then goes
        to the authorization endpoint with the ``request_uri`` it answers."""
        jurisdiction(issuer)
        form = await form_of(request, Reason.INVALID_REQUEST)
        answer = await run_in_threadpool(authorizations.push, issuer, form)
        return JSONResponse(answer, status_code=201, headers=NO_STORE)

    @app.get("/issuers/{issuer}/authorize", response_class=HTMLResponse, responses=page.PAGE_RESPONSES, **PUBLIC)
    def authorize_page(
        issuer: str,
        request: Request,
        client_id: str | None = Query(None, max_length=2048),
        request_uri: str | None = Query(None, max_length=2048),
    ) -> HTMLResponse:
        """Authorization endpoint (RFC 6749 4.1.1, RFC 9126 4): the page on which the person proves
        who they are, for a pushed request (``client_id`` and ``request_uri``), in English or
        French (``?lang=``, else the browser's preference). A request that was not pushed, or is
        unknown, expired or used, is an error page, never a redirect."""
        lang = page.lang_of(request)
        try:
            pending = authorizations.pending(issuer, request.query_params)
        except SandboxError as exc:
            return page.error_page(lang, exc, issuer_name(issuer, lang))
        return page.form_page(
            lang,
            issuer=issuer_name(issuer, lang),
            action=request.url.path,
            client_id=pending.client_id,
            request_uri=str(request_uri),
            redirect_uri=pending.redirect_uri,
            configuration_ids=pending.configuration_ids,
        )

    @app.post(
        "/issuers/{issuer}/authorize",
        status_code=303,
        response_class=HTMLResponse,
        responses={
            303: {"description": "Proven: to the pushed redirect_uri, with code, state and iss"},
            **page.PAGE_RESPONSES,
        },
        **PUBLIC,
    )
    async def authorize(issuer: str, request: Request) -> Response:
        """The person's answer on the authorization page: the identity proofing issuer staff run
        (the same fields and evidence), then a 303 to the pushed ``redirect_uri`` with ``code``,
        ``state`` and ``iss`` (RFC 9207). A refused proofing shows the page again with the reason;
        a form from another site, or for an unknown, expired or used request, is an error page."""
        lang = page.lang_of(request)
        try:
            page.check_same_origin(request)
            form = await form_of(request, Reason.BAD_REQUEST)
            lang = page.lang_of(request, form)
            pending = await run_in_threadpool(authorizations.pending, issuer, form)
        except SandboxError as exc:
            return page.error_page(lang, exc, issuer_name(issuer, lang))
        try:
            location = await run_in_threadpool(authorizations.authorize, issuer, form, page.application(form))
        except SandboxError as exc:
            if exc.reason is Reason.INVALID_REQUEST_URI:  # used or expired meanwhile
                return page.error_page(lang, exc, issuer_name(issuer, lang))
            return page.form_page(
                lang,
                issuer=issuer_name(issuer, lang),
                action=request.url.path,
                client_id=pending.client_id,
                request_uri=form["request_uri"],
                redirect_uri=pending.redirect_uri,
                configuration_ids=pending.configuration_ids,
                values=form,
                refusal=exc,
            )
        return RedirectResponse(location, status_code=303, headers=NO_STORE)

    @app.post(
        "/issuers/{issuer}/credential", response_model=CredentialOut, **documented(owner(Role.ACCESS_TOKEN), 409, 503)
    )
    def credential(issuer: str, request: Request, body: dict[str, Any] = Body(...)) -> JSONResponse:
        """OpenID4VCI credential endpoint: the access token from the token endpoint, and a key proof."""
        answer = limited(request, lambda: service.credential(issuer, bearer_token(request), body), Reason.INVALID_TOKEN)
        return JSONResponse(answer, headers=NO_STORE)

    @app.get("/issuers/{issuer}/issuances", response_model=list[IssuanceOut], **STAFF)
    def issuances(issuer: str) -> Any:
        return service.issuances(issuer)

    @app.get(
        "/issuers/{issuer}/status-lists/{list_id}",
        response_class=Response,
        **PUBLIC,
        responses=media(statuslist.MEDIA_TYPE, "The Status List Token (a JWT)"),
    )
    def status_list(issuer: str, list_id: int) -> Response:
        """The Status List Token (draft-ietf-oauth-status-list 8.2). Caches may keep it for its
        ttl, which verifiers read from the token itself."""
        token = service.status_list_token(issuer, list_id)
        return Response(
            token,
            media_type=statuslist.MEDIA_TYPE,
            headers={"Cache-Control": f"max-age={settings.status_list_ttl_seconds}"},
        )

    @app.post(
        "/issuers/{issuer}/issuances/{issuance_id}/status", response_model=IssuanceStatusOut, **documented(STAFF, 409)
    )
    def set_status(issuer: str, issuance_id: int, body: dict[str, Any] = Body(...)) -> JSONResponse:
        """Issuer staff suspend, reinstate (``valid``) or revoke one credential; revocation is final."""
        return JSONResponse(
            service.set_status(issuer, issuance_id, body.get("status"), body.get("reason")), headers=NO_STORE
        )

    @app.post("/issuers/{issuer}/renewal", response_model=RenewalOut, **documented(PUBLIC, 409))
    def renewal(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """The holder, presenting a credential due for renewal (KB-JWT ``aud`` = this issuer,
        ``nonce`` from the nonce endpoint), gets an offer of its successor."""
        return JSONResponse(service.reissuance.renewal_offer(issuer, body), headers=NO_STORE)

    @app.post("/issuers/{issuer}/reissuance", response_model=RenewalOut, **documented(PUBLIC, 409))
    def reissue(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """The holder, presenting a credential, asks for it again with ``changes`` (address, or a
        name with its ``evidence``); the offer's credential revokes the old one when issued."""
        return JSONResponse(service.reissuance.reissuance_offer(issuer, body), headers=NO_STORE)

    @app.post("/issuers/{issuer}/deaths", status_code=201, response_model=DeathOut, **documented(STAFF, 409))
    def register_death(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """Vital statistics staff register a death; every issuer hears ``person.died``."""
        return JSONResponse(
            service.vital_statistics.register_death(bus, issuer, body), status_code=201, headers=NO_STORE
        )

    @app.get("/issuers/{issuer}/deaths/{registration_id}", response_model=DeathOut, **STAFF)
    def death(issuer: str, registration_id: int) -> JSONResponse:
        """One death registration, with its event and when the event was published."""
        return JSONResponse(service.vital_statistics.death(issuer, registration_id), headers=NO_STORE)

    @app.post("/issuers/{issuer}/relationships", response_model=OfferOut, **documented(STAFF, 409))
    def relationship(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """A parent–child relationship offer, from the child's birth certificate."""
        return JSONResponse(service.vital_statistics.request_relationship(issuer, body), headers=NO_STORE)

    delegations = Delegations(service.db, service.clock, service.offers, leeway_seconds=settings.leeway_seconds)

    @app.post("/issuers/{issuer}/delegations", response_model=DelegationOut, **documented(STAFF, 409))
    def delegation(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """A health authority's staff record a person's consent and offer the delegate they chose a
        delegation (a Verified Relationship of type ``delegate``) of access to their health information."""
        return JSONResponse(delegations.grant(issuer, body), headers=NO_STORE)

    immunizations = Immunizations(service.db, service.clock, service.offers)

    @app.post("/issuers/{issuer}/immunizations", response_model=OfferOut, **STAFF)
    def immunization(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """A health authority's staff offer one dose from the immunization register as an
        Immunization credential (each claim selectively disclosable)."""
        return JSONResponse(immunizations.offer(issuer, body), headers=NO_STORE)

    add_identity_queries(app, service.keys)  # POST /issuers/{issuer}/identity-queries (issuers.peers)

    @app.post("/issuers/{issuer}/births", status_code=201, response_model=BirthOut, **documented(STAFF, 409))
    def register_birth(issuer: str, body: Any = Body(...)) -> JSONResponse:
        """Vital statistics staff register a birth once; each parent is offered the child's birth
        certificate and their parent–child relationship."""
        return JSONResponse(service.vital_statistics.register_birth(issuer, body), status_code=201, headers=NO_STORE)

    @app.get("/issuers/{issuer}/events/{event_id}", response_model=EventOut, **STAFF)
    def event(issuer: str, event_id: str) -> JSONResponse:
        """Whether and when this issuer processed an event, and which issuances it revoked (staff)."""
        return JSONResponse(service.deaths.processed(issuer, event_id), headers=NO_STORE)

    @app.get(
        "/issuers/{issuer}/offer.svg",
        response_class=Response,
        **PUBLIC,
        responses=media("image/svg+xml", "The QR code"),
    )
    def offer_qr(issuer: str, uri: str = Query(max_length=MAX_QR_URI)) -> Response:
        """A QR code of a credential offer URI, for a phone wallet to scan from a browser. An offer
        too long for a QR code is refused: pass it by reference (``credential_offer_uri``)."""
        import io

        import segno

        jurisdiction(issuer)
        if not uri.startswith("openid-credential-offer://") or not uri.isascii():
            raise SandboxError(Reason.BAD_REQUEST, "uri must be an openid-credential-offer:// URI")
        buffer = io.BytesIO()
        try:
            segno.make(uri, error="l", boost_error=False).save(buffer, kind="svg", scale=4)
        except segno.DataOverflowError:
            raise SandboxError(
                Reason.BAD_REQUEST, "this offer is too long for a QR code; pass it by reference (credential_offer_uri)"
            ) from None
        return Response(buffer.getvalue(), media_type="image/svg+xml", headers=NO_STORE)

    return app
