"""The registry's automated conformance checks, run against live issuers over HTTP.

A sandbox issuer (Prov1, the federal registrar) must pass every check. Then a small issuer
served here, correct by default, is broken one way at a time: each break must fail the check it
concerns, with a reason code and evidence that say what is wrong, and every other failure in the
report must be a check skipped because of it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from cli.stack import free_port
from pctf import sdjwt
from pctf.clock import SystemClock
from pctf.jose import Jws, SigningKey, b64u_decode, b64u_encode, generate_key, public_jwk_only
from pctf.vocab import VERIFIED_ORGANIZATION, VERIFIED_PERSON, VERIFIED_RELATIONSHIP
from registry.conformance import CHECK_IDS, ConformanceReport, run_conformance
from scenarios.personas import SASHA, SASHA_BUSINESS, SASHA_EVIDENCE
from tests.support import serve
from tests.test_cli import EXE, assert_clean_error

PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
FAKE = "/issuers/fake"
TX_CODE = "493536"


def only_failure(report: ConformanceReport, check_id: str, reason: str) -> list[str]:
    """Assert ``check_id`` failed with ``reason`` and every other failure is a skip caused by it;
    return its evidence as one string per line."""
    failed = {c.id: c for c in report.checks if not c.passed}
    assert check_id in failed, json.dumps(report.as_dict(), indent=1)
    assert failed[check_id].reason == reason, json.dumps(failed[check_id].as_dict(), indent=1)
    for other in failed.values():
        if other.id == check_id:
            continue
        assert other.reason == "dependency_failed", json.dumps(other.as_dict(), indent=1)
        cause = other.evidence[0].removeprefix("skipped: depends on ")
        while cause != check_id:  # the chain of skips leads back to the failure
            cause = failed[cause].evidence[0].removeprefix("skipped: depends on ")
    assert not report.passed
    return failed[check_id].evidence


# -- the sandbox's own issuers pass -------------------------------------------------------------
def test_prov1_passes_every_check(sandbox, http):
    proofed = http.post(f"{sandbox.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE}).json()
    issuer = f"{sandbox.url}/issuers/prov1"
    report = run_conformance(
        issuer, http=http, clock=SystemClock(), offer=proofed["credential_offer_uri"], tx_code=proofed["tx_code"]
    )
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    assert (
        [c.id for c in report.checks]
        == list(CHECK_IDS)
        == [
            "credential_issuer_metadata",
            "jwt_vc_issuer_metadata",
            "keys_acceptable",
            "test_issuance",
            "credential_verifies",
            "required_claims",
            "status_list",
        ]
    )
    assert report.issuer == issuer and report.pctf_types == ["VerifiedPerson"] and report.ran_at.endswith("Z")

    kid = http.get(f"{sandbox.url}/.well-known/jwt-vc-issuer/issuers/prov1").json()["jwks"]["keys"][0]["kid"]
    evidence = {c.id: "\n".join(c.evidence) for c in report.checks}
    assert (
        f"GET {sandbox.url}/.well-known/openid-credential-issuer/issuers/prov1 -> 200"
        in evidence["credential_issuer_metadata"]
    )
    assert "PCTF type VerifiedPerson" in evidence["credential_issuer_metadata"]
    assert f"kid {kid!r}: EC/P-256" in evidence["keys_acceptable"]
    assert f"POST {issuer}/token -> 200" in evidence["test_issuance"] and "with a tx_code" in evidence["test_issuance"]
    assert f"signature verifies with published key {kid}" in evidence["credential_verifies"]
    assert "key-binding presentation by the test wallet verifies" in evidence["credential_verifies"]
    assert "given_name, family_name, birthdate, address, assurance_level" in evidence["required_claims"]
    status_evidence = report.check("status_list").evidence
    assert (
        status_evidence[0].startswith("VerifiedPerson: status_list idx ")
        and f"{issuer}/status-lists/" in status_evidence[0]
    )
    assert "this credential's entry is 0x00" in status_evidence[-1]

    document = json.loads(json.dumps(report.as_dict()))
    assert (
        set(document) == {"issuer", "ran_at", "passed", "pctf_types", "jwks", "checks"} and document["passed"] is True
    )
    assert [k["kid"] for k in document["jwks"]["keys"]] == [kid]  # what accreditation would register
    assert all(set(c) == {"id", "passed", "evidence", "reason"} and c["reason"] is None for c in document["checks"])


def test_the_federal_registrar_passes_with_two_credentials_from_one_offer(sandbox, http):
    director = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
    registered = http.post(
        f"{sandbox.url}/issuers/fed/incorporations", json={**SASHA_BUSINESS, "director": director}
    ).json()
    report = run_conformance(
        f"{sandbox.url}/issuers/fed",
        http=http,
        clock=SystemClock(),
        offer=registered["credential_offer"],
        tx_code=registered["tx_code"],
    )
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    assert report.pctf_types == ["VerifiedOrganization", "VerifiedRelationship"]
    claims = "\n".join(report.check("required_claims").evidence)
    for ctype in (VERIFIED_ORGANIZATION, VERIFIED_RELATIONSHIP):
        assert f"{ctype.name}: carries every claim {ctype.name} requires" in claims
    assert "registered_office" not in claims  # optional claims are not required


# -- an issuer served here, broken one way at a time -------------------------------------------------
@dataclass
class FakeIssuer:
    """A small OpenID4VCI issuer of Verified Person credentials; each field is one way to break it."""

    base: str = ""
    key: SigningKey = field(default_factory=generate_key)
    signing_key: SigningKey | None = None  # mints with another key than the published one
    published: list[dict] | None = None  # the JWKS keys, when not just the signing key's public part
    metadata: dict = field(default_factory=dict)  # members replacing the correct ones (None drops one)
    jwt_vc: dict = field(default_factory=dict)
    typ: str = "dc+sd-jwt"
    payload: dict = field(default_factory=dict)  # credential claims replacing the correct ones
    with_status: bool = False
    status: dict = field(default_factory=dict)  # status list token: code, media, typ, sub
    codes: dict[str, str | None] = field(default_factory=dict)
    nonces: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)

    @property
    def issuer(self) -> str:
        return self.base + FAKE

    @property
    def status_uri(self) -> str:
        return f"{self.base}{FAKE}/status/1"

    def offer(self, *, tx_code: str | None = TX_CODE, issuer: str | None = None) -> dict:
        code = secrets.token_urlsafe(16)
        self.codes[code] = tx_code
        grant: dict[str, Any] = {"pre-authorized_code": code}
        if tx_code:
            grant["tx_code"] = {"input_mode": "numeric", "length": len(tx_code)}
        return {
            "credential_issuer": issuer or self.issuer,
            "credential_configuration_ids": ["VerifiedPerson"],
            "grants": {PRE_AUTH: grant},
        }

    def offer_uri(self, **kwargs) -> str:
        return "openid-credential-offer://?credential_offer=" + quote(json.dumps(self.offer(**kwargs)), safe="")

    def credential_metadata(self) -> dict:
        return patched(
            {
                "credential_issuer": self.issuer,
                "credential_endpoint": f"{self.issuer}/credential",
                "nonce_endpoint": f"{self.issuer}/nonce",
                "credential_configurations_supported": {
                    "VerifiedPerson": {"format": "dc+sd-jwt", "vct": VERIFIED_PERSON.vct}
                },
            },
            self.metadata,
        )

    def jwt_vc_metadata(self) -> dict:
        return patched({"issuer": self.issuer, "jwks": self.jwks()}, self.jwt_vc)

    def jwks(self) -> dict:
        return {"keys": self.published if self.published is not None else [self.key.public_jwk]}

    def mint(self, holder: dict) -> str:
        now = int(time.time())
        subject = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate", "address")}
        payload = {
            "iss": self.issuer,
            "iat": now,
            "exp": now + 3600,
            "vct": VERIFIED_PERSON.vct,
            "cnf": {"jwk": holder},
            **subject,
            "assurance_level": 3,
        }
        if self.with_status:
            payload["status"] = {"status_list": {"idx": 5, "uri": self.status_uri}}
        return sdjwt.issue(
            patched(payload, self.payload),
            self.signing_key or self.key,
            disclosable=VERIFIED_PERSON.disclosable_paths(),
            typ=self.typ,
        )

    def status_token(self) -> Response:
        lst = b64u_encode(zlib.compress(bytes(16)))  # 128 one-bit entries, every one valid
        body = (self.signing_key or self.key).sign(
            {
                "sub": self.status.get("sub", self.status_uri),
                "iat": int(time.time()),
                "ttl": 300,
                "status_list": {"bits": 1, "lst": lst},
            },
            typ=self.status.get("typ", "statuslist+jwt"),
        )
        return Response(
            body,
            status_code=self.status.get("code", 200),
            media_type=self.status.get("media", "application/statuslist+jwt"),
        )


def patched(document: dict, changes: dict) -> dict:
    out = {**document, **changes}
    return {k: v for k, v in out.items() if v is not None}


def error(reason: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": reason, "error_description": reason}, status_code=status)


def fake_issuer_app(state: FakeIssuer) -> FastAPI:
    """The issuer's endpoints, answering from whatever ``state`` holds at the time of the request."""
    app = FastAPI()

    @app.get("/.well-known/openid-credential-issuer" + FAKE)
    def credential_issuer_metadata():
        return state.credential_metadata()

    @app.get("/.well-known/oauth-authorization-server" + FAKE)
    def authorization_server_metadata():
        return {"issuer": state.issuer, "token_endpoint": f"{state.issuer}/token"}

    @app.get("/.well-known/jwt-vc-issuer" + FAKE)
    def jwt_vc_issuer_metadata():
        return state.jwt_vc_metadata()

    @app.get(FAKE + "/jwks")
    def jwks():
        return state.jwks()

    @app.post(FAKE + "/token")
    async def token(request: Request):
        form = await request.form()
        code = form.get("pre-authorized_code")
        if code not in state.codes or (state.codes[code] and form.get("tx_code") != state.codes.pop(code)):
            return error("invalid_grant")
        state.codes.pop(code, None)
        access = secrets.token_urlsafe(16)
        state.tokens.add(access)
        return {"access_token": access, "token_type": "Bearer"}

    @app.post(FAKE + "/nonce")
    def nonce():
        value = secrets.token_urlsafe(16)
        state.nonces.add(value)
        return {"c_nonce": value}

    @app.post(FAKE + "/credential")
    async def credential(request: Request):
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in state.tokens:
            return error("invalid_token", 401)
        proof = Jws.parse((await request.json())["proofs"]["jwt"][0])
        proof.verify(proof.header["jwk"])
        with_nonce = "nonce_endpoint" in state.credential_metadata()
        if (
            proof.header.get("typ") != "openid4vci-proof+jwt"
            or proof.payload.get("aud") != state.issuer
            or (proof.payload.get("nonce") not in state.nonces if with_nonce else "nonce" in proof.payload)
        ):
            return error("invalid_proof")
        state.nonces.discard(proof.payload.get("nonce"))
        return {"credentials": [{"credential": state.mint(public_jwk_only(proof.header["jwk"]))}]}

    @app.get(FAKE + "/status/1")
    def status_list():
        return state.status_token()

    return app


@pytest.fixture(scope="module")
def fake_server():
    state = FakeIssuer()
    with serve(fake_issuer_app(state), loopback=True) as served:
        state.base = served.url
        yield state


@pytest.fixture
def fake(fake_server) -> FakeIssuer:
    """The served issuer, reset to its correct behaviour for each test."""
    base = fake_server.base
    fake_server.__dict__.clear()  # also drops a method a test replaced
    fake_server.__init__()
    fake_server.base = base
    return fake_server


def check(fake: FakeIssuer, http: httpx.Client, *, offer: Any = "default", tx_code: str | None = TX_CODE):
    return run_conformance(
        fake.issuer,
        http=http,
        clock=SystemClock(),
        offer=fake.offer_uri() if offer == "default" else offer,
        tx_code=tx_code,
    )


def test_the_served_issuer_is_correct_by_default_including_its_status_list(fake, http):
    fake.with_status = True
    report = check(fake, http)
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    status = "\n".join(report.check("status_list").evidence)
    assert f"GET {fake.status_uri} -> 200 (application/statuslist+jwt)" in status
    assert f"statuslist+jwt signed with published key {fake.key.kid}; sub = uri; 128 entries of 1 bits" in status


def test_keys_published_by_jwks_uri_are_fetched(fake, http):
    fake.jwt_vc = {"jwks": None, "jwks_uri": f"{fake.issuer}/jwks"}
    report = check(fake, http)
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    assert f"GET {fake.issuer}/jwks -> 200 (application/json)" in report.check("jwt_vc_issuer_metadata").evidence


def test_without_a_nonce_endpoint_the_proof_carries_no_nonce(fake, http):
    fake.metadata = {"nonce_endpoint": None}
    report = check(fake, http)
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    trace = report.check("test_issuance").evidence
    assert f"POST {fake.issuer}/credential -> 200" in trace and not any("/nonce" in line for line in trace)


# credential_issuer_metadata
@pytest.mark.parametrize(
    "change, reason, says",
    [
        (
            {"credential_issuer": "https://another.example/issuer"},
            "issuer_mismatch",
            "credential_issuer is 'https://another.example/issuer', expected",
        ),
        (
            {"credential_endpoint": "/credential"},
            "metadata_invalid",
            "credential_endpoint '/credential' is not an http(s) URL",
        ),
        ({"credential_endpoint": None}, "metadata_invalid", "credential_endpoint None is not an http(s) URL"),
        (
            {"credential_configurations_supported": {}},
            "metadata_invalid",
            "credential_configurations_supported is missing",
        ),
        (
            {"credential_configurations_supported": {"VerifiedPerson": {"format": "dc+sd-jwt"}}},
            "metadata_invalid",
            "VerifiedPerson (format dc+sd-jwt) has no vct",
        ),
        (
            {"credential_configurations_supported": {"VerifiedPerson": {"format": "jwt_vc_json"}}},
            "metadata_invalid",
            "no credential configuration has format dc+sd-jwt",
        ),
    ],
)
def test_credential_issuer_metadata_faults(fake, http, change, reason, says):
    fake.metadata = change
    evidence = only_failure(check(fake, http), "credential_issuer_metadata", reason)
    assert says in evidence[-1]


def test_the_older_sd_jwt_vc_format_name_is_accepted_and_other_formats_are_noted(fake, http):
    fake.metadata = {
        "credential_configurations_supported": {
            "VerifiedPerson": {"format": "vc+sd-jwt", "vct": VERIFIED_PERSON.vct},
            "Licence_mdoc": {"format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL"},
        }
    }
    report = check(fake, http)
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    evidence = report.check("credential_issuer_metadata").evidence
    assert "Licence_mdoc: format 'mso_mdoc' is not SD-JWT VC; not assessed" in evidence
    assert any("vc+sd-jwt" in line and "older media type, accepted" in line for line in evidence)


# jwt_vc_issuer_metadata
@pytest.mark.parametrize(
    "change, reason, says",
    [
        ({"issuer": "https://another.example/issuer"}, "issuer_mismatch", "issuer is 'https://another.example/issuer'"),
        ({"jwks": None}, "metadata_invalid", "exactly one of jwks and jwks_uri"),
        ({"jwks_uri": "https://keys.example/jwks"}, "metadata_invalid", "exactly one of jwks and jwks_uri"),
        ({"jwks": [{"kty": "EC"}]}, "metadata_invalid", 'the JWKS is not an object {"keys": [...]}'),
    ],
)
def test_jwt_vc_issuer_metadata_faults(fake, http, change, reason, says):
    fake.jwt_vc = change
    evidence = only_failure(check(fake, http), "jwt_vc_issuer_metadata", reason)
    assert says in evidence[-1]


def test_an_unreachable_jwks_uri_fails_with_the_status_seen(fake, http):
    fake.jwt_vc = {"jwks": None, "jwks_uri": f"{fake.issuer}/no-such-jwks"}
    evidence = only_failure(check(fake, http), "jwt_vc_issuer_metadata", "http_error_status")
    assert evidence[-2].startswith(f"GET {fake.issuer}/no-such-jwks -> 404")


# keys_acceptable
def _bad_point(jwk: dict) -> dict:
    y = int.from_bytes(b64u_decode(jwk["y"]), "big")
    return {**jwk, "y": b64u_encode(((y + 1) % 2**256).to_bytes(32, "big"))}


def _secp256k1() -> dict:
    numbers = ec.generate_private_key(ec.SECP256K1()).public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "secp256k1",
        "kid": "k1",
        "x": b64u_encode(numbers.x.to_bytes(32, "big")),
        "y": b64u_encode(numbers.y.to_bytes(32, "big")),
    }


@pytest.mark.parametrize(
    "keys, says",
    [
        (lambda key: [key.private_jwk], "contains private key material"),
        (lambda key: [_bad_point(key.public_jwk)], "is not a valid P-256 public key"),
        (lambda key: [key.public_jwk, _secp256k1()], "uses an unsupported curve 'secp256k1'"),
        (lambda key: [key.public_jwk, {**generate_key().public_jwk, "kid": key.kid}], "two keys with the same kid"),
        (lambda key: [], "at least one key"),
    ],
    ids=["private", "bad_point", "curve", "duplicate_kid", "empty"],
)
def test_keys_the_registry_would_refuse(fake, http, keys, says):
    fake.published = keys(fake.key)
    evidence = only_failure(check(fake, http), "keys_acceptable", "keys_unacceptable")
    assert says in evidence[-1]
    if fake.published:
        assert any(line.startswith(f"kid {fake.key.kid!r}: EC/P-256") for line in evidence)
    if "private" in says:
        assert "WITH PRIVATE MEMBERS" in evidence[0]


# test_issuance
def test_without_an_offer_the_applicant_is_told_to_supply_one(fake, http):
    report = check(fake, http, offer=None)
    evidence = only_failure(report, "test_issuance", "test_offer_missing")
    assert "the applicant must supply a pre-authorized credential offer" in evidence[-1]
    assert [c.id for c in report.checks if c.passed] == list(CHECK_IDS[:3])


def test_a_wrong_transaction_code_fails_issuance_with_the_issuers_answer(fake, http):
    evidence = only_failure(check(fake, http, tx_code="000000"), "test_issuance", "invalid_grant")
    assert f"POST {fake.issuer}/token -> 400" in evidence


def test_an_offer_needing_a_transaction_code_says_so_when_none_is_given(fake, http):
    evidence = only_failure(check(fake, http, tx_code=None), "test_issuance", "bad_request")
    assert "needs the transaction code" in evidence[-1]


def test_an_offer_from_another_issuer_is_refused(fake, http):
    offer = fake.offer(issuer="https://another.example/issuer")
    evidence = only_failure(check(fake, http, offer=offer), "test_issuance", "issuer_mismatch")
    assert "the offer is from 'https://another.example/issuer'" in evidence[-1]


def test_an_offer_by_reference_that_cannot_be_fetched_fails_issuance(fake, http):
    offer = f"openid-credential-offer://?credential_offer_uri={quote(fake.issuer + '/offers/gone', safe='')}"
    evidence = only_failure(check(fake, http, offer=offer), "test_issuance", "bad_request")
    assert f"GET {fake.issuer}/offers/gone -> 404" in evidence


# credential_verifies
@pytest.mark.parametrize(
    "setup, reason, says",
    [
        (lambda f: setattr(f, "signing_key", generate_key()), "issuer_key_unknown", "not among the issuer's keys"),
        (
            lambda f: setattr(f, "signing_key", SigningKey({**generate_key().private_jwk, "kid": f.key.kid})),
            "signature_invalid",
            "credential: the signature does not verify with the expected key",
        ),
        (lambda f: setattr(f, "typ", "JWT"), "typ_invalid", "header typ 'JWT'"),
        (
            lambda f: setattr(f, "payload", {"iss": "https://another.example/issuer"}),
            "issuer_mismatch",
            "iss is 'https://another.example/issuer'",
        ),
        (
            lambda f: setattr(f, "payload", {"cnf": {"jwk": generate_key().public_jwk}}),
            "holder_key_missing",
            "credential: the credential is bound to another holder key",
        ),
        (
            lambda f: setattr(f, "payload", {"exp": int(time.time()) - 60}),
            "credential_expired",
            "the credential expired at",
        ),
        (lambda f: setattr(f, "payload", {"iat": None}), "required_claim_missing", "no iat"),
        (
            lambda f: setattr(f, "payload", {"iat": int(time.time()) + 3600}),
            "credential_not_yet_valid",
            "not valid yet",
        ),
        (
            lambda f: setattr(f, "payload", {"vct": VERIFIED_ORGANIZATION.vct}),
            "vct_unexpected",
            f"vct {VERIFIED_ORGANIZATION.vct!r} is not what was asked for",
        ),
    ],
    ids=["foreign_key", "same_kid_other_key", "typ", "iss", "cnf", "expired", "no_iat", "future", "vct"],
)
def test_credential_faults(fake, http, setup, reason, says):
    setup(fake)
    evidence = only_failure(check(fake, http), "credential_verifies", reason)
    assert says in evidence[-1]


# required_claims
def test_a_credential_missing_a_required_claim(fake, http):
    fake.payload = {"birthdate": None}
    report = check(fake, http)
    evidence = only_failure(report, "required_claims", "required_claim_missing")
    assert "VerifiedPerson: VerifiedPerson requires birthdate, which the credential lacks" in evidence[-1]
    assert report.check("credential_verifies").passed and report.check("status_list").passed


def test_a_claim_of_the_wrong_kind_and_a_type_that_is_not_pctf(fake, http):
    fake.payload = {"birthdate": "14 June 1988"}
    evidence = only_failure(check(fake, http), "required_claims", "claims_invalid")
    assert "claim 'birthdate' must be a date YYYY-MM-DD" in evidence[-1]

    fake.payload = {"vct": "https://credentials.example/library-card"}
    fake.metadata = {
        "credential_configurations_supported": {
            "VerifiedPerson": {"format": "dc+sd-jwt", "vct": "https://credentials.example/library-card"}
        }
    }
    report = check(fake, http)
    evidence = only_failure(report, "required_claims", "credential_type_unknown")
    assert "is not a PCTF credential type" in evidence[-1] and report.pctf_types == []


# status_list
@pytest.mark.parametrize(
    "status, reason, says",
    [
        ({"code": 404}, "http_error_status", "answered HTTP 404"),
        ({"typ": "JWT"}, "status_list_malformed", "header typ 'JWT' is not one of statuslist+jwt"),
        (
            {"sub": "https://another.example/status/1"},
            "status_list_sub_mismatch",
            "sub 'https://another.example/status/1' is not the uri the credential references",
        ),
        ({"media": "application/json"}, "status_list_malformed", "is served as 'application/json'"),
    ],
    ids=["404", "typ", "sub", "media_type"],
)
def test_status_list_faults(fake, http, status, reason, says):
    fake.with_status, fake.status = True, status
    evidence = only_failure(check(fake, http), "status_list", reason)
    assert says in evidence[-1]
    assert evidence[0] == f"VerifiedPerson: status_list idx 5, uri {fake.status_uri!r}"


def test_a_status_list_signed_by_a_stranger_and_a_malformed_reference(fake, http):
    stranger = generate_key()
    fake.with_status = True
    fake.status_token = lambda: Response(
        stranger.sign(
            {"sub": fake.status_uri, "iat": 1, "status_list": {"bits": 1, "lst": "eNrbuRgAAhcBXQ"}},
            typ="statuslist+jwt",
        ),
        media_type="application/statuslist+jwt",
    )
    evidence = only_failure(check(fake, http), "status_list", "status_list_signature_invalid")
    assert "is not among the issuer's keys" in evidence[-1]

    fake.payload = {"status": {"status_list": {"idx": -1, "uri": fake.status_uri}}}
    evidence = only_failure(check(fake, http), "status_list", "status_list_malformed")
    assert "status.status_list.idx is not a non-negative integer" in evidence[-1]


# the issuer cannot be reached, or answers nonsense
def test_an_unreachable_issuer_fails_both_metadata_checks_and_skips_the_rest(http):
    issuer = f"http://127.0.0.1:{free_port()}/issuers/gone"
    report = run_conformance(issuer, http=http, clock=SystemClock(), offer={"credential_issuer": issuer})
    by_id = {c.id: c for c in report.checks}
    for check_id in ("credential_issuer_metadata", "jwt_vc_issuer_metadata"):
        # Unreachable, without network detail (refused, timed out and unresolvable read alike).
        assert (
            by_id[check_id].reason == "endpoint_unreachable" and "could not be fetched" in by_id[check_id].evidence[-1]
        )
        assert "ConnectError" not in by_id[check_id].evidence[-1] and "refused" not in by_id[check_id].evidence[-1]
    assert all(c.reason == "dependency_failed" for c in report.checks[2:])
    assert by_id["test_issuance"].evidence == ["skipped: depends on credential_issuer_metadata"]


def test_timeouts_and_bodies_that_are_not_json_are_failures_not_exceptions():
    issuer = "https://issuer.example/jurisdiction"

    def handler(request: httpx.Request) -> httpx.Response:
        if "openid-credential-issuer" in request.url.path:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, text="<html>hello</html>", headers={"content-type": "text/html"})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        report = run_conformance(issuer, http=http, clock=SystemClock())
    first, second = report.checks[0], report.checks[1]
    assert first.reason == "endpoint_unreachable" and "could not be fetched" in first.evidence[-1]
    assert "timed out" not in first.evidence[-1]
    assert second.reason == "metadata_invalid" and "did not answer JSON" in second.evidence[-1]
    assert "200 (text/html)" in second.evidence[0]


def test_only_an_http_issuer_identifier_is_usable_input(http):
    from pctf.reasons import SandboxError

    for bad in ("ftp://issuer.example/x", "issuer.example", "https://issuer.example/x?y=1", ""):
        with pytest.raises(SandboxError) as caught:
            run_conformance(bad, http=http, clock=SystemClock())
        assert caught.value.reason == "bad_request"


# -- the command line -----------------------------------------------------------------------
@pytest.fixture
def env(tmp_path):
    return {**os.environ, "PCTF_DATA_DIR": str(tmp_path / "cli-data"), "COLUMNS": "200"}


def cli(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [EXE, "conformance", *args], env=env, capture_output=True, text=True, input=stdin, timeout=120
    )


@pytest.mark.slow
def test_cli_exit_codes_and_json_report(sandbox, http, env, tmp_path):
    issuer = f"{sandbox.url}/issuers/prov1"

    def proof() -> dict:
        return http.post(f"{sandbox.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE}).json()

    first = proof()
    ok = cli(env, issuer, "--offer", first["credential_offer_uri"], "--tx-code", first["tx_code"], "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    document = json.loads(ok.stdout)
    assert document["passed"] is True and document["issuer"] == issuer
    assert [c["id"] for c in document["checks"]] == list(CHECK_IDS)
    assert all(set(c) == {"id", "passed", "evidence", "reason"} for c in document["checks"])

    second = proof()  # an offer object in a file
    (tmp_path / "offer.json").write_text(json.dumps(second["credential_offer"]))
    from_file = cli(env, issuer, "--offer", str(tmp_path / "offer.json"), "--tx-code", second["tx_code"], "--json")
    assert from_file.returncode == 0, from_file.stdout + from_file.stderr

    table = cli(env, issuer)  # no offer: a table, and exit 1
    assert table.returncode == 1 and "Traceback" not in table.stdout + table.stderr
    assert "test_issuance" in table.stdout and "test_offer_missing" in table.stdout
    assert "fails: test_issuance, credential_verifies, required_claims, status_list" in " ".join(table.stdout.split())


@pytest.mark.slow
def test_cli_unusable_input_is_one_line_and_exit_2(env, tmp_path):
    assert_clean_error(cli(env, "ftp://issuer.example/x"), reason="bad_request")
    assert_clean_error(
        cli(env, "https://issuer.example/x", "--offer", str(tmp_path / "missing.json")), reason="missing.json"
    )
    assert_clean_error(cli(env, "https://issuer.example/x", "--offer", "{not json"), reason="bad_request")
