"""The one publish/subscribe event bus, and the two stores that make it safe to rely on.

Identity maintenance (a death registered once must reach every issuer) is the seeds' "event
broker (publish/subscribe) for real-time exchange between governments". Everything that emits
or consumes such events goes through the small :class:`EventBus` protocol, so the broker can be
swapped without touching a publisher or a subscriber:

* :class:`InProcessEventBus` (the default, ``PCTF_EVENT_BUS=memory://``): a queue and one
  worker thread per bus. ``publish`` only enqueues, so a publisher never waits for, and is never
  failed by, a slow or broken subscriber.
* :class:`RedisEventBus` (``PCTF_EVENT_BUS=redis://host:6379/0``, the optional ``redis``
  extra): Redis pub/sub, for services in separate processes or containers. Messages received
  from Redis are handed to the same kind of local worker, so a slow handler never stalls the
  connection.

Delivery is at least once, never exactly once, so events carry an ``id`` and consumers are
idempotent (:class:`ProcessedEvent`). Publishing is made durable by an outbox
(:class:`OutboxEvent`): a publisher stores the event in the same transaction as the fact it
announces, and :func:`relay` publishes what is stored and not yet published. A crash between
the commit and the publish therefore loses nothing: the next relay (at start-up, or the
periodic one) sends it, and consumers that already saw it skip it by its id. Redis pub/sub
itself keeps nothing for a subscriber that is not connected; the outbox covers the publisher's
side, and subscribers of the sandbox connect before the start-up relay runs.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, Column
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from .clock import Clock
from .jose import Jws, SigningKey
from .observability import EVENTS_DELIVERED, EVENTS_PUBLISHED, EVENTS_REDELIVERED
from .reasons import Reason, SandboxError
from .settings import Settings

log = logging.getLogger("pctf.events")

Handler = Callable[[dict[str, Any]], None]

# How long to wait for Redis to confirm a subscription before giving up.
SUBSCRIBE_TIMEOUT_SECONDS = 5.0


class EventBus(Protocol):
    """Publish an event on a topic; subscribe a handler to a topic. Handlers run on the bus's
    own thread, may be called more than once for one event (dedupe on ``event["id"]``), and a
    handler's exception is logged, never returned to the publisher."""

    def publish(self, topic: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> None: ...

    def close(self) -> None: ...


def new_event(topic: str, data: dict[str, Any], *, source: str, occurred_at: datetime) -> dict[str, Any]:
    """An event envelope: a unique ``id`` (what consumers dedupe on), the topic, who emitted it,
    when the fact happened, and its data (JSON only)."""
    return {
        "id": uuid.uuid4().hex,
        "topic": topic,
        "source": source,
        "occurred_at": occurred_at.isoformat(),
        "data": data,
    }


EVENT_TYP = "pctf-event+jwt"


def sign_event(event: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """The event with ``jws``: a compact JWS (``typ: pctf-event+jwt``) over the whole envelope,
    signed by the emitter. A broker is shared infrastructure: whoever can publish on it must not be
    able to announce a death, so consumers act on the signed envelope only (:func:`verify_event`)."""
    envelope = {k: v for k, v in event.items() if k != "jws"}
    return {**envelope, "jws": key.sign(envelope, typ=EVENT_TYP)}


def verify_event(event: object, keys: list[dict[str, Any]], *, source: str, topic: str) -> dict[str, Any]:
    """The envelope signed in ``event["jws"]`` when it verifies with one of ``keys`` (the emitter's
    published keys), names ``source`` as its emitter and ``topic`` as its topic, and carries the
    same id as the message it came in; else ``event_invalid``. Unsigned members of the message
    are never read."""
    message: dict[str, Any] = event if isinstance(event, dict) else {}
    jws_text = message.get("jws")
    if not isinstance(jws_text, str):
        raise SandboxError(Reason.EVENT_INVALID, "the event is not signed by its emitter")
    jws = Jws.parse(jws_text, malformed=Reason.EVENT_INVALID)
    jws.check_header((EVENT_TYP,), typ_reason=Reason.EVENT_INVALID, alg_reason=Reason.EVENT_INVALID)
    jws.verify_with_any(keys, whose=f"{source}'s keys", reason=Reason.EVENT_INVALID, unknown=Reason.EVENT_INVALID)
    signed = jws.payload
    if signed.get("source") != source or signed.get("topic") != topic or signed.get("id") != message.get("id"):
        raise SandboxError(Reason.EVENT_INVALID, f"the event is not a {topic} event from {source}")
    return signed


def _checked(topic: object, event: object) -> tuple[str, dict[str, Any]]:
    if not isinstance(topic, str) or not topic or len(topic) > 200:
        raise SandboxError(Reason.BAD_REQUEST, "an event topic is a non-empty string")
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        raise SandboxError(Reason.BAD_REQUEST, "an event is a JSON object with a string id")
    try:  # what a broker would carry: JSON, copied, so a handler never shares the publisher's objects
        return topic, json.loads(json.dumps(event))
    except (TypeError, ValueError):
        raise SandboxError(Reason.BAD_REQUEST, "an event must be JSON-serializable") from None


class _Dispatcher:
    """A queue drained by one worker thread that calls each topic's handlers in subscription order."""

    def __init__(self, name: str) -> None:
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._handlers: dict[str, list[Handler]] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition()
        self._pending = 0
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def add(self, topic: str, handler: Handler) -> None:
        with self._lock:
            self._handlers.setdefault(topic, []).append(handler)

    def has(self, topic: str) -> bool:
        with self._lock:
            return bool(self._handlers.get(topic))

    def put(self, topic: str, event: dict[str, Any]) -> None:
        if self._closed:
            raise SandboxError(Reason.CONFLICT, "the event bus is closed", status_code=503)
        with self._idle:
            self._pending += 1
        self._queue.put((topic, event))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            topic, event = item
            with self._lock:
                handlers = list(self._handlers.get(topic, ()))
            for handler in handlers:
                try:
                    handler(event)
                    EVENTS_DELIVERED.labels(topic, "handled").inc()
                except Exception as exc:  # a subscriber's bug must not stop delivery to the others
                    EVENTS_DELIVERED.labels(topic, "failed").inc()
                    # The event may hold personal data: log its id and topic, never its content.
                    log.error(
                        "handler %s failed on event %s (%s): %s: %s",
                        getattr(handler, "__qualname__", handler),
                        event.get("id"),
                        topic,
                        exc.__class__.__name__,
                        exc,
                    )
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Block until every event handed in so far has been handled (True), or ``timeout`` passes."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join(timeout)


class InProcessEventBus:
    """Publish/subscribe within one process. Delivery follows publication order, on one worker
    thread; ``wait_idle`` lets a test (or a shutdown) wait until everything was delivered."""

    def __init__(self) -> None:
        self._dispatcher = _Dispatcher("pctf-event-bus")

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        topic, event = _checked(topic, event)
        self._dispatcher.put(topic, event)
        EVENTS_PUBLISHED.labels(topic).inc()

    def subscribe(self, topic: str, handler: Handler) -> None:
        _checked(topic, {"id": "-"})
        self._dispatcher.add(topic, handler)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._dispatcher.wait_idle(timeout)

    def close(self) -> None:
        self._dispatcher.close()

    def __repr__(self) -> str:
        return "InProcessEventBus()"


class RedisEventBus:
    """Redis pub/sub behind the :class:`EventBus` interface.

    Each topic is the Redis channel ``<prefix>.<topic>``; the prefix keeps separate sandboxes
    that share a Redis server (channels ignore the database number) from hearing each other.
    One listener thread owns the subscription connection (redis-py's PubSub is not thread-safe):
    ``subscribe`` asks it to subscribe and returns once Redis has confirmed, so an event
    published afterwards is sure to arrive. Received events go to a local worker.
    """

    def __init__(self, url: str, *, prefix: str = "pctf") -> None:
        try:
            import redis
        except ImportError:
            raise SandboxError(
                Reason.BAD_REQUEST,
                "PCTF_EVENT_BUS names Redis but the redis package is not installed: pip install 'pctf-sandbox[redis]'",
            ) from None
        self.prefix = prefix
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            self._redis.close()
            raise SandboxError(
                Reason.ENDPOINT_UNREACHABLE,
                f"the event broker at {_safe(url)} cannot be reached ({exc.__class__.__name__})",
                status_code=503,
            ) from None
        self._errors = (redis.RedisError, OSError)
        self._pubsub = self._redis.pubsub()
        self._requests: queue.Queue[str] = queue.Queue()
        self._confirmed: dict[str, threading.Event] = {}
        self._dispatcher = _Dispatcher("pctf-event-bus-redis-worker")
        self._stop = threading.Event()
        self._listener = threading.Thread(target=self._listen, name="pctf-event-bus-redis", daemon=True)
        self._listener.start()

    def _channel(self, topic: str) -> str:
        return f"{self.prefix}.{topic}"

    def publish(self, topic: str, event: dict[str, Any]) -> None:
        topic, event = _checked(topic, event)
        try:
            self._redis.publish(self._channel(topic), json.dumps(event, separators=(",", ":")))
        except self._errors as exc:
            raise SandboxError(
                Reason.ENDPOINT_UNREACHABLE,
                f"the event broker refused the event ({exc.__class__.__name__})",
                status_code=503,
            ) from None
        EVENTS_PUBLISHED.labels(topic).inc()

    def ping(self) -> None:
        """Raise unless the broker answers (the issuers' readiness check)."""
        self._redis.ping()

    def subscribe(self, topic: str, handler: Handler) -> None:
        _checked(topic, {"id": "-"})
        first = not self._dispatcher.has(topic)
        self._dispatcher.add(topic, handler)
        if not first:
            return
        channel = self._channel(topic)
        confirmed = self._confirmed.setdefault(channel, threading.Event())
        self._requests.put(channel)
        if not confirmed.wait(SUBSCRIBE_TIMEOUT_SECONDS):
            raise SandboxError(
                Reason.ENDPOINT_UNREACHABLE,
                f"the event broker did not confirm the subscription to {channel}",
                status_code=503,
            )

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                while True:
                    try:
                        channel = self._requests.get_nowait()
                    except queue.Empty:
                        break
                    self._pubsub.subscribe(channel)
                if not self._pubsub.subscribed:
                    self._stop.wait(0.05)
                    continue
                message = self._pubsub.get_message(timeout=0.2)
            except self._errors as exc:
                if self._stop.is_set():
                    return
                log.warning("event broker connection: %s; reconnecting", exc.__class__.__name__)
                self._stop.wait(0.5)
                continue
            if message is None:
                continue
            channel = message.get("channel")
            channel = channel.decode() if isinstance(channel, bytes) else channel
            if message.get("type") == "subscribe":
                self._confirmed.setdefault(channel, threading.Event()).set()
            elif message.get("type") == "message" and channel.startswith(self.prefix + "."):
                try:
                    event = json.loads(message["data"])
                except (TypeError, ValueError):
                    log.warning("ignored a message on %s that is not JSON", channel)
                    continue
                if isinstance(event, dict) and isinstance(event.get("id"), str):
                    self._dispatcher.put(channel[len(self.prefix) + 1 :], event)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until the events received so far were handled (not for those still in flight)."""
        return self._dispatcher.wait_idle(timeout)

    def close(self) -> None:
        self._stop.set()
        self._listener.join(5)
        self._dispatcher.close()
        for closing in (self._pubsub.close, self._redis.close):
            try:
                closing()
            except self._errors:
                pass

    def __repr__(self) -> str:
        return f"RedisEventBus(prefix={self.prefix!r})"


def _safe(url: str) -> str:
    """A broker URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}{parts.path}"


def event_bus_from_settings(settings: Settings) -> EventBus:
    """The bus ``PCTF_EVENT_BUS`` names: ``memory://`` (default) or ``redis://`` / ``rediss://``."""
    url = (settings.event_bus or "memory://").strip()
    if url in ("memory", "memory://"):
        return InProcessEventBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisEventBus(url, prefix=settings.event_topic_prefix)
    raise SandboxError(Reason.BAD_REQUEST, f"PCTF_EVENT_BUS must be memory:// or a redis:// URL, not {_safe(url)!r}")


# -- durability: the publisher's outbox and the consumer's record ------------------------------
class OutboxEvent(SQLModel, table=True):
    """An event stored with the fact it announces, published later by :func:`relay`."""

    __tablename__ = "event_outbox"
    id: str = Field(primary_key=True)  # the event id
    topic: str
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime
    published_at: datetime | None = Field(default=None, index=True)


class ProcessedEvent(SQLModel, table=True):
    """That ``subscriber`` handled event ``event_id``: the idempotence key, and when it happened."""

    __tablename__ = "event_processed"
    subscriber: str = Field(primary_key=True)
    event_id: str = Field(primary_key=True)
    topic: str
    received_at: datetime  # when the handler got the event
    processed_at: datetime  # when its effects were committed
    outcome: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


def add_to_outbox(session: Session, event: dict[str, Any], now: datetime) -> OutboxEvent:
    """Stage ``event`` in the caller's transaction: it exists exactly when the fact is committed."""
    row = OutboxEvent(id=event["id"], topic=event["topic"], event=event, created_at=now)
    session.add(row)
    return row


def relay(engine: Engine, bus: EventBus, clock: Clock, *, limit: int = 500) -> int:
    """Publish every stored, unpublished event (oldest first) and mark it published; returns how
    many were. A failed publish stops the run and leaves the rest for the next one. Two relays
    racing may both publish an event: consumers dedupe on its id."""
    with Session(engine) as session:
        pending = session.exec(
            select(OutboxEvent)
            .where(OutboxEvent.published_at == None)  # noqa: E711
            .order_by(col(OutboxEvent.created_at))
            .limit(limit)
        ).all()
    sent = 0
    for row in pending:
        try:
            bus.publish(row.topic, row.event)
        except SandboxError as exc:
            log.warning("event %s not published yet: %s", row.id, exc.reason.value)
            break
        EVENTS_REDELIVERED.labels(row.topic).inc()
        with Session(engine) as session:
            stored = session.get(OutboxEvent, row.id)
            if stored is not None and stored.published_at is None:
                stored.published_at = clock.now()
                session.add(stored)
                session.commit()
        sent += 1
    return sent


class PeriodicRelay:
    """Runs :func:`relay` every ``interval`` seconds on a daemon thread, for events a broker
    outage kept in the outbox. Real time on purpose: it retries a network, not a business rule."""

    def __init__(self, engine: Engine, bus: EventBus, clock: Clock, interval: float) -> None:
        self._args = (engine, bus, clock)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pctf-event-relay", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                relay(*self._args)
            except Exception as exc:  # a database hiccup: try again next time
                log.warning("event relay failed: %s", exc.__class__.__name__)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
