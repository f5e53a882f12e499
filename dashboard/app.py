"""The dashboard's web app: the sandbox's front door at ``/``, its pages under ``/ui/``.

Who may see what follows :mod:`pctf.access` like every service: the home page, the registry
explorer and the language switch are public; the stories, the wallets and the event log act with
the operator's keyring and belong to the presenter, who logs in with the presenter token (the
link ``pctf-sandbox up`` prints sets it as a cookie); governance actions in the explorer go to
the registry with the governance token the browser logged in with. Cookies are HttpOnly and
SameSite=Strict, and a form posted from another origin is refused, so another site cannot act
with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.access import AttemptLimiter, Role, client_key, configured_tokens, install, owner
from pctf.clock import Clock
from pctf.http import make_client
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.web import error_response, service_app
from scenarios.keyring import operator_client

from . import events as event_pages
from . import explorer, home, simulations, stories, wallets
from .events import EventLog
from .i18n import LANGS
from .pages import (
    GOVERNANCE_COOKIE,
    PAGE,
    PAGE_STATUSES,
    PRESENTER_COOKIE,
    SEE_OTHER,
    Dashboard,
    page_route,
    redirect,
    remember_lang,
    render,
    safe_next,
)
from .runs import SandboxProvider

SERVICE_NAME = "pctf-sandbox"
API_SERVICES = ("registry", "issuers", "wallet", "verifier")
STATIC = Path(__file__).resolve().parent / "static"
# Each story run and event stream holds server resources: a login is needed before either.
PRESENTER = owner(Role.PRESENTER)


class SameOrigin:
    """Refuse a form or script posted from another origin (403): the session cookies are
    SameSite=Strict already; this also covers browsers that ignore that attribute."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(scope.get("headers") or ())
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and origin != "null" and origin.split("://", 1)[-1] != host:
                response = error_response(Reason.FORBIDDEN, "this form was posted from another site", 403)
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _session_cookie(response: Any, name: str, token: str, secure: bool) -> None:
    response.set_cookie(name, token, httponly=True, samesite="strict", secure=secure, path="/")


def _document_pages(app: FastAPI) -> None:
    """The OpenAPI document says what the pages really answer: each page may fail with the
    statuses in :data:`PAGE_STATUSES`, as a page for a browser (``text/html``) or as a reason
    code for any other client (``application/json``)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        error = {"$ref": "#/components/schemas/ErrorOut"}
        for operations in document["paths"].values():
            for operation in operations.values():
                success = operation["responses"].get("200", {}).get("content", {})
                if not any(media.startswith("text/") for media in success):
                    continue  # an API route (health, service index): its errors are documented as they are
                for status in PAGE_STATUSES:
                    operation["responses"].setdefault(str(status), {"description": "Not done: see why"})
                for status, answer in operation["responses"].items():
                    if status.isdigit() and int(status) >= 400:
                        answer["content"] = {
                            "application/json": {"schema": error},
                            "text/html": {"schema": {"type": "string"}},
                        }
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    settings: Settings,
    clock: Clock,
    *,
    http: httpx.Client | None = None,
    log: EventLog | None = None,
    story_sandbox: SandboxProvider | None = None,
) -> FastAPI:
    """The dashboard, reaching the services at ``settings``' URLs; ``log`` is the event log the
    deployment records what crosses between services into (:class:`dashboard.events.EventLog`).

    ``story_sandbox`` starts a sandbox of its own for a story that changes a registry for good
    (:data:`dashboard.runs.SandboxProvider`): only a deployment can start services, so without
    it those stories run from the command line only."""
    app = service_app(
        "",
        "PCTF sandbox",
        "The sandbox's front door: the dashboard's pages, and where every service is.",
        max_body_bytes=settings.max_body_bytes,
    )
    presenter = configured_tokens(Role.PRESENTER, {"presenter": settings.resolved_presenter_token()})
    governance = configured_tokens(Role.GOVERNANCE, {"governance": settings.resolved_governance_token()})

    def identify(token: str):
        return presenter(token) or governance(token)

    limiter = AttemptLimiter(settings.auth_failure_limit, settings.auth_failure_window_seconds)
    install(app, identify, limiter)
    app.state.session_cookies = (PRESENTER_COOKIE, GOVERNANCE_COOKIE)
    app.state.dashboard = Dashboard(
        settings=settings,
        clock=clock,
        public=http or make_client(settings),
        operator=operator_client(settings),
        identify=identify,
    )
    app.state.events = log or EventLog()
    app.state.story_sandbox = story_sandbox
    app.add_middleware(SameOrigin)
    app.mount("/ui/assets", StaticFiles(directory=STATIC), name="assets")
    secure = settings.base_url.startswith("https://")

    @app.exception_handler(SandboxError)
    async def _page_error(request: Request, exc: SandboxError) -> Any:
        """A page a browser asked for fails as a page, in its language; API callers get the JSON reason."""
        if not _wants_html(request):
            return error_response(exc.reason, exc.message, exc.status_code, exc.headers)
        if exc.status_code == 401:
            return render(request, "login.html", status_code=401, next=request.url.path, failed=False)
        return render(request, "error.html", status_code=exc.status_code, reason=exc.reason.value, message=exc.message)

    @app.get("/health", **owner(Role.PUBLIC))
    def health() -> dict:
        return {"service": SERVICE_NAME, "status": "ok"}

    @app.get("/services", **owner(Role.PUBLIC))
    def services() -> dict:
        """Where every service of this deployment is, and its API docs."""
        return {
            "service": SERVICE_NAME,
            "dashboard": f"{settings.base_url}/",
            "registry": f"{settings.service_url('registry')}/registry/metadata",
            "issuers": f"{settings.service_url('issuers')}/issuers",
            # Each issuer at the process that serves it (PCTF_ISSUER_URLS), as it signs.
            "issuer_ids": {short_id: settings.issuer_id(short_id) for short_id in SANDBOX_ISSUERS},
            "verifiers": f"{settings.service_url('verifier')}/verifier",
            "api_docs": {
                n: f"{settings.service_url(n)}/{n}/docs" for n in ("registry", "issuers", "wallet", "verifier")
            },
        }

    @app.get("/ui/lang/{lang}", response_class=RedirectResponse, **page_route(Role.PUBLIC, responses=SEE_OTHER))
    def switch_language(lang: str, next: str = Query("/", max_length=2000)) -> Any:
        """Show the dashboard in ``lang`` (en or fr) from now on, back on the page the switch was on."""
        if lang not in LANGS:
            raise SandboxError(Reason.NOT_FOUND, f"no language {lang!r} (en or fr)", status_code=404)
        response = redirect(next)
        remember_lang(response, lang)
        return response

    @app.get("/ui/login", response_class=HTMLResponse, **page_route(Role.PUBLIC, responses={**PAGE, **SEE_OTHER}))
    def login_page(
        request: Request,
        token: str | None = Query(None, max_length=512),
        next: str = Query("/", max_length=2000),
    ) -> Any:
        """The presenter's login form; with ``token`` (the link ``pctf-sandbox up`` prints) it logs
        this browser in and goes on to ``next``."""
        if token is None:
            return render(request, "login.html", next=safe_next(next), failed=False)
        return _log_in(request, token, next)

    @app.post("/ui/login", response_class=HTMLResponse, **page_route(Role.PUBLIC, responses={**PAGE, **SEE_OTHER}))
    def login(request: Request, token: str = Form(..., max_length=512), next: str = Form("/", max_length=2000)) -> Any:
        """Log this browser in as the presenter with the presenter token."""
        return _log_in(request, token, next)

    def _log_in(request: Request, token: str, next: str) -> Any:
        key = client_key(request)
        limiter.check(key)
        principal = presenter(token.strip())
        if principal is None:
            limiter.failed(key)
            return render(request, "login.html", status_code=401, next=safe_next(next), failed=True)
        response = redirect(next)
        _session_cookie(response, PRESENTER_COOKIE, token.strip(), secure)
        return response

    @app.post("/ui/logout", response_class=RedirectResponse, **page_route(Role.PUBLIC, responses=SEE_OTHER))
    def logout() -> Any:
        """Forget this browser's presenter and governance logins."""
        response = redirect("/")
        response.delete_cookie(PRESENTER_COOKIE, path="/")
        response.delete_cookie(GOVERNANCE_COOKIE, path="/")
        return response

    _document_pages(app)
    app.include_router(home.router)
    app.include_router(stories.router)
    app.include_router(wallets.router)
    app.include_router(explorer.router)
    app.include_router(event_pages.router)
    app.include_router(simulations.router)
    return app
