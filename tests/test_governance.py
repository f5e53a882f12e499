"""Governance of the trust registry: onboarding, roles, decisions, time-aware status, keys, audit.

Every rule is shown twice, at the service and over HTTP, and every refusal is shown to leave
the registry exactly as it was: entities, authorizations, applications and the audit log are
compared before and after. Time is a :class:`FrozenClock`, moved by the tests; key rotation and
suspension are checked end to end through the real :class:`VerificationEngine`.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime, timedelta
from types import ModuleType, SimpleNamespace

import httpx
import pytest
from sqlalchemy import delete, text, update
from sqlmodel import Session

from pctf import sdjwt, storage
from pctf.clock import FrozenClock
from pctf.jose import generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.vocab import VERIFIED_ORGANIZATION, VERIFIED_PERSON, VERIFIED_RELATIONSHIP
from registry.app import create_app
from registry.audit import GENESIS, audit_hash
from registry.criteria import criteria_for
from registry.local_trust import LocalTrust
from registry.models import (
    Application,
    AssessmentMark,
    AuditEntry,
    Authorization,
    ConformanceRun,
    Entity,
    KeyEvent,
    Recognition,
    StatusEvent,
)
from registry.service import RegistryService
from tests.support import serve
from verifier.engine import VerificationEngine

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
UNTIL = T0 + 365 * DAY
BASE = "http://127.0.0.1:8600"
NEW = "https://digital-id.terr3.example.ca/issuer"  # the applicant of most tests
OTHER = "https://registrar.prov3.example.ca/issuer"
GOV_TOKEN, ASSESSOR_TOKEN = "governance-token-for-tests", "assessor-token-for-tests"
GOV = {"Authorization": f"Bearer {GOV_TOKEN}"}
ASSESSOR = {"Authorization": f"Bearer {ASSESSOR_TOKEN}"}
VP, VO = VERIFIED_PERSON.vct, VERIFIED_ORGANIZATION.vct
VP_CRITERIA = [c.id for c in criteria_for([VP])]
AUD, NONCE = "https://bank.example.ca/verifier", "n-7Hq2kLm9"
YEAR = 365 * 24 * 3600
TABLES = (
    AssessmentMark,
    ConformanceRun,
    Application,
    KeyEvent,
    StatusEvent,
    Recognition,
    Authorization,
    Entity,
    AuditEntry,
)


# -- fixtures -------------------------------------------------------------------------------
@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    # Explicit URLs and tokens so no PCTF_* variable can move them; a PostgreSQL URL from the
    # backend fixture (or PCTF_DATABASE_URL) is honoured.
    extra = {"database_url": database_url} if database_url else {}
    return Settings(
        data_dir=tmp_path / "data",
        governance_token=GOV_TOKEN,
        assessor_token=ASSESSOR_TOKEN,
        host="127.0.0.1",
        port=8600,
        public_url=BASE,
        registry_url=BASE,
        issuers_url=BASE,
        **extra,
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
def service(settings, clock):
    svc = RegistryService(settings, clock)
    with Session(svc.db) as session:  # a shared database keeps rows between tests
        for table in TABLES:
            session.exec(delete(table))
        session.commit()
    yield svc
    storage.dispose_all()


@pytest.fixture
def api(settings, clock, service) -> httpx.Client:
    with serve(create_app(settings, clock, service)) as served, served.client() as client:
        yield client


@pytest.fixture
def key():
    return generate_key()


@pytest.fixture
def holder():
    return generate_key()


@pytest.fixture
def conformance_runs(monkeypatch, key) -> list[dict]:
    """Stand-in for ``registry.conformance`` (the checks of live endpoints): passes, finding ``key``."""
    calls: list[dict] = []

    def run_conformance(issuer_url, *, http, clock, offer=None, tx_code=None):
        calls.append({"issuer": issuer_url, "offer": offer, "tx_code": tx_code})
        return SimpleNamespace(passed=True, as_dict=lambda: report(key, issuer=issuer_url))

    module = ModuleType("registry.conformance")
    module.run_conformance = run_conformance
    monkeypatch.setitem(sys.modules, "registry.conformance", module)
    return calls


# -- helpers --------------------------------------------------------------------------------
def body(entity_id: str = NEW, **overrides) -> dict:
    """An application asking to issue Verified Person up to LoA 3."""
    base = {
        "entity_id": entity_id,
        "name": "Territory 3 Digital ID",
        "jurisdiction": "Terr3",
        "contacts": ["onboarding@terr3.example.ca"],
        "requested": [{"resource": "VerifiedPerson", "assurance_level": 3}],
    }
    return {**base, **overrides}


def report(key, *, passed: bool = True, issuer: str = NEW) -> dict:
    """A conformance report shaped as registry.conformance makes them."""
    return {
        "issuer": issuer,
        "passed": passed,
        "checks": [
            {"id": "jwt_vc_issuer_metadata", "passed": True, "evidence": "issuer equals iss; jwks inline"},
            {"id": "credential_issued", "passed": passed, "evidence": "dc+sd-jwt, ES256, kid in jwks"},
        ],
        "jwks": {"keys": [key.public_jwk]},
    }


def assess_all(service, app_id: str, *, unmet: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> dict:
    view = service.application(app_id)
    for c in view["assessment"]:
        if c["id"] not in skip:
            view = service.assess(app_id, c["id"], met=c["id"] not in unmet, evidence=f"reviewed {c['id']}")
    return view


def ready(service, key, entity_id: str = NEW, **overrides) -> dict:
    """An application with a passed conformance run and every criterion met, awaiting decision."""
    applied = service.apply(body(entity_id, **overrides))
    app_id = applied["application_id"]
    service.record_conformance(app_id, report(key, issuer=entity_id), actor=f"applicant:{app_id}")
    assess_all(service, app_id)
    return applied


def accredit(service, key, entity_id: str = NEW, **decision) -> dict:
    """Take an applicant through the whole workflow to accreditation (one year from now by default)."""
    applied = ready(service, key, entity_id)
    return service.decide(
        applied["application_id"], {"decision": "accredit", "valid_until": UNTIL.isoformat(), **decision}
    )


def snapshot(service) -> dict:
    """Everything the registry stores that a refused request must leave alone."""
    return {
        "entities": service.entities(),
        "recognitions": service.recognitions(),
        "applications": [service.application(a["application_id"]) for a in service.applications()],
        "audit": service.audit_log(),
    }


def refused(service, call, reason: Reason, status_code: int = 400) -> SandboxError:
    """``call`` raises ``reason`` with ``status_code`` and changes nothing at all."""
    before = snapshot(service)
    with pytest.raises(SandboxError) as info:
        call()
    assert (info.value.reason, info.value.status_code) == (reason, status_code), info.value
    assert snapshot(service) == before
    return info.value


def http_refused(api, service, method: str, path: str, status_code: int, error: str, **kwargs) -> dict:
    """The HTTP twin of :func:`refused`: the status, the reason code, and nothing stored."""
    before = snapshot(service)
    response = api.request(method, path, **kwargs)
    assert response.status_code == status_code, response.text
    assert response.json()["error"] == error and response.json()["error_description"]
    assert snapshot(service) == before
    return response.json()


def trqp(
    service, *, entity_id: str = NEW, at: datetime | None = None, loa: int | None = None, resource: str = VP
) -> dict:
    context = {} if at is None else {"time": at.isoformat()}
    if loa is not None:
        context["assurance_level"] = loa
    return service.authorization_query(
        {
            "entity_id": entity_id,
            "authority_id": service.authority_id,
            "action": "issue",
            "resource": resource,
            "context": context,
        }
    )


def actions(service, after: int = 0) -> list[tuple[str, str]]:
    return [(e["actor"], e["action"]) for e in service.audit_log(after=after)]


def last_seq(service) -> int:
    log = service.audit_log()
    return log[-1]["seq"] if log else 0


# ============================================================================================
# Applying
# ============================================================================================
def test_apply_shows_the_token_once_and_stores_only_its_hash(service, settings):
    applied = service.apply(body(contacts=[" onboarding@terr3.example.ca "]))
    token, app_id = applied["applicant_token"], applied["application_id"]
    assert applied["state"] == "submitted" and applied["decision"] is None and applied["conformance"] is None
    assert applied["requested"] == [{"resource": VP, "assurance_level": 3}]  # stored as the vct
    assert applied["contacts"] == ["onboarding@terr3.example.ca"]
    assert applied["credential_issuer"] == NEW  # defaults to the entity id
    assert [c["id"] for c in applied["assessment"]] == VP_CRITERIA and all(
        c["met"] is None for c in applied["assessment"]
    )
    # Never shown again, and kept only as a hash: not in any row of any registry table.
    assert "applicant_token" not in service.application(app_id)
    with Session(service.db) as session:
        assert session.get(Application, app_id).applicant_token_hash == hashlib.sha256(token.encode()).hexdigest()
        dump = repr([session.exec(text(f"SELECT * FROM {t.__tablename__}")).all() for t in TABLES])
    assert token not in dump
    assert service.applicant_may_read(app_id, token) is True
    assert service.applicant_may_read(app_id, token + "x") is False
    assert service.applicant_may_read(app_id, None) is False
    assert actions(service) == [(f"applicant:{app_id}", "application.submitted")]
    # Applying grants nothing: the registry still does not know the applicant.
    assert service.entities() == [] and trqp(service)["status"] == "unknown_entity"


@pytest.mark.parametrize(
    "overrides, reason, needle",
    [
        ({"entity_id": "terr3-digital-id"}, Reason.BAD_REQUEST, "http(s) URL"),
        ({"entity_id": "ftp://digital-id.terr3.example.ca"}, Reason.BAD_REQUEST, "http(s) URL"),
        ({"credential_issuer": "digital-id"}, Reason.BAD_REQUEST, "credential_issuer"),
        # Keys published elsewhere must never be registered under this identifier.
        ({"credential_issuer": "https://attacker.example/issuer"}, Reason.BAD_REQUEST, "must be the entity id itself"),
        ({"name": "  "}, Reason.BAD_REQUEST, "name"),
        ({"contacts": []}, Reason.BAD_REQUEST, "contacts"),
        ({"contacts": None}, Reason.BAD_REQUEST, "contacts"),
        ({"contacts": "onboarding@terr3.example.ca"}, Reason.BAD_REQUEST, "contacts"),
        ({"contacts": ["ok@terr3.example.ca", ""]}, Reason.BAD_REQUEST, "contacts"),
        ({"requested": []}, Reason.BAD_REQUEST, "requested"),
        ({"requested": ["VerifiedPerson"]}, Reason.BAD_REQUEST, "requested[0]"),
        ({"requested": [{"resource": "Passport", "assurance_level": 3}]}, Reason.CREDENTIAL_TYPE_UNKNOWN, "Passport"),
        ({"requested": [{"resource": "VerifiedPerson", "assurance_level": 0}]}, Reason.BAD_REQUEST, "1 to 4"),
        ({"requested": [{"resource": "VerifiedPerson", "assurance_level": 5}]}, Reason.BAD_REQUEST, "1 to 4"),
        ({"requested": [{"resource": "VerifiedPerson", "assurance_level": "3"}]}, Reason.BAD_REQUEST, "1 to 4"),
        ({"requested": [{"resource": "VerifiedPerson", "assurance_level": True}]}, Reason.BAD_REQUEST, "1 to 4"),
        (
            {
                "requested": [
                    {"resource": "VerifiedPerson", "assurance_level": 3},
                    {"resource": VP, "assurance_level": 2},
                ]
            },
            Reason.BAD_REQUEST,
            "twice",
        ),
    ],
)
def test_apply_rejects_bad_input_and_stores_nothing(service, overrides, reason, needle):
    err = refused(service, lambda: service.apply(body(**overrides)), reason)
    assert needle in err.message
    assert service.applications() == []


def test_apply_body_must_be_an_object(service):
    refused(service, lambda: service.apply([body()]), Reason.BAD_REQUEST)


def test_one_open_application_per_entity(service, key):
    first = service.apply(body())
    err = refused(service, lambda: service.apply(body(name="Again")), Reason.CONFLICT, 409)
    assert first["application_id"] in err.message
    service.decide(first["application_id"], {"decision": "refuse", "reasons": ["evidence process not described"]})
    second = service.apply(body())  # once decided, the entity may apply again
    assert second["application_id"] != first["application_id"] and second["state"] == "submitted"


def test_a_revoked_entity_cannot_apply(service, key):
    accredit(service, key)
    service.set_entity_status(NEW, "revoked", reason="issued credentials without proofing")
    err = refused(service, lambda: service.apply(body()), Reason.CONFLICT, 409)
    assert "revoked" in err.message


def test_http_apply(api, service):
    created = api.post("/registry/applications", json=body())
    assert created.status_code == 201 and created.json()["applicant_token"]
    app_id = created.json()["application_id"]
    http_refused(api, service, "POST", "/registry/applications", 409, "conflict", json=body())
    http_refused(api, service, "POST", "/registry/applications", 400, "bad_request", json=body(OTHER, contacts=[]))
    http_refused(
        api,
        service,
        "POST",
        "/registry/applications",
        400,
        "credential_type_unknown",
        json=body(OTHER, requested=[{"resource": "Passport", "assurance_level": 2}]),
    )
    http_refused(
        api,
        service,
        "POST",
        "/registry/applications",
        400,
        "bad_request",
        content=b"[1,",
        headers={"Content-Type": "application/json"},
    )
    assert [a["application_id"] for a in service.applications()] == [app_id]


# ============================================================================================
# Roles: governance decides, the assessor assesses, the applicant follows its own application
# ============================================================================================
@pytest.fixture
def two_applications(api, service) -> dict:
    """Two applications over HTTP; each applicant's bearer header."""
    a = api.post("/registry/applications", json=body()).json()
    b = api.post("/registry/applications", json=body(OTHER, name="Prov3 Registrar")).json()
    return {
        "a": a["application_id"],
        "b": b["application_id"],
        "a_headers": {"Authorization": f"Bearer {a['applicant_token']}"},
        "b_headers": {"Authorization": f"Bearer {b['applicant_token']}"},
    }


def _governed_calls(apps: dict, key) -> list[tuple[str, str, dict]]:
    """Every write that is not the applicant's to make: (method, path, request kwargs)."""
    a = apps["a"]
    return [
        ("POST", f"/registry/applications/{a}/decision", {"json": {"decision": "accredit"}}),
        ("POST", f"/registry/applications/{a}/decision", {"json": {"decision": "refuse", "reasons": ["no"]}}),
        ("PUT", f"/registry/applications/{a}/assessment/privacy", {"json": {"met": True, "evidence": "mine"}}),
        (
            "POST",
            "/registry/entities",
            {
                "json": {
                    "entity_id": NEW,
                    "name": "Terr3",
                    "jurisdiction": "Terr3",
                    "role": "issuer",
                    "jwks": {"keys": [key.public_jwk]},
                }
            },
        ),
        ("POST", "/registry/authorizations", {"json": {"entity_id": NEW, "resource": VP, "assurance_level": 3}}),
        (
            "PATCH",
            "/registry/entity/status",
            {"params": {"entity_id": NEW}, "json": {"status": "suspended", "reason": "x"}},
        ),
        ("PATCH", "/registry/authorizations/1", {"json": {"status": "suspended", "reason": "x"}}),
        ("POST", "/registry/entity/keys", {"params": {"entity_id": NEW}, "json": {"jwk": key.public_jwk}}),
        (
            "POST",
            f"/registry/entity/keys/{key.kid}/events",
            {"params": {"entity_id": NEW}, "json": {"event": "retired"}},
        ),
        ("POST", "/registry/recognitions", {"json": {"recognized_authority_id": OTHER, "resource": VP}}),
        ("GET", "/registry/applications", {}),
        ("GET", f"/registry/applications/{apps['b']}", {}),
    ]


def test_an_applicant_token_opens_only_its_own_application(api, service, key, two_applications):
    apps = two_applications
    for method, path, kwargs in _governed_calls(apps, key):
        response = http_refused(api, service, method, path, 403, "forbidden", headers=apps["a_headers"], **kwargs)
        assert "token" in response["error_description"], (method, path)
    own = api.get(f"/registry/applications/{apps['a']}", headers=apps["a_headers"])
    assert own.status_code == 200 and own.json()["entity_id"] == NEW and "applicant_token" not in own.json()


def test_an_applicant_can_never_accredit_itself(api, service, key, conformance_runs, two_applications):
    apps, mine = two_applications, two_applications["a_headers"]
    # What the applicant may do: run its conformance checks (they pass) ...
    ran = api.post(f"/registry/applications/{apps['a']}/conformance", json={}, headers=mine)
    assert ran.status_code == 200 and ran.json()["state"] == "conformance_passed"
    # ... and nothing that would accredit it: not mark its own assessment, not decide, not grant
    # itself an authorization, not register itself.
    for criterion in VP_CRITERIA:
        http_refused(
            api,
            service,
            "PUT",
            f"/registry/applications/{apps['a']}/assessment/{criterion}",
            403,
            "forbidden",
            json={"met": True, "evidence": "self-assessed"},
            headers=mine,
        )
    for method, path, kwargs in _governed_calls(apps, key)[:5]:
        http_refused(api, service, method, path, 403, "forbidden", headers=mine, **kwargs)
    # Claims to a state or a decision in the application itself are not read either.
    sneaky = service.apply(body(OTHER + "/x", state="accredited", decision={"decision": "accredit"}))
    assert sneaky["state"] == "submitted" and sneaky["decision"] is None
    view = api.get(f"/registry/applications/{apps['a']}", headers=mine).json()
    assert view["state"] == "conformance_passed" and view["decision"] is None
    assert all(c["met"] is None for c in view["assessment"])
    assert trqp(service)["authorized"] is False and trqp(service)["status"] == "unknown_entity"
    assert not [
        a
        for _, a in actions(service)
        if a in ("application.accredited", "authorization.granted", "entity.registered", "assessment.marked")
    ]


def test_the_assessor_assesses_but_cannot_decide(api, service, key, two_applications):
    apps = two_applications
    marked = api.put(
        f"/registry/applications/{apps['a']}/assessment/privacy",
        headers=ASSESSOR,
        json={"met": True, "evidence": "privacy impact assessment, 2024 edition"},
    )
    assert marked.status_code == 200
    assert next(c for c in marked.json()["assessment"] if c["id"] == "privacy")["met"] is True
    assert actions(service)[-1] == ("assessor", "assessment.marked")
    assert api.get(f"/registry/applications/{apps['b']}", headers=ASSESSOR).status_code == 200
    for decision in ({"decision": "accredit"}, {"decision": "refuse", "reasons": ["no"]}):
        http_refused(
            api,
            service,
            "POST",
            f"/registry/applications/{apps['a']}/decision",
            403,
            "forbidden",
            json=decision,
            headers=ASSESSOR,
        )
    http_refused(
        api,
        service,
        "PATCH",
        "/registry/entity/status",
        403,
        "forbidden",
        headers=ASSESSOR,
        params={"entity_id": NEW},
        json={"status": "suspended", "reason": "x"},
    )


def test_governance_cannot_assess(api, service, two_applications):
    # Separation of duties: whoever decides does not also mark the checklist.
    http_refused(
        api,
        service,
        "PUT",
        f"/registry/applications/{two_applications['a']}/assessment/privacy",
        403,
        "forbidden",
        json={"met": True, "evidence": "trust me"},
        headers=GOV,
    )
    listed = api.get("/registry/applications", headers=GOV)
    assert listed.status_code == 200 and {a["entity_id"] for a in listed.json()} == {NEW, OTHER}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": GOV_TOKEN}])
def test_no_token_is_401_unauthorized(api, service, key, two_applications, headers):
    for method, path, kwargs in _governed_calls(two_applications, key):
        http_refused(api, service, method, path, 401, "unauthorized", headers=headers, **kwargs)
    http_refused(
        api, service, "GET", f"/registry/applications/{two_applications['a']}", 401, "unauthorized", headers=headers
    )


def test_one_token_for_two_roles_is_refused_at_start(settings, clock, service):
    same = settings.model_copy(update={"assessor_token": GOV_TOKEN})
    with pytest.raises(SandboxError) as info:
        create_app(same, clock, service)
    assert "differ" in info.value.message


def test_http_conformance_is_the_applicants_or_governances(api, service, key, conformance_runs, two_applications):
    apps = two_applications
    offer = "openid-credential-offer://?credential_offer=%7B%7D"
    ran = api.post(
        f"/registry/applications/{apps['a']}/conformance",
        json={"offer": offer, "tx_code": "493817"},
        headers=apps["a_headers"],
    )
    assert ran.status_code == 200 and ran.json()["conformance"]["passed"] is True
    assert conformance_runs == [{"issuer": NEW, "offer": offer, "tx_code": "493817"}]
    assert actions(service)[-1] == (f"applicant:{apps['a']}", "conformance.recorded")
    assert api.post(f"/registry/applications/{apps['b']}/conformance", json={}, headers=GOV).status_code == 200
    assert actions(service)[-1] == ("governance", "conformance.recorded")
    for headers, status, error in (
        (apps["b_headers"], 403, "forbidden"),
        (ASSESSOR, 403, "forbidden"),
        ({}, 401, "unauthorized"),
    ):
        http_refused(
            api,
            service,
            "POST",
            f"/registry/applications/{apps['a']}/conformance",
            status,
            error,
            json={},
            headers=headers,
        )
    assert len(conformance_runs) == 2


# ============================================================================================
# Conformance reports and assessment
# ============================================================================================
@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"passed": "yes"},
        {"checks": []},
        {"passed": False, "checks": "all good"},
        {"passed": False, "checks": [{"passed": True}]},
        {"passed": True, "checks": []},  # a pass must carry the keys it found
        {"passed": True, "checks": [], "jwks": {"keys": []}},
        "private",
    ],
)
def test_malformed_conformance_reports_are_refused(service, key, bad):
    app_id = service.apply(body())["application_id"]
    if bad == "private":
        bad = {**report(key), "jwks": {"keys": [key.private_jwk]}}
    refused(service, lambda: service.record_conformance(app_id, bad, actor="governance"), Reason.BAD_REQUEST)
    assert service.application(app_id)["state"] == "submitted"


def test_conformance_can_be_rerun_until_decided(service, key):
    app_id = service.apply(body())["application_id"]
    failed = service.record_conformance(app_id, report(key, passed=False), actor=f"applicant:{app_id}")
    assert failed["state"] == "conformance_failed" and failed["conformance"]["passed"] is False
    assert service.audit_log()[-1]["details"]["failed_checks"] == ["credential_issued"]
    passed = service.record_conformance(app_id, report(key), actor=f"applicant:{app_id}")
    assert passed["state"] == "conformance_passed"
    assert [c["id"] for c in passed["conformance"]["checks"]] == ["jwt_vc_issuer_metadata", "credential_issued"]


def test_assessment_marks_are_checked_and_the_latest_counts(service):
    app_id = service.apply(body())["application_id"]
    refused(
        service, lambda: service.assess(app_id, "organization_resolution", met=True, evidence="x"), Reason.BAD_REQUEST
    )  # not on a Verified Person checklist
    refused(service, lambda: service.assess(app_id, "privacy", met="yes", evidence="x"), Reason.BAD_REQUEST)
    refused(service, lambda: service.assess(app_id, "privacy", met=True, evidence=" "), Reason.BAD_REQUEST)
    refused(service, lambda: service.assess("nope", "privacy", met=True, evidence="x"), Reason.NOT_FOUND, 404)
    service.assess(app_id, "privacy", met=False, evidence="retention schedule missing")
    view = service.assess(app_id, "privacy", met=True, evidence="retention schedule, v2")
    mark = next(c for c in view["assessment"] if c["id"] == "privacy")
    assert (mark["met"], mark["evidence"]) == (True, "retention schedule, v2")


def test_the_checklist_follows_what_is_asked(service):
    relationship = service.apply(body(requested=[{"resource": "VerifiedRelationship", "assurance_level": 2}]))
    ids = [c["id"] for c in relationship["assessment"]]
    assert ids == [c.id for c in criteria_for([VERIFIED_RELATIONSHIP.vct])]
    assert "relationship_validation" in ids and "identity_validation" not in ids and "privacy" in ids


# ============================================================================================
# Decisions
# ============================================================================================
def test_accreditation_registers_the_conformance_keys_and_grants_the_window(service, key, clock):
    applied = ready(service, key)
    clock.advance(DAY)
    decided = service.decide(applied["application_id"], {"decision": "accredit", "valid_until": UNTIL.isoformat()})
    assert decided["state"] == "accredited" and decided["decision"]["decision"] == "accredit"
    entity = service.entity(NEW)
    assert (entity["role"], entity["status"], entity["name"]) == ("issuer", "active", "Territory 3 Digital ID")
    assert entity["jwks"] == {"keys": [key.public_jwk]}
    [grant] = entity["authorizations"]
    assert decided["decision"]["authorizations"] == [grant["id"]]
    assert (grant["resource"], grant["assurance_level"], grant["status"]) == (VP, 3, "active")
    assert (grant["valid_from"], grant["valid_until"]) == ("2025-03-02T12:00:00Z", "2026-03-01T12:00:00Z")
    answer = trqp(service, loa=3)
    assert answer["authorized"] is True and answer["status"] == "active"
    assert trqp(service, loa=4)["status"] == "loa_exceeded"
    assert trqp(service, at=T0)["status"] == "not_yet_valid"  # before the decision
    assert trqp(service, at=UNTIL)["status"] == "expired"
    assert actions(service)[-3:] == [
        ("governance", "entity.registered"),
        ("governance", "authorization.granted"),
        ("governance", "application.accredited"),
    ]


def test_accreditation_grants_no_more_than_was_asked(service, key):
    requested = [
        {"resource": "VerifiedPerson", "assurance_level": 3},
        {"resource": "VerifiedRelationship", "assurance_level": 2},
    ]
    applied = service.apply(body(requested=requested))
    app_id = applied["application_id"]
    service.record_conformance(app_id, report(key), actor="governance")
    assess_all(service, app_id)
    err = refused(
        service,
        lambda: service.decide(app_id, {"decision": "accredit", "types": ["VerifiedOrganization"]}),
        Reason.CONFLICT,
        409,
    )
    assert "did not ask" in err.message
    err = refused(
        service,
        lambda: service.decide(
            app_id, {"decision": "accredit", "types": ["VerifiedRelationship"], "assurance_level": 3}
        ),
        Reason.CONFLICT,
        409,
    )
    assert "up to LoA 2" in err.message
    for bad in (
        {"types": []},
        {"types": "VerifiedPerson"},
        {"types": ["VerifiedPerson", VP]},
        {"assurance_level": 9},
        {"valid_until": "next year"},
        {"valid_until": T0.isoformat()},
    ):
        refused(service, lambda: service.decide(app_id, {"decision": "accredit", **bad}), Reason.BAD_REQUEST)
    refused(
        service,
        lambda: service.decide(app_id, {"decision": "accredit", "types": ["Passport"]}),
        Reason.CREDENTIAL_TYPE_UNKNOWN,
    )
    decided = service.decide(app_id, {"decision": "accredit", "types": ["VerifiedPerson"], "assurance_level": 2})
    assert [(a["resource"], a["assurance_level"]) for a in service.entity(NEW)["authorizations"]] == [(VP, 2)]
    assert decided["state"] == "accredited"
    assert trqp(service, resource=VERIFIED_RELATIONSHIP.vct)["status"] == "not_found"


def test_accreditation_needs_a_passed_conformance_run(service, key):
    app_id = service.apply(body())["application_id"]
    assess_all(service, app_id)
    err = refused(service, lambda: service.decide(app_id, {"decision": "accredit"}), Reason.CONFLICT, 409)
    assert "conformance" in err.message
    service.record_conformance(app_id, report(key, passed=False), actor="governance")
    refused(service, lambda: service.decide(app_id, {"decision": "accredit"}), Reason.CONFLICT, 409)
    assert service.entities() == []


def test_accreditation_needs_every_criterion_assessed_and_met(service, key):
    app_id = service.apply(body())["application_id"]
    service.record_conformance(app_id, report(key), actor="governance")
    err = refused(service, lambda: service.decide(app_id, {"decision": "accredit"}), Reason.CONFLICT, 409)
    assert f"not assessed: {', '.join(VP_CRITERIA)}" in err.message
    assess_all(service, app_id, unmet=("privacy",), skip=("identity_continuity",))
    err = refused(service, lambda: service.decide(app_id, {"decision": "accredit"}), Reason.CONFLICT, 409)
    assert "not assessed: identity_continuity" in err.message and "not met: privacy" in err.message
    service.assess(app_id, "identity_continuity", met=True, evidence="account recovery procedure")
    err = refused(service, lambda: service.decide(app_id, {"decision": "accredit"}), Reason.CONFLICT, 409)
    assert "not met: privacy" in err.message and "not assessed" not in err.message


@pytest.mark.parametrize(
    "decision",
    [
        {"decision": "refuse"},
        {"decision": "refuse", "reasons": []},
        {"decision": "refuse", "reasons": "incomplete"},
        {"decision": "refuse", "reasons": ["  "]},
        {"decision": "maybe"},
        {},
        "refuse",
    ],
)
def test_a_refusal_gives_reasons(service, decision):
    app_id = service.apply(body())["application_id"]
    refused(service, lambda: service.decide(app_id, decision), Reason.BAD_REQUEST)


def test_a_decided_application_is_final(service, key):
    accredited = accredit(service, key)["application_id"]
    refusal = service.apply(body(OTHER))["application_id"]
    decided = service.decide(refusal, {"decision": "refuse", "reasons": [" identity validation not shown "]})
    assert decided["state"] == "refused" and decided["decision"]["reasons"] == ["identity validation not shown"]
    assert trqp(service, entity_id=OTHER)["authorized"] is False  # a refused applicant is not authorized
    for app_id in (accredited, refusal):
        for call in (
            lambda: service.assess(app_id, "privacy", met=False, evidence="second thoughts"),
            lambda: service.decide(app_id, {"decision": "refuse", "reasons": ["changed my mind"]}),
            lambda: service.decide(app_id, {"decision": "accredit"}),
            lambda: service.record_conformance(app_id, report(key), actor="governance"),
        ):
            err = refused(service, call, Reason.CONFLICT, 409)
            assert "already decided" in err.message


def test_http_decisions(api, service, key, conformance_runs):
    applied = api.post("/registry/applications", json=body()).json()
    app_id, mine = applied["application_id"], {"Authorization": f"Bearer {applied['applicant_token']}"}
    decision = f"/registry/applications/{app_id}/decision"
    err = http_refused(api, service, "POST", decision, 409, "conflict", json={"decision": "accredit"}, headers=GOV)
    assert "conformance" in err["error_description"]
    api.post(f"/registry/applications/{app_id}/conformance", json={}, headers=mine)
    err = http_refused(api, service, "POST", decision, 409, "conflict", json={"decision": "accredit"}, headers=GOV)
    assert "not assessed" in err["error_description"] and "identity_resolution" in err["error_description"]
    for criterion in VP_CRITERIA:
        assert (
            api.put(
                f"/registry/applications/{app_id}/assessment/{criterion}",
                headers=ASSESSOR,
                json={"met": True, "evidence": "site visit"},
            ).status_code
            == 200
        )
    http_refused(
        api,
        service,
        "PUT",
        f"/registry/applications/{app_id}/assessment/privacy",
        400,
        "bad_request",
        json={"met": "yes", "evidence": "x"},
        headers=ASSESSOR,
    )
    http_refused(
        api,
        service,
        "POST",
        decision,
        409,
        "conflict",
        headers=GOV,
        json={"decision": "accredit", "assurance_level": 4},
    )
    http_refused(api, service, "POST", decision, 400, "bad_request", json={"decision": "refuse"}, headers=GOV)
    done = api.post(decision, json={"decision": "accredit", "valid_until": "2026-03-01T12:00:00Z"}, headers=GOV)
    assert done.status_code == 200 and done.json()["state"] == "accredited"
    authorized = api.post(
        "/registry/authorization",
        json={"entity_id": NEW, "authority_id": service.authority_id, "action": "issue", "resource": VP},
    )
    assert authorized.json()["authorized"] is True
    http_refused(
        api, service, "POST", decision, 409, "conflict", json={"decision": "refuse", "reasons": ["x"]}, headers=GOV
    )
    http_refused(
        api,
        service,
        "PUT",
        f"/registry/applications/{app_id}/assessment/privacy",
        409,
        "conflict",
        json={"met": False, "evidence": "x"},
        headers=ASSESSOR,
    )
    http_refused(
        api, service, "POST", f"/registry/applications/{app_id}/conformance", 409, "conflict", json={}, headers=mine
    )
    assert len(conformance_runs) == 1  # a decided application's endpoints are not probed again


# ============================================================================================
# Time-aware suspension, reinstatement and revocation
# ============================================================================================
def test_a_suspension_counts_from_its_effective_date(service, key, clock):
    accredit(service, key)
    clock.set(T0 + 20 * DAY)
    suspended = service.set_entity_status(NEW, "suspended", reason="audit finding", effective_from=T0 + 10 * DAY)
    assert suspended["status"] == "suspended"
    assert suspended["status_history"][-1] == {
        "status": "suspended",
        "effective_from": "2025-03-11T12:00:00Z",
        "retroactive": False,
        "reason": "audit finding",
        "recorded_at": "2025-03-21T12:00:00Z",
    }
    # A credential issued before the date was issued by an accredited issuer: still authorized.
    assert trqp(service, at=T0 + 5 * DAY)["authorized"] is True
    at_date = trqp(service, at=T0 + 10 * DAY)
    assert (at_date["authorized"], at_date["status"]) == (False, "suspended")
    assert "audit finding" in at_date["message"]
    assert trqp(service, at=T0 + 15 * DAY)["status"] == "suspended"
    assert trqp(service)["status"] == "suspended"


def test_a_retroactive_suspension_reaches_back_once_in_force(service, key, clock):
    accredit(service, key)
    clock.set(T0 + 5 * DAY)
    service.set_entity_status(NEW, "suspended", reason="proofing fraud", effective_from=T0 + 10 * DAY, retroactive=True)
    assert trqp(service, at=T0 + 2 * DAY)["authorized"] is True  # scheduled: not in force yet
    assert trqp(service, at=T0 + 12 * DAY)["status"] == "suspended"  # but it governs times after its date
    clock.set(T0 + 10 * DAY)
    assert trqp(service, at=T0 + 2 * DAY)["status"] == "suspended"  # in force: reaches back
    clock.set(T0 + 30 * DAY)
    service.set_entity_status(NEW, "active", reason="remediated")
    assert trqp(service, at=T0 + 31 * DAY)["authorized"] is True
    assert trqp(service, at=T0 + 2 * DAY)["authorized"] is True  # the reinstatement lifts the reach back


def test_reinstatement_lifts_a_suspension_for_later_times(service, key, clock):
    accredit(service, key)
    clock.set(T0 + 10 * DAY)
    service.set_entity_status(NEW, "suspended", reason="audit finding")
    clock.set(T0 + 30 * DAY)
    reinstated = service.set_entity_status(NEW, "active")
    assert reinstated["status"] == "active" and reinstated["status_history"][-1]["reason"] == ""
    assert trqp(service, at=T0 + 5 * DAY)["authorized"] is True
    assert trqp(service, at=T0 + 20 * DAY)["status"] == "suspended"  # what was issued while suspended stays so
    assert trqp(service, at=T0 + 30 * DAY)["authorized"] is True
    assert trqp(service)["authorized"] is True


def test_a_scheduled_suspension_does_not_touch_earlier_times(service, key, clock):
    accredit(service, key)
    clock.set(T0 + 5 * DAY)
    service.set_entity_status(NEW, "suspended", reason="framework renewal due", effective_from=T0 + 60 * DAY)
    assert trqp(service)["authorized"] is True
    assert trqp(service, at=T0 + 59 * DAY)["authorized"] is True
    assert trqp(service, at=T0 + 60 * DAY)["status"] == "suspended"
    clock.set(T0 + 90 * DAY)
    assert trqp(service, at=T0 + 59 * DAY)["authorized"] is True
    assert trqp(service)["status"] == "suspended"


def test_revocation_is_retroactive_by_default_and_final(service, key, clock):
    accredit(service, key)
    clock.set(T0 + 10 * DAY)
    revoked = service.set_entity_status(NEW, "revoked", reason="keys held by an unaccredited contractor")
    assert revoked["status_history"][-1]["retroactive"] is True
    assert trqp(service, at=T0 + 2 * DAY)["status"] == "revoked"
    for status, reason in (("active", None), ("suspended", "more"), ("revoked", "again")):
        err = refused(service, lambda: service.set_entity_status(NEW, status, reason=reason), Reason.CONFLICT, 409)
        assert "revoked" in err.message
    refused(service, lambda: service.authorize(NEW, resource=VP, assurance_level=1), Reason.CONFLICT, 409)
    refused(service, lambda: service.add_key(NEW, generate_key().public_jwk), Reason.CONFLICT, 409)


def test_a_revocation_may_spare_the_past(service, key, clock):
    accredit(service, key)
    clock.set(T0 + 10 * DAY)
    service.set_entity_status(NEW, "revoked", reason="ceased operations", retroactive=False)
    assert trqp(service, at=T0 + 2 * DAY)["authorized"] is True
    assert trqp(service, at=T0 + 10 * DAY)["status"] == "revoked"


def test_authorization_level_decisions_are_time_aware_too(service, key, clock):
    grant = service.entity(accredit(service, key)["entity_id"])["authorizations"][0]
    clock.set(T0 + 20 * DAY)
    service.set_authorization_status(
        grant["id"], "suspended", reason="LoA 3 process under review", effective_from=(T0 + 10 * DAY).isoformat()
    )
    assert trqp(service, at=T0 + 5 * DAY)["authorized"] is True
    assert trqp(service, at=T0 + 10 * DAY)["status"] == "suspended"
    service.set_authorization_status(grant["id"], "revoked", reason="process withdrawn")
    assert trqp(service, at=T0 + 5 * DAY)["status"] == "revoked"
    refused(service, lambda: service.set_authorization_status(grant["id"], "active"), Reason.CONFLICT, 409)


@pytest.mark.parametrize("status", ["suspended", "revoked"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_suspension_and_revocation_need_a_reason(service, key, status, reason):
    grant = service.entity(accredit(service, key)["entity_id"])["authorizations"][0]
    err = refused(service, lambda: service.set_entity_status(NEW, status, reason=reason), Reason.BAD_REQUEST)
    assert "reason" in err.message
    refused(service, lambda: service.set_authorization_status(grant["id"], status, reason=reason), Reason.BAD_REQUEST)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"effective_from": "2025-03-10"},
        {"effective_from": "2025-03-10T00:00:00"},
        {"effective_from": "soon"},
        {"retroactive": "yes"},
        {"status": "paused"},
    ],
)
def test_bad_status_changes_are_refused(service, key, kwargs):
    accredit(service, key)
    call = {"status": "suspended", "reason": "audit", **kwargs}
    refused(service, lambda: service.set_entity_status(NEW, call.pop("status"), **call), Reason.BAD_REQUEST)


def test_http_time_aware_status(api, service, key, clock):
    accredit(service, key)
    clock.set(T0 + 20 * DAY)
    status = "/registry/entity/status"
    http_refused(
        api,
        service,
        "PATCH",
        status,
        400,
        "bad_request",
        params={"entity_id": NEW},
        headers=GOV,
        json={"status": "suspended"},
    )
    http_refused(
        api,
        service,
        "PATCH",
        status,
        400,
        "bad_request",
        params={"entity_id": NEW},
        headers=GOV,
        json={"status": "suspended", "reason": "x", "retroactive": "yes"},
    )
    http_refused(
        api,
        service,
        "PATCH",
        status,
        404,
        "not_found",
        params={"entity_id": OTHER},
        headers=GOV,
        json={"status": "suspended", "reason": "x"},
    )
    done = api.patch(
        status,
        params={"entity_id": NEW},
        headers=GOV,
        json={"status": "suspended", "reason": "audit finding", "effective_from": "2025-03-11T12:00:00Z"},
    )
    assert done.status_code == 200 and done.json()["status"] == "suspended"
    query = {"entity_id": NEW, "authority_id": service.authority_id, "action": "issue", "resource": VP}
    before = api.post("/registry/authorization", json={**query, "context": {"time": "2025-03-06T00:00:00Z"}}).json()
    after = api.post("/registry/authorization", json={**query, "context": {"time": "2025-03-12T00:00:00Z"}}).json()
    assert before["authorized"] is True and (after["authorized"], after["status"]) == (False, "suspended")
    api.patch(
        status,
        params={"entity_id": NEW},
        headers=GOV,
        json={"status": "suspended", "reason": "fraud", "retroactive": True},
    )
    again = api.post("/registry/authorization", json={**query, "context": {"time": "2025-03-06T00:00:00Z"}}).json()
    assert again["status"] == "suspended"


# ============================================================================================
# Through the verification engine: suspension and key rotation, end to end
# ============================================================================================
def credential(key, iat: datetime, holder) -> str:
    """A Verified Person signed by ``key`` at ``iat`` (a hand-made payload: the issuer is external)."""
    ts = int(iat.timestamp())
    payload = {
        "iss": NEW,
        "iat": ts,
        "exp": ts + YEAR,
        "vct": VP,
        "cnf": {"jwk": holder.public_jwk},
        "assurance_level": 3,
        "given_name": "Aputi",
        "family_name": "Kilabuk",
        "birthdate": "1990-02-11",
    }
    return sdjwt.issue(payload, key, disclosable=VERIFIED_PERSON.disclosable_paths())


def verify(service, clock, issued: str, holder):
    """The engine's result for ``issued``, presented now, with the registry as its trust source."""
    engine = VerificationEngine(LocalTrust(service), clock, kb_max_age=300, leeway=30)
    presentation = sdjwt.present(issued, holder, reveal=[("given_name",)], aud=AUD, nonce=NONCE, iat=clock.timestamp())
    return engine.verify_credential(presentation, aud=AUD, nonce=NONCE, expected_vcts=[VP])


def accepted(result) -> bool:
    assert result.ok, [c.as_dict() for c in result.checks if not c.passed]
    return result.claims == {"given_name": "Aputi", "assurance_level": 3}


def rejected(result, reason: Reason, check: str) -> bool:
    return [(c.name, c.reason) for c in result.checks if not c.passed] == [(check, reason.value)]


def test_engine_judges_authorization_at_issuance_time(service, key, holder, clock):
    accredit(service, key)
    before = credential(key, T0 + 5 * DAY, holder)
    clock.set(T0 + 12 * DAY)
    during = credential(key, T0 + 11 * DAY, holder)
    service.set_entity_status(NEW, "suspended", reason="audit finding", effective_from=T0 + 10 * DAY)
    assert accepted(verify(service, clock, before, holder))
    assert rejected(verify(service, clock, during, holder), Reason.ISSUER_SUSPENDED, "issuer_authorized")
    clock.set(T0 + 20 * DAY)
    service.set_entity_status(NEW, "active", reason="remediated")
    after = credential(key, T0 + 21 * DAY, holder)
    clock.set(T0 + 21 * DAY)
    assert accepted(verify(service, clock, after, holder))
    assert rejected(verify(service, clock, during, holder), Reason.ISSUER_SUSPENDED, "issuer_authorized")
    service.set_entity_status(NEW, "revoked", reason="ceased operations")
    for issued in (before, after):
        assert rejected(verify(service, clock, issued, holder), Reason.ISSUER_NOT_AUTHORIZED, "issuer_authorized")


def test_engine_key_rotation_retirement_and_compromise(service, key, holder, clock):
    accredit(service, key)
    k1, k2 = key, generate_key()
    clock.set(T0 + 10 * DAY)
    added = service.add_key(NEW, k2.public_jwk)
    assert [k["kid"] for k in added["jwks"]["keys"]] == [k1.kid, k2.kid]
    retired = service.key_event(NEW, k1.kid, "retired", effective_from=T0 + 20 * DAY)
    assert retired["key_events"] == [
        {
            "kid": k1.kid,
            "event": "retired",
            "effective_from": "2025-03-21T12:00:00Z",
            "reason": "",
            "recorded_at": "2025-03-11T12:00:00Z",
        }
    ]
    old_before = credential(k1, T0 + 15 * DAY, holder)
    old_after = credential(k1, T0 + 25 * DAY, holder)
    new_key = credential(k2, T0 + 25 * DAY, holder)
    clock.set(T0 + 30 * DAY)
    assert accepted(verify(service, clock, old_before, holder))
    assert rejected(verify(service, clock, old_after, holder), Reason.ISSUER_KEY_RETIRED, "issuer_key")
    assert accepted(verify(service, clock, new_key, holder))

    # The new key is the last usable one: it cannot be retired ...
    err = refused(service, lambda: service.key_event(NEW, k2.kid, "retired"), Reason.CONFLICT, 409)
    assert "no usable key" in err.message
    # ... but a compromise is always recorded, and rejects what it signed from the declared date.
    stolen = credential(k2, T0 + 29 * DAY, holder)
    service.key_event(NEW, k2.kid, "compromised", effective_from=T0 + 28 * DAY, reason="HSM backup exposed")
    assert rejected(verify(service, clock, stolen, holder), Reason.ISSUER_KEY_COMPROMISED, "issuer_key")
    assert accepted(verify(service, clock, new_key, holder))  # signed before the compromise
    # A retired key later found compromised: the compromise is the answer, back to its date.
    service.key_event(NEW, k1.kid, "compromised", effective_from=T0 + 12 * DAY, reason="found in a leak")
    assert rejected(verify(service, clock, old_before, holder), Reason.ISSUER_KEY_COMPROMISED, "issuer_key")
    assert rejected(verify(service, clock, old_after, holder), Reason.ISSUER_KEY_COMPROMISED, "issuer_key")
    assert actions(service)[-4:] == [
        ("governance", "key.added"),
        ("governance", "key.retired"),
        ("governance", "key.compromised"),
        ("governance", "key.compromised"),
    ]


def test_key_events_are_checked(service, key, clock):
    accredit(service, key)
    refused(service, lambda: service.key_event(NEW, key.kid, "retired"), Reason.CONFLICT, 409)  # the only key
    refused(service, lambda: service.key_event(NEW, "no-such-kid", "retired"), Reason.NOT_FOUND, 404)
    refused(service, lambda: service.key_event(OTHER, key.kid, "retired"), Reason.NOT_FOUND, 404)
    for reason in (None, "", "  "):
        err = refused(
            service,
            lambda: service.key_event(NEW, key.kid, "compromised", effective_from=T0, reason=reason),
            Reason.BAD_REQUEST,
        )
        assert "reason" in err.message
    refused(service, lambda: service.key_event(NEW, key.kid, "lost"), Reason.BAD_REQUEST)
    refused(service, lambda: service.key_event(NEW, key.kid, "retired", effective_from="tomorrow"), Reason.BAD_REQUEST)
    refused(service, lambda: service.add_key(NEW, key.public_jwk), Reason.BAD_REQUEST)  # same kid twice
    refused(service, lambda: service.add_key(NEW, generate_key().private_jwk), Reason.BAD_REQUEST)
    refused(service, lambda: service.add_key(OTHER, generate_key().public_jwk), Reason.NOT_FOUND, 404)


def test_http_keys(api, service, key):
    accredit(service, key)
    new = generate_key()
    keys, params = "/registry/entity/keys", {"entity_id": NEW}
    http_refused(
        api, service, "POST", keys, 400, "bad_request", params=params, headers=GOV, json={"jwk": new.private_jwk}
    )
    added = api.post(keys, params=params, headers=GOV, json={"jwk": new.public_jwk})
    assert added.status_code == 201 and [k["kid"] for k in added.json()["jwks"]["keys"]] == [key.kid, new.kid]
    http_refused(
        api,
        service,
        "POST",
        f"{keys}/nope/events",
        404,
        "not_found",
        params=params,
        headers=GOV,
        json={"event": "retired"},
    )
    http_refused(
        api,
        service,
        "POST",
        f"{keys}/{key.kid}/events",
        400,
        "bad_request",
        params=params,
        headers=GOV,
        json={"event": "compromised", "effective_from": "2025-03-01T00:00:00Z"},
    )
    retired = api.post(
        f"{keys}/{key.kid}/events",
        params=params,
        headers=GOV,
        json={"event": "retired", "effective_from": "2025-04-01T00:00:00Z"},
    )
    assert retired.status_code == 201 and retired.json()["key_events"][0]["event"] == "retired"
    http_refused(
        api,
        service,
        "POST",
        f"{keys}/{new.kid}/events",
        409,
        "conflict",
        params=params,
        headers=GOV,
        json={"event": "retired"},
    )
    record = api.get("/registry/entity", params=params).json()
    assert [(e["kid"], e["event"]) for e in record["key_events"]] == [(key.kid, "retired")]


# ============================================================================================
# The audit log
# ============================================================================================
def every_governance_action(service, key, clock) -> None:
    """One of each write the registry knows, in the roles that make them."""
    accredit(service, key)
    refusal = service.apply(body(OTHER))["application_id"]
    service.decide(refusal, {"decision": "refuse", "reasons": ["no evidence process"]})
    clock.advance(DAY)
    service.set_entity_status(NEW, "suspended", reason="audit finding")
    service.set_entity_status(NEW, "active", reason="remediated")
    grant = service.entity(NEW)["authorizations"][0]
    service.set_authorization_status(grant["id"], "suspended", reason="LoA review")
    new = generate_key()
    service.add_key(NEW, new.public_jwk)
    service.key_event(NEW, key.kid, "retired")
    service.key_event(NEW, new.kid, "compromised", reason="leaked")
    service.recognize("https://trust.example.org/registry", resource="VerifiedPerson")
    service.upsert_entity(
        "https://bank.example.ca/verifier",
        name="Bank",
        jurisdiction="CA",
        role="verifier",
        jwks={"keys": [generate_key().public_jwk]},
    )
    service.authorize("https://bank.example.ca/verifier", action="verify", resource=VP, assurance_level=3)
    service.set_entity_status(NEW, "revoked", reason="ceased operations")


def test_every_governance_action_is_audited_in_its_role(service, key, clock):
    every_governance_action(service, key, clock)
    app_ids = {a["entity_id"]: a["application_id"] for a in service.applications()}
    applicant = f"applicant:{app_ids[NEW]}"
    assert actions(service) == [
        (applicant, "application.submitted"),
        (applicant, "conformance.recorded"),
        *[("assessor", "assessment.marked")] * len(VP_CRITERIA),
        ("governance", "entity.registered"),
        ("governance", "authorization.granted"),
        ("governance", "application.accredited"),
        (f"applicant:{app_ids[OTHER]}", "application.submitted"),
        ("governance", "application.refused"),
        ("governance", "entity.suspended"),
        ("governance", "entity.reinstated"),
        ("governance", "authorization.suspended"),
        ("governance", "key.added"),
        ("governance", "key.retired"),
        ("governance", "key.compromised"),
        ("governance", "recognition.granted"),
        ("governance", "entity.registered"),
        ("governance", "authorization.granted"),
        ("governance", "entity.revoked"),
    ]
    log = service.audit_log()
    assert log[-1]["subject"] == NEW and log[-1]["details"]["reason"] == "ceased operations"
    assert log[-1]["at"] == "2025-03-02T12:00:00Z"
    # Rejected requests (see the refusal tests, which compare the whole log) add nothing.
    refused(service, lambda: service.set_entity_status(NEW, "active"), Reason.CONFLICT, 409)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_the_audit_log_is_a_hash_chain(service, key, clock):
    every_governance_action(service, key, clock)
    log = service.audit_log()
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert log[0]["prev_hash"] == GENESIS
    for previous, entry in zip(log, log[1:], strict=False):
        assert entry["prev_hash"] == previous["hash"]
    assert all(audit_hash(e) == e["hash"] for e in log)
    assert service.verify_audit_log() == {
        "valid": True,
        "entries": len(log),
        "broken_at": None,
        "problem": None,
        "head": log[-1]["hash"],
    }
    assert service.audit_log(after=3, limit=2) == log[3:5]


def _edit_details(session):
    session.exec(update(AuditEntry).where(AuditEntry.seq == 3).values(details={"criterion": "privacy", "met": True}))


def _delete_middle(session):
    session.exec(delete(AuditEntry).where(AuditEntry.seq == 3))


def _alter_hash(session):
    session.exec(update(AuditEntry).where(AuditEntry.seq == 3).values(hash="f" * 64))


def _rewrite_consistently(session):
    """Alter an entry and recompute its own hash: the next entry no longer links to it."""
    row = session.get(AuditEntry, 3)
    entry = {
        "seq": row.seq,
        "at": "2025-03-01T12:00:00Z",
        "actor": "governance",
        "action": row.action,
        "subject": row.subject,
        "details": row.details,
        "prev_hash": row.prev_hash,
    }
    session.exec(update(AuditEntry).where(AuditEntry.seq == 3).values(actor="governance", hash=audit_hash(entry)))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize(
    "tamper, broken_at, problem",
    [
        (_edit_details, 3, "altered"),
        (_delete_middle, 3, "missing"),
        (_alter_hash, 3, "altered"),
        (_rewrite_consistently, 4, "does not link"),
    ],
)
def test_tampering_with_the_audit_log_is_detected(api, service, key, clock, tamper, broken_at, problem):
    every_governance_action(service, key, clock)
    assert service.verify_audit_log()["valid"] is True
    with Session(service.db) as session:
        tamper(session)
        session.commit()
    verdict = service.verify_audit_log()
    assert (verdict["valid"], verdict["broken_at"], verdict["head"]) == (False, broken_at, None)
    assert problem in verdict["problem"]
    assert api.get("/registry/audit/verify").json() == verdict


def test_the_audit_log_is_public_over_http(api, service, key, clock):
    accredit(service, key)
    log = api.get("/registry/audit")
    assert log.status_code == 200 and log.json() == service.audit_log()
    page = api.get("/registry/audit", params={"after": 2, "limit": 3}).json()
    assert [e["seq"] for e in page] == [3, 4, 5]
    verdict = api.get("/registry/audit/verify").json()
    assert verdict["valid"] is True and verdict["entries"] == len(log.json())
    assert api.get("/registry/audit", params={"after": -1}).status_code == 400
    assert api.get("/registry/audit", params={"limit": 0}).json()["error"] == "bad_request"


# ============================================================================================
# Recognition of another framework's authority
# ============================================================================================
def test_recognition_holds_within_its_window(service, api):
    other = "https://trust.example.org/registry"
    service.recognize(other, resource="VerifiedPerson", valid_from=T0 + DAY, valid_until=T0 + 30 * DAY)
    query = {"entity_id": other, "authority_id": service.authority_id, "action": "issue", "resource": VP}

    def recognized(at: datetime) -> bool:
        return service.recognition_query({**query, "context": {"time": at.isoformat()}})["recognized"]

    assert not recognized(T0) and recognized(T0 + DAY) and recognized(T0 + 29 * DAY)
    assert not recognized(T0 + 30 * DAY)  # valid_until is exclusive
    assert service.recognition_query({**query, "resource": VO})["recognized"] is False
    assert service.recognition_query({**query, "action": "verify"})["recognized"] is False
    refused(service, lambda: service.recognize("not a url", resource=VP), Reason.BAD_REQUEST)
    refused(service, lambda: service.recognize(other, resource=VP, valid_from=T0, valid_until=T0), Reason.BAD_REQUEST)
    http_refused(
        api,
        service,
        "POST",
        "/registry/recognitions",
        401,
        "unauthorized",
        json={"recognized_authority_id": other, "resource": VO},
    )
    created = api.post("/registry/recognitions", headers=GOV, json={"recognized_authority_id": other, "resource": VO})
    assert created.status_code == 201 and created.json()["resource"] == VO
    answer = api.post("/registry/recognition", json={**query, "resource": VO}).json()
    assert answer["recognized"] is True and answer["message"] == "recognized"
    assert actions(service) == [("governance", "recognition.granted")] * 2


def test_a_scheduled_suspension_shows_as_in_force_only_from_its_date(tmp_path, database_url):
    clock = FrozenClock(T0)
    service = RegistryService(Settings(data_dir=tmp_path, governance_token="g", database_url=database_url), clock)
    service.upsert_entity(
        NEW, name="Terr3", jurisdiction="Terr3", role="issuer", jwks={"keys": [generate_key().public_jwk]}
    )
    grant = service.authorize(NEW, resource="VerifiedPerson", assurance_level=3)
    service.set_entity_status(NEW, "suspended", reason="scheduled audit", effective_from=T0 + timedelta(days=7))
    record = service.entity(NEW)
    assert record["status"] == "active" and record["status_history"][0]["status"] == "suspended"
    later = service.set_authorization_status(
        grant["id"], "suspended", reason="review", effective_from=T0 + timedelta(days=3)
    )
    assert later["status"] == "active"
    clock.advance(timedelta(days=7))
    record = service.entity(NEW)
    assert record["status"] == "suspended" and record["authorizations"][0]["status"] == "suspended"
