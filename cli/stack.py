"""The embedded deployment: every service on one port, in one process, over real HTTP.

Each service is its own FastAPI app whose routes carry full paths; :class:`PathDispatcher`
hands each request to the app that owns its path prefix, without rewriting the path, so the
URLs are identical whether the services run together here or apart (docker-compose). Services
still call each other through HTTP clients, never through function calls.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from dashboard.app import SERVICE_NAME
from dashboard.app import create_app as create_dashboard_app
from dashboard.events import EventLog
from issuers.app import create_app as create_issuers_app
from issuers.jurisdictions import SANDBOX_ISSUERS
from issuers.service import IssuerService
from pctf.clock import Clock, SystemClock
from pctf.events import EventBus
from pctf.http import make_client
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from registry.app import create_app as create_registry_app
from registry.seed import seed_issuer
from registry.service import RegistryService
from verifier.app import create_app as create_verifier_app
from wallet.app import create_app as create_wallet_app


class PathDispatcher:
    """Route by path prefix to ASGI apps; answers the lifespan protocol for all of them."""

    def __init__(
        self,
        routes: list[tuple[str, FastAPI]],
        default: FastAPI,
        *,
        on_shutdown: tuple[Callable[[], object], ...] = (),
        log: EventLog | None = None,
    ) -> None:
        self.routes = routes
        self.default = default
        self.on_shutdown = on_shutdown  # the mounted apps' own shutdown work (their lifespans are not run)
        self.log = log  # the dashboard's event log: what crosses between the services

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    for stop in self.on_shutdown:
                        stop()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = scope.get("path", "")
        target = next(
            (app for prefix, app in self.routes if path == prefix or path.startswith(prefix + "/")), self.default
        )
        if self.log is None or scope["type"] != "http" or target is self.default:
            return await target(scope, receive, send)
        await self.log.observe(target, scope, receive, send)


def bootstrap(settings: Settings, clock: Clock, *, withhold: tuple[str, ...] = ()) -> None:
    """Seed the registry with the sandbox's issuers and their current keys (idempotent).

    ``withhold`` names issuers left out, so a story can show one of them going through
    onboarding (apply, conformance, assessment, accreditation) instead.
    """
    issuers = IssuerService(settings, clock)
    registry = RegistryService(settings, clock)
    for j in SANDBOX_ISSUERS.values():
        if j.short_id in withhold:
            continue
        seed_issuer(
            registry,
            issuers.issuer_url(j.short_id),
            name=j.name_en,
            jurisdiction=j.jurisdiction,
            jwks=issuers.jwks(j.short_id),
            grants=list(j.grants),
        )


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
    *,
    withhold: tuple[str, ...] = (),
    bus: EventBus | None = None,
) -> PathDispatcher:
    """Every service on one ASGI app. ``bus`` is the event bus the issuers use (default: the one
    ``PCTF_EVENT_BUS`` names, closed when the server shuts down)."""
    clock = clock or SystemClock()
    bootstrap(settings, clock, withhold=withhold)
    http = http or make_client(settings)
    issuers = create_issuers_app(settings, clock, bus=bus)
    registry = create_registry_app(settings, clock)
    wallet = create_wallet_app(settings, clock)  # its own vetted client: it fetches strangers' URLs
    verifier = create_verifier_app(settings, clock, http)
    log = EventLog()
    root = create_dashboard_app(settings, clock, http=http, log=log)
    return PathDispatcher(
        [
            ("/registry", registry),
            ("/issuers", issuers),
            ("/.well-known/openid-credential-issuer", issuers),
            ("/.well-known/oauth-authorization-server", issuers),
            ("/.well-known/jwt-vc-issuer", issuers),
            ("/wallet", wallet),
            ("/verifier", verifier),
        ],
        root,
        on_shutdown=(issuers.state.shutdown, log.close),
        log=log,
    )


SERVICES = ("registry", "issuers", "wallet", "verifier")
# How long a stopping server waits for open responses (a dashboard's live event stream) to end.
STREAM_GRACE_SECONDS = 3


def openapi_documents(dispatcher: PathDispatcher) -> dict[str, dict[str, Any]]:
    """Each mounted service's OpenAPI document by service name, and the dashboard (the root app)'s as ``dashboard``."""
    documents: dict[str, dict[str, Any]] = {}
    for prefix, app in dispatcher.routes:
        name = prefix.strip("/")
        if name in SERVICES and name not in documents:
            documents[name] = app.openapi()
    documents["dashboard"] = dispatcher.default.openapi()
    return documents


def build_service_app(service: str, settings: Settings, clock: Clock | None = None):
    """One service alone, for deployments that run each in its own process (docker-compose)."""
    clock = clock or SystemClock()
    if service == "issuers":
        bootstrap(settings, clock)  # the issuers publish their keys to the registry they share a database with
        return create_issuers_app(settings, clock)
    if service == "registry":
        return create_registry_app(settings, clock)
    if service == "wallet":
        return create_wallet_app(settings, clock)
    if service == "verifier":
        return create_verifier_app(settings, clock)
    raise SandboxError(Reason.BAD_REQUEST, f"unknown service {service!r} (one of: {', '.join(SERVICES)})")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def open_when_up(host: str, port: int, url: str, *, timeout: float = 30.0) -> threading.Thread:
    """Open ``url`` in the default web browser once the server accepts connections (in the background)."""
    import webbrowser

    def wait_then_open() -> None:
        deadline = time.monotonic() + timeout
        while not port_in_use(host, port):
            if time.monotonic() > deadline:
                return
            time.sleep(0.2)
        webbrowser.open(url)

    thread = threading.Thread(target=wait_then_open, name="open-dashboard", daemon=True)
    thread.start()
    return thread


def is_sandbox(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).json().get("service") == SERVICE_NAME
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


@dataclass
class RunningServer:
    """A uvicorn server on a background thread, for the demo and for tests."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_in_thread(
    settings: Settings, clock: Clock | None = None, *, withhold: tuple[str, ...] = (), bus: EventBus | None = None
) -> RunningServer:
    """The whole sandbox on ``settings.host:port``, on a background thread."""
    return serve_in_thread(
        build_app(settings, clock, withhold=withhold, bus=bus), settings.host, settings.port, settings.base_url
    )


def serve_in_thread(app, host: str, port: int, url: str | None = None) -> RunningServer:
    """Any ASGI app on a background uvicorn server; returns once it accepts connections."""
    if port_in_use(host, port):
        raise SandboxError(
            Reason.CONFLICT, f"port {port} on {host} is already in use; set PCTF_PORT to a free port", status_code=409
        )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=STREAM_GRACE_SECONDS,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="pctf-sandbox-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SandboxError(Reason.CONFLICT, f"the sandbox could not start on {host}:{port}", status_code=500)
        time.sleep(0.02)
    return RunningServer(server, thread, url or f"http://{host}:{port}")
