"""Token Status List (draft-ietf-oauth-status-list): the codec against the draft's own vectors,
the issuers' lists and staff API, the verifier's ``credential_status`` check and its cache, the
wallet's status view, and the command line.

Verification-side tests run the real engine over real issuers and the real registry (as in
``test_verifier_engine``); only where a status list must be forged or broken does a test serve a
hand-made token through its own :class:`~pctf.statuslist.StatusSource`.
"""

from __future__ import annotations

import json
import os
import types
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cli.stack import bootstrap, free_port
from issuers.service import IssuerService
from issuers.status import LocalStatusSource
from issuers.status_lists import STATUS_LIST_EXP_MARGIN_SECONDS, STATUS_LIST_SIZE
from pctf import sdjwt, statuslist
from pctf.clock import FrozenClock
from pctf.http import checked_json
from pctf.jose import SigningKey, b64u_decode, b64u_encode, canonical_json, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.statuslist import HttpStatusSource, StatusList, StatusReference, StatusResolver
from pctf.storage import dispose_all
from pctf.vocab import credential_type
from registry.local_trust import LocalTrust
from registry.service import RegistryService
from scenarios import sasha
from scenarios.personas import SASHA
from tests.support import serve, serve_sandbox
from tests.test_cli import assert_clean_error, run
from verifier.engine import VerificationEngine
from verifier.verdict import Verdict
from wallet.service import WalletService

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
NONCE = "status-nonce-8dQw2"
LEEWAY = 30
TTL = 300
ADMIN_TOKEN = "issuer-staff-token"


# ==============================================================================================
# The codec against the draft's vectors
# ==============================================================================================
# Section 4.1 / 4.2: 16 entries of 1 bit, and 12 entries of 2 bits, with their byte arrays.
SECTION_4 = [
    (1, [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], "b9a3", "eNrbuRgAAhcBXQ"),
    (2, [0b01, 0b10, 0b00, 0b11, 0b00, 0b01, 0b00, 0b01, 0b01, 0b10, 0b11, 0b11], "c944f9", "eNo76fITAAPfAgc"),
]

# Appendix C: lists of 2**20 entries, the statuses not listed being 0.
APPENDIX_C = {
    1: (
        {
            0: 1,
            1993: 1,
            25460: 1,
            159495: 1,
            495669: 1,
            554353: 1,
            645645: 1,
            723232: 1,
            854545: 1,
            934534: 1,
            1000345: 1,
        },
        """eNrt3AENwCAMAEGogklACtKQPg9LugC9k_ACvreiogE
        AAKkeCQAAAAAAAAAAAAAAAAAAAIBylgQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAXG9IAAAAAAAAAPwsJAAAAAAAAAAAAAAAvhsSAAAAAAAAAAA
        A7KpLAAAAAAAAAAAAAAAAAAAAAJsLCQAAAAAAAAAAADjelAAAAAAAAAAAKjDMAQAAA
        ACAZC8L2AEb""",
    ),
    2: (
        {
            0: 1,
            1993: 2,
            25460: 1,
            159495: 3,
            495669: 1,
            554353: 1,
            645645: 2,
            723232: 1,
            854545: 1,
            934534: 2,
            1000345: 3,
        },
        """eNrt2zENACEQAEEuoaBABP5VIO01fCjIHTMStt9ovGV
        IAAAAAABAbiEBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEB5WwIAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAID0ugQAAAAAAAAAAAAAAAAAQG12SgAAA
        AAAAAAAAAAAAAAAAAAAAAAAAOCSIQEAAAAAAAAAAAAAAAAAAAAAAAD8ExIAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAwJEuAQAAAAAAAAAAAAAAAAAAAAAAAMB9S
        wIAAAAAAAAAAAAAAAAAAACoYUoAAAAAAAAAAAAAAEBqH81gAQw""",
    ),
    4: (
        {
            0: 1,
            1993: 2,
            35460: 3,
            459495: 4,
            595669: 5,
            754353: 6,
            845645: 7,
            923232: 8,
            924445: 9,
            934534: 10,
            1004534: 11,
            1000345: 12,
            1030203: 13,
            1030204: 14,
            1030205: 15,
        },
        """eNrt0EENgDAQADAIHwImkIIEJEwCUpCEBBQRHOy35Li
        1EjoOQGabAgAAAAAAAAAAAAAAAAAAACC1SQEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABADrsCAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAADoxaEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIIoCgAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACArpwKAAAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAAAAAAAGhqVkAzlwIAAAAAiGVRAAAAAAAAAAAAAAAAAAA
        AAAAAAAAAAAAAAAAAAAAAAABx3AoAgLpVAQAAAAAAAAAAAAAAwM89rwMAAAAAAAAAA
        AjsA9xMBMA""",
    ),
}


def _zlib_reproduces(raw: bytes, lst: str) -> bool:
    """Whether this platform's zlib emits exactly the draft's bytes for ``raw`` (zlib forks such
    as zlib-ng compress differently; the decoded array is what the draft defines)."""
    return zlib.compress(raw, 9) == b64u_decode(lst)


@pytest.mark.parametrize("bits,statuses,hex_bytes,lst", SECTION_4, ids=["1-bit", "2-bit"])
def test_section_4_examples_bit_order(bits, statuses, hex_bytes, lst):
    ours = StatusList(len(statuses), bits)
    for i, value in enumerate(statuses):
        ours.set(i, value)
    assert ours.to_bytes().hex() == hex_bytes  # least significant bits first (section 4.1, step 3)
    theirs = StatusList.decode({"bits": bits, "lst": lst})
    assert theirs.to_bytes().hex() == hex_bytes
    assert [theirs.get(i) for i in range(len(statuses))] == statuses
    assert StatusList.decode(ours.encode()).to_bytes() == ours.to_bytes()
    if _zlib_reproduces(bytes.fromhex(hex_bytes), lst):
        assert ours.encode() == {"bits": bits, "lst": lst}


@pytest.mark.parametrize("bits", sorted(APPENDIX_C))
def test_appendix_c_vectors(bits):
    statuses, lst = APPENDIX_C[bits]
    lst = "".join(lst.split())
    decoded = StatusList.decode({"bits": bits, "lst": lst})
    assert decoded.size == 2**20 and decoded.bits == bits
    raw = decoded.to_bytes()
    found = {}
    for byte_no in (i for i, b in enumerate(raw) if b):  # read only the non-zero bytes
        for i in range(byte_no * 8 // bits, (byte_no + 1) * 8 // bits):
            if decoded.get(i):
                found[i] = decoded.get(i)
    assert found == statuses
    ours = StatusList(2**20, bits)
    for i, value in statuses.items():
        ours.set(i, value)
    assert ours.to_bytes() == raw
    if _zlib_reproduces(raw, lst):
        assert ours.encode()["lst"] == lst


@st.composite
def status_lists(draw):
    bits = draw(st.sampled_from(statuslist.ALLOWED_BITS))
    size = draw(st.integers(min_value=0, max_value=3000))
    values = {}
    if size:
        values = draw(
            st.dictionaries(
                st.integers(min_value=0, max_value=size - 1),
                st.integers(min_value=0, max_value=(1 << bits) - 1),
                max_size=200,
            )
        )
    return bits, size, values


@hypothesis_settings(max_examples=150, deadline=None)
@given(status_lists())
def test_any_set_of_statuses_round_trips(case):
    bits, size, values = case
    original = StatusList(size, bits)
    for idx, value in values.items():
        original.set(idx, value)
    decoded = StatusList.decode(original.encode())
    assert decoded.bits == bits and decoded.size >= size and decoded.size - size < 8 // bits
    assert [decoded.get(i) for i in range(size)] == [values.get(i, 0) for i in range(size)]
    # Padding entries in the last byte read as valid.
    assert all(decoded.get(i) == 0 for i in range(size, decoded.size))


def _lst(data: bytes) -> str:
    return b64u_encode(data)


@pytest.mark.parametrize(
    "status_list",
    [
        pytest.param("not an object", id="not-an-object"),
        pytest.param({"lst": _lst(zlib.compress(b"\0"))}, id="no-bits"),
        pytest.param({"bits": 3, "lst": _lst(zlib.compress(b"\0"))}, id="bits-3"),
        pytest.param({"bits": 16, "lst": _lst(zlib.compress(b"\0"))}, id="bits-16"),
        pytest.param({"bits": True, "lst": _lst(zlib.compress(b"\0"))}, id="bits-true"),
        pytest.param({"bits": "2", "lst": _lst(zlib.compress(b"\0"))}, id="bits-string"),
        pytest.param({"bits": 2}, id="no-lst"),
        pytest.param({"bits": 2, "lst": 17}, id="lst-number"),
        pytest.param({"bits": 2, "lst": _lst(zlib.compress(b"\0")) + "="}, id="padded-base64"),
        pytest.param({"bits": 2, "lst": "eNrbuRgAAhcBXQ+/"}, id="standard-base64-alphabet"),
        pytest.param({"bits": 2, "lst": "eNr buRgAAhcBXQ"}, id="space-in-base64"),
        pytest.param({"bits": 2, "lst": _lst(b"definitely not zlib")}, id="not-zlib"),
        pytest.param({"bits": 2, "lst": _lst(zlib.compress(b"\0" * 64)[2:-4])}, id="raw-deflate-no-zlib-header"),
        pytest.param({"bits": 2, "lst": _lst(zlib.compress(b"\0" * 64)[:-3])}, id="truncated"),
        pytest.param({"bits": 2, "lst": _lst(zlib.compress(b"\0" * 64) + b"\0")}, id="trailing-bytes"),
        pytest.param({"bits": 2, "lst": _lst(zlib.compress(b"\0" * 64)[:-1] + b"\x00")}, id="bad-adler32"),
    ],
)
def test_decoding_is_strict(status_list):
    with pytest.raises(SandboxError) as caught:
        StatusList.decode(status_list)
    assert caught.value.reason == Reason.STATUS_LIST_MALFORMED


def test_a_decompression_bomb_is_refused(monkeypatch):
    bomb = {"bits": 2, "lst": _lst(zlib.compress(b"\0" * 4096, 9))}
    assert StatusList.decode(bomb).size == 4096 * 4
    monkeypatch.setattr(statuslist, "MAX_LIST_BYTES", 4095)
    with pytest.raises(SandboxError) as caught:
        StatusList.decode(bomb)
    assert caught.value.reason == Reason.STATUS_LIST_MALFORMED and "expands beyond" in caught.value.message


def test_indexes_and_values_are_bounded():
    sl = StatusList(10, 2)
    sl.set(9, statuslist.SUSPENDED)
    sl.set(8, statuslist.INVALID)
    assert [sl.get(i) for i in range(10)] == [0] * 8 + [1, 2]
    for idx in (10, -1, 2**40):
        with pytest.raises(SandboxError) as caught:
            sl.get(idx)
        assert caught.value.reason == Reason.STATUS_INDEX_OUT_OF_RANGE
    with pytest.raises(ValueError):
        sl.set(0, 4)  # does not fit in 2 bits
    with pytest.raises(ValueError):
        StatusList(8, 3)


# ==============================================================================================
# The Status List Token
# ==============================================================================================
URI = "https://issuer.example.ca/issuers/prov1/status-lists/1"
NOW = 1_750_000_000


def _token(
    key: SigningKey,
    *,
    uri: str = URI,
    iat: int = NOW,
    exp: int | None = NOW + 600,
    ttl: int | None = TTL,
    values: dict | None = None,
    size: int = 64,
) -> str:
    sl = StatusList(size, 2)
    for idx, value in (values or {}).items():
        sl.set(idx, value)
    return statuslist.sign_token(sl, key, uri=uri, iat=iat, exp=exp, ttl=ttl)


def _with_payload(key: SigningKey, payload: dict, **header) -> str:
    return key.sign(payload, typ=header.pop("typ", statuslist.TYP), header=header or None)


def test_token_header_claims_and_round_trip():
    key = generate_key()
    token = _token(key, values={5: statuslist.INVALID, 6: statuslist.SUSPENDED})
    header = json.loads(b64u_decode(token.split(".")[0]))
    assert header == {"alg": "ES256", "typ": "statuslist+jwt", "kid": key.kid}
    verified = statuslist.verify_token(token, [key.public_jwk], uri=URI, now=NOW)
    assert (verified.sub, verified.iat, verified.exp, verified.ttl) == (URI, NOW, NOW + 600, TTL)
    assert [verified.status_list.get(i) for i in (4, 5, 6)] == [0, 1, 2]


def _tampered(key: SigningKey) -> str:
    header, payload, signature = _token(key).split(".")
    claims = json.loads(b64u_decode(payload))
    claims["status_list"] = StatusList(64, 2).encode() | {"bits": 1}
    return ".".join([header, b64u_encode(canonical_json(claims).encode()), signature])


def _alg_none(key: SigningKey) -> str:
    header = b64u_encode(canonical_json({"alg": "none", "typ": statuslist.TYP, "kid": key.kid}).encode())
    return f"{header}.{_token(key).split('.')[1]}."


TOKEN_CASES: dict[str, tuple[Callable[[SigningKey], str], Reason]] = {
    "another-key-under-the-issuers-kid": (
        lambda key: generate_key().sign(
            {"sub": URI, "iat": NOW, "status_list": StatusList(8).encode()}, typ=statuslist.TYP, header={"kid": key.kid}
        ),
        Reason.STATUS_LIST_SIGNATURE_INVALID,
    ),
    "another-key-own-kid": (lambda key: _token(generate_key()), Reason.STATUS_LIST_SIGNATURE_INVALID),
    "tampered-payload": (_tampered, Reason.STATUS_LIST_SIGNATURE_INVALID),
    "alg-none": (_alg_none, Reason.STATUS_LIST_SIGNATURE_INVALID),
    "wrong-sub": (lambda key: _token(key, uri=URI.replace("/1", "/2")), Reason.STATUS_LIST_SUB_MISMATCH),
    "expired": (lambda key: _token(key, exp=NOW - LEEWAY - 1), Reason.STATUS_LIST_EXPIRED),
    "not-a-jws": (lambda key: "status-list", Reason.STATUS_LIST_MALFORMED),
    "typ-jwt": (
        lambda key: _with_payload(key, {"sub": URI, "iat": NOW, "status_list": StatusList(8).encode()}, typ="JWT"),
        Reason.STATUS_LIST_MALFORMED,
    ),
    "crit": (
        lambda key: _with_payload(key, {"sub": URI, "iat": NOW, "status_list": StatusList(8).encode()}, crit=["exp"]),
        Reason.STATUS_LIST_MALFORMED,
    ),
    "no-iat": (
        lambda key: _with_payload(key, {"sub": URI, "status_list": StatusList(8).encode()}),
        Reason.STATUS_LIST_MALFORMED,
    ),
    "ttl-zero": (
        lambda key: _with_payload(key, {"sub": URI, "iat": NOW, "ttl": 0, "status_list": StatusList(8).encode()}),
        Reason.STATUS_LIST_MALFORMED,
    ),
    "no-status-list": (lambda key: _with_payload(key, {"sub": URI, "iat": NOW}), Reason.STATUS_LIST_MALFORMED),
    "bad-lst": (
        lambda key: _with_payload(key, {"sub": URI, "iat": NOW, "status_list": {"bits": 2, "lst": "@@"}}),
        Reason.STATUS_LIST_MALFORMED,
    ),
}


@pytest.mark.parametrize("case", sorted(TOKEN_CASES))
def test_token_rejections(case):
    key = generate_key()
    make, reason = TOKEN_CASES[case]
    with pytest.raises(SandboxError) as caught:
        statuslist.verify_token(make(key), [key.public_jwk], uri=URI, now=NOW, leeway=LEEWAY)
    assert caught.value.reason == reason, caught.value


def test_expiry_leeway_is_the_verifiers():
    key = generate_key()
    token = _token(key, exp=NOW - LEEWAY + 1)
    assert statuslist.verify_token(token, [key.public_jwk], uri=URI, now=NOW, leeway=LEEWAY).exp == NOW - LEEWAY + 1


def test_http_source_asks_for_the_media_type_and_checks_the_answer():
    key = generate_key()
    token = _token(key)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept"))
        kind = request.url.path.rsplit("/", 1)[-1]
        if kind == "ok":
            return httpx.Response(200, text=token, headers={"content-type": statuslist.MEDIA_TYPE})
        if kind == "json":
            return httpx.Response(200, json={"token": token})
        if kind == "moved":
            return httpx.Response(302, headers={"location": "/lists/ok"})
        if kind == "loop":
            return httpx.Response(302, headers={"location": "/lists/loop"})
        if kind == "huge":
            return httpx.Response(
                200, content=b"x" * (statuslist.MAX_TOKEN_BYTES + 1), headers={"content-type": statuslist.MEDIA_TYPE}
            )
        return httpx.Response(int(kind), text="no")

    source = HttpStatusSource(httpx.Client(transport=httpx.MockTransport(handler)))
    assert source.status_list_token("https://issuer.example.ca/lists/ok") == token
    assert seen == [statuslist.MEDIA_TYPE]
    assert source.status_list_token("https://issuer.example.ca/lists/moved") == token  # 3xx followed (8.2)
    for path, reason in (
        ("json", Reason.STATUS_LIST_MALFORMED),
        ("huge", Reason.STATUS_LIST_MALFORMED),
        ("404", Reason.STATUS_LIST_UNAVAILABLE),
        ("500", Reason.STATUS_LIST_UNAVAILABLE),
        ("loop", Reason.STATUS_LIST_UNAVAILABLE),
        ("304", Reason.STATUS_LIST_UNAVAILABLE),
    ):
        with pytest.raises(SandboxError) as caught:
            source.status_list_token(f"https://issuer.example.ca/lists/{path}")
        assert caught.value.reason == reason, path


# ==============================================================================================
# The verifier's credential_status check, over real issuers and the real registry
# ==============================================================================================
class Served:
    """A StatusSource that counts fetches and answers with ``answer(uri)`` (a token, or raises)."""

    def __init__(self, answer: Callable[[str], str]) -> None:
        self.answer = answer
        self.fetches: list[str] = []

    def status_list_token(self, uri: str) -> str:
        self.fetches.append(uri)
        return self.answer(uri)


@dataclass
class World:
    settings: Settings
    clock: FrozenClock
    issuers: IssuerService
    trust: LocalTrust
    holder: SigningKey
    aud: str

    def mint(self, short_id: str = "prov1", claims: dict | None = None, type_name: str = "VerifiedPerson") -> str:
        return self.issuers.mint(short_id, type_name, claims or dict(SASHA), self.holder.public_jwk)

    def engine(self, status=None, *, local: bool = True) -> VerificationEngine:
        status = status if status is not None or not local else LocalStatusSource(self.issuers)
        return VerificationEngine(self.trust, self.clock, status=status, kb_max_age=300, leeway=LEEWAY)

    def verify(self, engine: VerificationEngine, issued: str) -> Verdict:
        presentation = sdjwt.present(
            issued, self.holder, reveal=[("given_name",)], aud=self.aud, nonce=NONCE, iat=self.clock.timestamp()
        )
        return engine.verify_single(presentation, aud=self.aud, nonce=NONCE)

    def issuance_of(self, issued: str) -> dict:
        """The issuer's record of a credential, found by its status list entry."""
        ref = statuslist.status_reference(sdjwt.SdJwt.parse(issued).payload)
        short_id = self.issuers.parse_status_list_uri(ref.uri)[0]
        return next(r for r in self.issuers.issuances(short_id) if r["status_list"] == {"idx": ref.idx, "uri": ref.uri})


def make_world(data_dir: Path) -> World:
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there: no accidental HTTP
    settings = Settings(
        data_dir=data_dir, governance_token="g", public_url=base, status_list_ttl_seconds=TTL, leeway_seconds=LEEWAY
    )
    clock = FrozenClock(T0)
    bootstrap(settings, clock)
    return World(
        settings,
        clock,
        IssuerService(settings, clock),
        LocalTrust(RegistryService(settings, clock)),
        generate_key(),
        f"{base}/verifier/bank",
    )


@pytest.fixture
def world(tmp_path):
    yield make_world(tmp_path / "data")
    dispose_all()


def ref_of(issued: str) -> StatusReference:
    return statuslist.status_reference(sdjwt.SdJwt.parse(issued).payload)


def assert_accepted(verdict: Verdict) -> None:
    assert verdict.accepted is True, [c.as_dict() for c in verdict.checks if not c.passed]


def assert_status_rejected(verdict: Verdict, reason: Reason) -> None:
    """Rejected at credential_status, for ``reason`` only, every earlier check having passed."""
    assert verdict.accepted is False
    assert verdict.reasons == [reason.value], [c.as_dict() for c in verdict.checks if not c.passed]
    assert [(c.name, c.passed) for c in verdict.checks][-2:] == [
        ("issuer_authorized", True),
        ("credential_status", False),
    ]
    assert verdict.checks[-1].reason == reason.value
    assert verdict.credentials == {}


def test_a_new_credential_references_its_issuers_list_and_is_accepted(world):
    issued = world.mint()
    payload = sdjwt.SdJwt.parse(issued).payload
    ref = ref_of(issued)
    assert set(payload["status"]) == {"status_list"} and set(payload["status"]["status_list"]) == {"idx", "uri"}
    assert ref.uri.startswith(world.issuers.issuer_url("prov1") + "/status-lists/")
    assert 0 <= ref.idx < STATUS_LIST_SIZE
    verdict = world.verify(world.engine(), issued)
    assert_accepted(verdict)
    check = verdict.checks[-1]
    assert (check.name, check.detail) == ("credential_status", "valid in the issuer's status list")
    # The token the issuer serves is signed with its registered key, sub = the uri, ttl as configured.
    token = world.issuers.status_list_token(*world.issuers.parse_status_list_uri(ref.uri))
    keys = world.trust.issuer_jwks(world.issuers.issuer_url("prov1"))["keys"]
    verified = statuslist.verify_token(token, keys, uri=ref.uri, now=world.clock.timestamp())
    assert verified.ttl == TTL and verified.exp == world.clock.timestamp() + TTL + STATUS_LIST_EXP_MARGIN_SECONDS
    assert verified.status_list.size == STATUS_LIST_SIZE and verified.status_list.get(ref.idx) == statuslist.VALID


def test_suspend_reinstate_revoke_and_revocation_is_final(world):
    issued, other = world.mint(), world.mint()
    record = world.issuance_of(issued)
    set_status = world.issuers.set_status

    assert set_status("prov1", record["id"], "suspended", "lost wallet")["status"] == "suspended"
    assert_status_rejected(world.verify(world.engine(), issued), Reason.CREDENTIAL_SUSPENDED)
    assert_accepted(world.verify(world.engine(), other))  # same list, another index

    assert set_status("prov1", record["id"], "valid", "wallet found")["status"] == "valid"
    assert_accepted(world.verify(world.engine(), issued))

    revoked = set_status("prov1", record["id"], "revoked", "death registered")
    assert (revoked["status"], revoked["status_reason"]) == ("revoked", "death registered")
    assert_status_rejected(world.verify(world.engine(), issued), Reason.CREDENTIAL_REVOKED)
    for again in ("valid", "suspended", "revoked"):
        with pytest.raises(SandboxError) as caught:
            set_status("prov1", record["id"], again)
        assert (caught.value.reason, caught.value.status_code) == (Reason.CONFLICT, 409)
    assert_status_rejected(world.verify(world.engine(), issued), Reason.CREDENTIAL_REVOKED)
    assert world.issuance_of(issued)["status"] == "revoked"
    assert world.issuance_of(other)["status"] == "valid"


def test_bad_status_changes_are_refused_and_change_nothing(world):
    issued = world.mint()
    record = world.issuance_of(issued)
    cases = [
        (("prov1", record["id"], "deleted"), Reason.BAD_REQUEST),
        (("prov1", record["id"], None), Reason.BAD_REQUEST),
        (("prov1", record["id"], "suspended", "x" * 501), Reason.BAD_REQUEST),
        (("prov1", record["id"], "suspended", 7), Reason.BAD_REQUEST),
        (("prov1", 10**6, "suspended"), Reason.NOT_FOUND),
        (("prov1", 2**64, "suspended"), Reason.NOT_FOUND),
        (("fed", record["id"], "suspended"), Reason.NOT_FOUND),  # prov1's credential, not fed's
        (("prov9", record["id"], "suspended"), Reason.ISSUER_ID_UNKNOWN),
    ]
    for args, reason in cases:
        with pytest.raises(SandboxError) as caught:
            world.issuers.set_status(*args)
        assert caught.value.reason == reason, args
    assert world.issuance_of(issued)["status"] == "valid"
    assert_accepted(world.verify(world.engine(), issued))


def test_cache_respects_ttl_with_a_frozen_clock(world):
    issued = world.mint()
    source = Served(LocalStatusSource(world.issuers).status_list_token)
    engine = world.engine(source)
    assert_accepted(world.verify(engine, issued))
    assert len(source.fetches) == 1

    world.issuers.set_status("prov1", world.issuance_of(issued)["id"], "revoked")
    assert_accepted(world.verify(engine, issued))  # the cached list still says valid
    world.clock.advance(TTL - 1)
    assert_accepted(world.verify(engine, issued))
    assert len(source.fetches) == 1
    world.clock.advance(1)  # ttl has elapsed since the fetch: a fresh copy is fetched
    assert_status_rejected(world.verify(engine, issued), Reason.CREDENTIAL_REVOKED)
    assert len(source.fetches) == 2
    # A second credential on the same list is answered from the new cached copy.
    assert_accepted(world.verify(engine, world.mint()))
    assert len(source.fetches) == 2


def test_cache_is_bounded_by_exp_and_unusable_without_ttl_or_exp(world):
    issued = world.mint()
    ref = ref_of(issued)
    key = world.issuers.signing_key("prov1")
    now = world.clock.timestamp()
    # ttl says an hour, exp says 100 seconds: exp wins.
    source = Served(lambda uri: _token(key, uri=uri, iat=now, exp=now + 100, ttl=3600, size=STATUS_LIST_SIZE))
    engine = world.engine(source)
    assert_accepted(world.verify(engine, issued))
    world.clock.advance(99)
    assert_accepted(world.verify(engine, issued))
    assert len(source.fetches) == 1
    world.clock.advance(1 + LEEWAY)  # past exp: a fresh copy is needed, and this source only has the expired one
    assert_status_rejected(world.verify(engine, issued), Reason.STATUS_LIST_EXPIRED)
    assert len(source.fetches) == 2

    bare = Served(lambda uri: _token(key, uri=uri, iat=now, exp=None, ttl=None, size=ref.idx + 1))
    engine = world.engine(bare)
    assert_accepted(world.verify(engine, issued))
    assert_accepted(world.verify(engine, issued))
    assert len(bare.fetches) == 2  # neither ttl nor exp: never reused


def test_a_cached_list_outlives_an_outage_until_its_exp_only(world):
    issued = world.mint()
    local = LocalStatusSource(world.issuers)
    down = {"yes": False}

    def answer(uri: str) -> str:
        if down["yes"]:
            raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, "issuer down", status_code=503)
        return local.status_list_token(uri)

    engine = world.engine(Served(answer))
    assert_accepted(world.verify(engine, issued))
    down["yes"] = True
    world.clock.advance(TTL + STATUS_LIST_EXP_MARGIN_SECONDS - 1)  # stale, not yet expired
    assert_accepted(world.verify(engine, issued))
    world.clock.advance(1)  # expired: no statement can be made any more
    assert_status_rejected(world.verify(engine, issued), Reason.STATUS_LIST_UNAVAILABLE)


def test_a_cached_list_stops_counting_when_its_key_is_no_longer_the_issuers():
    key, successor = generate_key(), generate_key()
    clock = FrozenClock(datetime.fromtimestamp(NOW, UTC))
    source = Served(lambda uri: _token(key, uri=uri, values={3: statuslist.SUSPENDED}))
    resolver = StatusResolver(source, clock, leeway=LEEWAY)
    ref = StatusReference(3, URI)
    assert resolver.status(ref, [key.public_jwk]) == statuslist.SUSPENDED
    assert resolver.status(ref, [key.public_jwk, successor.public_jwk]) == statuslist.SUSPENDED
    assert len(source.fetches) == 1
    with pytest.raises(SandboxError) as caught:  # the registry now lists only the successor key
        resolver.status(ref, [successor.public_jwk])
    assert caught.value.reason == Reason.STATUS_LIST_SIGNATURE_INVALID
    assert len(source.fetches) == 2


# Each way a status list can fail, served for a real prov1 credential.
def _signed(world: World, key: SigningKey | None = None, **kw) -> Callable[[str], str]:
    key = key or world.issuers.signing_key("prov1")
    now = world.clock.timestamp()

    def answer(uri: str) -> str:
        fields = {"uri": uri, "iat": now, "exp": now + 600, "ttl": TTL, "size": STATUS_LIST_SIZE, **kw}
        return _token(key, **fields)

    return answer


def _real_then(world: World, change: Callable[[dict], dict]) -> Callable[[str], str]:
    """The issuer's real token with its payload changed and the signature kept."""
    local = LocalStatusSource(world.issuers)

    def answer(uri: str) -> str:
        header, payload, signature = local.status_list_token(uri).split(".")
        claims = change(json.loads(b64u_decode(payload)))
        return ".".join([header, b64u_encode(canonical_json(claims).encode()), signature])

    return answer


STATUS_FAILURES: dict[str, tuple[Callable[[World, StatusReference], Callable[[str], str]], Reason]] = {
    "signed-by-an-attacker-under-the-issuers-kid": (
        lambda w, ref: (
            lambda uri: generate_key().sign(
                {"sub": uri, "iat": w.clock.timestamp(), "status_list": StatusList(STATUS_LIST_SIZE).encode()},
                typ=statuslist.TYP,
                header={"kid": w.issuers.signing_key("prov1").kid},
            )
        ),
        Reason.STATUS_LIST_SIGNATURE_INVALID,
    ),
    "signed-by-another-registered-issuer": (
        lambda w, ref: _signed(w, w.issuers.signing_key("fed")),
        Reason.STATUS_LIST_SIGNATURE_INVALID,
    ),
    "statuses-altered-after-signing": (
        lambda w, ref: _real_then(w, lambda c: {**c, "status_list": _list_with(ref.idx, statuslist.INVALID)}),
        Reason.STATUS_LIST_SIGNATURE_INVALID,
    ),
    "sub-of-another-list": (lambda w, ref: lambda uri: _signed(w)(uri + "0"), Reason.STATUS_LIST_SUB_MISMATCH),
    # A list whose last entry is just before the credential's index (whole bytes: 4 entries each).
    "index-beyond-the-list": (lambda w, ref: _signed(w, size=ref.idx - ref.idx % 4), Reason.STATUS_INDEX_OUT_OF_RANGE),
    "not-a-token": (lambda w, ref: lambda uri: "<html>maintenance</html>", Reason.STATUS_LIST_MALFORMED),
    "typ-jwt": (
        lambda w, ref: (
            lambda uri: w.issuers.signing_key("prov1").sign(
                {"sub": uri, "iat": w.clock.timestamp(), "status_list": StatusList(STATUS_LIST_SIZE).encode()},
                typ="JWT",
            )
        ),
        Reason.STATUS_LIST_MALFORMED,
    ),
    "lst-not-zlib": (
        lambda w, ref: (
            lambda uri: w.issuers.signing_key("prov1").sign(
                {"sub": uri, "iat": w.clock.timestamp(), "status_list": {"bits": 2, "lst": b64u_encode(b"\0" * 99)}},
                typ=statuslist.TYP,
            )
        ),
        Reason.STATUS_LIST_MALFORMED,
    ),
    "expired": (
        lambda w, ref: _signed(w, iat=w.clock.timestamp() - 7200, exp=w.clock.timestamp() - 3600),
        Reason.STATUS_LIST_EXPIRED,
    ),
    "unreachable": (lambda w, ref: _raise_unavailable, Reason.STATUS_LIST_UNAVAILABLE),
    "application-specific-status": (lambda w, ref: _signed(w, values={ref.idx: 3}), Reason.CREDENTIAL_STATUS_UNKNOWN),
}


def _list_with(idx: int, value: int) -> dict:
    sl = StatusList(STATUS_LIST_SIZE)
    sl.set(idx, value)
    return sl.encode()


def _raise_unavailable(uri: str) -> str:
    raise SandboxError(Reason.STATUS_LIST_UNAVAILABLE, f"{uri} cannot be reached", status_code=503)


@pytest.mark.parametrize("case", sorted(STATUS_FAILURES))
def test_each_status_list_failure_has_its_reason(world, case):
    issued = world.mint()
    make, reason = STATUS_FAILURES[case]
    source = Served(make(world, ref_of(issued)))
    assert_status_rejected(world.verify(world.engine(source), issued), reason)
    assert source.fetches == [ref_of(issued).uri]
    assert_accepted(world.verify(world.engine(), issued))  # the real list says valid


def test_status_lists_over_http_when_nothing_listens_are_unavailable(world):
    issued = world.mint()
    with httpx.Client(timeout=2) as http:
        verdict = world.verify(world.engine(HttpStatusSource(http)), issued)
    assert_status_rejected(verdict, Reason.STATUS_LIST_UNAVAILABLE)
    assert_status_rejected(world.verify(world.engine(None, local=False), issued), Reason.STATUS_LIST_UNAVAILABLE)


def _hand_issued(world: World, **extra) -> str:
    """A prov1-signed credential like mint makes, but with ``extra`` claims (status) chosen by hand."""
    now = world.clock.timestamp()
    payload = {
        "iss": world.issuers.issuer_url("prov1"),
        "iat": now,
        "exp": now + 3600,
        "vct": credential_type("VerifiedPerson").vct,
        "cnf": {"jwk": world.holder.public_jwk},
        "assurance_level": 3,
        **SASHA,
        **extra,
    }
    return sdjwt.issue(
        payload, world.issuers.signing_key("prov1"), disclosable=credential_type("VerifiedPerson").disclosable_paths()
    )


def test_a_credential_without_status_passes_with_evidence(world):
    for issued in (_hand_issued(world), _hand_issued(world, status={"other_mechanism": {"id": 1}})):
        verdict = world.verify(world.engine(Served(_raise_unavailable)), issued)
        assert_accepted(verdict)
        assert (verdict.checks[-1].name, verdict.checks[-1].detail) == (
            "credential_status",
            "no status list referenced",
        )


@pytest.mark.parametrize(
    "status",
    [
        "revoked",
        {"status_list": "https://x"},
        {"status_list": {"idx": "7", "uri": "https://x.example/l/1"}},
        {"status_list": {"idx": -1, "uri": "https://x.example/l/1"}},
        {"status_list": {"idx": True, "uri": "https://x"}},
        {"status_list": {"idx": 7, "uri": "file:///etc/passwd"}},
        {"status_list": {"idx": 7}},
    ],
)
def test_a_malformed_status_reference_is_refused(world, status):
    source = Served(_raise_unavailable)
    verdict = world.verify(world.engine(source), _hand_issued(world, status=status))
    assert_status_rejected(verdict, Reason.STATUS_LIST_MALFORMED)
    assert source.fetches == []


# ==============================================================================================
# The issuers: index allocation, the status list endpoint and the staff API
# ==============================================================================================
def _service(settings: Settings, clock: FrozenClock | None = None) -> tuple[IssuerService, SigningKey]:
    clock = clock or FrozenClock(T0)
    bootstrap(settings, clock)
    return IssuerService(settings, clock), generate_key()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_indexes_are_random_and_never_reused(settings):
    issuers, holder = _service(settings)
    refs = [ref_of(issuers.mint("prov1", "VerifiedPerson", dict(SASHA), holder.public_jwk)) for _ in range(40)]
    idxs = [r.idx for r in refs]
    assert len({r.uri for r in refs}) == 1  # one list, far from half full
    assert len(set(idxs)) == len(idxs)
    assert idxs != sorted(idxs) and idxs != sorted(idxs, reverse=True)  # not in issuance order
    assert max(idxs) - min(idxs) > 40 * 1000  # spread over the list, not packed together
    stored = {(r["status_list"]["uri"], r["status_list"]["idx"]) for r in issuers.issuances("prov1")}
    assert stored == {(r.uri, r.idx) for r in refs}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_collisions_are_drawn_again_and_a_half_full_list_makes_way(settings, monkeypatch):
    issuers, holder = _service(settings)
    issuers.status_lists.size = 16
    refs = [ref_of(issuers.mint("fed", "VerifiedOrganization", _org(i), holder.public_jwk)) for i in range(30)]
    by_list: dict[str, list[int]] = {}
    for r in refs:
        by_list.setdefault(r.uri, []).append(r.idx)
    # Each list takes new indexes until half of it is allocated: 8 of 16, then the next list opens.
    assert [len(v) for v in by_list.values()] == [8, 8, 8, 6]
    for idxs in by_list.values():
        assert len(set(idxs)) == len(idxs) and all(0 <= i < 16 for i in idxs)

    # A forced collision: the draw repeats an index already given out, and is drawn again.
    draws = iter([3, 3, 5])
    monkeypatch.setattr("issuers.status_lists.secrets", types.SimpleNamespace(randbelow=lambda _n: next(draws)))
    issuers.status_lists.size = 1024
    first = ref_of(issuers.mint("terr1", "VerifiedPerson", dict(SASHA), holder.public_jwk))
    second = ref_of(issuers.mint("terr1", "VerifiedPerson", dict(SASHA), holder.public_jwk))
    assert (first.uri, first.idx, second.idx) == (second.uri, 3, 5)
    assert [r["status_list"]["idx"] for r in issuers.issuances("terr1")] == [3, 5]


def _org(i: int) -> dict:
    return {
        "legal_name": f"Company {i} Inc.",
        "business_number": f"{i:09d}",
        "jurisdiction_of_incorporation": "CA",
        "corporate_status": "active",
        "incorporation_date": "2025-01-01",
        "registered_office": {"locality": "Riverton", "country": "CA"},
    }


def test_issuances_can_be_searched_by_subject(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", governance_token="g")
    issuers, holder = _service(settings)
    other = {**SASHA, "given_name": "Robin"}
    issuers.mint("prov1", "VerifiedPerson", dict(SASHA), holder.public_jwk)
    issuers.mint("prov1", "VerifiedPerson", other, holder.public_jwk)
    director = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
    issuers.mint(
        "fed",
        "VerifiedRelationship",
        {
            "relationship_type": "director",
            "person": director,
            "organization": {"legal_name": "X Inc.", "business_number": "1"},
            "effective_date": "2025-01-01",
        },
        holder.public_jwk,
    )
    subject = dict(director)
    assert len(issuers.issuances("prov1", subject=subject)) == 1
    assert len(issuers.issuances("prov1", subject={**subject, "given_name": "Robin"})) == 1
    assert [r["vct"] for r in issuers.issuances("fed", subject=subject)] == [
        credential_type("VerifiedRelationship").vct
    ]
    assert issuers.issuances("fed", subject={**subject, "birthdate": "1900-01-01"}) == []
    dispose_all()


def test_a_data_dir_from_before_status_lists_is_brought_up_to_date(tmp_path):
    """An issuance table made before status lists gains its columns and unique index in place;
    its old rows stay listed, without a status list entry, and cannot be suspended."""
    import sqlite3

    from sqlalchemy import inspect

    # About an old SQLite file: on SQLite whatever backend the suite runs on.
    settings = Settings(data_dir=tmp_path / "data", governance_token="g", database_url=None)
    settings.ensure_data_dir()
    with sqlite3.connect(settings.data_dir / "issuers.db") as db:
        db.execute(
            "CREATE TABLE issuance (id INTEGER NOT NULL, issuer_id VARCHAR NOT NULL, vct VARCHAR NOT NULL, "
            "holder_kid VARCHAR NOT NULL, claims JSON NOT NULL, assurance_level INTEGER NOT NULL, "
            "issued_at DATETIME NOT NULL, expires_at DATETIME NOT NULL, status VARCHAR NOT NULL, "
            "PRIMARY KEY (id))"
        )
        db.execute(
            "INSERT INTO issuance VALUES (1, 'prov1', 'urn:x', 'kid', '{}', 3, '2024-01-01 00:00:00', "
            "'2025-01-01 00:00:00', 'valid')"
        )
    issuers, holder = _service(settings)
    old = issuers.issuances("prov1")
    assert [(r["id"], r["status"], r["status_list"]) for r in old] == [(1, "valid", None)]
    with pytest.raises(SandboxError) as caught:
        issuers.set_status("prov1", 1, "suspended")
    assert caught.value.reason == Reason.CONFLICT
    assert ref_of(issuers.mint("prov1", "VerifiedPerson", dict(SASHA), holder.public_jwk)).idx >= 0
    indexes = {i["name"]: i["unique"] for i in inspect(issuers.db).get_indexes("issuance")}
    assert indexes.get("uq_issuance_status_entry") in (1, True)
    IssuerService(settings, FrozenClock(T0))  # a second start finds nothing to add
    dispose_all()


@pytest.fixture
def issuer_api(tmp_path):
    from issuers.app import create_app

    settings = Settings(data_dir=tmp_path / "data", governance_token="g", issuer_staff_tokens={"prov1": ADMIN_TOKEN})
    clock = FrozenClock(T0)
    issuers, holder = _service(settings, clock)
    with serve(create_app(settings, clock, issuers), raise_app_exceptions=False) as served, served.client() as client:
        yield client, issuers, holder
    dispose_all()


def _path(uri: str) -> str:
    return "/" + uri.split("/", 3)[3]


def test_status_list_endpoint_serves_the_signed_token(issuer_api):
    client, issuers, holder = issuer_api
    ref = ref_of(issuers.mint("prov1", "VerifiedPerson", dict(SASHA), holder.public_jwk))
    answer = client.get(_path(ref.uri), headers={"Accept": statuslist.MEDIA_TYPE})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == statuslist.MEDIA_TYPE
    verified = statuslist.verify_token(answer.text, issuers.jwks("prov1")["keys"], uri=ref.uri, now=int(T0.timestamp()))
    assert verified.ttl == 300 and verified.status_list.get(ref.idx) == statuslist.VALID
    list_id = ref.uri.rsplit("/", 1)[1]
    for bad, status, reason in (
        (f"/issuers/fed/status-lists/{list_id}", 404, "not_found"),  # prov1's list
        ("/issuers/prov1/status-lists/99999", 404, "not_found"),
        ("/issuers/prov1/status-lists/0", 404, "not_found"),
        ("/issuers/prov1/status-lists/99999999999999999999999", 404, "not_found"),
        ("/issuers/prov1/status-lists/abc", 400, "bad_request"),
        (f"/issuers/prov9/status-lists/{list_id}", 404, "issuer_id_unknown"),
    ):
        response = client.get(bad)
        assert (response.status_code, response.json()["error"]) == (status, reason), bad


def test_staff_api_needs_the_issuers_own_staff_token(issuer_api):
    client, issuers, holder = issuer_api
    issued = issuers.mint("prov1", "VerifiedPerson", dict(SASHA), holder.public_jwk)
    ref = ref_of(issued)
    record = next(r for r in issuers.issuances("prov1") if r["status_list"]["idx"] == ref.idx)
    url = f"/issuers/prov1/issuances/{record['id']}/status"
    body = {"status": "revoked", "reason": "test"}
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {ADMIN_TOKEN}"},
        {"Authorization": ("Bearer " + "é" * 8).encode("latin-1")},
        {"Authorization": "Bearer "},
    ):
        refused = client.post(url, json=body, headers=headers)
        assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized"), headers
    assert issuers.issuances("prov1")[0]["status"] == "valid"

    staff = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    for bad_body, status, reason in (
        ({"status": "gone"}, 400, "bad_request"),
        ({}, 400, "bad_request"),
        ({"status": "suspended", "reason": ["x"]}, 400, "bad_request"),
    ):
        response = client.post(url, json=bad_body, headers=staff)
        assert (response.status_code, response.json()["error"]) == (status, reason), bad_body
    assert (client.post("/issuers/prov1/issuances/424242/status", json=body, headers=staff).status_code) == 404
    assert client.post("/issuers/prov1/issuances/abc/status", json=body, headers=staff).status_code == 400
    assert client.post(url, content=b"[1]", headers={**staff, "content-type": "application/json"}).status_code == 400

    suspended = client.post(url, json={"status": "suspended", "reason": "lost phone"}, headers=staff)
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    token = client.get(_path(ref.uri)).text
    keys = issuers.jwks("prov1")["keys"]
    assert statuslist.verify_token(token, keys, uri=ref.uri, now=int(T0.timestamp())).status_list.get(ref.idx) == 2
    revoked = client.post(url, json=body, headers=staff)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    final = client.post(url, json={"status": "valid"}, headers=staff)
    assert (final.status_code, final.json()["error"]) == (409, "conflict")
    # The staff's listing shows the status, not the reasons (they may be personal); nobody else lists.
    assert client.get("/issuers/prov1/issuances").status_code == 401
    listed = client.get("/issuers/prov1/issuances", headers=staff).json()
    assert listed[0]["status"] == "revoked" and "status_reason" not in listed[0]


def test_without_a_configured_token_one_is_generated_in_the_data_dir(tmp_path):
    from issuers.app import create_app

    settings = Settings(data_dir=tmp_path / "data", governance_token="g")
    issuers, holder = _service(settings)
    issuers.mint("prov1", "VerifiedPerson", dict(SASHA), holder.public_jwk)
    record = issuers.issuances("prov1")[0]
    with serve(create_app(settings, FrozenClock(T0), issuers)) as served, served.client() as client:
        url = f"/issuers/prov1/issuances/{record['id']}/status"
        assert client.post(url, json={"status": "suspended"}).status_code == 401
        secret = (settings.data_dir / "issuer-staff-prov1.token").read_text().strip()
        assert oct((settings.data_dir / "issuer-staff-prov1.token").stat().st_mode & 0o777) == "0o600"
        ok = client.post(url, json={"status": "suspended"}, headers={"Authorization": f"Bearer {secret}"})
        assert ok.status_code == 200 and ok.json()["status"] == "suspended"
    dispose_all()


# ==============================================================================================
# End to end over HTTP: the bank and Sasha's wallet see suspension and revocation
# ==============================================================================================
def _present_to_bank(url: str, http: httpx.Client) -> dict:
    """A new bank request answered with the credentials already in Sasha's wallet."""
    request = checked_json(http.post(f"{url}/verifier/bank/requests"))
    review = checked_json(http.post(f"{url}/wallet/sasha/presentations", json={"request": request["request_uri"]}))
    checked_json(
        http.post(
            f"{url}/wallet/sasha/presentations/{review['request_id']}/decision",
            json={"approve": True, "review_hash": review["review_hash"]},
        )
    )
    return checked_json(http.get(f"{url}/verifier/bank/requests/{request['state']}"))["verdict"]


def _statuses(url: str, http: httpx.Client) -> dict[str, str]:
    return {c["type"]: c["status"] for c in checked_json(http.get(f"{url}/wallet/sasha/credentials"))}


def test_the_bank_and_the_wallet_see_status_changes_once_the_ttl_allows(settings, http):
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    server = serve_sandbox(settings, clock)
    url = server.url
    try:
        assert sasha.run(url, http)["verdict"]["accepted"] is True
        assert _statuses(url, http) == {
            "VerifiedPerson": "valid",
            "VerifiedOrganization": "valid",
            "VerifiedRelationship": "valid",
        }
        person = checked_json(http.get(f"{url}/issuers/prov1/issuances"))[-1]
        relationship = [
            r
            for r in checked_json(http.get(f"{url}/issuers/fed/issuances"))
            if r["vct"] == credential_type("VerifiedRelationship").vct
        ][-1]
        checked_json(
            http.post(
                f"{url}/issuers/prov1/issuances/{person['id']}/status",
                json={"status": "suspended", "reason": "identity theft reported"},
            )
        )
        checked_json(
            http.post(
                f"{url}/issuers/fed/issuances/{relationship['id']}/status",
                json={"status": "revoked", "reason": "director resigned"},
            )
        )

        # Within the ttl, the bank and the wallet answer from the lists they already hold.
        assert _present_to_bank(url, http)["accepted"] is True
        assert set(_statuses(url, http).values()) == {"valid"}

        clock.advance(settings.status_list_ttl_seconds)
        verdict = _present_to_bank(url, http)
        assert verdict["accepted"] is False
        assert sorted(verdict["reasons"]) == ["credential_revoked", "credential_suspended"]
        assert {(c["credential"], c["reason"]) for c in verdict["checks"] if not c["passed"]} == {
            ("person", "credential_suspended"),
            ("relationship", "credential_revoked"),
        }
        assert _statuses(url, http) == {
            "VerifiedPerson": "suspended",
            "VerifiedOrganization": "valid",
            "VerifiedRelationship": "revoked",
        }

        checked_json(
            http.post(
                f"{url}/issuers/prov1/issuances/{person['id']}/status", json={"status": "valid", "reason": "cleared"}
            )
        )
        clock.advance(settings.status_list_ttl_seconds)
        assert _present_to_bank(url, http)["reasons"] == ["credential_revoked"]

        lifetime = timedelta(days=settings.credential_lifetime_days)
        clock.advance(lifetime - timedelta(days=settings.expiring_soon_days - 1))
        assert _statuses(url, http) == {
            "VerifiedPerson": "expiring_soon",
            "VerifiedOrganization": "expiring_soon",
            "VerifiedRelationship": "revoked",
        }
        clock.advance(timedelta(days=settings.expiring_soon_days))
        assert set(_statuses(url, http).values()) == {"expired"}
    finally:
        server.stop()
    # With the issuers out of reach, the wallet cannot vouch for anything: unknown, not valid.
    clock.advance(-timedelta(days=settings.credential_lifetime_days))
    with httpx.Client(timeout=2) as offline:
        listed = WalletService(settings, clock, offline).credentials("sasha")
    assert {c["status"] for c in listed} == {"unknown"}


# ==============================================================================================
# The command line
# ==============================================================================================
@pytest.fixture
def env(tmp_path):
    return {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path / "data"),
        "PCTF_GOVERNANCE_TOKEN": "cli-test",
        "PCTF_PORT": str(free_port()),
    }


@pytest.mark.slow
def test_staff_change_status_from_the_command_line_and_verify_sees_it(env, tmp_path):
    key = tmp_path / "holder.jwk"
    assert run(env, "keygen", "--out", str(key)).returncode == 0
    issued = run(
        env,
        "issue",
        "--issuer",
        "prov1",
        "--type",
        "VerifiedPerson",
        "--holder-jwk",
        str(key),
        "--claims",
        json.dumps(SASHA),
    )
    assert issued.returncode == 0, issued.stderr
    aud = "https://rp.example.ca"
    presented = run(
        env,
        "present",
        "-",
        "--holder-jwk",
        str(key),
        "--aud",
        aud,
        "--nonce",
        NONCE,
        "--disclose",
        "given_name",
        stdin=issued.stdout,
    )
    (tmp_path / "vp.txt").write_text(presented.stdout)

    def verdict() -> tuple[int, list]:
        proc = run(env, "verify", str(tmp_path / "vp.txt"), "--aud", aud, "--nonce", NONCE)
        return proc.returncode, json.loads(proc.stdout)["reasons"]

    assert verdict() == (0, [])
    listed = json.loads(run(env, "credential", "list", "--issuer", "prov1", "--json").stdout)
    assert len(listed) == 1 and listed[0]["status"] == "valid"
    issuance = str(listed[0]["id"])
    changed = run(
        env,
        "credential",
        "status",
        "--issuer",
        "prov1",
        "--issuance",
        issuance,
        "--set",
        "suspended",
        "--reason",
        "lost wallet",
    )
    assert changed.returncode == 0 and "suspended" in changed.stdout
    assert verdict() == (1, ["credential_suspended"])
    assert (
        run(env, "credential", "status", "--issuer", "prov1", "--issuance", issuance, "--set", "valid").returncode == 0
    )
    assert verdict() == (0, [])
    fr = run(
        env, "credential", "status", "--issuer", "prov1", "--issuance", issuance, "--set", "revoked", "--lang", "fr"
    )
    assert fr.returncode == 0 and "révoqué" in fr.stdout
    assert verdict() == (1, ["credential_revoked"])

    assert_clean_error(
        run(env, "credential", "status", "--issuer", "prov1", "--issuance", issuance, "--set", "valid"),
        reason="conflict",
    )
    assert_clean_error(
        run(env, "credential", "status", "--issuer", "prov1", "--issuance", "x1", "--set", "valid"),
        reason="bad_request",
    )
    assert_clean_error(
        run(env, "credential", "status", "--issuer", "prov1", "--issuance", issuance, "--set", "gone"),
        reason="bad_request",
    )
    assert_clean_error(
        run(env, "credential", "status", "--issuer", "prov1", "--issuance", "999", "--set", "valid"), reason="not_found"
    )
    assert_clean_error(run(env, "credential", "list", "--issuer", "prov9"), reason="issuer_id_unknown")
    assert_clean_error(run(env, "wallet", "list", "nobody"), reason="not_found")
    assert verdict() == (1, ["credential_revoked"])


@pytest.mark.slow
def test_wallet_list_after_the_demo(env):
    demo = run(env, "demo", "sasha", "--json")
    assert demo.returncode == 0, demo.stderr
    held = json.loads(run(env, "wallet", "list", "sasha", "--json").stdout)
    assert {c["type"]: c["status"] for c in held} == {
        "VerifiedPerson": "valid",
        "VerifiedOrganization": "valid",
        "VerifiedRelationship": "valid",
    }
    organization = json.loads(run(env, "credential", "list", "--issuer", "fed", "--json").stdout)[0]
    assert organization["vct"] == credential_type("VerifiedOrganization").vct
    assert (
        run(
            env, "credential", "status", "--issuer", "fed", "--issuance", str(organization["id"]), "--set", "suspended"
        ).returncode
        == 0
    )
    table = run({**env, "COLUMNS": "200"}, "wallet", "list", "sasha", "--lang", "fr")
    assert table.returncode == 0, table.stderr
    rows = {
        line.split("│")[1].strip(): line.split("│")[4].strip()
        for line in table.stdout.splitlines()
        if line.count("│") == 5
    }
    assert rows == {"Personne vérifiée": "valide", "Organisation vérifiée": "suspendu", "Relation vérifiée": "valide"}
