"""Property tests of the SD-JWT codec (Hypothesis).

* any claim set, with any choice of disclosable claims, survives issue -> parse -> verify -> resolve
  unchanged, and a presentation that withholds every disclosure yields exactly the permanent claims;
* altering (or deleting) any single character anywhere in a presentation -- issuer JWT, any
  disclosure, any separator, the KB-JWT -- makes full verification fail with a SandboxError;
* arbitrary and adversarial inputs only ever fail with a SandboxError, never another exception.

One issuer key and one holder key are generated once for the whole module to keep it fast.
"""

from __future__ import annotations

import base64
import hashlib
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
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
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
TAMPER_ISSUED = issue(
    TAMPER_CLAIMS,
    ISSUER,
    disclosable=[("given_name",), ("family_name",), ("address",), ("address", "locality"), ("nationalities", None)],
)
TAMPER_PRESENTATION = present(
    TAMPER_ISSUED,
    HOLDER,
    reveal=[("given_name",), ("address", "locality"), ("nationalities", None)],
    aud=AUD,
    nonce=NONCE,
    iat=NOW,
)
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
@given(
    position=st.integers(min_value=0, max_value=len(TAMPER_PRESENTATION) - 1), replacement=st.sampled_from(REPLACEMENTS)
)
def test_altering_any_single_character_is_rejected(position, replacement):
    original = TAMPER_PRESENTATION[position]
    assume(replacement != original)
    tampered = TAMPER_PRESENTATION[:position] + replacement + TAMPER_PRESENTATION[position + 1 :]
    with pytest.raises(SandboxError):
        full_verify(tampered)


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0, max_value=len(TAMPER_PRESENTATION) - 1))
def test_deleting_any_single_character_is_rejected(position):
    tampered = TAMPER_PRESENTATION[:position] + TAMPER_PRESENTATION[position + 1 :]
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
            full_verify(p[:position] + substitute + p[position + 1 :])
        seen_segments.add(segment_of(p, position))
        if original in B64URL and (position + 1 == len(p) or p[position + 1] in ".~"):
            for other in B64URL.replace(original, ""):
                with pytest.raises(SandboxError):
                    full_verify(p[:position] + other + p[position + 1 :])
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


OBJ_REF, ARR_REF = "\x00obj", "\x00arr"  # placeholders, replaced by digests once drawn


def skeleton(max_leaves: int = 8):
    """A JSON value with digest slots: in `_sd` arrays of objects and as `{"...": _}` array elements."""
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children | st.just({"...": ARR_REF}), max_size=4)
            | st.builds(
                lambda d, n: d | ({"_sd": [OBJ_REF] * n} if n else {}),
                st.dictionaries(keys, children, max_size=3),
                st.integers(0, 3),
            )
        ),
        max_leaves=max_leaves,
    )


class Refs:
    """Hands out digests for the slots: each disclosure's digest once (object-property ones to
    `_sd` slots, array-element ones to `...` slots, unless ``mix``), then fresh decoys; ``repeat``
    makes one digest come back a second time."""

    def __init__(self, draw, disclosures, *, mix: bool, repeat: bool):
        def order(items):
            return list(draw(st.permutations(items))) if items else []

        three = [_digest(d) for d in disclosures if len(json.loads(base64_decode(d))) == 3]
        two = [_digest(d) for d in disclosures if len(json.loads(base64_decode(d))) != 3]
        self.obj, self.arr = (order(three + two), order(two + three)) if mix else (order(three), order(two))
        self.repeat = repeat
        self.given: list[str] = []
        self.decoys = 0

    def take(self, slot: str) -> str:
        queue = self.obj if slot == OBJ_REF else self.arr
        if self.repeat and self.given and len(self.given) % 2 == 1:
            self.repeat = False
            digest = self.given[0]
        elif queue:
            digest = queue.pop(0)
            if digest in self.given:
                return self.take(slot)  # (only when mixing) never hand out a digest twice by accident
        else:
            self.decoys += 1
            digest = b64u_encode(hashlib.sha256(str(self.decoys).encode()).digest())
        self.given.append(digest)
        return digest

    def leftovers(self) -> tuple[list[str], list[str]]:
        obj = [d for d in self.obj if d not in self.given]
        arr = [d for d in self.arr if d not in self.given and d not in obj]
        self.obj, self.arr = [], []
        return obj, arr

    def fill(self, value):
        if isinstance(value, dict):
            return {
                k: (
                    [self.take(OBJ_REF) for _ in v]
                    if k == "_sd"
                    else self.take(ARR_REF)
                    if v == ARR_REF
                    else self.fill(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.fill(v) for v in value]
        return value


def base64_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@st.composite
def adversarial_sd_jwt(draw):
    """Random disclosures -- good and bad shapes, ordinary, reserved and protected claim names --
    and a random payload referencing their digests (and decoys) from `_sd` arrays and `...`
    elements, sometimes in the wrong kind of slot or more than once, sometimes through other
    disclosures; then a random selection of the disclosures, sometimes with a repeat."""
    names = st.sampled_from(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "_sd", "...", "iss", "_sd_alg"])
    salt = st.text(B64URL, min_size=1, max_size=4)

    def contents(value_strategy):
        return st.tuples(salt, names, value_strategy).map(list) | st.tuples(salt, value_strategy).map(list)

    def flag(one_in: int) -> bool:
        return draw(st.integers(0, one_in - 1)) == 0

    inner = [b64u_encode(json.dumps(c).encode()) for c in draw(st.lists(contents(values), max_size=4))]
    inner_refs = Refs(draw, inner, mix=flag(5), repeat=flag(8))
    outer = [
        b64u_encode(json.dumps(inner_refs.fill(c)).encode()) for c in draw(st.lists(contents(skeleton(6)), max_size=3))
    ]
    # inner disclosures that found no slot inside an outer one are referenced from the payload
    unplaced = [d for d in inner if _digest(d) not in inner_refs.given]
    top_refs = Refs(draw, outer + unplaced + (inner if flag(5) else []), mix=flag(5), repeat=flag(8))
    payload = top_refs.fill(draw(st.dictionaries(keys, skeleton(), max_size=4)))
    payload["_sd"] = [top_refs.take(OBJ_REF) for _ in range(draw(st.integers(0, 2)))]
    if not flag(4):  # usually every disclosure gets a slot somewhere
        obj, arr = top_refs.leftovers()
        payload["_sd"] += obj
        payload["zz"] = [{"...": d} for d in arr]
    pool = inner + outer
    if not pool or flag(2):
        presented = list(pool)
    else:
        presented = draw(st.lists(st.sampled_from(pool), unique=True))
    if presented and flag(10):
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
