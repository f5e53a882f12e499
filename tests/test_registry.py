"""The trust registry: service rules, HTTP contract, and both TrustSource clients.

The registry is what every verifier's trust decision rests on, so each way an authorization can
fail has its own test and its own ``status``, and every bad input must come back as a 4xx with a
reason code while leaving the store untouched.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import Session

import registry.answer_cache as answer_cache
from pctf import storage, trqp
from pctf.clock import FrozenClock
from pctf.http import make_client
from pctf.jose import generate_key, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.vocab import VERIFIED_ORGANIZATION, VERIFIED_PERSON
from registry.app import create_app
from registry.client import RegistryClient
from registry.governance_client import GovernanceClient
from registry.local_trust import LocalTrust
from registry.models import Authorization, Entity, Recognition
from registry.seed import seed_issuer
from registry.service import RegistryService
from tests.support import serve

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
UNTIL = T0 + timedelta(days=365)
PROV1 = "http://127.0.0.1:8600/issuers/prov1"
FED = "http://127.0.0.1:8600/issuers/fed"
TOKEN = "test-token"
GOV = {"Authorization": f"Bearer {TOKEN}"}
VP = VERIFIED_PERSON.vct


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path) -> Settings:
    # Explicit URLs so a PCTF_* variable in the environment cannot move the authority id;
    # PCTF_DATABASE_URL is still honoured, so the suite also runs against PostgreSQL.
    return Settings(
        data_dir=tmp_path,
        governance_token=TOKEN,
        host="127.0.0.1",
        port=8600,
        public_url="http://127.0.0.1:8600",
        registry_url="http://127.0.0.1:8600",
        issuers_url="http://127.0.0.1:8600",
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def service(settings, clock):
    svc = RegistryService(settings, clock)
    with Session(svc.db) as session:  # a shared database (PostgreSQL) keeps rows between tests
        for table in (Authorization, Recognition, Entity):
            session.exec(delete(table))
        session.commit()
    yield svc
    storage.dispose_all()


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def grant(service, key) -> dict:
    """Prov1 may issue Verified Person up to LoA 3 for one year from T0."""
    service.upsert_entity(
        PROV1, name="Province 1", jurisdiction="Prov1", role="issuer", jwks={"keys": [key.public_jwk]}
    )
    return service.authorize(PROV1, resource="VerifiedPerson", assurance_level=3, valid_from=T0, valid_until=UNTIL)


@pytest.fixture
def api(settings, clock, service) -> httpx.Client:
    with serve(create_app(settings, clock, service)) as served, served.client() as client:
        yield client


def query(service, *, entity_id=PROV1, action="issue", resource=VP, at=None, loa=None, authority_id=None) -> dict:
    context = {}
    if at is not None:
        context["time"] = at.isoformat().replace("+00:00", "Z")
    if loa is not None:
        context["assurance_level"] = loa
    return service.authorization_query(
        {
            "entity_id": entity_id,
            "authority_id": authority_id or service.authority_id,
            "action": action,
            "resource": resource,
            "context": context,
        }
    )


def reason_of(call) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        call()
    return info.value


# -- entities -------------------------------------------------------------------------------
def test_upsert_and_lookup(service, key):
    jwk = dict(key.public_jwk)
    del jwk["kid"]
    created = service.upsert_entity(PROV1, name="Province 1", jurisdiction="Prov1", role="issuer", jwks={"keys": [jwk]})
    assert created["status"] == "active" and created["authorizations"] == []
    assert created["jwks"]["keys"][0]["kid"] == thumbprint(jwk)  # a kid is always there to match headers
    service.upsert_entity(
        PROV1, name="Province One", jurisdiction="Prov1", role="issuer", jwks={"keys": [key.public_jwk]}
    )
    found = service.entity(PROV1)
    assert found["name"] == "Province One" and found["jurisdiction"] == "Prov1" and found["role"] == "issuer"
    assert found["jwks"] == {"keys": [key.public_jwk]}
    assert [e["entity_id"] for e in service.entities()] == [PROV1]
    err = reason_of(lambda: service.entity(FED))
    assert (err.reason, err.status_code) == (Reason.NOT_FOUND, 404)


def test_upsert_keeps_a_governance_status(service, key, grant):
    service.set_entity_status(PROV1, "suspended", reason="governance review")
    again = service.upsert_entity(
        PROV1, name="Province 1", jurisdiction="Prov1", role="issuer", jwks={"keys": [key.public_jwk]}
    )
    assert again["status"] == "suspended"  # re-registering never reinstates


def _other_key_same_kid(key):
    other = generate_key().public_jwk
    return {"keys": [key.public_jwk, {**other, "kid": key.kid}]}


@pytest.mark.parametrize(
    "entity_id, role, make_jwks, needle",
    [
        ("prov1", "issuer", None, "http(s) URL"),
        ("ftp://x/issuers/a", "issuer", None, "http(s) URL"),
        (PROV1, "admin", None, "role"),
        (PROV1, "issuer", lambda k: {"keys": []}, "at least one key"),
        (PROV1, "issuer", lambda k: [k.public_jwk], "at least one key"),
        (PROV1, "issuer", lambda k: {"keys": [k.private_jwk]}, "private key material"),
        (PROV1, "issuer", lambda k: {"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}, "EC or OKP"),
        (PROV1, "issuer", lambda k: {"keys": [{"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}]}, "not a valid"),
        (PROV1, "issuer", lambda k: {"keys": [{**k.public_jwk, "crv": "secp256k1"}]}, "unsupported curve"),
        (PROV1, "issuer", lambda k: {"keys": [{**k.public_jwk, "alg": "ES384"}]}, "does not fit"),
        (PROV1, "issuer", lambda k: {"keys": [{**k.public_jwk, "kid": 7}]}, "kid"),
        (PROV1, "issuer", _other_key_same_kid, "same kid"),
    ],
)
def test_upsert_rejects_bad_input_and_stores_nothing(service, key, entity_id, role, make_jwks, needle):
    jwks = make_jwks(key) if make_jwks else {"keys": [key.public_jwk]}
    err = reason_of(lambda: service.upsert_entity(entity_id, name="X", jurisdiction="Prov1", role=role, jwks=jwks))
    assert err.reason == Reason.BAD_REQUEST and needle in err.message
    assert service.entities() == []


# -- authorizations -------------------------------------------------------------------------
def test_authorize_normalizes_the_resource_to_its_vct(service, grant):
    assert grant["resource"] == VP and grant["assurance_level"] == 3 and grant["status"] == "active"
    assert grant["valid_from"] == "2025-03-01T12:00:00Z" and grant["valid_until"] == "2026-03-01T12:00:00Z"
    by_vct = service.authorize(PROV1, resource=VP, assurance_level=2)
    assert by_vct["resource"] == VP and by_vct["valid_from"] == "2025-03-01T12:00:00Z"  # default: now
    assert [a["id"] for a in service.entity(PROV1)["authorizations"]] == [grant["id"], by_vct["id"]]


@pytest.mark.parametrize(
    "kwargs, reason, status_code",
    [
        ({"resource": "DriversLicence", "assurance_level": 3}, Reason.CREDENTIAL_TYPE_UNKNOWN, 400),
        ({"resource": "VerifiedPerson", "assurance_level": 5}, Reason.BAD_REQUEST, 400),
        ({"resource": "VerifiedPerson", "assurance_level": True}, Reason.BAD_REQUEST, 400),
        ({"resource": "VerifiedPerson", "assurance_level": 3, "action": "delete"}, Reason.BAD_REQUEST, 400),
        (
            {"resource": "VerifiedPerson", "assurance_level": 3, "valid_from": T0, "valid_until": T0},
            Reason.BAD_REQUEST,
            400,
        ),
        (
            {"resource": "VerifiedPerson", "assurance_level": 3, "valid_from": "2025-03-01T12:00:00"},
            Reason.BAD_REQUEST,
            400,
        ),
        ({"resource": "VerifiedPerson", "assurance_level": 3, "action": "verify"}, Reason.CONFLICT, 409),
        ({"resource": "VerifiedPerson", "assurance_level": 3, "entity_id": FED}, Reason.NOT_FOUND, 404),
    ],
)
def test_authorize_rejects_bad_input_and_stores_nothing(service, grant, kwargs, reason, status_code):
    entity_id = kwargs.pop("entity_id", PROV1)
    err = reason_of(lambda: service.authorize(entity_id, **kwargs))
    assert (err.reason, err.status_code) == (reason, status_code)
    assert len(service.entity(PROV1)["authorizations"]) == 1


def test_revocation_is_final(service, grant):
    service.set_authorization_status(grant["id"], "revoked", reason="governance review")
    err = reason_of(lambda: service.set_authorization_status(grant["id"], "active"))
    assert err.reason == Reason.CONFLICT and err.status_code == 409
    service.set_entity_status(PROV1, "revoked", reason="governance review")
    assert reason_of(lambda: service.set_entity_status(PROV1, "active")).reason == Reason.CONFLICT
    assert reason_of(lambda: service.authorize(PROV1, resource=VP, assurance_level=1)).reason == Reason.CONFLICT
    assert reason_of(lambda: service.set_authorization_status(999, "active")).status_code == 404
    assert reason_of(lambda: service.set_authorization_status(1, "paused")).reason == Reason.BAD_REQUEST


# -- TRQP authorization query --------------------------------------------------------------
def test_authorized(service, grant):
    answer = query(service, loa=3)
    assert answer["authorized"] is True and answer["status"] == "active"
    assert answer["assurance_level"] == 3 and answer["valid_until"] == "2026-03-01T12:00:00Z"
    assert answer["time_requested"] == answer["time_evaluated"] == "2025-03-01T12:00:00Z"
    assert {k: answer[k] for k in ("entity_id", "authority_id", "action", "resource")} == {
        "entity_id": PROV1,
        "authority_id": service.authority_id,
        "action": "issue",
        "resource": VP,
    }
    assert query(service, resource="VerifiedPerson")["authorized"] is True  # type names work too
    assert query(service, at=UNTIL - timedelta(seconds=1), loa=1)["authorized"] is True


@pytest.mark.parametrize(
    "overrides, status",
    [
        ({"resource": VERIFIED_ORGANIZATION.vct}, "not_found"),
        ({"resource": "urn:elsewhere:vct:library-card"}, "not_found"),
        ({"action": "verify"}, "not_found"),
        ({"loa": 4}, "loa_exceeded"),
        ({"at": T0 - timedelta(seconds=1)}, "not_yet_valid"),
        ({"at": UNTIL}, "expired"),  # valid_until is exclusive
        ({"at": UNTIL + timedelta(days=30)}, "expired"),
        ({"entity_id": FED}, "unknown_entity"),
        ({"authority_id": "https://elsewhere.example/registry"}, "not_found"),
    ],
)
def test_not_authorized(service, grant, overrides, status):
    answer = query(service, **overrides)
    assert answer["authorized"] is False and answer["status"] == status and answer["message"]


def test_wrong_authority_says_whose_registry_this_is(service, grant):
    answer = query(service, authority_id="https://elsewhere.example/registry")
    assert service.authority_id in answer["message"]
    assert answer["authority_id"] == "https://elsewhere.example/registry"  # echoed as asked


def test_suspended_authorization(service, grant):
    service.set_authorization_status(grant["id"], "suspended", reason="governance review")
    answer = query(service)
    assert (answer["authorized"], answer["status"], answer["assurance_level"]) == (False, "suspended", 3)
    service.set_authorization_status(grant["id"], "active")
    assert query(service)["authorized"] is True
    service.set_authorization_status(grant["id"], "revoked", reason="governance review")
    assert query(service)["status"] == "revoked"


@pytest.mark.parametrize("status", ["suspended", "revoked"])
def test_entity_status_overrides_its_authorizations(service, grant, status):
    service.set_entity_status(PROV1, status, reason="governance review")
    answer = query(service)
    assert (answer["authorized"], answer["status"]) == (False, status)


def test_answer_explains_the_closest_authorization(service, grant):
    service.set_authorization_status(grant["id"], "revoked", reason="governance review")
    service.authorize(PROV1, resource=VP, assurance_level=2)
    answer = query(service, loa=3)
    assert (answer["status"], answer["assurance_level"]) == ("loa_exceeded", 2)
    assert query(service, loa=2)["authorized"] is True


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "x",
        {"authority_id": "a", "action": "issue", "resource": VP},
        {"entity_id": PROV1, "authority_id": "a", "action": "", "resource": VP},
        {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": 7},
        {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": VP, "context": "now"},
        {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": VP, "context": {"time": "yesterday"}},
        {
            "entity_id": PROV1,
            "authority_id": "a",
            "action": "issue",
            "resource": VP,
            "context": {"time": "2025-03-01T12:00:00"},
        },
        {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": VP, "context": {"time": 1740830400}},
        {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": VP, "context": {"assurance_level": 0}},
        {
            "entity_id": PROV1,
            "authority_id": "a",
            "action": "issue",
            "resource": VP,
            "context": {"assurance_level": "3"},
        },
    ],
)
def test_bad_query_is_bad_request(service, grant, body):
    assert reason_of(lambda: service.authorization_query(body)).reason == Reason.BAD_REQUEST
    assert reason_of(lambda: service.recognition_query(body)).reason == Reason.BAD_REQUEST


def test_recognition(service):
    other = "https://trust.example.org/registry"
    body = {"entity_id": other, "authority_id": service.authority_id, "action": "issue", "resource": VP}
    assert service.recognition_query(body)["recognized"] is False
    service.recognize(other, resource="VerifiedPerson", valid_from=T0, valid_until=UNTIL)
    answer = service.recognition_query(body)
    assert answer["recognized"] is True and answer["time_evaluated"] == "2025-03-01T12:00:00Z"
    assert service.recognition_query({**body, "context": {"time": "2027-01-01T00:00:00Z"}})["recognized"] is False
    assert service.recognition_query({**body, "authority_id": other})["recognized"] is False


# -- seeding --------------------------------------------------------------------------------
def test_seed_is_idempotent_and_respects_governance(service, key):
    grants = [("VerifiedOrganization", 3), (VERIFIED_PERSON.vct, 2)]
    first = seed_issuer(service, FED, name="Fed", jurisdiction="Fed", jwks={"keys": [key.public_jwk]}, grants=grants)
    rotated = generate_key()
    second = seed_issuer(
        service, FED, name="Fed", jurisdiction="Fed", jwks={"keys": [rotated.public_jwk]}, grants=grants
    )
    assert len(first["authorizations"]) == len(second["authorizations"]) == 2
    # A restart adds the issuer's new key and drops none: the old one still verifies what it signed.
    assert [k["kid"] for k in second["jwks"]["keys"]] == [key.kid, rotated.kid]
    service.set_authorization_status(second["authorizations"][0]["id"], "suspended", reason="governance review")
    third = seed_issuer(
        service, FED, name="Fed", jurisdiction="Fed", jwks={"keys": [rotated.public_jwk]}, grants=grants
    )
    assert [a["status"] for a in third["authorizations"]] == ["suspended", "active"]  # not re-granted
    err = reason_of(
        lambda: seed_issuer(
            service,
            PROV1,
            name="P",
            jurisdiction="Prov1",
            jwks={"keys": [key.public_jwk]},
            grants=[("VerifiedPerson", 9)],
        )
    )
    assert err.reason == Reason.BAD_REQUEST and len(service.entities()) == 1  # nothing half-seeded


def test_state_survives_a_restart(settings, clock, service, grant):
    service.set_authorization_status(grant["id"], "suspended", reason="governance review")
    storage.dispose_all()
    again = RegistryService(settings, clock)
    assert again.entity(PROV1)["authorizations"][0]["status"] == "suspended"
    assert query(again)["status"] == "suspended"


# -- HTTP -----------------------------------------------------------------------------------
def test_http_reads(api, service, grant):
    meta = api.get("/registry/metadata").json()
    assert meta["authority_id"] == service.authority_id and meta["assurance_levels"] == [1, 2, 3, 4]
    assert {"resource": VP, "type": "VerifiedPerson"}.items() <= meta["resources"][0].items()
    assert [e["entity_id"] for e in api.get("/registry/entities").json()] == [PROV1]
    entity = api.get("/registry/entity", params={"entity_id": PROV1}).json()
    assert entity["authorizations"][0]["id"] == grant["id"]
    missing = api.get("/registry/entity", params={"entity_id": FED})
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_http_trqp(api, service, grant):
    body = {
        "entity_id": PROV1,
        "authority_id": service.authority_id,
        "action": "issue",
        "resource": VP,
        "context": {"time": "2025-06-01T00:00:00Z", "assurance_level": 3, "purpose": "demo"},
    }
    answer = api.post("/registry/authorization", json=body).json()
    assert answer["authorized"] is True and answer["time_requested"] == "2025-06-01T00:00:00Z"
    unknown = api.post("/registry/authorization", json={**body, "entity_id": FED})
    assert unknown.status_code == 200 and unknown.json()["status"] == "unknown_entity"
    recognition = api.post("/registry/recognition", json={**body, "entity_id": "https://other.example/registry"})
    assert recognition.status_code == 200 and recognition.json()["recognized"] is False


def test_http_governance_writes(api, service, key, grant):
    fed = {"entity_id": FED, "name": "Fed", "jurisdiction": "Fed", "role": "issuer", "jwks": {"keys": [key.public_jwk]}}
    assert api.post("/registry/entities", json=fed, headers=GOV).status_code == 200
    created = api.post(
        "/registry/authorizations",
        headers=GOV,
        json={"entity_id": FED, "resource": "VerifiedOrganization", "assurance_level": 3},
    )
    assert created.status_code == 201 and created.json()["resource"] == VERIFIED_ORGANIZATION.vct
    patched = api.patch(
        f"/registry/authorizations/{grant['id']}",
        json={"status": "suspended", "reason": "governance review"},
        headers=GOV,
    )
    assert patched.json()["status"] == "suspended"
    suspended = api.patch(
        "/registry/entity/status",
        params={"entity_id": FED},
        json={"status": "suspended", "reason": "governance review"},
        headers=GOV,
    )
    assert suspended.json()["status"] == "suspended"
    again = api.patch(
        f"/registry/authorizations/{grant['id']}",
        json={"status": "revoked", "reason": "governance review"},
        headers=GOV,
    )
    assert again.status_code == 200
    conflict = api.patch(f"/registry/authorizations/{grant['id']}", json={"status": "active"}, headers=GOV)
    assert conflict.status_code == 409 and conflict.json()["error"] == "conflict"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic dGVzdC10b2tlbg=="}],
)
def test_http_governance_needs_the_token(api, service, key, grant, headers):
    before = service.entities()
    calls = [
        (
            "POST",
            "/registry/entities",
            {},
            {
                "entity_id": FED,
                "name": "Fed",
                "jurisdiction": "Fed",
                "role": "issuer",
                "jwks": {"keys": [key.public_jwk]},
            },
        ),
        ("POST", "/registry/authorizations", {}, {"entity_id": PROV1, "resource": VP, "assurance_level": 4}),
        ("PATCH", f"/registry/authorizations/{grant['id']}", {}, {"status": "revoked", "reason": "governance review"}),
        (
            "PATCH",
            "/registry/entity/status",
            {"entity_id": PROV1},
            {"status": "revoked", "reason": "governance review"},
        ),
        ("POST", "/registry/authorizations", {}, {"bogus": True}),  # the token is checked first
    ]
    for method, path, params, body in calls:
        response = api.request(method, path, params=params, json=body, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.json()["error"] == "unauthorized"
    assert service.entities() == before


def test_http_private_key_is_refused_and_not_stored(api, key):
    body = {
        "entity_id": FED,
        "name": "Fed",
        "jurisdiction": "Fed",
        "role": "issuer",
        "jwks": {"keys": [key.private_jwk]},
    }
    response = api.post("/registry/entities", json=body, headers=GOV)
    assert response.status_code == 400 and response.json()["error"] == "bad_request"
    assert "private key material" in response.json()["error_description"]
    assert api.get("/registry/entity", params={"entity_id": FED}).status_code == 404


@pytest.mark.parametrize(
    "method, path, params, payload, error",
    [
        ("POST", "/registry/authorization", {}, b"{not json", "bad_request"),
        ("POST", "/registry/authorization", {}, b"", "bad_request"),
        ("POST", "/registry/authorization", {}, [], "bad_request"),
        ("POST", "/registry/authorization", {}, {"entity_id": PROV1}, "bad_request"),
        (
            "POST",
            "/registry/authorization",
            {},
            {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": VP, "context": {"time": "soon"}},
            "bad_request",
        ),
        (
            "POST",
            "/registry/authorization",
            {},
            {
                "entity_id": PROV1,
                "authority_id": "a",
                "action": "issue",
                "resource": VP,
                "context": {"assurance_level": "3"},
            },
            "bad_request",
        ),
        (
            "POST",
            "/registry/authorization",
            {},
            {"entity_id": ["x"], "authority_id": "a", "action": "issue", "resource": VP},
            "bad_request",
        ),
        (
            "POST",
            "/registry/recognition",
            {},
            {"entity_id": PROV1, "authority_id": "a", "action": "issue", "resource": VP, "context": 5},
            "bad_request",
        ),
        ("GET", "/registry/entity", {}, None, "bad_request"),
        ("POST", "/registry/entities", {}, {"entity_id": FED}, "bad_request"),
        (
            "POST",
            "/registry/entities",
            {},
            {"entity_id": FED, "name": "F", "jurisdiction": "Fed", "role": "issuer", "jwks": {"keys": "nope"}},
            "bad_request",
        ),
        (
            "POST",
            "/registry/authorizations",
            {},
            {"entity_id": PROV1, "resource": "Passport", "assurance_level": 3},
            "credential_type_unknown",
        ),
        (
            "POST",
            "/registry/authorizations",
            {},
            {"entity_id": PROV1, "resource": VP, "assurance_level": "3"},
            "bad_request",
        ),
        (
            "POST",
            "/registry/authorizations",
            {},
            {"entity_id": PROV1, "resource": VP, "assurance_level": 3, "valid_until": "tomorrow"},
            "bad_request",
        ),
        (
            "POST",
            "/registry/authorizations",
            {},
            {"entity_id": PROV1, "resource": VP, "assurance_level": 3, "extra": 1},
            "bad_request",
        ),
        ("PATCH", "/registry/authorizations/abc", {}, {"status": "active"}, "bad_request"),
        ("PATCH", "/registry/authorizations/0", {}, {"status": "active"}, "bad_request"),
        ("PATCH", "/registry/authorizations/99999999999999999999", {}, {"status": "active"}, "bad_request"),
        ("PATCH", "/registry/authorizations/1", {}, {"status": "paused"}, "bad_request"),
        ("PATCH", "/registry/entity/status", {}, {"status": "suspended"}, "bad_request"),
        ("PATCH", "/registry/entity/status", {"entity_id": PROV1}, {"status": None}, "bad_request"),
    ],
)
def test_http_malformed_input_is_a_400_with_a_reason(api, service, grant, method, path, params, payload, error):
    before = service.entities()
    kwargs = {"content": payload} if isinstance(payload, bytes) else {"json": payload} if payload is not None else {}
    response = api.request(method, path, params=params, headers={**GOV, "Content-Type": "application/json"}, **kwargs)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == error and response.json()["error_description"]
    assert service.entities() == before


# -- clients --------------------------------------------------------------------------------
def test_local_trust_and_registry_client_agree(api, service, grant, key):
    remote = RegistryClient("http://testserver", api, service.authority_id, ttl_seconds=0)
    local = LocalTrust(service)
    service.upsert_entity(FED, name="Fed", jurisdiction="Fed", role="issuer", jwks={"keys": [key.public_jwk]})
    service.set_entity_status(FED, "suspended", reason="governance review")
    cases = [
        (PROV1, "issue", VP, T0, None),
        (PROV1, "issue", VP, T0, 4),
        (PROV1, "issue", "VerifiedPerson", T0, 3),
        (PROV1, "issue", VP, T0 - timedelta(days=1), None),
        (PROV1, "issue", VP, UNTIL, None),
        (PROV1, "issue", VERIFIED_ORGANIZATION.vct, T0, None),
        (FED, "issue", VP, T0, None),
        ("http://127.0.0.1:8600/issuers/nobody", "issue", VP, T0 + timedelta(microseconds=1500), 2),
    ]
    for entity_id, action, resource, at, loa in cases:
        a = local.authorization(entity_id, action, resource, at=at, assurance_level=loa)
        b = remote.authorization(entity_id, action, resource, at=at, assurance_level=loa)
        assert a == b, (entity_id, resource, at, loa)
        assert a.raw == b.raw
    assert local.issuer_jwks(PROV1) == remote.issuer_jwks(PROV1) == {"keys": [key.public_jwk]}
    assert local.issuer_jwks("http://127.0.0.1:8600/issuers/nobody") is None
    assert remote.issuer_jwks("http://127.0.0.1:8600/issuers/nobody") is None


def test_registry_client_caches_positive_answers(api, service, grant, key, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(answer_cache, "time", SimpleNamespace(monotonic=lambda: now[0]))
    sent: list[str] = []
    # The client also fetches the signed snapshot (and the registry's key) once: not counted here.
    api.event_hooks = {
        "request": [
            lambda request: (
                sent.append(request.url.path) if not request.url.path.endswith(("/jwks", "/trust-list")) else None
            )
        ],
        "response": [],
    }
    client = GovernanceClient("http://testserver", api, service.authority_id)

    assert client.issuer_jwks(PROV1) == client.issuer_jwks(PROV1)
    first = client.authorization(PROV1, "issue", VP, at=T0, assurance_level=3)
    again = client.authorization(PROV1, "issue", VP, at=T0 + timedelta(milliseconds=400), assurance_level=3)
    assert first.authorized and again == first
    assert sent == ["/registry/entity", "/registry/authorization"]

    client.authorization(PROV1, "issue", VP, at=T0, assurance_level=4)  # refusals are not cached:
    client.authorization(PROV1, "issue", VP, at=T0, assurance_level=4)  # an accreditation counts at once
    assert len(sent) == 4

    now[0] += 61  # past the TTL
    client.authorization(PROV1, "issue", VP, at=T0, assurance_level=3)
    assert len(sent) == 5

    client.set_authorization_status(
        grant["id"], "suspended", reason="governance review", token=TOKEN
    )  # a write clears the cache
    assert client.authorization(PROV1, "issue", VP, at=T0, assurance_level=3).status == "suspended"


def test_registry_client_maps_failures():
    def refuse(request):
        raise httpx.ConnectError("connection refused", request=request)

    down = RegistryClient("http://registry.invalid", httpx.Client(transport=httpx.MockTransport(refuse)), "a")
    err = reason_of(lambda: down.authorization(PROV1, "issue", VP, at=T0))
    assert (err.reason, err.status_code) == (Reason.REGISTRY_UNAVAILABLE, 503)
    broken = RegistryClient(
        "http://registry.invalid", httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(500))), "a"
    )
    assert reason_of(lambda: broken.issuer_jwks(PROV1)).reason == Reason.REGISTRY_UNAVAILABLE
    garbage = RegistryClient(
        "http://registry.invalid",
        httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"ok": 1}))),
        "a",
    )
    assert reason_of(lambda: garbage.authorization(PROV1, "issue", VP, at=T0)).reason == Reason.REGISTRY_UNAVAILABLE
    assert trqp.read_authorization_answer({"authorized": False}).status == "not_found"  # a plain TRQP registry


def test_registry_client_cache_stays_bounded(monkeypatch):
    monkeypatch.setattr(answer_cache, "MAX_CACHE_ENTRIES", 3)

    def grant_everything(request):
        if request.method != "POST":  # a plain TRQP registry: no snapshot to offer
            return httpx.Response(404, json={"error": "not_found"})
        return httpx.Response(200, json={**json.loads(request.content), "authorized": True, "status": "active"})

    client = RegistryClient(
        "http://registry.invalid", httpx.Client(transport=httpx.MockTransport(grant_everything)), "a"
    )
    for second in range(10):  # a verifier asking "now" adds a key every second
        assert client.authorization(PROV1, "issue", VP, at=T0 + timedelta(seconds=second)).authorized
    assert len(client.cache) <= 3


def test_registry_client_over_real_http(settings, clock, service, key):
    http = make_client(settings)
    with serve(create_app(settings, clock, service), loopback=True) as served:
        base_url = served.url
        client = GovernanceClient(base_url, http, settings.registry_authority_id, clock=clock)
        assert client.metadata()["authority_id"] == settings.registry_authority_id
        client.upsert_entity(
            PROV1, name="Province 1", jurisdiction="Prov1", role="issuer", jwks={"keys": [key.public_jwk]}, token=TOKEN
        )
        client.authorize(PROV1, resource="VerifiedPerson", assurance_level=3, valid_from=T0, token=TOKEN)
        err = reason_of(lambda: client.authorize(PROV1, resource=VP, assurance_level=4, token="wrong"))
        assert (err.reason, err.status_code) == (Reason.UNAUTHORIZED, 401)
        assert reason_of(lambda: client.entity(FED)).reason == Reason.NOT_FOUND

        answer = client.authorization(PROV1, "issue", VP, at=T0, assurance_level=3)
        assert answer.authorized and answer.assurance_level == 3
        assert answer == LocalTrust(service).authorization(PROV1, "issue", VP, at=T0, assurance_level=3)
        assert client.issuer_jwks(PROV1)["keys"][0]["kid"] == key.kid
        fresh = RegistryClient(base_url, http, settings.registry_authority_id, clock=clock)
    # The server is gone: what was cached still answers, anything else comes from the snapshot
    # the client took while the registry answered, until that snapshot expires.
    assert client.authorization(PROV1, "issue", VP, at=T0, assurance_level=3).authorized
    offline = client.authorization(PROV1, "issue", VP, at=T0, assurance_level=2)
    assert offline.authorized and offline.raw["source"] == "trust_list"
    clock.advance(timedelta(seconds=settings.trust_list_lifetime_seconds))
    err = reason_of(lambda: client.authorization(PROV1, "issue", VP, at=T0, assurance_level=2))
    assert (err.reason, err.status_code) == (Reason.TRUST_LIST_EXPIRED, 503)
    # A client that never reached the registry has no snapshot: plainly unavailable.
    err = reason_of(lambda: fresh.authorization(PROV1, "issue", VP, at=T0, assurance_level=2))
    assert (err.reason, err.status_code) == (Reason.REGISTRY_UNAVAILABLE, 503)
    http.close()
