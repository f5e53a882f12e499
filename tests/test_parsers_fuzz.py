"""Every parser a stranger can reach, fed hostile input: it succeeds or refuses with a reason code.

A stranger reaches the SD-JWT codec and the verification engine (a presentation), the KB-JWT
check, the status list token and its list (served by any issuer), the registry's trust list,
credential offers (a link pasted into a wallet), DCQL queries (a verifier's request), the
OpenID4VP ``direct_post`` endpoint and the identity-proofing evidence of an application. For
each, Hypothesis draws random text, JSON of any shape (deep nesting, huge numbers, lone
surrogates, NUL characters, wrong types everywhere) and mutations of valid inputs (flipped
bytes, dropped, duplicated or reordered parts, base64url of random JSON, signed hostile
payloads). The only acceptable failure is a :class:`~pctf.reasons.SandboxError` carrying a
:class:`~pctf.reasons.Reason` (or, for the engine, a verdict whose failed checks carry reason
codes): any other exception is a crash a stranger could trigger.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import get_default_algorithms

from issuers import proofing
from pctf import oid4vci, oid4vp, sdjwt, statuslist
from pctf.jose import b64u_encode, canonical_json, generate_key
from pctf.links import parse_link
from pctf.reasons import Reason, SandboxError
from pctf.statuslist import StatusList
from pctf.storage import dispose_all
from pctf.vocab import credential_type
from registry.trust_list import sign_trust_list, verify_trust_list
from scenarios.personas import SASHA, SASHA_EVIDENCE
from tests.test_verifier_engine import (
    AUD,
    NONCE,
    ORG_CLAIMS,
    PERSON_CLAIMS,
    REL_CLAIMS,
    make_world,
    payload_for,
    present,
)
from verifier.relying_parties import BUSINESS_ACCOUNT
from verifier.service import RelyingPartyService

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REASONS = {r.value for r in Reason}
ATTACKER = generate_key()
BANK_CREDENTIALS = (
    ("person", "prov1", "VerifiedPerson", PERSON_CLAIMS),
    ("organization", "fed", "VerifiedOrganization", ORG_CLAIMS),
    ("relationship", "fed", "VerifiedRelationship", REL_CLAIMS),
)


# -- what counts as a clean outcome ------------------------------------------------------------
def refused_or_done(fn, *args, **kwargs):
    """Run ``fn``; a SandboxError must carry a Reason, any other exception propagates (a crash)."""
    try:
        return fn(*args, **kwargs)
    except SandboxError as exc:
        assert isinstance(exc.reason, Reason)
        return exc


def assert_verdict_is_coded(verdict) -> None:
    """Every failed check of a verdict names a reason code of the catalogue."""
    for check in verdict.checks:
        assert check.passed or check.reason in REASONS, check.as_dict()


# -- hostile values --------------------------------------------------------------------------
SPECIAL_STRINGS = [
    "",
    "\x00",
    "\ud800",
    "a\udfffb",
    "\ud83d\ude00",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e999",
    "-0",
    "null",
    "~",
    "~~",
    ".",
    "..",
    "=",
    "é",
    "\u202e",
    "_sd",
    "...",
    "_sd_alg",
    "dc+sd-jwt",
    "kb+jwt",
    "statuslist+jwt",
    "trust-list+jwt",
    "ES256",
    "none",
    "HS256",
]
hostile_text = (
    st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
    | st.sampled_from(SPECIAL_STRINGS)
    | st.text(max_size=40)
)
huge_numbers = st.sampled_from(
    [
        2**63,
        -(2**63) - 1,
        2**64,
        10**30,
        10**300,
        1e308,
        -1e308,
        float("nan"),
        float("inf"),
        -float("inf"),
        5e-324,
        -0.0,
        253402300800,
    ]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | huge_numbers
    | st.floats(allow_nan=True, allow_infinity=True)
    | hostile_text
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=20,
)
# Parsed JSON has no NaN or infinity (the sandbox's JSON refuses them) but may have everything else.
finite_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | hostile_text
)
finite_values = st.recursive(
    finite_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=20,
)


class DeepList(list):
    """A list nested many levels deep that Hypothesis reports in one line (its own printer would
    recurse as deep as the value)."""

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(f"<JSON value nested {self.depth} levels deep>")


class DeepDict(dict):
    _repr_pretty_ = DeepList._repr_pretty_


def nested(depth: int, kind: str):
    """A value nested ``depth`` times: lists, or objects under key "a"."""
    value: object = 1
    for _ in range(depth - 1):
        value = [value] if kind == "list" else {"a": value}
    outer = DeepList([value]) if kind == "list" else DeepDict(a=value)
    outer.depth = depth
    return outer


deep_values = st.builds(nested, st.integers(1, 3000), st.sampled_from(["list", "dict"]))
any_value = json_values | deep_values
# What a signer can still write as JSON: nested up to a depth json.dumps reaches.
signable_values = finite_values | st.builds(nested, st.integers(1, 900), st.sampled_from(["list", "dict"]))
deep_json_text = st.builds(
    lambda n, open_, close: open_ * n + close * n,
    st.integers(1, 100_000),
    st.sampled_from(["["]),
    st.sampled_from(["]", ""]),
) | st.builds(lambda n: '{"a":' * n + "1" + "}" * n, st.integers(1, 5000))


def to_json(value) -> str:
    """JSON text of ``value``, NaN and infinities written as Python writes them (invalid JSON)."""
    try:
        return json.dumps(value)
    except (RecursionError, ValueError):
        return "[" * 5000


json_texts = st.builds(to_json, any_value) | deep_json_text | hostile_text
b64_json = st.builds(lambda text: b64u_encode(text.encode("utf-8", "surrogatepass")), json_texts)
b64_noise = st.binary(max_size=60).map(b64u_encode) | st.from_regex(r"[A-Za-z0-9_\-=+/]{0,60}", fullmatch=True)


# -- mutations of a valid compact serialization ------------------------------------------------
@st.composite
def mutated(draw, valid: str, separators: str = ".~"):
    """``valid`` with one hostile change: a character flipped, a part dropped, duplicated,
    swapped or replaced by base64url of random JSON, or garbage around it."""
    how = draw(st.sampled_from(["flip", "drop", "duplicate", "swap", "replace", "append", "prepend", "truncate"]))
    sep = draw(st.sampled_from(list(separators)))
    parts = valid.split(sep)
    if how == "flip":
        i = draw(st.integers(0, len(valid) - 1))
        return valid[:i] + draw(st.characters(codec=None, exclude_categories=())) + valid[i + 1 :]
    if how == "truncate":
        return valid[: draw(st.integers(0, len(valid)))]
    if how == "append":
        return valid + draw(st.sampled_from([".", "~", ".x", "~x", "\x00", "=", "=="])) + draw(b64_noise)
    if how == "prepend":
        return draw(st.sampled_from(["~", ".", " ", "\ufeff", "x."])) + valid
    i = draw(st.integers(0, len(parts) - 1))
    if how == "drop":
        parts.pop(i)
    elif how == "duplicate":
        parts.insert(i, parts[i])
    elif how == "swap":
        j = draw(st.integers(0, len(parts) - 1))
        parts[i], parts[j] = parts[j], parts[i]
    else:
        parts[i] = draw(b64_json | b64_noise)
    return sep.join(parts)


# -- the world: a seeded registry, real issuers, a holder -----------------------------------------
class Lab:
    """The fuzzed world in one object that Hypothesis reports in one line."""

    def __init__(self, world) -> None:
        self.world = world
        self.engine = world.engine
        self.presentation = present(world, world.issued["person"])
        self.relying_parties = RelyingPartyService(world.settings, world.clock, world.engine)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text("<seeded registry, real issuers, Sasha's credentials>")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    yield Lab(make_world(tmp_path_factory.mktemp("parsers-fuzz") / "data"))
    dispose_all()


def sign_json(key, header: dict, payload) -> str:
    """A compact JWS over ``payload`` written as ASCII JSON, so that lone surrogates travel as
    ``\\ud800`` escapes (which :meth:`SigningKey.sign` cannot encode)."""
    header = {"alg": key.alg, **header}
    signing_input = ".".join(b64u_encode(json.dumps(part).encode("ascii")) for part in (header, payload))
    algorithm = get_default_algorithms()[key.alg]
    signature = algorithm.sign(signing_input.encode("ascii"), algorithm.from_jwk(json.dumps(key.private_jwk)))
    return f"{signing_input}.{b64u_encode(signature)}"


# ============================================================================================
# SD-JWT: parse, resolve, and the whole engine
# ============================================================================================
def codec_all_the_way(text) -> None:
    """What a verifier's codec does with a presentation, without the registry."""
    sd = sdjwt.SdJwt.parse(text)
    sdjwt.resolve_disclosures(sd.payload, sd.disclosures)


@FUZZ
@given(text=hostile_text | json_texts | st.lists(b64_json | b64_noise, max_size=5).map("~".join))
def test_sd_jwt_codec_on_arbitrary_text(text):
    refused_or_done(codec_all_the_way, text)


@FUZZ
@given(data=st.data())
def test_sd_jwt_codec_on_mutated_presentations(lab, data):
    refused_or_done(codec_all_the_way, data.draw(mutated(lab.presentation)))


@FUZZ
@given(
    payload=st.dictionaries(hostile_text, any_value, max_size=5) | st.builds(lambda d: {"_sd": d}, any_value),
    disclosures=st.lists(b64_json | b64_noise | hostile_text | st.integers() | st.none(), max_size=4),
)
def test_resolve_disclosures_on_arbitrary_payloads(payload, disclosures):
    refused_or_done(sdjwt.resolve_disclosures, payload, disclosures)


@FUZZ
@given(data=st.data())
def test_engine_on_mutated_and_arbitrary_presentations(lab, data):
    text = data.draw(mutated(lab.presentation) | hostile_text | json_texts)
    assert_verdict_is_coded(lab.engine.verify_single(text, aud=AUD, nonce=NONCE))


@st.composite
def hostile_credentials(draw):
    """A payload signed by a registered issuer's real key (so that it passes the signature
    check) whose claims are hostile: any type for iat, exp, nbf, cnf, status, assurance_level,
    _sd and _sd_alg, and random disclosures."""
    base = {"iss": "prov1", "vct": credential_type("VerifiedPerson").vct}
    fields = draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "iat",
                    "exp",
                    "nbf",
                    "cnf",
                    "cnf",
                    "cnf",
                    "status",
                    "status",
                    "assurance_level",
                    "_sd",
                    "_sd_alg",
                    "given_name",
                    "address",
                ]
            ),
            signable_values
            | st.builds(lambda v: {"jwk": v}, signable_values)
            | st.builds(lambda v: {"status_list": v}, signable_values),
            max_size=4,
        )
    )
    disclosures = draw(st.just([]) | st.lists(b64_json, max_size=3))
    return base, fields, disclosures


@SLOW_FUZZ
@given(case=hostile_credentials())
def test_engine_on_hostile_claims_signed_by_a_registered_issuer(lab, case):
    world = lab.world
    base, fields, disclosures = case
    payload = payload_for(world, "VerifiedPerson", PERSON_CLAIMS, iss=world.iss(base["iss"]))
    payload.update(fields)
    key = world.issuers.signing_key("prov1")
    jwt = sign_json(key, {"typ": sdjwt.TYP_SD_JWT_VC, "kid": key.kid}, payload)
    sd_jwt = "~".join([jwt, *disclosures]) + "~"
    sd_hash = b64u_encode(hashlib.sha256(sd_jwt.encode("ascii")).digest())
    kb = world.holder.sign(
        {"iat": world.clock.timestamp(), "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash},
        typ=sdjwt.TYP_KB_JWT,
        include_kid=False,
    )
    assert_verdict_is_coded(lab.engine.verify_single(sd_jwt + kb, aud=AUD, nonce=NONCE))


@FUZZ
@given(
    iss=hostile_text | signable_values,
    vct=hostile_text | signable_values,
    kid=hostile_text | signable_values,
    alg=st.sampled_from(["ES256", "ES384", "EdDSA", "none", "HS256"]) | signable_values,
)
def test_engine_on_forged_issuer_identifiers(lab, iss, vct, kid, alg):
    """The issuer's identifier, the type and the kid are read before any signature is checked:
    whatever they hold, the registry lookup must not crash."""
    payload = {**payload_for(lab.world, "VerifiedPerson", PERSON_CLAIMS, iss="x"), "iss": iss, "vct": vct}
    jwt = sign_json(ATTACKER, {"typ": sdjwt.TYP_SD_JWT_VC, "kid": kid, "alg": alg}, payload)
    assert_verdict_is_coded(lab.engine.verify_single(jwt + "~", aud=AUD, nonce=NONCE))


# Values the issuer accepts in a holder JWK today (it refuses none of them; member names "_sd" or
# "..." and lone surrogates make issuance itself fail, which is the issuer service's to refuse).
mintable_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text("abcé\x00", max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text("xyz", max_size=3), children, max_size=3),
    max_leaves=8,
)


@pytest.mark.slow
@SLOW_FUZZ
@given(
    extra=st.dictionaries(
        st.sampled_from(["n", "e", "kid", "use", "key_ops", "x5c"]), mintable_values, min_size=1, max_size=2
    )
)
def test_bank_policy_on_holder_keys_with_hostile_members(lab, extra):
    """A wallet chooses its holder JWK and the issuer copies it into ``cnf``: members that an EC
    key does not use may hold anything, and the policy's same-holder check compares them."""
    world = lab.world
    holder_jwk = {**world.holder.public_jwk, **extra}
    presentations = {}
    for query_id, short_id, type_name, claims in BANK_CREDENTIALS:
        issued = world.issuers.mint(short_id, type_name, claims, holder_jwk)
        presentations[query_id] = [present(world, issued, query_id=query_id)]
    verdict = lab.engine.verify_presentation(BUSINESS_ACCOUNT, presentations, aud=AUD, nonce=NONCE, verifier="bank")
    assert_verdict_is_coded(verdict)


# ============================================================================================
# KB-JWT
# ============================================================================================
@FUZZ
@given(data=st.data())
def test_key_binding_on_hostile_kb_jwts(lab, data):
    world = lab.world
    sd = sdjwt.SdJwt.parse(lab.presentation)
    choice = data.draw(st.sampled_from(["mutated", "text", "signed"]))
    if choice == "mutated":
        kb = data.draw(mutated(sd.kb_jwt, "."))
    elif choice == "text":
        kb = data.draw(hostile_text | b64_json)
    else:  # signed by the holder, with any header and any claims
        claims = data.draw(
            st.dictionaries(
                st.sampled_from(["iat", "aud", "nonce", "sd_hash"]) | hostile_text, signable_values, max_size=5
            )
        )
        header = data.draw(
            st.dictionaries(st.sampled_from(["typ", "crit", "kid", "jwk", "cty"]), signable_values, max_size=3)
        )
        kb = sign_json(world.holder, {"typ": sdjwt.TYP_KB_JWT, **header}, claims)
    holder_jwk = data.draw(
        st.just(world.holder.public_jwk)
        | st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "n", "e"]), finite_values, max_size=5)
    )
    hostile = sdjwt.SdJwt(sd.issuer_jwt, sd.disclosures, kb, sd.jws)
    refused_or_done(
        sdjwt.verify_key_binding,
        hostile,
        holder_jwk,
        aud=AUD,
        nonce=NONCE,
        now=world.clock.timestamp(),
        max_age=300,
        leeway=30,
    )


# ============================================================================================
# Token Status List
# ============================================================================================
STATUS_URI = "https://issuer.example.ca/issuers/prov1/status-lists/1"
STATUS_KEY = generate_key()
STATUS_NOW = 1_750_000_000
VALID_STATUS_TOKEN = statuslist.sign_token(
    StatusList(64), STATUS_KEY, uri=STATUS_URI, iat=STATUS_NOW, exp=STATUS_NOW + 600, ttl=300
)


bit_counts = st.sampled_from([1, 2, 4, 8, 2.0, 8.0, True, False, "2", 0, 3, 16, -1, 2**64]) | any_value
packed_lists = st.sampled_from([StatusList(n, b).encode()["lst"] for n, b in ((8, 2), (64, 1), (0, 8))])


@FUZZ
@given(
    value=any_value
    | st.fixed_dictionaries({"bits": bit_counts, "lst": packed_lists | b64_noise | b64_json | any_value})
)
def test_status_list_decode_on_arbitrary_values(value):
    refused_or_done(StatusList.decode, value)


@FUZZ
@given(data=st.data())
def test_status_list_token_on_hostile_tokens(data):
    choice = data.draw(st.sampled_from(["mutated", "text", "signed"]))
    if choice == "mutated":
        token = data.draw(mutated(VALID_STATUS_TOKEN, "."))
    elif choice == "text":
        token = data.draw(hostile_text | json_texts)
    else:  # signed by the issuer's key, with hostile claims
        claims = data.draw(
            st.fixed_dictionaries(
                {"sub": st.just(STATUS_URI) | signable_values},
                optional={
                    "iat": signable_values,
                    "exp": signable_values,
                    "ttl": signable_values,
                    "status_list": signable_values
                    | st.fixed_dictionaries(
                        {
                            "bits": bit_counts.filter(lambda b: not isinstance(b, (DeepList, DeepDict))),
                            "lst": packed_lists | b64_noise | signable_values,
                        }
                    ),
                },
            )
        )
        token = sign_json(STATUS_KEY, {"typ": statuslist.TYP, "kid": STATUS_KEY.kid}, claims)
    refused_or_done(statuslist.verify_token, token, [STATUS_KEY.public_jwk], uri=STATUS_URI, now=STATUS_NOW)


# ============================================================================================
# The registry's trust list
# ============================================================================================
ANCHOR = generate_key()
dates = (
    st.integers()
    | st.sampled_from([0, -1, 1_750_000_000, 253402300799, 253402300800, 2**63, -(2**63), 10**20])
    | signable_values
)
AUTHORITY = "http://127.0.0.1:8600/registry"
VALID_TRUST_LIST = sign_trust_list(
    ANCHOR,
    authority_id=AUTHORITY,
    entities=[{"entity_id": "x"}],
    recognitions=[],
    issued_at=datetime(2025, 3, 1, tzinfo=UTC),
    lifetime=timedelta(days=1),
)


@FUZZ
@given(data=st.data())
def test_trust_list_on_hostile_snapshots(data):
    choice = data.draw(st.sampled_from(["mutated", "text", "signed"]))
    if choice == "mutated":
        token = data.draw(mutated(VALID_TRUST_LIST, "."))
    elif choice == "text":
        token = data.draw(hostile_text | json_texts)
    else:  # signed by the anchor itself: the shape must still be checked
        token = sign_json(
            ANCHOR,
            {"typ": "trust-list+jwt"},
            data.draw(
                st.fixed_dictionaries(
                    {
                        "iss": st.just(AUTHORITY) | signable_values,
                        "iat": dates,
                        "exp": dates,
                        "entities": st.lists(
                            signable_values
                            | st.fixed_dictionaries({"entity_id": st.just("https://issuer.example") | signable_values}),
                            max_size=3,
                        )
                        | signable_values,
                        "recognitions": st.lists(signable_values, max_size=2) | signable_values,
                    }
                )
            ),
        )
    refused_or_done(verify_trust_list, token, {"keys": [ANCHOR.public_jwk]}, authority_id=AUTHORITY)


# ============================================================================================
# Credential offers
# ============================================================================================
def as_offer_link(value) -> str:
    return "openid-credential-offer://?credential_offer=" + httpx.QueryParams({"x": to_json(value)}).get("x")


offers = (
    any_value
    | hostile_text
    | json_texts
    | st.builds(
        lambda v: "openid-credential-offer://?" + str(httpx.QueryParams({"credential_offer": to_json(v)})), any_value
    )
    | st.builds(lambda t: "openid-credential-offer://" + t, hostile_text)
    | st.from_regex(r"[a-z\-]{0,10}://\[?[\w.:\[\]]{0,10}\??[\w=&%\[\]]{0,30}", fullmatch=True)
)


@FUZZ
@given(value=offers)
def test_parse_offer_and_link_on_hostile_input(value):
    refused_or_done(oid4vci.parse_offer, value)
    refused_or_done(parse_link, value, "openid4vp", "request")


def _nothing_there(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"error": "not_found", "error_description": "no offer here"})


@FUZZ
@given(value=offers | st.fixed_dictionaries({"credential_offer_uri": any_value}))
def test_resolve_offer_on_hostile_input(value):
    with httpx.Client(transport=httpx.MockTransport(_nothing_there)) as http:
        refused_or_done(oid4vci.resolve_offer, http, value)


# ============================================================================================
# DCQL
# ============================================================================================
claim_paths = st.lists(hostile_text | st.integers() | st.none() | finite_values, max_size=4) | any_value
credential_queries = st.fixed_dictionaries(
    {},
    optional={
        "id": hostile_text | any_value,
        "format": st.just(oid4vp.FORMAT) | any_value,
        "meta": st.fixed_dictionaries({}, optional={"vct_values": st.lists(hostile_text) | any_value}) | any_value,
        "claims": st.lists(st.fixed_dictionaries({}, optional={"path": claim_paths}) | any_value, max_size=3)
        | any_value,
    },
)
queries = st.fixed_dictionaries({"credentials": st.lists(credential_queries, max_size=3) | any_value}) | any_value


@FUZZ
@given(query=queries, vct=hostile_text | any_value, claims=any_value, path=claim_paths)
def test_dcql_on_hostile_queries_and_claims(query, vct, claims, path):
    refused_or_done(oid4vp.validate_query, query)
    credential_query = (
        query["credentials"][0]
        if (isinstance(query, dict) and isinstance(query.get("credentials"), list) and query["credentials"])
        else query
    )
    refused_or_done(oid4vp.matches, credential_query, vct, claims)
    refused_or_done(oid4vp.claim_values, claims, path)
    refused_or_done(oid4vp.has_claim, claims, path)


# ============================================================================================
# OpenID4VP responses
# ============================================================================================
form_text = st.text(max_size=60) | st.sampled_from(["", "\x00", "{}", "[]", "null", "NaN", '{"person": "a~b~"}'])


@SLOW_FUZZ
@given(data=st.data())
def test_direct_post_on_hostile_forms(lab, data):
    """The form as the HTTP layer hands it over (every value a string), for a pending, an
    unknown or a missing state."""
    form = data.draw(
        st.dictionaries(
            st.sampled_from(["state", "vp_token", "error", "presentation_submission"]) | form_text,
            form_text,
            max_size=4,
        )
    )
    which = data.draw(st.sampled_from(["pending", "as-drawn"]))
    if which == "pending":
        form["state"] = lab.relying_parties.create_request("bank")["state"]
    form["vp_token"] = data.draw(
        st.just(form.get("vp_token", ""))
        | st.builds(to_json, finite_values)
        | st.builds(lambda v: json.dumps({"person": v, "organization": [v]}), finite_values)
    )
    refused_or_done(lab.relying_parties.receive, data.draw(st.sampled_from(["bank", "nobank", "bank-personal"])), form)


def test_direct_post_with_a_deeply_nested_vp_token(lab):
    state = lab.relying_parties.create_request("bank")["state"]
    refused_or_done(lab.relying_parties.receive, "bank", {"state": state, "vp_token": "[" * 100_000})


@SLOW_FUZZ
@given(
    vp_token=any_value
    | st.dictionaries(
        st.sampled_from(["person", "organization", "relationship"]) | hostile_text,
        any_value | st.lists(hostile_text, max_size=2),
        max_size=4,
    )
)
def test_verify_presentation_on_arbitrary_vp_tokens(lab, vp_token):
    verdict = lab.engine.verify_presentation(BUSINESS_ACCOUNT, vp_token, aud=AUD, nonce=NONCE, verifier="bank")
    assert verdict.accepted is False
    assert_verdict_is_coded(verdict)


# ============================================================================================
# Identity-proofing evidence
# ============================================================================================
documents = (
    st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(sorted(proofing.EVIDENCE_TYPES | proofing.NAME_CHANGE_EVIDENCE)) | any_value,
            "number": hostile_text | any_value,
            "given_name": st.just(SASHA["given_name"]) | any_value,
            "family_name": hostile_text | any_value,
            "birthdate": any_value,
            "previous_given_name": any_value,
            "previous_family_name": any_value,
            "biometric_match": any_value,
        },
    )
    | any_value
)
evidence = st.lists(documents, max_size=4) | any_value | st.just(SASHA_EVIDENCE)


@FUZZ
@given(evidence=evidence, max_loa=st.integers(1, 4))
def test_proofing_on_hostile_evidence(evidence, max_loa):
    refused_or_done(proofing.assess, dict(SASHA), evidence, max_loa=max_loa)
    refused_or_done(proofing.check_name_change, dict(SASHA), {**SASHA, "family_name": "Roy"}, evidence)


# ============================================================================================
# Shapes the generators must reach, so that the properties above mean something
# ============================================================================================
def test_the_valid_baselines_are_valid(lab):
    verdict = lab.engine.verify_single(lab.presentation, aud=AUD, nonce=NONCE)
    assert verdict.accepted, [c.as_dict() for c in verdict.checks if not c.passed]
    assert statuslist.verify_token(VALID_STATUS_TOKEN, [STATUS_KEY.public_jwk], uri=STATUS_URI, now=STATUS_NOW)
    assert verify_trust_list(VALID_TRUST_LIST, {"keys": [ANCHOR.public_jwk]}, authority_id=AUTHORITY).entities
    assert canonical_json(nested(3, "list")) == "[[[1]]]"
