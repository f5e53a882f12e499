"""The event bus (in process and on NATS JetStream), the outbox that makes publishing durable, and
the choice of bus by setting. Waiting here is for worker threads and a broker, never for a clock.

The broker tests use the NATS server at 127.0.0.1:4222 (JetStream on), each on a subject prefix
of its own whose stream is deleted afterwards; they skip, saying so, when it does not answer. A
lost connection is a TCP relay in front of the broker that the test cuts: the broker itself is
never stopped."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from cli.stack import bootstrap
from issuers.app import create_app as create_issuers_app
from issuers.deaths import PERSON_DIED, PERSON_FIELDS
from issuers.jurisdictions import SANDBOX_ISSUERS
from issuers.models import Issuance
from issuers.service import IssuerService
from pctf import sdjwt, statuslist
from pctf.clock import FrozenClock
from pctf.events import (
    InProcessEventBus,
    NatsEventBus,
    OutboxEvent,
    ProcessedEvent,
    add_to_outbox,
    event_bus_from_settings,
    new_event,
    relay,
    sign_event,
)
from pctf.jose import generate_key
from pctf.observability import EVENTS_DELIVERED, EVENTS_PUBLISHED, EVENTS_REDELIVERED
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all, engine_for
from scenarios.personas import SASHA_FATHER
from tests.support import free_port, serve

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
NATS_URL = "nats://127.0.0.1:4222"
STAFF_TOKENS = {short_id: f"{short_id}-staff-token" for short_id in SANDBOX_ISSUERS}


def _event(n: int = 0, topic: str = "person.died") -> dict:
    return new_event(topic, {"n": n}, source="https://example.ca/issuers/vitalstats", occurred_at=T0)


def until(condition, timeout: float = 5.0) -> bool:
    """Poll ``condition`` until true (a broker delivers on its own schedule; no clock is involved)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Recorder:
    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.arrived = threading.Event()

    def __call__(self, event: dict) -> None:
        self.seen.append(event)
        self.arrived.set()


@pytest.fixture
def bus():
    bus = InProcessEventBus()
    yield bus
    bus.close()


def test_in_process_delivery_in_order_to_the_topics_subscribers_only(bus):
    died, other = Recorder(), Recorder()
    bus.subscribe("person.died", died)
    bus.subscribe("person.born", other)
    events = [_event(i) for i in range(5)]
    for event in events:
        bus.publish("person.died", event)
    assert bus.wait_idle(5)
    assert [e["id"] for e in died.seen] == [e["id"] for e in events]
    assert other.seen == []
    # What a handler receives is a copy, as a broker would carry it: it cannot change the publisher's.
    died.seen[0]["data"]["n"] = 99
    assert events[0]["data"]["n"] == 0


def test_a_publisher_never_waits_for_a_slow_subscriber(bus):
    release, done = threading.Event(), Recorder()

    def slow(_event: dict) -> None:
        release.wait(10)

    bus.subscribe("person.died", slow)
    bus.subscribe("person.died", done)
    for i in range(3):
        bus.publish("person.died", _event(i))  # returns while ``slow`` is still blocked
    assert done.seen == [] and not bus.wait_idle(0.05)
    release.set()
    assert bus.wait_idle(5) and len(done.seen) == 3


def test_a_failing_handler_does_not_stop_the_others(bus, caplog):
    def broken(_event: dict) -> None:
        raise RuntimeError("bug")

    after = Recorder()
    bus.subscribe("person.died", broken)
    bus.subscribe("person.died", after)
    event = _event()
    bus.publish("person.died", event)
    assert bus.wait_idle(5) and [e["id"] for e in after.seen] == [event["id"]]
    assert event["id"] in caplog.text and "RuntimeError" in caplog.text
    assert "'n'" not in caplog.text  # the event's content (personal data) is not logged


@pytest.mark.parametrize(
    "topic,event",
    [
        ("", {"id": "x"}),
        (None, {"id": "x"}),
        ("t", {}),
        ("t", {"id": 7}),
        ("t", ["id"]),
        ("t", {"id": "x", "data": object()}),
    ],
)
def test_bad_events_are_refused(bus, topic, event):
    with pytest.raises(SandboxError) as caught:
        bus.publish(topic, event)
    assert caught.value.reason == Reason.BAD_REQUEST


def test_a_closed_bus_refuses_to_publish():
    bus = InProcessEventBus()
    bus.close()
    with pytest.raises(SandboxError):
        bus.publish("person.died", _event())


def test_the_bus_is_chosen_by_setting(tmp_path):
    assert isinstance(event_bus_from_settings(Settings(data_dir=tmp_path)), InProcessEventBus)
    with pytest.raises(SandboxError) as caught:
        event_bus_from_settings(Settings(data_dir=tmp_path, event_bus="kafka://broker:9092"))
    assert caught.value.reason == Reason.BAD_REQUEST
    with pytest.raises(SandboxError) as caught:  # Redis pub/sub kept nothing for an absent issuer: gone
        event_bus_from_settings(Settings(data_dir=tmp_path, event_bus="redis://127.0.0.1:6379/0"))
    assert caught.value.reason == Reason.BAD_REQUEST
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, event_topic_prefix="has spaces")


# -- the outbox ---------------------------------------------------------------------------------
class Refusing:
    """A bus whose broker is down."""

    def publish(self, topic: str, event: dict) -> None:
        raise SandboxError(Reason.ENDPOINT_UNREACHABLE, "down", status_code=503)

    def subscribe(self, topic, handler, *, subscriber: str) -> None:
        pass

    def close(self) -> None:
        pass


def test_the_outbox_keeps_what_could_not_be_published_and_sends_it_later(tmp_path, bus):
    settings = Settings(data_dir=tmp_path)
    engine = engine_for(settings, "issuers")  # the outbox lives in the issuers' database
    clock = FrozenClock(T0)
    events = [_event(i) for i in range(3)]
    with Session(engine) as session:
        for event in events:
            add_to_outbox(session, event, clock.now())
        session.commit()
    assert relay(engine, Refusing(), clock) == 0
    with Session(engine) as session:
        assert all(r.published_at is None for r in session.exec(select(OutboxEvent)).all())

    got = Recorder()
    bus.subscribe("person.died", got)
    clock.advance(5)
    assert relay(engine, bus, clock) == 3
    assert relay(engine, bus, clock) == 0  # nothing left
    assert bus.wait_idle(5) and [e["id"] for e in got.seen] == [e["id"] for e in events]
    with Session(engine) as session:
        assert {r.published_at.replace(tzinfo=UTC) for r in session.exec(select(OutboxEvent)).all()} == {clock.now()}
    dispose_all()


# -- NATS JetStream -------------------------------------------------------------------------------
class Relay:
    """A TCP relay in front of the broker that a test cuts and restores: a lost connection to a
    broker that keeps running (the machine's NATS server is shared, and never stopped here)."""

    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 4222)) -> None:
        self.target = target
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []
        self.restore()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            self._open += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self) -> None:
        """Close every connection and refuse new ones."""
        if self._listener is not None:
            for closing in (lambda: self._listener.shutdown(socket.SHUT_RDWR), self._listener.close):
                try:
                    closing()
                except OSError:
                    pass
            self._listener = None
        for sock in self._open:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._open.clear()


def _on_broker(call):
    """Run ``call(jetstream)`` on a connection of the test's own (to inspect or clean the broker).

    On a thread of its own: the browser tests' Playwright keeps an event loop running on the main
    thread for the whole session, and ``asyncio.run`` refuses to start beside a running loop."""
    import nats

    async def run():
        connection = await nats.connect(NATS_URL, connect_timeout=2, allow_reconnect=False)
        try:
            return await call(connection.jetstream())
        finally:
            await connection.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def drop_stream(prefix: str) -> None:
    """Delete the stream of topic prefix ``prefix`` (a test's own, of safe characters) if the
    broker holds it: the machine's broker keeps streams on disk, with no age limit."""
    from nats.js.errors import NotFoundError

    try:
        _on_broker(lambda js: js.delete_stream(f"EVENTS_{prefix}"))
    except NotFoundError:
        pass


@pytest.fixture(scope="module")
def nats_server() -> str:
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=2).close()
    except OSError as exc:
        pytest.skip(f"no NATS server at {NATS_URL} ({exc.__class__.__name__}); start `nats-server -js` to run these")
    return NATS_URL


@pytest.fixture
def prefix(nats_server):
    """A subject prefix of the test's own; its stream is deleted afterwards."""
    from nats.js.errors import NotFoundError

    prefix = f"pctf-test-{uuid.uuid4().hex[:8]}"
    yield prefix
    try:
        _on_broker(lambda js: js.delete_stream(f"EVENTS_{prefix}"))
    except NotFoundError:
        pass


@pytest.fixture
def open_bus(prefix):
    """Open NATS buses on the test's prefix (quick retries); each is closed when the test ends."""
    buses: list[NatsEventBus] = []

    def open_bus(url: str = NATS_URL, **options) -> NatsEventBus:
        options.setdefault("retry_delays", (0.05,))
        bus = NatsEventBus(url, prefix=prefix, timeout=5, **options)
        buses.append(bus)
        return bus

    yield open_bus
    for bus in buses:
        bus.close()


def _stored(prefix: str) -> int:
    """How many messages the prefix's stream holds."""
    return _on_broker(lambda js: js.stream_info(f"EVENTS_{prefix}")).state.messages


@pytest.mark.nats
def test_nats_keeps_events_for_a_subscriber_that_was_not_there_yet(open_bus, prefix):
    publisher = open_bus()
    assert publisher.stream == f"EVENTS_{prefix}"
    events = [_event(i) for i in range(3)]
    for event in events:
        publisher.publish("person.died", event)  # returns once stored: nobody subscribes yet
    assert _stored(prefix) == 3

    late, other = open_bus(), open_bus()
    first, second = Recorder(), Recorder()
    late.subscribe("person.died", first, subscriber="issuer:prov1")
    other.subscribe("person.died", second, subscriber="issuer:prov2")  # each subscriber has its own copy
    assert until(lambda: len(first.seen) == 3 and len(second.seen) == 3)
    assert [e["id"] for e in first.seen] == [e["id"] for e in events] == [e["id"] for e in second.seen]
    assert first.seen[0] == events[0]

    elsewhere = Recorder()  # a sandbox on another prefix shares neither stream nor consumers
    apart = NatsEventBus(NATS_URL, prefix=prefix + "-apart", timeout=5)
    try:
        apart.subscribe("person.died", elsewhere, subscriber="issuer:prov1")
        publisher.publish("person.died", marker := _event(9))
        assert until(lambda: marker["id"] in {e["id"] for e in first.seen})
        apart.publish("person.died", _event(10))
        assert until(lambda: len(elsewhere.seen) == 1)
        assert len(first.seen) == 4
    finally:
        apart.close()
        _on_broker(lambda js: js.delete_stream(apart.stream))


@pytest.mark.nats
def test_nats_a_subscriber_back_from_an_absence_gets_what_it_missed_and_only_that(open_bus):
    publisher = open_bus()
    before, during = _event(1), _event(2)
    away = open_bus()
    seen = Recorder()
    away.subscribe("person.died", seen, subscriber="issuer:prov1")
    publisher.publish("person.died", before)
    assert until(lambda: len(seen.seen) == 1)
    away.close()  # the issuer goes down

    publisher.publish("person.died", during)
    back = open_bus()  # the same subscriber comes back, on a new connection
    again = Recorder()
    back.subscribe("person.died", again, subscriber="issuer:prov1")
    assert until(lambda: len(again.seen) == 1)
    publisher.publish("person.died", marker := _event(3))
    assert until(lambda: len(again.seen) == 2)
    assert [e["id"] for e in again.seen] == [during["id"], marker["id"]]  # the acknowledged one is not sent again


@pytest.mark.nats
def test_nats_a_failing_handler_gets_the_event_again_and_it_is_acknowledged_once_handled(open_bus, caplog):
    bus = open_bus()
    calls: list[str] = []

    def flaky(event: dict) -> None:
        calls.append(event["id"])
        if len(calls) < 3:
            raise RuntimeError("database unavailable")

    redelivered = EVENTS_REDELIVERED.labels("person.died")._value.get()
    bus.subscribe("person.died", flaky, subscriber="issuer:prov1")
    event = _event()
    bus.publish("person.died", event)
    assert until(lambda: len(calls) == 3)
    bus.publish("person.died", marker := _event(1))
    assert until(lambda: len(calls) == 4)
    assert calls == [event["id"]] * 3 + [marker["id"]]  # handled on the third delivery, then never again
    assert EVENTS_REDELIVERED.labels("person.died")._value.get() == redelivered + 2
    assert "RuntimeError" in caplog.text and event["id"] in caplog.text and "'n'" not in caplog.text


@pytest.mark.nats
def test_nats_a_subscriber_that_died_while_handling_gets_the_event_again(open_bus):
    """The acknowledgement follows the handler's return: a subscriber whose connection dies before
    it could acknowledge has the event delivered again, here to its next instance."""
    relay_ = Relay()
    try:
        dying = open_bus(relay_.url, ack_wait=1.0)
        started, release, first = threading.Event(), threading.Event(), Recorder()

        def slow(event: dict) -> None:
            started.set()
            release.wait(10)
            first(event)

        dying.subscribe("person.died", slow, subscriber="issuer:prov1")
        event = _event()
        dying.publish("person.died", event)
        assert started.wait(5)
        relay_.cut()  # the connection dies while the handler runs: no acknowledgement reaches the broker
        release.set()
        assert until(lambda: len(first.seen) == 1)
        dying.close()
    finally:
        relay_.cut()

    redelivered = EVENTS_REDELIVERED.labels("person.died")._value.get()
    again = Recorder()
    open_bus(ack_wait=1.0).subscribe("person.died", again, subscriber="issuer:prov1")
    assert until(lambda: len(again.seen) == 1, timeout=10)
    assert again.seen[0]["id"] == event["id"]
    assert EVENTS_REDELIVERED.labels("person.died")._value.get() == redelivered + 1


@pytest.mark.nats
def test_nats_the_same_event_published_twice_is_stored_once(open_bus, prefix):
    bus = open_bus()
    published = EVENTS_PUBLISHED.labels("person.died")._value.get()
    event = _event()
    bus.publish("person.died", event)
    bus.publish("person.died", event)  # a relay that published, crashed before marking, and publishes again
    assert _stored(prefix) == 1
    assert EVENTS_PUBLISHED.labels("person.died")._value.get() == published + 1


@pytest.mark.nats
def test_nats_an_unreachable_broker_fails_the_publish_and_the_outbox_keeps_the_event(open_bus, tmp_path):
    settings = Settings(data_dir=tmp_path, event_bus=f"nats://127.0.0.1:{free_port()}")  # nothing listens
    engine = engine_for(settings, "issuers")
    clock = FrozenClock(T0)
    events = [_event(i) for i in range(2)]
    with Session(engine) as session:
        for event in events:
            add_to_outbox(session, event, clock.now())
        session.commit()
    down = event_bus_from_settings(settings)
    try:
        assert isinstance(down, NatsEventBus)
        with pytest.raises(SandboxError) as caught:
            down.publish("person.died", events[0])
        assert caught.value.reason == Reason.ENDPOINT_UNREACHABLE
        with pytest.raises(SandboxError):
            down.ping()
        assert relay(engine, down, clock) == 0
    finally:
        down.close()
    with Session(engine) as session:
        assert all(r.published_at is None for r in session.exec(select(OutboxEvent)).all())

    up, got = open_bus(), Recorder()
    up.ping()
    up.subscribe("person.died", got, subscriber="issuer:prov1")
    assert relay(engine, up, clock) == 2
    with Session(engine) as session:
        assert all(r.published_at is not None for r in session.exec(select(OutboxEvent)).all())
    assert until(lambda: len(got.seen) == 2)
    dispose_all()


@pytest.mark.nats
def test_nats_a_lost_connection_fails_publishing_until_the_client_reconnects(open_bus, tmp_path):
    engine = engine_for(Settings(data_dir=tmp_path), "issuers")
    clock = FrozenClock(T0)
    relay_ = Relay()
    try:
        bus, got = open_bus(relay_.url), Recorder()
        bus.subscribe("person.died", got, subscriber="issuer:prov1")
        bus.publish("person.died", _event(0))
        assert until(lambda: len(got.seen) == 1)

        relay_.cut()
        with Session(engine) as session:
            add_to_outbox(session, stored := _event(1), clock.now())
            session.commit()
        assert until(lambda: _fails(bus.ping))  # the client noticed the connection is gone
        with pytest.raises(SandboxError) as caught:
            bus.publish("person.died", _event(2))
        assert caught.value.reason == Reason.ENDPOINT_UNREACHABLE
        assert relay(engine, bus, clock) == 0

        relay_.restore()  # the client reconnects by itself; the periodic relay then sends what waited
        assert until(lambda: not _fails(bus.ping), timeout=10)
        assert relay(engine, bus, clock) == 1
        assert until(lambda: [e["id"] for e in got.seen][1:] == [stored["id"]], timeout=10)
    finally:
        relay_.cut()
        dispose_all()


def _fails(call) -> bool:
    try:
        call()
    except Exception:
        return True
    return False


@pytest.mark.nats
def test_nats_refuses_what_is_not_a_subject_or_a_subscriber(nats_server, open_bus):
    bus = open_bus()
    for topic in ("person died", "person.*", "person.>", "person..died"):
        with pytest.raises(SandboxError) as caught:
            bus.publish(topic, _event())
        assert caught.value.reason == Reason.BAD_REQUEST
    with pytest.raises(SandboxError):
        bus.subscribe("person.died", Recorder(), subscriber="")
    bus.subscribe("person.died", Recorder(), subscriber="issuer:prov1")
    with pytest.raises(SandboxError) as caught:  # two pullers on one consumer would split its events
        bus.subscribe("person.died", Recorder(), subscriber="issuer:prov1")
    assert caught.value.reason == Reason.CONFLICT
    bus.close()
    with pytest.raises(SandboxError):
        bus.publish("person.died", _event())


# -- the issuers over NATS ---------------------------------------------------------------------------
@dataclass
class Issuers:
    settings: Settings
    clock: FrozenClock
    service: IssuerService

    def status(self, issuance_id: int) -> str:
        with Session(self.service.db) as session:
            return session.get(Issuance, issuance_id).status

    def processed(self, event_id: str) -> list[ProcessedEvent]:
        with Session(self.service.db) as session:
            return list(session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id)).all())

    def mint(self, person: dict) -> int:
        issued = self.service.mint("prov1", "VerifiedPerson", person, generate_key().public_jwk)
        ref = statuslist.status_reference(sdjwt.SdJwt.parse(issued).payload)
        with Session(self.service.db) as session:
            return session.exec(
                select(Issuance.id).where(
                    Issuance.status_idx == ref.idx, Issuance.status_list_id == int(ref.uri.rsplit("/", 1)[1])
                )
            ).one()

    def death(self, person: dict) -> dict:
        """A ``person.died`` event signed by vital statistics, as its registration makes one."""
        return sign_event(
            new_event(
                PERSON_DIED,
                {"person": {k: person[k] for k in PERSON_FIELDS}, "date_of_death": "2025-03-01"},
                source=self.service.issuer_url("vitalstats"),
                occurred_at=self.clock.now(),
            ),
            self.service.signing_key("vitalstats"),
        )


def _person(given_name: str) -> dict:
    """Someone only the test's own credentials name."""
    return {**SASHA_FATHER, "given_name": f"{given_name}-{uuid.uuid4().hex[:6]}"}


@pytest.fixture(scope="module")
def issuers(tmp_path_factory, nats_server):
    """The issuers' engine and database, shared by the module's issuer tests (each on its own prefix)."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("issuers") / "data",
        governance_token="g",
        public_url=f"http://127.0.0.1:{free_port()}",
        issuer_staff_tokens=STAFF_TOKENS,
    )
    clock = FrozenClock(T0)
    bootstrap(settings, clock)
    yield Issuers(settings, clock, IssuerService(settings, clock))
    dispose_all()


@pytest.mark.nats
def test_nats_a_death_delivered_twice_is_processed_once_and_a_database_failure_is_retried(
    issuers, open_bus, prefix, monkeypatch, caplog
):
    issuance = issuers.mint(person := _person("Twice"))
    bus = open_bus()
    deaths = issuers.service.deaths
    change_status, failures = deaths.status_lists.change_status, []

    def failing_once(session, issuance_id, *args, **kwargs):  # the database fails mid-way, once
        if issuance_id == issuance and not failures:
            failures.append(issuance_id)
            raise OperationalError("UPDATE issuance", {}, Exception("database is locked"))
        return change_status(session, issuance_id, *args, **kwargs)

    monkeypatch.setattr(deaths.status_lists, "change_status", failing_once)
    deaths.subscribe(bus)
    event = issuers.death(person)
    bus.publish(PERSON_DIED, event)
    bus.publish(PERSON_DIED, event)  # stored once by the broker
    assert until(lambda: len(issuers.processed(event["id"])) == len(SANDBOX_ISSUERS), timeout=10)
    assert failures == [issuance] and issuers.status(issuance) == "revoked"  # prov1 failed, then revoked
    first = {p.subscriber: p.processed_at for p in issuers.processed(event["id"])}

    failed = EVENTS_DELIVERED.labels(PERSON_DIED, "failed")._value.get()
    # The broker delivers it again (a lost acknowledgement): every issuer skips it by its id.
    payload = json.dumps(event).encode()
    _on_broker(lambda js: js.publish(f"{prefix}.{PERSON_DIED}", payload, headers={"Nats-Msg-Id": "again"}))
    # A death signed by a stranger: logged and acknowledged, since no redelivery would make it genuine.
    forged = sign_event({k: v for k, v in issuers.death(person).items() if k != "jws"}, generate_key())
    _on_broker(lambda js: js.publish(f"{prefix}.{PERSON_DIED}", json.dumps(forged).encode()))
    marker = issuers.death(_person("Marker"))
    bus.publish(PERSON_DIED, marker)
    assert until(lambda: len(issuers.processed(marker["id"])) == len(SANDBOX_ISSUERS), timeout=10)
    assert {p.subscriber: p.processed_at for p in issuers.processed(event["id"])} == first
    assert issuers.processed(forged["id"]) == []
    assert EVENTS_DELIVERED.labels(PERSON_DIED, "failed")._value.get() == failed  # no handler raised
    assert caplog.text.count(f"event (id {forged['id']!r}): event_invalid") == len(SANDBOX_ISSUERS)


@pytest.mark.nats
def test_nats_issuers_that_were_down_when_a_death_was_registered_revoke_when_they_are_back(issuers, prefix):
    """The issuers app on ``PCTF_EVENT_BUS=nats://``: it subscribes (durable consumers), goes down,
    a death is registered meanwhile, and the app started again revokes (checked over HTTP)."""
    settings = issuers.settings.model_copy(update={"event_bus": NATS_URL, "event_topic_prefix": prefix})
    person = _person("Away")
    issuance = issuers.mint(person)
    with serve(create_issuers_app(settings, issuers.clock, issuers.service), loopback=True):
        pass  # the issuers subscribe, then stop

    registrar = NatsEventBus(NATS_URL, prefix=prefix, timeout=5)  # vital statistics, in its own process
    try:
        death = {k: person[k] for k in PERSON_FIELDS} | {"date_of_death": "2025-03-01"}
        registered = issuers.service.vital_statistics.register_death(registrar, "vitalstats", death)
    finally:
        registrar.close()
    assert registered["published_at"] is not None  # the broker has it, and nobody received it yet
    assert issuers.processed(registered["event_id"]) == [] and issuers.status(issuance) == "valid"

    with serve(create_issuers_app(settings, issuers.clock, issuers.service), loopback=True) as back:
        http = back.client(headers={"Authorization": f"Bearer {STAFF_TOKENS['prov1']}"})
        url = f"/issuers/prov1/events/{registered['event_id']}"
        assert until(lambda: http.get(url).status_code == 200, timeout=10)
        assert http.get(url).json()["revoked"] == [issuance]
        assert until(lambda: len(issuers.processed(registered["event_id"])) == len(SANDBOX_ISSUERS), timeout=10)
        http.close()
    assert issuers.status(issuance) == "revoked"
