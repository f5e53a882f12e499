"""The event bus (in process and over Redis), the outbox that makes publishing durable, and the
choice of bus by setting. Waiting here is for worker threads and a broker, never for a clock."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from pctf.clock import FrozenClock
from pctf.events import (
    InProcessEventBus,
    OutboxEvent,
    RedisEventBus,
    add_to_outbox,
    event_bus_from_settings,
    new_event,
    relay,
)
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all, engine_for

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
REDIS_URL = "redis://127.0.0.1:6379/0"


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
    with pytest.raises(SandboxError) as caught:  # nothing listens there
        event_bus_from_settings(Settings(data_dir=tmp_path, event_bus="redis://127.0.0.1:1/0"))
    assert caught.value.reason == Reason.ENDPOINT_UNREACHABLE
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, event_topic_prefix="has spaces")


# -- the outbox ---------------------------------------------------------------------------------
class Refusing:
    """A bus whose broker is down."""

    def publish(self, topic: str, event: dict) -> None:
        raise SandboxError(Reason.ENDPOINT_UNREACHABLE, "down", status_code=503)

    def subscribe(self, topic, handler) -> None:
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


# -- a real broker --------------------------------------------------------------------------------
@pytest.fixture
def redis_bus():
    """A Redis bus on a channel prefix of its own (sandboxes sharing the server never cross)."""
    try:
        bus = RedisEventBus(REDIS_URL, prefix=f"pctf-test-{uuid.uuid4().hex[:8]}")
    except SandboxError as exc:
        pytest.skip(f"no Redis broker at {REDIS_URL} ({exc.reason.value}); start one to run the broker tests")
    yield bus
    bus.close()


@pytest.mark.redis
def test_redis_delivery_and_isolation_by_prefix(redis_bus):
    got, elsewhere = Recorder(), Recorder()
    redis_bus.subscribe("person.died", got)
    other = RedisEventBus(REDIS_URL, prefix=redis_bus.prefix + "-other")
    try:
        other.subscribe("person.died", elsewhere)
        events = [_event(i) for i in range(3)]
        for event in events:
            redis_bus.publish("person.died", event)
        assert until(lambda: len(got.seen) == 3)
        assert [e["id"] for e in got.seen] == [e["id"] for e in events]
        assert got.seen[0] == events[0]
        assert elsewhere.seen == []
    finally:
        other.close()
