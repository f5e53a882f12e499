"""The adversarial corpus: hostile presentations and requests, each with the one reason code that
must refuse it.

Every case is a :class:`Case`: a name, a one-line description of the attack, the expected
:class:`~pctf.reasons.Reason`, and a builder that, given the :class:`Lab` (a seeded registry,
the real sandbox issuers, Sasha's credentials and wallet key), returns the *attempt*: a function
that submits the hostile input where a stranger would and returns what came back (a verdict, a
relying party's stored verdict) or raises the :class:`~pctf.reasons.SandboxError` that refused it.
:func:`catalogue` lists the cases as a table, for reading.

Valid baselines come from the real issuer service; forgeries are built by hand, with the
builders of ``tests/test_verifier_engine.py`` where they exist, and the status list source of
``tests/test_status_list.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm

from issuers.status_lists import STATUS_LIST_SIZE
from pctf import oid4vci, oid4vp, sdjwt, statuslist
from pctf.clock import FrozenClock
from pctf.jose import SigningKey, b64u_decode, b64u_encode, canonical_json, generate_key, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.statuslist import StatusList
from pctf.vocab import credential_type
from registry.trust_list import sign_trust_list, verify_trust_list
from tests.test_status_list import Served
from tests.test_verifier_engine import (
    AUD,
    DIRECTOR,
    KB_MAX_AGE,
    LEEWAY,
    NONCE,
    ORG_CLAIMS,
    PERSON_CLAIMS,
    REL_CLAIMS,
    REVEAL,
    T0,
    HeaderKey,
    World,
    bank,
    decode_disclosure,
    disclosure_named,
    hand_issue,
    make_world,
    payload_for,
    present,
    registered_key,
    resign_issuer_jwt,
    sasha_presentations,
    with_kb,
)
from verifier.engine import VerificationEngine
from verifier.service import REQUEST_LIFETIME, RelyingPartyService
from verifier.verdict import Verdict

PERSON_VCT = credential_type("VerifiedPerson").vct
BASIC_REVEAL = [("given_name",), ("family_name",)]
DAY = 24 * 3600


# ==============================================================================================
# The lab: what every case is built from
# ==============================================================================================
def _ed25519_key() -> SigningKey:
    jwk = json.loads(OKPAlgorithm.to_jwk(Ed25519PrivateKey.generate()))
    jwk["kid"] = thumbprint(jwk)
    return SigningKey(private_jwk=jwk, alg="EdDSA")


class Lab:
    """The world of ``tests/test_verifier_engine.py`` plus what the trust cases need: prov1 also
    holds a key retired and a key compromised before T0 and an Ed25519 key, prov2 is suspended
    (after issuing one credential), and one person credential of its own for each status case."""

    def __init__(self, data_dir: Path) -> None:
        self.world: World = make_world(data_dir)
        w = self.world
        iss = w.iss("prov1")
        self.retired, self.compromised, self.ed25519 = generate_key(), generate_key(), _ed25519_key()
        for key in (self.retired, self.compromised, self.ed25519):
            w.registry.add_key(iss, key.public_jwk)
        w.registry.key_event(iss, self.retired.kid, "retired", effective_from=T0 - timedelta(days=1))
        w.registry.key_event(
            iss,
            self.compromised.kid,
            "compromised",
            effective_from=T0 - timedelta(days=1),
            reason="key material published",
        )
        self.from_suspended_issuer = w.mint("prov2", "VerifiedPerson", PERSON_CLAIMS)
        w.registry.set_entity_status(w.iss("prov2"), "suspended", reason="governance review")
        self.relying_parties = RelyingPartyService(w.settings, w.clock, w.engine)

    # -- submitting -------------------------------------------------------------------------
    def single(
        self, presentation: str, *, vct: str | None = PERSON_VCT, engine: VerificationEngine | None = None
    ) -> Verdict:
        """The engine's verdict on one presentation (as the CLI's ``verify`` gives it)."""
        return (engine or self.world.engine).verify_single(
            presentation, aud=AUD, nonce=NONCE, expected_vcts=None if vct is None else [vct]
        )

    def bank(self, **replace: str) -> Verdict:
        """The bank's verdict on Sasha's three presentations, some replaced."""
        return bank(self.world, {**sasha_presentations(self.world), **replace})

    def engine_with_status(self, answer: Callable[[str], str]) -> VerificationEngine:
        """A verifier whose status lists come from ``answer(uri)`` (a token, or raising)."""
        return VerificationEngine(
            self.world.trust, self.world.clock, status=Served(answer), kb_max_age=KB_MAX_AGE, leeway=LEEWAY
        )

    def fresh_engine(self) -> VerificationEngine:
        """A verifier with an empty status list cache, reading the issuers' real lists."""
        return self.world.engine_at(self.world.clock.now())

    # -- presentations ------------------------------------------------------------------------
    def present(self, issued: str, **kw) -> str:
        return present(self.world, issued, **{"reveal": BASIC_REVEAL, **kw})

    def person(self, **kw) -> str:
        """A valid presentation of Sasha's person credential (given and family name)."""
        return self.present(self.world.issued["person"], **kw)

    def prov1_issued(self, **extra) -> str:
        """A person credential signed by prov1's real key, ``extra`` overriding claims (None removes)."""
        w = self.world
        return hand_issue(
            payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1"), **extra), w.issuers.signing_key("prov1")
        )

    def prov1_issued_without(self, claim: str) -> str:
        """A person credential signed by prov1's real key, lacking ``claim``."""
        w = self.world
        payload = payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1"))
        del payload[claim]
        return sdjwt.issue(
            payload, w.issuers.signing_key("prov1"), disclosable=credential_type("VerifiedPerson").disclosable_paths()
        )

    def forged(
        self, referenced: list[str], presented: list[str] | None = None, *, clear: dict | None = None, **extra
    ) -> str:
        """A prov1-signed person credential whose ``_sd`` lists the digests of ``referenced`` (in
        that order, repeats kept), presented with ``presented`` (default: ``referenced`` without
        repeats) under a KB-JWT that covers exactly them. ``clear`` claims are signed in the clear."""
        w = self.world
        payload = payload_for(w, "VerifiedPerson", clear or {}, **{"iss": w.iss("prov1"), **extra})
        payload.setdefault("_sd", []).extend(digest(d) for d in referenced)
        payload.setdefault("_sd_alg", sdjwt.SD_ALG)
        jwt = w.issuers.signing_key("prov1").sign(payload, typ=sdjwt.TYP_SD_JWT_VC)
        return with_kb(w, jwt, list(dict.fromkeys(referenced)) if presented is None else presented)

    def mint_for_status(self) -> tuple[str, statuslist.StatusReference]:
        issued = self.world.mint("prov1", "VerifiedPerson", PERSON_CLAIMS)
        return issued, statuslist.status_reference(sdjwt.SdJwt.parse(issued).payload)

    def issuance_id(self, ref: statuslist.StatusReference) -> int:
        rows = self.world.issuers.issuances("prov1")
        return next(r["id"] for r in rows if r["status_list"] == {"idx": ref.idx, "uri": ref.uri})

    # -- OpenID4VP ------------------------------------------------------------------------------
    def request(self, rp_id: str = "bank") -> dict:
        return self.relying_parties.create_request(rp_id)

    def answer(self, request: dict, *, rp_id: str = "bank", presentations: dict | None = None) -> dict:
        """Sasha's vp_token for ``request`` (its nonce and client_id), as the wallet would post it."""
        w = self.world
        req = request["request"]
        creds = {**w.issued, **(presentations or {})}
        vp_token = {
            q: [
                sdjwt.present(
                    creds[q],
                    w.holder,
                    reveal=REVEAL[q],
                    aud=req["client_id"],
                    nonce=req["nonce"],
                    iat=w.clock.timestamp(),
                )
            ]
            for q in ("person", "organization", "relationship")
        }
        return {"state": request["state"], "vp_token": json.dumps(vp_token)}

    def receive(self, form: dict, rp_id: str = "bank") -> dict:
        """Post a ``direct_post`` form; returns the relying party's stored result for its state."""
        self.relying_parties.receive(rp_id, form)
        return self.relying_parties.result(rp_id, form["state"])


def digest(disclosure: str) -> str:
    return b64u_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def disclosure(name: str | None, value: Any, salt: str = "c2FsdC1mb3ItY29ycHVz") -> str:
    return sdjwt.make_disclosure(salt, name, value)


def raw_disclosure(content: list) -> str:
    return b64u_encode(json.dumps(content).encode())


def codec(presentation: str) -> Callable[[], Any]:
    """The codec alone (parse and resolve), for rules the engine would reach by another check first."""

    def attempt():
        sd = sdjwt.SdJwt.parse(presentation)
        return sdjwt.resolve_disclosures(sd.payload, sd.disclosures)

    return attempt


def parts(presentation: str) -> tuple[str, list[str], str]:
    sd = sdjwt.SdJwt.parse(presentation)
    return sd.issuer_jwt, sd.disclosures, sd.kb_jwt


def joined(issuer_jwt: str, disclosures: list[str], kb: str = "") -> str:
    return "~".join([issuer_jwt, *disclosures]) + "~" + kb


def unsigned_jws(header: dict, payload: dict, signature: bytes = b"") -> str:
    return ".".join(
        [
            b64u_encode(canonical_json(header).encode()),
            b64u_encode(canonical_json(payload).encode()),
            b64u_encode(signature),
        ]
    )


def kb_over(lab: Lab, body: str, **claims) -> dict:
    """The usual KB-JWT claims over ``body`` (``issuer JWT~disclosures~``), ``claims`` overriding."""
    sd_hash = b64u_encode(hashlib.sha256(body.encode("ascii")).digest())
    base = {"iat": lab.world.clock.timestamp(), "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash}
    return {k: v for k, v in {**base, **claims}.items() if v is not None}


def with_kb_claims(lab: Lab, presentation: str, *, header: dict | None = None, **claims) -> str:
    """``presentation`` re-bound by the holder with a KB-JWT whose claims are overridden."""
    jwt, disclosures, _ = parts(presentation)
    body = joined(jwt, disclosures)
    return body + lab.world.holder.sign(
        kb_over(lab, body, **claims), typ=sdjwt.TYP_KB_JWT, header=header, include_kid=False
    )


# ==============================================================================================
# The cases
# ==============================================================================================
@dataclass(frozen=True)
class Case:
    name: str
    description: str
    expected: Reason
    build: Callable[[Lab], Callable[[], Any]]
    group: str = ""


CASES: list[Case] = []


def case(name: str, expected: Reason, description: str, group: str):
    def register(build: Callable[[Lab], Callable[[], Any]]):
        CASES.append(Case(name, description, expected, build, group))
        return build

    return register


def refuse(lab_fn: Callable[[Lab], Any]) -> Callable[[Lab], Callable[[], Any]]:
    """A builder whose attempt is ``lab_fn(lab)`` evaluated when attempted."""
    return lambda lab: lambda: lab_fn(lab)


# -- RFC 9901 section 7: what a verifier MUST reject ------------------------------------------
G = "RFC 9901 MUST-reject"


@case("alg-none-empty-signature", Reason.ALG_NOT_ALLOWED, "issuer JWT with alg none and an empty signature", G)
def _(lab):
    forged = resign_issuer_jwt(
        lab.world.issued["person"],
        {"alg": "none", "typ": sdjwt.TYP_SD_JWT_VC, "kid": registered_key(lab.world, "prov1")["kid"]},
        lambda data: b"",
    )
    return lambda: lab.single(lab.present(forged))


@case(
    "sd-alg-unsupported", Reason.SD_ALG_UNSUPPORTED, "a signed _sd_alg of sha-512, which the verifier cannot check", G
)
def _(lab):
    return lambda: lab.single(lab.forged([disclosure("given_name", "Sasha")], _sd_alg="sha-512"))


@case("digest-appears-twice", Reason.DIGEST_DUPLICATE, "one disclosure's digest listed twice in _sd", G)
def _(lab):
    d = disclosure("given_name", "Sasha")
    return lambda: lab.single(lab.forged([d, d]))


@case("digest-twice-in-an-array", Reason.DIGEST_DUPLICATE, "one array-element digest in two array slots", G)
def _(lab):
    d = disclosure(None, "CA")
    return lambda: lab.single(lab.forged([], [d], nationalities=[{"...": digest(d)}, {"...": digest(d)}]))


@case(
    "disclosure-not-referenced",
    Reason.DISCLOSURE_UNREFERENCED,
    "a well-formed disclosure no digest of the issuer refers to, added and bound by the holder",
    G,
)
def _(lab):
    d, extra = disclosure("given_name", "Sasha"), disclosure("family_name", "Mallory")
    return lambda: lab.single(lab.forged([d], [d, extra]))


@case("disclosure-altered", Reason.DISCLOSURE_UNREFERENCED, "a genuine disclosure with its value changed to Alex", G)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    target = disclosure_named(disclosures, "given_name")
    salt, name, _ = decode_disclosure(target)
    changed = [sdjwt.make_disclosure(salt, name, "Alex") if d == target else d for d in disclosures]
    return lambda: lab.single(with_kb(lab.world, jwt, changed))


@case(
    "disclosure-from-another-credential",
    Reason.DISCLOSURE_UNREFERENCED,
    "a genuine disclosure taken from the organization credential",
    G,
)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    foreign = disclosure_named(sdjwt.SdJwt.parse(lab.world.issued["organization"]).disclosures, "legal_name")
    return lambda: lab.single(with_kb(lab.world, jwt, [*disclosures, foreign]))


@case("disclosure-presented-twice", Reason.DISCLOSURE_UNREFERENCED, "the same disclosure sent twice", G)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    return lambda: lab.single(with_kb(lab.world, jwt, [*disclosures, disclosures[0]]))


@case("claim-named-_sd", Reason.CLAIM_NAME_RESERVED, "a disclosure whose claim name is _sd", G)
def _(lab):
    return lambda: lab.single(lab.forged([disclosure("_sd", ["AAAA"])]))


@case("claim-named-ellipsis", Reason.CLAIM_NAME_RESERVED, "a disclosure whose claim name is ...", G)
def _(lab):
    return lambda: lab.single(lab.forged([disclosure("...", "x")]))


@case("claim-named-_sd_alg", Reason.CLAIM_NAME_RESERVED, "a top-level disclosure naming _sd_alg", G)
def _(lab):
    return lambda: lab.single(lab.forged([disclosure("_sd_alg", "none")]))


@case("claim-already-exists", Reason.CLAIM_ALREADY_EXISTS, "given_name both signed in the clear and disclosed", G)
def _(lab):
    return lambda: lab.single(lab.forged([disclosure("given_name", "Alex")], clear={"given_name": "Sasha"}))


@case("disclosure-with-four-elements", Reason.DISCLOSURE_MALFORMED, "[salt, name, value, extra]", G)
def _(lab):
    return lambda: lab.single(lab.forged([raw_disclosure(["c2FsdA", "given_name", "Sasha", "extra"])]))


@case("disclosure-with-one-element", Reason.DISCLOSURE_MALFORMED, "[salt] alone", G)
def _(lab):
    return lambda: lab.single(lab.forged([raw_disclosure(["c2FsdA"])]))


@case("disclosure-name-not-a-string", Reason.DISCLOSURE_MALFORMED, "[salt, 42, value]", G)
def _(lab):
    return lambda: lab.single(lab.forged([raw_disclosure(["c2FsdA", 42, "Sasha"])]))


@case("disclosure-not-json", Reason.DISCLOSURE_MALFORMED, "a disclosure that is base64url of plain text", G)
def _(lab):
    return lambda: lab.single(lab.forged([b64u_encode(b"given_name=Sasha")]))


@case("array-disclosure-in-object", Reason.DISCLOSURE_SHAPE_INVALID, "a two-element disclosure referenced from _sd", G)
def _(lab):
    return lambda: lab.single(lab.forged([disclosure(None, "Sasha")]))


@case(
    "object-disclosure-in-array",
    Reason.DISCLOSURE_SHAPE_INVALID,
    "a three-element disclosure referenced from an array",
    G,
)
def _(lab):
    d = disclosure("country", "CA")
    return lambda: lab.single(lab.forged([], [d], nationalities=[{"...": digest(d)}]))


def _hidden(name: str, value: Any):
    """A credential whose ``name`` is only in a disclosure (the clear one removed)."""

    def build(lab):
        return lambda: lab.single(lab.forged([disclosure(name, value)], **{name: None}))

    return build


for _name, _value in (
    ("exp", 2_000_000_000),
    ("nbf", 1_700_000_000),
    ("cnf", {"jwk": {"kty": "EC"}}),
    ("status", {"status_list": {"idx": 0, "uri": "https://x.example/l"}}),
):
    case(
        f"{_name}-hidden-in-a-disclosure",
        Reason.CLAIM_NOT_DISCLOSABLE,
        f"{_name} moved from the signed payload into a disclosure",
        G,
    )(_hidden(_name, _value))


@case(
    "iss-hidden-in-a-disclosure",
    Reason.CLAIM_NOT_DISCLOSABLE,
    "iss only in a disclosure (the engine stops earlier at the missing iss; the codec refuses it)",
    G,
)
def _(lab):
    return codec(lab.forged([disclosure("iss", lab.world.iss("prov1"))], iss=None))


@case(
    "vct-hidden-in-a-disclosure",
    Reason.CLAIM_NOT_DISCLOSABLE,
    "vct only in a disclosure (the engine stops earlier at the missing vct; the codec refuses it)",
    G,
)
def _(lab):
    return codec(lab.forged([disclosure("vct", PERSON_VCT)], vct=None))


@case("empty-disclosure", Reason.MALFORMED_PRESENTATION, "two '~' with nothing between them", G)
def _(lab):
    jwt, disclosures, kb = parts(lab.person())
    return lambda: lab.single(joined(jwt, [disclosures[0], "", *disclosures[1:]], kb))


@case("non-ascii-presentation", Reason.MALFORMED_PRESENTATION, "a presentation with a character outside US-ASCII", G)
def _(lab):
    return lambda: lab.single(lab.person().replace("~", "~é", 1))


# -- JWS attacks on the issuer JWT -------------------------------------------------------------
G = "JWS attacks"


def _hmac_forgery(lab: Lab, alg: str, digestmod) -> str:
    secret = canonical_json(registered_key(lab.world, "prov1")).encode()
    header = {"alg": alg, "typ": sdjwt.TYP_SD_JWT_VC, "kid": registered_key(lab.world, "prov1")["kid"]}
    return resign_issuer_jwt(
        lab.world.issued["person"], header, lambda data: hmac.new(secret, data, digestmod).digest()
    )


@case(
    "hs256-with-the-issuers-public-key",
    Reason.ALG_NOT_ALLOWED,
    "HS256 keyed with the issuer's public JWK (algorithm confusion)",
    G,
)
def _(lab):
    return lambda: lab.single(lab.present(_hmac_forgery(lab, "HS256", hashlib.sha256)))


@case("hs512-with-the-issuers-public-key", Reason.ALG_NOT_ALLOWED, "HS512 keyed with the issuer's public JWK", G)
def _(lab):
    return lambda: lab.single(lab.present(_hmac_forgery(lab, "HS512", hashlib.sha512)))


@case(
    "attacker-jwk-in-header",
    Reason.SIGNATURE_INVALID,
    "signed by an attacker who embeds his jwk and names the issuer's kid",
    G,
)
def _(lab):
    attacker = generate_key()
    header = {"kid": lab.world.issuers.signing_key("prov1").kid, "jwk": attacker.public_jwk}
    forged = hand_issue(
        payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss=lab.world.iss("prov1")), HeaderKey(attacker, header)
    )
    return lambda: lab.single(lab.present(forged))


@case(
    "attacker-jwk-in-header-no-kid",
    Reason.SIGNATURE_INVALID,
    "signed by an attacker's key embedded as jwk, without any kid",
    G,
)
def _(lab):
    attacker = generate_key()
    payload = payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss=lab.world.iss("prov1"))
    jwt = attacker.sign(payload, typ=sdjwt.TYP_SD_JWT_VC, header={"jwk": attacker.public_jwk}, include_kid=False)
    return lambda: lab.single(with_kb(lab.world, jwt, []))


@case("unknown-crit", Reason.CRIT_UNSUPPORTED, "a crit header naming an extension the verifier does not know", G)
def _(lab):
    forged = hand_issue(
        payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss=lab.world.iss("prov1")),
        HeaderKey(lab.world.issuers.signing_key("prov1"), {"crit": ["x-policy"], "x-policy": 1}),
    )
    return lambda: lab.single(lab.present(forged))


@case("kid-naming-no-registered-key", Reason.ISSUER_KEY_UNKNOWN, "signed by an attacker's key under its own kid", G)
def _(lab):
    forged = hand_issue(
        payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss=lab.world.iss("prov1")), generate_key()
    )
    return lambda: lab.single(lab.present(forged))


@case(
    "kid-of-another-registered-issuer", Reason.ISSUER_KEY_UNKNOWN, "signed by fed's real key, claiming to be prov1", G
)
def _(lab):
    forged = hand_issue(
        payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss=lab.world.iss("prov1")),
        lab.world.issuers.signing_key("fed"),
    )
    return lambda: lab.single(lab.present(forged))


@case("foreign-key-under-the-issuers-kid", Reason.SIGNATURE_INVALID, "signed by another key, under prov1's kid", G)
def _(lab):
    attacker = generate_key()
    forged = hand_issue(
        payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss=lab.world.iss("prov1")),
        HeaderKey(attacker, {"kid": lab.world.issuers.signing_key("prov1").kid}),
    )
    return lambda: lab.single(lab.present(forged))


@case("payload-altered-after-signing", Reason.SIGNATURE_INVALID, "assurance_level raised to 4 in a signed payload", G)
def _(lab):
    sd = sdjwt.SdJwt.parse(lab.world.issued["person"])
    header, body, signature = sd.issuer_jwt.split(".")
    payload = {**json.loads(b64u_decode(body)), "assurance_level": 4}
    tampered = ".".join([header, b64u_encode(canonical_json(payload).encode()), signature])
    return lambda: lab.single(lab.present(joined(tampered, sd.disclosures)))


@case(
    "es256-header-on-an-ed25519-key",
    Reason.SIGNATURE_INVALID,
    "signed by prov1's registered Ed25519 key but labelled ES256",
    G,
)
def _(lab):
    ed = lab.ed25519
    private = OKPAlgorithm.from_jwk(json.dumps(ed.private_jwk))
    forged = resign_issuer_jwt(
        lab.world.issued["person"], {"alg": "ES256", "typ": sdjwt.TYP_SD_JWT_VC, "kid": ed.kid}, private.sign
    )
    return lambda: lab.single(lab.present(forged))


def _relabelled(alg: str):
    def build(lab):
        key = lab.world.issuers.signing_key("prov1")
        header = {"alg": alg, "typ": sdjwt.TYP_SD_JWT_VC, "kid": key.kid}
        forged = resign_issuer_jwt(
            lab.world.issued["person"], header, lambda data: b64u_decode(key.sign({"x": 1}).split(".")[2])
        )
        return lambda: lab.single(lab.present(forged))

    return build


for _alg in ("EdDSA", "ES384", "ES512"):
    case(
        f"{_alg.lower()}-header-on-a-p256-key", Reason.SIGNATURE_INVALID, f"prov1's P-256 key named with alg {_alg}", G
    )(_relabelled(_alg))


def _signature_text(lab: Lab, change: Callable[[str], str]) -> str:
    jwt, disclosures, kb = parts(lab.person())
    header, body, signature = jwt.split(".")
    return joined(".".join([header, body, change(signature)]), disclosures, kb)


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@case(
    "non-canonical-base64url",
    Reason.MALFORMED_PRESENTATION,
    "the signature's last character with its unused low bits set (same bytes, another string)",
    G,
)
def _(lab):
    def change(sig: str) -> str:
        return sig[:-1] + _ALPHABET[_ALPHABET.index(sig[-1]) | 1]

    return lambda: lab.single(_signature_text(lab, change))


@case("base64-padding", Reason.MALFORMED_PRESENTATION, "the signature padded with '=='", G)
def _(lab):
    return lambda: lab.single(_signature_text(lab, lambda sig: sig + "=="))


@case(
    "standard-base64-alphabet",
    Reason.MALFORMED_PRESENTATION,
    "the issuer JWT in base64 with '+' and '/' for '-' and '_'",
    G,
)
def _(lab):
    # An ES256 signature lacks both '-' and '_' about one time in fifteen: sign again until it has one,
    # so that the translated JWT really differs from the genuine one.
    for _ in range(100):
        jwt, disclosures, kb = parts(lab.present(lab.prov1_issued()))
        standard = jwt.translate(str.maketrans("-_", "+/"))
        if standard != jwt:
            break
    assert standard != jwt
    return lambda: lab.single(joined(standard, disclosures, kb))


@case(
    "trailing-garbage-after-the-jws",
    Reason.MALFORMED_PRESENTATION,
    "a fourth dot-separated part after the issuer JWT",
    G,
)
def _(lab):
    return lambda: lab.single(_signature_text(lab, lambda sig: sig + ".ZXZpbA"))


@case("issuer-jwt-typ-jwt", Reason.TYP_INVALID, "an issuer JWT typed JWT, not dc+sd-jwt", G)
def _(lab):
    w = lab.world
    issued = hand_issue(
        payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1")), w.issuers.signing_key("prov1"), typ="JWT"
    )
    return lambda: lab.single(lab.present(issued))


@case("issuer-jwt-typ-kb-jwt", Reason.TYP_INVALID, "a KB-JWT-typed token passed off as a credential", G)
def _(lab):
    w = lab.world
    issued = hand_issue(
        payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1")),
        w.issuers.signing_key("prov1"),
        typ=sdjwt.TYP_KB_JWT,
    )
    return lambda: lab.single(lab.present(issued))


# -- Key Binding JWT -----------------------------------------------------------------------------
G = "Key binding"


@case("kb-jwt-missing", Reason.HOLDER_BINDING_MISSING, "the presentation ends with '~' and no KB-JWT", G)
def _(lab):
    return lambda: lab.single(sdjwt.SdJwt.parse(lab.person()).without_kb())


@case("kb-jwt-wrong-typ", Reason.KB_TYP_INVALID, "a KB-JWT typed JWT", G)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    return lambda: lab.single(with_kb(lab.world, jwt, disclosures, typ="JWT"))


@case("kb-jwt-signed-by-another-key", Reason.HOLDER_BINDING_FAILED, "a stolen credential bound by the thief's key", G)
def _(lab):
    return lambda: lab.single(lab.person(holder=generate_key()))


@case("kb-jwt-alg-none", Reason.ALG_NOT_ALLOWED, "an unsigned KB-JWT", G)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    body = joined(jwt, disclosures)
    return lambda: lab.single(body + unsigned_jws({"alg": "none", "typ": sdjwt.TYP_KB_JWT}, kb_over(lab, body)))


@case("kb-jwt-crit", Reason.CRIT_UNSUPPORTED, "a KB-JWT with a critical extension", G)
def _(lab):
    return lambda: lab.single(with_kb_claims(lab, lab.person(), header={"crit": ["x-ext"], "x-ext": True}))


@case("disclosure-removed-after-binding", Reason.SD_HASH_MISMATCH, "a disclosure dropped after the holder signed", G)
def _(lab):
    jwt, disclosures, kb = parts(lab.person())
    return lambda: lab.single(joined(jwt, disclosures[1:], kb))


@case(
    "disclosure-added-after-binding",
    Reason.SD_HASH_MISMATCH,
    "a genuine disclosure of the same credential added after the holder signed",
    G,
)
def _(lab):
    jwt, disclosures, kb = parts(lab.person())
    extra = disclosure_named(sdjwt.SdJwt.parse(lab.world.issued["person"]).disclosures, "birthdate")
    return lambda: lab.single(joined(jwt, [*disclosures, extra], kb))


@case("sd-hash-without-the-final-tilde", Reason.SD_HASH_MISMATCH, "sd_hash over the presentation minus its last '~'", G)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    other = b64u_encode(hashlib.sha256(joined(jwt, disclosures)[:-1].encode()).digest())
    return lambda: lab.single(with_kb_claims(lab, lab.person(), sd_hash=other))


@case("sd-hash-in-hex", Reason.SD_HASH_MISMATCH, "sd_hash as a hex digest instead of base64url", G)
def _(lab):
    jwt, disclosures, _ = parts(lab.person())
    hexed = hashlib.sha256(joined(jwt, disclosures).encode()).hexdigest()
    return lambda: lab.single(with_kb_claims(lab, lab.person(), sd_hash=hexed))


@case("sd-hash-missing", Reason.SD_HASH_MISMATCH, "a KB-JWT without sd_hash", G)
def _(lab):
    return lambda: lab.single(with_kb_claims(lab, lab.person(), sd_hash=None))


@case(
    "kb-jwt-replayed-onto-another-credential",
    Reason.SD_HASH_MISMATCH,
    "the KB-JWT of one credential appended to another credential of the same holder",
    G,
)
def _(lab):
    other = lab.present(lab.world.mint("prov1", "VerifiedPerson", PERSON_CLAIMS))
    _, _, kb = parts(lab.person())
    jwt, disclosures, _ = parts(other)
    return lambda: lab.single(joined(jwt, disclosures, kb))


@case("nonce-swap", Reason.NONCE_MISMATCH, "a KB-JWT made for another request's nonce", G)
def _(lab):
    return lambda: lab.single(lab.person(nonce="nonce-of-another-request"))


@case("audience-swap", Reason.AUDIENCE_MISMATCH, "a KB-JWT addressed to another verifier", G)
def _(lab):
    return lambda: lab.single(lab.person(aud="http://127.0.0.1:8600/verifier/another-bank"))


@case("kb-iat-in-the-future", Reason.KB_IAT_INVALID, "a KB-JWT dated beyond the verifier's leeway", G)
def _(lab):
    return lambda: lab.single(lab.person(iat=lab.world.clock.timestamp() + LEEWAY + 60))


@case("kb-iat-too-old", Reason.KB_IAT_INVALID, "a KB-JWT older than the freshness window", G)
def _(lab):
    return lambda: lab.single(lab.person(iat=lab.world.clock.timestamp() - KB_MAX_AGE - 1))


@case("kb-iat-not-a-number", Reason.KB_IAT_INVALID, "a KB-JWT whose iat is a string", G)
def _(lab):
    return lambda: lab.single(with_kb_claims(lab, lab.person(), iat=str(lab.world.clock.timestamp())))


# -- the credential itself -------------------------------------------------------------------------
G = "Credential"


@case("credential-expired", Reason.CREDENTIAL_EXPIRED, "exp an hour ago", G)
def _(lab):
    now = lab.world.clock.timestamp()
    return lambda: lab.single(lab.present(lab.prov1_issued(iat=now - 7200, exp=now - 3600)))


@case("credential-not-yet-valid", Reason.CREDENTIAL_NOT_YET_VALID, "iat an hour from now", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(iat=lab.world.clock.timestamp() + 3600)))


@case("credential-nbf-in-the-future", Reason.CREDENTIAL_NOT_YET_VALID, "nbf an hour from now", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(nbf=lab.world.clock.timestamp() + 3600)))


@case("exp-beyond-year-9999", Reason.CLAIMS_INVALID, "exp that is no NumericDate", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(exp=253402300800)))


@case("vct-missing", Reason.REQUIRED_CLAIM_MISSING, "a credential without vct", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued_without("vct")), vct=None)


@case("iat-missing", Reason.REQUIRED_CLAIM_MISSING, "a credential without iat", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued_without("iat")))


@case("cnf-missing", Reason.HOLDER_KEY_MISSING, "a credential bound to no holder key", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(cnf=None)))


@case("cnf-not-an-object", Reason.HOLDER_KEY_MISSING, "cnf signed as an array", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(cnf=["jwk"])))


@case("credential-revoked", Reason.CREDENTIAL_REVOKED, "revoked by prov1 in its real status list", G)
def _(lab):
    issued, ref = lab.mint_for_status()
    lab.world.issuers.set_status("prov1", lab.issuance_id(ref), "revoked", "death registered")
    return lambda: lab.single(lab.present(issued), engine=lab.fresh_engine())


@case("credential-suspended", Reason.CREDENTIAL_SUSPENDED, "suspended by prov1 in its real status list", G)
def _(lab):
    issued, ref = lab.mint_for_status()
    lab.world.issuers.set_status("prov1", lab.issuance_id(ref), "suspended", "lost wallet")
    return lambda: lab.single(lab.present(issued), engine=lab.fresh_engine())


def _status_token(
    lab: Lab,
    key: SigningKey,
    uri: str,
    *,
    size: int | None = None,
    values: dict | None = None,
    iat: int | None = None,
    exp: int | None = None,
    kid: str | None = None,
) -> str:
    now = lab.world.clock.timestamp()
    sl = StatusList(STATUS_LIST_SIZE if size is None else size, 2)
    for idx, value in (values or {}).items():
        sl.set(idx, value)
    payload = {
        "sub": uri,
        "iat": now if iat is None else iat,
        "exp": now + 600 if exp is None else exp,
        "ttl": 300,
        "status_list": sl.encode(),
    }
    return key.sign(payload, typ=statuslist.TYP, header={"kid": kid} if kid else None)


def _served_status(answer: Callable[[Lab, statuslist.StatusReference, str], str]):
    def build(lab):
        issued, ref = lab.mint_for_status()
        engine = lab.engine_with_status(lambda uri: answer(lab, ref, uri))
        return lambda: lab.single(lab.present(issued), engine=engine)

    return build


def _unavailable(lab, ref, uri):
    raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, f"{uri} cannot be reached", status_code=503)


STATUS_CASES = [
    (
        "status-list-forged-under-the-issuers-kid",
        Reason.STATUS_LIST_SIGNATURE_INVALID,
        "an attacker's status list, signed by his key under prov1's kid",
        lambda lab, ref, uri: _status_token(lab, generate_key(), uri, kid=lab.world.issuers.signing_key("prov1").kid),
    ),
    (
        "status-list-signed-by-another-issuer",
        Reason.STATUS_LIST_SIGNATURE_INVALID,
        "a status list signed by fed's real key for prov1's credential",
        lambda lab, ref, uri: _status_token(lab, lab.world.issuers.signing_key("fed"), uri),
    ),
    (
        "status-list-sub-mismatch",
        Reason.STATUS_LIST_SUB_MISMATCH,
        "prov1's genuine token for another list",
        lambda lab, ref, uri: _status_token(lab, lab.world.issuers.signing_key("prov1"), uri + "0"),
    ),
    (
        "status-index-out-of-range",
        Reason.STATUS_INDEX_OUT_OF_RANGE,
        "a genuine list that ends before the index",
        lambda lab, ref, uri: _status_token(
            lab, lab.world.issuers.signing_key("prov1"), uri, size=ref.idx - ref.idx % 4
        ),
    ),
    (
        "status-list-expired",
        Reason.STATUS_LIST_EXPIRED,
        "a genuine list whose exp has passed",
        lambda lab, ref, uri: _status_token(
            lab,
            lab.world.issuers.signing_key("prov1"),
            uri,
            iat=lab.world.clock.timestamp() - 7200,
            exp=lab.world.clock.timestamp() - 3600,
        ),
    ),
    ("status-list-unavailable", Reason.STATUS_LIST_UNAVAILABLE, "the status list cannot be fetched", _unavailable),
    (
        "status-list-not-a-token",
        Reason.STATUS_LIST_MALFORMED,
        "an HTML page where the token should be",
        lambda lab, ref, uri: "<html>maintenance</html>",
    ),
    (
        "status-unknown-value",
        Reason.CREDENTIAL_STATUS_UNKNOWN,
        "an application-specific status 0x03",
        lambda lab, ref, uri: _status_token(lab, lab.world.issuers.signing_key("prov1"), uri, values={ref.idx: 3}),
    ),
]
for _name, _reason, _description, _answer in STATUS_CASES:
    case(_name, _reason, _description, G)(_served_status(_answer))


@case("status-reference-malformed", Reason.STATUS_LIST_MALFORMED, "status.status_list.idx given as a string", G)
def _(lab):
    issued = lab.prov1_issued(status={"status_list": {"idx": "7", "uri": "https://x.example/l/1"}})
    return lambda: lab.single(lab.present(issued))


# -- trust --------------------------------------------------------------------------------------------
G = "Trust"


@case("issuer-unknown", Reason.ISSUER_UNKNOWN, "a self-signed issuer the registry never heard of", G)
def _(lab):
    payload = payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss="https://issuers.example.net/issuers/prov1")
    return lambda: lab.single(lab.present(hand_issue(payload, generate_key())))


@case(
    "issuer-not-authorized-for-the-type",
    Reason.ISSUER_NOT_AUTHORIZED,
    "prov1 (a person issuer) signing an organization credential",
    G,
)
def _(lab):
    w = lab.world
    issued = hand_issue(
        payload_for(w, "VerifiedOrganization", ORG_CLAIMS, iss=w.iss("prov1")), w.issuers.signing_key("prov1")
    )
    return lambda: lab.single(present(w, issued, query_id="organization"), vct=None)


@case("issuer-suspended", Reason.ISSUER_SUSPENDED, "a credential of prov2, suspended by governance", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.from_suspended_issuer))


@case("loa-above-the-authorization", Reason.ISSUER_NOT_AUTHORIZED, "prov1 (LoA 3) signing LoA 4", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(assurance_level=4)))


@case("loa-out-of-range", Reason.CLAIMS_INVALID, "assurance_level 7, no PCTF level", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(assurance_level=7)))


@case("backdated-before-the-authorization", Reason.ISSUER_NOT_AUTHORIZED, "iat a day before prov1 was accredited", G)
def _(lab):
    return lambda: lab.single(lab.present(lab.prov1_issued(iat=lab.world.clock.timestamp() - DAY)))


def _signed_with(attr: str):
    def build(lab):
        w = lab.world
        issued = hand_issue(payload_for(w, "VerifiedPerson", PERSON_CLAIMS, iss=w.iss("prov1")), getattr(lab, attr))
        return lambda: lab.single(lab.present(issued))

    return build


case("key-retired-before-iat", Reason.ISSUER_KEY_RETIRED, "signed with a prov1 key retired the day before", G)(
    _signed_with("retired")
)
case(
    "key-compromised-before-iat", Reason.ISSUER_KEY_COMPROMISED, "signed with a prov1 key compromised the day before", G
)(_signed_with("compromised"))


def _trust_list_attack(make: Callable[[Lab], str]):
    def build(lab):
        registry = lab.world.registry
        token = make(lab)
        return lambda: verify_trust_list(token, registry.jwks(), authority_id=registry.authority_id)

    return build


def _altered_trust_list(lab: Lab) -> str:
    header, payload, signature = lab.world.registry.trust_list().split(".")
    body = b64u_decode(payload).replace(b'"assurance_level":3', b'"assurance_level":4')
    assert body != b64u_decode(payload)
    return f"{header}.{b64u_encode(body)}.{signature}"


def _trust_list_signed(
    lab: Lab,
    key: SigningKey,
    *,
    authority: str | None = None,
    typ: str = "trust-list+jwt",
    entities: list | None = None,
    **header,
) -> str:
    registry = lab.world.registry
    payload = {
        "iss": authority or registry.authority_id,
        "iat": lab.world.clock.timestamp(),
        "exp": lab.world.clock.timestamp() + DAY,
        "entities": entities or [],
        "recognitions": [],
    }
    return key.sign(payload, typ=typ, header=header or None)


TRUST_LIST_CASES = [
    (
        "trust-list-forged",
        "a snapshot signed by another key",
        lambda lab: sign_trust_list(
            generate_key(),
            authority_id=lab.world.registry.authority_id,
            entities=[],
            recognitions=[],
            issued_at=T0,
            lifetime=timedelta(days=1),
        ),
    ),
    (
        "trust-list-forged-under-the-registrys-kid",
        "an impostor's snapshot naming the registry's kid",
        lambda lab: _trust_list_signed(lab, generate_key(), kid=lab.world.registry.jwks()["keys"][0]["kid"]),
    ),
    ("trust-list-altered", "the registry's genuine snapshot with a LoA raised after signing", _altered_trust_list),
    (
        "trust-list-of-another-authority",
        "signed by the registry's key but issued as another authority",
        lambda lab: _trust_list_signed(lab, lab.world.registry.signing_key(), authority="https://elsewhere.example/r"),
    ),
    (
        "trust-list-wrong-typ",
        "the registry's key over a token typed JWT",
        lambda lab: _trust_list_signed(lab, lab.world.registry.signing_key(), typ="JWT"),
    ),
    (
        "trust-list-entity-without-id",
        "a snapshot whose entity record has no entity_id",
        lambda lab: _trust_list_signed(lab, lab.world.registry.signing_key(), entities=[{"name": "x"}]),
    ),
]
for _name, _description, _make in TRUST_LIST_CASES:
    case(_name, Reason.TRUST_LIST_INVALID, _description, G)(_trust_list_attack(_make))


# -- OpenID4VP: responses and requests ------------------------------------------------------------
G = "OpenID4VP"


@case(
    "response-for-another-relying-partys-state",
    Reason.NOT_FOUND,
    "the bank's endpoint given the state of a request made by another relying party",
    G,
)
def _(lab):
    other = lab.request("bank-personal")
    form = lab.answer(other)
    return lambda: lab.receive(form)


@case("response-for-an-unknown-state", Reason.NOT_FOUND, "a state no request was made with", G)
def _(lab):
    return lambda: lab.receive({"state": "guessed-state", "vp_token": "{}"})


@case("response-replayed", Reason.PRESENTATION_REPLAYED, "a second response for an already-answered state", G)
def _(lab):
    form = lab.answer(lab.request())
    assert lab.receive(form)["status"] == "accepted"
    return lambda: lab.receive(form)


@case(
    "response-of-one-request-for-another",
    Reason.NONCE_MISMATCH,
    "a vp_token bound to request A posted with the state of request B",
    G,
)
def _(lab):
    first, second = lab.request(), lab.request()
    form = {**lab.answer(first), "state": second["state"]}
    return lambda: lab.receive(form)["verdict"]


@case("response-after-the-request-expired", Reason.REQUEST_EXPIRED, "an answer eleven minutes after the request", G)
def _(lab):
    clock = FrozenClock(lab.world.clock.now())
    late = RelyingPartyService(lab.world.settings, clock, lab.world.engine)
    request = late.create_request("bank")
    form = lab.answer(request)
    clock.advance(REQUEST_LIFETIME + timedelta(minutes=1))
    return lambda: late.receive("bank", form)


@case("response-without-state", Reason.BAD_REQUEST, "a direct_post form with no state", G)
def _(lab):
    return lambda: lab.receive({"vp_token": "{}", "state": ""})


@case("vp-token-not-json", Reason.MALFORMED_PRESENTATION, "a vp_token that is not JSON", G)
def _(lab):
    form = {"state": lab.request()["state"], "vp_token": "person=eyJhbGciOi..."}
    return lambda: lab.receive(form)


@case(
    "credential-type-not-asked-for",
    Reason.VCT_UNEXPECTED,
    "the organization credential presented where the person was asked for",
    G,
)
def _(lab):
    return lambda: lab.bank(person=present(lab.world, lab.world.issued["organization"], query_id="organization"))


@case("claims-not-linked", Reason.CLAIMS_NOT_LINKED, "a relationship naming a director born on another day", G)
def _(lab):
    w = lab.world
    rel = w.mint("fed", "VerifiedRelationship", {**REL_CLAIMS, "person": {**DIRECTOR, "birthdate": "1990-02-01"}})
    return lambda: lab.bank(relationship=present(w, rel, query_id="relationship"))


@case("credentials-of-two-holders", Reason.CLAIMS_NOT_LINKED, "a person credential bound to somebody else's key", G)
def _(lab):
    w = lab.world
    other = generate_key()
    person = w.mint("prov1", "VerifiedPerson", PERSON_CLAIMS, holder=other)
    return lambda: lab.bank(person=present(w, person, query_id="person", holder=other))


@case("credential-not-presented", Reason.CREDENTIAL_NOT_PRESENTED, "no organization in the vp_token", G)
def _(lab):
    def attempt():
        presentations = sasha_presentations(lab.world)
        del presentations["organization"]
        return bank(lab.world, presentations)

    return attempt


@case("loa-below-the-policy", Reason.LOA_TOO_LOW, "a LoA 2 person credential (terr2) for a LoA 3 account", G)
def _(lab):
    w = lab.world
    return lambda: lab.bank(person=present(w, w.mint("terr2", "VerifiedPerson", PERSON_CLAIMS)))


@case("requested-claim-withheld", Reason.CLAIMS_NOT_DISCLOSED, "the address the bank asked for, withheld", G)
def _(lab):
    w = lab.world
    return lambda: lab.bank(
        person=present(w, w.issued["person"], reveal=[("given_name",), ("family_name",), ("birthdate",)])
    )


@case("organization-dissolved", Reason.ORGANIZATION_INACTIVE, "a dissolved company", G)
def _(lab):
    w = lab.world
    org = w.mint("fed", "VerifiedOrganization", {**ORG_CLAIMS, "corporate_status": "dissolved"})
    return lambda: lab.bank(organization=present(w, org, query_id="organization"))


@case("role-not-accepted", Reason.ROLE_NOT_ACCEPTED, "a delegate, not a director, opening the account", G)
def _(lab):
    w = lab.world
    rel = w.mint("fed", "VerifiedRelationship", {**REL_CLAIMS, "relationship_type": "delegate"})
    return lambda: lab.bank(relationship=present(w, rel, query_id="relationship"))


@case("dcql-query-of-another-format", Reason.BAD_REQUEST, "a request whose DCQL asks for mso_mdoc", G)
def _(lab):
    query = {"credentials": [{"id": "p", "format": "mso_mdoc", "meta": {"vct_values": [PERSON_VCT]}}]}
    return lambda: oid4vp.validate_query(query)


@case("dcql-claims-not-an-array", Reason.BAD_REQUEST, "a DCQL credential query whose claims is a number", G)
def _(lab):
    cq = {"id": "p", "format": oid4vp.FORMAT, "meta": {"vct_values": [PERSON_VCT]}, "claims": 5}
    return lambda: oid4vp.matches(cq, PERSON_VCT, {"given_name": "Sasha"})


@case("offer-link-with-broken-json", Reason.BAD_REQUEST, "a credential offer link whose JSON is cut short", G)
def _(lab):
    return lambda: oid4vci.parse_offer("openid-credential-offer://?credential_offer=%7B%22credential_issuer%22")


@case("offer-nested-too-deep", Reason.BAD_REQUEST, "a credential offer nested 100 000 levels deep", G)
def _(lab):
    return lambda: oid4vci.parse_offer("{" + '"a":[' * 100_000)


# ==============================================================================================
# Reading the catalogue
# ==============================================================================================
def by_name() -> dict[str, Case]:
    return {c.name: c for c in CASES}


def catalogue() -> str:
    """The corpus as a table: group, name, expected reason, what the attack is."""
    width = max(len(c.name) for c in CASES)
    rows = [f"{c.group:<22} {c.name:<{width}} {c.expected.value:<32} {c.description}" for c in CASES]
    return "\n".join(rows)
