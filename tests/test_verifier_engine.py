"""The verification engine and the bank's BUSINESS_ACCOUNT policy, over real parts.

Real issuers mint real SD-JWT VCs, the real registry (seeded by ``cli.stack.bootstrap``)
is the engine's trust source through :class:`registry.local_trust.LocalTrust`, and presentations are
built with the codec the wallet uses. Every rejection test asserts three things: the verdict is
not accepted, the exact reason code, and the name of the check that failed (and, for the
engine's own checks, that verification of that credential stopped there).

Forgeries are built by hand where the issuer service would refuse to make them (an issuer
signing beyond its authorization, ``alg: none``, HMAC keyed with the public key, ...).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cli.stack import bootstrap
from issuers.service import IssuerService
from issuers.status import LocalStatusSource
from pctf import sdjwt
from pctf.clock import FrozenClock
from pctf.jose import SigningKey, b64u_decode, b64u_encode, canonical_json, generate_key
from pctf.reasons import Reason
from pctf.settings import Settings
from pctf.storage import dispose_all
from pctf.vocab import credential_type
from registry.local_trust import LocalTrust
from registry.service import RegistryService
from scenarios.personas import SASHA, SASHA_BUSINESS
from verifier.engine import VerificationEngine
from verifier.relying_parties import BUSINESS_ACCOUNT
from verifier.verdict import Verdict

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
BASE = "http://127.0.0.1:8600"
AUD = f"{BASE}/verifier/bank"
NONCE = "bank-nonce-5mJ0qk8VtA"
KB_MAX_AGE = 300
LEEWAY = 30
YEAR = 365 * 24 * 3600

ENGINE_CHECKS = (
    "format",
    "credential_type",
    "issuer_known",
    "signature",
    "disclosures",
    "validity",
    "issuer_key",
    "holder_binding",
    "issuer_authorized",
    "credential_status",
)
POLICY_CHECKS = ("claims_disclosed", "loa", "organization_active", "role_accepted", "linked", "same_holder")
QUERY_IDS = ("person", "organization", "relationship")
TYPES = {"person": "VerifiedPerson", "organization": "VerifiedOrganization", "relationship": "VerifiedRelationship"}
# What Sasha's wallet reveals: exactly the claims the bank's policy asks for.
REVEAL = {r.query_id: [tuple(p) for p in r.claims] for r in BUSINESS_ACCOUNT.requirements}

BN = "123456782"  # 12345678 + its Luhn check digit, as the registrar makes them
DIRECTOR = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
PERSON_CLAIMS = dict(SASHA)
ORG_CLAIMS = {
    "legal_name": SASHA_BUSINESS["legal_name"],
    "business_number": BN,
    "jurisdiction_of_incorporation": "CA",
    "corporate_status": "active",
    "incorporation_date": T0.date().isoformat(),
    "registered_office": SASHA_BUSINESS["registered_office"],
}
REL_CLAIMS = {
    "relationship_type": "director",
    "person": DIRECTOR,
    "organization": {"legal_name": SASHA_BUSINESS["legal_name"], "business_number": BN},
    "effective_date": T0.date().isoformat(),
}


# -- the world: one seeded registry, real issuers, Sasha's three credentials ----------------
@dataclass
class World:
    settings: Settings
    clock: FrozenClock
    issuers: IssuerService
    registry: RegistryService
    trust: LocalTrust
    engine: VerificationEngine
    holder: SigningKey
    issued: dict[str, str] = field(default_factory=dict)  # query id -> issuance form

    def iss(self, short_id: str) -> str:
        return self.issuers.issuer_url(short_id)

    def mint(
        self, short_id: str, type_name: str, claims: dict, holder: SigningKey | None = None, at: datetime | None = None
    ) -> str:
        """A real credential from the issuer service (at another time when ``at`` is given)."""
        service = self.issuers if at is None else IssuerService(self.settings, FrozenClock(at))
        return service.mint(short_id, type_name, claims, (holder or self.holder).public_jwk)

    def engine_at(self, when: datetime) -> VerificationEngine:
        # The issuers sign their status lists at the same moment as the verifier reads them.
        clock = FrozenClock(when)
        return VerificationEngine(
            self.trust,
            clock,
            status=LocalStatusSource(IssuerService(self.settings, clock)),
            kb_max_age=KB_MAX_AGE,
            leeway=LEEWAY,
        )


def make_world(data_dir: Path) -> World:
    settings = Settings(
        data_dir=data_dir,
        governance_token="test-governance-token",
        host="127.0.0.1",
        port=8600,
        public_url=BASE,
        registry_url=BASE,
        issuers_url=BASE,
    )
    clock = FrozenClock(T0)
    bootstrap(settings, clock)
    registry = RegistryService(settings, clock)
    trust = LocalTrust(registry)
    issuers = IssuerService(settings, clock)
    world = World(
        settings=settings,
        clock=clock,
        issuers=issuers,
        registry=registry,
        trust=trust,
        engine=VerificationEngine(
            trust, clock, status=LocalStatusSource(issuers), kb_max_age=KB_MAX_AGE, leeway=LEEWAY
        ),
        holder=generate_key(),
    )
    world.issued = {
        "person": world.mint("prov1", "VerifiedPerson", PERSON_CLAIMS),
        "organization": world.mint("fed", "VerifiedOrganization", ORG_CLAIMS),
        "relationship": world.mint("fed", "VerifiedRelationship", REL_CLAIMS),
    }
    return world


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    yield make_world(tmp_path_factory.mktemp("verifier-engine") / "data")
    dispose_all()


# -- presentations -----------------------------------------------------------------------
def present(
    w: World,
    issued: str,
    *,
    query_id: str = "person",
    holder: SigningKey | None = None,
    reveal: list | None = None,
    aud: str = AUD,
    nonce: str = NONCE,
    iat: int | None = None,
) -> str:
    return sdjwt.present(
        issued,
        holder or w.holder,
        reveal=REVEAL[query_id] if reveal is None else reveal,
        aud=aud,
        nonce=nonce,
        iat=w.clock.timestamp() if iat is None else iat,
    )


def sasha_presentations(w: World, *, holders: dict | None = None, iat: int | None = None, **issued: str) -> dict:
    """Sasha's three presentations (query id -> presentation); ``issued`` replaces a credential."""
    creds = {**w.issued, **issued}
    holders = holders or {}
    return {q: present(w, creds[q], query_id=q, holder=holders.get(q), iat=iat) for q in QUERY_IDS}


def vp_token(presentations: dict) -> dict:
    return {q: [p] for q, p in presentations.items()}


def bank(
    w: World, presentations: dict | object, *, engine: VerificationEngine | None = None, wrap: bool = True
) -> Verdict:
    token = vp_token(presentations) if wrap and isinstance(presentations, dict) else presentations
    return (engine or w.engine).verify_presentation(BUSINESS_ACCOUNT, token, aud=AUD, nonce=NONCE, verifier="bank")


def with_kb(
    w: World,
    issuer_jwt: str,
    disclosures: list[str],
    *,
    holder: SigningKey | None = None,
    aud: str = AUD,
    nonce: str = NONCE,
    iat: int | None = None,
    typ: str = sdjwt.TYP_KB_JWT,
) -> str:
    """``issuer_jwt~disclosures~`` plus a KB-JWT over exactly that (built by hand)."""
    body = "~".join([issuer_jwt, *disclosures]) + "~"
    sd_hash = b64u_encode(hashlib.sha256(body.encode("ascii")).digest())
    kb = (holder or w.holder).sign(
        {"iat": w.clock.timestamp() if iat is None else iat, "aud": aud, "nonce": nonce, "sd_hash": sd_hash},
        typ=typ,
        include_kid=False,
    )
    return body + kb


def decode_disclosure(disclosure: str) -> list:
    return json.loads(b64u_decode(disclosure))


def disclosure_named(disclosures: list[str], name: str) -> str:
    return next(d for d in disclosures if len(decode_disclosure(d)) == 3 and decode_disclosure(d)[1] == name)


# -- credentials built by hand -------------------------------------------------------------
def payload_for(
    w: World,
    type_name: str,
    claims: dict,
    *,
    iss: str,
    holder: SigningKey | None = None,
    iat: int | None = None,
    **extra,
) -> dict:
    """An SD-JWT VC payload like IssuerService.mint makes; ``extra`` overrides (None removes)."""
    now = w.clock.timestamp() if iat is None else iat
    payload = {
        "iss": iss,
        "iat": now,
        "exp": now + YEAR,
        "vct": credential_type(type_name).vct,
        "cnf": {"jwk": (holder or w.holder).public_jwk},
        "assurance_level": 3,
        **claims,
        **extra,
    }
    return {k: v for k, v in payload.items() if v is not None}


def hand_issue(payload: dict, key, *, typ: str = sdjwt.TYP_SD_JWT_VC) -> str:
    return sdjwt.issue(payload, key, disclosable=credential_type(payload["vct"]).disclosable_paths(), typ=typ)


class HeaderKey:
    """Signs like ``key`` but with extra JOSE header members (e.g. someone else's ``kid``)."""

    def __init__(self, key: SigningKey, header: dict) -> None:
        self.key, self.header = key, header

    def sign(
        self, payload: dict, *, typ: str | None = None, header: dict | None = None, include_kid: bool = True
    ) -> str:
        return self.key.sign(payload, typ=typ, header={**self.header, **(header or {})}, include_kid=include_kid)


def resign_issuer_jwt(issued: str, header: dict, sign) -> str:
    """The same payload and disclosures under a hand-made header and ``sign(signing_input)``."""
    sd = sdjwt.SdJwt.parse(issued)
    signing_input = f"{b64u_encode(canonical_json(header).encode())}.{sd.issuer_jwt.split('.')[1]}"
    jwt = f"{signing_input}.{b64u_encode(sign(signing_input.encode('ascii')))}"
    return "~".join([jwt, *sd.disclosures]) + "~"


def registered_key(w: World, short_id: str) -> dict:
    return w.trust.issuer_jwks(w.iss(short_id))["keys"][0]


# -- assertions ------------------------------------------------------------------------------
def failed(verdict: Verdict) -> list:
    return [c for c in verdict.checks if not c.passed]


def assert_accepted(verdict: Verdict) -> None:
    assert verdict.accepted is True, [c.as_dict() for c in failed(verdict)]
    assert verdict.reasons == []


def assert_rejected(verdict: Verdict, reason: Reason, check: str, credentials: str | set | None) -> None:
    """Rejected for ``reason`` only, every failing check being ``check`` on ``credentials``."""
    assert verdict.accepted is False
    assert verdict.reasons == [reason.value], [c.as_dict() for c in failed(verdict)]
    bad = failed(verdict)
    assert bad
    assert {(c.name, c.reason) for c in bad} == {(check, reason.value)}, [c.as_dict() for c in bad]
    expected = credentials if isinstance(credentials, set) else {credentials}
    assert {c.credential for c in bad} == expected
    if check in ENGINE_CHECKS:
        # The first failure stops that credential's verification: nothing after it was checked,
        # everything before it passed, and no policy check was made over it.
        for label in expected:
            names = [c.name for c in verdict.checks if c.credential == label]
            assert names == list(ENGINE_CHECKS[: ENGINE_CHECKS.index(check) + 1])
            assert label not in verdict.credentials


def person_only(w: World, person_presentation: str, **kw) -> Verdict:
    """The bank's verdict when Sasha's person presentation is replaced by ``person_presentation``."""
    return bank(w, {**sasha_presentations(w), "person": person_presentation}, **kw)


# ============================================================================================
# Happy path
# ============================================================================================
def test_sasha_is_accepted_with_every_check_recorded(world):
    verdict = bank(world, sasha_presentations(world))

    assert_accepted(verdict)
    assert verdict.policy == "business-bank-account" and verdict.verifier == "bank"
    for q in QUERY_IDS:
        names = [c.name for c in verdict.checks if c.credential == q]
        assert names[: len(ENGINE_CHECKS)] == list(ENGINE_CHECKS), q
        assert "claims_disclosed" in names
    names = [c.name for c in verdict.checks]
    assert set(ENGINE_CHECKS + POLICY_CHECKS) <= set(names)
    counts = Counter(names)
    assert counts["claims_disclosed"] == 3 and counts["loa"] == 1 and counts["same_holder"] == 1
    assert counts["linked"] == len(BUSINESS_ACCOUNT.links) == 5
    assert all(counts[n] == 3 for n in ENGINE_CHECKS)
    assert [c.credential for c in verdict.checks if c.name == "organization_active"] == ["organization"]
    assert [c.credential for c in verdict.checks if c.name == "role_accepted"] == ["relationship"]

    creds = verdict.credentials
    assert creds["person"]["type"] == "VerifiedPerson" and creds["person"]["issuer"] == world.iss("prov1")
    assert creds["organization"]["issuer"] == creds["relationship"]["issuer"] == world.iss("fed")
    assert creds["person"]["claims"] == {**SASHA, "assurance_level": 3}
    assert creds["organization"]["claims"]["business_number"] == BN
    assert creds["relationship"]["claims"]["person"] == DIRECTOR
    for c in creds.values():  # technical claims are not part of the disclosed view
        assert not {"iss", "iat", "exp", "vct", "cnf", "_sd_alg", "_sd"} & set(c["claims"])
    # Only what the policy asked for was disclosed (incorporation_date, registered_office stay hidden).
    assert "incorporation_date" not in creds["organization"]["claims"]
    assert "effective_date" not in creds["relationship"]["claims"]


def test_vp_token_entries_may_be_bare_strings(world):
    assert_accepted(bank(world, sasha_presentations(world), wrap=False))


def test_legacy_vc_sd_jwt_typ_is_accepted(world):
    issued = hand_issue(
        payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1")),
        world.issuers.signing_key("prov1"),
        typ="vc+sd-jwt",
    )
    verdict = person_only(world, present(world, issued))
    assert_accepted(verdict)
    fmt = next(c for c in verdict.checks if c.name == "format" and c.credential == "person")
    assert "vc+sd-jwt" in fmt.detail


@pytest.mark.parametrize("typ", ["JWT", "kb+jwt", "example+sd-jwt"])
def test_other_issuer_jwt_typ_is_rejected(world, typ):
    issued = hand_issue(
        payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1")),
        world.issuers.signing_key("prov1"),
        typ=typ,
    )
    assert_rejected(person_only(world, present(world, issued)), Reason.TYP_INVALID, "format", "person")


# ============================================================================================
# Issuer signature and trust
# ============================================================================================
def _hs256_canonical(w: World) -> bytes:
    return canonical_json(registered_key(w, "prov1")).encode()


def _hs256_plain(w: World) -> bytes:
    return json.dumps(registered_key(w, "prov1")).encode()


@pytest.mark.parametrize(
    "alg,secret", [("none", None), ("HS256", _hs256_canonical), ("HS256", _hs256_plain), ("HS512", _hs256_canonical)]
)
def test_alg_none_and_hmac_confusion_are_refused(world, alg, secret):
    header = {"alg": alg, "typ": sdjwt.TYP_SD_JWT_VC, "kid": registered_key(world, "prov1")["kid"]}
    if secret is None:
        sign = lambda _data: b""  # noqa: E731
    else:
        key = secret(world)
        digest = hashlib.sha512 if alg == "HS512" else hashlib.sha256
        sign = lambda data: hmac.new(key, data, digest).digest()  # noqa: E731
    forged = resign_issuer_jwt(world.issued["person"], header, sign)
    assert_rejected(person_only(world, present(world, forged)), Reason.ALG_NOT_ALLOWED, "format", "person")


@pytest.mark.parametrize("embed_jwk", [False, True], ids=["kid-only", "kid-and-attacker-jwk"])
def test_attacker_signature_under_the_issuers_kid_is_invalid(world, embed_jwk):
    attacker = generate_key()
    header = {"kid": world.issuers.signing_key("prov1").kid}
    if embed_jwk:
        header["jwk"] = attacker.public_jwk
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"))
    forged = hand_issue(payload, HeaderKey(attacker, header))
    assert sdjwt.SdJwt.parse(forged).header["kid"] == registered_key(world, "prov1")["kid"]
    assert_rejected(person_only(world, present(world, forged)), Reason.SIGNATURE_INVALID, "signature", "person")


def test_tampered_issuer_payload_breaks_the_signature(world):
    sd = sdjwt.SdJwt.parse(world.issued["person"])
    header, body, sig = sd.issuer_jwt.split(".")
    payload = json.loads(b64u_decode(body))
    payload["assurance_level"] = 4
    tampered = ".".join([header, b64u_encode(canonical_json(payload).encode()), sig])
    forged = "~".join([tampered, *sd.disclosures]) + "~"
    assert_rejected(person_only(world, present(world, forged)), Reason.SIGNATURE_INVALID, "signature", "person")


@pytest.mark.parametrize("signer", ["attacker", "fed"])
def test_kid_not_registered_for_the_issuer(world, signer):
    # An attacker's own key, or another registered issuer's real key: neither is prov1's.
    key = generate_key() if signer == "attacker" else world.issuers.signing_key("fed")
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"))
    forged = hand_issue(payload, key)
    assert_rejected(person_only(world, present(world, forged)), Reason.ISSUER_KEY_UNKNOWN, "signature", "person")


def test_issuer_not_in_registry(world):
    attacker = generate_key()
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss="https://issuers.example.net/issuers/prov1")
    forged = hand_issue(payload, attacker)
    assert_rejected(person_only(world, present(world, forged)), Reason.ISSUER_UNKNOWN, "issuer_known", "person")


def test_person_issuer_signing_an_organization_is_not_authorized(world):
    payload = payload_for(world, "VerifiedOrganization", ORG_CLAIMS, iss=world.iss("prov1"))
    forged = hand_issue(payload, world.issuers.signing_key("prov1"))
    verdict = bank(
        world, {**sasha_presentations(world), "organization": present(world, forged, query_id="organization")}
    )
    assert_rejected(verdict, Reason.ISSUER_NOT_AUTHORIZED, "issuer_authorized", "organization")


def test_issuer_claiming_a_loa_above_its_authorization_is_not_authorized(world):
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"), assurance_level=4)
    forged = hand_issue(payload, world.issuers.signing_key("prov1"))
    verdict = person_only(world, present(world, forged))
    assert_rejected(verdict, Reason.ISSUER_NOT_AUTHORIZED, "issuer_authorized", "person")
    assert "level of assurance" in failed(verdict)[0].detail


def test_credential_backdated_before_the_authorization_is_not_authorized(world):
    # The registry is asked about the time of issuance (iat): prov1 was not accredited yet.
    payload = payload_for(
        world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"), iat=world.clock.timestamp() - 24 * 3600
    )
    forged = hand_issue(payload, world.issuers.signing_key("prov1"))
    assert_rejected(
        person_only(world, present(world, forged)), Reason.ISSUER_NOT_AUTHORIZED, "issuer_authorized", "person"
    )


def test_suspended_issuer_and_suspended_authorization(tmp_path):
    w = make_world(tmp_path / "data")  # its own registry: suspension must not leak into other tests
    assert_accepted(bank(w, sasha_presentations(w)))

    w.registry.set_entity_status(w.iss("prov1"), "suspended", reason="governance review")
    assert_rejected(bank(w, sasha_presentations(w)), Reason.ISSUER_SUSPENDED, "issuer_authorized", "person")
    w.registry.set_entity_status(w.iss("prov1"), "active")
    assert_accepted(bank(w, sasha_presentations(w)))

    # One authorization suspended (fed's VerifiedOrganization grant), the entity still active.
    auth = next(
        a
        for a in w.registry.entity(w.iss("fed"))["authorizations"]
        if a["resource"] == credential_type("VerifiedOrganization").vct
    )
    w.registry.set_authorization_status(auth["id"], "suspended", reason="governance review")
    assert_rejected(bank(w, sasha_presentations(w)), Reason.ISSUER_SUSPENDED, "issuer_authorized", "organization")

    # A revoked issuer is not "suspended": it is no longer authorized at all.
    w.registry.set_entity_status(w.iss("prov1"), "revoked", reason="governance review")
    verdict = bank(w, sasha_presentations(w))
    assert verdict.accepted is False
    assert set(verdict.reasons) == {Reason.ISSUER_NOT_AUTHORIZED.value, Reason.ISSUER_SUSPENDED.value}
    assert {(c.credential, c.name, c.reason) for c in failed(verdict)} == {
        ("person", "issuer_authorized", Reason.ISSUER_NOT_AUTHORIZED.value),
        ("organization", "issuer_authorized", Reason.ISSUER_SUSPENDED.value),
    }


# ============================================================================================
# Validity period
# ============================================================================================
def test_expired_credentials(world):
    later = T0 + timedelta(days=366)
    engine = world.engine_at(later)
    # The KB-JWTs are fresh (made at the new time): only the credentials' exp is at fault.
    verdict = bank(world, sasha_presentations(world, iat=int(later.timestamp())), engine=engine)
    assert_rejected(verdict, Reason.CREDENTIAL_EXPIRED, "validity", set(QUERY_IDS))


@pytest.mark.parametrize("after_exp,ok", [(LEEWAY - 1, True), (LEEWAY, False)])
def test_expiry_leeway_boundary(world, after_exp, ok):
    exp = int((T0 + timedelta(days=world.settings.credential_lifetime_days)).timestamp())
    now = exp + after_exp
    engine = world.engine_at(datetime.fromtimestamp(now, UTC))
    verdict = engine.verify_single(present(world, world.issued["person"], iat=now), aud=AUD, nonce=NONCE)
    if ok:
        assert_accepted(verdict)
    else:
        assert_rejected(verdict, Reason.CREDENTIAL_EXPIRED, "validity", "credential")


@pytest.mark.parametrize("ahead,ok", [(LEEWAY, True), (LEEWAY + 1, False), (3600, False)])
def test_credential_issued_in_the_future(world, ahead, ok):
    issued = world.mint("prov1", "VerifiedPerson", PERSON_CLAIMS, at=T0 + timedelta(seconds=ahead))
    verdict = person_only(world, present(world, issued))
    if ok:
        assert_accepted(verdict)
    else:
        assert_rejected(verdict, Reason.CREDENTIAL_NOT_YET_VALID, "validity", "person")


def test_credential_with_nbf_in_the_future(world):
    payload = payload_for(
        world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"), nbf=world.clock.timestamp() + 3600
    )
    issued = hand_issue(payload, world.issuers.signing_key("prov1"))
    assert_rejected(person_only(world, present(world, issued)), Reason.CREDENTIAL_NOT_YET_VALID, "validity", "person")


# ============================================================================================
# Holder binding (KB-JWT)
# ============================================================================================
def test_holder_binding_missing(world):
    good = present(world, world.issued["person"])
    without_kb = sdjwt.SdJwt.parse(good).without_kb()
    assert_rejected(person_only(world, without_kb), Reason.HOLDER_BINDING_MISSING, "holder_binding", "person")


def test_holder_binding_signed_by_another_key(world):
    stolen = present(world, world.issued["person"], holder=generate_key())
    assert_rejected(person_only(world, stolen), Reason.HOLDER_BINDING_FAILED, "holder_binding", "person")


def test_nonce_mismatch(world):
    replay = present(world, world.issued["person"], nonce="a-nonce-from-another-request")
    assert_rejected(person_only(world, replay), Reason.NONCE_MISMATCH, "holder_binding", "person")


def test_audience_mismatch(world):
    elsewhere = present(world, world.issued["person"], aud=f"{BASE}/verifier/another-bank")
    assert_rejected(person_only(world, elsewhere), Reason.AUDIENCE_MISMATCH, "holder_binding", "person")


@pytest.mark.parametrize(
    "offset,ok",
    [(-KB_MAX_AGE, True), (-KB_MAX_AGE - 1, False), (-3 * 3600, False), (LEEWAY, True), (LEEWAY + 1, False)],
)
def test_kb_jwt_freshness(world, offset, ok):
    pres = present(world, world.issued["person"], iat=world.clock.timestamp() + offset)
    verdict = person_only(world, pres)
    if ok:
        assert_accepted(verdict)
    else:
        assert_rejected(verdict, Reason.KB_IAT_INVALID, "holder_binding", "person")


def test_sd_hash_mismatch_when_a_disclosure_is_dropped_after_signing(world):
    sd = sdjwt.SdJwt.parse(present(world, world.issued["person"]))
    dropped = disclosure_named(sd.disclosures, "given_name")
    rest = [d for d in sd.disclosures if d != dropped]
    pres = "~".join([sd.issuer_jwt, *rest]) + "~" + sd.kb_jwt
    assert_rejected(person_only(world, pres), Reason.SD_HASH_MISMATCH, "holder_binding", "person")


@pytest.mark.parametrize("how", ["altered", "foreign"])
def test_altered_or_foreign_disclosure_is_unreferenced(world, how):
    sd = sdjwt.SdJwt.parse(present(world, world.issued["person"]))
    target = disclosure_named(sd.disclosures, "given_name")
    if how == "altered":
        salt, name, _ = decode_disclosure(target)
        replacement = sdjwt.make_disclosure(salt, name, "Alex")
    else:  # a genuine disclosure, but from another credential (signed by another issuer)
        org = sdjwt.SdJwt.parse(world.issued["organization"])
        replacement = disclosure_named(org.disclosures, "legal_name")
    disclosures = [replacement if d == target else d for d in sd.disclosures]
    # The holder re-signs its KB-JWT over the altered set, so only the disclosure is at fault.
    pres = with_kb(world, sd.issuer_jwt, disclosures)
    assert_rejected(person_only(world, pres), Reason.DISCLOSURE_UNREFERENCED, "disclosures", "person")


@pytest.mark.parametrize("typ", ["JWT", "dc+sd-jwt", None])
def test_kb_jwt_with_wrong_typ(world, typ):
    sd = sdjwt.SdJwt.parse(present(world, world.issued["person"]))
    pres = with_kb(world, sd.issuer_jwt, sd.disclosures, typ=typ)
    assert_rejected(person_only(world, pres), Reason.KB_TYP_INVALID, "holder_binding", "person")


# ============================================================================================
# What the bank's policy adds
# ============================================================================================
def test_organization_presented_as_the_person(world):
    pres = present(world, world.issued["organization"], query_id="organization")
    assert_rejected(person_only(world, pres), Reason.VCT_UNEXPECTED, "credential_type", "person")


def test_person_without_address(world):
    pres = present(world, world.issued["person"], reveal=[("given_name",), ("family_name",), ("birthdate",)])
    verdict = person_only(world, pres)
    assert_rejected(verdict, Reason.CLAIMS_NOT_DISCLOSED, "claims_disclosed", "person")
    assert "address" in failed(verdict)[0].detail


def test_person_from_a_loa2_territory(world):
    issued = world.mint("terr2", "VerifiedPerson", PERSON_CLAIMS)
    verdict = person_only(world, present(world, issued))
    assert_rejected(verdict, Reason.LOA_TOO_LOW, "loa", "person")
    # The issuer itself was within its authorization (LoA 2): it is the bank that wants 3.
    assert next(c for c in verdict.checks if c.name == "issuer_authorized" and c.credential == "person").passed


def test_dissolved_organization(world):
    issued = world.mint("fed", "VerifiedOrganization", {**ORG_CLAIMS, "corporate_status": "dissolved"})
    verdict = bank(world, sasha_presentations(world, organization=issued))
    assert_rejected(verdict, Reason.ORGANIZATION_INACTIVE, "organization_active", "organization")


def test_delegate_is_not_an_accepted_role(world):
    issued = world.mint("fed", "VerifiedRelationship", {**REL_CLAIMS, "relationship_type": "delegate"})
    verdict = bank(world, sasha_presentations(world, relationship=issued))
    assert_rejected(verdict, Reason.ROLE_NOT_ACCEPTED, "role_accepted", "relationship")


def test_relationship_naming_another_person(world):
    rel = {**REL_CLAIMS, "person": {**DIRECTOR, "birthdate": "1990-02-01"}}
    verdict = bank(world, sasha_presentations(world, relationship=world.mint("fed", "VerifiedRelationship", rel)))
    assert_rejected(verdict, Reason.CLAIMS_NOT_LINKED, "linked", "relationship")
    assert len(failed(verdict)) == 1 and "person.birthdate" in failed(verdict)[0].detail


def test_relationship_naming_another_business(world):
    rel = {**REL_CLAIMS, "organization": {**REL_CLAIMS["organization"], "business_number": "876543217"}}
    verdict = bank(world, sasha_presentations(world, relationship=world.mint("fed", "VerifiedRelationship", rel)))
    assert_rejected(verdict, Reason.CLAIMS_NOT_LINKED, "linked", "relationship")
    assert len(failed(verdict)) == 1 and "business_number" in failed(verdict)[0].detail


def test_credentials_bound_to_two_holder_keys(world):
    other = generate_key()
    person = world.mint("prov1", "VerifiedPerson", PERSON_CLAIMS, holder=other)
    verdict = bank(world, sasha_presentations(world, holders={"person": other}, person=person))
    assert_rejected(verdict, Reason.CLAIMS_NOT_LINKED, "same_holder", None)
    # Each credential on its own was fine: its KB-JWT matched its own cnf key.
    assert all(c.passed for c in verdict.checks if c.name == "holder_binding")


def test_organization_not_presented(world):
    presentations = sasha_presentations(world)
    del presentations["organization"]
    verdict = bank(world, presentations)
    assert_rejected(verdict, Reason.CREDENTIAL_NOT_PRESENTED, "presented", "organization")


@pytest.mark.parametrize("value", [[], ["a", "b"], 42, None])
def test_query_entry_that_is_not_one_presentation(world, value):
    verdict = bank(world, {**vp_token(sasha_presentations(world)), "relationship": value}, wrap=False)
    assert_rejected(verdict, Reason.CREDENTIAL_NOT_PRESENTED, "presented", "relationship")


@pytest.mark.parametrize("token", ["a~b~c", ["a~b~c"], None])
def test_vp_token_that_is_not_an_object(world, token):
    verdict = bank(world, token, wrap=False)
    assert verdict.accepted is False
    assert verdict.reasons == [Reason.MALFORMED_PRESENTATION.value, Reason.CREDENTIAL_NOT_PRESENTED.value]
    first = verdict.checks[0]
    assert (first.name, first.passed, first.reason) == ("format", False, Reason.MALFORMED_PRESENTATION.value)
    assert [(c.name, c.credential) for c in verdict.checks[1:]] == [("presented", q) for q in QUERY_IDS]
    assert verdict.credentials == {}


# ============================================================================================
# verify_single (the CLI's `verify`)
# ============================================================================================
def test_verify_single_accepts_one_valid_presentation(world):
    vct = credential_type("VerifiedOrganization").vct
    verdict = world.engine.verify_single(
        present(world, world.issued["organization"], query_id="organization"), aud=AUD, nonce=NONCE, expected_vcts=[vct]
    )
    assert_accepted(verdict)
    assert verdict.policy == "none" and verdict.verifier == "cli"
    assert [c.name for c in verdict.checks] == list(ENGINE_CHECKS)
    assert verdict.credentials["credential"]["type"] == "VerifiedOrganization"
    assert verdict.credentials["credential"]["claims"]["legal_name"] == SASHA_BUSINESS["legal_name"]


def test_verify_single_rejects_with_the_reason(world):
    stolen = present(world, world.issued["person"], holder=generate_key())
    verdict = world.engine.verify_single(stolen, aud=AUD, nonce=NONCE)
    assert_rejected(verdict, Reason.HOLDER_BINDING_FAILED, "holder_binding", "credential")
    assert verdict.credentials == {}

    wrong_type = world.engine.verify_single(
        present(world, world.issued["person"]),
        aud=AUD,
        nonce=NONCE,
        expected_vcts=[credential_type("VerifiedRelationship").vct],
    )
    assert_rejected(wrong_type, Reason.VCT_UNEXPECTED, "credential_type", "credential")


@pytest.mark.parametrize("garbage", ["", "not-an-sd-jwt", "a.b.c~", "é~"])
def test_verify_single_on_garbage(world, garbage):
    verdict = world.engine.verify_single(garbage, aud=AUD, nonce=NONCE)
    assert_rejected(verdict, Reason.MALFORMED_PRESENTATION, "format", "credential")


# ============================================================================================
# Property: any other nonce / audience in the KB-JWT is refused, with the right code
# ============================================================================================
@hypothesis_settings(max_examples=25, deadline=None)
@given(text=st.text(max_size=40))
def test_any_other_nonce_is_a_nonce_mismatch(world, text):
    assume(text != NONCE)
    pres = present(world, world.issued["person"], nonce=text)
    verdict = world.engine.verify_single(pres, aud=AUD, nonce=NONCE)
    assert_rejected(verdict, Reason.NONCE_MISMATCH, "holder_binding", "credential")


@hypothesis_settings(max_examples=25, deadline=None)
@given(text=st.text(max_size=40))
def test_any_other_audience_is_an_audience_mismatch(world, text):
    assume(text != AUD)
    pres = present(world, world.issued["person"], aud=text)
    verdict = world.engine.verify_single(pres, aud=AUD, nonce=NONCE)
    assert_rejected(verdict, Reason.AUDIENCE_MISMATCH, "holder_binding", "credential")


# ============================================================================================
# Edge cases of claim values: each once let a credential through or crashed the engine
# ============================================================================================
def test_address_disclosed_without_any_of_its_fields_is_not_disclosed(world):
    sd = sdjwt.SdJwt.parse(world.issued["person"])
    _, placed = sdjwt.resolve_disclosures(sd.payload, sd.disclosures)
    wanted = {("given_name",), ("family_name",), ("birthdate",), ("address",)}
    pres = with_kb(world, sd.issuer_jwt, [d.disclosure for d in placed if d.path in wanted])
    verdict = person_only(world, pres)
    assert verdict.reasons == [Reason.CLAIMS_NOT_DISCLOSED.value]


def test_fractional_nbf_in_the_future_is_not_yet_valid(world):
    payload = payload_for(
        world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"), nbf=world.clock.timestamp() + 3600.5
    )
    issued = hand_issue(payload, world.issuers.signing_key("prov1"))
    assert_rejected(person_only(world, present(world, issued)), Reason.CREDENTIAL_NOT_YET_VALID, "validity", "person")


def test_exp_beyond_year_9999_gives_a_verdict(world):
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"), exp=253402300800)
    issued = hand_issue(payload, world.issuers.signing_key("prov1"))
    verdict = world.engine.verify_single(present(world, issued), aud=AUD, nonce=NONCE)
    assert_rejected(verdict, Reason.CLAIMS_INVALID, "validity", "credential")


def test_non_integer_loa_above_the_authorization_is_not_authorized(world):
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"), assurance_level=4.0)
    issued = hand_issue(payload, world.issuers.signing_key("prov1"))
    verdict = world.engine.verify_single(present(world, issued), aud=AUD, nonce=NONCE)
    assert_rejected(verdict, Reason.CLAIMS_INVALID, "issuer_authorized", "credential")


# ============================================================================================
# Required SD-JWT VC claims
# ============================================================================================
def _without(world, claim: str) -> str:
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss("prov1"))
    del payload[claim]
    return sdjwt.issue(payload, world.issuers.signing_key("prov1"), disclosable=[("given_name",), ("family_name",)])


def test_credential_without_vct_is_refused(world):
    verdict = world.engine.verify_single(
        present(world, _without(world, "vct"), reveal=[("given_name",)]), aud=AUD, nonce=NONCE
    )
    assert_rejected(verdict, Reason.REQUIRED_CLAIM_MISSING, "format", "credential")


def test_credential_without_iat_is_refused(world):
    verdict = world.engine.verify_single(
        present(world, _without(world, "iat"), reveal=[("given_name",)]), aud=AUD, nonce=NONCE
    )
    assert_rejected(verdict, Reason.REQUIRED_CLAIM_MISSING, "validity", "credential")


def test_credential_without_holder_key_is_refused(world):
    verdict = world.engine.verify_single(
        present(world, _without(world, "cnf"), reveal=[("given_name",)]), aud=AUD, nonce=NONCE
    )
    assert_rejected(verdict, Reason.HOLDER_KEY_MISSING, "holder_binding", "credential")
