"""HTTP face of the relying parties: create a request, receive the ``direct_post``, read the verdict.

A wallet posts its answer to the public response endpoint (the request's ``state`` and the
KB-JWT's ``nonce`` bind it). Everything else belongs to each relying party's own back end
(:mod:`pctf.access`): only it asks, and only it reads its verdicts and the claims disclosed to it.

Relying parties are also data (:mod:`verifier.directory`): the governance role creates one over
the API from its declaration (docs/relying-parties.md). Governance, because a relying party is a
party of the ecosystem the sandbox's governance authority keeps, as the registry's entities are;
the creator is answered the new back end's token once. What each relying party asks for is public.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Body, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from pctf import jar
from pctf.access import AttemptLimiter, Role, configured_tokens, install, owner
from pctf.clock import Clock
from pctf.http import make_client
from pctf.outbound import outbound_client
from pctf.reasons import Reason, SandboxError
from pctf.schemas import Record, documented, media
from pctf.settings import Settings
from pctf.statuslist import MAX_TOKEN_BYTES, HttpStatusSource
from pctf.web import check_form_value, service_app
from registry.client import RegistryClient

from .declarations import describe
from .engine import VerificationEngine
from .service import RelyingPartyService


# -- answers (records: the members below are always there; a record may carry more) ---------
class RelyingPartyOut(Record):
    id: str
    name: dict[str, str]
    client_id: str
    policy: dict[str, Any]  # id, purpose, and the DCQL query it asks with


class RequirementOut(Record):
    id: str  # the DCQL credential query id
    credential: str  # the credential type's name
    vct: str
    claims: list[list[Any]]
    min_loa: int | None
    rules: list[dict[str, Any]]  # claim, accepted, reason
    claim_sets: list[list[list[Any]]]  # DCQL claim_sets: alternatives among the claims, preferred first
    values: list[dict[str, Any]]  # DCQL values: claim, values


class DeclarationOut(Record):
    """A relying party as declared (docs/relying-parties.md), and the DCQL query it asks with."""

    id: str
    name: dict[str, str]
    purpose: dict[str, str]
    requirements: list[RequirementOut]
    links: list[dict[str, Any]]  # left, left_claim, right, right_claim
    signs_in: bool
    credential_sets: list[dict[str, Any]]  # DCQL credential_sets: options (requirement ids), required
    dcql_query: dict[str, Any]


class CreatedOut(DeclarationOut):
    """A relying party just created, with its back end's token: shown this once, kept nowhere."""

    token: str


class RequestOut(Record):
    """An OpenID4VP request, by value and as an ``openid4vp://`` link."""

    state: str
    request: dict[str, Any]
    request_uri: str
    purpose: dict[str, str]


class ReceivedOut(Record):
    status: str  # how the wallet's answer was taken, and nothing of the verdict


class CheckOut(Record):
    check: str
    credential: str | None
    passed: bool
    reason: str | None
    detail: str
    params: dict[str, Any] = {}  # the values ``detail`` was formed from, to show it in another language


class VerdictOut(Record):
    accepted: bool
    reasons: list[str]
    verifier: str
    policy: str
    checked_at: str
    checks: list[CheckOut]
    credentials: dict[str, dict[str, Any]]


class EvidenceOut(Record):
    """One artefact a verdict was reached on, as the verifier saw it."""

    credential: str | None  # the DCQL credential query id it concerns
    kind: str  # kb_jwt | trqp_authorization | trqp_recognition | status_list
    request: Any  # the TRQP request body; {"uri", "idx"} for a status; null for a KB-JWT
    # the TRQP answer as received; a status's {"status", "value", "iat", "ttl", "exp"} (or {"error",
    # "message"} when none could be read); a KB-JWT's {"header", "payload"}
    answer: Any
    source: str | None = None  # presentation | registry | issuer, or what answered in their stead: cache | trust_list
    cached: bool = False  # the answer was the one kept from an earlier ask


class SessionOut(Record):
    """The session an accepted presentation opened at a relying party that signs people in."""

    session_id: str
    subject: str  # pairwise: this relying party's own identifier for the person
    name: dict[str, str]  # given_name, family_name
    issuer: str
    assurance_level: int | None
    created_at: str
    expires_at: str
    active: bool  # not yet expired


class ResultOut(Record):
    state: str
    status: str
    verdict: dict[str, Any] | None  # a VerdictOut, or why the holder declined
    evidence: list[EvidenceOut] | None = None  # what the verdict was reached on; None when none was reached
    # Only for a relying party that signs people in: the session opened, None when none was
    # (pending, refused or declined); absent for any other relying party.
    session: SessionOut | None = None


NO_STORE = {"Cache-Control": "no-store"}
BACK_END = owner(Role.RELYING_PARTY)
GOVERNANCE = owner(Role.GOVERNANCE)
# Verifying asks the registry and the issuers' status lists: unreachable is 503, unusable 502.
OUTBOUND = (502, 503)


def create_app(
    settings: Settings, clock: Clock, http: httpx.Client | None = None, service: RelyingPartyService | None = None
) -> FastAPI:
    if service is None:
        # ``http`` reaches the registry (the operator's configured URL); a credential's status list
        # URI is the issuer's to choose, so it is fetched through the vetted client.
        http = http or make_client(settings)
        trust = RegistryClient(
            settings.service_url("registry"),
            http,
            settings.registry_authority_id,
            clock=clock,
            anchor_jwks=settings.anchor_jwks(),
            state_dir=settings.data_dir / "verifier",
        )
        status = HttpStatusSource(outbound_client(settings, max_body_bytes=MAX_TOKEN_BYTES))
        engine = VerificationEngine(
            trust, clock, status=status, kb_max_age=settings.kb_max_age_seconds, leeway=settings.leeway_seconds
        )
        service = RelyingPartyService(settings, clock, engine)
    parties = service.parties
    app = service_app(
        "/verifier",
        "PCTF sandbox relying parties",
        "OpenID4VP requests, responses and verdicts.",
        max_body_bytes=settings.max_body_bytes,
    )

    # Each relying party's back-end token, and governance's, resolved now: a service that may not
    # run with them refuses to start.
    back_ends = parties.identify()
    governance = configured_tokens(Role.GOVERNANCE, {"governance": settings.resolved_governance_token()})
    install(
        app,
        lambda token: back_ends(token) or governance(token),
        AttemptLimiter(settings.auth_failure_limit, settings.auth_failure_window_seconds),
    )
    app.state.service = service

    @app.get("/verifier", response_model=list[RelyingPartyOut], **owner(Role.PUBLIC))
    def list_relying_parties() -> Any:
        return [
            {
                "id": rp.id,
                "name": {"en": rp.name_en, "fr": rp.name_fr},
                "client_id": service.client_id(rp.id),
                "policy": {
                    "id": rp.policy.id,
                    "purpose": {"en": rp.policy.purpose_en, "fr": rp.policy.purpose_fr},
                    "dcql_query": rp.policy.dcql_query(),
                },
            }
            for rp in parties.all()
        ]

    @app.get("/verifier/relying-parties", response_model=list[DeclarationOut], **owner(Role.PUBLIC))
    def declarations() -> Any:
        """Every relying party as declared (built-in, from ``PCTF_RELYING_PARTIES``, or created
        here): what each asks for, never a token."""
        return [describe(rp) for rp in parties.all()]

    @app.post(
        "/verifier/relying-parties",
        response_model=CreatedOut,
        status_code=201,
        **documented(GOVERNANCE, 409),
    )
    def create_relying_party(body: dict[str, Any] = Body(...)) -> JSONResponse:
        """A new relying party from its declaration (docs/relying-parties.md), answered with its
        back end's token once; 409 when the id is taken."""
        rp, token = parties.create(body, clock)
        return JSONResponse({**describe(rp), "token": token}, status_code=201, headers=NO_STORE)

    @app.get("/verifier/relying-parties/{rp_id}", response_model=DeclarationOut, **owner(Role.PUBLIC))
    def declaration(rp_id: str) -> Any:
        """One relying party as declared: what it asks for, never its token."""
        return describe(parties.get(rp_id))

    @app.post("/verifier/{rp_id}/requests", response_model=RequestOut, **BACK_END)
    def create_request(rp_id: str, options: Any = Body(None)) -> JSONResponse:
        """A new OpenID4VP request (DCQL) with a fresh nonce and state, for the back end to show its
        user. An optional body chooses how the wallet answers: ``{"response_mode": "direct_post.jwt"}``
        for a response encrypted to this relying party (OpenID4VP 8.3.1); ``direct_post`` otherwise.
        ``{"client_id_prefix": "x509_san_dns"}`` or ``"x509_hash"`` sends the request signed, by
        reference (OpenID4VP 5.10): ``request_uri`` is then a link naming the request object's URI."""
        return JSONResponse(service.create_request(rp_id, options), headers=NO_STORE)

    @app.post("/verifier/{rp_id}/response", response_model=ReceivedOut, **documented(owner(Role.PUBLIC), *OUTBOUND))
    async def response(rp_id: str, request: Request) -> JSONResponse:
        """The response endpoint: where wallets send ``vp_token`` and ``state`` (``direct_post``,
        OpenID4VP 8.2), or ``response``, the same encrypted to this relying party (``direct_post.jwt``, 8.3.1)."""
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raise SandboxError(Reason.BAD_REQUEST, "direct_post responses are application/x-www-form-urlencoded")
        form = {k: check_form_value(k, v) for k, v in (await request.form()).items() if isinstance(v, str)}
        # Verification calls the registry over HTTP: run it off the event loop.
        from starlette.concurrency import run_in_threadpool

        return JSONResponse(await run_in_threadpool(service.receive, rp_id, form), headers=NO_STORE)

    @app.get(
        "/verifier/{rp_id}/requests/{state}/request-object",
        response_class=Response,
        **owner(Role.PUBLIC),
        responses=media(jar.MEDIA_TYPE, "The signed request object (RFC 9101, OpenID4VP 5.10)"),
    )
    def request_object(rp_id: str, state: str) -> Response:
        """The signed request object of a request sent by reference (``client_id_prefix``
        ``x509_san_dns`` or ``x509_hash``): what a wallet fetches at the link's ``request_uri``.
        404 when the request is unknown, sent by value, answered or expired."""
        return Response(service.request_object(rp_id, state), media_type=jar.MEDIA_TYPE, headers=NO_STORE)

    @app.get("/verifier/{rp_id}/requests/{state}", response_model=ResultOut, **BACK_END)
    def result(rp_id: str, state: str) -> JSONResponse:
        """A request's status and verdict, with the claims disclosed (and, where the relying party
        signs people in, the session it opened): for this relying party's back end only."""
        return JSONResponse(service.result(rp_id, state), headers=NO_STORE)

    @app.post("/verifier/{rp_id}/verify", response_model=VerdictOut, **documented(BACK_END, *OUTBOUND))
    def verify(rp_id: str, body: dict[str, Any] = Body(...)) -> Any:
        """Verify a vp_token against this relying party's policy with caller-chosen aud and nonce
        (for integration tests that build presentations themselves)."""
        rp = parties.get(rp_id)
        vp_token, aud, nonce = body.get("vp_token"), body.get("aud"), body.get("nonce")
        if not isinstance(aud, str) or not isinstance(nonce, str):
            raise SandboxError(Reason.BAD_REQUEST, "aud and nonce are required strings")
        return service.engine.verify_presentation(
            rp.policy, vp_token, aud=aud, nonce=nonce, verifier=service.client_id(rp_id)
        ).as_dict()

    return app
