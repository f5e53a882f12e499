"""Unit tests of the shared SD-JWT codec (pctf/sdjwt.py, pctf/jose.py).

Two halves: the happy paths (issue -> parse -> resolve -> present -> verify_key_binding) and one
test per rejection reason the codec raises, each built by hand so that exactly one rule is broken.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm

from pctf.jose import (
    Jws,
    SigningKey,
    b64u_decode,
    b64u_encode,
    canonical_json,
    generate_key,
)
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt import (
    ACCEPTED_TYPS,
    NEVER_DISCLOSABLE,
    SD_ALG,
    TYP_KB_JWT,
    TYP_SD_JWT_VC,
    SdJwt,
    _digest,
    issue,
    make_disclosure,
    present,
    resolve_disclosures,
    select_disclosures,
    verify_key_binding,
)

ISSUER = generate_key()
HOLDER = generate_key()
OTHER = generate_key()
NOW = 1_760_000_000
AUD = "https://verifier.example.ca"
NONCE = "n-0S6_WzA2Mj"
MAX_AGE = 300
LEEWAY = 30

ADDRESS = {"street_address": "123 Rue Principale", "locality": "Gatineau", "region": "QC", "country": "CA"}
ADDRESS_PATHS = [("address",)] + [("address", k) for k in ADDRESS]


def claims() -> dict:
    return {
        "iss": "https://issuer.example.ca",
        "iat": NOW - 10,
        "exp": NOW + 86_400,
        "vct": "urn:pctf:vct:person",
        "cnf": {"jwk": HOLDER.public_jwk},
        "sub": "user-42",
        "given_name": "Émilie",
        "family_name": "Tremblay",
        "birthdate": "1990-02-03",
        "address": dict(ADDRESS),
        "nationalities": ["CA", "FR"],
    }


FLAT = [("given_name",), ("family_name",), ("birthdate",)]
ALL_PATHS = FLAT + ADDRESS_PATHS + [("nationalities", None)]


def full_issue(**kw) -> str:
    return issue(claims(), ISSUER, disclosable=ALL_PATHS, **kw)


def decode_disclosure(d: str) -> list:
    return json.loads(b64u_decode(d))


def verify_issuer(compact: str) -> tuple[SdJwt, dict]:
    sd = SdJwt.parse(compact)
    sd.jws.check_header(ACCEPTED_TYPS)
    sd.jws.verify(ISSUER.public_jwk)
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    return sd, resolved


def verify_all(compact: str, *, aud: str = AUD, nonce: str = NONCE, now: int = NOW) -> dict:
    sd, resolved = verify_issuer(compact)
    verify_key_binding(sd, resolved["cnf"]["jwk"], aud=aud, nonce=nonce, now=now, max_age=MAX_AGE, leeway=LEEWAY)
    return resolved


def sd_jwt_of(
    payload: dict,
    disclosures: list[str],
    *,
    key: SigningKey = ISSUER,
    typ: str = TYP_SD_JWT_VC,
    header: dict | None = None,
) -> str:
    return "~".join([key.sign(payload, typ=typ, header=header), *disclosures]) + "~"


def raw_jws(header: dict, payload: dict, signature: bytes = b"") -> str:
    return ".".join(
        [b64u_encode(json.dumps(header).encode()), b64u_encode(json.dumps(payload).encode()), b64u_encode(signature)]
    )


def rejects(reason: Reason, fn, *args, **kwargs) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        fn(*args, **kwargs)
    assert info.value.reason == reason, f"expected {reason.value}, got {info.value.reason.value}: {info.value}"
    return info.value


def kb_for(
    sd_without_kb: str,
    *,
    key: SigningKey = HOLDER,
    typ: str | None = TYP_KB_JWT,
    iat: int = NOW,
    aud: str = AUD,
    nonce: str = NONCE,
    sd_hash: str | None = None,
    header: dict | None = None,
) -> str:
    """A presentation: ``sd_without_kb`` (ending in '~') plus a hand-made KB-JWT."""
    assert sd_without_kb.endswith("~")
    if sd_hash is None:
        sd_hash = b64u_encode(hashlib.sha256(sd_without_kb.encode("ascii")).digest())
    kb = key.sign(
        {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash}, typ=typ, header=header, include_kid=False
    )
    return sd_without_kb + kb


# ---------------------------------------------------------------------------------------------
# Issue / parse / resolve
# ---------------------------------------------------------------------------------------------


def test_round_trip_restores_every_claim():
    compact = full_issue()
    assert compact.endswith("~")
    sd, resolved = verify_issuer(compact)
    assert sd.kb_jwt is None
    assert resolved == claims()
    # the issuer-signed payload itself hides every disclosable claim
    for name in ("given_name", "family_name", "birthdate", "address"):
        assert name not in sd.payload
    assert all(isinstance(e, dict) and set(e) == {"..."} for e in sd.payload["nationalities"])
    # 3 flat + address + 4 address members + 2 nationalities
    assert len(sd.disclosures) == 10
    assert sd.serialize() == compact


def test_issuer_jwt_header_and_sd_alg():
    sd = SdJwt.parse(full_issue())
    assert sd.header["typ"] == TYP_SD_JWT_VC == "dc+sd-jwt"
    assert sd.header["alg"] == "ES256"
    assert sd.header["kid"] == ISSUER.kid
    assert sd.payload["_sd_alg"] == SD_ALG == "sha-256"
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    assert "_sd_alg" not in resolved and "_sd" not in resolved


def test_no_disclosable_claims_means_no_sd_machinery():
    compact = issue(claims(), ISSUER, disclosable=[])
    sd = SdJwt.parse(compact)
    assert sd.disclosures == [] and compact.endswith("~") and compact.count("~") == 1
    assert "_sd_alg" not in sd.payload and "_sd" not in sd.payload
    assert resolve_disclosures(sd.payload, [])[0] == claims()


def test_nested_disclosable_object():
    sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=ADDRESS_PATHS, decoys=False))
    assert "address" not in sd.payload
    by_name = {decode_disclosure(d)[1]: decode_disclosure(d) for d in sd.disclosures}
    assert set(by_name) == {"address", *ADDRESS}
    # the address disclosure carries only digests of its members, never their values
    address_value = by_name["address"][2]
    assert set(address_value) == {"_sd"}
    member_digests = {_digest(d) for d in sd.disclosures if decode_disclosure(d)[1] in ADDRESS}
    assert set(address_value["_sd"]) == member_digests
    resolved, placed = resolve_disclosures(sd.payload, sd.disclosures)
    assert resolved["address"] == ADDRESS
    assert {p.path for p in placed} == set(ADDRESS_PATHS)
    locality = next(p for p in placed if p.path == ("address", "locality"))
    assert locality.value == "Gatineau" and locality.digest == _digest(locality.disclosure)


def test_array_element_disclosures():
    sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=[("nationalities", None)]))
    assert len(sd.disclosures) == 2
    contents = [decode_disclosure(d) for d in sd.disclosures]
    assert all(len(c) == 2 for c in contents)  # [salt, value]: no claim name for array elements
    assert sorted(c[1] for c in contents) == ["CA", "FR"]
    assert [e["..."] for e in sd.payload["nationalities"]] == [
        _digest(d) for d in sorted(sd.disclosures, key=lambda d: ["CA", "FR"].index(decode_disclosure(d)[1]))
    ]
    resolved, placed = resolve_disclosures(sd.payload, sd.disclosures)
    assert resolved["nationalities"] == ["CA", "FR"]
    assert sorted(p.path for p in placed) == [("nationalities", 0), ("nationalities", 1)]
    # an element whose disclosure is withheld disappears from the array
    only_fr = [d for d in sd.disclosures if decode_disclosure(d)[1] == "FR"]
    assert resolve_disclosures(sd.payload, only_fr)[0]["nationalities"] == ["FR"]
    assert resolve_disclosures(sd.payload, [])[0]["nationalities"] == []


def test_array_of_objects_with_disclosable_members():
    payload = {"iss": "x", "degrees": [{"type": "BSc", "year": 2010}, {"type": "MSc", "year": 2012}]}
    compact = issue(payload, ISSUER, disclosable=[("degrees", None), ("degrees", None, "year")])
    sd = SdJwt.parse(compact)
    assert len(sd.disclosures) == 4
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    assert resolved == payload
    chosen = select_disclosures(sd, [("degrees", None, "type")])
    assert resolve_disclosures(sd.payload, chosen)[0]["degrees"] == [{"type": "BSc"}, {"type": "MSc"}]


def test_decoys_are_added_and_ignored():
    for _ in range(5):  # the number of decoys is random (1..3 per object)
        sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=FLAT + ADDRESS_PATHS))
        top_level = [
            d
            for d in sd.disclosures
            if decode_disclosure(d)[1] in ("given_name", "family_name", "birthdate", "address")
        ]
        assert len(top_level) == 4
        assert 4 + 1 <= len(sd.payload["_sd"]) <= 4 + 3
        assert sd.payload["_sd"] == sorted(sd.payload["_sd"])
        decoys = set(sd.payload["_sd"]) - {_digest(d) for d in top_level}
        assert decoys and all(len(b64u_decode(x)) == 32 for x in decoys)
        address = next(decode_disclosure(d)[2] for d in top_level if decode_disclosure(d)[1] == "address")
        assert len(address["_sd"]) > len(ADDRESS)
        assert resolve_disclosures(sd.payload, sd.disclosures)[0] == claims()


def test_without_decoys_digest_count_matches():
    sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=FLAT, decoys=False))
    assert sorted(sd.payload["_sd"]) == sorted(_digest(d) for d in sd.disclosures)


def test_hand_made_decoy_array_element_is_dropped():
    d = make_disclosure("salt-1", None, "CA")
    decoy = b64u_encode(hashlib.sha256(b"decoy").digest())
    other_decoy = b64u_encode(hashlib.sha256(b"other decoy").digest())
    payload = {"iss": "x", "nationalities": [{"...": decoy}, {"...": _digest(d)}, "US"], "_sd": [other_decoy]}
    resolved, placed = resolve_disclosures(payload, [d])
    assert resolved == {"iss": "x", "nationalities": ["CA", "US"]}
    assert placed[0].path == ("nationalities", 0)


@pytest.mark.parametrize("name", sorted(NEVER_DISCLOSABLE))
def test_never_disclosable_claims_refused_at_issuance(name):
    payload = claims() | {
        "status": {"status_list": {"idx": 1, "uri": "https://s"}},
        "nbf": NOW,
        "vct#integrity": "sha256-abc",
    }
    with pytest.raises(ValueError):
        issue(payload, ISSUER, disclosable=[(name,)])
    with pytest.raises(ValueError):
        issue(payload, ISSUER, disclosable=[[name]])  # lists are normalized to tuples too


def test_nested_claims_with_a_protected_name_may_be_disclosable():
    payload = {"iss": "x", "employer": {"iss": "inner", "exp": 5}}
    sd = SdJwt.parse(issue(payload, ISSUER, disclosable=[("employer", "iss"), ("employer", "exp")]))
    assert resolve_disclosures(sd.payload, sd.disclosures)[0] == payload


@pytest.mark.parametrize(
    "payload",
    [
        {"iss": "x", "_sd": ["a"]},
        {"iss": "x", "...": 1},
        {"iss": "x", "_sd_alg": "sha-256"},
        {"iss": "x", "address": {"_sd": []}},
        {"iss": "x", "list": [{"...": "digest"}]},
    ],
)
def test_reserved_claim_names_refused_at_issuance(payload):
    with pytest.raises(ValueError):
        issue(payload, ISSUER, disclosable=[])


# ---------------------------------------------------------------------------------------------
# Holder: select_disclosures / present
# ---------------------------------------------------------------------------------------------


DISCLOSABLE_NAMES = {"given_name", "family_name", "birthdate", "address", "nationalities"}
ALWAYS = {"iss", "iat", "exp", "vct", "cnf", "sub"}


def revealed(reveal) -> dict:
    p = present(full_issue(), HOLDER, reveal=reveal, aud=AUD, nonce=NONCE, iat=NOW)
    return verify_all(p)


def test_reveal_one_nested_member_only():
    resolved = revealed([("address", "locality")])
    assert resolved["address"] == {"locality": "Gatineau"}
    assert set(resolved) == ALWAYS | {"address", "nationalities"}
    assert resolved["nationalities"] == []


def test_reveal_a_whole_object_reveals_its_members():
    resolved = revealed([("address",)])
    assert resolved["address"] == ADDRESS
    assert set(resolved) - ALWAYS == {"address", "nationalities"}


def test_reveal_flat_claims_only():
    resolved = revealed([("given_name",), ("birthdate",)])
    assert resolved["given_name"] == "Émilie" and resolved["birthdate"] == "1990-02-03"
    assert set(resolved) == ALWAYS | {"given_name", "birthdate", "nationalities"}
    assert resolved["nationalities"] == []


def test_reveal_array_elements():
    assert revealed([("nationalities", None)])["nationalities"] == ["CA", "FR"]
    assert revealed([("nationalities", 1)])["nationalities"] == ["FR"]


def test_reveal_nothing_keeps_only_permanent_claims():
    resolved = revealed([])
    assert set(resolved) == ALWAYS | {"nationalities"}
    assert resolved["nationalities"] == []


def test_select_disclosures_returns_exactly_the_needed_ones():
    sd = SdJwt.parse(full_issue())
    chosen = select_disclosures(sd, [("address", "region"), ("family_name",)])
    names = sorted(decode_disclosure(d)[1] for d in chosen)
    assert names == ["address", "family_name", "region"]
    # kept in the issuer's order
    assert chosen == [d for d in sd.disclosures if d in chosen]
    assert select_disclosures(sd, [("no_such_claim",)]) == []


def test_key_binding_jwt_structure_and_sd_hash():
    issued = full_issue()
    p = present(issued, HOLDER, reveal=[("given_name",), ("address", "locality")], aud=AUD, nonce=NONCE, iat=NOW)
    head, kb = p.rsplit("~", 1)
    sd_part = head + "~"
    parts = sd_part.split("~")
    assert parts[0] == issued.split("~")[0]
    assert len([x for x in parts[1:] if x]) == 3  # given_name, address, locality
    kb_jws = Jws.parse(kb)
    assert kb_jws.header["typ"] == "kb+jwt" == TYP_KB_JWT
    assert kb_jws.header["alg"] == "ES256"
    assert set(kb_jws.payload) == {"iat", "aud", "nonce", "sd_hash"}
    assert kb_jws.payload["iat"] == NOW and kb_jws.payload["aud"] == AUD and kb_jws.payload["nonce"] == NONCE
    expected = base64.urlsafe_b64encode(hashlib.sha256(sd_part.encode("ascii")).digest()).rstrip(b"=").decode()
    assert kb_jws.payload["sd_hash"] == expected
    sd = SdJwt.parse(p)
    assert sd.kb_jwt == kb and sd.sd_hash() == expected and sd.without_kb() == sd_part
    kb_jws.verify(HOLDER.public_jwk)
    claims_out = verify_key_binding(
        sd, HOLDER.public_jwk, aud=AUD, nonce=NONCE, now=NOW, max_age=MAX_AGE, leeway=LEEWAY
    )
    assert claims_out == kb_jws.payload


def test_key_binding_without_disclosures():
    p = present(full_issue(), HOLDER, reveal=[], aud=AUD, nonce=NONCE, iat=NOW)
    jwt, kb = p.split("~")
    sd = SdJwt.parse(p)
    assert sd.disclosures == [] and sd.kb_jwt == kb
    assert Jws.parse(kb).payload["sd_hash"] == b64u_encode(hashlib.sha256((jwt + "~").encode()).digest())
    verify_all(p)


def test_vc_sd_jwt_typ_is_accepted():
    compact = issue(claims(), ISSUER, disclosable=FLAT, typ="vc+sd-jwt")
    sd = SdJwt.parse(compact)
    assert sd.header["typ"] == "vc+sd-jwt"
    sd.jws.check_header(ACCEPTED_TYPS)
    assert set(ACCEPTED_TYPS) == {"dc+sd-jwt", "vc+sd-jwt"}


# ---------------------------------------------------------------------------------------------
# Rejections, one reason code at a time
# ---------------------------------------------------------------------------------------------

# -- malformed_presentation


def test_malformed_no_tilde():
    jwt = ISSUER.sign({"iss": "x"}, typ=TYP_SD_JWT_VC)
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, jwt)
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, None)


@pytest.mark.parametrize("bad_jwt", ["abc", "a.b", "a.b.c.d", "", "eyJ9.e30"])
def test_malformed_jws_not_three_parts(bad_jwt):
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, bad_jwt + "~")


def test_malformed_bad_base64_or_json():
    jwt = ISSUER.sign({"iss": "x"}, typ=TYP_SD_JWT_VC)
    h, p, s = jwt.split(".")
    for bad in (
        f"{h}!.{p}.{s}",  # not in the base64url alphabet
        f"{h}.{p}.{s}=",  # padding
        f"{h}.{p[:-1]}*.{s}",
        f"{h}A.{p}.{s}" if len(h) % 4 == 0 else f"{h[:-1]}.{p}.{s}",  # garbled header
        f"{h}.{p}.{s}{'A' * ((1 - len(s)) % 4 or 4)}",  # length 1 mod 4: no base64 string has it
        f"{b64u_encode(b'not json')}.{p}.{s}",
        f"{b64u_encode(b'[1, 2]')}.{p}.{s}",  # JSON, but not an object
        f"{h}.{b64u_encode(b'{bad')}.{s}",
    ):
        rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, bad + "~")


def test_malformed_non_canonical_base64_is_refused():
    jwt = ISSUER.sign({"iss": "x"}, typ=TYP_SD_JWT_VC)
    h, p, s = jwt.split(".")
    # a 64-byte signature is 86 characters; the last one carries 2 bits and 4 unused ones
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(s[-1])
    twin = alphabet[last | 0b0001] if last & 0b0001 == 0 else alphabet[last & ~0b0001]
    assert base64.urlsafe_b64decode(s[:-1] + twin + "==") == base64.urlsafe_b64decode(s + "==")
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, f"{h}.{p}.{s[:-1]}{twin}~")
    with pytest.raises(ValueError):
        b64u_decode(s[:-1] + twin)


def test_malformed_empty_disclosure_and_non_ascii():
    jwt = ISSUER.sign({"iss": "x"}, typ=TYP_SD_JWT_VC)
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, jwt + "~~")
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, jwt + "~" + make_disclosure("s", "a", 1) + "~~")
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, jwt + "~WyJzIiwgImEiLCAxXQé~")


def test_malformed_non_json_constants_and_deep_nesting():
    header = {"alg": "ES256", "typ": TYP_SD_JWT_VC}
    nan = b64u_encode(b'{"iss": "x", "exp": NaN}')
    signing_input = f"{b64u_encode(canonical_json(header).encode())}.{nan}"
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, signing_input + "." + b64u_encode(b"\x00" * 64) + "~")
    deep = b64u_encode(b"[" * 50_000 + b"]" * 50_000)
    rejects(Reason.MALFORMED_PRESENTATION, SdJwt.parse, f"{deep}.{deep}.{deep}~")


def test_malformed_sd_structures_in_payload():
    d = make_disclosure("salt", "a", 1)
    rejects(Reason.MALFORMED_PRESENTATION, resolve_disclosures, {"_sd": _digest(d)}, [d])  # _sd not an array
    rejects(Reason.MALFORMED_PRESENTATION, resolve_disclosures, {"_sd": [1]}, [])  # digest not a string
    rejects(Reason.MALFORMED_PRESENTATION, resolve_disclosures, {"l": [{"...": _digest(d), "x": 1}]}, [])


# -- alg_not_allowed


def test_alg_none_with_empty_signature():
    token = raw_jws({"alg": "none", "typ": TYP_SD_JWT_VC}, {"iss": "https://issuer.example.ca"}) + "~"
    assert token.split("~")[0].endswith(".")
    sd = SdJwt.parse(token)
    assert sd.jws.signature == b""
    rejects(Reason.ALG_NOT_ALLOWED, sd.jws.check_header, ACCEPTED_TYPS)
    rejects(Reason.ALG_NOT_ALLOWED, sd.jws.verify, ISSUER.public_jwk)
    for alg in ("None", "NONE", "", None):
        jws = Jws.parse(raw_jws({"alg": alg, "typ": TYP_SD_JWT_VC}, {}))
        rejects(Reason.ALG_NOT_ALLOWED, jws.check_header, ACCEPTED_TYPS)


def test_hs256_signed_with_the_issuer_public_key_is_refused():
    """The algorithm-confusion attack: HMAC keyed with the issuer's *public* key material."""
    public = ISSUER.public_jwk
    header = {"alg": "HS256", "typ": TYP_SD_JWT_VC, "kid": ISSUER.kid}
    payload = {"iss": "https://issuer.example.ca", "vct": "urn:pctf:vct:person", "given_name": "Mallory"}
    # the classic secret is the PEM of the public key; the JWK JSON forms are tried too
    pem_bytes = ECAlgorithm.from_jwk(json.dumps(public)).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    for secret in (pem_bytes, canonical_json(public).encode(), json.dumps(public).encode()):
        signing_input = (
            f"{b64u_encode(canonical_json(header).encode())}.{b64u_encode(canonical_json(payload).encode())}"
        )
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{b64u_encode(mac)}"
        jws = Jws.parse(token)
        # the forged MAC is correct under the confused key: only the alg allow-list stops it
        assert hmac.compare_digest(hmac.new(secret, jws.signing_input, hashlib.sha256).digest(), jws.signature)
        rejects(Reason.ALG_NOT_ALLOWED, jws.check_header, ACCEPTED_TYPS)
        rejects(Reason.ALG_NOT_ALLOWED, jws.verify, public)


@pytest.mark.parametrize("alg", ["HS384", "HS512", "RS256", "PS256", "ES256K", ["ES256"], {"a": 1}, 256])
def test_other_algorithms_are_refused(alg):
    jws = Jws.parse(raw_jws({"alg": alg, "typ": TYP_SD_JWT_VC}, {"iss": "x"}, b"\x01" * 64))
    rejects(Reason.ALG_NOT_ALLOWED, jws.check_header, ACCEPTED_TYPS)
    rejects(Reason.ALG_NOT_ALLOWED, jws.verify, ISSUER.public_jwk)


# -- typ_invalid / crit_unsupported


@pytest.mark.parametrize("typ", ["JWT", "jwt", "example+sd-jwt", "kb+jwt", "DC+SD-JWT", None])
def test_typ_invalid(typ):
    jws = Jws.parse(ISSUER.sign({"iss": "x"}, typ=typ))
    assert jws.header.get("typ") == typ
    rejects(Reason.TYP_INVALID, jws.check_header, ACCEPTED_TYPS)
    jws.verify(ISSUER.public_jwk)  # the signature itself is fine


@pytest.mark.parametrize("typ", ACCEPTED_TYPS)
def test_accepted_typs(typ):
    Jws.parse(ISSUER.sign({"iss": "x"}, typ=typ)).check_header(ACCEPTED_TYPS)


def test_crit_unsupported():
    jws = Jws.parse(ISSUER.sign({"iss": "x"}, typ=TYP_SD_JWT_VC, header={"crit": ["b64"], "b64": False}))
    rejects(Reason.CRIT_UNSUPPORTED, jws.check_header, ACCEPTED_TYPS)
    jws = Jws.parse(ISSUER.sign({"iss": "x"}, typ=TYP_SD_JWT_VC, header={"crit": []}))
    rejects(Reason.CRIT_UNSUPPORTED, jws.check_header, ACCEPTED_TYPS)


# -- signature_invalid


def test_signature_wrong_key():
    sd = SdJwt.parse(full_issue())
    sd.jws.verify(ISSUER.public_jwk)
    rejects(Reason.SIGNATURE_INVALID, sd.jws.verify, OTHER.public_jwk)


def test_signature_attacker_jwk_in_header_is_ignored():
    attacker = generate_key()
    payload = {"iss": "https://issuer.example.ca", "vct": "urn:pctf:vct:person", "cnf": {"jwk": attacker.public_jwk}}
    token = attacker.sign(payload, typ=TYP_SD_JWT_VC, header={"jwk": attacker.public_jwk, "kid": ISSUER.kid})
    jws = Jws.parse(token)
    assert jws.header["jwk"] == attacker.public_jwk and jws.header["kid"] == ISSUER.kid
    jws.check_header(ACCEPTED_TYPS)
    jws.verify(attacker.public_jwk)  # well-formed: it verifies with the embedded key ...
    rejects(Reason.SIGNATURE_INVALID, jws.verify, ISSUER.public_jwk)  # ... but never with the issuer's


def test_signature_es256_header_with_p384_key():
    p384 = generate_key("ES384")
    assert p384.public_jwk["crv"] == "P-384"
    # a P-384 signature presented under an ES256 header
    jws = Jws.parse(p384.sign({"iss": "x"}, typ=TYP_SD_JWT_VC, header={"alg": "ES256"}))
    assert jws.header["alg"] == "ES256"
    rejects(Reason.SIGNATURE_INVALID, jws.verify, p384.public_jwk)
    # and a genuine ES256 token checked against a P-384 key
    rejects(Reason.SIGNATURE_INVALID, Jws.parse(ISSUER.sign({"iss": "x"})).verify, p384.public_jwk)
    # the honest ES384 case works
    Jws.parse(p384.sign({"iss": "x"})).verify(p384.public_jwk)


def test_signature_altered_payload_or_signature():
    jwt = ISSUER.sign({"iss": "x", "given_name": "Alice"}, typ=TYP_SD_JWT_VC)
    h, p, s = jwt.split(".")
    forged = b64u_encode(canonical_json({"iss": "x", "given_name": "Mallory"}).encode())
    rejects(Reason.SIGNATURE_INVALID, Jws.parse(f"{h}.{forged}.{s}").verify, ISSUER.public_jwk)
    rejects(
        Reason.SIGNATURE_INVALID, Jws.parse(f"{h}.{p}.{b64u_encode(b64u_decode(s)[:-1])}").verify, ISSUER.public_jwk
    )
    rejects(Reason.SIGNATURE_INVALID, Jws.parse(f"{h}.{p}.").verify, ISSUER.public_jwk)
    okp = {"kty": "OKP", "crv": "Ed25519", "x": b64u_encode(b"\x00" * 32)}
    rejects(Reason.SIGNATURE_INVALID, Jws.parse(jwt).verify, okp)


# -- sd_alg_unsupported


@pytest.mark.parametrize("alg", ["sha-512", "SHA-256", "sha256", "md5", 256, None])
def test_sd_alg_unsupported(alg):
    d = make_disclosure("salt", "given_name", "Alice")
    rejects(Reason.SD_ALG_UNSUPPORTED, resolve_disclosures, {"_sd_alg": alg, "_sd": [_digest(d)]}, [d])


def test_sd_alg_absent_defaults_to_sha256():
    d = make_disclosure("salt", "given_name", "Alice")
    assert resolve_disclosures({"_sd": [_digest(d)]}, [d])[0] == {"given_name": "Alice"}


# -- disclosure_malformed


@pytest.mark.parametrize(
    "disclosure",
    [
        "!!!!",
        b64u_encode(b"not json"),
        b64u_encode(b'{"salt": "s", "name": "a"}'),
        b64u_encode(b'["salt"]'),
        b64u_encode(b'["salt", "a", 1, 2]'),
        b64u_encode(b'[1, "a", 1]'),
        b64u_encode(b'["salt", 7, 1]'),
        b64u_encode(b'["salt", "a", NaN]'),
        b64u_encode(b"\xff\xfe"),
        "WyJzIiwgImEiLCAxXQé",
    ],
)
def test_disclosure_malformed(disclosure):
    rejects(Reason.DISCLOSURE_MALFORMED, resolve_disclosures, {"_sd": [_digest("x")]}, [disclosure])


# -- disclosure_shape_invalid


def test_disclosure_shape_array_element_referenced_from_object():
    d = make_disclosure("salt", None, "Alice")  # 2 elements
    rejects(Reason.DISCLOSURE_SHAPE_INVALID, resolve_disclosures, {"iss": "x", "_sd": [_digest(d)]}, [d])


def test_disclosure_shape_object_property_referenced_from_array():
    d = make_disclosure("salt", "given_name", "Alice")  # 3 elements
    rejects(Reason.DISCLOSURE_SHAPE_INVALID, resolve_disclosures, {"iss": "x", "list": [{"...": _digest(d)}]}, [d])


# -- disclosure_unreferenced


def test_disclosure_altered():
    sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=FLAT))
    target = next(d for d in sd.disclosures if decode_disclosure(d)[1] == "given_name")
    salt, name, _ = decode_disclosure(target)
    altered = make_disclosure(salt, name, "Mallory")
    disclosures = [altered if d == target else d for d in sd.disclosures]
    rejects(Reason.DISCLOSURE_UNREFERENCED, resolve_disclosures, sd.payload, disclosures)
    # even a re-encoding of the very same content (no space after commas) is a different disclosure
    reencoded = b64u_encode(json.dumps(decode_disclosure(target), separators=(",", ":")).encode())
    assert reencoded != target
    disclosures = [reencoded if d == target else d for d in sd.disclosures]
    rejects(Reason.DISCLOSURE_UNREFERENCED, resolve_disclosures, sd.payload, disclosures)


def test_disclosure_from_another_credential():
    mine = SdJwt.parse(issue(claims(), ISSUER, disclosable=FLAT))
    theirs = SdJwt.parse(issue(claims() | {"given_name": "Mallory"}, ISSUER, disclosable=FLAT))
    foreign = next(d for d in theirs.disclosures if decode_disclosure(d)[1] == "given_name")
    rejects(Reason.DISCLOSURE_UNREFERENCED, resolve_disclosures, mine.payload, [*mine.disclosures, foreign])
    # also when the own given_name is withheld (the foreign one would otherwise fill the gap)
    own = [d for d in mine.disclosures if decode_disclosure(d)[1] != "given_name"]
    rejects(Reason.DISCLOSURE_UNREFERENCED, resolve_disclosures, mine.payload, [*own, foreign])


def test_disclosure_sent_twice():
    sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=FLAT))
    rejects(Reason.DISCLOSURE_UNREFERENCED, resolve_disclosures, sd.payload, [*sd.disclosures, sd.disclosures[0]])


def test_nested_disclosure_without_its_parent_is_unreferenced():
    sd = SdJwt.parse(issue(claims(), ISSUER, disclosable=ADDRESS_PATHS))
    orphan = next(d for d in sd.disclosures if decode_disclosure(d)[1] == "locality")
    rejects(Reason.DISCLOSURE_UNREFERENCED, resolve_disclosures, sd.payload, [orphan])


# -- digest_duplicate


def test_digest_twice_in_sd():
    d = make_disclosure("salt", "given_name", "Alice")
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, {"_sd": [_digest(d), _digest(d)]}, [d])
    decoy = b64u_encode(hashlib.sha256(b"decoy").digest())
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, {"_sd": [decoy, decoy]}, [])


def test_digest_in_sd_and_in_array():
    element = make_disclosure("salt", None, "CA")  # fits the array; the _sd occurrence is the duplicate
    payload = {"_sd": [_digest(element)], "list": [{"...": _digest(element)}]}
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, payload, [element])
    decoy = b64u_encode(hashlib.sha256(b"decoy").digest())
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, {"_sd": [decoy], "list": [{"...": decoy}]}, [])
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, {"_sd": [decoy], "a": {"_sd": [decoy]}}, [])
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, {"l": [{"...": decoy}, {"...": decoy}]}, [])


def test_digest_repeated_inside_a_disclosure():
    inner = make_disclosure("s1", "locality", "Gatineau")
    outer = make_disclosure("s2", "address", {"_sd": [_digest(inner)]})
    payload = {"_sd": [_digest(outer)], "other": {"_sd": [_digest(inner)]}}
    rejects(Reason.DIGEST_DUPLICATE, resolve_disclosures, payload, [outer, inner])


# -- claim_name_reserved


@pytest.mark.parametrize("name,value", [("_sd", ["x"]), ("...", "x"), ("_sd", [])])
def test_claim_name_reserved(name, value):
    d = make_disclosure("salt", name, value)
    rejects(Reason.CLAIM_NAME_RESERVED, resolve_disclosures, {"iss": "x", "_sd": [_digest(d)]}, [d])
    nested = {"iss": "x", "address": {"_sd": [_digest(d)]}}
    rejects(Reason.CLAIM_NAME_RESERVED, resolve_disclosures, nested, [d])


def test_claim_name_sd_alg_reserved_at_top_level():
    # the processed payload never holds _sd_alg (RFC 9901 4.1.1: only the signed payload carries it)
    d = make_disclosure("salt", "_sd_alg", "md5")
    rejects(Reason.CLAIM_NAME_RESERVED, resolve_disclosures, {"iss": "x", "_sd": [_digest(d)]}, [d])
    # nested, it is an ordinary claim name (issue() accepts it there too)
    assert resolve_disclosures({"o": {"_sd": [_digest(d)]}}, [d])[0] == {"o": {"_sd_alg": "md5"}}


# -- claim_already_exists


def test_claim_already_exists():
    d = make_disclosure("salt", "given_name", "Mallory")
    rejects(Reason.CLAIM_ALREADY_EXISTS, resolve_disclosures, {"given_name": "Alice", "_sd": [_digest(d)]}, [d])
    d2 = make_disclosure("salt-2", "given_name", "Eve")
    rejects(Reason.CLAIM_ALREADY_EXISTS, resolve_disclosures, {"_sd": [_digest(d), _digest(d2)]}, [d, d2])


# -- claim_not_disclosable


@pytest.mark.parametrize("name", sorted(NEVER_DISCLOSABLE))
def test_claim_not_disclosable(name):
    d = make_disclosure("salt", name, "https://evil.example")
    payload = {"vct": "urn:x", "_sd": [_digest(d)]} if name != "vct" else {"iss": "y", "_sd": [_digest(d)]}
    rejects(Reason.CLAIM_NOT_DISCLOSABLE, resolve_disclosures, payload, [d])
    # the same claim name nested inside an object is an ordinary claim
    assert resolve_disclosures({"o": {"_sd": [_digest(d)]}}, [d])[0] == {"o": {name: "https://evil.example"}}


def test_signed_sd_jwt_with_disclosable_iss_is_refused():
    d = make_disclosure("salt", "iss", "https://issuer.example.ca")
    compact = sd_jwt_of({"vct": "urn:x", "_sd": [_digest(d)], "_sd_alg": "sha-256"}, [d])
    sd = SdJwt.parse(compact)
    sd.jws.check_header(ACCEPTED_TYPS)
    sd.jws.verify(ISSUER.public_jwk)
    rejects(Reason.CLAIM_NOT_DISCLOSABLE, resolve_disclosures, sd.payload, sd.disclosures)


# -- key binding


def _issued_sd_part() -> str:
    return issue(claims(), ISSUER, disclosable=FLAT + ADDRESS_PATHS)


def test_holder_binding_missing():
    rejects(Reason.HOLDER_BINDING_MISSING, verify_all, _issued_sd_part())


@pytest.mark.parametrize("typ", ["JWT", None, "dc+sd-jwt", "KB+JWT"])
def test_kb_typ_invalid(typ):
    p = kb_for(_issued_sd_part(), typ=typ)
    rejects(Reason.KB_TYP_INVALID, verify_all, p)


def test_kb_alg_none():
    sd_part = _issued_sd_part()
    sd_hash = b64u_encode(hashlib.sha256(sd_part.encode()).digest())
    kb = raw_jws({"alg": "none", "typ": TYP_KB_JWT}, {"iat": NOW, "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash})
    rejects(Reason.ALG_NOT_ALLOWED, verify_all, sd_part + kb)


def test_holder_binding_failed_other_key():
    p = kb_for(_issued_sd_part(), key=OTHER)
    rejects(Reason.HOLDER_BINDING_FAILED, verify_all, p)
    # an attacker jwk in the KB header changes nothing
    p = kb_for(_issued_sd_part(), key=OTHER, header={"jwk": OTHER.public_jwk})
    rejects(Reason.HOLDER_BINDING_FAILED, verify_all, p)


def test_sd_hash_mismatch_when_a_disclosure_is_removed():
    p = present(full_issue(), HOLDER, reveal=[("given_name",), ("family_name",)], aud=AUD, nonce=NONCE, iat=NOW)
    verify_all(p)
    parts = p.split("~")
    assert len(parts) == 4  # jwt, 2 disclosures, kb
    stripped = "~".join([parts[0], parts[1], parts[3]])
    resolved = verify_issuer(stripped)[1]  # the SD-JWT alone is still valid ...
    assert "given_name" in resolved or "family_name" in resolved
    rejects(Reason.SD_HASH_MISMATCH, verify_all, stripped)  # ... but the KB-JWT no longer covers it


def test_sd_hash_mismatch_when_a_disclosure_is_added():
    issued = full_issue()
    p = present(issued, HOLDER, reveal=[("given_name",)], aud=AUD, nonce=NONCE, iat=NOW)
    extra = next(d for d in SdJwt.parse(issued).disclosures if decode_disclosure(d)[1] == "birthdate")
    head, kb = p.rsplit("~", 1)
    rejects(Reason.SD_HASH_MISMATCH, verify_all, f"{head}~{extra}~{kb}")
    rejects(Reason.SD_HASH_MISMATCH, verify_all, kb_for(_issued_sd_part(), sd_hash=b64u_encode(b"\x00" * 32)))


def test_kb_iat_window():
    sd_part = _issued_sd_part()
    verify_all(kb_for(sd_part, iat=NOW + LEEWAY))
    verify_all(kb_for(sd_part, iat=NOW - MAX_AGE))
    rejects(Reason.KB_IAT_INVALID, verify_all, kb_for(sd_part, iat=NOW + LEEWAY + 1))  # future beyond leeway
    rejects(Reason.KB_IAT_INVALID, verify_all, kb_for(sd_part, iat=NOW + 3600))
    rejects(Reason.KB_IAT_INVALID, verify_all, kb_for(sd_part, iat=NOW - MAX_AGE - 1))  # too old
    rejects(Reason.KB_IAT_INVALID, verify_all, kb_for(sd_part, iat=0))


@pytest.mark.parametrize("iat", ["1760000000", None, True, [NOW]])
def test_kb_iat_not_a_number(iat):
    rejects(Reason.KB_IAT_INVALID, verify_all, kb_for(_issued_sd_part(), iat=iat))


def test_kb_iat_nan_is_refused():
    # NaN compares false with everything, so it would slip through both window checks
    rejects(Reason.MALFORMED_PRESENTATION, verify_all, kb_for(_issued_sd_part(), iat=float("nan")))


def test_nonce_mismatch():
    p = kb_for(_issued_sd_part(), nonce="another-nonce")
    rejects(Reason.NONCE_MISMATCH, verify_all, p)
    rejects(Reason.NONCE_MISMATCH, verify_all, kb_for(_issued_sd_part()), nonce="expected-other")


def test_audience_mismatch():
    rejects(Reason.AUDIENCE_MISMATCH, verify_all, kb_for(_issued_sd_part(), aud="https://other-verifier.example"))
    rejects(Reason.AUDIENCE_MISMATCH, verify_all, kb_for(_issued_sd_part()), aud="https://me.example")
    rejects(Reason.AUDIENCE_MISMATCH, verify_all, kb_for(_issued_sd_part(), aud=[AUD]))


def test_every_reason_above_is_a_distinct_code():
    codes = [
        Reason.MALFORMED_PRESENTATION,
        Reason.ALG_NOT_ALLOWED,
        Reason.TYP_INVALID,
        Reason.CRIT_UNSUPPORTED,
        Reason.SIGNATURE_INVALID,
        Reason.SD_ALG_UNSUPPORTED,
        Reason.DISCLOSURE_MALFORMED,
        Reason.DISCLOSURE_SHAPE_INVALID,
        Reason.DISCLOSURE_UNREFERENCED,
        Reason.DIGEST_DUPLICATE,
        Reason.CLAIM_NAME_RESERVED,
        Reason.CLAIM_ALREADY_EXISTS,
        Reason.CLAIM_NOT_DISCLOSABLE,
        Reason.HOLDER_BINDING_MISSING,
        Reason.KB_TYP_INVALID,
        Reason.HOLDER_BINDING_FAILED,
        Reason.SD_HASH_MISMATCH,
        Reason.KB_IAT_INVALID,
        Reason.NONCE_MISMATCH,
        Reason.AUDIENCE_MISMATCH,
    ]
    assert len({c.value for c in codes}) == len(codes)
    err = SandboxError(Reason.SD_HASH_MISMATCH, "msg")
    assert err.as_dict() == {"error": "sd_hash_mismatch", "error_description": "msg"}
