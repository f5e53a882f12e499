"""Signed requests sent by reference (OpenID4VP 1.0 5.10, JAR RFC 9101) under the ``x509_san_dns``
and ``x509_hash`` client identifier prefixes (5.9.3).

Over real HTTP: a relying party asks with each prefix, Sasha's wallet fetches the request object,
verifies it against the sandbox root and answers, and the verdict is accepted. A wallet written
here with pyjwt and cryptography alone checks the same object and answers by hand. Request
objects the wallet must refuse (altered, ``alg: none``, another ``typ``, a certificate from
another authority or expired, a certificate that does not name the client, a link whose client is
not the object's) are served to it from a server of the test's own, and each is refused with its
reason; the verifier answers 404 for a request object it does not have, or no longer serves.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pctf import jar, oid4vci, oid4vp, sdjwt
from pctf.ca import SandboxCA, root_path
from pctf.clock import FrozenClock
from pctf.jose import generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all
from pctf_testing.sandbox import Sandbox
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_EVIDENCE
from scenarios.steps import open_wallet, receive
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import free_port, outlives_the_test, serve, serve_sandbox
from verifier.service import REQUEST_LIFETIME

RP = "bank-personal"  # asks for the Verified Person alone
HOST = "localhost"  # x509_san_dns names a DNS name: the sandbox is reached at localhost, not 127.0.0.1
AUDIENCE = "https://self-issued.me/v2"  # OpenID4VP 1.0 5.8, written out rather than imported


@dataclass
class Lab:
    settings: Settings
    url: str
    http: httpx.Client  # the operator's keyring: the relying party's back end and Sasha's wallet
    clock: FrozenClock
    objects: dict[str, str]  # request objects the test's own server answers, by name
    elsewhere: str  # that server's base URL

    def ask(self, prefix: str | None, mode: str | None = None) -> dict[str, Any]:
        options = {k: v for k, v in (("client_id_prefix", prefix), ("response_mode", mode)) if v}
        answered = self.http.post(f"{self.url}/verifier/{RP}/requests", json=options or None)
        assert answered.status_code == 200, answered.text
        return answered.json()

    def review(self, link: str) -> httpx.Response:
        return self.http.post(f"{self.url}/wallet/sasha/presentations", json={"request": link})

    def result(self, state: str) -> dict[str, Any]:
        return self.http.get(f"{self.url}/verifier/{RP}/requests/{state}").json()

    def serve_object(self, name: str, token: str, client_id: str) -> str:
        """The link of a request object this test's server answers with ``token``."""
        self.objects[name] = token
        return "openid4vp://?" + urlencode({"client_id": client_id, "request_uri": f"{self.elsewhere}/objects/{name}"})


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, _module_database: str | None) -> Iterator[Lab]:
    """One sandbox on loopback reached at ``localhost``, Sasha's Verified Person in her wallet, and
    a server of the test's own that answers request objects the test writes."""
    port = free_port()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("jar") / "data",
        port=port,
        public_url=f"http://{HOST}:{port}",
        governance_token=GOVERNANCE_TOKEN,
        database_url=_module_database,
    )
    clock = FrozenClock()
    objects: dict[str, str] = {}

    async def answer(request: Request) -> Response:
        return Response(objects[request.path_params["name"]], media_type="application/oauth-authz-req+jwt")

    elsewhere = outlives_the_test(serve(Starlette(routes=[Route("/objects/{name}", answer)]), loopback=True))
    served = outlives_the_test(serve_sandbox(settings, clock))
    try:
        with httpx.Client(timeout=15, auth=Keyring(settings)) as http:
            open_wallet(http, served.url, "sasha")
            proofed = http.post(f"{served.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
            receive(http, served.url, "sasha", proofed.json())
            yield Lab(settings, served.url, http, clock, objects, elsewhere.url)
    finally:
        served.stop()
        elsewhere.stop()
        dispose_all()


def _link(made: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(made["request_uri"]).query).items()}


def _root(settings: Settings) -> x509.Certificate:
    return x509.load_pem_x509_certificate(root_path(settings.data_dir).read_bytes())


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


# -- both prefixes, end to end ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "prefix, mode",
    [("x509_san_dns", "direct_post"), ("x509_hash", "direct_post.jwt"), ("x509_san_dns", "direct_post.jwt")],
)
def test_the_sandbox_wallet_verifies_a_signed_request_and_the_relying_party_accepts(lab: Lab, prefix, mode):
    made = lab.ask(prefix, mode)
    link = _link(made)
    # By reference: the link carries the client identifier and where the request object is, nothing else.
    assert set(link) == {"client_id", "request_uri"}
    assert link["request_uri"] == f"{lab.url}/verifier/{RP}/requests/{made['state']}/request-object"
    assert link["client_id"] == made["request"]["client_id"]
    if prefix == "x509_san_dns":
        assert link["client_id"] == f"x509_san_dns:{HOST}"
    else:
        leaf = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST).certificate
        digest = base64.urlsafe_b64encode(hashlib.sha256(_der(leaf)).digest()).rstrip(b"=").decode()
        assert link["client_id"] == f"x509_hash:{digest}"

    review = lab.review(made["request_uri"])
    assert review.status_code == 200, review.text
    assert review.json()["verifier"] == link["client_id"]
    decided = lab.http.post(
        f"{lab.url}/wallet/sasha/presentations/{review.json()['request_id']}/decision",
        json={"approve": True, "review_hash": review.json()["review_hash"]},
    )
    assert decided.status_code == 200, decided.text
    result = lab.result(made["state"])
    assert result["status"] == "accepted", result["verdict"]
    # The key binding names the whole client identifier, prefix and all.
    assert result["verdict"]["verifier"] == link["client_id"]
    # Answered: the request object is no longer served.
    gone = httpx.get(link["request_uri"])
    assert (gone.status_code, gone.json()["error"]) == (404, "not_found")


def test_a_wallet_written_here_checks_the_request_object_and_answers_by_hand(lab: Lab):
    """pyjwt and cryptography alone, as another wallet would: fetch, check the chain to the exported
    root, the SAN, the signature, the claims; then present and post ``direct_post``."""
    for prefix in ("x509_san_dns", "x509_hash"):
        made = lab.ask(prefix)
        link = _link(made)
        fetched = httpx.get(link["request_uri"], headers={"Accept": "application/oauth-authz-req+jwt"})
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == "application/oauth-authz-req+jwt"
        token = fetched.text

        header = jwt.get_unverified_header(token)
        assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"
        chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
        root = _root(lab.settings)
        assert len(chain) == 1 and root not in chain  # the leaf, and no root: the wallet has it
        leaf = chain[0]
        leaf.verify_directly_issued_by(root)
        now = dt.datetime.now(dt.UTC)
        assert leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert names.get_values_for_type(x509.DNSName) == [HOST]
        payload = jwt.decode(token, key=leaf.public_key(), algorithms=["ES256"], audience=AUDIENCE)

        client_id = link["client_id"]
        assert payload["client_id"] == client_id and payload["iss"] == client_id
        if prefix == "x509_san_dns":
            assert urlsplit(payload["response_uri"]).hostname == client_id.removeprefix("x509_san_dns:")
        else:
            digest = base64.urlsafe_b64encode(hashlib.sha256(_der(leaf)).digest()).rstrip(b"=").decode()
            assert client_id == f"x509_hash:{digest}"
        assert payload["response_type"] == "vp_token" and payload["response_mode"] == "direct_post"
        assert payload["state"] == made["state"] and payload["nonce"] == made["request"]["nonce"]
        assert payload["dcql_query"] == made["request"]["dcql_query"]
        assert "vp_formats_supported" in payload["client_metadata"]
        assert payload["iat"] <= payload["exp"] and "request_uri" not in payload

        # Sasha's Verified Person, issued to a key of this wallet's own, presented by hand.
        holder = generate_key()
        proofed = lab.http.post(f"{lab.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
        offer = oid4vci.resolve_offer(httpx.Client(timeout=15), proofed.json()["credential_offer_uri"])
        redeemed = oid4vci.redeem(
            httpx.Client(timeout=15), offer, holder, clock=lab.clock, tx_code=proofed.json()["tx_code"]
        )
        credential = next(c.credential for c in redeemed.credentials if c.configuration_id == "VerifiedPerson")
        [query] = payload["dcql_query"]["credentials"]
        presentation = sdjwt.present(
            credential,
            holder,
            reveal=oid4vp.requested_paths(query),
            aud=client_id,
            nonce=payload["nonce"],
            iat=lab.clock.timestamp(),
        )
        form = {"state": payload["state"], "vp_token": json.dumps({query["id"]: [presentation]})}
        posted = httpx.post(payload["response_uri"], data=form)
        assert posted.status_code == 200, posted.text
        assert lab.result(made["state"])["status"] == "accepted"


# -- what the wallet refuses -----------------------------------------------------------------------
def _payload(lab: Lab, prefix: str = "x509_san_dns") -> dict[str, Any]:
    """The claims of a fresh request object the relying party signed (read, not checked, here)."""
    made = lab.ask(prefix)
    token = httpx.get(_link(made)["request_uri"]).text
    return jwt.decode(token, options={"verify_signature": False})


def _x5c(*certificates: x509.Certificate) -> list[str]:
    return [base64.b64encode(_der(c)).decode() for c in certificates]


def _sign(payload: dict[str, Any], key: ec.EllipticCurvePrivateKey, x5c: list[str], **header: Any) -> str:
    return jwt.encode(payload, key, algorithm="ES256", headers={"typ": "oauth-authz-req+jwt", "x5c": x5c, **header})


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _refused(lab: Lab, link: str, reason: Reason, status: int = 400) -> str:
    answered = lab.review(link)
    assert answered.status_code == status, answered.text
    assert answered.json()["error"] == reason.value, answered.json()
    return answered.json()["error_description"]


def test_the_wallet_refuses_an_altered_request_object(lab: Lab):
    made = lab.ask("x509_san_dns")
    token = httpx.get(_link(made)["request_uri"]).text
    head, body, signature = token.split(".")
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=="))
    flipped[7] ^= 1
    altered = lab.serve_object("bad-signature", f"{head}.{body}.{_b64u(bytes(flipped))}", _link(made)["client_id"])
    assert "signature" in _refused(lab, altered, Reason.REQUEST_OBJECT_INVALID)
    # The payload changed under the same signature: a nonce of the attacker's choosing.
    claims = jwt.decode(token, options={"verify_signature": False})
    changed = _b64u(json.dumps({**claims, "nonce": "chosen-by-an-attacker"}).encode())
    moved = lab.serve_object("moved", f"{head}.{changed}.{signature}", _link(made)["client_id"])
    _refused(lab, moved, Reason.REQUEST_OBJECT_INVALID)
    # The genuine one is still accepted: the refusals were about the alterations.
    assert lab.review(made["request_uri"]).status_code == 200


def test_the_wallet_refuses_alg_none_and_hmac(lab: Lab):
    claims = _payload(lab)
    leaf = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    header = {"alg": "none", "typ": "oauth-authz-req+jwt", "x5c": _x5c(leaf.certificate)}
    unsigned = f"{_b64u(json.dumps(header).encode())}.{_b64u(json.dumps(claims).encode())}."
    link = lab.serve_object("none", unsigned, claims["client_id"])
    assert "'none'" in _refused(lab, link, Reason.ALG_NOT_ALLOWED)
    public_pem = leaf.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # HS256 keyed with the certificate's public key: the classic algorithm confusion.
    hmac_token = _hs256(claims, public_pem, _x5c(leaf.certificate))
    link = lab.serve_object("hs256", hmac_token, claims["client_id"])
    _refused(lab, link, Reason.ALG_NOT_ALLOWED)


def _hs256(claims: dict[str, Any], secret: bytes, x5c: list[str]) -> str:
    """An HS256 JWS written by hand (pyjwt refuses a PEM key as an HMAC secret, rightly)."""
    header = _b64u(json.dumps({"alg": "HS256", "typ": "oauth-authz-req+jwt", "x5c": x5c}).encode())
    body = _b64u(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64u(mac)}"


def test_the_wallet_refuses_another_typ(lab: Lab):
    claims = _payload(lab)
    leaf = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    for typ in ("JWT", None):
        token = _sign(claims, leaf.key, _x5c(leaf.certificate), typ=typ)
        link = lab.serve_object(f"typ-{typ}", token, claims["client_id"])
        _refused(lab, link, Reason.TYP_INVALID)


def test_the_wallet_refuses_a_certificate_from_another_authority(lab: Lab, tmp_path: Path):
    claims = _payload(lab)
    # Another authority, named and built exactly as the sandbox's is, for the same host.
    stranger = SandboxCA.open(tmp_path).issue_leaf([HOST], usage="signing")
    link = lab.serve_object("stranger", _sign(claims, stranger.key, _x5c(stranger.certificate)), claims["client_id"])
    assert "trusted root" in _refused(lab, link, Reason.REQUEST_OBJECT_UNTRUSTED)
    # Its root in x5c beside the leaf changes nothing: trust comes from the wallet's roots alone.
    both = _sign(claims, stranger.key, stranger.x5c())
    link = lab.serve_object("stranger-with-root", both, claims["client_id"])
    _refused(lab, link, Reason.REQUEST_OBJECT_UNTRUSTED)
    # Nor does a leaf of the sandbox's own CA signed by the stranger's key (a certificate is not a key).
    genuine = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    link = lab.serve_object("borrowed", _sign(claims, stranger.key, _x5c(genuine.certificate)), claims["client_id"])
    _refused(lab, link, Reason.REQUEST_OBJECT_INVALID)


def test_the_wallet_refuses_an_expired_certificate(lab: Lab):
    claims = _payload(lab)
    # Issued five minutes back (pctf.ca) for no days: it expired five minutes ago.
    expired = SandboxCA.open(lab.settings.data_dir).issue_leaf([HOST], usage="signing", days=0)
    assert expired.certificate.not_valid_after_utc < dt.datetime.now(dt.UTC)
    link = lab.serve_object("expired", _sign(claims, expired.key, _x5c(expired.certificate)), claims["client_id"])
    assert "not now" in _refused(lab, link, Reason.REQUEST_OBJECT_UNTRUSTED)


def test_the_wallet_refuses_a_certificate_that_does_not_name_the_client(lab: Lab):
    claims = _payload(lab)
    other = SandboxCA.open(lab.settings.data_dir).issue_leaf(["other.example"], usage="signing")
    link = lab.serve_object("other-san", _sign(claims, other.key, _x5c(other.certificate)), claims["client_id"])
    assert "not a DNS name of the certificate" in _refused(lab, link, Reason.CLIENT_ID_MISMATCH)


def test_the_wallet_refuses_an_x509_hash_that_is_not_the_certificates(lab: Lab):
    claims = _payload(lab, "x509_hash")
    leaf = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    other = SandboxCA.open(lab.settings.data_dir).issue_leaf([HOST], usage="signing")
    # The relying party's hash, signed with another certificate of the same authority and host.
    link = lab.serve_object("other-hash", _sign(claims, other.key, _x5c(other.certificate)), claims["client_id"])
    assert "hash" in _refused(lab, link, Reason.CLIENT_ID_MISMATCH)
    assert claims["client_id"] == "x509_hash:" + _b64u(hashlib.sha256(_der(leaf.certificate)).digest())


def test_the_wallet_refuses_a_link_whose_client_is_not_the_objects(lab: Lab):
    made = lab.ask("x509_san_dns")
    request_uri = _link(made)["request_uri"]
    # A client identifier the same certificate would vouch for, but not the one the object names.
    as_hash = "x509_hash:" + SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST).x509_hash()
    other = "openid4vp://?" + urlencode({"client_id": as_hash, "request_uri": request_uri})
    assert "the link names client_id" in _refused(lab, other, Reason.CLIENT_ID_MISMATCH)


def test_the_wallet_refuses_an_answer_sent_to_another_host(lab: Lab):
    """x509_san_dns: a wallet with no list of trusted clients takes the answer to the client's host only."""
    claims = _payload(lab)
    leaf = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    elsewhere = {**claims, "response_uri": claims["response_uri"].replace(f"//{HOST}:", "//127.0.0.1:")}
    link = lab.serve_object("elsewhere", _sign(elsewhere, leaf.key, _x5c(leaf.certificate)), claims["client_id"])
    assert "response_uri" in _refused(lab, link, Reason.CLIENT_ID_MISMATCH)


def test_the_wallet_refuses_an_unsigned_request_that_claims_a_certificate(lab: Lab):
    made = lab.ask(None)
    request = {**made["request"], "client_id": f"x509_san_dns:{HOST}"}
    _refused(lab, oid4vp.authorization_request(**_by_value(request))[1], Reason.BAD_REQUEST)


def _by_value(request: dict[str, Any]) -> dict[str, Any]:
    return {
        "response_uri": request["response_uri"],
        "nonce": request["nonce"],
        "state": request["state"],
        "dcql_query": request["dcql_query"],
        "client_id": request["client_id"],
    }


def test_the_wallet_refuses_a_request_object_for_another_audience_or_expired(lab: Lab):
    claims = _payload(lab)
    leaf = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    for_someone = _sign({**claims, "aud": "https://wallet.example"}, leaf.key, _x5c(leaf.certificate))
    _refused(lab, lab.serve_object("aud", for_someone, claims["client_id"]), Reason.REQUEST_OBJECT_INVALID)
    stale = _sign({**claims, "exp": claims["iat"] - 120}, leaf.key, _x5c(leaf.certificate))
    _refused(lab, lab.serve_object("stale", stale, claims["client_id"]), Reason.REQUEST_EXPIRED)


# -- what the verifier serves ------------------------------------------------------------------------
def test_the_verifier_answers_404_for_a_request_object_it_does_not_serve(lab: Lab):
    unknown = httpx.get(f"{lab.url}/verifier/{RP}/requests/no-such-state/request-object")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
    # A request sent by value has no request object.
    by_value = lab.ask(None)
    answered = httpx.get(f"{lab.url}/verifier/{RP}/requests/{by_value['state']}/request-object")
    assert (answered.status_code, answered.json()["error"]) == (404, "not_found")
    # Another relying party's state is unknown here.
    made = lab.ask("x509_hash")
    other_rp = httpx.get(f"{lab.url}/verifier/bank/requests/{made['state']}/request-object")
    assert (other_rp.status_code, other_rp.json()["error"]) == (404, "not_found")
    # The wallet passes the verifier's reason on.
    link = "openid4vp://?" + urlencode(
        {"client_id": _link(made)["client_id"], "request_uri": f"{lab.url}/verifier/{RP}/requests/nope/request-object"}
    )
    _refused(lab, link, Reason.NOT_FOUND, status=404)


def test_an_expired_request_object_is_gone_and_the_next_request_is_served(lab: Lab):
    made = lab.ask("x509_san_dns")
    lab.clock.advance(REQUEST_LIFETIME + dt.timedelta(seconds=1))
    expired = httpx.get(_link(made)["request_uri"])
    assert (expired.status_code, expired.json()["error"]) == (404, "request_expired")
    _refused(lab, made["request_uri"], Reason.REQUEST_EXPIRED, status=404)
    fresh = lab.ask("x509_san_dns")
    assert lab.review(fresh["request_uri"]).status_code == 200


def test_request_options_are_checked(lab: Lab):
    for options in ({"client_id_prefix": "did"}, {"client_id_prefix": "x509_hash", "extra": 1}):
        refused = lab.http.post(f"{lab.url}/verifier/{RP}/requests", json=options)
        assert (refused.status_code, refused.json()["error"]) == (400, "bad_request")


# -- the signing certificate is kept --------------------------------------------------------------
def test_the_signing_certificate_outlives_a_restart_and_is_renewed_when_unfit(tmp_path: Path):
    ca = SandboxCA.open(tmp_path)
    first = ca.signing_leaf("verifier.example")
    kept = tmp_path / "ca" / "signing-verifier.example.pem"
    assert kept.stat().st_mode & 0o777 == 0o600
    again = SandboxCA.open(tmp_path).signing_leaf("verifier.example")
    assert again.certificate == first.certificate and again.x509_hash() == first.x509_hash()
    # Another name, another certificate; a damaged file is replaced.
    assert SandboxCA.open(tmp_path).signing_leaf("other.example").certificate != first.certificate
    kept.write_bytes(b"not a certificate")
    renewed = SandboxCA.open(tmp_path).signing_leaf("verifier.example")
    assert renewed.certificate != first.certificate
    assert SandboxCA.open(tmp_path).signing_leaf("verifier.example").certificate == renewed.certificate


def test_the_relying_partys_x509_hash_is_its_kept_certificate(lab: Lab):
    made = lab.ask("x509_hash")
    kept = SandboxCA.open(lab.settings.data_dir).signing_leaf(HOST)
    assert _link(made)["client_id"] == f"x509_hash:{kept.x509_hash()}"


def test_the_verifier_refuses_x509_san_dns_at_an_ip_address(settings):
    from verifier.service import RelyingPartyService

    service = RelyingPartyService(settings, FrozenClock(), engine=None)  # type: ignore[arg-type]
    with pytest.raises(SandboxError) as caught:
        service.create_request(RP, {"client_id_prefix": "x509_san_dns"})
    assert caught.value.reason == Reason.BAD_REQUEST and "DNS name" in caught.value.message
    assert service.create_request(RP, {"client_id_prefix": "x509_hash"})["request"]["client_id"].startswith(
        "x509_hash:"
    )


def test_jar_signs_only_for_a_client_its_certificate_names(tmp_path: Path):
    leaf = SandboxCA.open(tmp_path).signing_leaf("verifier.example")
    request = {"client_id": "x509_san_dns:bank.example", "response_uri": "https://bank.example/r"}
    with pytest.raises(SandboxError) as caught:
        jar.sign(request, leaf, iat=0, exp=1)
    assert caught.value.reason == Reason.CLIENT_ID_MISMATCH
    request = {"client_id": "x509_san_dns:verifier.example", "response_uri": "https://elsewhere.example/r"}
    with pytest.raises(SandboxError) as caught:
        jar.sign(request, leaf, iat=0, exp=1)
    assert caught.value.reason == Reason.CLIENT_ID_MISMATCH


# -- the pytest plugin's helpers ------------------------------------------------------------------
def test_the_sandbox_helpers_ask_signed_and_encrypted_and_answer(tmp_path: Path):
    with Sandbox.start(tmp_path / "data") as sandbox:
        holder = sandbox.holder_key()
        person = sandbox.issue("prov1", "VerifiedPerson", SASHA, holder)
        request = sandbox.request(RP, client_id_prefix="x509_hash", response_mode="direct_post.jwt")
        assert request.by_reference and request.client_id.startswith("x509_hash:")
        assert request.response_mode == "direct_post.jwt"
        fetched = sandbox.fetch_request(request)
        assert fetched["client_id"] == request.client_id and fetched["nonce"] == request.nonce
        [query] = fetched["dcql_query"]["credentials"]
        disclose = oid4vp.requested_paths(query)
        presentation = sandbox.present(
            person, holder, disclose=disclose, audience=request.client_id, nonce=request.nonce
        )
        verdict = sandbox.respond(request, presentation)
        assert verdict.accepted, verdict.reasons
        # The wallet service answers a signed request too.
        wallet = sandbox.wallet("sasha")
        wallet.receive(sandbox.offer("prov1", "VerifiedPerson", SASHA))
        signed = sandbox.request(RP, client_id_prefix="x509_hash")
        wallet.answer(signed)
        assert sandbox.verdict(signed).accepted
