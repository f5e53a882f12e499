"""OpenTelemetry tracing, when asked for: one trace follows a request from service to service.

Off by default (``PCTF_TRACING=off``): nothing of OpenTelemetry's SDK is imported, and a request
or an outbound call costs one check (:func:`active`). It needs the ``otel`` extra
(``pip install 'pctf-sandbox[otel]'``) and is turned on, once per process, by
:func:`configure_tracing`:

* ``PCTF_TRACING=otlp`` sends spans over OTLP/HTTP to the collector that the standard
  ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) names, by default
  ``http://localhost:4318``; ``console`` writes them to stderr.
* The standard variables keep their meaning: ``OTEL_SDK_DISABLED=true`` keeps tracing off whatever
  ``PCTF_TRACING`` says, ``OTEL_SERVICE_NAME`` (or ``service.name`` in ``OTEL_RESOURCE_ATTRIBUTES``)
  names the process (``pctf-sandbox`` otherwise), ``OTEL_TRACES_SAMPLER`` chooses the sampling.

What is traced, and with what:

* **Inbound** (:func:`start_server_span`, from :class:`pctf.observability.RequestContext`): the
  W3C ``traceparent``/``tracestate`` a caller sent become the parent of a SERVER span, current
  while the request is handled and named for the route's *template*
  (``GET /wallet/{wallet_id}/credentials``).
* **Outbound** (:func:`start_client_span`, from :func:`pctf.observability.outbound_hooks`, so on
  every call a service makes): a CLIENT span, child of the current one, whose context the callee
  receives in ``traceparent``. A call that gets no answer (refused, timed out) ends its span as an
  error when the request is let go.
* Attributes are the method, the route template, the status code, the service's name
  (``pctf.service``: every service may run in one process) and the callee's host and port. Never
  a path, a query string, a header or a body: identifiers, codes, tokens and claims travel there.

The tracer provider is this module's own, never OpenTelemetry's global one: FastAPI traces every
request by itself once a global provider is set, with the raw path and query string as
attributes. Only the W3C trace context is read and sent, not baggage, which would carry whatever
a stranger put in it to the next service.
"""

from __future__ import annotations

import contextvars
import os
import sys
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .reasons import Reason, SandboxError

if TYPE_CHECKING:  # the extra's types, for the checker only: imported at run time once tracing is on
    import httpx
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span

TRACING_MODES = ("off", "otlp", "console")
DEFAULT_SERVICE_NAME = "pctf-sandbox"
# The headers of the W3C trace context (https://www.w3.org/TR/trace-context/), as ASGI spells them.
TRACE_HEADERS = (b"traceparent", b"tracestate")
DEFAULT_PORTS = {"http": 80, "https": 443}

_service: contextvars.ContextVar[str | None] = contextvars.ContextVar("pctf_traced_service", default=None)


def sdk_disabled() -> bool:
    """``OTEL_SDK_DISABLED=true``: the standard switch that keeps every OpenTelemetry SDK off."""
    return os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"


@dataclass
class ServerSpan:
    """A request's SERVER span, and what to restore when it ends."""

    tracing: _Tracing
    span: Span
    method: str
    context_token: contextvars.Token[Context]
    service_token: contextvars.Token[str | None]


class _Tracing:
    """The provider, tracer and propagator once tracing is on (the SDK is imported here only)."""

    def __init__(self, mode: str, exporter: SpanExporter | None) -> None:
        try:
            from opentelemetry import context, trace
            from opentelemetry.sdk.resources import SERVICE_NAME, OTELResourceDetector, Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
            from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
        except ImportError:
            raise SandboxError(
                Reason.SETTING_INVALID,
                f"PCTF_TRACING={mode} needs OpenTelemetry: pip install 'pctf-sandbox[otel]'",
            ) from None
        self.context, self.trace = context, trace
        # The process's name from OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES when set there.
        named = SERVICE_NAME in OTELResourceDetector().detect().attributes
        resource = Resource.create({} if named else {SERVICE_NAME: DEFAULT_SERVICE_NAME})
        self.provider: TracerProvider = TracerProvider(resource=resource)
        if exporter is not None:  # each span handed over as it ends (tests read them at once)
            self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            self.provider.add_span_processor(BatchSpanProcessor(_mode_exporter(mode)))
        self.tracer = self.provider.get_tracer("pctf")
        self.propagator = TraceContextTextMapPropagator()
        # The CLIENT span of each call awaiting its answer, by request (let go with the request).
        self.calls: weakref.WeakKeyDictionary[httpx.Request, Span] = weakref.WeakKeyDictionary()


def _mode_exporter(mode: str) -> SpanExporter:
    if mode == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stderr)  # stdout is a command's own output (--json)
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise SandboxError(
            Reason.SETTING_INVALID, "PCTF_TRACING=otlp needs the OTLP exporter: pip install 'pctf-sandbox[otel]'"
        ) from None
    return OTLPSpanExporter()  # OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS, _TIMEOUT apply


_tracing: _Tracing | None = None


def active() -> bool:
    """Whether tracing is on in this process."""
    return _tracing is not None


def configure_tracing(mode: str = "off", *, exporter: SpanExporter | None = None) -> bool:
    """Turn tracing on as ``mode`` says (:data:`TRACING_MODES`), once per process: a later call
    keeps what the first one started, so a story's sandbox started in the same process is traced
    alike, and ``off`` leaves things as they are. An ``exporter`` (tests keep spans in memory)
    turns it on in place of the mode's, and gets each span as it ends. Whether tracing is on."""
    global _tracing
    if mode not in TRACING_MODES:
        raise SandboxError(Reason.SETTING_INVALID, f"PCTF_TRACING={mode!r} is not one of {', '.join(TRACING_MODES)}")
    if _tracing is None and (mode != "off" or exporter is not None) and not sdk_disabled():
        _tracing = _Tracing(mode, exporter)
    return _tracing is not None


def stop_tracing() -> None:
    """Export what is left and turn tracing off (tests, a command that ends)."""
    global _tracing
    if _tracing is not None:
        tracing, _tracing = _tracing, None
        tracing.provider.shutdown()


def _on() -> _Tracing:
    if _tracing is None:
        raise RuntimeError("tracing is off: check active() first")
    return _tracing


# -- inbound -------------------------------------------------------------------------------------


def start_server_span(headers: Iterable[tuple[bytes, bytes]], method: str, service: str) -> ServerSpan:
    """The SERVER span of a request, child of the trace context its ASGI ``headers`` carry, made
    current until :func:`end_server_span`. ``method`` is already one of a known few."""
    tracing = _on()
    carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in headers if name in TRACE_HEADERS}
    parent: Context = tracing.propagator.extract(carrier)
    span = tracing.tracer.start_span(
        method,
        context=parent,
        kind=tracing.trace.SpanKind.SERVER,
        attributes={"http.request.method": method, "pctf.service": service},
    )
    token = tracing.context.attach(tracing.trace.set_span_in_context(span, parent))
    return ServerSpan(tracing, span, method, token, _service.set(service))


def end_server_span(server: ServerSpan, route: str | None, status: int) -> None:
    """End a request's span: named ``METHOD /route/{template}`` (the method alone when no route
    matched), an error when the answer is a 5xx."""
    span = server.span
    span.set_attribute("http.response.status_code", status)
    if route is not None:
        span.set_attribute("http.route", route)
        span.update_name(f"{server.method} {route}")
    if status >= 500:
        span.set_attribute("error.type", str(status))
        span.set_status(server.tracing.trace.StatusCode.ERROR)
    span.end()
    _service.reset(server.service_token)
    server.tracing.context.detach(server.context_token)


# -- outbound ------------------------------------------------------------------------------------


def start_client_span(request: httpx.Request) -> None:
    """A CLIENT span for ``request`` (an ``httpx`` request hook), child of the current span, its
    context sent in ``traceparent``; :func:`end_client_span` ends it when the answer comes."""
    tracing = _on()
    url = request.url
    attributes: dict[str, Any] = {
        "http.request.method": request.method,
        "server.address": url.host,
        "server.port": url.port or DEFAULT_PORTS.get(url.scheme, 0),
    }
    service = _service.get()
    if service is not None:
        attributes["pctf.service"] = service
    span = tracing.tracer.start_span(request.method, kind=tracing.trace.SpanKind.CLIENT, attributes=attributes)
    tracing.propagator.inject(request.headers, context=tracing.trace.set_span_in_context(span))
    tracing.calls[request] = span
    weakref.finalize(request, _unanswered, span, tracing.trace.StatusCode.ERROR).atexit = False


def end_client_span(response: httpx.Response) -> None:
    """End the CLIENT span of the call ``response`` answers (an ``httpx`` response hook): an
    error when the answer is a 4xx or a 5xx."""
    tracing = _tracing
    span = tracing.calls.pop(response.request, None) if tracing is not None else None
    if span is None or tracing is None:
        return
    span.set_attribute("http.response.status_code", response.status_code)
    if response.status_code >= 400:
        span.set_attribute("error.type", str(response.status_code))
        span.set_status(tracing.trace.StatusCode.ERROR)
    span.end()


def _unanswered(span: Span, error: Any) -> None:
    """A call let go without an answer (no connection, a timeout, a refusal before sending)."""
    if span.is_recording():
        span.set_attribute("error.type", "no_answer")
        span.set_status(error)
        span.end()
