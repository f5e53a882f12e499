"""The registry's signed snapshot: verifiers keep working while the registry is down, until it expires.

The snapshot is what a verifier's trust rests on when it cannot ask, so it must be refused when
forged or altered, must answer exactly as the registry would, and must stop answering (fail
closed) once it expires.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from cli.stack import free_port
from pctf.clock import FrozenClock
from pctf.jose import b64u_decode, b64u_encode, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.vocab import VERIFIED_ORGANIZATION, VERIFIED_PERSON
from registry.app import create_app
from registry.client import RegistryClient
from registry.local_trust import LocalTrust
from registry.service import RegistryService
from registry.trust_list import SnapshotTrust, sign_trust_list, verify_trust_list
from scenarios import sasha
from scenarios.keyring import operator_client
from tests.support import serve, serve_process, serve_sandbox

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ISS = "http://127.0.0.1:8600/issuers/prov1"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def service(tmp_path, clock) -> RegistryService:
    settings = Settings(data_dir=tmp_path, governance_token="t", public_url="http://127.0.0.1:8600")
    service = RegistryService(settings, clock)
    service.upsert_entity(
        ISS, name="Province 1", jurisdiction="Prov1", role="issuer", jwks={"keys": [generate_key().public_jwk]}
    )
    service.authorize(ISS, resource="VerifiedPerson", assurance_level=3)
    return service


def reason_of(fn) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        fn()
    return info.value


def test_a_snapshot_verifies_and_says_what_the_registry_says(service, clock):
    token = service.trust_list()
    snapshot = verify_trust_list(token, service.jwks(), authority_id=service.authority_id)
    assert snapshot.expires_at - snapshot.issued_at == timedelta(seconds=service.settings.trust_list_lifetime_seconds)
    assert set(snapshot.entities) == {ISS}

    # Decisions with effective dates, recorded before the snapshot, answered the same way from it.
    clock.advance(timedelta(days=10))
    grant = service.entity(ISS)["authorizations"][0]["id"]
    service.set_authorization_status(grant, "suspended", reason="audit finding", effective_from=T0 + timedelta(days=5))
    snapshot = verify_trust_list(service.trust_list(), service.jwks(), authority_id=service.authority_id)
    offline, live = SnapshotTrust(snapshot, clock), LocalTrust(service)
    for days in (-1, 0, 4, 5, 6, 20):
        for resource, loa in ((VERIFIED_PERSON.vct, 3), (VERIFIED_PERSON.vct, 4), (VERIFIED_ORGANIZATION.vct, 1)):
            at = T0 + timedelta(days=days)
            a = offline.authorization(ISS, "issue", resource, at=at, assurance_level=loa)
            b = live.authorization(ISS, "issue", resource, at=at, assurance_level=loa)
            assert (a.authorized, a.status, a.message) == (b.authorized, b.status, b.message), (days, resource, loa)
    assert offline.authorization(ISS, "issue", VERIFIED_PERSON.vct, at=T0 + timedelta(days=4)).authorized
    assert offline.authorization(ISS, "issue", VERIFIED_PERSON.vct, at=T0 + timedelta(days=6)).status == "suspended"
    assert offline.issuer_jwks(ISS) == live.issuer_jwks(ISS)
    assert offline.issuer_jwks("http://127.0.0.1:8600/issuers/nobody") is None


def test_forged_or_altered_snapshots_are_refused(service):
    anchor, authority = service.jwks(), service.authority_id
    token = service.trust_list()
    header, payload, signature = token.split(".")

    forged = sign_trust_list(
        generate_key(), authority_id=authority, entities=[], recognitions=[], issued_at=T0, lifetime=timedelta(days=1)
    )
    # The same forger, pretending to be the registry's key.
    impostor = generate_key()
    dressed = impostor.sign(
        {"iss": authority, "iat": 0, "exp": 2**40, "entities": [], "recognitions": []},
        typ="trust-list+jwt",
        header={"kid": anchor["keys"][0]["kid"]},
    )
    body = b64u_decode(payload).replace(b'"assurance_level":3', b'"assurance_level":4')
    assert body != b64u_decode(payload)
    altered = f"{header}.{b64u_encode(body)}.{signature}"
    other_registry = sign_trust_list(
        service.signing_key(),
        authority_id="https://elsewhere.example/registry",
        entities=[],
        recognitions=[],
        issued_at=T0,
        lifetime=timedelta(days=1),
    )
    wrong_typ = service.signing_key().sign(
        {"iss": authority, "iat": 0, "exp": 1, "entities": [], "recognitions": []}, typ="JWT"
    )
    for bad in (forged, dressed, altered, other_registry, wrong_typ, "not.a.jws", token + "x"):
        err = reason_of(lambda: verify_trust_list(bad, anchor, authority_id=authority))
        assert err.reason == Reason.TRUST_LIST_INVALID, bad[:40]


def test_a_client_refuses_a_forged_snapshot_and_keeps_the_one_it_had(service, clock):
    served = serve(create_app(service.settings, clock, service))
    api = served.client()
    client = RegistryClient("http://testserver", api, service.authority_id, clock=clock)
    assert client.authorization(ISS, "issue", VERIFIED_PERSON.vct, at=T0).authorized
    genuine = client.trust_list
    assert genuine is not None

    # The registry (or someone in its place) now serves a snapshot signed by another key.
    forger = generate_key()
    served.app.state.registry.trust_list = lambda: sign_trust_list(
        forger,
        authority_id=service.authority_id,
        entities=[],
        recognitions=[],
        issued_at=clock.now(),
        lifetime=timedelta(days=1),
    )
    assert reason_of(client.refresh_trust_list).reason == Reason.TRUST_LIST_INVALID
    assert client.trust_list is genuine


def test_a_restarted_verifier_uses_the_snapshot_it_saved(service, clock, tmp_path):
    api = serve(create_app(service.settings, clock, service)).client()
    state = tmp_path / "verifier-state"
    RegistryClient("http://testserver", api, service.authority_id, clock=clock, state_dir=state).authorization(
        ISS, "issue", VERIFIED_PERSON.vct, at=T0
    )
    assert (state / "trust-list.jwt").exists() and (state / "registry-anchor.json").exists()

    def unreachable(request):
        raise httpx.ConnectError("connection refused", request=request)

    down = httpx.Client(transport=httpx.MockTransport(unreachable))
    restarted = RegistryClient("http://registry.invalid", down, service.authority_id, clock=clock, state_dir=state)
    answer = restarted.authorization(ISS, "issue", VERIFIED_PERSON.vct, at=T0)
    assert answer.authorized and answer.raw["source"] == "trust_list"
    # A saved snapshot that was tampered with on disk is not used.
    (state / "trust-list.jwt").write_text(service.trust_list()[:-4] + "AAAA")
    tampered = RegistryClient("http://registry.invalid", down, service.authority_id, clock=clock, state_dir=state)
    assert (
        reason_of(lambda: tampered.authorization(ISS, "issue", VERIFIED_PERSON.vct, at=T0)).reason
        == Reason.REGISTRY_UNAVAILABLE
    )


@pytest.mark.slow
def test_the_bank_keeps_verifying_while_the_registry_process_is_down(tmp_path):
    """The registry runs as its own process; the bank, issuers and wallet in this one, on an
    injected clock. Stop the registry: the bank verifies from its snapshot; once the snapshot
    has expired, it fails closed."""
    registry_port = free_port()
    registry_url = f"http://127.0.0.1:{registry_port}"
    env = {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path),
        "PCTF_GOVERNANCE_TOKEN": "t",
        "PCTF_REGISTRY_URL": registry_url,
    }
    env.pop("PCTF_DATABASE_URL", None)
    registry = serve_process("registry", env, port=registry_port)
    server = None
    try:
        clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
        settings = Settings(
            data_dir=tmp_path,
            governance_token="t",
            host="127.0.0.1",
            port=free_port(),
            registry_url=registry_url,
            database_url=None,
        )
        server = serve_sandbox(settings, clock)
        with operator_client(settings) as http:
            online = sasha.run(server.url, http, wallet_id="sasha")["verdict"]
            assert online["accepted"] is True, online["reasons"]

            registry.stop()
            with pytest.raises(httpx.TransportError):
                httpx.get(f"{registry_url}/registry/metadata", timeout=2)

            clock.advance(timedelta(minutes=5))  # new credentials: new questions, not cached answers
            offline = sasha.run(server.url, http, wallet_id="sasha_offline")["verdict"]
            assert offline["accepted"] is True, offline["reasons"]
            evidence = [c["detail"] for c in offline["checks"] if c["check"] == "issuer_authorized"]
            assert len(evidence) == 3 and all("trust list" in e for e in evidence), evidence

            clock.advance(timedelta(seconds=settings.trust_list_lifetime_seconds))
            expired = sasha.run(server.url, http, wallet_id="sasha_too_late")["verdict"]
            assert expired["accepted"] is False
            assert Reason.TRUST_LIST_EXPIRED.value in expired["reasons"], expired["reasons"]
    finally:
        if server is not None:
            server.stop()
        registry.stop()


def test_the_snapshot_is_reused_until_something_changes(service, clock):
    first = service.trust_list()
    clock.advance(timedelta(seconds=10))
    assert service.trust_list() == first  # nothing changed: no second second-long rebuild
    service.set_entity_status(ISS, "suspended", reason="audit finding")
    changed = service.trust_list()
    assert changed != first
    record = verify_trust_list(changed, service.jwks(), authority_id=service.authority_id).entities[ISS]
    assert record["status_history"][-1]["status"] == "suspended"
    clock.advance(timedelta(minutes=2))  # nothing changed, but a fresher iat/exp is due
    fresher = verify_trust_list(service.trust_list(), service.jwks(), authority_id=service.authority_id)
    assert fresher.issued_at == clock.now()


def test_the_snapshot_travels_compressed(service, clock):
    for n in range(40):  # enough entities for the snapshot to be worth compressing
        service.upsert_entity(
            f"https://issuer-{n}.example.ca/issuer",
            name=f"Issuer {n}",
            jurisdiction="Test",
            role="issuer",
            jwks={"keys": [generate_key().public_jwk]},
        )
    api = serve(create_app(service.settings, clock, service)).client()
    response = api.get("/registry/trust-list", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.text) / 2
    assert verify_trust_list(response.text, service.jwks(), authority_id=service.authority_id).entities
