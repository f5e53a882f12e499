"""The embedded deployment: every service on one port, in one process, over real HTTP.

Each service is its own FastAPI app whose routes carry full paths; :class:`PathDispatcher`
hands each request to the app that owns its path prefix, without rewriting the path, so the
URLs are identical whether the services run together here or apart (docker-compose). Services
still call each other through HTTP clients, never through function calls.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI

from dashboard.app import SERVICE_NAME
from dashboard.app import create_app as create_dashboard_app
from dashboard.events import EventLog
from dashboard.runs import StorySandbox
from issuers.app import create_app as create_issuers_app
from issuers.hosting import HostedIssuersOnly, hosted_issuers
from issuers.jurisdictions import SANDBOX_ISSUERS
from issuers.service import IssuerService
from pctf import observability
from pctf.access import Role, also_recognize, configured_tokens
from pctf.ca import SandboxCA, trust_context
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

log = logging.getLogger("pctf.stack")


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


def unaccredited_issuers(settings: Settings) -> tuple[str, ...]:
    """The sandbox issuers ``PCTF_UNACCREDITED_ISSUERS`` leaves out of the registry; an id that
    names none of them is refused, named, rather than silently seeding everything."""
    for short_id in settings.unaccredited_issuers:
        if short_id not in SANDBOX_ISSUERS:
            raise SandboxError(
                Reason.SETTING_INVALID,
                f"PCTF_UNACCREDITED_ISSUERS: no sandbox issuer {short_id!r} (known: {', '.join(SANDBOX_ISSUERS)})",
            )
    return settings.unaccredited_issuers


def bootstrap(settings: Settings, clock: Clock, *, withhold: tuple[str, ...] | None = None) -> None:
    """Seed the registry with the sandbox's issuers and their current keys (idempotent).

    ``withhold`` names issuers left out, so a story can show one of them going through
    onboarding (apply, conformance, assessment, accreditation) instead; by default those
    ``PCTF_UNACCREDITED_ISSUERS`` names, so every start of the services, and every command that
    seeds the store, leaves them for a jurisdiction to onboard. An issuer already in the registry
    stays there: seeding never removes what governance decided.
    """
    issuers = IssuerService(settings, clock)
    registry = RegistryService(settings, clock)
    for entry in seed_entries(settings, issuers, withhold=withhold):
        seed_issuer(registry, **entry)


def seed_entries(
    settings: Settings, issuers: IssuerService, *, withhold: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """What the registry records of each issuer ``issuers`` hosts, withheld ones aside (default:
    ``PCTF_UNACCREDITED_ISSUERS``): the keyword arguments of :func:`registry.seed.seed_issuer`,
    the same whether the registry is seeded in process (:func:`bootstrap`) or over HTTP
    (:class:`RegistrySeeder`)."""
    if withhold is None:
        withhold = unaccredited_issuers(settings)
    return [
        {
            "entity_id": issuers.issuer_url(j.short_id),
            "name": j.name_en,
            "jurisdiction": j.jurisdiction,
            "jwks": issuers.jwks(j.short_id),
            "grants": list(j.grants),
        }
        for j in SANDBOX_ISSUERS.values()
        if j.short_id in issuers.hosted and j.short_id not in withhold
    ]


class RegistrySeeder:
    """An issuers process that runs apart from the registry registers its issuers there over HTTP
    (``POST /registry/entities/seed``, with ``PCTF_GOVERNANCE_TOKEN``), on a background thread
    that tries again, waiting longer each time, until the registry has taken them all: the
    process answers ``/healthz`` at once, and ``/readyz`` once the registry knows its issuers."""

    FIRST_WAIT_SECONDS = 0.2
    LONGEST_WAIT_SECONDS = 5.0

    def __init__(self, settings: Settings, issuers: IssuerService, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self.issuers = issuers
        self.http = http or make_client(settings)
        self.entries = seed_entries(settings, issuers)
        self.seeded = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self.run, name="registry-seeder", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def run(self) -> None:
        from registry.governance_client import GovernanceClient

        client = GovernanceClient(self.settings.service_url("registry"), self.http, self.settings.registry_authority_id)
        token = self.settings.resolved_governance_token()
        wait, pending = self.FIRST_WAIT_SECONDS, list(self.entries)
        while pending and not self.stopping.is_set():
            try:
                client.seed_issuer(**pending[0], token=token)
                pending.pop(0)
                continue
            except SandboxError as exc:
                log.warning("the registry has not taken %s yet: %s", pending[0]["entity_id"], exc.reason.value)
            self.stopping.wait(wait)
            wait = min(wait * 2, self.LONGEST_WAIT_SECONDS)
        if not pending:
            self.seeded.set()

    def check(self) -> None:
        """The readiness check: the registry has taken every issuer this process registers."""
        if not self.seeded.is_set():
            raise RuntimeError("the registry has not taken this process's issuers yet")


def build_app(
    settings: Settings,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
    *,
    withhold: tuple[str, ...] | None = None,
    bus: EventBus | None = None,
    log: EventLog | None = None,
) -> PathDispatcher:
    """Every service on one ASGI app. ``bus`` is the event bus the issuers use (default: the one
    ``PCTF_EVENT_BUS`` names, closed when the server shuts down). ``log`` is an event log to
    record into instead of a new one: a story's own sandbox records into the main dashboard's,
    so its live event page shows what crosses inside the story's sandbox too (that log outlives
    this app, so stopping it leaves the log open)."""
    clock = clock or SystemClock()
    bootstrap(settings, clock, withhold=withhold)
    http = http or make_client(settings)
    issuers = observed("issuers", create_issuers_app(settings, clock, bus=bus), settings)
    registry = observed("registry", create_registry_app(settings, clock), settings)
    # The wallet has its own vetted client: it fetches strangers' URLs.
    wallet = observed("wallet", create_wallet_app(settings, clock), settings)
    verifier = observed("verifier", create_verifier_app(settings, clock, http), settings, http)
    shared = log is not None
    log = log if log is not None else EventLog()
    events = log
    root = create_dashboard_app(
        settings,
        clock,
        http=http,
        log=log,
        # A story's sandbox runs on the real clock whatever this one's clock: its steps sleep
        # to whole seconds and the registry dates its decisions.
        story_sandbox=lambda story: story_sandbox(story, settings, log=events),
    )
    observed("dashboard", root, settings)
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
        on_shutdown=(issuers.state.shutdown,) if shared else (issuers.state.shutdown, log.close),
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


def build_service_app(
    service: str, settings: Settings, clock: Clock | None = None, *, issuers: tuple[str, ...] | None = None
):
    """One service alone, for deployments that run each in its own process (docker-compose).
    ``issuers``: the issuers an issuers process hosts (default: all; :func:`issuers.hosting.hosted_issuers`).
    The process finds the others only through settings: it registers its issuers with the
    registry at ``PCTF_REGISTRY_URL`` over HTTP (:class:`RegistrySeeder`), and reaches the issuers
    it does not host at their ``PCTF_ISSUER_URLS``."""
    clock = clock or SystemClock()
    configure_logging_once(settings)
    if issuers is not None and service != "issuers":
        raise SandboxError(Reason.BAD_REQUEST, "only the issuers service hosts a choice of issuers")
    if service == "issuers":
        hosted = hosted_issuers(issuers)
        unaccredited_issuers(settings)  # refused, named, before anything starts
        engine = IssuerService(settings, clock, hosted=hosted)
        app = create_issuers_app(settings, clock, engine)
        app.add_middleware(HostedIssuersOnly, hosted=engine.hosted)
        seeder = RegistrySeeder(settings, engine)
        app.router.on_startup.append(seeder.start)
        app.router.on_shutdown.append(seeder.stop)
        observability.add_readiness_check(app, "registry_seeded", seeder.check)
        return observed(service, app, settings)
    if service == "registry":
        return observed(service, create_registry_app(settings, clock), settings)
    if service == "wallet":
        return observed(service, create_wallet_app(settings, clock), settings)
    if service == "verifier":
        http = make_client(settings)
        return observed(service, create_verifier_app(settings, clock, http), settings, http)
    raise SandboxError(Reason.BAD_REQUEST, f"unknown service {service!r} (one of: {', '.join(SERVICES)})")


def configure_logging_once(settings: Settings) -> None:
    """The services' logs as ``PCTF_LOG_LEVEL`` and ``PCTF_LOG_FORMAT`` say, set up once per
    process: a story's own sandbox, started later in the same process, keeps that configuration."""
    if not observability.is_configured():
        observability.configure_logging(settings.log_level, settings.log_format)
    observability.configure_tracing(settings.tracing)  # PCTF_TRACING: off unless asked for (pctf.tracing)


def observed(service: str, app: FastAPI, settings: Settings, http: httpx.Client | None = None) -> FastAPI:
    """What ``<prefix>/readyz`` checks on ``service`` (its database through the engine it holds,
    the issuers' event broker, the registry a relying party reaches over HTTP), and the
    monitoring role's token, which reads its ``/metrics``."""
    state = app.state
    if service == "registry":
        observability.add_readiness_check(app, "database", observability.database_check(state.registry.db))
    elif service in ("issuers", "wallet", "verifier"):
        observability.add_readiness_check(app, "database", observability.database_check(state.service.db))
    if service == "issuers" and hasattr(state.bus, "ping"):
        observability.add_readiness_check(app, "event_broker", state.bus.ping)
    if service == "verifier" and http is not None:
        registry_health = f"{settings.service_url('registry')}/registry/healthz"
        observability.add_readiness_check(app, "registry", observability.http_check(http, registry_health))
    also_recognize(app, configured_tokens(Role.MONITORING, {"monitoring": settings.resolved_metrics_token()}))
    return app


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


def is_sandbox(url: str, verify: ssl.SSLContext | bool = True) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2, verify=verify).json().get("service") == SERVICE_NAME
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


# -- which sandbox a command uses ---------------------------------------------------------------
# `up` records in its data directory that it serves it; a command that needs the services uses
# the sandbox serving its own PCTF_DATA_DIR, or runs them itself on that data directory, and never
# one serving another data directory: the state a command sees is always PCTF_DATA_DIR's.
SANDBOX_RECORD = "sandbox.json"


def sandbox_record_path(settings: Settings) -> Path:
    return settings.data_dir / SANDBOX_RECORD


def _process_alive(pid: object) -> bool:
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, but alive
    return True


def serving_sandbox(settings: Settings) -> dict[str, Any] | None:
    """The record of the sandbox serving ``settings.data_dir`` (``url``, ``host``, ``port``,
    ``pid``), or None when there is none. A record left behind by a sandbox that did not stop
    cleanly (its process gone, or its URL not answering as a sandbox) is ignored."""
    try:
        record = json.loads(sandbox_record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("url"), str):
        return None
    if not isinstance(record.get("host"), str) or not isinstance(record.get("port"), int):
        return None
    if not _process_alive(record.get("pid")) or not is_sandbox(record["url"], trust_context(settings.data_dir)):
        return None
    return record


@contextmanager
def serving(settings: Settings) -> Iterator[Path]:
    """Record, for the time of the block, that this process serves ``settings.data_dir`` (its
    address, as a command on this machine reaches it, and its pid), so commands on that data
    directory use it; the record is removed at exit (only if it is still this process's own)."""
    configure_logging_once(settings)  # the server `up` runs logs; a command's own services keep quiet
    path = sandbox_record_path(settings)
    settings.ensure_data_dir()
    record = {
        "url": _local_url(settings),
        "host": settings.host,
        "port": settings.port,
        "public_url": settings.public_url,
        "tls": settings.tls,
        "pid": os.getpid(),
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    # uvicorn stops gracefully on SIGTERM, then raises it again: without a handler of ours that
    # would end the process before the record is removed.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        yield path
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()
        except (OSError, ValueError, AttributeError):
            pass


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _local_url(settings: Settings) -> str:
    """Where a command on this machine reaches the sandbox: its own address, or loopback when it
    listens on every interface."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else "::1" if settings.host == "::" else settings.host
    scheme = "https" if settings.tls else "http"
    return f"{scheme}://[{host}]:{settings.port}" if ":" in host else f"{scheme}://{host}:{settings.port}"


def server_certificate(settings: Settings) -> tuple[Path, Path]:
    """The key and certificate chain files of an HTTPS server for ``settings``: a fresh leaf from
    the sandbox CA (pctf.ca) for the host it listens on, the loopback names and the host of
    ``PCTF_PUBLIC_URL``, written into the data directory."""
    names = [settings.host, "localhost", "127.0.0.1", "::1", urlsplit(settings.base_url).hostname or ""]
    names = [n for n in names if n not in ("", "0.0.0.0", "::")]
    return SandboxCA.open(settings.ensure_data_dir()).write_server_files(names)


@dataclass
class Services:
    """The services a command talks to: ``settings`` point at them (the running sandbox's address
    when one serves the data directory); ``used`` says which, in one line, for the command to
    print on stderr once it has done its work (a failure stays one line); ``stop`` ends the ones
    this command started itself."""

    settings: Settings
    url: str
    used: str
    server: RunningServer | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def sandbox_services(settings: Settings, clock: Clock | None = None) -> Services:
    """The services for a command that needs them, on ``settings.data_dir``: the sandbox ``up``
    serves from that data directory when one is running, else the services started in this
    process on ``PCTF_HOST:PCTF_PORT`` until :meth:`Services.stop`. Refuses (CONFLICT) when
    that port is taken: a sandbox there serves another data directory, whose state this command
    must not see or change."""
    data_dir = settings.data_dir
    if settings.wallet_url:  # the services deployed apart (one process each): as configured
        used = f"used the services the PCTF_*_URL settings name (wallet at {settings.wallet_url})"
        return Services(settings, settings.base_url, used)
    record = serving_sandbox(settings)
    if record is not None:
        adopted = settings.model_copy(
            update={
                "host": record["host"],
                "port": record["port"],
                "public_url": record.get("public_url"),
                "tls": record.get("tls") is True,
            }
        )
        return Services(adopted, record["url"], f"used the sandbox at {record['url']} (data in {data_dir})")
    if port_in_use(settings.host, settings.port):
        url = _local_url(settings)
        if is_sandbox(url):
            raise SandboxError(
                Reason.CONFLICT,
                f"the sandbox at {url} serves another data directory, not {data_dir}; "
                "set PCTF_DATA_DIR to its data directory to use it, or PCTF_PORT to a free port",
                status_code=409,
            )
        raise SandboxError(
            Reason.CONFLICT,
            f"port {settings.port} is taken by another program; set PCTF_PORT to a free port",
            status_code=409,
        )
    server = start_in_thread(settings, clock or SystemClock())
    used = f"started the sandbox services in process at {server.url} (data in {data_dir})"
    return Services(settings, server.url, used, server)


def start_in_thread(
    settings: Settings,
    clock: Clock | None = None,
    *,
    withhold: tuple[str, ...] | None = None,
    bus: EventBus | None = None,
    log: EventLog | None = None,
) -> RunningServer:
    """The whole sandbox on ``settings.host:port``, on a background thread; ``withhold`` as for
    :func:`bootstrap` (default: the issuers ``PCTF_UNACCREDITED_ISSUERS`` names). Over HTTPS
    with ``PCTF_TLS`` (:func:`server_certificate`)."""
    # The certificate first: the services' clients, made with the app, trust the root as it is then.
    tls = server_certificate(settings) if settings.tls else None
    app = build_app(settings, clock, withhold=withhold, bus=bus, log=log)
    return serve_in_thread(app, settings.host, settings.port, settings.base_url, tls=tls)


def serve_in_thread(
    app, host: str, port: int, url: str | None = None, *, tls: tuple[Path, Path] | None = None
) -> RunningServer:
    """Any ASGI app on a background uvicorn server; returns once it accepts connections. ``tls``:
    the key and certificate chain files it serves HTTPS with."""
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
        ssl_keyfile=str(tls[0]) if tls else None,
        ssl_certfile=str(tls[1]) if tls else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="pctf-sandbox-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SandboxError(Reason.CONFLICT, f"the sandbox could not start on {host}:{port}", status_code=500)
        time.sleep(0.02)
    return RunningServer(server, thread, url or f"{'https' if tls else 'http'}://{host}:{port}")


# -- a sandbox of its own for a story ----------------------------------------------------------
# The stories that change a registry for good, and the issuer each one's sandbox starts without:
# the one the story brings in (onboarding accredits then suspends Territory 2; cross-jurisdiction
# and the federal sign-in have Territory 1 accredited by a framework of its own, which the
# registry then recognizes).
STORY_WITHHOLDS: dict[str, tuple[str, ...]] = {"onboarding": ("terr2",), "cross": ("terr1",), "signin": ("terr1",)}
# The stories that run beside Territory 1's own framework registry.
FRAMEWORK_STORIES = ("cross", "signin")


def story_settings(base: Settings, data_dir: Path) -> Settings:
    """Settings for a story that runs in a sandbox of its own: a fresh data dir, a free port,
    embedded storage, every service on that one port, events in process (a story's events must
    never reach a sandbox that shares a broker)."""
    return base.model_copy(
        update={
            "data_dir": data_dir,
            "port": free_port(base.host),
            "public_url": None,
            "tls": False,
            "registry_url": None,
            "issuers_url": None,
            "wallet_url": None,
            "verifier_url": None,
            "database_url": None,
            "event_bus": "memory://",
        }
    )


@contextmanager
def story_sandbox(
    story: str,
    base: Settings,
    *,
    log: EventLog | None = None,
    clock: Clock | None = None,
    data_dir: Path | None = None,
) -> Iterator[StorySandbox]:
    """A sandbox of its own for ``story`` (one of :data:`STORY_WITHHOLDS`), so it never changes
    the one ``base`` describes: a temporary data directory, every service on a free loopback port
    with the story's issuer left out of the registry, and for ``cross`` and ``signin``
    (:data:`FRAMEWORK_STORIES`) Territory 1's own framework registry on another free port.
    Yields the settings and the story's keyword arguments (its role tokens); on exit every
    server stops and the temporary directory goes.

    ``log`` records what crosses inside it (the main dashboard's event log); ``data_dir`` keeps
    the story's sandbox data there instead of in the temporary directory.
    """
    withhold = STORY_WITHHOLDS.get(story)
    if withhold is None:
        raise SandboxError(
            Reason.BAD_REQUEST, f"no sandbox of its own for the {story!r} story (one of: {', '.join(STORY_WITHHOLDS)})"
        )
    clock = clock or SystemClock()
    # Only this process talks to it, so it listens on loopback whatever the main sandbox listens on.
    base = base.model_copy(update={"host": "127.0.0.1"})
    tmp = Path(tempfile.mkdtemp(prefix=f"pctf-{story}-"))
    servers: list[RunningServer] = []
    try:
        if story in FRAMEWORK_STORIES:
            s = story_settings(base, data_dir or tmp / "sandbox")
            server, framework = _serve_framework(s, tmp / "terr1-framework", clock)
            servers.append(server)
            kwargs: dict[str, Any] = {**framework, "governance_token": s.resolved_governance_token()}
        else:
            s = story_settings(base, data_dir or tmp)
            kwargs = {
                "governance_token": s.resolved_governance_token(),
                "assessor_token": s.resolved_assessor_token(),
            }
        servers.append(start_in_thread(s, clock, withhold=withhold, log=log))
        yield StorySandbox(s, kwargs)
    finally:
        for server in reversed(servers):
            server.stop()
        _close_storage_under(tmp, data_dir)
        shutil.rmtree(tmp, ignore_errors=True)


def _serve_framework(s: Settings, data_dir: Path, clock: Clock) -> tuple[RunningServer, dict[str, str]]:
    """Territory 1's own framework registry, beside the sandbox ``s`` describes: on a free port of
    ``s.host``, its data in ``data_dir``. Returns its server, and its authority id and governance
    token as the framework stories take them (``framework_api``, ``framework_token``)."""
    port = free_port(s.host)
    framework = s.model_copy(
        update={
            "data_dir": data_dir,
            "port": port,
            "registry_url": f"http://{s.host}:{port}",
            "governance_token": None,
        }
    )
    server = serve_in_thread(create_registry_app(framework, clock), framework.host, framework.port)
    return server, {
        "framework_api": framework.registry_authority_id,
        "framework_token": framework.resolved_governance_token(),
    }


@contextmanager
def framework_beside(base: Settings, clock: Clock | None = None) -> Iterator[dict[str, str]]:
    """Territory 1's own framework registry alone, for a framework story told against a running
    deployment (``demo --against``): on a free loopback port, in a temporary data directory,
    until the block ends. Yields ``framework_api`` and ``framework_token``. The deployment's
    verifier must reach it there, so the deployment runs on this machine."""
    tmp = Path(tempfile.mkdtemp(prefix="pctf-terr1-framework-"))
    s = story_settings(base.model_copy(update={"host": "127.0.0.1"}), tmp)
    server = None
    try:
        server, framework = _serve_framework(s, tmp / "terr1-framework", clock or SystemClock())
        yield framework
    finally:
        if server is not None:
            server.stop()
        _close_storage_under(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def _close_storage_under(*dirs: Path | None) -> None:
    """Close the pooled database connections into the story's data directories, so none is left
    open on a file about to be removed (the main sandbox's connections stay as they are)."""
    from pctf.storage import dispose_under

    for directory in dirs:
        if directory is not None:
            dispose_under(directory)
