"""The registry's HTTP face: TRQP queries, entity lookup, metadata and governance writes.

Routes carry their full ``/registry/...`` path because the app is not mounted under a prefix:
the embedded dispatcher routes by path prefix, and a separate container serves the same paths.
Endpoints are plain ``def`` (run in the thread pool): the service does blocking database work
and other services call it over HTTP from their own threads.

Reads, TRQP queries, the audit log and applying are public (the registry is the ecosystem's
dial tone). Each other write needs one role's bearer token (:mod:`pctf.access`): governance for
decisions, the assessor for assessment marks, and an application's own applicant token (given
once, when it applies) to follow that application and ask for conformance runs. No token opens
another role's door, so an applicant can never accredit itself.
"""

from __future__ import annotations

import hmac
from typing import Any

from fastapi import Body, FastAPI, Path, Query, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt

from pctf.access import AttemptLimiter, Principal, Role, install, owner, principal_of
from pctf.clock import Clock
from pctf.outbound import outbound_client
from pctf.reasons import Reason, SandboxError
from pctf.schemas import Record, documented, media
from pctf.settings import Settings
from pctf.web import service_app

from .onboarding import FINAL_STATES
from .seed import seed_issuer
from .service import RegistryService
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


class GrantIn(_Write):
    resource: str  # a credential type name or vct
    assurance_level: StrictInt


class SeedIn(_Write):
    """A sandbox issuer as its own process registers it at start-up (:func:`registry.seed.seed_issuer`)."""

    entity_id: str
    name: str
    jurisdiction: str
    jwks: dict
    grants: list[GrantIn]


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


# -- answers (records: the members below are always there; a record may carry more) ---------
class HealthOut(Record):
    status: str


class ResourceOut(Record):
    resource: str  # the credential type's vct
    type: str
    label: dict[str, str]


class MetadataOut(Record):
    authority_id: str
    name: str
    framework: str
    actions: list[str]
    resources: list[ResourceOut]
    assurance_levels: list[int]
    endpoints: dict[str, str]


class StatusEventOut(Record):
    status: str
    effective_from: str
    retroactive: bool
    reason: str | None
    recorded_at: str


class KeyEventOut(Record):
    kid: str
    event: str
    effective_from: str
    reason: str | None
    recorded_at: str


class AuthorizationOut(Record):
    id: int
    entity_id: str
    action: str
    resource: str
    assurance_level: int
    framework_id: str
    valid_from: str
    valid_until: str | None
    status: str
    status_history: list[StatusEventOut]


class EntityOut(Record):
    """An entity record, as the trust list carries it."""

    entity_id: str
    name: str
    jurisdiction: str
    role: str
    status: str
    jwks: dict[str, Any]
    key_events: list[KeyEventOut]
    status_history: list[StatusEventOut]
    authorizations: list[AuthorizationOut]


class QueryEcho(Record):
    """A TRQP answer repeats the four identifiers asked about."""

    entity_id: str
    authority_id: str
    action: str
    resource: str
    time_requested: str
    time_evaluated: str
    message: str


class AuthorizationAnswer(QueryEcho):
    authorized: bool
    status: str
    assurance_level: int | None
    valid_from: str | None
    valid_until: str | None


class RecognitionAnswer(QueryEcho):
    recognized: bool


class RecognitionOut(Record):
    id: int
    authority_id: str
    recognized_authority_id: str
    action: str
    resource: str
    valid_from: str
    valid_until: str | None
    status: str


class CriterionOut(Record):
    id: str
    en: str
    fr: str


class AssessmentMarkOut(CriterionOut):
    met: bool | None
    evidence: str | None
    assessed_at: str | None


class ApplicationSummary(Record):
    application_id: str
    entity_id: str
    name: str
    state: str
    created_at: str


class ApplicationOut(ApplicationSummary):
    jurisdiction: str
    contacts: list[str]
    requested: list[dict[str, Any]]
    credential_issuer: str
    conformance: dict[str, Any] | None  # the last conformance report
    assessment: list[AssessmentMarkOut]
    decision: dict[str, Any] | None
    updated_at: str


class AppliedOut(ApplicationOut):
    applicant_token: str  # shown this once


class JwksOut(Record):
    keys: list[dict[str, Any]]


class AuditEntryOut(Record):
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditCheckOut(Record):
    valid: bool
    entries: int
    broken_at: int | None
    problem: str | None
    head: str | None


class QueryIn(BaseModel):
    """A TRQP v2 authorization or recognition query (extra members are ignored)."""

    entity_id: str
    authority_id: str
    action: str
    resource: str
    context: QueryContext | None = None


PUBLIC = owner(Role.PUBLIC)
GOVERNANCE = owner(Role.GOVERNANCE)
# A governance write may find the resource revoked, decided or changed by a concurrent write.
GOVERNANCE_WRITE = documented(GOVERNANCE, 409)


def create_app(settings: Settings, clock: Clock, service: RegistryService | None = None) -> FastAPI:
    service = service or RegistryService(settings, clock)
    governance_token = settings.resolved_governance_token().encode()
    assessor_token = settings.resolved_assessor_token().encode()
    if hmac.compare_digest(governance_token, assessor_token):
        # Separation of duties: whoever decides must not also mark the assessment.
        raise SandboxError(Reason.SETTING_INVALID, "the assessor token must differ from the governance token")
    app = service_app(
        "/registry",
        "PCTF Sandbox Trust Registry",
        "Who may issue what, at which level of assurance (ToIP TRQP v2).",
        max_body_bytes=settings.max_body_bytes,
    )

    def identify(token: str) -> Principal | None:
        """Governance and the assessor by their configured tokens; an applicant by its application's."""
        raw = token.encode("utf-8", "surrogatepass")
        if hmac.compare_digest(raw, governance_token):
            return Principal(Role.GOVERNANCE)
        if hmac.compare_digest(raw, assessor_token):
            return Principal(Role.ASSESSOR)
        app_id = service.application_of(token)
        return Principal(Role.APPLICANT, app_id) if app_id else None

    install(app, identify, AttemptLimiter(settings.auth_failure_limit, settings.auth_failure_window_seconds))
    app.state.registry = service
    # The trust list grows to megabytes (about 1.3 KB per entity) and compresses about 6x.
    app.add_middleware(GZipMiddleware, minimum_size=4096)

    def actor(request: Request) -> str:
        """Who acts, for the audit log, from the principal the route's guard admitted."""
        principal = principal_of(request)
        return f"applicant:{principal.subject}" if principal.role == Role.APPLICANT else principal.role.value

    app_path = Path(max_length=64)

    @app.get("/registry/health", response_model=HealthOut, **PUBLIC)
    def health() -> Any:
        """Liveness, with no work behind it (also the baseline of the registry benchmark)."""
        return {"status": "ok"}

    @app.get("/registry/metadata", response_model=MetadataOut, **PUBLIC)
    def metadata() -> Any:
        return service.metadata()

    @app.get("/registry/entities", response_model=list[EntityOut], **PUBLIC)
    def entities() -> Any:
        return service.entities()

    @app.get("/registry/entity", response_model=EntityOut, **PUBLIC)
    def entity(entity_id: str = Query(max_length=2048)) -> Any:
        return service.entity(entity_id)

    @app.post("/registry/authorization", response_model=AuthorizationAnswer, **PUBLIC)
    def authorization(query: QueryIn) -> Any:
        return service.authorization_query(query.model_dump(exclude_none=True))

    @app.post("/registry/recognition", response_model=RecognitionAnswer, **PUBLIC)
    def recognition(query: QueryIn) -> Any:
        return service.recognition_query(query.model_dump(exclude_none=True))

    @app.post("/registry/entities", response_model=EntityOut, **GOVERNANCE_WRITE)
    def upsert_entity(body: EntityIn) -> Any:
        return service.upsert_entity(
            body.entity_id, name=body.name, jurisdiction=body.jurisdiction, role=body.role, jwks=body.jwks
        )

    @app.post("/registry/entities/seed", response_model=EntityOut, **GOVERNANCE_WRITE)
    def seed(body: SeedIn) -> Any:
        """Register a sandbox issuer with its keys and grants, or add what it lacks: idempotent,
        and never against a governance decision (keys are only added, a suspended or revoked
        authorization is not granted again, a revoked issuer gets no grant). What an issuers
        process that runs apart from the registry calls at each start."""
        return seed_issuer(
            service,
            body.entity_id,
            name=body.name,
            jurisdiction=body.jurisdiction,
            jwks=body.jwks,
            grants=[(g.resource, g.assurance_level) for g in body.grants],
        )

    @app.post("/registry/authorizations", response_model=AuthorizationOut, status_code=201, **GOVERNANCE_WRITE)
    def authorize(body: AuthorizationIn) -> Any:
        return service.authorize(
            body.entity_id,
            action=body.action,
            resource=body.resource,
            assurance_level=body.assurance_level,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )

    @app.patch("/registry/authorizations/{auth_id}", response_model=AuthorizationOut, **GOVERNANCE_WRITE)
    def set_authorization_status(body: StatusIn, auth_id: int = Path(ge=1, le=MAX_ID)) -> Any:
        return service.set_authorization_status(
            auth_id, body.status, reason=body.reason, effective_from=body.effective_from, retroactive=body.retroactive
        )

    @app.patch("/registry/entity/status", response_model=EntityOut, **GOVERNANCE_WRITE)
    def set_entity_status(body: StatusIn, entity_id: str = Query(max_length=2048)) -> Any:
        return service.set_entity_status(
            entity_id, body.status, reason=body.reason, effective_from=body.effective_from, retroactive=body.retroactive
        )

    @app.post("/registry/entity/keys", response_model=EntityOut, status_code=201, **GOVERNANCE_WRITE)
    def add_key(body: KeyIn, entity_id: str = Query(max_length=2048)) -> Any:
        return service.add_key(entity_id, body.jwk)

    @app.post("/registry/entity/keys/refresh", response_model=EntityOut, **GOVERNANCE_WRITE)
    def refresh_keys(entity_id: str = Query(max_length=2048)) -> Any:
        """A did:web entity's DID document read again: the keys it lists that the registry does
        not hold yet are registered (none is removed; retiring one is a key event)."""
        return service.refresh_keys(entity_id)

    @app.post("/registry/entity/keys/{kid}/events", response_model=EntityOut, status_code=201, **GOVERNANCE_WRITE)
    def key_event(body: KeyEventIn, kid: str = Path(max_length=256), entity_id: str = Query(max_length=2048)) -> Any:
        return service.key_event(entity_id, kid, body.event, effective_from=body.effective_from, reason=body.reason)

    @app.get("/registry/recognitions", response_model=list[RecognitionOut], **PUBLIC)
    def recognitions() -> Any:
        return service.recognitions()

    @app.post("/registry/recognitions", response_model=RecognitionOut, status_code=201, **GOVERNANCE_WRITE)
    def recognize(body: RecognitionIn) -> Any:
        return service.recognize(
            body.recognized_authority_id,
            action=body.action,
            resource=body.resource,
            valid_from=body.valid_from,
            valid_until=body.valid_until,
        )

    # -- onboarding --------------------------------------------------------------------
    @app.get("/registry/criteria", response_model=list[CriterionOut], **PUBLIC)
    def criteria(resource: list[str] = Query(default=[])) -> Any:
        return service.criteria(resource or None)

    @app.post("/registry/applications", response_model=AppliedOut, status_code=201, **documented(PUBLIC, 409))
    def apply(body: dict[str, Any] = Body(...)) -> Any:
        """Apply for accreditation; the answer carries the applicant token, shown this once."""
        return service.apply(body)

    @app.get("/registry/applications", response_model=list[ApplicationSummary], **GOVERNANCE)
    def applications() -> Any:
        return service.applications()

    @app.get(
        "/registry/applications/{app_id}",
        response_model=ApplicationOut,
        **owner(Role.GOVERNANCE, Role.ASSESSOR, Role.APPLICANT),
    )
    def application(app_id: str = app_path) -> Any:
        """One application (contacts are personal information: not public)."""
        return service.application(app_id)

    @app.post(
        "/registry/applications/{app_id}/conformance",
        response_model=ApplicationOut,
        **documented(owner(Role.APPLICANT, Role.GOVERNANCE), 409),
    )
    def conformance(request: Request, body: ConformanceIn, app_id: str = app_path) -> Any:
        record = service.application(app_id)
        if record["state"] in FINAL_STATES:
            # Checked before probing: a decided application's endpoints are not ours to call again.
            raise SandboxError(
                Reason.CONFLICT, f"application {app_id} was already decided ({record['state']})", status_code=409
            )
        from .conformance import run_conformance

        with outbound_client(settings) as http:  # the applicant's endpoints: a stranger's URLs
            report = run_conformance(
                record["credential_issuer"], http=http, clock=clock, offer=body.offer, tx_code=body.tx_code
            )
        return service.record_conformance(app_id, report.as_dict(), actor=actor(request))

    @app.put(
        "/registry/applications/{app_id}/assessment/{criterion}",
        response_model=ApplicationOut,
        **documented(owner(Role.ASSESSOR), 409),
    )
    def assess(body: AssessmentIn, app_id: str = app_path, criterion: str = Path(max_length=64)) -> Any:
        return service.assess(app_id, criterion, met=body.met, evidence=body.evidence)

    @app.post("/registry/applications/{app_id}/decision", response_model=ApplicationOut, **GOVERNANCE_WRITE)
    def decide(app_id: str = app_path, body: dict[str, Any] = Body(...)) -> Any:
        return service.decide(app_id, body)

    @app.get("/registry/jwks", response_model=JwksOut, **PUBLIC)
    def jwks() -> Any:
        return service.jwks()

    @app.get(
        "/registry/trust-list",
        response_class=Response,
        **PUBLIC,
        responses=media(MEDIA_TYPE, "The signed trust list (a JWT)"),
    )
    def trust_list() -> Response:
        return Response(service.trust_list(), media_type=MEDIA_TYPE, headers={"Cache-Control": "no-store"})

    # -- transparency ------------------------------------------------------------------
    @app.get("/registry/audit", response_model=list[AuditEntryOut], **PUBLIC)
    def audit(after: int = Query(0, ge=0, le=MAX_ID), limit: int = Query(1000, ge=1, le=10_000)) -> Any:
        return service.audit_log(after=after, limit=limit)

    @app.get("/registry/audit/verify", response_model=AuditCheckOut, **PUBLIC)
    def verify_audit() -> Any:
        return service.verify_audit_log()

    return app
