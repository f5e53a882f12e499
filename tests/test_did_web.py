"""did:web issuers as entity identifiers: the resolver (:mod:`pctf.did`) against DID documents
served over real HTTPS with a certificate from the sandbox CA, the one credential check's rule for
a DID ``iss``, and a did:web issuer onboarded into a running sandbox whose relying party then
accepts its credentials, and refuses a key its document does not list and a DID the registry
does not know.

The site is served on loopback as ``localhost`` (a did:web host is a domain name, never an IP
address) with a leaf the sandbox CA of the test's data directory issued, which the services'
clients trust beside the system's roots.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi.responses import Response
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from pctf import did, sdjwt
from pctf.ca import SandboxCA
from pctf.clock import SystemClock
from pctf.jose import SigningKey, generate_key
from pctf.outbound import outbound_client
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import check_credential
from pctf.settings import Settings
from pctf.vocab import VERIFIED_PERSON
from registry.conformance import DID_CHECKS
from registry.service import RegistryService
from scenarios.personas import SASHA
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import EXE, serve, serve_sandbox
from tests.test_conformance import TX_CODE, FakeIssuer, fake_issuer_app

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]


def did_key(did_url: str) -> SigningKey:
    """A P-256 signing key whose ``kid`` (the JWS header's) is ``did_url``."""
    return SigningKey({**generate_key().private_jwk, "kid": did_url})


def did_document(subject: str, keys: dict[str, dict], *, issuer: str | None = None, **members: Any) -> dict:
    """A DID document of ``subject`` listing ``keys`` (fragment -> public JWK) as verification
    methods and, by relative reference, under ``assertionMethod``; ``issuer`` names its
    OpenID4VCI Credential Issuer; ``members`` replace or add top-level members."""
    document = {
        "@context": DID_CONTEXT,
        "id": subject,
        "verificationMethod": [
            {"id": f"{subject}#{fragment}", "type": "JsonWebKey2020", "controller": subject, "publicKeyJwk": jwk}
            for fragment, jwk in keys.items()
        ],
        "assertionMethod": [f"#{fragment}" for fragment in keys],
    }
    if issuer is not None:
        document["service"] = [{"id": f"{subject}#oid4vci", "type": "OID4VCI", "serviceEndpoint": issuer}]
    return {**document, **members}


def public(key: SigningKey) -> dict:
    return {k: v for k, v in key.public_jwk.items() if k != "kid"}


@dataclass
class Site:
    """An HTTPS site at ``https://localhost:<port>``: DID documents by path, and an OpenID4VCI
    issuer (:class:`tests.test_conformance.FakeIssuer`) at ``/issuers/fake``."""

    port: int
    issuer: FakeIssuer
    answers: dict[str, tuple[int, str, bytes, dict[str, str]]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def did(self, *path: str) -> str:
        return ":".join([f"did:web:localhost%3A{self.port}", *path])

    def publish(
        self, path: str, body: dict | bytes, *, media: str = "application/did+json", status: int = 200, **headers: str
    ) -> None:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers[path] = (status, media, content, headers)


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key_file, chain_file = SandboxCA.open(settings.data_dir).write_server_files(["localhost"])
    issuer = FakeIssuer()
    app = fake_issuer_app(issuer)
    holder: dict[str, Site] = {}

    @app.get("/slow/did.json")
    def slow() -> Response:  # answers only once the test is over
        holder["site"].release.wait(30)
        return Response(b"{}", media_type="application/json")

    @app.get("/{path:path}")
    def document(path: str) -> Response:
        found = holder["site"].answers.get(path)
        if found is None:
            return Response(b"not found", status_code=404, media_type="text/plain")
        status, media, content, headers = found
        return Response(content, status_code=status, media_type=media, headers=headers)

    with serve(app, loopback=True, ssl_keyfile=str(key_file), ssl_certfile=str(chain_file)) as served:
        port = int(served.url.rsplit(":", 1)[1])
        issuer.base = f"https://localhost:{port}"
        holder["site"] = Site(port, issuer)
        try:
            yield holder["site"]
        finally:
            holder["site"].release.set()


@pytest.fixture
def outbound(settings: Settings, site: Site) -> Iterator[httpx.Client]:
    """The vetted outbound client of the test's data directory (local mode: loopback allowed)."""
    with outbound_client(Settings(data_dir=settings.data_dir, local_mode=True)) as client:
        yield client


def refused(reason: Reason, call) -> str:
    with pytest.raises(SandboxError) as caught:
        call()
    assert caught.value.reason == reason, caught.value
    return caught.value.message


# -- syntax and where the document lives ---------------------------------------------------------
@pytest.mark.parametrize(
    ("subject", "url"),
    [
        ("did:web:example.ca", "https://example.ca/.well-known/did.json"),
        ("did:web:example.ca:issuers:terr3", "https://example.ca/issuers/terr3/did.json"),
        ("did:web:example.ca%3A8443", "https://example.ca:8443/.well-known/did.json"),
        ("did:web:id.terr3.example.ca%3A8443:issuers:terr3", "https://id.terr3.example.ca:8443/issuers/terr3/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
    ],
)
def test_a_did_maps_to_its_document_url(subject, url):
    parsed = did.parse_did_web(subject)
    assert parsed.document_url == url and parsed.did == subject


@pytest.mark.parametrize(
    ("subject", "says"),
    [
        ("did:web:", "empty host"),
        ("did:web:Example.ca", "lowercase"),
        ("did:web:127.0.0.1", "never an IP address"),
        ("did:web:127.0.0.1%3A8443", "never an IP address"),
        ("did:web:[::1]", "letters, digits"),
        ("did:web:example.ca:issuers:..:admin", "not be . or .."),
        ("did:web:example.ca:.", "not be . or .."),
        ("did:web:example.ca:issuers%2F..%2Fadmin", "percent-encoded"),
        ("did:web:example.ca:a%20b", "percent-encoded"),
        ("did:web:example.ca%3a8443", "percent-encoded"),
        ("did:web:example.ca%3A", "percent-encoded"),
        ("did:web:user@example.ca", "letters, digits"),
        ("did:web:example.ca/issuers", "letters, digits"),
        ("did:web:example.ca?service=x", "letters, digits"),
        ("did:web:example.ca#key-1", "letters, digits"),
        ("did:web:example.ca:issuers:", "empty host or path segment"),
        ("did:web:example.ca::issuers", "empty host or path segment"),
        ("did:web:-example.ca", "DNS name"),
        ("did:web:example.123", "DNS name"),
        ("did:web:example.ca%3A0", "from 1 to 65535"),
        ("did:web:example.ca%3A65536", "from 1 to 65535"),
        ("did:web:example.ca%3A08443", "from 1 to 65535"),
        ("did:web:example.ca:issuers:a b", "letters, digits"),
        ("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "begin with did:web:"),
        ("DID:web:example.ca", "begin with did:web:"),
        ("did:web:" + "a" * 64 + ".ca", "DNS name"),
        ("did:web:example.ca:" + "a" * 2048, "longer than 2048"),
    ],
)
def test_a_did_outside_the_rules_is_refused(subject, says):
    message = refused(Reason.DID_INVALID, lambda: did.parse_did_web(subject))
    assert says in message


def test_a_kid_names_a_key_of_the_issuers_did_only():
    issuer = "did:web:example.ca:issuers:terr3"
    assert did.did_key_id("#key-1", issuer) == f"{issuer}#key-1"
    assert did.did_key_id(f"{issuer}#key-1", issuer) == f"{issuer}#key-1"
    for kid in (
        "did:web:example.ca#key-1",
        "did:web:example.ca:issuers:terr3:x#key-1",
        "key-1",
        "#",
        "#key 1",
        "#a#b",
        f"{issuer}",
        None,
        7,
    ):
        refused(Reason.ISSUER_KEY_UNKNOWN, lambda kid=kid: did.did_key_id(kid, issuer))


# -- resolving over HTTPS ------------------------------------------------------------------------
def test_the_assertion_method_keys_are_read_with_their_did_urls(site, outbound):
    subject = site.did("issuers", "terr3")
    one, two, three = generate_key(), generate_key(), generate_key()
    document = did_document(subject, {"key-1": public(one), "key-2": public(two)}, issuer="https://issuer.example.ca")
    document["authentication"] = ["#key-2"]
    document["assertionMethod"] = [
        "#key-1",
        {"id": "#key-3", "type": "JsonWebKey2020", "controller": subject, "publicKeyJwk": public(three)},
        {"id": f"{subject}#key-4", "type": "Multikey", "controller": subject, "publicKeyMultibase": "zDnae..."},
    ]
    site.publish("issuers/terr3/did.json", document, media="application/json")
    resolved = did.resolve(subject, outbound)
    assert resolved.url == f"https://localhost:{site.port}/issuers/terr3/did.json"
    assert [k["kid"] for k in resolved.keys] == [f"{subject}#key-1", f"{subject}#key-3"]  # key-2 authenticates only
    assert resolved.keys[0] == {**public(one), "kid": f"{subject}#key-1"}
    assert resolved.service_endpoints("OID4VCI") == ["https://issuer.example.ca"]

    bare = site.did()  # no path: the document is under /.well-known
    site.publish(".well-known/did.json", did_document(bare, {"key-1": public(one)}))
    assert [k["kid"] for k in did.resolve(bare, outbound).keys] == [f"{bare}#key-1"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d, s: {**d, "id": "did:web:attacker.example"}, "not the DID resolved"),
        (lambda d, s: {**d, "id": s.upper()}, "not the DID resolved"),
        (lambda d, s: {**d, "assertionMethod": []}, "no assertionMethod key"),
        (lambda d, s: {k: v for k, v in d.items() if k != "assertionMethod"}, "no assertionMethod key"),
        (lambda d, s: {**d, "assertionMethod": ["#key-9"]}, "which no verificationMethod defines"),
        (lambda d, s: {**d, "assertionMethod": ["did:web:attacker.example#key-1"]}, "not a DID URL of the DID"),
        (lambda d, s: {**d, "assertionMethod": "#key-1"}, "assertionMethod is not a list"),
        (lambda d, s: {**d, "assertionMethod": ["#key-1"] * 33}, "more than 32 entries"),
        (
            lambda d, s: {
                **d,
                "verificationMethod": [{**d["verificationMethod"][0], "publicKeyJwk": generate_key().private_jwk}],
            },
            "private key material",
        ),
        (lambda d, s: [d], "not a JSON object"),
    ],
)
def test_a_document_that_cannot_be_used_is_refused(site, outbound, change, says):
    subject = site.did("issuers", "terr3")
    site.publish("issuers/terr3/did.json", change(did_document(subject, {"key-1": public(generate_key())}), subject))
    message = refused(Reason.DID_DOCUMENT_INVALID, lambda: did.resolve(subject, outbound))
    assert says in message


def test_a_document_too_large_not_json_or_of_another_type_is_refused(site, outbound):
    subject = site.did("issuers", "terr3")
    big = did_document(subject, {"key-1": public(generate_key())}, padding="x" * did.MAX_DOCUMENT_BYTES)
    site.publish("issuers/terr3/did.json", big)
    assert "more than 65536 bytes" in refused(Reason.DID_DOCUMENT_INVALID, lambda: did.resolve(subject, outbound))
    site.publish("issuers/terr3/did.json", b"{not json", media="application/json")
    assert "not JSON" in refused(Reason.DID_DOCUMENT_INVALID, lambda: did.resolve(subject, outbound))
    site.publish("issuers/terr3/did.json", did_document(subject, {"key-1": public(generate_key())}), media="text/html")
    assert "'text/html'" in refused(Reason.DID_DOCUMENT_INVALID, lambda: did.resolve(subject, outbound))


def test_a_document_not_served_is_unresolvable(site, outbound):
    missing = site.did("issuers", "nobody")
    assert "answered HTTP 404" in refused(Reason.DID_UNRESOLVABLE, lambda: did.resolve(missing, outbound))
    # A redirect is not followed, even to the same site: the document is where the DID says.
    moved = site.did("issuers", "moved")
    site.publish("issuers/moved/did.json", b"", status=302, location=f"http://localhost:{site.port}/elsewhere")
    assert "a redirect" in refused(Reason.DID_UNRESOLVABLE, lambda: did.resolve(moved, outbound))
    # An answer that never comes ends at the timeout.
    slow = site.did("slow")
    refused(Reason.DID_UNRESOLVABLE, lambda: did.resolve(slow, outbound, timeout=0.5))


def test_only_https_to_a_trusted_certificate_under_the_outbound_policy(settings, site, outbound):
    subject = site.did("issuers", "terr3")
    site.publish("issuers/terr3/did.json", did_document(subject, {"key-1": public(generate_key())}))
    assert did.resolve(subject, outbound).keys
    # The same site spoken to in plain http: the resolver only ever speaks https, and gets no answer.
    with serve(fake_issuer_app(FakeIssuer()), loopback=True) as plain:
        port = plain.url.rsplit(":", 1)[1]
        assert httpx.get(f"{plain.url}/issuers/fake/nonce").status_code == 405  # it answers plain http
        message = refused(Reason.DID_UNRESOLVABLE, lambda: did.resolve(f"did:web:localhost%3A{port}", outbound))
        assert message == f"https://localhost:{port}/.well-known/did.json could not be fetched"
    # A client that does not trust the sandbox root does not read the document.
    with outbound_client(Settings(data_dir=settings.data_dir / "elsewhere", local_mode=True)) as stranger:
        assert "could not be fetched" in refused(Reason.DID_UNRESOLVABLE, lambda: did.resolve(subject, stranger))
    # Outside local mode, a loopback address is not one a service fetches for a stranger.
    with outbound_client(Settings(data_dir=settings.data_dir, local_mode=False)) as public_client:
        message = refused(Reason.DID_UNRESOLVABLE, lambda: did.resolve(subject, public_client))
        assert "is not a URL this service may fetch" in message


# -- the one credential check, for a DID iss ------------------------------------------------------
def test_a_did_issuers_credential_names_its_key_by_a_did_url():
    issuer = "did:web:example.ca:issuers:terr3"
    holder = generate_key()
    key = generate_key()
    registered = [{**key.public_jwk, "kid": f"{issuer}#key-1"}]
    now = int(time.time())
    payload = {
        "iss": issuer,
        "iat": now,
        "vct": VERIFIED_PERSON.vct,
        "cnf": {"jwk": holder.public_jwk},
        "given_name": "Sasha",
    }

    def checked(kid: str | None, signer: SigningKey = key):
        private = {k: v for k, v in signer.private_jwk.items() if k != "kid"}
        text = sdjwt.issue(payload, SigningKey({**private, "kid": kid or "-"}), disclosable=[("given_name",)])
        if kid is None:  # the same credential signed again, with no kid in its header
            _, disclosures = text.split("~", 1)
            issuer_jwt = SigningKey(private).sign(sdjwt.SdJwt.parse(text).payload, typ="dc+sd-jwt", include_kid=False)
            text = f"{issuer_jwt}~{disclosures}"
        return check_credential(text, issuer_keys=lambda iss: registered, now=now, leeway=30)

    assert checked(f"{issuer}#key-1").issuer_key["kid"] == f"{issuer}#key-1"
    assert checked("#key-1").issuer_key["kid"] == f"{issuer}#key-1"  # relative to iss
    assert checked(None).issuer_key["kid"] == f"{issuer}#key-1"  # no kid: any registered key, as for URLs
    refused(Reason.ISSUER_KEY_UNKNOWN, lambda: checked(f"{issuer}#key-2"))  # not in the document
    refused(Reason.ISSUER_KEY_UNKNOWN, lambda: checked("did:web:example.ca#key-1"))  # another DID's URL
    refused(Reason.ISSUER_KEY_UNKNOWN, lambda: checked("key-1"))  # not a DID URL
    refused(Reason.SIGNATURE_INVALID, lambda: checked(f"{issuer}#key-1", generate_key()))


# -- onboarding a did:web issuer, and a relying party that accepts it --------------------------------
def their_credential(issuer: str, key: SigningKey, holder: JWK, *, status_uri: str | None = None) -> str:
    """A Verified Person from the independent ``sd-jwt`` implementation, signed by ``key`` and
    naming it by its ``kid`` (a DID URL) in the header."""
    now = int(time.time())
    claims: dict[Any, Any] = {
        "iss": issuer,
        "iat": now,
        "exp": now + 3600,
        "vct": VERIFIED_PERSON.vct,
        **{SDObj(name): SASHA[name] for name in ("given_name", "family_name", "birthdate", "address")},
        "assurance_level": 3,
    }
    if status_uri is not None:
        claims["status"] = {"status_list": {"idx": 5, "uri": status_uri}}
    private = JWK.from_json(json.dumps({k: v for k, v in key.private_jwk.items() if k != "kid"}))
    issued = SDJWTIssuer(
        claims, private, holder_key=holder, extra_header_parameters={"typ": "dc+sd-jwt", "kid": key.kid}
    )
    return issued.sd_jwt_issuance


def present(sandbox_url: str, http: httpx.Client, credential: str, holder: JWK) -> dict:
    """The holder's presentation, by the ``sd-jwt`` implementation, posted as a wallet would to the
    Province 2 health portal's response endpoint; the verdict its back end then reads."""
    request = http.post(f"{sandbox_url}/verifier/prov2-health/requests").json()["request"]
    wallet = SDJWTHolder(credential)
    wallet.create_presentation(
        {"given_name": True, "family_name": True, "birthdate": True},
        nonce=request["nonce"],
        aud=request["client_id"],
        holder_key=holder,
        sign_alg="ES256",
    )
    form = {"state": request["state"], "vp_token": json.dumps({"person": [wallet.sd_jwt_presentation]})}
    answered = httpx.post(request["response_uri"], data=form, timeout=30)
    assert answered.status_code == 200, answered.text
    return http.get(f"{sandbox_url}/verifier/prov2-health/requests/{request['state']}").json()["verdict"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_did_web_issuer_is_onboarded_and_accepted_with_no_change_at_the_relying_party(settings, site, http):
    fake = site.issuer
    subject = site.did("issuers", "fake")
    fake.key = did_key(f"{subject}#key-1")
    fake.payload = {"iss": subject}
    fake.with_status = True
    site.publish("issuers/fake/did.json", did_document(subject, {"key-1": public(fake.key)}, issuer=fake.issuer))
    governance = bearer(settings.resolved_governance_token())
    with serve_sandbox(settings, SystemClock()) as sandbox:
        api = f"{sandbox.url}/registry"
        # The applicant: a DID entity id, its credential_issuer the DID too (the default).
        answer = http.post(
            f"{api}/applications",
            json={
                "entity_id": subject,
                "name": "Territory 3 Digital ID",
                "jurisdiction": "Terr3",
                "contacts": ["id@terr3.example"],
                "requested": [{"resource": "VerifiedPerson", "assurance_level": 3}],
            },
        )
        assert answer.status_code == 201, answer.text
        application = answer.json()
        app_id, applicant = application["application_id"], bearer(application["applicant_token"])
        assert application["credential_issuer"] == subject
        checked = http.post(
            f"{api}/applications/{app_id}/conformance",
            headers=applicant,
            json={"offer": fake.offer_uri(), "tx_code": TX_CODE},
        ).json()
        report = checked["conformance"]
        assert checked["state"] == "conformance_passed", json.dumps(report, indent=1)
        assert (
            [c["id"] for c in report["checks"]]
            == [c[0] for c in DID_CHECKS]
            == [
                "did_document",
                "credential_issuer_metadata",
                "keys_acceptable",
                "test_issuance",
                "credential_verifies",
                "required_claims",
                "status_list",
            ]
        )
        evidence = {c["id"]: "\n".join(c["evidence"]) for c in report["checks"]}
        assert f"OID4VCI service: credential issuer {fake.issuer}" in evidence["did_document"]
        assert f"expecting iss {subject}" in evidence["credential_verifies"]
        assert [k["kid"] for k in report["jwks"]["keys"]] == [f"{subject}#key-1"]
        for criterion in checked["assessment"]:
            marked = http.put(
                f"{api}/applications/{app_id}/assessment/{criterion['id']}",
                headers=bearer(settings.resolved_assessor_token()),
                json={"met": True, "evidence": "documented process reviewed and sampled"},
            )
            assert marked.status_code == 200, marked.text
        decided = http.post(
            f"{api}/applications/{app_id}/decision", headers=governance, json={"decision": "accredit"}
        ).json()
        assert decided["state"] == "accredited", decided

        # The registry knows the DID, with the key its document lists, and TRQP answers for it.
        entity = http.get(f"{api}/entity", params={"entity_id": subject}).json()
        assert entity["entity_id"] == subject and entity["status"] == "active"
        assert [k["kid"] for k in entity["jwks"]["keys"]] == [f"{subject}#key-1"]
        query = {
            "entity_id": subject,
            "authority_id": settings.registry_authority_id,
            "action": "issue",
            "resource": VERIFIED_PERSON.vct,
        }
        authorized = http.post(f"{api}/authorization", json=query).json()
        assert authorized["authorized"] is True and authorized["entity_id"] == subject
        recognized = http.post(f"{api}/recognition", json=query).json()
        assert recognized["recognized"] is False  # a DID issuer is an entity, not another framework

        # A relying party that was told nothing accepts the credential, status list and all.
        holder = JWK.generate(kty="EC", crv="P-256")
        credential = their_credential(subject, fake.key, holder, status_uri=fake.status_uri)
        verdict = present(sandbox.url, http, credential, holder)
        assert verdict["accepted"] is True, verdict
        checks = {c["check"]: c for c in verdict["checks"]}
        assert checks["issuer_known"]["detail"] == subject
        assert checks["signature"]["params"]["kid"] == f"{subject}#key-1"
        assert checks["credential_status"]["detail"] == "valid in the issuer's status list"

        # Signed with a key its document does not list: refused, however it names it.
        other = did_key(f"{subject}#key-2")
        verdict = present(sandbox.url, http, their_credential(subject, other, holder), holder)
        assert verdict["reasons"] == [Reason.ISSUER_KEY_UNKNOWN.value], verdict

        # A did:web issuer with a document of its own, but not in the registry: unknown.
        stranger = site.did("issuers", "stranger")
        key = did_key(f"{stranger}#key-1")
        site.publish("issuers/stranger/did.json", did_document(stranger, {"key-1": public(key)}))
        verdict = present(sandbox.url, http, their_credential(stranger, key, holder), holder)
        assert verdict["reasons"] == [Reason.ISSUER_UNKNOWN.value], verdict


def test_an_application_or_a_document_that_does_not_bind_the_issuer_is_refused(settings, site, http):
    fake = site.issuer
    subject = site.did("issuers", "fake")
    fake.key = did_key(f"{subject}#key-1")
    fake.payload = {"iss": subject}
    apply = {
        "entity_id": subject,
        "name": "Territory 3 Digital ID",
        "jurisdiction": "Terr3",
        "contacts": ["id@terr3.example"],
        "requested": [{"resource": "VerifiedPerson", "assurance_level": 3}],
    }
    with serve_sandbox(settings, SystemClock()) as sandbox:
        api = f"{sandbox.url}/registry"
        # A DID entity's issuer is named by its document, not by the application.
        answer = http.post(f"{api}/applications", json={**apply, "credential_issuer": fake.issuer})
        assert answer.status_code == 400 and "a service of type OID4VCI" in answer.json()["error_description"]
        answer = http.post(f"{api}/applications", json={**apply, "entity_id": "did:web:127.0.0.1%3A8443"})
        assert answer.status_code == 400 and answer.json()["error"] == Reason.DID_INVALID.value
        answer = http.post(f"{api}/applications", json={**apply, "entity_id": "did:key:z6Mkf5rGMoatrSj1f4CyvuHBeXJ"})
        assert answer.status_code == 400 and "only did:web" in answer.json()["error_description"]

        application = http.post(f"{api}/applications", json=apply).json()
        applicant = bearer(application["applicant_token"])
        conformance = f"{api}/applications/{application['application_id']}/conformance"
        # A document that names no OpenID4VCI issuer: nothing else can be checked.
        site.publish("issuers/fake/did.json", did_document(subject, {"key-1": public(fake.key)}))
        report = http.post(conformance, headers=applicant, json={"offer": fake.offer_uri(), "tx_code": TX_CODE}).json()
        failed = {c["id"]: c for c in report["conformance"]["checks"] if not c["passed"]}
        assert failed["did_document"]["reason"] == Reason.DID_DOCUMENT_INVALID.value
        assert "services of type OID4VCI" in failed["did_document"]["evidence"][-1]
        assert {c["reason"] for i, c in failed.items() if i != "did_document"} == {"dependency_failed"}
        assert report["state"] == "conformance_failed"
        # An issuer whose credentials carry its URL, not the DID, is not that DID's.
        site.publish("issuers/fake/did.json", did_document(subject, {"key-1": public(fake.key)}, issuer=fake.issuer))
        fake.payload = {"iss": fake.issuer}
        report = http.post(conformance, headers=applicant, json={"offer": fake.offer_uri(), "tx_code": TX_CODE}).json()
        failed = {c["id"]: c for c in report["conformance"]["checks"] if not c["passed"]}
        assert failed["credential_verifies"]["reason"] == Reason.ISSUER_MISMATCH.value, failed
        # No document at all.
        del site.answers["issuers/fake/did.json"]
        report = http.post(conformance, headers=applicant, json={"offer": fake.offer_uri(), "tx_code": TX_CODE}).json()
        failed = {c["id"]: c for c in report["conformance"]["checks"] if not c["passed"]}
        assert failed["did_document"]["reason"] == Reason.DID_UNRESOLVABLE.value


def test_governance_registers_a_did_entity_and_the_registry_learns_its_new_keys(settings, site, http):
    subject = site.did("issuers", "terr3")
    first, second = did_key(f"{subject}#key-1"), did_key(f"{subject}#key-2")
    site.publish("issuers/terr3/did.json", did_document(subject, {"key-1": public(first)}))
    registry = RegistryService(
        Settings(data_dir=settings.data_dir, database_url=settings.database_url, local_mode=True), SystemClock()
    )
    registry.upsert_entity(
        subject, name="Territory 3", jurisdiction="Terr3", role="issuer", jwks={"keys": [first.public_jwk]}
    )
    assert registry.refresh_keys(subject)["jwks"]["keys"] == [first.public_jwk]  # nothing new: nothing written
    # The document adds a key and drops the first: the new one is registered, the first kept.
    site.publish("issuers/terr3/did.json", did_document(subject, {"key-2": public(second)}))
    refreshed = registry.refresh_keys(subject)
    assert [k["kid"] for k in refreshed["jwks"]["keys"]] == [f"{subject}#key-1", f"{subject}#key-2"]
    actions = [(e["action"], e["details"].get("kid")) for e in registry.audit_log(after=0, limit=100)]
    assert actions[-1] == ("key.added", f"{subject}#key-2")
    # A document the registry cannot use changes nothing.
    site.publish(
        "issuers/terr3/did.json", did_document(subject, {"key-3": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}})
    )
    refused(Reason.BAD_REQUEST, lambda: registry.refresh_keys(subject))
    assert len(registry.entity(subject)["jwks"]["keys"]) == 2
    refused(Reason.BAD_REQUEST, lambda: registry.refresh_keys("https://issuer.example.ca"))
    refused(Reason.NOT_FOUND, lambda: registry.refresh_keys(site.did("issuers", "unknown")))


def test_governance_has_the_registry_read_a_did_documents_new_keys_over_http_and_from_the_command_line(
    settings, site, http
):
    subject = site.did("issuers", "terr4")
    first, second, third = (did_key(f"{subject}#key-{n}") for n in (1, 2, 3))
    site.publish("issuers/terr4/did.json", did_document(subject, {"key-1": public(first)}))
    governance = bearer(settings.resolved_governance_token())
    with serve_sandbox(settings, SystemClock()) as sandbox:
        api = f"{sandbox.url}/registry"
        made = http.post(
            f"{api}/entities",
            headers=governance,
            json={
                "entity_id": subject,
                "name": "Territory 4",
                "jurisdiction": "Terr4",
                "role": "issuer",
                "jwks": {"keys": [first.public_jwk]},
            },
        )
        assert made.status_code == 200, made.text
        site.publish("issuers/terr4/did.json", did_document(subject, {"key-1": public(first), "key-2": public(second)}))
        url = f"{api}/entity/keys/refresh"
        assert http.post(url, params={"entity_id": subject}).status_code == 401
        refreshed = http.post(url, params={"entity_id": subject}, headers=governance)
        assert refreshed.status_code == 200, refreshed.text
        assert [k["kid"] for k in refreshed.json()["jwks"]["keys"]] == [f"{subject}#key-1", f"{subject}#key-2"]
        not_a_did = http.post(url, params={"entity_id": "https://issuer.example.ca"}, headers=governance)
        assert not_a_did.status_code == 400 and not_a_did.json()["error"] == "bad_request"

    # The same from the command line, on the store under the data directory.
    site.publish("issuers/terr4/did.json", did_document(subject, {"key-3": public(third)}))
    env = {**os.environ, "PCTF_DATA_DIR": str(settings.data_dir), "PCTF_GOVERNANCE_TOKEN": GOVERNANCE_TOKEN}
    if settings.database_url:
        env["PCTF_DATABASE_URL"] = settings.database_url
    done = subprocess.run(
        [EXE, "registry", "key", "refresh", subject], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"1 new key(s) read from the DID document of {subject}; it now has 3 key(s)" in done.stdout
    unknown = subprocess.run(
        [EXE, "registry", "key", "refresh", site.did("issuers", "nobody")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unknown.returncode == 2 and unknown.stderr.startswith("error: not_found: no entity"), unknown.stderr


def test_the_sandbox_wallet_takes_a_did_web_issuers_credential_bound_by_its_did_document(settings, site, http):
    """The wallet checks a credential signed as a DID with the keys of the DID's document, once
    that document names the credential issuer that offered it, and reads its status list with the
    same keys; a DID that does not name the offering issuer is not that issuer."""
    from scenarios.keyring import Keyring

    fake = site.issuer
    subject = site.did("issuers", "fake")
    fake.key = did_key(f"{subject}#key-1")
    fake.payload = {"iss": subject}
    fake.with_status = True
    site.publish("issuers/fake/did.json", did_document(subject, {"key-1": public(fake.key)}, issuer=fake.issuer))
    with serve_sandbox(settings, SystemClock()) as sandbox, httpx.Client(timeout=30, auth=Keyring(settings)) as holder:
        wallet = f"{sandbox.url}/wallet/terr3_resident"
        assert holder.put(wallet).status_code in (200, 201)
        taken = holder.post(f"{wallet}/offers", json={"offer": fake.offer_uri(), "tx_code": TX_CODE})
        assert taken.status_code == 200, taken.text
        (credential,) = holder.get(f"{wallet}/credentials").json()
        assert credential["type"] == "VerifiedPerson" and credential["issuer"] == fake.issuer
        # Its status list, signed by the DID's key, was read and says valid; the fake issues for an
        # hour, hence "expiring_soon" ("unknown" if the list could not be read or checked).
        assert credential["status"] == "expiring_soon", credential

        # The same DID, but its document names another credential issuer: refused, nothing kept.
        site.publish("issuers/fake/did.json", did_document(subject, {"key-1": public(fake.key)}, issuer="https://x.ca"))
        refused_offer = holder.post(f"{wallet}/offers", json={"offer": fake.offer_uri(), "tx_code": TX_CODE})
        assert refused_offer.status_code == 400, refused_offer.text
        assert refused_offer.json()["error"] == "bad_request"
        assert f"does not name {fake.issuer}" in refused_offer.json()["error_description"]
        assert len(holder.get(f"{wallet}/credentials").json()) == 1
