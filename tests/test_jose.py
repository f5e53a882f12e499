"""Tests of pctf/jose.py: base64url, JWK thumbprints (RFC 7638), keys, compact JWS."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwt.algorithms import OKPAlgorithm

from pctf.jose import (
    ALLOWED_ALGS,
    Jws,
    SigningKey,
    b64u_decode,
    b64u_encode,
    canonical_json,
    generate_key,
    has_private_parts,
    public_jwk_only,
    thumbprint,
)
from pctf.reasons import Reason, SandboxError

# RFC 7638 section 3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_KEY = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB"
    "ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZ"
    "gnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqb"
    "w0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

KEY = generate_key()


# -- thumbprints


def test_thumbprint_rfc7638_example():
    assert thumbprint(RFC7638_KEY) == RFC7638_THUMBPRINT
    # only the required members count (RFC 7638 3.2): dropping alg/kid changes nothing
    assert thumbprint({k: RFC7638_KEY[k] for k in ("e", "kty", "n")}) == RFC7638_THUMBPRINT
    # and the member order of the input does not matter
    assert thumbprint(dict(reversed(list(RFC7638_KEY.items())))) == RFC7638_THUMBPRINT
    assert thumbprint(RFC7638_KEY | {"e": "AQAC"}) != RFC7638_THUMBPRINT


def test_thumbprint_ec_matches_the_rfc7638_construction():
    jwk = KEY.public_jwk
    expected_input = f'{{"crv":"P-256","kty":"EC","x":"{jwk["x"]}","y":"{jwk["y"]}"}}'
    expected = base64.urlsafe_b64encode(hashlib.sha256(expected_input.encode()).digest()).rstrip(b"=").decode()
    assert thumbprint(jwk) == expected == KEY.kid
    assert thumbprint(KEY.private_jwk) == expected  # the private member d is not part of it


def test_thumbprint_okp():
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    expected = base64.urlsafe_b64encode(
        hashlib.sha256(b'{"crv":"Ed25519","kty":"OKP","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}').digest()
    ).rstrip(b"=")
    assert thumbprint(jwk) == expected.decode()


@pytest.mark.parametrize("jwk", [{"kty": "oct", "k": "c2VjcmV0"}, {"kty": "EC", "crv": "P-256", "x": "a"}, {}])
def test_thumbprint_refuses_unsupported_or_incomplete_keys(jwk):
    with pytest.raises((ValueError, KeyError)):
        thumbprint(jwk)


# -- keys


@pytest.mark.parametrize("alg,crv", [("ES256", "P-256"), ("ES384", "P-384"), ("ES512", "P-521")])
def test_generate_key_sign_verify_round_trip(alg, crv):
    key = generate_key(alg)
    assert key.alg == alg
    assert key.private_jwk["crv"] == crv and "d" in key.private_jwk
    token = key.sign({"sub": "alice", "n": 1}, typ="JWT")
    jws = Jws.parse(token)
    assert jws.header == {"alg": alg, "typ": "JWT", "kid": key.kid}
    assert jws.payload == {"sub": "alice", "n": 1}
    jws.check_header(("JWT",))
    jws.verify(key.public_jwk)
    with pytest.raises(SandboxError) as info:
        jws.verify(generate_key(alg).public_jwk)
    assert info.value.reason == Reason.SIGNATURE_INVALID


def test_eddsa_sign_verify_round_trip():
    private = json.loads(OKPAlgorithm.to_jwk(ed25519.Ed25519PrivateKey.generate()))
    key = SigningKey(private_jwk=private, alg="EdDSA")
    assert ALLOWED_ALGS["EdDSA"] == ("OKP", "Ed25519")
    jws = Jws.parse(key.sign({"a": 1}))
    jws.check_header(())
    jws.verify(key.public_jwk)
    with pytest.raises(SandboxError):
        jws.verify(KEY.public_jwk)  # an EC key cannot verify EdDSA


def test_signatures_are_raw_r_s_of_the_right_length():
    for alg, size in (("ES256", 64), ("ES384", 96), ("ES512", 132)):
        assert len(Jws.parse(generate_key(alg).sign({})).signature) == size


def test_sign_options():
    jws = Jws.parse(KEY.sign({"a": 1}, include_kid=False))
    assert jws.header == {"alg": "ES256"}
    jws = Jws.parse(KEY.sign({"a": 1}, typ="kb+jwt", header={"x5c": ["abc"], "kid": "custom"}))
    assert jws.header == {"alg": "ES256", "typ": "kb+jwt", "kid": "custom", "x5c": ["abc"]}
    jws.verify(KEY.public_jwk)
    # the signing input is exactly the two encoded segments of the compact form
    token = KEY.sign({"a": "é"})
    assert Jws.parse(token).signing_input == token.rsplit(".", 1)[0].encode()
    assert Jws.parse(token).payload == {"a": "é"}


def test_public_jwk_has_no_private_parts():
    pub = KEY.public_jwk
    assert has_private_parts(KEY.private_jwk)
    assert not has_private_parts(pub)
    assert "d" not in pub and pub["x"] == KEY.private_jwk["x"] and pub["y"] == KEY.private_jwk["y"]
    assert pub["kid"] == KEY.kid == thumbprint(pub)
    assert pub["alg"] == "ES256" and pub["use"] == "sig"


def test_public_jwk_only_strips_d():
    stripped = public_jwk_only(KEY.private_jwk)
    assert "d" not in stripped
    assert {k: v for k, v in KEY.private_jwk.items() if k != "d"} == stripped
    assert "d" in KEY.private_jwk  # the input is not modified
    okp = {"kty": "OKP", "crv": "Ed25519", "x": "abc", "d": "secret"}
    assert public_jwk_only(okp) == {"kty": "OKP", "crv": "Ed25519", "x": "abc"}


@pytest.mark.parametrize("jwk", [RFC7638_KEY, {"kty": "oct", "k": "c2VjcmV0"}, "not a dict", None, {}])
def test_public_jwk_only_refuses_other_key_types(jwk):
    with pytest.raises(ValueError):
        public_jwk_only(jwk)


@pytest.mark.parametrize("member", ["d", "p", "q", "dp", "dq", "qi", "k", "oth"])
def test_has_private_parts_knows_every_private_member(member):
    assert has_private_parts({"kty": "RSA", "n": "x", "e": "AQAB", member: "secret"})
    assert not has_private_parts({"kty": "RSA", "n": "x", "e": "AQAB"})


def test_verify_never_uses_private_material_or_header_keys():
    token = KEY.sign({"a": 1}, header={"jwk": generate_key().public_jwk})
    Jws.parse(token).verify(KEY.private_jwk)  # a private JWK is reduced to its public part


# -- base64url and JSON


@pytest.mark.parametrize("data", [b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar", bytes(range(256))])
def test_b64u_round_trip(data):
    text = b64u_encode(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert b64u_decode(text) == data


def test_b64u_rfc4648_vectors():
    # RFC 4648 section 10, without padding
    assert [b64u_encode(x) for x in (b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar")] == [
        "Zg",
        "Zm8",
        "Zm9v",
        "Zm9vYg",
        "Zm9vYmE",
        "Zm9vYmFy",
    ]
    assert b64u_encode(b"\xfb\xff") == "-_8"


@pytest.mark.parametrize(
    "text",
    [
        "Zg==",
        "Zm9v+",
        "Zm9v/",
        "Zm 9v",
        "Zm9v\n",
        "Zm9v!",
        "Zm.9v",
        "Zm9vé",
        "Z",
        "Zm9vY",
        "Zh",
        "Zm9",
        "ZmB",
        None,
        b"Zm9v",
    ],
)
def test_b64u_decode_is_strict(text):
    # padding, the standard alphabet, whitespace, junk, impossible lengths and non-canonical
    # trailing bits ("Zh" and "Zm9" decode, leniently, to the same bytes as "Zg" and "Zm8")
    with pytest.raises(ValueError):
        b64u_decode(text)


def test_canonical_json_is_compact_and_keeps_unicode():
    assert canonical_json({"a": [1, 2], "b": "é"}) == '{"a":[1,2],"b":"é"}'


def test_jws_parse_errors_carry_the_requested_reason():
    for bad in ("", "a.b", "a.b.c", f"{b64u_encode(b'[]')}.{b64u_encode(b'{}')}."):
        with pytest.raises(SandboxError) as info:
            Jws.parse(bad, malformed=Reason.INVALID_PROOF)
        assert info.value.reason == Reason.INVALID_PROOF
    with pytest.raises(SandboxError) as info:
        Jws.parse(12345)
    assert info.value.reason == Reason.MALFORMED_PRESENTATION


def test_check_header_custom_reasons():
    jws = Jws.parse(KEY.sign({}, typ="JWT"))
    with pytest.raises(SandboxError) as info:
        jws.check_header(("openid4vci-proof+jwt",), typ_reason=Reason.INVALID_PROOF)
    assert info.value.reason == Reason.INVALID_PROOF
    none = Jws.parse(b64u_encode(b'{"alg":"none"}') + "." + b64u_encode(b"{}") + ".")
    with pytest.raises(SandboxError) as info:
        none.check_header((), alg_reason=Reason.INVALID_PROOF)
    assert info.value.reason == Reason.INVALID_PROOF
    jws.check_header(())  # no typ requirement at all
