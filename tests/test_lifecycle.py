"""The credential lifecycle: death notification, change of name or address, expiry and renewal.

Issuer-side tests run the issuers' HTTP app in process (``tests.support.serve``) over real issuers, the
real registry and an in-process event bus, with a frozen clock; wallet journeys run the whole
sandbox on a real server, still on a frozen clock that the test moves. Nothing sleeps for the
clock: the only waits are for the event bus's worker thread to finish its deliveries.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, func, select

from cli.stack import bootstrap, free_port
from issuers import deaths
from issuers.app import create_app as create_issuers_app
from issuers.jurisdictions import SANDBOX_ISSUERS
from issuers.models import CredentialOffer, DeathRecord, Issuance
from issuers.service import IssuerService
from issuers.status import LocalStatusSource
from pctf import sdjwt, statuslist
from pctf.clock import FrozenClock
from pctf.events import InProcessEventBus, OutboxEvent, ProcessedEvent, new_event, sign_event
from pctf.http import checked_json
from pctf.jose import SigningKey, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all
from registry.local_trust import LocalTrust
from registry.service import RegistryService
from scenarios import death_notification
from scenarios.keyring import Keyring
from scenarios.personas import (
    SASHA,
    SASHA_BIRTH_CERTIFICATE,
    SASHA_BUSINESS,
    SASHA_EVIDENCE,
    SASHA_FATHER,
    SASHA_FATHER_DEATH,
    SASHA_FATHER_EVIDENCE,
)
from scenarios.steps import open_wallet, present, receive
from tests.support import serve, serve_sandbox
from tests.test_cli import assert_clean_error, run
from tests.test_events import NATS_URL, until
from verifier.engine import VerificationEngine
from wallet.models import WalletCredential
from wallet.service import WalletService

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
STAFF_TOKENS = {short_id: f"{short_id}-staff-token" for short_id in SANDBOX_ISSUERS}


def staff(short_id: str = "vitalstats") -> dict:
    """The bearer header of one issuer's own staff."""
    return {"Authorization": f"Bearer {STAFF_TOKENS[short_id]}"}


STAFF = staff()
TTL = 300
REF = ("given_name", "family_name", "birthdate")
GILLES = {k: SASHA_FATHER[k] for k in REF}
SASHA_REF = {k: SASHA[k] for k in REF}
DEATH = {**SASHA_FATHER_DEATH, "date_of_death": "2025-03-01"}
MARRIAGE = {
    "type": "marriage_certificate",
    "number": "M-2025-0042",
    "previous_family_name": "Tremblay",
    "family_name": "Tremblay-Okafor",
    "birthdate": SASHA["birthdate"],
}
NEW_ADDRESS = {
    "street_address": "8 Harbour Road",
    "locality": "Bayview",
    "region": "Prov1",
    "postal_code": "A2C 1B4",
    "country": "CA",
}


# ==============================================================================================
# The matching rule
# ==============================================================================================
@pytest.mark.parametrize(
    "claims,expected",
    [
        ({**SASHA_FATHER}, True),  # the subject of a Verified Person
        ({"given_name": "  GILLES ", "family_name": "tremblay", "birthdate": "1951-09-02"}, True),  # case and spaces
        ({"given_name": "Gilles", "family_name": "Tremblay", "birthdate": "1960-01-01"}, False),  # a namesake
        ({"given_name": "Gillès", "family_name": "Tremblay", "birthdate": "1951-09-02"}, False),  # accents count
        ({"given_name": "Gilles", "family_name": "Tremblay"}, False),  # no birthdate, no match
        (
            {
                "relationship_type": "director",
                "person": GILLES,
                "organization": {"legal_name": "X", "business_number": "1"},
            },
            True,
        ),
        (
            {"relationship_type": "child", "person": SASHA_REF, "related_person": GILLES},
            True,
        ),  # named as the other party
        ({"relationship_type": "parent", "person": GILLES, "related_person": SASHA_REF}, True),
        (
            {
                "relationship_type": "parent",
                "person": SASHA_REF,
                "related_person": {**GILLES, "birthdate": "1950-09-02"},
            },
            False,
        ),
        ({"legal_name": "Gilles Tremblay", "business_number": "1"}, False),  # an organization named after him
        ({"person": "Gilles Tremblay 1951-09-02"}, False),
        ([], False),
    ],
)
def test_the_matching_rule(claims, expected):
    assert deaths.names_person(claims, GILLES) is expected


# ==============================================================================================
# Issuer side, in process
# ==============================================================================================
@dataclass
class World:
    settings: Settings
    clock: FrozenClock
    issuers: IssuerService
    bus: InProcessEventBus
    api: httpx.Client
    trust: LocalTrust

    def mint(self, short_id: str, type_name: str, claims: dict, holder: SigningKey) -> str:
        return self.issuers.mint(short_id, type_name, claims, holder.public_jwk)

    def row(self, issued: str) -> Issuance:
        ref = statuslist.status_reference(sdjwt.SdJwt.parse(issued).payload)
        with Session(self.issuers.db) as session:
            return session.exec(
                select(Issuance).where(
                    Issuance.status_idx == ref.idx, Issuance.status_list_id == int(ref.uri.rsplit("/", 1)[1])
                )
            ).one()

    def status(self, issued: str) -> str:
        return self.row(issued).status

    def verify(self, issued: str, holder: SigningKey) -> list[str]:
        """The reasons a fresh verifier (no cached status list) gives; [] when accepted."""
        engine = VerificationEngine(self.trust, self.clock, status=LocalStatusSource(self.issuers), leeway=30)
        presentation = sdjwt.present(
            issued,
            holder,
            reveal=[("given_name",)],
            aud="https://rp.example.ca",
            nonce="n1",
            iat=self.clock.timestamp(),
        )
        return engine.verify_single(presentation, aud="https://rp.example.ca", nonce="n1").reasons

    def proof(self, issued: str, holder: SigningKey, *, aud: str | None = None, nonce: str | None = None) -> str:
        """A possession proof for the issuer: no disclosure, KB-JWT to the issuer with its c_nonce."""
        iss = sdjwt.SdJwt.parse(issued).payload["iss"]
        short_id = iss.rsplit("/", 1)[1]
        nonce = nonce or self.api.post(f"/issuers/{short_id}/nonce").json()["c_nonce"]
        return sdjwt.present(issued, holder, reveal=[], aud=aud or iss, nonce=nonce, iat=self.clock.timestamp())

    def counts(self) -> tuple:
        with Session(self.issuers.db) as session:
            return tuple(
                session.exec(select(func.count()).select_from(t)).one()
                for t in (DeathRecord, OutboxEvent, ProcessedEvent, Issuance, CredentialOffer)
            )


def make_world(data_dir: Path, database_url: str | None = None) -> World:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(
        data_dir=data_dir,
        governance_token="g",
        public_url=base,
        issuer_staff_tokens=STAFF_TOKENS,
        status_list_ttl_seconds=TTL,
        database_url=database_url,
    )
    clock = FrozenClock(T0)
    bootstrap(settings, clock)
    issuers = IssuerService(settings, clock)
    bus = InProcessEventBus()
    api = serve(create_issuers_app(settings, clock, issuers, bus=bus), raise_app_exceptions=False).client()
    api.auth = Keyring(settings)  # each issuer's staff routes get that issuer's token
    return World(settings, clock, issuers, bus, api, LocalTrust(RegistryService(settings, clock)))


@pytest.fixture
def world(tmp_path):
    w = make_world(tmp_path / "data")
    yield w
    w.bus.close()
    dispose_all()


def _org(bn: str = "123456782") -> dict:
    return {
        "legal_name": SASHA_BUSINESS["legal_name"],
        "business_number": bn,
        "jurisdiction_of_incorporation": "CA",
        "corporate_status": "active",
        "incorporation_date": "2024-05-01",
    }


def test_a_death_revokes_what_every_issuer_issued_about_that_person_and_only_that(world):
    gilles, sasha, namesake = generate_key(), generate_key(), generate_key()
    mine = {
        "prov1 person": world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles),
        "terr1 person (other spelling)": world.mint(
            "terr1", "VerifiedPerson", {**SASHA_FATHER, "given_name": "GILLES"}, gilles
        ),
        "prov2 person, suspended": world.mint("prov2", "VerifiedPerson", SASHA_FATHER, gilles),
        "fed director": world.mint(
            "fed",
            "VerifiedRelationship",
            {
                "relationship_type": "director",
                "person": GILLES,
                "effective_date": "2024-05-01",
                "organization": {"legal_name": SASHA_BUSINESS["legal_name"], "business_number": "123456782"},
            },
            gilles,
        ),
        "vitalstats parent": world.mint(
            "vitalstats",
            "VerifiedRelationship",
            {
                "relationship_type": "parent",
                "person": GILLES,
                "related_person": SASHA_REF,
                "effective_date": SASHA["birthdate"],
            },
            gilles,
        ),
    }
    sashas_child = world.mint(
        "vitalstats",
        "VerifiedRelationship",
        {
            "relationship_type": "child",
            "person": SASHA_REF,
            "related_person": GILLES,
            "effective_date": SASHA["birthdate"],
        },
        sasha,
    )
    others = {
        "sasha person": world.mint("prov1", "VerifiedPerson", SASHA, sasha),
        "namesake person": world.mint("prov2", "VerifiedPerson", {**SASHA_FATHER, "birthdate": "1960-01-01"}, namesake),
        "the organization": world.mint("fed", "VerifiedOrganization", _org(), gilles),
    }
    earlier = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
    world.issuers.set_status("prov2", world.row(mine["prov2 person, suspended"]).id, "suspended", "fraud check")
    world.issuers.set_status("prov1", world.row(earlier).id, "revoked", "lost wallet")
    assert world.verify(mine["prov1 person"], gilles) == []

    world.clock.advance(60)
    answer = world.api.post("/issuers/vitalstats/deaths", json=DEATH, headers=STAFF)
    assert answer.status_code == 201, answer.text
    registered = answer.json()
    assert registered["person"] == GILLES and registered["published_at"] == T0.replace(minute=1).isoformat()
    assert world.bus.wait_idle(10)

    for label, issued in {**mine, "sasha's child relationship": sashas_child}.items():
        row = world.row(issued)
        assert row.status == "revoked", label
        assert row.status_reason == f"death registered by vital statistics (event {registered['event_id']})", label
    for label, issued in others.items():
        assert world.status(issued) == "valid", label
    assert world.row(earlier).status_reason == "lost wallet"  # revoked before: left as it was
    assert world.verify(mine["prov1 person"], gilles) == ["credential_revoked"]
    assert world.verify(mine["vitalstats parent"], gilles) == ["credential_revoked"]
    assert world.verify(others["sasha person"], sasha) == []
    assert world.verify(others["namesake person"], namesake) == []

    # Each issuer's record of the event says when it arrived and what it revoked.
    revoked = {}
    for short_id in SANDBOX_ISSUERS:
        record = world.api.get(f"/issuers/{short_id}/events/{registered['event_id']}", headers=staff(short_id))
        assert record.status_code == 200, short_id
        assert record.json()["received_at"] == world.clock.now().isoformat()
        revoked[short_id] = len(record.json()["revoked"])
    assert revoked == {"prov1": 1, "prov2": 1, "terr1": 1, "terr2": 0, "fed": 1, "vitalstats": 2, "prov1health": 0}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_the_death_path_on_each_storage_backend(tmp_path, database_url):
    w = make_world(tmp_path / "data", database_url)
    try:
        gilles, sasha = generate_key(), generate_key()
        his = w.mint(
            "vitalstats",
            "VerifiedRelationship",
            {
                "relationship_type": "parent",
                "person": GILLES,
                "related_person": SASHA_REF,
                "effective_date": SASHA["birthdate"],
            },
            gilles,
        )
        hers = w.mint("prov1", "VerifiedPerson", SASHA, sasha)
        registered = w.api.post("/issuers/vitalstats/deaths", json=DEATH, headers=STAFF)
        assert registered.status_code == 201, registered.text
        assert w.bus.wait_idle(10)
        with Session(w.issuers.db) as session:
            event = session.get(OutboxEvent, registered.json()["event_id"]).event
        w.bus.publish(deaths.PERSON_DIED, event)
        assert w.bus.wait_idle(10)
        assert (w.status(his), w.status(hers)) == ("revoked", "valid")
        assert w.counts()[:3] == (1, 1, len(SANDBOX_ISSUERS))  # one processed event per issuer
    finally:
        w.bus.close()


def test_the_same_event_twice_revokes_once(world):
    gilles = generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
    registered = world.api.post("/issuers/vitalstats/deaths", json=DEATH, headers=STAFF).json()
    assert world.bus.wait_idle(10)
    first = world.row(issued)
    before = world.counts()
    world.clock.advance(3600)
    with Session(world.issuers.db) as session:
        event = session.get(OutboxEvent, registered["event_id"]).event
    world.bus.publish(deaths.PERSON_DIED, event)  # the broker delivers it again
    world.bus.publish(deaths.PERSON_DIED, event)
    assert world.bus.wait_idle(10)
    again = world.issuers.deaths.handle_death("prov1", event)
    assert again == {"revoked": [first.id], "duplicate": True}
    assert world.counts() == before
    assert world.row(issued).status_changed_at == first.status_changed_at


def test_a_death_stored_but_not_published_is_published_when_the_issuers_start(world):
    """The outbox: a crash (or a broker outage) between the registration and its publication loses nothing."""

    class Down:
        def publish(self, topic, event):
            raise SandboxError(Reason.ENDPOINT_UNREACHABLE, "broker down", status_code=503)

    gilles = generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
    registered = world.issuers.vital_statistics.register_death(Down(), "vitalstats", DEATH)
    assert registered["published_at"] is None
    assert world.bus.wait_idle(10) and world.status(issued) == "valid"

    restarted = InProcessEventBus()  # the issuers start again: subscribe, then relay the outbox
    try:
        with serve(create_issuers_app(world.settings, world.clock, world.issuers, bus=restarted)):
            assert restarted.wait_idle(10)
        assert world.status(issued) == "revoked"
        answer = world.api.get(f"/issuers/vitalstats/deaths/{registered['registration_id']}", headers=STAFF)
        assert answer.json()["published_at"] == T0.isoformat()
    finally:
        restarted.close()


@pytest.mark.nats
def test_the_death_path_over_a_real_broker(tmp_path):
    """Vital statistics publishes through one NATS connection, the issuers listen on another,
    as two processes would (PCTF_EVENT_BUS=nats://...)."""
    import uuid

    from pctf.events import NatsEventBus, event_bus_from_settings
    from tests.test_events import _on_broker

    world = make_world(tmp_path / "data")
    prefix = f"pctf-test-{uuid.uuid4().hex[:8]}"
    settings = world.settings.model_copy(update={"event_bus": NATS_URL, "event_topic_prefix": prefix})
    listening = event_bus_from_settings(settings)
    try:
        listening.ping()
    except SandboxError as exc:
        listening.close()
        world.bus.close()
        dispose_all()
        pytest.skip(f"no NATS broker at {NATS_URL} ({exc.reason.value}); start one to run the broker path")
    publishing = NatsEventBus(NATS_URL, prefix=prefix)
    try:
        assert isinstance(listening, NatsEventBus)
        gilles, sasha = generate_key(), generate_key()
        his = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
        hers = world.mint("prov1", "VerifiedPerson", SASHA, sasha)
        with serve(create_issuers_app(settings, world.clock, world.issuers, bus=listening)):
            registered = world.issuers.vital_statistics.register_death(publishing, "vitalstats", DEATH)
            assert registered["published_at"] is not None

            def processed_by_all() -> bool:
                with Session(world.issuers.db) as session:
                    return session.exec(select(func.count()).select_from(ProcessedEvent)).one() == len(SANDBOX_ISSUERS)

            assert until(processed_by_all), "the event did not reach every issuer through NATS"
        assert world.status(his) == "revoked" and world.status(hers) == "valid"
        assert world.verify(his, gilles) == ["credential_revoked"]
    finally:
        publishing.close()
        listening.close()
        world.bus.close()
        dispose_all()
        _on_broker(lambda js: js.delete_stream(publishing.stream))


@pytest.mark.parametrize(
    "path,body,headers,status,reason",
    [
        ("vitalstats", DEATH, {"Authorization": ""}, 401, "unauthorized"),
        ("vitalstats", DEATH, {"Authorization": "Bearer nope"}, 401, "unauthorized"),
        ("prov1", DEATH, staff("prov1"), 400, "bad_request"),  # not a vital statistics agency
        ("prov1", DEATH, STAFF, 403, "forbidden"),  # vital statistics' staff at another issuer
        ("prov9", DEATH, STAFF, 403, "forbidden"),
        ("vitalstats", [DEATH], STAFF, 400, "bad_request"),
        ("vitalstats", {**DEATH, "given_name": ""}, STAFF, 400, "bad_request"),
        ("vitalstats", {**DEATH, "family_name": None}, STAFF, 400, "bad_request"),
        ("vitalstats", {**DEATH, "given_name": "x" * 101}, STAFF, 400, "bad_request"),
        ("vitalstats", {**DEATH, "birthdate": "02/09/1951"}, STAFF, 400, "bad_request"),
        ("vitalstats", {**DEATH, "date_of_death": "2025-02-30"}, STAFF, 400, "bad_request"),
        ("vitalstats", {**DEATH, "date_of_death": "1950-01-01"}, STAFF, 400, "bad_request"),  # before birth
        ("vitalstats", {**DEATH, "date_of_death": "2025-03-04"}, STAFF, 400, "bad_request"),  # tomorrow
        ("vitalstats", {k: v for k, v in DEATH.items() if k != "date_of_death"}, STAFF, 400, "bad_request"),
    ],
)
def test_bad_death_registrations_are_refused_and_change_nothing(world, path, body, headers, status, reason):
    gilles = generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
    before = world.counts()
    answer = world.api.post(f"/issuers/{path}/deaths", json=body, headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (status, reason), answer.text
    assert world.bus.wait_idle(10)
    assert world.counts() == before and world.status(issued) == "valid"


def test_a_death_is_registered_once(world):
    assert world.api.post("/issuers/vitalstats/deaths", json=DEATH, headers=STAFF).status_code == 201
    assert world.bus.wait_idle(10)
    before = world.counts()
    again = world.api.post(
        "/issuers/vitalstats/deaths",
        headers=STAFF,
        json={**DEATH, "given_name": "GILLES", "date_of_death": "2025-03-02"},
    )
    assert (again.status_code, again.json()["error"]) == (409, "conflict")
    assert world.counts() == before
    for url, status, reason in (
        ("/issuers/vitalstats/deaths/99", 404, "not_found"),
        ("/issuers/vitalstats/deaths/x", 400, "bad_request"),
        ("/issuers/prov1/events/nope", 404, "not_found"),
    ):
        answer = world.api.get(url, headers=staff(url.split("/")[2]))
        assert (answer.status_code, answer.json()["error"]) == (status, reason), url
    assert world.api.get("/issuers/prov1/events/nope", headers=STAFF).status_code == 403  # another issuer's staff
    assert world.api.get("/issuers/prov1/events/nope", headers={"Authorization": "Bearer nope"}).status_code == 401


PARENT = {
    "relationship_type": "parent",
    "person": GILLES,
    "related_person": SASHA_REF,
    "evidence": [SASHA_BIRTH_CERTIFICATE],
}


@pytest.mark.parametrize(
    "body,status,reason",
    [
        ({**PARENT, "relationship_type": "director"}, 400, "claims_invalid"),
        ({**PARENT, "person": {"given_name": "Gilles"}}, 400, "bad_request"),
        ({**PARENT, "evidence": []}, 422, "evidence_insufficient"),
        ({**PARENT, "evidence": [{"type": "drivers_licence", "number": "1"}]}, 422, "evidence_insufficient"),
        ({**PARENT, "evidence": [{**SASHA_BIRTH_CERTIFICATE, "number": ""}]}, 400, "bad_request"),
        ({**PARENT, "evidence": [{**SASHA_BIRTH_CERTIFICATE, "parents": []}]}, 422, "evidence_mismatch"),
        ({**PARENT, "related_person": {**SASHA_REF, "birthdate": "1989-06-14"}}, 422, "evidence_mismatch"),
        ({**PARENT, "relationship_type": "child"}, 422, "evidence_mismatch"),  # Gilles is not Sasha's child
        ("not an object", 400, "bad_request"),
    ],
)
def test_bad_relationship_applications_are_refused(world, body, status, reason):
    before = world.counts()
    answer = world.api.post("/issuers/vitalstats/relationships", json=body)
    assert (answer.status_code, answer.json()["error"]) == (status, reason), answer.text
    assert world.counts() == before


def test_relationships_name_both_people_and_none_is_issued_for_the_deceased(world):
    offered = world.api.post("/issuers/vitalstats/relationships", json=PARENT)
    assert offered.status_code == 200, offered.text
    with Session(world.issuers.db) as session:
        items = session.exec(select(CredentialOffer)).one().items
    assert items[0]["claims"] == {
        "relationship_type": "parent",
        "person": GILLES,
        "related_person": SASHA_REF,
        "effective_date": SASHA["birthdate"],
    }
    child = world.api.post(
        "/issuers/vitalstats/relationships",
        json={**PARENT, "relationship_type": "child", "person": SASHA_REF, "related_person": GILLES},
    )
    assert child.status_code == 200, child.text
    assert world.api.post("/issuers/prov1/relationships", json=PARENT).json()["error"] == "bad_request"
    world.api.post("/issuers/vitalstats/deaths", json=DEATH, headers=STAFF)
    refused = world.api.post("/issuers/vitalstats/relationships", json=PARENT)
    assert (refused.status_code, refused.json()["error"]) == (409, "conflict")


# -- possession proofs, renewal and re-issuance at the issuer ------------------------------------
def test_possession_must_be_proven_to_the_issuer(world):
    holder, thief = generate_key(), generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA, holder)
    world.clock.advance(timedelta(days=340))  # due for renewal
    nonce = world.api.post("/issuers/prov1/nonce").json()["c_nonce"]
    foreign = world.mint("prov2", "VerifiedPerson", SASHA, holder)
    stolen = sdjwt.SdJwt.parse(world.proof(issued, holder))
    by_thief = sdjwt.present(
        issued,
        thief,
        reveal=[],
        aud=world.issuers.issuer_url("prov1"),
        nonce=world.api.post("/issuers/prov1/nonce").json()["c_nonce"],
        iat=world.clock.timestamp(),
    )
    cases = [
        ({}, 400, "bad_request"),
        ({"presentation": 7}, 400, "bad_request"),
        ({"presentation": issued}, 400, "holder_binding_missing"),  # the credential alone proves nothing
        ({"presentation": by_thief}, 400, "holder_binding_failed"),
        ({"presentation": world.proof(issued, holder, aud="https://rp.example.ca")}, 400, "audience_mismatch"),
        ({"presentation": world.proof(issued, holder, nonce="made-up")}, 400, "invalid_nonce"),
        ({"presentation": world.proof(foreign, holder)}, 400, "bad_request"),  # prov2's, not prov1's
        ({"presentation": stolen.issuer_jwt[:-4] + "AAAA~" + stolen.kb_jwt}, 400, "signature_invalid"),
    ]
    for body, status, reason in cases:
        before = world.counts()
        answer = world.api.post("/issuers/prov1/renewal", json=body)
        assert (answer.status_code, answer.json()["error"]) == (status, reason), body
        assert world.counts() == before
    used = world.proof(issued, holder, nonce=nonce)
    assert world.api.post("/issuers/prov1/renewal", json={"presentation": used}).status_code == 200
    replay = world.api.post("/issuers/prov1/renewal", json={"presentation": used})
    assert (replay.status_code, replay.json()["error"]) == (400, "invalid_nonce")


def test_renewal_is_for_credentials_due_and_still_valid(world):
    holder = generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA, holder)

    def renew() -> httpx.Response:
        return world.api.post("/issuers/prov1/renewal", json={"presentation": world.proof(issued, holder)})

    assert (renew().status_code, renew().json()["error"]) == (409, "conflict")  # not due for a year
    world.clock.advance(timedelta(days=365 - 29))
    offered = renew()
    assert offered.status_code == 200 and offered.json()["tx_code"] is None
    assert offered.json()["supersedes"] == world.row(issued).id
    assert world.status(issued) == "valid"  # revoked only once its successor is issued

    record = world.row(issued).id
    world.issuers.set_status("prov1", record, "suspended", "check")
    assert (renew().status_code, renew().json()["error"]) == (409, "credential_suspended")
    world.issuers.set_status("prov1", record, "valid", "ok")
    world.clock.advance(timedelta(days=29 + 181))  # expired more than 180 days ago
    assert (renew().status_code, renew().json()["error"]) == (409, "credential_expired")
    world.issuers.set_status("prov1", record, "revoked", "lost")
    assert (renew().status_code, renew().json()["error"]) == (409, "credential_revoked")


def test_a_replacement_never_outlives_a_revocation_that_came_first(world):
    """A renewal offer is made; the holder dies before redeeming it. Redeeming it then yields
    nothing usable: the would-be successor is revoked at once, and the request refused."""
    from pctf import oid4vci

    gilles, sasha = generate_key(), generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
    hers = world.mint("prov1", "VerifiedPerson", SASHA, sasha)
    world.clock.advance(timedelta(days=350))
    offer = world.api.post("/issuers/prov1/renewal", json={"presentation": world.proof(issued, gilles)}).json()
    assert (
        world.api.post(
            "/issuers/vitalstats/deaths", json={**DEATH, "date_of_death": "2026-02-01"}, headers=STAFF
        ).status_code
        == 201
    )
    assert world.bus.wait_idle(10)
    with pytest.raises(SandboxError) as caught:
        oid4vci.redeem(world.api, offer["credential_offer"], gilles, clock=world.clock)
    assert (caught.value.reason, caught.value.status_code) == (Reason.CREDENTIAL_REVOKED, 409)
    assert [r["status"] for r in world.issuers.issuances("prov1")] == ["revoked", "valid"]  # nothing minted

    # Had a revocation come between the check and the minting, nothing is issued either: the
    # successor would be recorded in the transaction that revokes what it replaces.
    offer = world.api.post("/issuers/prov1/renewal", json={"presentation": world.proof(hers, sasha)}).json()
    original = world.issuers.ledger.check_replaceable

    def revoked_meanwhile(short_id, issuance_id):
        row = original(short_id, issuance_id)
        world.issuers.set_status(short_id, issuance_id, "revoked", "revoked meanwhile")
        return row

    world.issuers.ledger.check_replaceable = revoked_meanwhile
    with pytest.raises(SandboxError) as caught:
        oid4vci.redeem(world.api, offer["credential_offer"], sasha, clock=world.clock)
    assert caught.value.reason == Reason.CREDENTIAL_REVOKED
    statuses = [r["status"] for r in world.issuers.issuances("prov1")]
    assert statuses == ["revoked", "revoked"]  # his and hers; no successor minted for her


@pytest.mark.parametrize(
    "changes,evidence,status,reason",
    [
        ({}, None, 400, "bad_request"),
        ({"birthdate": "1988-06-15"}, None, 400, "claims_invalid"),  # corrected by proofing again, not changed
        ({"assurance_level": 3}, None, 400, "claims_invalid"),
        ({"address": {**NEW_ADDRESS, "planet": "Earth"}}, None, 400, "claims_invalid"),
        ({"address": SASHA["address"]}, None, 400, "bad_request"),  # nothing changes
        ({"family_name": "Tremblay-Okafor"}, None, 422, "evidence_insufficient"),
        (
            {"family_name": "Tremblay-Okafor"},
            [{"type": "drivers_licence", "number": "1"}],
            422,
            "evidence_insufficient",
        ),
        ({"family_name": "Okafor"}, [MARRIAGE], 422, "evidence_mismatch"),
        ({"family_name": "Tremblay-Okafor"}, [{**MARRIAGE, "previous_family_name": "Roy"}], 422, "evidence_mismatch"),
        ({"family_name": "Tremblay-Okafor"}, [{**MARRIAGE, "birthdate": "1970-01-01"}], 422, "evidence_mismatch"),
    ],
)
def test_bad_reissuance_requests_are_refused_and_change_nothing(world, changes, evidence, status, reason):
    holder = generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA, holder)
    nonce = world.api.post("/issuers/prov1/nonce").json()["c_nonce"]
    before = world.counts()
    body = {"presentation": world.proof(issued, holder, nonce=nonce), "changes": changes}
    if evidence is not None:
        body["evidence"] = evidence
    answer = world.api.post("/issuers/prov1/reissuance", json=body)
    assert (answer.status_code, answer.json()["error"]) == (status, reason), answer.text
    assert world.counts() == before and world.status(issued) == "valid"
    world.issuers.consume_nonce("prov1", nonce)  # the refused request did not use it up


def test_only_a_verified_person_is_changed_by_its_holder(world):
    holder = generate_key()
    organization = world.mint("fed", "VerifiedOrganization", _org(), holder)
    answer = world.api.post(
        "/issuers/fed/reissuance",
        json={"presentation": world.proof(organization, holder), "changes": {"legal_name": "Other Inc."}},
    )
    assert (answer.status_code, answer.json()["error"]) == (400, "claims_invalid")


# ==============================================================================================
# Wallet journeys over HTTP, on a frozen clock
# ==============================================================================================
@pytest.fixture
def live(settings, http):
    """The whole sandbox on a real server, a frozen clock the test moves, and its event bus."""
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    bus = InProcessEventBus()
    server = serve_sandbox(settings, clock, bus=bus)
    yield settings, clock, bus, server.url
    server.stop()
    bus.close()


def _wallet(url: str, http: httpx.Client, wallet_id: str) -> dict[int, dict]:
    return {c["id"]: c for c in checked_json(http.get(f"{url}/wallet/{wallet_id}/credentials"))}


def _present_directly(
    url: str,
    http: httpx.Client,
    settings: Settings,
    clock: FrozenClock,
    wallet_id: str,
    credential: str,
    rp: str = "bank-personal",
) -> dict:
    """A relying party receives this exact credential (say, one a holder kept from before)."""
    holder = WalletService(settings, clock, http).holder_key(wallet_id)
    aud, nonce = f"{url}/verifier/{rp}", "direct-nonce"
    vp = sdjwt.present(
        credential,
        holder,
        reveal=[(c,) for c in ("given_name", "family_name", "birthdate", "address")],
        aud=aud,
        nonce=nonce,
        iat=clock.timestamp(),
    )
    return checked_json(
        http.post(f"{url}/verifier/{rp}/verify", json={"vp_token": {"person": [vp]}, "aud": aud, "nonce": nonce})
    )


def _stored(settings: Settings, credential_id: int) -> str:
    with Session(WalletService(settings, FrozenClock(), httpx.Client()).db) as session:
        return session.get(WalletCredential, credential_id).credential


def _proofed_sasha(url: str, http: httpx.Client) -> dict:
    open_wallet(http, url, "sasha")
    return receive(
        http,
        url,
        "sasha",
        checked_json(http.post(f"{url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})),
    )[0]


def test_death_notification_story_over_http(live, http):
    settings, clock, bus, url = live
    result = death_notification.run(
        url, http, ttl_seconds=TTL, retry_every=60, pause=clock.advance, date_of_death=clock.now().date().isoformat()
    )
    assert result["ok"] is True, result
    assert result["accepted_before"]["accepted"] is True
    assert result["rejected_after"]["reasons"] == ["credential_revoked"]
    assert result["wallet"] == {"VerifiedPerson": "revoked", "VerifiedRelationship": "revoked"}
    p = result["propagation"]
    # On a frozen clock every stage takes no time, except the verifier's cache: it answered from
    # its cached list until the ttl had passed (each retry moved the clock by a minute).
    assert (p["delivery_ms"], p["revocation_ms"]) == (0, 0)
    assert p["accepted_from_cached_status_list"] == TTL // 60 and p["rejection_ms"] == TTL * 1000
    assert {i: d["revoked"] for i, d in p["per_issuer"].items()} == {
        "prov1": 1,
        "prov2": 0,
        "terr1": 0,
        "terr2": 0,
        "fed": 0,
        "vitalstats": 1,
        "prov1health": 0,
    }


def test_address_change_reissues_and_the_old_credential_is_refused(live, http):
    settings, clock, _bus, url = live
    old = _proofed_sasha(url, http)
    assert present(http, url, url, "sasha", "bank-personal")["verdict"]["accepted"] is True
    reissued = checked_json(
        http.post(f"{url}/wallet/sasha/credentials/{old['id']}/reissue", json={"changes": {"address": NEW_ADDRESS}})
    )
    new = reissued["credential"]
    assert reissued["replaced"] == old["id"] and new["claims"]["address"] == NEW_ADDRESS
    assert new["claims"]["given_name"] == "Sasha" and new["claims"]["assurance_level"] == 3
    held = _wallet(url, http, "sasha")
    assert held[old["id"]]["status"] == "replaced" and held[old["id"]]["replaced_by"] == new["id"]
    assert held[new["id"]]["status"] == "valid" and held[new["id"]]["actions"] == []

    clock.advance(TTL)  # the bank's cached status list from before the change runs out
    verdict = present(http, url, url, "sasha", "bank-personal")
    assert verdict["verdict"]["accepted"] is True
    assert verdict["review"]["credentials"][0]["credential_id"] == new["id"]  # the old one is never offered
    assert verdict["verdict"]["credentials"]["person"]["claims"]["address"] == NEW_ADDRESS
    assert _present_directly(url, http, settings, clock, "sasha", _stored(settings, old["id"]))["reasons"] == [
        "credential_revoked"
    ]
    again = http.post(
        f"{url}/wallet/sasha/credentials/{old['id']}/reissue", json={"changes": {"address": SASHA["address"]}}
    )
    assert (again.status_code, again.json()["error"]) == (409, "conflict")


def test_name_change_needs_evidence_and_replaces_the_credential(live, http):
    settings, clock, _bus, url = live
    old = _proofed_sasha(url, http)
    issuances = len(checked_json(http.get(f"{url}/issuers/prov1/issuances")))
    refused = http.post(
        f"{url}/wallet/sasha/credentials/{old['id']}/reissue", json={"changes": {"family_name": "Tremblay-Okafor"}}
    )
    assert (refused.status_code, refused.json()["error"]) == (422, "evidence_insufficient")
    assert _wallet(url, http, "sasha")[old["id"]]["status"] == "valid"
    assert len(checked_json(http.get(f"{url}/issuers/prov1/issuances"))) == issuances
    for bad in ({"changes": []}, {}, {"changes": {"family_name": "X"}, "evidence": "none"}):
        answer = http.post(f"{url}/wallet/sasha/credentials/{old['id']}/reissue", json=bad)
        assert (answer.status_code, answer.json()["error"]) == (400, "bad_request"), bad
    assert http.post(f"{url}/wallet/sasha/credentials/999/reissue", json={"changes": {"x": 1}}).status_code == 404

    reissued = checked_json(
        http.post(
            f"{url}/wallet/sasha/credentials/{old['id']}/reissue",
            json={"changes": {"family_name": "Tremblay-Okafor"}, "evidence": [MARRIAGE]},
        )
    )
    assert reissued["credential"]["claims"]["family_name"] == "Tremblay-Okafor"
    verdict = present(http, url, url, "sasha", "bank-personal")["verdict"]
    assert (
        verdict["accepted"] is True and verdict["credentials"]["person"]["claims"]["family_name"] == "Tremblay-Okafor"
    )
    assert _present_directly(url, http, settings, clock, "sasha", _stored(settings, old["id"]))["reasons"] == [
        "credential_revoked"
    ]
    listed = checked_json(http.get(f"{url}/issuers/prov1/issuances"))
    assert [r["status"] for r in listed[-2:]] == ["revoked", "valid"]


def test_expiry_and_renewal_through_the_wallet(live, http):
    settings, clock, _bus, url = live
    old = _proofed_sasha(url, http)
    early = http.post(f"{url}/wallet/sasha/credentials/{old['id']}/renew")
    assert (early.status_code, early.json()["error"]) == (409, "conflict")  # not due yet

    lifetime = timedelta(days=settings.credential_lifetime_days)
    clock.advance(lifetime - timedelta(days=10))
    held = _wallet(url, http, "sasha")[old["id"]]
    assert (held["status"], held["actions"]) == ("expiring_soon", ["renew"])
    renewed = checked_json(http.post(f"{url}/wallet/sasha/credentials/{old['id']}/renew"))
    new = renewed["credential"]
    assert new["claims"] == old["claims"] and new["expires_at"] > old["expires_at"]
    held = _wallet(url, http, "sasha")
    assert (held[old["id"]]["status"], held[old["id"]]["replaced_by"]) == ("replaced", new["id"])
    assert (held[new["id"]]["status"], held[new["id"]]["actions"]) == ("valid", [])
    again = http.post(f"{url}/wallet/sasha/credentials/{old['id']}/renew")
    assert (again.status_code, again.json()["error"]) == (409, "conflict")

    # The old credential was revoked when its successor was issued; expired, it is refused as such.
    clock.advance(TTL)
    assert _present_directly(url, http, settings, clock, "sasha", _stored(settings, old["id"]))["reasons"] == [
        "credential_revoked"
    ]
    clock.advance(timedelta(days=11))
    assert _present_directly(url, http, settings, clock, "sasha", _stored(settings, old["id"]))["reasons"] == [
        "credential_expired"
    ]
    assert present(http, url, url, "sasha", "bank-personal")["verdict"]["accepted"] is True

    # The renewed one expires in turn; the wallet offers it for renewal, and renewal still works.
    clock.advance(lifetime)
    held = _wallet(url, http, "sasha")[new["id"]]
    assert (held["status"], held["actions"]) == ("expired", ["renew"])
    assert _present_directly(url, http, settings, clock, "sasha", _stored(settings, new["id"]))["reasons"] == [
        "credential_expired"
    ]
    review = http.post(
        f"{url}/wallet/sasha/presentations",
        json={"request": checked_json(http.post(f"{url}/verifier/bank-personal/requests"))["request_uri"]},
    )
    assert (review.status_code, review.json()["error"]) == (409, "no_matching_credential")
    third = checked_json(http.post(f"{url}/wallet/sasha/credentials/{new['id']}/renew"))["credential"]
    assert _wallet(url, http, "sasha")[third["id"]]["status"] == "valid"
    assert present(http, url, url, "sasha", "bank-personal")["verdict"]["accepted"] is True


def test_a_renewal_offer_is_redeemed_only_with_the_same_holder_key(live, http):
    from pctf import oid4vci

    settings, clock, _bus, url = live
    old = _proofed_sasha(url, http)
    clock.advance(timedelta(days=settings.credential_lifetime_days - 5))
    holder = WalletService(settings, clock, http).holder_key("sasha")
    issuer = f"{url}/issuers/prov1"
    nonce = checked_json(http.post(f"{issuer}/nonce"))["c_nonce"]
    proof = sdjwt.present(
        _stored(settings, old["id"]), holder, reveal=[], aud=issuer, nonce=nonce, iat=clock.timestamp()
    )
    offer = checked_json(http.post(f"{issuer}/renewal", json={"presentation": proof}))
    with pytest.raises(SandboxError) as caught:
        oid4vci.redeem(http, offer["credential_offer"], generate_key(), clock=clock)
    assert caught.value.reason == Reason.INVALID_PROOF
    assert checked_json(http.get(f"{issuer}/issuances"))[-1]["status"] == "valid"  # the old one, untouched


# ==============================================================================================
# The command line
# ==============================================================================================
@pytest.fixture
def env(tmp_path):
    return {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path / "data"),
        "PCTF_GOVERNANCE_TOKEN": "cli-test",
        "PCTF_PORT": str(free_port()),
    }


@pytest.mark.slow
def test_demo_death_notification_in_french_and_as_json(env, tmp_path):
    told = run(env, "demo", "death-notification", "--lang", "fr")
    assert told.returncode == 0, told.stdout + told.stderr
    for expected in (
        "L'état civil enregistre le décès de Gilles",
        "credential_revoked",
        "Première vérification refusée",
        "Chaque émetteur a révoqué",
    ):
        assert expected in " ".join(told.stdout.split()), expected
    as_json = run(env, "demo", "death-notification", "--json", "--ttl", "1")
    assert as_json.returncode == 0, as_json.stderr
    result = json.loads(as_json.stdout)
    p = result["propagation"]
    assert result["ok"] is True and result["rejected_after"]["reasons"] == ["credential_revoked"]
    assert p["status_list_ttl_seconds"] == 1
    # An issuer with nothing to revoke may receive the event after the others have revoked, so
    # delivery and revocation are each bounded by the refusal, not ordered between themselves.
    assert 0 <= p["revocation_ms"] <= p["rejection_ms"] <= 1000 + 5000
    assert 0 <= p["delivery_ms"] <= p["rejection_ms"]
    assert not (tmp_path / "data").exists()  # the story ran in a sandbox of its own
    bad = run(env, "demo", "death-notification", "--ttl", "0")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_wallet_renew_from_the_command_line(env):
    env = {**env, "PCTF_CREDENTIAL_LIFETIME_DAYS": "10"}  # every credential is due for renewal at once
    assert run(env, "demo", "sasha", "--json").returncode == 0
    listed = run({**env, "COLUMNS": "200"}, "wallet", "list", "sasha", "--lang", "fr")
    assert listed.returncode == 0, listed.stderr
    assert "pctf-sandbox wallet renew sasha 1" in listed.stdout and "expire bientôt" in listed.stdout
    renewed = run(env, "wallet", "renew", "sasha", "1", "--json")
    assert renewed.returncode == 0, renewed.stderr
    new_id = json.loads(renewed.stdout)["credential"]["id"]
    held = {c["id"]: c for c in json.loads(run(env, "wallet", "list", "sasha", "--json").stdout)}
    assert (held[1]["status"], held[1]["replaced_by"]) == ("replaced", new_id)
    assert held[new_id]["type"] == "VerifiedPerson" and held[new_id]["status"] == "expiring_soon"
    shown = run({**env, "COLUMNS": "200"}, "wallet", "list", "sasha")
    assert f"Credential 1 (Verified Person) was replaced by credential {new_id}" in shown.stdout
    assert_clean_error(run(env, "wallet", "renew", "sasha", "1"), reason="conflict")
    assert_clean_error(run(env, "wallet", "renew", "sasha", "99"), reason="not_found")
    # No wallet 'nobody' is kept under this data directory: no holder token to act with.
    assert_clean_error(run(env, "wallet", "renew", "nobody", "1"), reason="unauthorized")
    assert run(env, "wallet", "renew", "sasha", "x").returncode == 2


def test_no_issuer_proofs_a_person_on_the_death_register(world):
    """Evidence documents outlive their holder: proofing checks the vital statistics register."""
    application = {**SASHA_FATHER, "evidence": SASHA_FATHER_EVIDENCE}
    assert world.api.post("/issuers/prov2/proofing", json=application).status_code == 200
    world.api.post("/issuers/vitalstats/deaths", json=DEATH, headers=STAFF)
    with Session(world.issuers.db) as session:
        offers = len(session.exec(select(CredentialOffer)).all())
    refused = world.api.post("/issuers/prov2/proofing", json=application)
    assert (refused.status_code, refused.json()["error"]) == (422, "person_deceased")
    with Session(world.issuers.db) as session:
        assert len(session.exec(select(CredentialOffer)).all()) == offers  # no offer was made
    namesake = {
        **application,
        "birthdate": "1960-01-01",
        "evidence": [{**e, "birthdate": "1960-01-01"} for e in SASHA_FATHER_EVIDENCE],
    }
    assert world.api.post("/issuers/prov2/proofing", json=namesake).status_code == 200


def test_a_death_announced_by_anyone_but_vital_statistics_revokes_nothing(world):
    """Whoever can publish on the broker must not be able to kill someone's credentials."""
    gilles = generate_key()
    issued = world.mint("prov1", "VerifiedPerson", SASHA_FATHER, gilles)
    vitalstats, prov1 = world.issuers.issuer_url("vitalstats"), world.issuers.issuer_url("prov1")
    envelope = new_event(
        deaths.PERSON_DIED,
        {"person": GILLES, "date_of_death": "2025-03-01"},
        source=vitalstats,
        occurred_at=world.clock.now(),
    )
    registrar_key = world.issuers.signing_key("vitalstats")
    genuine = sign_event(envelope, registrar_key)
    forged = {
        "unsigned": envelope,
        "signed by a stranger": sign_event(envelope, generate_key()),
        "a province announcing a death": sign_event({**envelope, "source": prov1}, world.issuers.signing_key("prov1")),
        "another topic, re-labelled": sign_event({**envelope, "topic": "person.moved"}, registrar_key),
        "another event's signature": {**envelope, "id": "f" * 32, "jws": genuine["jws"]},
        "signature altered": {
            **genuine,
            "jws": genuine["jws"][:-6] + ("AAAAAA" if not genuine["jws"].endswith("AAAAAA") else "BBBBBB"),
        },
    }
    for name, event in forged.items():
        with pytest.raises(SandboxError) as refused:
            world.issuers.deaths.handle_death("prov1", event)
        assert refused.value.reason == Reason.EVENT_INVALID, name
        world.bus.publish(deaths.PERSON_DIED, event)
    # Unsigned members are never read: the signed envelope names a stranger, the message Gilles.
    stranger = {"given_name": "Ada", "family_name": "Lovelace", "birthdate": "1815-12-10"}
    about_stranger = sign_event(
        new_event(
            deaths.PERSON_DIED,
            {"person": stranger, "date_of_death": "2025-03-01"},
            source=vitalstats,
            occurred_at=world.clock.now(),
        ),
        registrar_key,
    )
    world.bus.publish(deaths.PERSON_DIED, {**about_stranger, "data": {"person": GILLES, "date_of_death": "2025-03-01"}})
    assert world.bus.wait_idle(10)
    assert world.status(issued) == "valid"
    with Session(world.issuers.db) as session:
        processed = session.exec(select(ProcessedEvent)).all()
    assert {p.event_id for p in processed} == {about_stranger["id"]}  # the forgeries were not even recorded
    # The genuine announcement still works.
    world.bus.publish(deaths.PERSON_DIED, genuine)
    assert world.bus.wait_idle(10)
    assert world.status(issued) == "revoked"
