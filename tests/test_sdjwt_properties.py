"""Property tests of the SD-JWT codec (Hypothesis).

* any claim set, with any choice of disclosable claims, survives issue -> parse -> verify -> resolve
  unchanged, and a presentation that withholds every disclosure yields exactly the permanent claims;
* altering (or deleting) any single character anywhere in a presentation -- issuer JWT, any
  disclosure, any separator, the KB-JWT -- makes full verification fail with a SandboxError;
* arbitrary and adversarial inputs only ever fail with a SandboxError, never another exception.

One issuer key and one holder key are generated once for the whole module to keep it fast.
"""
from __future__ import annotations

import json
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pctf.jose import b64u_encode, generate_key
from pctf.reasons import SandboxError
from pctf.sdjwt import (
    ACCEPTED_TYPS,
    NEVER_DISCLOSABLE,
    SdJwt,
    _digest,
    issue,
    present,
    resolve_disclosures,
    verify_key_binding,
)

ISSUER = generate_key()
HOLDER = generate_key()
NOW = 1_760_000_000
AUD = "https://verifier.example.ca"
NONCE = "nonce-Zm9vYmFy"
B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"

RESERVED = {"_sd", "...", "_sd_alg"}
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- generators: JSON values with string keys that are never reserved

keys = st.text(max_size=8).filter(lambda k: k not in RESERVED)
top_keys = keys.filter(lambda k: k not in NEVER_DISCLOSABLE)
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=15,
)
claim_sets = st.dictionaries(top_keys, values, max_size=6)


def canonical(value) -> str:
    """Exact comparison (``True == 1`` and ``1 == 1.0`` in Python, not in JSON)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def all_paths(value, prefix=()):
    """Every path :func:`issue` understands: object members by name, array elements as ``None``."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield prefix + (k,)
            yield from all_paths(v, prefix + (k,))
    elif isinstance(value, list):
        for v in value:
            yield prefix + (None,)
            yield from all_paths(v, prefix + (None,))


def count_nodes(value, chosen, prefix=()) -> int:
    """How many disclosures issuing ``value`` with ``chosen`` paths must produce."""
    n = 0
    if isinstance(value, dict):
        for k, v in value.items():
            n += (prefix + (k,) in chosen) + count_nodes(v, chosen, prefix + (k,))
    elif isinstance(value, list):
        for v in value:
            n += (prefix + (None,) in chosen) + count_nodes(v, chosen, prefix + (None,))
    return n


def permanent_only(value, chosen, prefix=()):
    """``value`` with every selectively disclosable claim removed (nothing disclosed)."""
    if isinstance(value, dict):
        return {k: permanent_only(v, chosen, prefix + (k,)) for k, v in value.items() if prefix + (k,) not in chosen}
    if isinstance(value, list):
        if prefix + (None,) in chosen:
            return []
        return [permanent_only(v, chosen, prefix + (None,)) for v in value]
    return value


def verified_claims(compact: str) -> tuple[SdJwt, dict]:
    sd = SdJwt.parse(compact)
    sd.jws.check_header(ACCEPTED_TYPS)
    sd.jws.verify(ISSUER.public_jwk)
    resolved, _ = resolve_disclosures(sd.payload, sd.disclosures)
    return sd, resolved


def full_verify(presentation: str) -> dict:
    """What a verifier does: parse, header, issuer signature, disclosures, key binding."""
    sd, resolved = verified_claims(presentation)
    verify_key_binding(sd, resolved["cnf"]["jwk"], aud=AUD, nonce=NONCE, now=NOW, max_age=300, leeway=30)
    return resolved


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_any_claims_with_any_top_level_disclosable_subset_round_trip(data):
    claims = data.draw(claim_sets, label="claims")
    chosen = data.draw(st.sets(st.sampled_from(sorted(claims))) if claims else st.just(set()), label="disclosable")
    compact = issue(claims, ISSUER, disclosable=[(k,) for k in chosen])
    sd, resolved = verified_claims(compact)
    assert canonical(resolved) == canonical(claims)
    assert len(sd.disclosures) == len(chosen)
    assert not chosen & set(sd.payload)
    assert ("_sd_alg" in sd.payload) == bool(chosen)
    # a presentation that discloses nothing leaves only the permanent claims
    bare = SdJwt.parse(compact).issuer_jwt + "~"
    assert canonical(verified_claims(bare)[1]) == canonical({k: v for k, v in claims.items() if k not in chosen})


@SETTINGS
@given(data=st.data())
def test_any_claims_with_any_nested_disclosable_paths_round_trip(data):
    claims = data.draw(claim_sets, label="claims")
    paths = sorted(set(all_paths(claims)), key=repr)
    chosen = data.draw(st.sets(st.sampled_from(paths)) if paths else st.just(set()), label="disclosable")
    compact = issue(claims, ISSUER, disclosable=chosen)
    sd, resolved = verified_claims(compact)
    assert canonical(resolved) == canonical(claims)
    assert len(sd.disclosures) == count_nodes(claims, chosen)
    assert canonical(verified_claims(sd.issuer_jwt + "~")[1]) == canonical(permanent_only(claims, chosen))


@SETTINGS
@given(data=st.data())
def test_presentation_of_everything_verifies_with_key_binding(data):
    claims = data.draw(claim_sets, label="claims")
    paths = sorted(set(all_paths(claims)), key=repr)
    chosen = data.draw(st.sets(st.sampled_from(paths)) if paths else st.just(set()), label="disclosable")
    full = claims | {"iss": "https://issuer.example.ca", "vct": "urn:pctf:test", "cnf": {"jwk": HOLDER.public_jwk}}
    compact = issue(full, ISSUER, disclosable=chosen)
    p = present(compact, HOLDER, reveal=[(k,) for k in claims], aud=AUD, nonce=NONCE, iat=NOW)
    assert canonical(full_verify(p)) == canonical(full)
    p = present(compact, HOLDER, reveal=[], aud=AUD, nonce=NONCE, iat=NOW)
    assert canonical(full_verify(p)) == canonical(permanent_only(full, chosen))


# ---------------------------------------------------------------------------------------------
# Tampering: every single-character change is caught
# ---------------------------------------------------------------------------------------------

TAMPER_CLAIMS = {
    "iss": "https://issuer.example.ca",
    "iat": NOW - 100,
    "exp": NOW + 86_400,
    "vct": "urn:pctf:vct:person",
    "cnf": {"jwk": HOLDER.public_jwk},
    "given_name": "Émilie",
    "family_name": "Tremblay",
    "address": {"locality": "Gatineau", "country": "CA"},
    "nationalities": ["CA", "FR"],
}
TAMPER_ISSUED = issue(TAMPER_CLAIMS, ISSUER, disclosable=[
    ("given_name",), ("family_name",), ("address",), ("address", "locality"), ("nationalities", None)])
TAMPER_PRESENTATION = present(TAMPER_ISSUED, HOLDER, reveal=[("given_name",), ("address", "locality"),
                                                             ("nationalities", None)],
                              aud=AUD, nonce=NONCE, iat=NOW)
# the characters a tamperer might write: the base64url alphabet, the separators, padding, the
# standard-base64 characters, whitespace, junk and non-ASCII
REPLACEMENTS = B64URL + "~.=+/ \t\n!*\x00é€"


def test_tamper_fixture_is_valid():
    resolved = full_verify(TAMPER_PRESENTATION)
    assert resolved["address"] == {"locality": "Gatineau", "country": "CA"}  # country is permanent
    assert resolved["nationalities"] == ["CA", "FR"]
    assert "family_name" not in resolved
    # the issuer JWT, five disclosures (given_name, address, locality, two nationalities), the KB-JWT
    assert TAMPER_PRESENTATION.count("~") == 6


def segment_of(presentation: str, position: int) -> str:
    parts = presentation.split("~")
    start = 0
    for i, part in enumerate(parts):
        if position < start + len(part):
            return "issuer-jwt" if i == 0 else ("kb-jwt" if i == len(parts) - 1 else "disclosure")
        if position == start + len(part):
            return "separator"
        start += len(part) + 1
    raise AssertionError(position)


@settings(max_examples=100, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(TAMPER_PRESENTATION) - 1),
       replacement=st.sampled_from(REPLACEMENTS))
def test_altering_any_single_character_is_rejected(position, replacement):
    original = TAMPER_PRESENTATION[position]
    assume(replacement != original)
    tampered = TAMPER_PRESENTATION[:position] + replacement + TAMPER_PRESENTATION[position + 1:]
    with pytest.raises(SandboxError):
        full_verify(tampered)


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(TAMPER_PRESENTATION) - 1))
def test_deleting_any_single_character_is_rejected(position):
    tampered = TAMPER_PRESENTATION[:position] + TAMPER_PRESENTATION[position + 1:]
    with pytest.raises(SandboxError):
        full_verify(tampered)


def test_every_position_exhaustively():
    """The same property without sampling: one substitute per position, plus every substitute for
    the last character of each base64url segment (where the unused low bits live)."""
    p = TAMPER_PRESENTATION
    seen_segments = set()
    for position, original in enumerate(p):
        substitute = B64URL[(B64URL.index(original) + 1) % 64] if original in B64URL else "A"
        with pytest.raises(SandboxError):
            full_verify(p[:position] + substitute + p[position + 1:])
        seen_segments.add(segment_of(p, position))
        if original in B64URL and (position + 1 == len(p) or p[position + 1] in ".~"):
            for other in B64URL.replace(original, ""):
                with pytest.raises(SandboxError):
                    full_verify(p[:position] + other + p[position + 1:])
    assert seen_segments == {"issuer-jwt", "disclosure", "separator", "kb-jwt"}


# ---------------------------------------------------------------------------------------------
# Robustness: garbage in, SandboxError out
# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(text=st.text(max_size=300) | st.from_regex(r"[A-Za-z0-9_\-.~]{0,300}", fullmatch=True))
def test_arbitrary_text_fails_only_with_sandbox_error(text):
    try:
        full_verify(text)
    except SandboxError:
        return
    raise AssertionError("arbitrary text was accepted as a presentation")  # pragma: no cover


REF = "\x00ref"  # a placeholder, replaced by a digest once the skeleton is drawn


def skeleton(max_leaves: int = 8):
    """A JSON value with digest slots: in `_sd` arrays of objects and as `{"...": _}` array elements."""
    return st.recursive(
        scalars,
        lambda children: (st.lists(children | st.just({"...": REF}), max_size=4)
                          | st.builds(lambda d, n: d | ({"_sd": [REF] * n} if n else {}),
                                      st.dictionaries(keys, children, max_size=3), st.integers(0, 3))),
        max_leaves=max_leaves,
    )


def fill(value, refs):
    """Replace the placeholders, in order, with digests taken from the iterator ``refs``."""
    if isinstance(value, dict):
        return {k: ([next(refs) for _ in v] if k == "_sd" else
                    next(refs) if v == REF else fill(v, refs)) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, refs) for v in value]
    return value


@st.composite
def adversarial_sd_jwt(draw):
    """Random disclosures -- good and bad shapes, ordinary, reserved and protected claim names --
    and a random payload referencing their digests (and decoys) from `_sd` arrays and `...`
    elements, sometimes more than once, sometimes through other disclosures; then a random
    selection of the disclosures, sometimes with a repeat."""
    names = st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h", "_sd", "...", "iss", "cnf", "_sd_alg"])

    def contents(value_strategy):
        salt = st.text(B64URL, min_size=1, max_size=4)
        return (st.tuples(salt, names, value_strategy).map(list)
                | st.tuples(salt, value_strategy).map(list))

    def refs_from(pool):
        # each digest once, in a random order; after that, repeats (digest_duplicate territory)
        order = draw(st.permutations(pool)) if pool else []
        extra = draw(st.lists(st.sampled_from(pool), min_size=40, max_size=40)) if pool else []
        return iter(order + extra + [b64u_encode(bytes([9]) * 32)] * 100)

    inner = [b64u_encode(json.dumps(c).encode()) for c in draw(st.lists(contents(values), max_size=4))]
    decoys = [b64u_encode(bytes([i]) * 32) for i in range(2)]
    inner_refs = refs_from([_digest(d) for d in inner] + decoys)
    outer = [b64u_encode(json.dumps(fill(c, inner_refs)).encode())
             for c in draw(st.lists(contents(skeleton(6)), max_size=3))]
    payload = fill(draw(st.dictionaries(keys, skeleton(), max_size=4)), refs_from(
        [_digest(d) for d in outer] + [_digest(d) for d in inner] + decoys))
    if draw(st.booleans()):
        payload["_sd"] = [next(refs_from([_digest(d) for d in outer + inner] + decoys))
                          for _ in range(draw(st.integers(0, 3)))]
    pool = inner + outer
    presented = draw(st.lists(st.sampled_from(pool), unique=True)) if pool else []
    if presented and draw(st.integers(0, 9)) == 0:
        presented.append(presented[0])
    return payload, presented


def assert_clean(value, top=True):
    if isinstance(value, dict):
        assert "_sd" not in value
        assert not (top and "_sd_alg" in value)
        for v in value.values():
            assert_clean(v, top=False)
    elif isinstance(value, list):
        for v in value:
            assert not (isinstance(v, dict) and "..." in v and len(v) == 1)
            assert_clean(v, top=False)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial_sd_jwt())
def test_adversarial_payloads_and_disclosures(case):
    payload, presented = case
    try:
        resolved, placed = resolve_disclosures(payload, presented)
    except SandboxError:
        return
    # accepted: then every rule of RFC 9901 7.1 must hold for the output
    assert len(placed) == len(presented) == len(set(presented))
    assert sorted(p.disclosure for p in placed) == sorted(presented)
    assert all(p.path[0] not in NEVER_DISCLOSABLE for p in placed if len(p.path) == 1)
    assert all(p.path[-1] not in ("_sd", "...") for p in placed)
    assert_clean(resolved)
