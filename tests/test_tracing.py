"""OpenTelemetry tracing: one trace follows a request from service to service, and carries
nothing a request carries.

Sasha's story runs once on a real sandbox on loopback with tracing on and its spans kept in
memory: the call one service makes to another is a CLIENT span whose context the callee receives
in ``traceparent`` and whose child is the callee's SERVER span; no span holds a persona's name,
birthdate or address, a token, a code, a raw path or a query string. With tracing off, the
services load nothing of OpenTelemetry beyond what FastAPI loads by itself.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from cli.stack import build_app
from pctf import observability, tracing
from pctf.http import make_client
from pctf.settings import Settings
from pctf.storage import dispose_all
from scenarios import sasha
from scenarios.keyring import Keyring
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import SECRET_KEYS, free_port, persona_values, serve

ROOT = Path(__file__).resolve().parent.parent
# What a span may say about a request: nothing a caller chose but the method.
ATTRIBUTES = {
    "http.request.method",
    "http.route",
    "http.response.status_code",
    "pctf.service",
    "server.address",
    "server.port",
    "error.type",
}
# A caller's trace context (W3C trace-context's own example ids).
CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"


def _traceparent(span: ReadableSpan) -> str:
    return f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-{span.context.trace_flags:02x}"


def _recording(app, seen: list[tuple[str, dict[bytes, bytes]]]):
    """``app`` with each request's path and headers noted as they reach the server."""

    async def recorded(scope, receive, send):
        if scope["type"] == "http":
            seen.append((scope["path"], dict(scope["headers"])))
        await app(scope, receive, send)

    return recorded


@pytest.fixture(scope="module")
def traced(tmp_path_factory, _module_database):
    """Sasha's story on a sandbox on loopback with every span kept: (spans, what each request
    brought to the server, the story's result, every token and code the operator saw)."""
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing(exporter=exporter)
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("traced"),
        port=free_port(),
        governance_token=GOVERNANCE_TOKEN,
        database_url=_module_database,
    )
    arrived: list[tuple[str, dict[bytes, bytes]]] = []
    secrets: set[str] = set()

    def keep_token(request: httpx.Request) -> None:
        token = request.headers.get("authorization", "").partition(" ")[2]
        if len(token) >= 6:
            secrets.add(token)

    def keep_values(response: httpx.Response) -> None:
        response.read()
        if response.headers.get("content-type", "").startswith("application/json"):
            for key, value in _leaves(response.json()):
                if key in SECRET_KEYS and isinstance(value, str) and len(value) >= 6:
                    secrets.add(value)

    app = _recording(build_app(settings), arrived)
    hooks = {"request": [keep_token], "response": [keep_values]}
    try:
        with serve(app, loopback=True, host=settings.host, port=settings.port, url=settings.base_url) as server:
            with httpx.Client(timeout=30, auth=Keyring(settings), event_hooks=hooks) as operator:
                result = sasha.run(server.url, operator)
                caller = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"
                assert (
                    operator.get(f"{server.url}/registry/healthz", headers={"traceparent": caller}).status_code == 200
                )
        # The server has stopped: every span it started has ended.
        spans = list(exporter.get_finished_spans())
    finally:
        tracing.stop_tracing()
        dispose_all()
    yield spans, arrived, result, secrets


def _leaves(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def _server_span_of(spans: list[ReadableSpan], client: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.kind == SpanKind.SERVER and s.parent and s.parent.span_id == client.context.span_id]


def test_a_call_between_services_is_a_client_span_parent_of_the_callees_server_span(traced):
    spans, _arrived, result, _ = traced
    assert result["verdict"]["accepted"] is True
    clients = [s for s in spans if s.kind == SpanKind.CLIENT]
    servers = [s for s in spans if s.kind == SpanKind.SERVER]
    assert clients and servers
    # The verifier reads the issuer's status list: its CLIENT span, within its own request's
    # SERVER span, is the parent of the issuers' SERVER span, in one trace.
    status_reads = [s for s in servers if s.attributes.get("http.route") == observability.STATUS_LIST_ROUTE]
    assert status_reads, sorted({s.name for s in servers})
    read = status_reads[0]
    call = next(s for s in clients if read.parent and s.context.span_id == read.parent.span_id)
    assert call.context.trace_id == read.context.trace_id
    assert call.attributes["pctf.service"] == "verifier" and read.attributes["pctf.service"] == "issuers"
    assert read.name == f"GET {observability.STATUS_LIST_ROUTE}"
    assert (read.attributes["http.request.method"], read.attributes["http.response.status_code"]) == ("GET", 200)
    verifying = next(s for s in servers if call.parent and s.context.span_id == call.parent.span_id)
    assert verifying.attributes["pctf.service"] == "verifier"
    assert verifying.context.trace_id == read.context.trace_id
    # So does every call a service made to the sandbox's services: each reached a server.
    for client in clients:
        (callee,) = _server_span_of(spans, client)
        assert callee.context.trace_id == client.context.trace_id
        assert client.attributes["http.response.status_code"] == callee.attributes["http.response.status_code"]
    assert {c.attributes.get("pctf.service") for c in clients} >= {"wallet", "verifier"}


def test_the_callee_receives_the_client_spans_context_and_the_request_id(traced):
    spans, arrived, _, _ = traced
    by_traceparent = {_traceparent(s): s for s in spans if s.kind == SpanKind.CLIENT}
    status_reads = [headers for path, headers in arrived if path.startswith("/issuers/prov1/status-lists/")]
    assert status_reads
    for headers in status_reads:
        client = by_traceparent[headers[b"traceparent"].decode()]
        assert client.attributes["pctf.service"] == "verifier"
        assert observability.REQUEST_ID_PATTERN.fullmatch(headers[b"x-request-id"].decode())
    # Every request a service sent carried its CLIENT span's context; no span went unsent.
    sent = {headers[b"traceparent"].decode() for _, headers in arrived if b"traceparent" in headers}
    assert set(by_traceparent) <= sent


def test_a_callers_trace_context_is_the_parent_of_the_request(traced):
    spans, _, _, _ = traced
    (health,) = [s for s in spans if s.parent and f"{s.parent.span_id:016x}" == CALLER_SPAN_ID]
    assert f"{health.context.trace_id:032x}" == CALLER_TRACE_ID and health.parent.is_remote
    assert (health.kind, health.name) == (SpanKind.SERVER, "GET /registry/healthz")


def test_no_span_holds_a_claim_token_code_path_or_query(traced):
    spans, _, _, secrets = traced
    assert {"Sasha", "1988-06-14", "42 Birch Street"} <= persona_values()
    assert len(secrets) > 10  # role and wallet tokens, codes, states, nonces, credentials
    for span in spans:
        assert set(span.attributes) <= ATTRIBUTES, span.name
    text = json.dumps([{"name": s.name, "attributes": dict(s.attributes)} for s in spans])
    leaked = sorted(value for value in persona_values() | secrets if value in text)
    assert leaked == []
    # Routes are templates: no wallet id, no query string.
    assert "sasha" not in text.lower() and "?" not in text
    routes = {s.attributes["http.route"] for s in spans if "http.route" in s.attributes}
    assert {"/wallet/{wallet_id}/offers", "/issuers/{issuer}/token"} <= routes, routes


def test_a_call_that_gets_no_answer_ends_its_span_as_an_error():
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing(exporter=exporter)
    try:
        with make_client(Settings(http_timeout_seconds=5)) as http:
            with pytest.raises(httpx.ConnectError):
                http.get(f"http://127.0.0.1:{free_port()}/registry/healthz")
        gc.collect()  # the request, held by the error until now, is let go
        (span,) = exporter.get_finished_spans()
    finally:
        tracing.stop_tracing()
    assert span.kind == SpanKind.CLIENT and span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "no_answer" and span.attributes["server.address"] == "127.0.0.1"


def test_otlp_sends_spans_to_the_collector_the_standard_variables_name(monkeypatch):
    """``PCTF_TRACING=otlp``: the spans reach, over OTLP/HTTP, the collector at
    ``OTEL_EXPORTER_OTLP_ENDPOINT``, from the process ``OTEL_SERVICE_NAME`` names."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from pctf.web import service_app

    received: list[tuple[str, bytes]] = []

    async def collector(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        received.append((scope["path"], body))
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/x-protobuf")]}
        )
        await send({"type": "http.response.body", "body": b""})

    with serve(collector, loopback=True, lifespan=False) as otlp:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.url)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "pctf-traced")
        assert tracing.configure_tracing("otlp")
        try:
            with serve(service_app("/probe", "Probe", max_body_bytes=1024)) as probe, probe.client() as http:
                assert http.get("/probe/healthz").status_code == 200
        finally:
            tracing.stop_tracing()  # exports what the batch still holds
    ((path, body),) = received
    exported = ExportTraceServiceRequest.FromString(body)
    (batch,) = exported.resource_spans
    resource = {a.key: a.value.string_value for a in batch.resource.attributes}
    names = [span.name for scoped in batch.scope_spans for span in scoped.spans]
    assert (path, resource["service.name"], names) == ("/v1/traces", "pctf-traced", ["GET /probe/healthz"])


OFF = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path

    # What FastAPI loads of OpenTelemetry's API by itself, for its own (dormant) telemetry.
    import fastapi.telemetry._asgi, fastapi.telemetry._runtime

    def loaded():
        return {m for m in sys.modules if m == "opentelemetry" or m.startswith("opentelemetry.")}

    baseline = loaded()
    import httpx

    from cli.stack import build_app, configure_logging_once
    from pctf import tracing
    from pctf.http import make_client
    from pctf.settings import Settings
    from tests.support import serve

    settings = Settings(data_dir=Path(sys.argv[1]))
    configure_logging_once(settings)
    with serve(build_app(settings)) as served, served.client() as client:
        assert client.get("/registry/healthz").status_code == 200
        assert client.get("/wallet/nobody-at-all/credentials").status_code == 401
    with make_client(settings, transport=httpx.MockTransport(lambda r: httpx.Response(204))) as http:
        sent = http.get("http://peer.test/registry/healthz").request
    assert "traceparent" not in sent.headers and "x-request-id" not in sent.headers
    off = sorted(loaded() - baseline)
    os.environ["OTEL_SDK_DISABLED"] = "true"
    disabled = tracing.configure_tracing("console")
    after_disabled = sorted(loaded() - baseline)
    del os.environ["OTEL_SDK_DISABLED"]
    on = tracing.configure_tracing("console")
    print(json.dumps([off, disabled, after_disabled, on, "opentelemetry.sdk.trace" in sys.modules]))
    """
)


@pytest.mark.slow
def test_with_tracing_off_the_services_load_nothing_of_opentelemetry(tmp_path):
    """In a process of its own: a sandbox built, started and asked, an outbound call made, with
    ``PCTF_TRACING`` unset, load no OpenTelemetry module FastAPI had not loaded; neither does
    ``OTEL_SDK_DISABLED=true`` with tracing asked for. Asked for, it loads the SDK."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCTF_", "OTEL_"))}
    if os.environ.get("PCTF_DATABASE_URL"):
        env["PCTF_DATABASE_URL"] = os.environ["PCTF_DATABASE_URL"]
    done = subprocess.run(
        [sys.executable, "-c", OFF, str(tmp_path)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    off, disabled, after_disabled, on, sdk_loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert (off, disabled, after_disabled) == ([], False, [])
    assert on is True and sdk_loaded is True


def test_an_unknown_mode_is_refused():
    from pctf.reasons import SandboxError

    with pytest.raises(SandboxError, match="PCTF_TRACING"):
        tracing.configure_tracing("jaeger")
    with pytest.raises(ValueError):
        Settings(tracing="jaeger")
    assert Settings().tracing == "off" and not tracing.active()
