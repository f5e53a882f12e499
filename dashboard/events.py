"""The live event log: what crosses between the services, as it happens.

The embedded deployment hands every request to a service through :meth:`EventLog.observe`, which
notes the route it reached (its template, never the query string or a token), the subjects named
in its path (issuer, wallet, relying party) and the answer's status. The event log page shows
them and receives new ones as server-sent events.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

from fastapi import APIRouter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pctf.web import StrictRoute

router = APIRouter(route_class=StrictRoute)
# Path parameters that name who acts (shown); others (states, codes, ids) stay as their template.
SHOWN_PARAMS = ("issuer", "wallet_id", "rp_id")


@dataclass(frozen=True)
class Event:
    seq: int
    at: float  # seconds since the epoch
    method: str
    route: str  # the route's template with the shown subjects filled in
    template: str
    status: int
    ms: float


class EventLog:
    """The latest requests between services, numbered, in a bounded ring; thread-safe."""

    def __init__(self, size: int = 500) -> None:
        self._events: deque[Event] = deque(maxlen=size)
        self._seq = 0
        self._lock = threading.Lock()
        self.closed = False

    def record(self, method: str, template: str, params: dict[str, Any], status: int, ms: float) -> Event:
        route = template
        for name in SHOWN_PARAMS:
            if name in params:
                route = route.replace("{" + name + "}", str(params[name]))
        with self._lock:
            self._seq += 1
            event = Event(self._seq, time.time(), method, route, template, status, round(ms, 1))
            self._events.append(event)
        return event

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


__all__ = ["Event", "EventLog", "asdict", "router"]
