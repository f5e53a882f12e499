"""The registry's HTTP face: TRQP queries, entity lookup, metadata and governance writes.

Routes carry their full ``/registry/...`` path because the app is not mounted under a prefix:
the embedded dispatcher routes by path prefix, and a separate container serves the same paths.
Endpoints are plain ``def`` (run in the thread pool): the service does blocking database work
and other services call it over HTTP from their own threads.

Reads, TRQP queries, the audit log and applying are public (the registry is the ecosystem's
dial tone). Each other write needs one role's bearer token: governance for decisions, the
assessor for assessment marks, and an application's own applicant token (given once, when it
applies) to follow that application and ask for conformance runs. No token opens another role's
door, so an applicant can never accredit itself.
"""
from __future__ import annotations

import secrets
from typing import Any

from fastapi import Body, Depends, FastAPI, Path, Query, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

from pctf.clock import Clock
from pctf.http import make_client
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.web import bearer_token, require_bearer, service_app

from .service import FINAL_STATES, RegistryService
from .trust_list import MEDIA_TYPE
from .validation import MAX_ID


class _Write(BaseModel):
    # A governance write with a misspelled field is refused rather than half-applied.
    model_config = ConfigDict(extra="forbid")


class EntityIn(_Write):
    entity_id: str
    name: str
    jurisdiction: str
    role: str
    jwks: dict


class AuthorizationIn(_Write):
    entity_id: str
    action: str = "issue"
    resource: str
    assurance_level: StrictInt
    valid_from: str | None = None  # RFC 3339 with an offset; default: now
    valid_until: str | None = None


class StatusIn(_Write):
    status: str
    reason: str | None = None
    effective_from: str | None = None  # RFC 3339 with an offset; default: now
    retroactive: StrictBool | None = None  # default: true for revocation, false for suspension


class KeyIn(_Write):
    jwk: dict


class KeyEventIn(_Write):
    event: str  # retired | compromised
    effective_from: str | None = None
    reason: str | None = None


class RecognitionIn(_Write):
    recognized_authority_id: str
    action: str = "issue"
    resource: str
    valid_from: str | None = None
    valid_until: str | None = None


class ConformanceIn(_Write):
    offer: str | dict | None = None  # a credential offer (URI or JSON) for a test subject
    tx_code: str | None = None


class AssessmentIn(_Write):
    met: StrictBool
    evidence: str


class QueryContext(BaseModel):
    # TRQP lets a context carry more than we read; unknown members are kept and ignored.
    model_config = ConfigDict(extra="allow")
    time: str | None = None
    assurance_level: StrictInt | None = None


class QueryIn(BaseModel):
    """A TRQP v2 authorization or recognition query (extra members are ignored)."""

    entity_id: str
    authority_id: str
    action: str
    resource: str
    context: QueryContext | None = None


def create_app(settings: Settings, clock: Clock, service: RegistryService | None = None) -> FastAPI:
    service = service or RegistryService(settings, clock)
    if secrets.compare_digest(settings.resolved_governance_token(),
                              settings.resolved_secret("assessor", settings.assessor_token)):
        # Separation of duties: whoever decides must not also mark the assessment.
        raise SandboxError(Reason.BAD_REQUEST, "the assessor token must differ from the governance token")
    app = service_app("/registry", "PCTF Sandbox Trust Registry",
                      "Who may issue what, at which level of assurance (ToIP TRQP v2).")
    app.state.registry = service
    # The trust list grows to megabytes (about 1.3 KB per entity) and compresses about 6x.
    app.add_middleware(GZipMiddleware, minimum_size=4096)

    def governance(request: Request) -> None:
        # A dependency runs before the body is validated: without the token, nothing is said
        # about what the body would have done.
        require_bearer(request, settings.resolved_governance_token())

    def assessor(request: Request) -> None:
        require_bearer(request, settings.resolved_secret("assessor", settings.assessor_token), role="the assessor role")

    def applicant_or_governance(request: Request, app_id: str) -> str:
        """The actor for an application's own routes: its applicant, or governance."""
        token = bearer_token(request)
        if token and secrets.compare_digest(token.encode(), settings.resolved_governance_token().encode()):
            return "governance"
        if service.applicant_may_read(app_id, token):
            return f"applicant:{app_id}"
        raise SandboxError(Reason.UNAUTHORIZED, "this application's applicant token or the governance token is "
                                                "required", status_code=401)

    guarded = [Depends(governance)]
    app_path = Path(max_length=64)

    @app.get("/registry/health")
    def health() -> dict:
        """Liveness, with no work behind it (also the baseline of the registry benchmark)."""
        return {"status": "ok"}

    @app.get("/registry/metadata")
    def metadata() -> dict:
        return service.metadata()

    @app.get("/registry/entities")
    def entities() -> list[dict]:
        return service.entities()

    @app.get("/registry/entity")
    def entity(entity_id: str = Query(max_length=2048)) -> dict:
        return service.entity(entity_id)

    @app.post("/registry/authorization")
    def authorization(query: QueryIn) -> dict:
        return service.authorization_query(query.model_dump(exclude_none=True))

    @app.post("/registry/recognition")
    def recognition(query: QueryIn) -> dict:
        return service.recognition_query(query.model_dump(exclude_none=True))

    @app.post("/registry/entities", dependencies=guarded)
    def upsert_entity(body: EntityIn) -> dict:
        return service.upsert_entity(body.entity_id, name=body.name, jurisdiction=body.jurisdiction,
                                     role=body.role, jwks=body.jwks)

    @app.post("/registry/authorizations", status_code=201, dependencies=guarded)
    def authorize(body: AuthorizationIn) -> dict:
        return service.authorize(body.entity_id, action=body.action, resource=body.resource,
                                 assurance_level=body.assurance_level, valid_from=body.valid_from,
                                 valid_until=body.valid_until)

    @app.patch("/registry/authorizations/{auth_id}", dependencies=guarded)
    def set_authorization_status(body: StatusIn, auth_id: int = Path(ge=1, le=MAX_ID)) -> dict:
        return service.set_authorization_status(auth_id, body.status, reason=body.reason,
                                                effective_from=body.effective_from, retroactive=body.retroactive)

    @app.patch("/registry/entity/status", dependencies=guarded)
    def set_entity_status(body: StatusIn, entity_id: str = Query(max_length=2048)) -> dict:
        return service.set_entity_status(entity_id, body.status, reason=body.reason,
                                         effective_from=body.effective_from, retroactive=body.retroactive)

    @app.post("/registry/entity/keys", status_code=201, dependencies=guarded)
    def add_key(body: KeyIn, entity_id: str = Query(max_length=2048)) -> dict:
        return service.add_key(entity_id, body.jwk)

    @app.post("/registry/entity/keys/{kid}/events", status_code=201, dependencies=guarded)
    def key_event(body: KeyEventIn, kid: str = Path(max_length=256), entity_id: str = Query(max_length=2048)) -> dict:
        return service.key_event(entity_id, kid, body.event, effective_from=body.effective_from, reason=body.reason)

    @app.get("/registry/recognitions")
    def recognitions() -> list[dict]:
        return service.recognitions()

    @app.post("/registry/recognitions", status_code=201, dependencies=guarded)
    def recognize(body: RecognitionIn) -> dict:
        return service.recognize(body.recognized_authority_id, action=body.action, resource=body.resource,
                                 valid_from=body.valid_from, valid_until=body.valid_until)

    # -- onboarding --------------------------------------------------------------------
    @app.get("/registry/criteria")
    def criteria(resource: list[str] = Query(default=[])) -> list[dict]:
        return service.criteria(resource or None)

    @app.post("/registry/applications", status_code=201)
    def apply(body: dict[str, Any] = Body(...)) -> dict:
        return service.apply(body)

    @app.get("/registry/applications", dependencies=guarded)
    def applications() -> list[dict]:
        return service.applications()

    @app.get("/registry/applications/{app_id}")
    def application(request: Request, app_id: str = app_path) -> dict:
        # Governance, the assessor and the applicant itself may read an application (contacts
        # are personal information: not public).
        token = bearer_token(request)
        if token and secrets.compare_digest(token.encode(),
                                            settings.resolved_secret("assessor", settings.assessor_token).encode()):
            return service.application(app_id)
        applicant_or_governance(request, app_id)
        return service.application(app_id)

    @app.post("/registry/applications/{app_id}/conformance")
    def conformance(request: Request, body: ConformanceIn, app_id: str = app_path) -> dict:
        actor = applicant_or_governance(request, app_id)
        record = service.application(app_id)
        if record["state"] in FINAL_STATES:
            # Checked before probing: a decided application's endpoints are not ours to call again.
            raise SandboxError(Reason.CONFLICT, f"application {app_id} was already decided ({record['state']})",
                               status_code=409)
        from .conformance import run_conformance

        with make_client(settings) as http:
            report = run_conformance(record["credential_issuer"], http=http, clock=clock, offer=body.offer,
                                     tx_code=body.tx_code)
        return service.record_conformance(app_id, report.as_dict(), actor=actor)

    @app.put("/registry/applications/{app_id}/assessment/{criterion}", dependencies=[Depends(assessor)])
    def assess(body: AssessmentIn, app_id: str = app_path, criterion: str = Path(max_length=64)) -> dict:
        return service.assess(app_id, criterion, met=body.met, evidence=body.evidence)

    @app.post("/registry/applications/{app_id}/decision", dependencies=guarded)
    def decide(app_id: str = app_path, body: dict[str, Any] = Body(...)) -> dict:
        return service.decide(app_id, body)

    @app.get("/registry/jwks")
    def jwks() -> dict:
        return service.jwks()

    @app.get("/registry/trust-list")
    def trust_list() -> Response:
        return Response(service.trust_list(), media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})

    # -- transparency ------------------------------------------------------------------
    @app.get("/registry/audit")
    def audit(after: int = Query(0, ge=0, le=MAX_ID), limit: int = Query(1000, ge=1, le=10_000)) -> list[dict]:
        return service.audit_log(after=after, limit=limit)

    @app.get("/registry/audit/verify")
    def verify_audit() -> dict:
        return service.verify_audit_log()

    return app
