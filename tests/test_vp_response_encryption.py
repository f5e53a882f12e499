"""OpenID4VP 1.0 ``client_metadata`` (5.1, 5.9.3) and encrypted responses, ``direct_post.jwt`` (8.3).

Every request carries the verifier's metadata: the format and algorithms it accepts and its
response encryption key. The JWE module decrypts the specification's own example and agrees with
an independent JOSE implementation (jwcrypto) both ways. Over real HTTP, Sasha's wallet answers a
request that asks for encryption and the relying party accepts it; an answer encrypted to another
key, altered, with another key management or content encryption, or in plain text where
encryption was asked, is refused with its reason and leaves the request pending.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwe as joserfc_jwe
from joserfc.jwk import ECKey
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk
from sqlmodel import Session

from pctf import jwe, oid4vp, sdjwt
from pctf.clock import SystemClock
from pctf.jose import ALLOWED_ALGS, b64u_decode, b64u_encode
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all, engine_for
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_EVIDENCE
from scenarios.steps import open_wallet, receive
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import free_port, outlives_the_test, serve_sandbox
from verifier.models import PresentationSession, VerifierSecret
from wallet.service import WalletService

RESPONSE_URI = "https://verifier.example/verifier/bank/response"
QUERY = {
    "credentials": [
        {"id": "person", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:vp"]}, "claims": [{"path": ["x"]}]}
    ]
}
RP = "bank-personal"  # asks for the Verified Person alone


def _request(mode: str = oid4vp.RESPONSE_MODE_JWT, key: jwe.EncryptionKey | None = None):
    key = key or jwe.generate_encryption_key()
    return oid4vp.authorization_request(
        response_uri=RESPONSE_URI,
        nonce="n-1",
        state="s-1",
        dcql_query=QUERY,
        response_mode=mode,
        encryption_jwk=key.public_jwk,
    )


# -- the request's client_metadata --------------------------------------------------------------
def test_every_request_carries_the_verifiers_metadata_by_value_and_in_its_link():
    key = jwe.generate_encryption_key()
    for mode in oid4vp.RESPONSE_MODES:
        request, link = _request(mode, key)
        metadata = request["client_metadata"]
        algs = list(ALLOWED_ALGS)
        assert metadata["vp_formats_supported"] == {"dc+sd-jwt": {"sd-jwt_alg_values": algs, "kb-jwt_alg_values": algs}}
        [published] = metadata["jwks"]["keys"]
        assert published == {**published, "kty": "EC", "crv": "P-256", "use": "enc", "alg": "ECDH-ES", "kid": key.kid}
        assert "d" not in published
        # 5.1: the content encryptions are named when the response must be encrypted, and only then.
        assert ("encrypted_response_enc_values_supported" in metadata) is (mode == oid4vp.RESPONSE_MODE_JWT)
        query = parse_qs(urlsplit(link).query)
        assert json.loads(query["client_metadata"][0]) == metadata
        assert query["response_mode"] == [mode]
        assert oid4vp.parse_request(link) == request
    assert metadata["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]


def _metadata(request: dict, **changes) -> dict:
    metadata = {**request["client_metadata"], **changes}
    return {**request, "client_metadata": {k: v for k, v in metadata.items() if v is not None}}


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda r: {k: v for k, v in r.items() if k != "client_metadata"}, "no P-256 key"),
        (lambda r: {**r, "client_metadata": None}, "JSON object"),
        (lambda r: {**r, "client_metadata": "{not json"}, "client_metadata is not valid JSON"),
        (lambda r: {**r, "client_metadata": ["a"]}, "JSON object"),
        (lambda r: _metadata(r, vp_formats_supported=None), "vp_formats_supported"),
        (lambda r: _metadata(r, vp_formats_supported={"mso_mdoc": {}}), "dc+sd-jwt"),
        (lambda r: _metadata(r, vp_formats_supported={"dc+sd-jwt": {"kb-jwt_alg_values": []}}), "kb-jwt_alg_values"),
        (lambda r: _metadata(r, jwks={"keys": []}), "jwks"),
        (lambda r: _metadata(r, jwks={"keys": [{"kty": "EC"}]}), "kid"),
        (lambda r: _metadata(r, jwks={"keys": r["client_metadata"]["jwks"]["keys"] * 2}), "kid"),
        (lambda r: _metadata(r, encrypted_response_enc_values_supported=[]), "enc_values"),
        (lambda r: _metadata(r, jwks=None), "no P-256 key"),
        (
            lambda r: _metadata(r, jwks={"keys": [{**r["client_metadata"]["jwks"]["keys"][0], "use": "sig"}]}),
            "no P-256 key",
        ),
        (lambda r: _metadata(r, encrypted_response_enc_values_supported=["A128CBC-HS256"]), "content encryption"),
    ],
)
def test_the_wallet_refuses_a_request_whose_client_metadata_is_malformed(change, words):
    request, _ = _request()
    with pytest.raises(SandboxError) as caught:
        oid4vp.parse_request(change(request))
    assert caught.value.reason == Reason.BAD_REQUEST and words in caught.value.message


def test_the_wallet_encrypts_to_the_key_and_enc_the_request_names():
    key = jwe.generate_encryption_key()
    request, _ = _request(key=key)
    signing = {**key.public_jwk, "kid": "sig-1", "use": "sig"}
    request = _metadata(
        request,
        jwks={"keys": [signing, key.public_jwk]},
        encrypted_response_enc_values_supported=["A128CBC-HS256", "A256GCM"],
    )
    form = oid4vp.response_form(oid4vp.parse_request(request), vp_token={"person": ["a~b~"]})
    assert set(form) == {"response"}
    assert jwe.header(form["response"])["kid"] == key.kid and jwe.header(form["response"])["enc"] == "A256GCM"
    # 8.3: the response parameters are the payload's top-level members, vp_token a JSON object.
    payload = jwe.decrypt(form["response"], key, enc_values=["A256GCM"])
    assert payload == {"state": "s-1", "vp_token": {"person": ["a~b~"]}}
    declined = jwe.decrypt(oid4vp.response_form(request)["response"], key, enc_values=["A256GCM"])
    assert declined["error"] == "access_denied"


# -- the JWE module against material nobody here wrote -------------------------------------------
SPEC_KEY = {
    "kty": "EC",
    "kid": "ac",
    "use": "enc",
    "crv": "P-256",
    "alg": "ECDH-ES",
    "x": "YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk",
    "y": "Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk",
    "d": "Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww",
}
SPEC_RESPONSE = (
    "eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTEyOEdDTSIsImtpZCI6ImFjIiwiZXBrIjp7Imt0eSI6IkVDIiwieCI6Im5ubVZwbTNWM2piaG"
    "NhZlFhUkJrU1ZOSGx3Wkh3dC05ck9wSnVmeVlJdWsiLCJ5IjoicjRmakRxd0p5czlxVU9QLV9iM21SNVNaRy0tQ3dPMm1pYzVWU05UWU45"
    "ZyIsImNydiI6IlAtMjU2In19..uAYcHRUSSn2X0WPX.yVzlGSYG4qbg0bq18JcUiDRw56yVnbKR8E7S7YlEtzT00RqE3Pw5oTpUG3hdLN4"
    "taHZ9gC1kwak8JOnJgQ.1wR024_3-qtAlx1oFIUpQQ"
)


def test_the_specifications_example_response_decrypts_with_its_key():
    """OpenID4VP 1.0 section 8.3: the example response, encrypted to the first key of the example
    request, and that key's private part as the specification gives it."""
    spec_key = jwe.EncryptionKey(SPEC_KEY)  # its kid is "ac", not a thumbprint: built as is
    payload = jwe.decrypt(SPEC_RESPONSE, spec_key, enc_values=["A128GCM", "A128CBC-HS256"])
    assert payload == {"vp_token": {"example_credential_id": ["eyJhb...YMetA"]}}
    with pytest.raises(SandboxError) as caught:
        jwe.decrypt(SPEC_RESPONSE, spec_key, enc_values=["A256GCM"])
    assert caught.value.reason == Reason.ENCRYPTION_ALG_NOT_ALLOWED


def test_an_independent_implementation_reads_ours_and_we_read_its():
    key = jwe.generate_encryption_key()
    theirs = jwcrypto_jwk.JWK(**key.private_jwk)
    ours = jwe.encrypt({"vp_token": {"q": ["x~"]}}, key.public_jwk, enc="A256GCM")
    token = jwcrypto_jwe.JWE()
    token.deserialize(ours, key=theirs)
    assert json.loads(token.payload) == {"vp_token": {"q": ["x~"]}}
    # jwcrypto encrypts with apu and apv, which enter the key derivation (RFC 7518 4.6.2).
    header = {"alg": "ECDH-ES", "enc": "A128GCM", "kid": key.kid, "apu": b64u_encode(b"w"), "apv": b64u_encode(b"n")}
    made = jwcrypto_jwe.JWE(b'{"state":"s"}', protected=json.dumps(header))
    made.add_recipient(jwcrypto_jwk.JWK(**key.public_jwk))
    assert jwe.decrypt(made.serialize(compact=True), key) == {"state": "s"}


def _joserfc(header: dict, payload: bytes, public_jwk: dict) -> str:
    """A JWE made with whatever algorithms ``header`` names (joserfc allowed every one of them)."""
    registry = joserfc_jwe.JWERegistry(
        algorithms=[header["alg"], header["enc"], *[header[z] for z in ("zip",) if z in header]]
    )
    recipient = ECKey.import_key({m: public_jwk[m] for m in ("kty", "crv", "x", "y")})
    return joserfc_jwe.encrypt_compact(header, payload, recipient, registry=registry)


def _tampered(token: str) -> str:
    parts = token.split(".")
    ciphertext = bytearray(b64u_decode(parts[3]))
    ciphertext[0] ^= 1
    return ".".join([*parts[:3], b64u_encode(bytes(ciphertext)), parts[4]])


def _off_curve(token: str) -> str:
    """``token`` with its ephemeral public key moved off the curve (an invalid-curve attack)."""
    parts = token.split(".")
    header = json.loads(b64u_decode(parts[0]))
    y = bytearray(b64u_decode(header["epk"]["y"]))
    y[-1] ^= 1
    header["epk"]["y"] = b64u_encode(bytes(y))
    return ".".join([b64u_encode(json.dumps(header).encode()), *parts[1:]])


def _refusals(key: jwe.EncryptionKey, payload: dict) -> dict[str, tuple[str, Reason]]:
    """Encrypted answers the verifier must refuse, each with its reason."""
    other = jwe.generate_encryption_key()
    plain = json.dumps(payload).encode()
    return {
        "to another key": (jwe.encrypt(payload, other.public_jwk), Reason.RESPONSE_DECRYPTION_FAILED),
        "to another key, naming ours": (
            jwe.encrypt(payload, {**other.public_jwk, "kid": key.kid}),
            Reason.RESPONSE_DECRYPTION_FAILED,
        ),
        "altered": (_tampered(jwe.encrypt(payload, key.public_jwk)), Reason.RESPONSE_DECRYPTION_FAILED),
        "an ephemeral key off the curve": (
            _off_curve(jwe.encrypt(payload, key.public_jwk)),
            Reason.RESPONSE_DECRYPTION_FAILED,
        ),
        "key wrapping, not ECDH-ES": (
            _joserfc({"alg": "ECDH-ES+A128KW", "enc": "A128GCM", "kid": key.kid}, plain, key.public_jwk),
            Reason.ENCRYPTION_ALG_NOT_ALLOWED,
        ),
        "an enc not offered": (
            _joserfc({"alg": "ECDH-ES", "enc": "A128CBC-HS256", "kid": key.kid}, plain, key.public_jwk),
            Reason.ENCRYPTION_ALG_NOT_ALLOWED,
        ),
        "compressed": (
            _joserfc({"alg": "ECDH-ES", "enc": "A128GCM", "zip": "DEF"}, plain, key.public_jwk),
            Reason.ENCRYPTION_ALG_NOT_ALLOWED,
        ),
        "not a JWE": ("a.b.c", Reason.MALFORMED_PRESENTATION),
    }


def test_the_jwe_module_refuses_what_it_must():
    key = jwe.generate_encryption_key()
    for case, (token, reason) in _refusals(key, {"state": "s"}).items():
        with pytest.raises(SandboxError) as caught:
            jwe.decrypt(token, key, enc_values=jwe.ENC_VALUES)
        assert caught.value.reason == reason, case


# -- over HTTP: Sasha's wallet and a relying party -----------------------------------------------
@pytest.fixture(scope="module")
def lab(tmp_path_factory, _module_database):
    """One sandbox on loopback, with Sasha's Verified Person in her wallet."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("vp-jwt") / "data",
        port=free_port(),
        governance_token=GOVERNANCE_TOKEN,
        database_url=_module_database,
    )
    served = outlives_the_test(serve_sandbox(settings, SystemClock()))
    try:
        with httpx.Client(timeout=15, auth=Keyring(settings)) as http:
            open_wallet(http, served.url, "sasha")
            proofed = http.post(f"{served.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
            receive(http, served.url, "sasha", proofed.json())
            yield settings, served.url, http
    finally:
        served.stop()
        dispose_all()


def _ask(http: httpx.Client, url: str, mode: str | None = oid4vp.RESPONSE_MODE_JWT) -> dict:
    answered = http.post(f"{url}/verifier/{RP}/requests", json={"response_mode": mode} if mode else None)
    assert answered.status_code == 200, answered.text
    return answered.json()


def _status(http: httpx.Client, url: str, state: str) -> dict:
    return http.get(f"{url}/verifier/{RP}/requests/{state}").json()


def test_the_wallet_answers_an_encrypted_request_and_the_relying_party_accepts_it(lab):
    settings, url, http = lab
    asked = _ask(http, url)
    request = asked["request"]
    assert request["response_mode"] == "direct_post.jwt"
    assert request["client_metadata"]["jwks"]["keys"][0]["use"] == "enc"
    review = http.post(f"{url}/wallet/sasha/presentations", json={"request": asked["request_uri"]}).json()
    decided = http.post(
        f"{url}/wallet/sasha/presentations/{review['request_id']}/decision",
        json={"approve": True, "review_hash": review["review_hash"]},
    )
    assert decided.status_code == 200, decided.text
    result = _status(http, url, asked["state"])
    # The relying party refuses a plain answer to this request (below): this one came encrypted.
    assert result["status"] == "accepted", result["verdict"]
    assert set(result["verdict"]["credentials"]["person"]["claims"]) >= {"given_name", "family_name"}


def test_the_wallet_still_answers_a_plain_request(lab):
    settings, url, http = lab
    asked = _ask(http, url, mode=None)
    assert asked["request"]["response_mode"] == "direct_post" and "client_metadata" in asked["request"]
    review = http.post(f"{url}/wallet/sasha/presentations", json={"request": asked["request_uri"]}).json()
    http.post(
        f"{url}/wallet/sasha/presentations/{review['request_id']}/decision",
        json={"approve": True, "review_hash": review["review_hash"]},
    )
    assert _status(http, url, asked["state"])["status"] == "accepted"


def _vp_token(settings: Settings, http: httpx.Client, request: dict) -> dict:
    """Sasha's presentations answering ``request``, made with her key as her wallet would."""
    wallet = WalletService(settings, SystemClock(), http)
    holder = wallet.holder_key("sasha")
    by_vct = {r.vct: r.credential for r in wallet._rows("sasha")}
    return {
        cq["id"]: [
            sdjwt.present(
                by_vct[cq["meta"]["vct_values"][0]],
                holder,
                reveal=oid4vp.requested_paths(cq),
                aud=request["client_id"],
                nonce=request["nonce"],
                iat=SystemClock().timestamp(),
            )
        ]
        for cq in request["dcql_query"]["credentials"]
    }


def test_what_the_relying_party_refuses_leaves_the_request_pending(lab):
    settings, url, http = lab
    asked = _ask(http, url)
    request = asked["request"]
    [published] = request["client_metadata"]["jwks"]["keys"]
    with Session(engine_for(settings, "verifier")) as session:
        kept = session.get(VerifierSecret, f"response-encryption:{RP}")
        assert kept is not None and json.loads(kept.value)["kid"] == published["kid"]
        key = jwe.encryption_key(json.loads(kept.value))
    payload = {"state": request["state"], "vp_token": _vp_token(settings, http, request)}
    refusals = _refusals(key, payload)
    refusals["in plain text"] = (None, Reason.RESPONSE_ENCRYPTION_REQUIRED)
    for case, (token, reason) in refusals.items():
        form = {"response": token} if token else {**payload, "vp_token": json.dumps(payload["vp_token"])}
        answered = http.post(request["response_uri"], data=form)
        assert answered.status_code == 400 and answered.json()["error"] == reason, (case, answered.text)
    assert _status(http, url, asked["state"])["status"] == "pending"
    # The same relying party's key for every request, as the database keeps it.
    assert _ask(http, url)["request"]["client_metadata"]["jwks"]["keys"] == [published]
    answered = http.post(request["response_uri"], data={"response": jwe.encrypt(payload, published)})
    assert answered.status_code == 200, answered.text
    assert _status(http, url, asked["state"])["status"] == "accepted"


def test_a_wallet_that_cannot_encrypt_may_still_decline_in_plain_text(lab):
    """8.3.1: the error response may come unencrypted; it carries nothing of the holder."""
    settings, url, http = lab
    request = _ask(http, url)["request"]
    answered = http.post(request["response_uri"], data={"state": request["state"], "error": "access_denied"})
    assert answered.status_code == 200, answered.text
    assert _status(http, url, request["state"])["status"] == "declined"


def test_an_encrypted_answer_to_a_plain_request_is_refused(lab):
    settings, url, http = lab
    request = _ask(http, url, mode="direct_post")["request"]
    [published] = request["client_metadata"]["jwks"]["keys"]
    answered = http.post(
        request["response_uri"], data={"response": jwe.encrypt({"state": request["state"]}, published)}
    )
    assert answered.status_code == 400 and answered.json()["error"] == Reason.BAD_REQUEST
    with Session(engine_for(settings, "verifier")) as session:
        record = session.get(PresentationSession, request["state"])
        assert record is not None and record.response_mode == "direct_post" and record.status == "pending"


@pytest.mark.parametrize("options", [{"response_mode": "fragment"}, {"response_mode": "direct_post", "x": 1}, ["a"]])
def test_a_back_end_asks_only_for_a_response_mode_the_verifier_has(lab, options):
    settings, url, http = lab
    answered = http.post(f"{url}/verifier/{RP}/requests", json=options)
    assert answered.status_code == 400 and answered.json()["error"] == Reason.BAD_REQUEST
