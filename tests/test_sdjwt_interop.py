"""Interoperability with an independent SD-JWT implementation: the OpenWallet Foundation's
``sd-jwt`` package (module ``sd_jwt``, 0.10.x, built on jwcrypto).

(a) issued / presented by our codec, verified by theirs;
(b) issued / presented by theirs, verified by ours;
(c) mixed: their holder on our credentials and our holder on theirs;
(d) differential property: random claim sets and disclosure choices agree in both directions.

Their library's defaults that differ from ours: the issuer JWT ``typ`` is ``example+sd-jwt``
unless ``extra_header_parameters={"typ": ...}`` overrides it, and their verifier does not check
the KB-JWT ``iat``. See the module's last section for the RFC 9901 checks their verifier skips.
"""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwcrypto.jwk import JWK
from jwcrypto.jws import InvalidJWSSignature
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer
from sd_jwt.verifier import SDJWTVerifier

from pctf.jose import SigningKey, b64u_decode, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt import (
    ACCEPTED_TYPS,
    NEVER_DISCLOSABLE,
    SdJwt,
    issue,
    make_disclosure,
    present,
    resolve_disclosures,
    verify_key_binding,
)
from tests.test_sdjwt_properties import all_paths

OUR_ISSUER = generate_key()
OUR_HOLDER = generate_key()
THEIR_ISSUER = JWK.generate(kty="EC", crv="P-256")
THEIR_HOLDER = JWK.generate(kty="EC", crv="P-256")
AUD = "https://verifier.example.ca"
NONCE = "nonce-4f1c2a"


def now() -> int:
    return int(time.time())  # their holder stamps the KB-JWT with the wall clock


def jwcrypto_key(jwk: dict) -> JWK:
    return JWK.from_json(json.dumps(jwk))


def their_verifier(presentation: str, issuer_jwk: dict, **kw) -> SDJWTVerifier:
    seen = {}

    def issuer_key(iss, header):
        seen["iss"], seen["header"] = iss, header
        return jwcrypto_key(issuer_jwk)

    verifier = SDJWTVerifier(presentation, issuer_key, **kw)
    verifier.seen = seen
    return verifier


def our_verifier(presentation: str, issuer_jwk: dict, *, kb: bool = True, typs=ACCEPTED_TYPS) -> dict:
    sd = SdJwt.parse(presentation)
    sd.jws.check_header(typs)
    sd.jws.verify(issuer_jwk)
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    if kb:
        verify_key_binding(sd, resolved["cnf"]["jwk"], aud=AUD, nonce=NONCE, now=now(), max_age=300, leeway=30)
    return resolved


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


OUR_CLAIMS = {
    "iss": "https://issuer.example.ca",
    "iat": 1_700_000_000,
    "vct": "urn:pctf:vct:person",
    "cnf": {"jwk": OUR_HOLDER.public_jwk},
    "given_name": "Émilie",
    "family_name": "Tremblay",
    "address": {"street_address": "123 Rue Principale", "locality": "Gatineau", "country": "CA"},
    "nationalities": ["CA", "FR"],
    "degrees": [{"type": "BSc", "year": 2012}],
}
OUR_PATHS = [
    ("given_name",),
    ("family_name",),
    ("address",),
    ("address", "locality"),
    ("address", "street_address"),
    ("nationalities", None),
    ("degrees", None),
    ("degrees", None, "year"),
]


# ---------------------------------------------------------------------------------------------
# (a) ours -> theirs
# ---------------------------------------------------------------------------------------------


def test_our_issuance_verified_by_theirs():
    issued = issue(OUR_CLAIMS, OUR_ISSUER, disclosable=OUR_PATHS)
    verifier = their_verifier(issued, OUR_ISSUER.public_jwk)
    assert verifier.seen["iss"] == OUR_CLAIMS["iss"]
    assert verifier.seen["header"]["typ"] == "dc+sd-jwt" and verifier.seen["header"]["kid"] == OUR_ISSUER.kid
    assert canonical(verifier.get_verified_payload()) == canonical(OUR_CLAIMS)
    assert canonical(our_verifier(issued, OUR_ISSUER.public_jwk, kb=False)) == canonical(OUR_CLAIMS)


def test_our_presentation_with_key_binding_verified_by_theirs():
    issued = issue(OUR_CLAIMS, OUR_ISSUER, disclosable=OUR_PATHS)
    p = present(
        issued,
        OUR_HOLDER,
        reveal=[("given_name",), ("address", "locality"), ("nationalities", 1)],
        aud=AUD,
        nonce=NONCE,
        iat=now(),
    )
    theirs = their_verifier(p, OUR_ISSUER.public_jwk, expected_aud=AUD, expected_nonce=NONCE).get_verified_payload()
    ours = our_verifier(p, OUR_ISSUER.public_jwk)
    assert canonical(theirs) == canonical(ours)
    assert theirs["given_name"] == "Émilie"
    assert theirs["address"] == {"locality": "Gatineau", "country": "CA"}
    assert theirs["nationalities"] == ["FR"]
    assert theirs["degrees"] == []
    assert "family_name" not in theirs


def test_their_verifier_rejects_our_presentation_when_it_should():
    issued = issue(OUR_CLAIMS, OUR_ISSUER, disclosable=OUR_PATHS)
    p = present(issued, OUR_HOLDER, reveal=[("given_name",), ("family_name",)], aud=AUD, nonce=NONCE, iat=now())
    with pytest.raises(ValueError, match="nonce"):
        their_verifier(p, OUR_ISSUER.public_jwk, expected_aud=AUD, expected_nonce="other")
    with pytest.raises(ValueError, match="audience"):
        their_verifier(p, OUR_ISSUER.public_jwk, expected_aud="https://other.example", expected_nonce=NONCE)
    jwt, d1, _, kb = p.split("~")
    with pytest.raises(ValueError, match="digest"):  # sd_hash no longer matches
        their_verifier(f"{jwt}~{d1}~{kb}", OUR_ISSUER.public_jwk, expected_aud=AUD, expected_nonce=NONCE)
    with pytest.raises(InvalidJWSSignature):
        their_verifier(p, generate_key().public_jwk, expected_aud=AUD, expected_nonce=NONCE)
    forged_kb = present(issued, generate_key(), reveal=[("given_name",)], aud=AUD, nonce=NONCE, iat=now())
    with pytest.raises(InvalidJWSSignature):
        their_verifier(forged_kb, OUR_ISSUER.public_jwk, expected_aud=AUD, expected_nonce=NONCE)


# ---------------------------------------------------------------------------------------------
# (b) theirs -> ours
# ---------------------------------------------------------------------------------------------

THEIR_CLAIMS = {
    "iss": "https://their-issuer.example",
    "iat": 1_700_000_000,
    "vct": "urn:example:vct",
    SDObj("given_name"): "John",
    SDObj("family_name"): "Doe",
    "address": {SDObj("street_address"): "123 Main St", SDObj("locality"): "Anytown", "country": "US"},
    SDObj("employment"): {SDObj("employer"): "ACME", SDObj("since"): 2019, "role": "engineer"},
    "nationalities": [SDObj("US"), "DE", SDObj("CA")],
}
THEIR_PLAIN = {
    "iss": "https://their-issuer.example",
    "iat": 1_700_000_000,
    "vct": "urn:example:vct",
    "given_name": "John",
    "family_name": "Doe",
    "address": {"street_address": "123 Main St", "locality": "Anytown", "country": "US"},
    "employment": {"employer": "ACME", "since": 2019, "role": "engineer"},
    "nationalities": ["US", "DE", "CA"],
}


def their_issuance(typ: str | None = "dc+sd-jwt", decoys: bool = True) -> SDJWTIssuer:
    extra = {"typ": typ} if typ else {}
    return SDJWTIssuer(
        THEIR_CLAIMS, THEIR_ISSUER, holder_key=THEIR_HOLDER, add_decoy_claims=decoys, extra_header_parameters=extra
    )


def test_their_issuance_resolved_by_ours():
    issuer = their_issuance()
    sd = SdJwt.parse(issuer.sd_jwt_issuance)
    assert sd.header == {"alg": "ES256", "typ": "dc+sd-jwt"}
    assert len(sd.disclosures) == 9  # 2 flat, 2 address, employment + 2 members, 2 nationalities
    resolved = our_verifier(issuer.sd_jwt_issuance, THEIR_ISSUER.export_public(as_dict=True), kb=False)
    assert canonical(resolved) == canonical(THEIR_PLAIN | {"cnf": {"jwk": THEIR_HOLDER.export_public(as_dict=True)}})
    # their decoys (2-5 per object) are ignored by ours
    assert len(sd.payload["_sd"]) > 3


def test_their_presentation_with_key_binding_verified_by_ours():
    issuer = their_issuance()
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation(
        {
            "given_name": True,
            "address": {"locality": True},
            "employment": {"since": True},
            "nationalities": [False, None, True],
        },
        nonce=NONCE,
        aud=AUD,
        holder_key=THEIR_HOLDER,
    )
    p = holder.sd_jwt_presentation
    sd = SdJwt.parse(p)
    assert sd.kb_jwt and len(sd.disclosures) == 5
    resolved = our_verifier(p, THEIR_ISSUER.export_public(as_dict=True))
    assert resolved["given_name"] == "John"
    assert resolved["address"] == {"locality": "Anytown", "country": "US"}
    assert resolved["employment"] == {"since": 2019, "role": "engineer"}
    assert resolved["nationalities"] == ["DE", "CA"]
    assert "family_name" not in resolved
    theirs = their_verifier(
        p, THEIR_ISSUER.export_public(as_dict=True), expected_aud=AUD, expected_nonce=NONCE
    ).get_verified_payload()
    assert canonical(theirs) == canonical(resolved)
    # their KB-JWT: typ kb+jwt, iat/aud/nonce/sd_hash, sd_hash computed as RFC 9901 4.3.1 says
    kb = verify_key_binding(sd, resolved["cnf"]["jwk"], aud=AUD, nonce=NONCE, now=now(), max_age=300, leeway=30)
    assert set(kb) == {"iat", "aud", "nonce", "sd_hash"} and kb["sd_hash"] == sd.sd_hash()


def test_our_verifier_rejects_tampered_presentations_of_theirs():
    issuer = their_issuance()
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation({"given_name": True, "family_name": True}, nonce=NONCE, aud=AUD, holder_key=THEIR_HOLDER)
    p = holder.sd_jwt_presentation
    jwt, d1, d2, kb = p.split("~")
    issuer_jwk = THEIR_ISSUER.export_public(as_dict=True)
    with pytest.raises(SandboxError) as info:
        our_verifier(f"{jwt}~{d1}~{kb}", issuer_jwk)
    assert info.value.reason == Reason.SD_HASH_MISMATCH
    salt, name, _ = json.loads(b64u_decode(d1))
    altered = make_disclosure(salt, name, "Mallory")
    with pytest.raises(SandboxError) as info:
        our_verifier(f"{jwt}~{altered}~{d2}~{kb}", issuer_jwk)
    assert info.value.reason == Reason.DISCLOSURE_UNREFERENCED
    with pytest.raises(SandboxError) as info:
        our_verifier(p, generate_key().public_jwk)
    assert info.value.reason == Reason.SIGNATURE_INVALID


def test_their_default_typ_is_not_an_sd_jwt_vc_typ():
    issuer = their_issuance(typ=None)
    sd = SdJwt.parse(issuer.sd_jwt_issuance)
    assert sd.header["typ"] == "example+sd-jwt"
    with pytest.raises(SandboxError) as info:
        sd.jws.check_header(ACCEPTED_TYPS)
    assert info.value.reason == Reason.TYP_INVALID
    resolved = our_verifier(
        issuer.sd_jwt_issuance, THEIR_ISSUER.export_public(as_dict=True), kb=False, typs=("example+sd-jwt",)
    )
    assert resolved["given_name"] == "John"


# ---------------------------------------------------------------------------------------------
# (c) mixed holders
# ---------------------------------------------------------------------------------------------


def test_their_holder_on_our_credential_verified_by_ours():
    issued = issue(OUR_CLAIMS, OUR_ISSUER, disclosable=OUR_PATHS)
    holder = SDJWTHolder(issued)
    holder.create_presentation(
        {
            "family_name": True,
            "address": {"street_address": True},
            "nationalities": [True, False],
            "degrees": [{"year": True}],
        },
        nonce=NONCE,
        aud=AUD,
        holder_key=jwcrypto_key(OUR_HOLDER.private_jwk),
    )
    resolved = our_verifier(holder.sd_jwt_presentation, OUR_ISSUER.public_jwk)
    assert resolved["family_name"] == "Tremblay"
    assert resolved["address"] == {"street_address": "123 Rue Principale", "country": "CA"}
    assert resolved["nationalities"] == ["CA"]
    assert resolved["degrees"] == [{"type": "BSc", "year": 2012}]
    assert "given_name" not in resolved


def test_our_holder_on_their_credential_verified_by_theirs():
    issuer = their_issuance()
    our_holder_key = SigningKey(private_jwk=THEIR_HOLDER.export_private(as_dict=True))
    p = present(
        issuer.sd_jwt_issuance,
        our_holder_key,
        reveal=[("employment", "employer"), ("nationalities", 0)],
        aud=AUD,
        nonce=NONCE,
        iat=now(),
    )
    theirs = their_verifier(
        p, THEIR_ISSUER.export_public(as_dict=True), expected_aud=AUD, expected_nonce=NONCE
    ).get_verified_payload()
    assert theirs["employment"] == {"employer": "ACME", "role": "engineer"}
    assert theirs["nationalities"] == ["US", "DE"]
    assert "given_name" not in theirs and "family_name" not in theirs
    assert canonical(our_verifier(p, THEIR_ISSUER.export_public(as_dict=True))) == canonical(theirs)


# ---------------------------------------------------------------------------------------------
# (d) differential property
# ---------------------------------------------------------------------------------------------

RESERVED = {"_sd", "...", "_sd_alg"}
keys = st.text(max_size=6).filter(lambda k: k not in RESERVED)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(keys, c, max_size=3), max_leaves=10)
claim_sets = st.dictionaries(keys.filter(lambda k: k not in NEVER_DISCLOSABLE), values, max_size=5)


def as_sdobj(value, chosen, prefix=()):
    """The same claims in their issuer's input notation (SDObj marks what is disclosable)."""
    if isinstance(value, dict):
        return {
            (SDObj(k) if prefix + (k,) in chosen else k): as_sdobj(v, chosen, prefix + (k,)) for k, v in value.items()
        }
    if isinstance(value, list):
        items = [as_sdobj(v, chosen, prefix + (None,)) for v in value]
        return [SDObj(i) for i in items] if prefix + (None,) in chosen else items
    return value


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=st.data())
def test_differential_ours_to_theirs(data):
    claims = data.draw(claim_sets, label="claims")
    paths = sorted(set(all_paths(claims)), key=repr)
    chosen = data.draw(st.sets(st.sampled_from(paths)) if paths else st.just(set()), label="disclosable")
    issued = issue(claims, OUR_ISSUER, disclosable=chosen)
    theirs = their_verifier(issued, OUR_ISSUER.public_jwk).get_verified_payload()
    assert canonical(theirs) == canonical(claims)


@PROPERTY
@given(data=st.data())
def test_differential_theirs_to_ours(data):
    claims = data.draw(claim_sets, label="claims")
    paths = sorted(set(all_paths(claims)), key=repr)
    chosen = data.draw(st.sets(st.sampled_from(paths)) if paths else st.just(set()), label="disclosable")
    issuer = SDJWTIssuer(
        as_sdobj(claims, chosen),
        THEIR_ISSUER,
        add_decoy_claims=data.draw(st.booleans()),
        extra_header_parameters={"typ": "dc+sd-jwt"},
    )
    assert len(SdJwt.parse(issuer.sd_jwt_issuance).disclosures) == len(issuer.ii_disclosures)
    ours = our_verifier(issuer.sd_jwt_issuance, THEIR_ISSUER.export_public(as_dict=True), kb=False)
    assert canonical(ours) == canonical(claims)


# ---------------------------------------------------------------------------------------------
# RFC 9901 rules their verifier (0.10.x) does not enforce but ours does. These inputs are built
# with their issuer where possible, to show that the checks hold on foreign SD-JWTs too.
# ---------------------------------------------------------------------------------------------


def test_ours_rejects_a_foreign_disclosure_in_their_sd_jwt():
    # RFC 9901 7.1 step 5: an unreferenced Disclosure MUST make the SD-JWT invalid. Their verifier
    # ignores it (it only maps digests found in the payload).
    mine, other = their_issuance(), their_issuance()
    foreign = other.sd_jwt_issuance.split("~")[1]
    with pytest.raises(SandboxError) as info:
        our_verifier(mine.sd_jwt_issuance + foreign + "~", THEIR_ISSUER.export_public(as_dict=True), kb=False)
    assert info.value.reason == Reason.DISCLOSURE_UNREFERENCED


def test_ours_checks_kb_iat_on_their_presentation():
    # RFC 9901 7.3 step 5.5: their verifier does not look at the KB-JWT iat at all.
    issuer = their_issuance()
    holder = SDJWTHolder(issuer.sd_jwt_issuance)
    holder.create_presentation({"given_name": True}, nonce=NONCE, aud=AUD, holder_key=THEIR_HOLDER)
    sd = SdJwt.parse(holder.sd_jwt_presentation)
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    with pytest.raises(SandboxError) as info:
        verify_key_binding(sd, resolved["cnf"]["jwk"], aud=AUD, nonce=NONCE, now=now() + 3600, max_age=300, leeway=30)
    assert info.value.reason == Reason.KB_IAT_INVALID
