"""A registered death is never lost between jurisdictions' processes, whatever is down when it happens.

Province 1's issuer and vital statistics each run in a process of their own (``serve issuers
--issuer prov1``, ``--issuer vitalstats``), over their own data directories, with the registry in
a third; the death travels on NATS JetStream (``PCTF_EVENT_BUS=nats://``) under a topic prefix of
this module's own. Vital statistics reaches the broker through a TCP relay the tests cut and
restore, so the machine's NATS server itself is never stopped.

Each case registers the death of a man Province 1 has issued a Verified Person to, while
something is down, and then waits for Province 1's own record of the event
(``GET /issuers/prov1/events/<id>``: when it received it, which issuances it revoked). The
propagation times are printed and kept as test properties, measured from the services' records.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from pctf.clock import SystemClock
from pctf.jose import generate_key
from pctf.oid4vci import redeem, resolve_offer
from scenarios.personas import sashas_father
from tests.support import Served, free_port, outlives_the_test, serve_process, wait_until_answering
from tests.test_events import NATS_URL, Relay, _on_broker

pytestmark = [pytest.mark.slow, pytest.mark.nats]

STAFF = {i: f"staff-token-of-{i}-0123456789abcdef" for i in ("prov1", "vitalstats")}
# Long enough that nothing else in a process's start-up is what a case waits for.
WAIT_SECONDS = 30.0


@dataclass
class Topology:
    """The three processes, the relay in front of vital statistics' broker, and how to restart each."""

    tmp: Path
    env: dict[str, dict[str, str]]
    ports: dict[str, int]
    relay: Relay
    procs: dict[str, Served] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, name: str) -> float:
        """Start process ``name`` (again); returns the monotonic time it answered ready."""
        args = () if name == "registry" else ("--issuer", name)
        probe = "/registry/healthz" if name == "registry" else "/issuers/readyz"
        proc = serve_process(
            "registry" if name == "registry" else "issuers",
            self.env[name],
            port=self.ports[name],
            wait=False,
            args=args,
            probe=probe,
        )
        self.procs[name] = outlives_the_test(proc)
        wait_until_answering(proc)
        return time.monotonic()

    def stop(self, name: str) -> None:
        self.procs.pop(name).stop()

    def kill(self, name: str) -> None:
        """``kill -9``: no shutdown hook runs, nothing is flushed or closed."""
        served = self.procs.pop(name)
        served.app.send_signal(signal.SIGKILL)
        served.app.wait(timeout=20)
        served.stop()


@pytest.fixture(scope="module")
def topology(tmp_path_factory) -> Iterator[Topology]:
    missing = _broker_missing()
    if missing:
        pytest.skip(f"no NATS server with JetStream at {NATS_URL} ({missing}): start one to run the lost-death cases")
    tmp = tmp_path_factory.mktemp("lost-death")
    prefix = f"pctf-lost-{uuid.uuid4().hex[:8]}"
    relay = Relay()
    ports = {name: free_port() for name in ("registry", "prov1", "vitalstats")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PCTF_")},
        "PCTF_GOVERNANCE_TOKEN": "governance-token-0123456789abcdef",
        "PCTF_METRICS_TOKEN": "metrics-token-0123456789abcdef",
        "PCTF_ISSUER_STAFF_TOKENS": json.dumps(STAFF),
        "PCTF_REGISTRY_URL": urls["registry"],
        "PCTF_ISSUER_URLS": json.dumps({"prov1": urls["prov1"], "vitalstats": urls["vitalstats"]}),
        "PCTF_ISSUERS_URL": urls["prov1"],
        "PCTF_EVENT_BUS": NATS_URL,
        "PCTF_EVENT_TOPIC_PREFIX": prefix,
        "PCTF_EVENT_RELAY_INTERVAL_SECONDS": "0.5",
    }
    env = {name: {**base, "PCTF_DATA_DIR": str(tmp / name)} for name in ports}
    env["vitalstats"]["PCTF_EVENT_BUS"] = relay.url  # the link the cases cut
    world = Topology(tmp, env, ports, relay)
    try:
        for name in ("registry", "vitalstats", "prov1"):
            world.start(name)
        yield world
    finally:
        for served in world.procs.values():
            served.stop()
        relay.cut()
        _on_broker(lambda js: js.delete_stream(f"EVENTS_{prefix}"))


def _broker_missing() -> str | None:
    """Why no broker can be run against (its error's name and text), or None when one answers."""
    try:
        _on_broker(lambda js: js.account_info())
    except Exception as exc:  # any failure means: no broker to run against, and the skip says which
        return f"{exc.__class__.__name__}: {exc}"
    return None


@pytest.fixture
def staff() -> Iterator[dict[str, httpx.Client]]:
    clients = {i: httpx.Client(timeout=15, headers={"Authorization": f"Bearer {t}"}) for i, t in STAFF.items()}
    yield clients
    for client in clients.values():
        client.close()


def issue_to_a_new_man(world: Topology, staff: dict[str, httpx.Client]) -> tuple[dict, int]:
    """Province 1 proofs a man born on a day of his own and issues him a Verified Person, redeemed
    over OpenID4VCI by a holder of his own; returns him and the issuance id."""
    born = f"19{uuid.uuid4().int % 40 + 40}-0{uuid.uuid4().int % 9 + 1}-1{uuid.uuid4().int % 9}"
    person, evidence, _certificate = sashas_father(born)
    prov1 = world.url("prov1")
    proofed = staff["prov1"].post(f"{prov1}/issuers/prov1/proofing", json={**person, "evidence": evidence})
    assert proofed.status_code == 200, proofed.text
    holder = generate_key()
    with httpx.Client(timeout=15) as holder_http:
        offer = resolve_offer(holder_http, proofed.json()["credential_offer"])
        redeem(holder_http, offer, holder, clock=SystemClock(), tx_code=proofed.json()["tx_code"])
    issued = staff["prov1"].get(f"{prov1}/issuers/prov1/issuances").json()
    mine = [i for i in issued if i["holder_kid"] == holder.kid]
    assert len(mine) == 1 and mine[0]["status"] == "valid"
    return {k: person[k] for k in ("given_name", "family_name", "birthdate")}, mine[0]["id"]


def register_death(world: Topology, staff: dict[str, httpx.Client], person: dict) -> dict:
    answer = staff["vitalstats"].post(
        f"{world.url('vitalstats')}/issuers/vitalstats/deaths", json={**person, "date_of_death": "2026-11-28"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def processed_by_prov1(world: Topology, staff: dict[str, httpx.Client], event_id: str) -> dict:
    """Province 1's record of the event, waited for: its answer once it has processed it."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        answer = staff["prov1"].get(f"{world.url('prov1')}/issuers/prov1/events/{event_id}")
        if answer.status_code == 200:
            return answer.json()
        assert answer.status_code == 404, answer.text
        time.sleep(0.1)
    pytest.fail(f"Province 1 did not process event {event_id} within {WAIT_SECONDS} s")


def status_at_prov1(world: Topology, staff: dict[str, httpx.Client], issuance_id: int) -> str:
    issued = staff["prov1"].get(f"{world.url('prov1')}/issuers/prov1/issuances").json()
    return next(i["status"] for i in issued if i["id"] == issuance_id)


def seconds_between(start: str, end: str) -> float:
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds(), 3)


def report(record_property, case: str, **figures: float) -> None:
    for name, value in figures.items():
        record_property(f"{case}.{name}", value)
    print(f"\n{case}: " + ", ".join(f"{k} {v} s" for k, v in figures.items()))


def test_an_issuer_that_was_down_when_a_death_was_registered_revokes_when_it_is_back(topology, staff, record_property):
    person, issuance = issue_to_a_new_man(topology, staff)
    topology.stop("prov1")
    death = register_death(topology, staff, person)
    assert death["published_at"] is not None  # the broker stored it, with nobody of Province 1's listening
    time.sleep(1.0)  # down for a while after the death, as an issuer down for maintenance is
    back = topology.start("prov1")
    record = processed_by_prov1(topology, staff, death["event_id"])
    after_restart = round(time.monotonic() - back, 3)
    assert record["revoked"] == [issuance]
    assert status_at_prov1(topology, staff, issuance) == "revoked"
    report(
        record_property,
        "issuer_down",
        registered_to_revoked=seconds_between(death["registered_at"], record["processed_at"]),
        ready_to_revoked=after_restart,
    )


def test_a_death_registered_while_the_broker_is_unreachable_waits_in_the_outbox(topology, staff, record_property):
    person, issuance = issue_to_a_new_man(topology, staff)
    topology.relay.cut()
    try:
        death = register_death(topology, staff, person)
        assert death["published_at"] is None  # committed, kept in the outbox: the broker has not stored it
        time.sleep(1.5)  # several relay rounds find the broker still unreachable
        registration = staff["vitalstats"].get(
            f"{topology.url('vitalstats')}/issuers/vitalstats/deaths/{death['registration_id']}"
        )
        assert registration.json()["published_at"] is None
        assert status_at_prov1(topology, staff, issuance) == "valid"
    finally:
        topology.relay.restore()
    restored = time.monotonic()
    record = processed_by_prov1(topology, staff, death["event_id"])
    assert record["revoked"] == [issuance]
    published = staff["vitalstats"].get(
        f"{topology.url('vitalstats')}/issuers/vitalstats/deaths/{death['registration_id']}"
    )
    assert published.json()["published_at"] is not None
    report(
        record_property,
        "broker_down",
        restored_to_revoked=round(time.monotonic() - restored, 3),
        registered_to_revoked=seconds_between(death["registered_at"], record["processed_at"]),
    )


def test_vital_statistics_killed_between_commit_and_publish_publishes_when_it_starts_again(
    topology, staff, record_property
):
    """The registration is committed and its event not yet published (the broker unreachable
    holds it there) when vital statistics is killed with SIGKILL: its next start publishes it."""
    person, issuance = issue_to_a_new_man(topology, staff)
    topology.relay.cut()
    try:
        death = register_death(topology, staff, person)
        assert death["published_at"] is None
        topology.kill("vitalstats")
    finally:
        topology.relay.restore()
    back = topology.start("vitalstats")
    record = processed_by_prov1(topology, staff, death["event_id"])
    assert record["revoked"] == [issuance]
    report(
        record_property,
        "registrar_killed",
        ready_to_revoked=round(time.monotonic() - back, 3),
        registered_to_revoked=seconds_between(death["registered_at"], record["processed_at"]),
    )


def test_a_duplicate_delivery_changes_nothing(topology, staff):
    """The same signed event delivered again (published anew under another broker message id, so
    the broker's own deduplication does not catch it) is recognized by its event id."""
    person, issuance = issue_to_a_new_man(topology, staff)
    death = register_death(topology, staff, person)
    first = processed_by_prov1(topology, staff, death["event_id"])
    assert first["revoked"] == [issuance]
    stream = f"EVENTS_{topology.env['prov1']['PCTF_EVENT_TOPIC_PREFIX']}"

    async def deliver_again(js):
        info = await js.stream_info(stream)
        for seq in range(info.state.last_seq, info.state.first_seq - 1, -1):
            message = await js.get_msg(stream, seq)
            if json.loads(message.data).get("id") == death["event_id"]:
                await js.publish(message.subject, message.data, headers={"Nats-Msg-Id": uuid.uuid4().hex})
                return
        raise AssertionError("the event is not in the stream")

    metrics = {"Authorization": f"Bearer {topology.env['prov1']['PCTF_METRICS_TOKEN']}"}

    def handled() -> float:
        text = httpx.get(f"{topology.url('prov1')}/issuers/metrics", headers=metrics, timeout=15).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("pctf_events_delivered_total") and 'outcome="handled"' in line
        )

    before = handled()
    _on_broker(deliver_again)
    deadline = time.monotonic() + WAIT_SECONDS
    while handled() <= before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert handled() > before, "the second delivery did not reach Province 1"
    again = processed_by_prov1(topology, staff, death["event_id"])
    assert again == first  # the first outcome, unchanged: nothing revoked twice, no second record
    assert status_at_prov1(topology, staff, issuance) == "revoked"
