"""The one publish/subscribe event bus, and the two stores that make it safe to rely on.

Identity maintenance (a death registered once must reach every issuer) is the seeds' "event
broker (publish/subscribe) for real-time exchange between governments". Everything that emits
or consumes such events goes through the small :class:`EventBus` protocol, so the broker can be
swapped without touching a publisher or a subscriber:

* :class:`InProcessEventBus` (the default, ``PCTF_EVENT_BUS=memory://``): a queue and one
  worker thread per bus. ``publish`` only enqueues, so a publisher never waits for, and is never
  failed by, a slow or broken subscriber.
* :class:`NatsEventBus` (``PCTF_EVENT_BUS=nats://host:4222``): NATS JetStream, for services in
  separate processes or containers. The broker stores each event before ``publish`` returns and
  keeps, for every subscriber, a durable consumer that remembers what it has acknowledged: a
  subscriber that is down when an event is published gets it when it is back.

Delivery is at least once, never exactly once, so events carry an ``id`` and consumers are
idempotent (:class:`ProcessedEvent`). Publishing is made durable by an outbox
(:class:`OutboxEvent`): a publisher stores the event in the same transaction as the fact it
announces, and :func:`relay` publishes what is stored and not yet published, marking it only
once the bus accepted it (for JetStream: once the broker stored it). A crash between the commit
and the publish, or a broker that is down, therefore loses nothing: the next relay (at start-up,
or the periodic one) sends it, and consumers that already saw it skip it by its id. On the
consumer's side a JetStream message is acknowledged only once its handler returned, so a
subscriber that fails or dies while handling an event gets it again.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import logging
import queue
import re
import threading
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import BadRequestError
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


class EventBus(Protocol):
    """Publish an event on a topic; subscribe a handler to a topic on behalf of a named
    ``subscriber`` (a broker keeps each subscriber's place while it is away). Handlers run on the
    bus's own thread, may be called more than once for one event (dedupe on ``event["id"]``), and
    a handler's exception is logged, never returned to the publisher; a broker that redelivers
    gives the event again to a handler that raised, so a handler raises only for what a retry
    can fix. ``publish`` raises when the event was not accepted (the outbox keeps it)."""

    def publish(self, topic: str, event: dict[str, Any]) -> None: ...

    def subscribe(self, topic: str, handler: Handler, *, subscriber: str) -> None: ...

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

    def subscribe(self, topic: str, handler: Handler, *, subscriber: str = "") -> None:
        """``subscriber`` names who listens; in one process nothing is kept for anyone, so it is unused."""
        _checked(topic, {"id": "-"})
        self._dispatcher.add(topic, handler)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self._dispatcher.wait_idle(timeout)

    def close(self) -> None:
        self._dispatcher.close()

    def __repr__(self) -> str:
        return "InProcessEventBus()"


# -- NATS JetStream -----------------------------------------------------------------------------
# A handler that fails is given the event again after these delays (the last one repeats) until
# MAX_DELIVER deliveries; then the subscriber gives up on it and says so in the log.
RETRY_DELAYS_SECONDS: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
MAX_DELIVER = 20
# How long the broker waits for an acknowledgement before it delivers again: what a subscriber
# that died while handling an event costs.
ACK_WAIT_SECONDS = 30.0
# How long one pull waits on the broker for a message; a close waits for the pulls in flight, so
# that none is left on the broker to swallow a message meant for the next subscriber.
FETCH_SECONDS = 1.0
# How long the broker remembers a message id and drops a second publication of it: the relay
# publishes an event again when a crash came between the broker's acknowledgement and the mark.
DUPLICATE_WINDOW_SECONDS = 3600.0
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_TOKEN = re.compile(r"^[^\s*>.]+$")


def _broker_name(text: str) -> str:
    """``text`` as a JetStream stream or consumer name (letters, digits, ``-``, ``_``). When some
    character had to be replaced, a short hash of ``text`` follows, so two texts never share a name."""
    safe = _NAME_UNSAFE.sub("-", text)
    if safe != text:
        safe += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return safe


class NatsEventBus:
    """NATS JetStream behind the :class:`EventBus` interface (``PCTF_EVENT_BUS=nats://host:4222``).

    The prefix owns one stream, ``EVENTS_<prefix>``, on the subjects ``<prefix>.>`` (topic
    ``person.died`` is subject ``<prefix>.person.died``), stored on file and kept: a sandbox's events
    are few, and an issuer that comes back after any absence must still find what it missed. Two
    sandboxes on one broker use two prefixes, so they share neither stream nor consumer.

    ``publish`` returns once the broker has stored the event (its acknowledgement); anything else
    raises, so the outbox keeps the event for the relay. The event id is the message id
    (``Nats-Msg-Id``): the broker stores an event published twice once.

    Each ``subscribe`` has a durable consumer named after the subscriber and the topic. The broker
    keeps the subscriber's place while it is away, and delivers from the stream's first message
    to a new one, so an issuer down when a death was registered gets the event when it is back.
    The subscriber pulls one message at a time; its handler runs on the bus's worker thread, and
    the message is acknowledged only once the handler has returned (its effects committed). A
    handler that raises gets the event again after a delay (``retry_delays``), at most
    :data:`MAX_DELIVER` times, then the event is logged as abandoned: a transient failure is
    retried, a poison message does not loop. A handler must therefore raise only for what a
    retry can fix; an event it finds forged or malformed it logs and returns from, so it is
    acknowledged. A message that is not even JSON is dropped (terminated) the same way.

    nats-py is asyncio and the services are threads: the client lives on the bus's own event
    loop thread, and the synchronous methods submit to it and wait with ``timeout``. The client
    reconnects on its own; while it is not connected ``publish`` and ``ping`` fail at once. The
    constructor does not wait for the broker beyond the first attempt to connect: an issuer
    starts while the broker is down, its relay publishes later, its consumers attach when the
    broker is back.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "pctf",
        timeout: float = 10.0,
        retry_delays: tuple[float, ...] = RETRY_DELAYS_SECONDS,
        ack_wait: float = ACK_WAIT_SECONDS,
    ) -> None:
        if not retry_delays or not all(_TOKEN.match(token) for token in prefix.split(".")):
            raise SandboxError(Reason.BAD_REQUEST, "a NATS event bus needs a subject prefix and retry delays")
        self.prefix = prefix
        self.stream = f"EVENTS_{_broker_name(prefix)}"
        self._url = url
        self._timeout = timeout
        self._retry_delays = retry_delays
        self._ack_wait = ack_wait
        self._nc = NatsClient()
        self._js = self._nc.jetstream(timeout=timeout)
        self._lock = threading.Lock()
        self._consumers: dict[str, concurrent.futures.Future[None]] = {}
        self._closed = False
        self._ready = threading.Event()  # connected once, and the stream exists
        self._settled = threading.Event()  # the first attempt to connect succeeded or failed
        self._broker_down = False  # said in the log once per outage, not at every attempt
        self._closing = asyncio.Event()
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pctf-event-bus-nats-worker")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pctf-event-bus-nats", daemon=True)
        self._thread.start()
        self._connecting = asyncio.run_coroutine_threadsafe(self._connect(), self._loop)
        self._settled.wait(timeout)

    # -- connection and stream ------------------------------------------------------------------
    async def _connect(self) -> None:
        await self._nc.connect(
            servers=[self._url],
            name=f"pctf-sandbox {self.prefix}",
            connect_timeout=max(1, round(self._timeout)),
            allow_reconnect=True,
            max_reconnect_attempts=-1,  # a broker that is down is waited for, never given up on
            reconnect_time_wait=1,
            error_cb=self._on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
        )
        while not self._closing.is_set():
            try:
                await self._ensure_stream()
                break
            except (NatsError, OSError, TimeoutError) as exc:
                log.warning("the event stream %s cannot be made ready yet: %s", self.stream, exc.__class__.__name__)
                self._settled.set()
                await self._pause(self._retry_delays[-1])
        self._broker_down = False
        self._ready.set()
        self._settled.set()

    async def _ensure_stream(self) -> None:
        """Create the prefix's stream, or bring an existing one to this configuration."""
        config = StreamConfig(
            name=self.stream,
            description=f"PCTF sandbox events ({self.prefix})",
            subjects=[f"{self.prefix}.>"],
            storage=StorageType.FILE,
            retention=RetentionPolicy.LIMITS,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        )
        try:
            await self._js.add_stream(config)
        except BadRequestError:  # it exists with another configuration
            await self._js.update_stream(config)

    async def _on_error(self, exc: Exception) -> None:
        if not self._broker_down:
            log.warning("the event broker at %s cannot be reached (%s)", _safe(self._url), exc.__class__.__name__)
        self._broker_down = True
        self._settled.set()

    async def _on_disconnected(self) -> None:
        if not self._closing.is_set():
            log.warning("lost the event broker at %s; reconnecting", _safe(self._url))

    async def _on_reconnected(self) -> None:
        self._broker_down = False
        log.info("reconnected to the event broker at %s", _safe(self._url))
        try:  # a broker that lost its storage gets the stream again
            await self._ensure_stream()
        except (NatsError, OSError, TimeoutError) as exc:
            log.warning("the event stream %s cannot be made ready: %s", self.stream, exc.__class__.__name__)

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds``, or less when the bus closes."""
        try:
            await asyncio.wait_for(self._closing.wait(), seconds)
        except TimeoutError:
            pass

    def _connected(self) -> bool:
        return self._ready.is_set() and self._nc.is_connected

    def _subject(self, topic: str) -> str:
        if not all(_TOKEN.match(token) for token in topic.split(".")):
            raise SandboxError(Reason.BAD_REQUEST, "an event topic is dot-separated words without spaces, * or >")
        return f"{self.prefix}.{topic}"

    # -- publishing ---------------------------------------------------------------------------------
    def publish(self, topic: str, event: dict[str, Any]) -> None:
        """Return once the broker stored ``event``; raise ``endpoint_unreachable`` (503) otherwise."""
        topic, event = _checked(topic, event)
        subject = self._subject(topic)
        if self._closed:
            raise SandboxError(Reason.CONFLICT, "the event bus is closed", status_code=503)
        if not self._connected():
            raise SandboxError(
                Reason.ENDPOINT_UNREACHABLE, "the event broker is not connected; the event waits", status_code=503
            )
        payload = json.dumps(event, separators=(",", ":")).encode()
        sending = asyncio.run_coroutine_threadsafe(
            self._js.publish(
                subject, payload, timeout=self._timeout, stream=self.stream, headers={"Nats-Msg-Id": event["id"]}
            ),
            self._loop,
        )
        try:
            stored = sending.result(self._timeout + 1)
        except (NatsError, OSError, TimeoutError) as exc:
            sending.cancel()
            raise SandboxError(
                Reason.ENDPOINT_UNREACHABLE,
                f"the event broker did not store the event ({exc.__class__.__name__})",
                status_code=503,
            ) from None
        if not stored.duplicate:  # a second publication of a stored event adds nothing
            EVENTS_PUBLISHED.labels(topic).inc()

    def ping(self) -> None:
        """Raise unless the broker answers for the stream (the issuers' readiness check)."""
        if not self._connected():
            raise SandboxError(Reason.ENDPOINT_UNREACHABLE, "the event broker is not connected", status_code=503)
        asyncio.run_coroutine_threadsafe(self._js.stream_info(self.stream), self._loop).result(self._timeout)

    # -- consuming ----------------------------------------------------------------------------------
    def subscribe(self, topic: str, handler: Handler, *, subscriber: str) -> None:
        """Deliver ``topic`` to ``handler`` through ``subscriber``'s durable consumer. Returns at
        once: the consumer is made (or found) on the broker as soon as it answers."""
        _checked(topic, {"id": "-"})
        subject = self._subject(topic)
        if not isinstance(subscriber, str) or not subscriber.strip():
            raise SandboxError(Reason.BAD_REQUEST, "a subscriber to a NATS event bus is named")
        durable = _broker_name(f"{subscriber}-{topic}")
        config = ConsumerConfig(
            durable_name=durable,
            description=f"{subscriber} on {topic}",
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self._ack_wait,
            max_deliver=MAX_DELIVER,
            filter_subject=subject,
        )
        with self._lock:
            if self._closed:
                raise SandboxError(Reason.CONFLICT, "the event bus is closed", status_code=503)
            if durable in self._consumers:  # two pullers of one consumer would share its events
                raise SandboxError(Reason.CONFLICT, f"{subscriber} already subscribes to {topic} on this bus")
            self._consumers[durable] = asyncio.run_coroutine_threadsafe(
                self._consume(topic, config, handler), self._loop
            )

    async def _consume(self, topic: str, config: ConsumerConfig, handler: Handler) -> None:
        durable = config.durable_name or ""
        pull: JetStreamContext.PullSubscription | None = None
        while not self._closing.is_set():
            if not self._connected():
                await self._pause(0.2)
                continue
            try:
                if pull is None:
                    await self._ensure_consumer(config)
                    pull = await self._js.pull_subscribe_bind(durable=durable, stream=self.stream)
                messages = await pull.fetch(1, timeout=FETCH_SECONDS)
            except NatsTimeoutError:  # nothing to deliver (or the broker went away meanwhile)
                continue
            except (NatsError, OSError, TimeoutError) as exc:  # the consumer is made again, then pulled
                log.warning("event consumer %s on %s: %s; retrying", durable, self.stream, exc.__class__.__name__)
                if pull is not None:
                    await _quietly(pull.unsubscribe())
                pull = None
                await self._pause(self._retry_delays[0])
                continue
            for message in messages:
                await self._deliver(topic, handler, message)
        if pull is not None:
            await _quietly(pull.unsubscribe())

    async def _ensure_consumer(self, config: ConsumerConfig) -> None:
        try:
            await self._js.add_consumer(self.stream, config)
        except BadRequestError as exc:  # it exists with another configuration: it keeps its place
            log.warning("event consumer %s kept its earlier configuration: %s", config.durable_name, exc.description)

    async def _deliver(self, topic: str, handler: Handler, message: Msg) -> None:
        """Hand one message to ``handler`` on the worker thread, then acknowledge it, ask for it
        again later, or drop it."""
        delivered = message.metadata.num_delivered
        if delivered > 1:
            EVENTS_REDELIVERED.labels(topic).inc()
        try:
            event = json.loads(message.data)
            if not isinstance(event, dict) or not isinstance(event.get("id"), str):
                raise ValueError("not an event")
        except ValueError:  # nothing a redelivery could fix
            EVENTS_DELIVERED.labels(topic, "rejected").inc()
            log.warning("dropped a message on %s that is not an event", message.subject)
            await _quietly(message.term())
            return
        name = getattr(handler, "__qualname__", handler)
        try:
            await self._loop.run_in_executor(self._worker, handler, event)
        except Exception as exc:
            EVENTS_DELIVERED.labels(topic, "failed").inc()
            # The event may hold personal data: log its id and topic, never its content.
            if delivered >= MAX_DELIVER:
                log.error(
                    "handler %s gave up on event %s (%s) after %d deliveries: %s: %s",
                    name,
                    event["id"],
                    topic,
                    delivered,
                    exc.__class__.__name__,
                    exc,
                )
                await _quietly(message.term())
            else:
                delay = self._retry_delays[min(delivered, len(self._retry_delays)) - 1]
                log.error(
                    "handler %s failed on event %s (%s), delivery %d, retried in %gs: %s: %s",
                    name,
                    event["id"],
                    topic,
                    delivered,
                    delay,
                    exc.__class__.__name__,
                    exc,
                )
                await _quietly(message.nak(delay=delay))
            return
        EVENTS_DELIVERED.labels(topic, "handled").inc()
        await _quietly(message.ack())  # lost: the broker delivers again, and the handler dedupes

    # -- the end --------------------------------------------------------------------------------------
    def close(self) -> None:
        """Let the pulls in flight and the handlers running finish and acknowledge, then leave the broker."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            consumers = list(self._consumers.values())
        self._loop.call_soon_threadsafe(self._closing.set)
        _, unfinished = concurrent.futures.wait(consumers, timeout=FETCH_SECONDS + self._timeout)
        for future in unfinished:
            future.cancel()
        self._connecting.cancel()
        try:
            asyncio.run_coroutine_threadsafe(self._disconnect(), self._loop).result(self._timeout + 1)
        except Exception as exc:  # closing anyway
            log.warning("the event broker connection did not close cleanly: %s", exc.__class__.__name__)
        try:
            asyncio.run_coroutine_threadsafe(self._cancel_the_rest(), self._loop).result(5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._worker.shutdown(wait=False)
        if not self._thread.is_alive():
            self._loop.close()

    async def _disconnect(self) -> None:
        if self._nc.is_connected:
            await self._nc.drain()  # sends the acknowledgements still buffered, then closes
        elif not self._nc.is_closed:
            await _quietly(self._nc.close())

    @staticmethod
    async def _cancel_the_rest() -> None:
        """End what the client left running (a connection closed while reconnecting leaves some),
        so the loop stops with no task pending."""
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def __repr__(self) -> str:
        return f"NatsEventBus(prefix={self.prefix!r})"


async def _quietly(call: Awaitable[object]) -> None:
    """Await a message's acknowledgement (or a cleanup) that may fail with the connection: the
    broker then delivers again, which idempotent handlers absorb."""
    try:
        await call
    except (NatsError, OSError, TimeoutError) as exc:
        log.warning("event broker call failed: %s", exc.__class__.__name__)


def _safe(url: str) -> str:
    """A broker URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}{parts.path}"


def event_bus_from_settings(settings: Settings) -> EventBus:
    """The bus ``PCTF_EVENT_BUS`` names: ``memory://`` (default) or ``nats://`` (``tls://``) JetStream."""
    url = (settings.event_bus or "memory://").strip()
    if url in ("memory", "memory://"):
        return InProcessEventBus()
    if url.startswith(("nats://", "tls://")):
        return NatsEventBus(url, prefix=settings.event_topic_prefix, timeout=settings.http_timeout_seconds)
    raise SandboxError(Reason.BAD_REQUEST, f"PCTF_EVENT_BUS must be memory:// or a nats:// URL, not {_safe(url)!r}")


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
    """Publish every stored, unpublished event (oldest first) and mark it published once the bus
    accepted it; returns how many were. A failed publish stops the run and leaves the rest for the
    next one. Two relays racing may both publish an event: a JetStream broker stores it once (the
    event id is the message id), and consumers dedupe on its id anyway."""
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
