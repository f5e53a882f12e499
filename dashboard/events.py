"""The live event log: what crosses between the services, as it happens.

The embedded deployment hands every request to a service through :meth:`EventLog.observe`, which
notes the route it reached (its template, never the query string or a token), the subjects named
in its path (issuer, wallet, relying party) and the answer's status, and classifies it into a
kind of exchange told in plain words (an offer redeemed, a presentation received, a TRQP query).
Deaths travel on the event bus, not over HTTP: the log subscribes to the bus the issuers use and
notes each delivery too. The event log page shows them and receives new ones as server-sent
events, so an audience sees the trust registry's dial tone working.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.access import Role
from pctf.web import StrictRoute

from . import i18n
from .pages import page_route, render

log = logging.getLogger("dashboard.events")
router = APIRouter(route_class=StrictRoute)
# Path parameters that name who acts (shown); others (states, codes, ids) stay as their template.
SHOWN_PARAMS = ("issuer", "wallet_id", "rp_id")
# Which shown parameter names which party of an exchange.
PARTY_SUBJECT = {"issuer": "issuer", "wallet": "wallet_id", "holder": "wallet_id", "relying_party": "rp_id"}
PERSON_DIED = "person.died"  # the topic vital statistics announces a registered death on
HEARTBEAT_SECONDS = 15.0
# A server stopping waits for open answers to end: a stream ends after this long, and the
# browser reconnects (after ``retry``) where it left off (Last-Event-ID), losing nothing.
STREAM_SECONDS = 30.0
POLL_SECONDS = 0.25
PAGE_ROWS = 100

# What each route of the services is, in the exchange it belongs to: (kind, from, to). The kind's
# words are ``events.kind.<kind>`` and the parties' ``events.party.<party>`` (dashboard/text/events.py).
ROUTES: dict[tuple[str, str], tuple[str, str, str]] = {
    # issuers: OpenID4VCI, status lists, identity maintenance
    ("GET", "/issuers"): ("issuers_listed", "client", "issuers"),
    ("GET", "/.well-known/openid-credential-issuer/issuers/{issuer}"): ("issuer_metadata", "wallet", "issuer"),
    ("GET", "/.well-known/oauth-authorization-server/issuers/{issuer}"): (
        "authorization_server_metadata",
        "wallet",
        "issuer",
    ),
    ("GET", "/.well-known/jwt-vc-issuer/issuers/{issuer}"): ("issuer_keys", "relying_party", "issuer"),
    ("POST", "/issuers/{issuer}/proofing"): ("offer_created", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/offers"): ("offer_created_by_staff", "operator", "issuer"),
    ("GET", "/issuers/{issuer}/credential-offers/{reference}"): ("offer_received", "wallet", "issuer"),
    ("POST", "/issuers/{issuer}/incorporations"): ("offer_created_organization", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/relationships"): ("offer_created_relationship", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/immunizations"): ("offer_created_immunization", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/delegations"): ("offer_created_delegation", "operator", "issuer"),
    ("GET", "/issuers/{issuer}/offer.svg"): ("offer_qr", "client", "issuer"),
    ("POST", "/issuers/{issuer}/token"): ("offer_redeemed", "wallet", "issuer"),
    ("POST", "/issuers/{issuer}/nonce"): ("nonce", "wallet", "issuer"),
    ("POST", "/issuers/{issuer}/par"): ("authorization_pushed", "wallet", "issuer"),
    ("GET", "/issuers/{issuer}/authorize"): ("authorization_page", "holder", "issuer"),
    ("POST", "/issuers/{issuer}/authorize"): ("authorization_proofing", "holder", "issuer"),
    ("POST", "/issuers/{issuer}/credential"): ("credential_issued", "wallet", "issuer"),
    ("GET", "/issuers/{issuer}/issuances"): ("issuances_read", "operator", "issuer"),
    ("GET", "/issuers/{issuer}/status-lists/{list_id}"): ("status_list", "relying_party", "issuer"),
    ("POST", "/issuers/{issuer}/issuances/{issuance_id}/status"): ("status_changed", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/renewal"): ("renewal", "wallet", "issuer"),
    ("POST", "/issuers/{issuer}/reissuance"): ("reissuance", "wallet", "issuer"),
    ("POST", "/issuers/{issuer}/deaths"): ("death_registered", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/births"): ("birth_registered", "operator", "issuer"),
    ("GET", "/issuers/{issuer}/deaths/{registration_id}"): ("death_read", "operator", "issuer"),
    ("GET", "/issuers/{issuer}/events/{event_id}"): ("event_processing_read", "operator", "issuer"),
    ("POST", "/issuers/{issuer}/identity-queries"): ("identity_query", "issuers", "issuer"),
    # wallet
    ("PUT", "/wallet/{wallet_id}"): ("wallet_opened", "operator", "wallet"),
    ("GET", "/wallet/{wallet_id}"): ("wallet_read", "holder", "wallet"),
    ("GET", "/wallet/{wallet_id}/credentials"): ("wallet_read", "holder", "wallet"),
    ("POST", "/wallet/{wallet_id}/credentials/{credential_id}/renew"): ("renewal_requested", "holder", "wallet"),
    ("POST", "/wallet/{wallet_id}/credentials/{credential_id}/reissue"): ("renewal_requested", "holder", "wallet"),
    ("POST", "/wallet/{wallet_id}/offers"): ("offer_received", "holder", "wallet"),
    ("POST", "/wallet/{wallet_id}/presentations"): ("presentation_request_received", "holder", "wallet"),
    ("POST", "/wallet/{wallet_id}/presentations/{request_id}/decision"): ("consent_decision", "holder", "wallet"),
    ("GET", "/wallet/{wallet_id}/consents"): ("consents_read", "holder", "wallet"),
    # verifier: OpenID4VP
    ("GET", "/verifier"): ("verifiers_listed", "client", "verifiers"),
    ("POST", "/verifier/{rp_id}/requests"): ("presentation_request_created", "client", "relying_party"),
    ("GET", "/verifier/{rp_id}/requests/{state}"): ("presentation_request_fetched", "wallet", "relying_party"),
    ("GET", "/verifier/{rp_id}/requests/{state}/request-object"): (
        "presentation_request_fetched",
        "wallet",
        "relying_party",
    ),
    ("POST", "/verifier/{rp_id}/response"): ("presentation_received", "wallet", "relying_party"),
    ("POST", "/verifier/{rp_id}/verify"): ("presentation_verified", "client", "relying_party"),
    # verifier: relying parties as data
    ("GET", "/verifier/relying-parties"): ("relying_parties_read", "client", "verifier_service"),
    ("POST", "/verifier/relying-parties"): ("relying_party_created", "governance", "verifier_service"),
    ("GET", "/verifier/relying-parties/{rp_id}"): ("relying_parties_read", "client", "relying_party"),
    # registry: TRQP, trust list, governance, onboarding
    ("GET", "/registry/health"): ("health", "client", "registry"),
    ("GET", "/registry/metadata"): ("registry_metadata", "client", "registry"),
    ("GET", "/registry/entities"): ("registry_read", "client", "registry"),
    ("GET", "/registry/entity"): ("registry_read", "client", "registry"),
    ("GET", "/registry/recognitions"): ("registry_read", "client", "registry"),
    ("GET", "/registry/criteria"): ("registry_read", "client", "registry"),
    ("POST", "/registry/authorization"): ("trqp_authorization", "relying_party", "registry"),
    ("POST", "/registry/recognition"): ("trqp_recognition", "relying_party", "registry"),
    ("GET", "/registry/jwks"): ("registry_keys", "relying_party", "registry"),
    ("GET", "/registry/trust-list"): ("trust_list", "relying_party", "registry"),
    ("GET", "/registry/audit"): ("audit_read", "client", "registry"),
    ("GET", "/registry/audit/verify"): ("audit_read", "client", "registry"),
    ("POST", "/registry/entities"): ("entity_added", "governance", "registry"),
    ("POST", "/registry/entities/seed"): ("issuer_seeded", "issuers", "registry"),
    ("PATCH", "/registry/entity/status"): ("entity_status", "governance", "registry"),
    ("POST", "/registry/authorizations"): ("authorization_added", "governance", "registry"),
    ("PATCH", "/registry/authorizations/{auth_id}"): ("authorization_status", "governance", "registry"),
    ("POST", "/registry/entity/keys"): ("key_added", "governance", "registry"),
    ("POST", "/registry/entity/keys/refresh"): ("keys_refreshed", "governance", "registry"),
    ("POST", "/registry/entity/keys/{kid}/events"): ("key_event", "governance", "registry"),
    ("POST", "/registry/recognitions"): ("recognition_added", "governance", "registry"),
    ("POST", "/registry/applications"): ("application_filed", "applicant", "registry"),
    ("GET", "/registry/applications"): ("application_read", "assessor", "registry"),
    ("GET", "/registry/applications/{app_id}"): ("application_read", "applicant", "registry"),
    ("POST", "/registry/applications/{app_id}/conformance"): ("conformance_run", "assessor", "registry"),
    ("PUT", "/registry/applications/{app_id}/assessment/{criterion}"): ("assessment_recorded", "assessor", "registry"),
    ("POST", "/registry/applications/{app_id}/decision"): ("application_decided", "governance", "registry"),
    # every service: liveness, readiness, metrics (pctf.observability)
    **{
        ("GET", f"/{service}/{probe}"): (kind, "client", party)
        for service, party in (
            ("issuers", "issuers"),
            ("registry", "registry"),
            ("wallet", "wallet"),
            ("verifier", "verifier_service"),
        )
        for probe, kind in (("healthz", "health"), ("readyz", "readiness"), ("metrics", "metrics_read"))
    },
}
# What is noted from outside HTTP (the event bus): (from, to, what the route column shows).
NOTES: dict[str, tuple[str, str, str]] = {
    "death_announced": ("issuer", "bus", f"event bus: {PERSON_DIED}"),
    "death_delivered": ("bus", "issuer", f"event bus: {PERSON_DIED}"),
}
# A route no kind covers is still shown, with its method and template, towards the service it reached.
SERVICE_PARTIES = {
    "registry": "registry",
    "issuers": "issuers",
    ".well-known": "issuers",
    "wallet": "wallet_service",
    "verifier": "verifier_service",
}


def classify(method: str, template: str) -> tuple[str, str, str]:
    """The kind of exchange ``method template`` is, and its two parties; ``other`` when no kind
    covers it (its words then say the method and route)."""
    found = ROUTES.get((method.upper(), template))
    if found is not None:
        return found
    service = template.strip("/").split("/", 1)[0]
    return ("other", "client", SERVICE_PARTIES.get(service, "client"))


@dataclass(frozen=True)
class Event:
    seq: int
    at: float  # seconds since the epoch
    method: str
    route: str  # the route's template with the shown subjects filled in
    template: str
    status: int | None  # None for what was noted off HTTP (the event bus)
    ms: float
    kind: str = "other"
    source: str = "client"
    target: str = "client"
    subjects: dict[str, str] = field(default_factory=dict)  # only SHOWN_PARAMS


def _party(party: str, subjects: dict[str, str], lang: str) -> str:
    words = i18n.t(f"events.party.{party}", lang)
    subject = subjects.get(PARTY_SUBJECT.get(party, ""))
    return f"{words} {subject}" if subject else words


def describe(event: Event, lang: str) -> dict[str, Any]:
    """``event`` as the page and the stream show it, in ``lang``: what happened in plain words,
    between whom, and how it was answered."""
    at = datetime.fromtimestamp(event.at, UTC)
    if event.kind == "other":
        label = i18n.t("events.kind.other", lang, method=event.method, route=event.route)
    else:
        label = i18n.t(f"events.kind.{event.kind}", lang)
    return {
        "seq": event.seq,
        "at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "time": at.strftime("%H:%M:%S"),
        "kind": event.kind,
        "label": label,
        "from": _party(event.source, event.subjects, lang),
        "to": _party(event.target, event.subjects, lang),
        "route": f"{event.method} {event.route}" if event.method else event.route,
        "status": event.status,
        "ok": event.status is None or event.status < 400,
        "ms": event.ms,
    }


class EventLog:
    """The latest requests between services, numbered, in a bounded ring; thread-safe."""

    def __init__(self, size: int = 500) -> None:
        self._events: deque[Event] = deque(maxlen=size)
        self._seq = 0
        self._lock = threading.Lock()
        self._watched: set[int] = set()
        self.closed = False

    def _append(self, make: Any) -> Event:
        with self._lock:
            self._seq += 1
            event: Event = make(self._seq)
            self._events.append(event)
        return event

    def record(self, method: str, template: str, params: dict[str, Any], status: int, ms: float) -> Event:
        """Note one answered request: its route template with only the shown subjects filled in
        (a query string, a code or a claim never reaches here), classified into its kind."""
        route = template.split("?", 1)[0]
        subjects = {}
        for name in SHOWN_PARAMS:
            if name in params:
                subjects[name] = str(params[name])[:100]
                route = route.replace("{" + name + "}", subjects[name])
        kind, source, target = classify(method, template)
        at = time.time()
        return self._append(
            lambda seq: Event(seq, at, method, route, template, status, round(ms, 1), kind, source, target, subjects)
        )

    def note(self, kind: str, **subjects: str) -> Event:
        """Note an exchange that did not travel over HTTP (``kind`` one of :data:`NOTES`), naming
        only its subjects (issuer, wallet, relying party)."""
        source, target, route = NOTES[kind]
        shown = {k: str(v) for k, v in subjects.items() if k in SHOWN_PARAMS}
        at = time.time()
        return self._append(lambda seq: Event(seq, at, "", route, route, None, 0.0, kind, source, target, shown))

    def watch(self, bus: Any) -> None:
        """Note the death events ``bus`` delivers. The bus calls a topic's handlers one after the
        other in the order they subscribed, and the issuers subscribed when they started: when
        this handler runs, the event has been handed to each of them. Only who was involved is
        noted, never the event's content (it names the deceased)."""
        with self._lock:
            if id(bus) in self._watched:
                return
            self._watched.add(id(bus))
        registrar = next((j.short_id for j in SANDBOX_ISSUERS.values() if j.kind == "vital_statistics"), "")

        def on_person_died(event: dict[str, Any]) -> None:
            self.note("death_announced", issuer=registrar)
            for short_id in SANDBOX_ISSUERS:
                self.note("death_delivered", issuer=short_id)

        on_person_died.__qualname__ = "on_person_died[event log]"
        # On a broker this is a durable consumer of its own, so the issuers' deliveries are untouched.
        bus.subscribe(PERSON_DIED, on_person_died, subscriber="dashboard-event-log")

    def since(self, seq: int) -> list[Event]:
        """Events numbered after ``seq``, oldest first."""
        with self._lock:
            return [e for e in self._events if e.seq > seq]

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def close(self) -> None:
        """The server is stopping: open event streams end."""
        self.closed = True

    async def observe(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand one request to the service ``app`` and note it once answered."""
        bus = getattr(getattr(app, "state", None), "bus", None)
        if bus is not None and id(bus) not in self._watched:
            try:  # a broker may take a moment to confirm a subscription: not on the event loop
                await asyncio.to_thread(self.watch, bus)
            except Exception as exc:  # the request goes on; only the log misses the bus's deliveries
                log.warning("the event log could not subscribe to the event bus: %s", exc.__class__.__name__)
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None)
            if template is not None and not template.endswith(("/docs", "/openapi.json")):
                self.record(
                    scope.get("method", "?"),
                    template,
                    scope.get("path_params") or {},
                    status,
                    (time.perf_counter() - started) * 1000,
                )


class EventStreamResponse(StreamingResponse):
    media_type = "text/event-stream"


# One server-sent event as it arrives (its fields; ``data`` is the event's JSON text).
SSE_EVENT = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "event": {"type": "string"}, "data": {"type": "string"}},
}
STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"schema": SSE_EVENT}},
        "description": "Server-sent events: one `data:` JSON object per event, each with its `id:`",
    }
}


def event_log(request: Request) -> EventLog:
    found: EventLog = request.app.state.events
    return found


@router.get("/ui/events", response_class=HTMLResponse, **page_route(Role.PRESENTER))
def events_page(request: Request) -> Any:
    """The latest events, newest first; the page's script adds new ones as they happen."""
    log_ = event_log(request)
    lang = i18n.lang_of(request)
    shown = [describe(e, lang) for e in reversed(log_.since(0)[-PAGE_ROWS:])]
    return render(request, "events.html", events=shown, event_after=log_.last_seq)


def _start(request: Request, after: int | None, log_: EventLog) -> int:
    """Where a stream starts: after the last event a reconnecting browser saw (Last-Event-ID),
    else after ``after``, else from now on; never beyond the log's newest (a restarted server
    counts from zero again)."""
    start: int | None = None
    last = request.headers.get("last-event-id", "").strip()
    if last.isdigit() and len(last) <= 18:
        start = int(last)
    elif after is not None:
        start = after
    newest = log_.last_seq
    return newest if start is None else min(start, newest)


@router.get(
    "/ui/events/stream",
    response_class=EventStreamResponse,
    **page_route(Role.PRESENTER, responses=STREAM),
)
def events_stream(request: Request, after: int | None = Query(None, ge=0, le=10**18)) -> Any:
    """Each new event as a server-sent event, in the page's language. A browser's EventSource
    (which asks for ``text/event-stream``) stays connected, with a comment every 15 seconds so
    proxies keep it open, for half a minute at a time (it reconnects by itself and resumes after
    the last event it saw); any other client gets the events so far and the answer ends, so a
    script can poll it."""
    log_ = event_log(request)
    lang = i18n.lang_of(request)
    live = "text/event-stream" in request.headers.get("accept", "")
    seq = _start(request, after, log_)

    async def stream() -> AsyncIterator[str]:
        nonlocal seq
        yield "retry: 2000\n\n"
        beat = time.monotonic()
        ends = beat + STREAM_SECONDS
        while True:
            for event in log_.since(seq):
                seq = event.seq
                yield f"id: {event.seq}\ndata: {json.dumps(describe(event, lang), ensure_ascii=False)}\n\n"
            if not live or log_.closed or time.monotonic() >= ends or await request.is_disconnected():
                return
            if time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                yield ": still here\n\n"
            await asyncio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "X-Accel-Buffering": "no"}
    return EventStreamResponse(stream(), headers=headers)


__all__ = ["Event", "EventLog", "asdict", "classify", "describe", "router"]
