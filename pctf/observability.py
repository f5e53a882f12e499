"""Logs, request ids and metrics: how an operator sees what the services do, without seeing
what they carry.

* **Logs** are configured once, at start (:func:`configure_logging`): ``PCTF_LOG_LEVEL`` (``info``
  by default) and ``PCTF_LOG_FORMAT`` (``text`` by default, or ``json``: one object a line). Only
  the project's own loggers get the handler: a library's logger may write a URL with its query
  string (``httpx`` logs every request at INFO), and a query string may carry a code or a token.
* **Request ids**: every request gets one (:class:`RequestContext`): the caller's ``X-Request-ID``
  when it is well-formed (:data:`REQUEST_ID_PATTERN`), else a new one. It is echoed in the
  response, written on every log line while the request is handled, and sent on every call a
  service makes meanwhile (:func:`outbound_hooks`, installed in the project's HTTP clients), so
  one request can be followed from service to service.
* **Metrics** (Prometheus, :data:`REGISTRY`, one per process): requests by route *template*
  (never the raw path: identifiers and tokens stay out of labels), method and status, their
  latency, issuances, verifications, events and status list reads. Every label value comes
  from a bounded set the code knows, never from what a caller typed.
* **Traces** (OpenTelemetry, optional: :mod:`pctf.tracing`, ``PCTF_TRACING``): when on, each
  request is a span named for its route template, child of the caller's W3C ``traceparent``, and
  each outbound call a span whose context the next service receives, in the same two places that
  handle request ids. When off, nothing of OpenTelemetry's SDK is loaded.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import IO, Any

import httpx
from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import tracing
from .tracing import configure_tracing as configure_tracing  # set up with the logs, at start

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and ``._-``, 8 to 64 of them: enough for a UUID or a tracing id, and nothing a
# log line or a header could be forged with.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{8,64}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("pctf_request_id", default=None)

# The loggers the project writes to (its packages' names); libraries' loggers are left alone.
PROJECT_LOGGERS = ("pctf", "issuers", "registry", "wallet", "verifier", "dashboard", "cli", "scenarios")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")

# -- request ids -------------------------------------------------------------------------------


def current_request_id() -> str | None:
    """The id of the request being handled, None outside one."""
    return _request_id.get()


def accepted_request_id(offered: str | None) -> str:
    """The caller's request id when it is well-formed, else a new one."""
    if offered and REQUEST_ID_PATTERN.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def _add_request_id(request: httpx.Request) -> None:
    request_id = current_request_id()
    if request_id is not None and REQUEST_ID_HEADER not in request.headers:
        request.headers[REQUEST_ID_HEADER] = request_id


def _trace_call(request: httpx.Request) -> None:
    if tracing.active():
        tracing.start_client_span(request)


def outbound_hooks(event_hooks: dict[str, list[Callable[..., Any]]] | None = None) -> dict[str, list[Any]]:
    """``event_hooks`` for an ``httpx.Client`` that carry the current request id, and the trace
    context when tracing is on, to the next service: the one place every service-to-service call
    gets them."""
    hooks = {name: list(items) for name, items in (event_hooks or {}).items()}
    hooks.setdefault("request", [])[:0] = [_add_request_id, _trace_call]
    hooks.setdefault("response", []).insert(0, tracing.end_client_span)
    return hooks


# -- logs --------------------------------------------------------------------------------------


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time level logger [request id] message``, for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(request_part)s%(message)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_part = f"[{request_id}] " if request_id else ""
        return super().format(record)


class _ProjectHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` installs; marked so configuring again replaces it.
    Without a stream of its own it writes to whatever ``sys.stderr`` is when a line is written."""

    def __init__(self, stream: IO[str] | None) -> None:
        super().__init__(stream or sys.stderr)
        self.follows_stderr = stream is None

    def emit(self, record: logging.LogRecord) -> None:
        if self.follows_stderr:
            self.stream = sys.stderr
        super().emit(record)


def configure_logging(level: str = "info", fmt: str = "text", stream: IO[str] | None = None) -> logging.Handler:
    """Send the project's logs at ``level`` and above to ``stream`` (stderr), as ``fmt``. Called
    once at start; calling again replaces the previous configuration rather than doubling lines."""
    if level.lower() not in LOG_LEVELS:
        raise ValueError(f"log level {level!r} is not one of {', '.join(LOG_LEVELS)}")
    if fmt.lower() not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r} is not one of {', '.join(LOG_FORMATS)}")
    handler = _ProjectHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt.lower() == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    for name in PROJECT_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if isinstance(h, _ProjectHandler)]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(level.upper())
    return handler


def is_configured() -> bool:
    """Whether :func:`configure_logging` has run in this process."""
    return any(isinstance(h, _ProjectHandler) for h in logging.getLogger(PROJECT_LOGGERS[0]).handlers)


def unconfigure_logging(handler: logging.Handler) -> None:
    """Take back a handler :func:`configure_logging` installed (tests, a command that ends)."""
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).removeHandler(handler)
    handler.close()


# -- metrics -----------------------------------------------------------------------------------
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)

HTTP_REQUESTS = Counter(
    "pctf_http_requests",
    "HTTP requests answered, by service, route template, method and status",
    ["service", "route", "method", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "pctf_http_request_duration_seconds",
    "Time to answer an HTTP request, by service, route template and method",
    ["service", "route", "method"],
    registry=REGISTRY,
)
ISSUANCES = Counter(
    "pctf_issuances", "Credentials issued, by issuer and credential type", ["issuer", "vct"], registry=REGISTRY
)
VERIFICATIONS = Counter(
    "pctf_verifications",
    "Presentations verified, by relying party, verdict (accepted/refused) and reason code",
    ["relying_party", "verdict", "reason"],
    registry=REGISTRY,
)
EVENTS_PUBLISHED = Counter(
    "pctf_events_published", "Events published on the event bus, by topic", ["topic"], registry=REGISTRY
)
EVENTS_DELIVERED = Counter(
    "pctf_events_delivered",
    "Events handed to a subscriber, by topic and outcome",
    ["topic", "outcome"],
    registry=REGISTRY,
)
EVENTS_REDELIVERED = Counter(
    "pctf_events_redelivered",
    "Events a broker delivered again (an earlier delivery unacknowledged), by topic",
    ["topic"],
    registry=REGISTRY,
)
STATUS_LIST_READS = Counter(
    "pctf_status_list_reads", "Status List Tokens served, by issuer", ["issuer"], registry=REGISTRY
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The route that serves Status List Tokens (issuers/app.py); counted by the issuer it names.
STATUS_LIST_ROUTE = "/issuers/{issuer}/status-lists/{list_id}"


def record_verification(rp_id: str, verdict: dict[str, Any]) -> None:
    """Count one verdict: accepted, or refused once per reason code it gives."""
    if verdict.get("accepted"):
        VERIFICATIONS.labels(rp_id, "accepted", "").inc()
        return
    reasons = [r for r in verdict.get("reasons") or () if isinstance(r, str)] or ["unspecified"]
    for reason in reasons:
        VERIFICATIONS.labels(rp_id, "refused", reason).inc()


class RequestContext:
    """Per request: its id (echoed in ``X-Request-ID``, set for logs and outbound calls), the
    access log line, the request metrics and, when tracing is on, its span. Labels and the span
    name the route's *template*, so identifiers and tokens in a path never become label values
    (a path no route matched is ``(no route)``)."""

    def __init__(self, app: ASGIApp, service: str, access_log: logging.Logger) -> None:
        self.app = app
        self.service = service
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        offered = dict(scope.get("headers") or ()).get(REQUEST_ID_HEADER.lower().encode())
        request_id = accepted_request_id(offered.decode("latin-1") if offered else None)
        token = _request_id.set(request_id)
        started, status = time.perf_counter(), 500
        method = scope.get("method", "")
        method = method if method in _METHODS else "OTHER"
        span = tracing.start_server_span(scope.get("headers") or (), method, self.service) if tracing.active() else None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "(no route)"
            HTTP_REQUESTS.labels(self.service, route, method, str(status)).inc()
            HTTP_LATENCY.labels(self.service, route, method).observe(elapsed)
            if route == STATUS_LIST_ROUTE and status == 200:
                STATUS_LIST_READS.labels(str(scope.get("path_params", {}).get("issuer", ""))).inc()
            self.access_log.info("%s %s %d %.1fms", method, route, status, elapsed * 1000)
            if span is not None:
                tracing.end_server_span(span, None if route == "(no route)" else route, status)
            _request_id.reset(token)


# -- health, readiness and metrics endpoints ---------------------------------------------------
Check = Callable[[], object]
READINESS_TIMEOUT_SECONDS = 2.0


def add_readiness_check(app: FastAPI, name: str, check: Check) -> None:
    """Make ``<prefix>/readyz`` run ``check`` (a cheap query of a dependency, which raises when it
    cannot answer); its answer names the check, never the error's text (it may hold a host name)."""
    checks: dict[str, Check] = getattr(app.state, "readiness", None) or {}
    checks[name] = check
    app.state.readiness = checks


def database_check(engine: Any) -> Check:
    """One ``SELECT 1`` through the engine the service already holds."""
    from sqlalchemy import text

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check


def http_check(http: httpx.Client, url: str) -> Check:
    """A service this one depends on answers ``url`` (its ``/healthz``) with 200."""

    def check() -> None:
        http.get(url, timeout=READINESS_TIMEOUT_SECONDS).raise_for_status()

    return check


def readiness(app: FastAPI) -> tuple[bool, dict[str, str]]:
    """Every readiness check of ``app``: whether all passed, and each one's result."""
    results: dict[str, str] = {}
    for name, check in (getattr(app.state, "readiness", None) or {}).items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means not ready; its text may name a host: not shown
            logging.getLogger("pctf.readiness").warning("readiness check %s failed: %s", name, exc.__class__.__name__)
            results[name] = "failed"
    return all(r == "ok" for r in results.values()), results


class HealthOut(BaseModel):
    status: str


class ReadyOut(BaseModel):
    status: str
    checks: dict[str, str]


def install_endpoints(app: FastAPI, prefix: str) -> None:
    """``<prefix>/healthz`` (live), ``<prefix>/readyz`` (ready) and ``<prefix>/metrics``
    (Prometheus text, for the monitoring role) on one service. Health answers are public and
    say nothing about the deployment: no versions, host names or counts."""
    from .access import Role, owner  # pctf.access builds on pctf.web, which installs these

    @app.get(f"{prefix}/healthz", response_model=HealthOut, **owner(Role.PUBLIC))
    def healthz() -> Any:
        """Live: the process answers."""
        return {"status": "ok"}

    @app.get(
        f"{prefix}/readyz",
        response_model=ReadyOut,
        responses={503: {"model": ReadyOut, "description": "A dependency failed its check"}},
        **owner(Role.PUBLIC),
    )
    def readyz() -> Any:
        """Ready: its database answers a query, and its event broker and the registry it depends
        on answer, where it has them. 503 names the checks that failed."""
        ready, checks = readiness(app)
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    monitoring = owner(Role.MONITORING)
    monitoring["responses"] = {
        **monitoring["responses"],
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text exposition"},
    }

    @app.get(f"{prefix}/metrics", response_class=Response, **monitoring)
    def metrics() -> Response:
        """This process's metrics (every service it runs, by the ``service`` label)."""
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
