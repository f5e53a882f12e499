"""The registry's HTTP face: TRQP queries, entity lookup, metadata and governance writes.

Routes carry their full ``/registry/...`` path because the app is not mounted under a prefix:
the embedded dispatcher routes by path prefix, and a separate container serves the same paths.
Endpoints are plain ``def`` (run in the thread pool): the service does blocking database work
and other services call it over HTTP from their own threads.

Reads and TRQP queries are public (the registry is the ecosystem's dial tone); every write
needs the governance role's bearer token, so an issuer can never accredit itself.
"""
from __future__ import annotations

from fastapi import Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, ConfigDict, StrictInt

from pctf.clock import Clock
from pctf.settings import Settings
from pctf.web import require_bearer, service_app

from .service import RegistryService

_MAX_ID = 2**63 - 1


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
    app = service_app("/registry", "PCTF Sandbox Trust Registry",
                      "Who may issue what, at which level of assurance (ToIP TRQP v2).")
    app.state.registry = service

    def governance(request: Request) -> None:
        # A dependency runs before the body is validated: without the token, nothing is said
        # about what the body would have done.
        require_bearer(request, settings.resolved_governance_token())

    guarded = [Depends(governance)]

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
    def set_authorization_status(body: StatusIn, auth_id: int = Path(ge=1, le=_MAX_ID)) -> dict:
        return service.set_authorization_status(auth_id, body.status)

    @app.patch("/registry/entity/status", dependencies=guarded)
    def set_entity_status(body: StatusIn, entity_id: str = Query(max_length=2048)) -> dict:
        return service.set_entity_status(entity_id, body.status)

    return app
