"""The adversarial corpus (tests/adversarial/corpus.py), each case its own test, and valid
presentations that must all be accepted: from our issuer service, from ``sdjwt.issue`` with the
vocabulary's disclosable paths, and from the ``sd-jwt`` reference library, with various
disclosure subsets.

A case passes when its attempt is refused with exactly its expected reason code: raised as a
:class:`~pctf.reasons.SandboxError`, or given as the only reason of a verdict that is not accepted.
"""

from __future__ import annotations

import json

import pytest
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

from pctf import sdjwt
from pctf.reasons import Reason, SandboxError
from pctf.storage import dispose_all
from pctf.vocab import credential_type
from tests.adversarial.corpus import CASES, Lab, by_name, catalogue
from tests.test_verifier_engine import (
    AUD,
    NONCE,
    ORG_CLAIMS,
    PERSON_CLAIMS,
    REL_CLAIMS,
    YEAR,
    bank,
    hand_issue,
    payload_for,
    present,
    sasha_presentations,
)
from verifier.verdict import Verdict


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    yield Lab(tmp_path_factory.mktemp("adversarial") / "data")
    dispose_all()


def refusal(outcome_of) -> list[str]:
    """The reason codes an attempt was refused with (an accepted attempt gives none)."""
    try:
        outcome = outcome_of()
    except SandboxError as exc:
        return [exc.reason.value]
    if isinstance(outcome, Verdict):
        return [] if outcome.accepted else outcome.reasons
    if isinstance(outcome, dict) and "accepted" in outcome:  # a verdict as a relying party stores it
        return [] if outcome["accepted"] else outcome["reasons"]
    return []


# ============================================================================================
# The corpus
# ============================================================================================
def test_the_corpus_holds_at_least_sixty_uniquely_named_cases():
    names = [c.name for c in CASES]
    assert len(names) >= 60
    assert len(set(names)) == len(names)
    assert all(isinstance(c.expected, Reason) and c.description and c.group for c in CASES)
    assert len(catalogue().splitlines()) == len(CASES)


@pytest.mark.parametrize("name", [c.name for c in CASES])
def test_hostile_input_is_refused_with_its_reason(lab, name):
    case = by_name()[name]
    assert refusal(case.build(lab)) == [case.expected.value], case.description


# ============================================================================================
# False rejections: valid presentations, all accepted
# ============================================================================================
def assert_accepted(verdict: Verdict) -> None:
    assert verdict.accepted, [c.as_dict() for c in verdict.checks if not c.passed]


def verify(lab: Lab, presentation: str, type_name: str) -> Verdict:
    return lab.world.engine.verify_single(
        presentation, aud=AUD, nonce=NONCE, expected_vcts=[credential_type(type_name).vct]
    )


SUBSETS = {
    "VerifiedPerson": [
        [],
        [("given_name",)],
        [("address",)],
        [("address", "locality")],
        [("birthdate",), ("address", "postal_code"), ("address", "country")],
        [("given_name",), ("family_name",), ("birthdate",), ("address",)],
    ],
    "VerifiedOrganization": [
        [],
        [("legal_name",)],
        [("registered_office", "locality")],
        [("legal_name",), ("business_number",), ("corporate_status",)],
    ],
    "VerifiedRelationship": [
        [],
        [("relationship_type",)],
        [("person", "given_name")],
        [("organization",)],
        [("relationship_type",), ("person",), ("organization",)],
    ],
}
ISSUED = {"VerifiedPerson": "person", "VerifiedOrganization": "organization", "VerifiedRelationship": "relationship"}
VALID_SUBSETS = [(t, i) for t, subsets in SUBSETS.items() for i in range(len(subsets))]


@pytest.mark.parametrize("type_name,subset", VALID_SUBSETS)
def test_our_issuers_credentials_are_accepted_with_any_disclosure_subset(lab, type_name, subset):
    issued = lab.world.issued[ISSUED[type_name]]
    assert_accepted(verify(lab, present(lab.world, issued, reveal=SUBSETS[type_name][subset]), type_name))


@pytest.mark.parametrize(
    "type_name,claims",
    [("VerifiedPerson", PERSON_CLAIMS), ("VerifiedOrganization", ORG_CLAIMS), ("VerifiedRelationship", REL_CLAIMS)],
)
@pytest.mark.parametrize("typ", ["dc+sd-jwt", "vc+sd-jwt"])
def test_credentials_from_the_codec_with_the_vocab_paths_are_accepted(lab, type_name, claims, typ):
    w = lab.world
    short_id = "prov1" if type_name == "VerifiedPerson" else "fed"
    issued = hand_issue(
        payload_for(w, type_name, claims, iss=w.iss(short_id)), w.issuers.signing_key(short_id), typ=typ
    )
    for reveal in SUBSETS[type_name]:
        assert_accepted(verify(lab, present(w, issued, reveal=reveal), type_name))


def test_sashas_bank_presentation_is_accepted(lab):
    assert_accepted(bank(lab.world, sasha_presentations(lab.world)))


# -- the sd-jwt reference library as issuer and as holder -----------------------------------------
def jwcrypto_key(jwk: dict) -> JWK:
    return JWK.from_json(json.dumps(jwk))


def their_claims(lab: Lab) -> dict:
    """Sasha's person credential as the reference library writes it: the vocabulary's disclosable
    paths (the claims and the address fields) wrapped in SDObj."""
    w = lab.world
    now = w.clock.timestamp()
    claims = {
        "iss": w.iss("prov1"),
        "iat": now,
        "exp": now + YEAR,
        "vct": credential_type("VerifiedPerson").vct,
        "assurance_level": 3,
    }
    paths = set(credential_type("VerifiedPerson").disclosable_paths())
    for name, value in PERSON_CLAIMS.items():
        if isinstance(value, dict):
            value = {SDObj(k) if (name, k) in paths else k: v for k, v in value.items()}
        claims[SDObj(name) if (name,) in paths else name] = value
    return claims


def their_issuance(lab: Lab) -> str:
    key = lab.world.issuers.signing_key("prov1")
    issuer = SDJWTIssuer(
        their_claims(lab),
        jwcrypto_key(key.private_jwk),
        holder_key=jwcrypto_key(lab.world.holder.private_jwk),
        add_decoy_claims=True,
        extra_header_parameters={"typ": sdjwt.TYP_SD_JWT_VC, "kid": key.kid},
    )
    return issuer.sd_jwt_issuance


THEIR_SELECTIONS = [
    {},
    {"given_name": True},
    {"address": {"locality": True}},
    {"given_name": True, "family_name": True, "birthdate": True, "address": True},
    {"address": {"street_address": True, "postal_code": True, "country": True}},
]


@pytest.fixture
def their_clock(lab, monkeypatch):
    """Their holder stamps the KB-JWT with time.time(): the lab's frozen time instead."""
    monkeypatch.setattr("sd_jwt.holder.time", lambda: lab.world.clock.timestamp())


@pytest.mark.parametrize("selection", range(len(THEIR_SELECTIONS)))
def test_the_reference_librarys_issuance_and_presentation_are_accepted(lab, their_clock, selection):
    holder = SDJWTHolder(their_issuance(lab))
    holder.create_presentation(
        THEIR_SELECTIONS[selection], nonce=NONCE, aud=AUD, holder_key=jwcrypto_key(lab.world.holder.private_jwk)
    )
    assert_accepted(verify(lab, holder.sd_jwt_presentation, "VerifiedPerson"))


@pytest.mark.parametrize("selection", range(len(THEIR_SELECTIONS)))
def test_the_reference_librarys_holder_on_our_credential_is_accepted(lab, their_clock, selection):
    holder = SDJWTHolder(lab.world.issued["person"])
    holder.create_presentation(
        THEIR_SELECTIONS[selection], nonce=NONCE, aud=AUD, holder_key=jwcrypto_key(lab.world.holder.private_jwk)
    )
    assert_accepted(verify(lab, holder.sd_jwt_presentation, "VerifiedPerson"))


def test_our_holder_on_the_reference_librarys_credential_is_accepted(lab):
    for reveal in SUBSETS["VerifiedPerson"]:
        assert_accepted(verify(lab, present(lab.world, their_issuance(lab), reveal=reveal), "VerifiedPerson"))
