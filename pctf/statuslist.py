"""The one Token Status List codec (draft-ietf-oauth-status-list): the list, its token, its cache.

A credential says where its status lives with ``"status": {"status_list": {"idx": N, "uri": U}}``
(section 6.2). The issuer serves, at ``U``, a signed ``statuslist+jwt`` whose ``status_list``
claim packs one small status value per credential (section 4). Issuers build a
:class:`StatusList` and sign it with :func:`sign_token`; verifiers and wallets obtain tokens
through a :class:`StatusSource` and read them through a :class:`StatusResolver`, which verifies a
token once (:func:`verify_token`) and keeps the decoded list for as long as the token allows.

Every rejection is a :class:`~pctf.reasons.SandboxError` with its own reason code, so a caller
can tell a revoked credential from an unreachable or forged status list.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, overload

import httpx

from .clock import Clock
from .http import fetch_text
from .jose import Jws, SigningKey, b64u_decode, b64u_encode, brief
from .reasons import Reason, SandboxError

# Status Types (section 7.1). 0x03 and 0x0C-0x0F are application specific; the rest is reserved.
VALID, INVALID, SUSPENDED = 0x00, 0x01, 0x02
STATUS_NAMES = {VALID: "valid", INVALID: "revoked", SUSPENDED: "suspended"}
STATUS_VALUES = {name: value for value, name in STATUS_NAMES.items()}
# What an issuer can set a credential's status to, by name.
CREDENTIAL_STATUSES = tuple(STATUS_NAMES.values())

TYP = "statuslist+jwt"
MEDIA_TYPE = "application/statuslist+jwt"
ALLOWED_BITS = (1, 2, 4, 8)
# A decoded list larger than this is refused: a few kilobytes of zlib could otherwise expand into
# gigabytes. 64 MiB holds 256 million 2-bit entries, far beyond any list the sandbox serves.
MAX_LIST_BYTES = 64 * 1024 * 1024
MAX_TOKEN_BYTES = 16 * 1024 * 1024
# Bounds on how long a fetched token is trusted without asking again (section 11.5: clients keep
# ttl within reasonable limits, so a careless or hostile issuer can neither make every verifier
# hammer its endpoint nor have a list cached for weeks).
MIN_CACHE_SECONDS = 1
MAX_CACHE_SECONDS = 24 * 3600


def _malformed(message: str) -> SandboxError:
    return SandboxError(Reason.STATUS_LIST_MALFORMED, message)


class StatusList:
    """A packed array of ``size`` status values of ``bits`` bits each (section 4.1).

    Entry ``i`` occupies ``bits`` bits of byte ``i * bits // 8``, starting from that byte's least
    significant bit: with 2 bits, entry 0 is bits 0-1 of byte 0 and entry 3 is bits 6-7.
    """

    __slots__ = ("bits", "size", "_data", "_mask")

    def __init__(self, size: int, bits: int = 2, data: bytes | bytearray | None = None) -> None:
        if isinstance(bits, bool) or bits not in ALLOWED_BITS:
            raise ValueError(f"bits must be one of {ALLOWED_BITS}")
        if not isinstance(size, int) or size < 0:
            raise ValueError("size must be a non-negative integer")
        length = (size * bits + 7) // 8
        if data is None:
            data = bytearray(length)
        elif len(data) != length:
            raise ValueError(f"{size} entries of {bits} bits take {length} bytes, not {len(data)}")
        self.bits = bits
        self.size = size
        self._data = bytearray(data)
        self._mask = (1 << bits) - 1

    def __len__(self) -> int:
        return self.size

    def get(self, idx: int) -> int:
        """The status value at ``idx``; ``status_index_out_of_range`` outside the list (section 8.3, step 6)."""
        if not 0 <= idx < self.size:
            raise SandboxError(
                Reason.STATUS_INDEX_OUT_OF_RANGE, f"index {idx} is outside the status list (0 to {self.size - 1})"
            )
        pos = idx * self.bits
        return (self._data[pos >> 3] >> (pos & 7)) & self._mask

    def set(self, idx: int, value: int) -> None:
        if not 0 <= idx < self.size:
            raise SandboxError(
                Reason.STATUS_INDEX_OUT_OF_RANGE, f"index {idx} is outside the status list (0 to {self.size - 1})"
            )
        if not 0 <= value <= self._mask:
            raise ValueError(f"a {self.bits}-bit status list holds values 0 to {self._mask}")
        pos = idx * self.bits
        shift = pos & 7
        byte = pos >> 3
        self._data[byte] = (self._data[byte] & ~(self._mask << shift)) | (value << shift)

    def to_bytes(self) -> bytes:
        """The uncompressed byte array."""
        return bytes(self._data)

    def encode(self) -> dict[str, Any]:
        """The JSON ``status_list`` object (section 4.2): ``bits`` and ``lst``, base64url of the
        ZLIB-compressed byte array at the highest compression level (section 4.1, step 4)."""
        return {"bits": self.bits, "lst": b64u_encode(zlib.compress(self._data, 9))}

    @classmethod
    def decode(cls, value: object) -> StatusList:
        """Read a ``status_list`` object strictly: bits in {1, 2, 4, 8}, ``lst`` canonical base64url
        of one complete ZLIB stream with nothing after it, and no larger than :data:`MAX_LIST_BYTES`."""
        if not isinstance(value, dict):
            raise _malformed("status_list must be a JSON object with bits and lst")
        bits, lst = value.get("bits"), value.get("lst")
        if (
            not isinstance(bits, int) or isinstance(bits, bool) or bits not in ALLOWED_BITS
        ):  # 2.0 == 2, but not a bit count
            raise _malformed(f"status_list.bits must be one of {', '.join(map(str, ALLOWED_BITS))}")
        if not isinstance(lst, str):
            raise _malformed("status_list.lst must be a string")
        try:
            compressed = b64u_decode(lst)
        except ValueError:
            raise _malformed("status_list.lst is not base64url without padding") from None
        inflater = zlib.decompressobj()  # ZLIB format (RFC 1950): header and Adler-32 are checked
        try:
            data = inflater.decompress(compressed, MAX_LIST_BYTES)
        except zlib.error as exc:
            raise _malformed(f"status_list.lst is not ZLIB-compressed data ({exc})") from None
        if inflater.unconsumed_tail:
            raise _malformed(f"the status list expands beyond {MAX_LIST_BYTES} bytes")
        if not inflater.eof:
            raise _malformed("status_list.lst is a truncated ZLIB stream")
        if inflater.unused_data:
            raise _malformed("status_list.lst has bytes after the end of its ZLIB stream")
        return cls(len(data) * 8 // bits, bits, data)


# -- the Status List Token (section 5.1) ----------------------------------------------------------
@dataclass(frozen=True)
class StatusListToken:
    """A verified Status List Token: its claims, the decoded list, and the key that signed it."""

    sub: str
    iat: int | float
    exp: int | float | None
    ttl: int | float | None
    status_list: StatusList
    key: dict[str, Any]


def sign_token(
    status_list: StatusList,
    key: SigningKey,
    *,
    uri: str,
    iat: int,
    exp: int | None = None,
    ttl: int | None = None,
    iss: str | None = None,
) -> str:
    """A ``statuslist+jwt`` for ``status_list`` served at ``uri`` (its ``sub``), signed with ``key``."""
    payload: dict[str, Any] = {"sub": uri, "iat": iat}
    if iss is not None:
        payload["iss"] = iss
    if exp is not None:
        payload["exp"] = exp
    if ttl is not None:
        payload["ttl"] = ttl
    payload["status_list"] = status_list.encode()
    return key.sign(payload, typ=TYP)


@overload
def _number(claims: dict[str, Any], name: str, *, required: Literal[True], positive: bool = False) -> int | float: ...
@overload
def _number(
    claims: dict[str, Any], name: str, *, required: bool = False, positive: bool = False
) -> int | float | None: ...
def _number(claims: dict[str, Any], name: str, *, required: bool = False, positive: bool = False) -> int | float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise _malformed(f"the status list token has no {name}")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (positive and value <= 0):
        raise _malformed(f"the status list token's {name} is not a {'positive ' if positive else ''}number")
    return value


def verify_token(token: str, keys: Iterable[dict[str, Any]], *, uri: str, now: int, leeway: int = 0) -> StatusListToken:
    """Verify a Status List Token against the issuer's ``keys`` (section 8.3, steps 3-5).

    ``keys`` are the public JWKs of the credential's issuer, as the trust registry lists them: a
    token signed by any other key is ``status_list_signature_invalid``, whatever its ``kid``.
    """
    jws = Jws.parse(token, malformed=Reason.STATUS_LIST_MALFORMED)
    try:
        jws.check_header(
            (TYP,), typ_reason=Reason.STATUS_LIST_MALFORMED, alg_reason=Reason.STATUS_LIST_SIGNATURE_INVALID
        )
    except SandboxError as exc:
        if exc.reason == Reason.CRIT_UNSUPPORTED:
            raise _malformed(exc.message) from None
        raise
    key = jws.verify_with_any(
        keys,
        whose="the issuer's keys",
        reason=Reason.STATUS_LIST_SIGNATURE_INVALID,
        unknown=Reason.STATUS_LIST_SIGNATURE_INVALID,
    )
    claims = jws.payload
    sub = claims.get("sub")
    if not isinstance(sub, str):
        raise _malformed("the status list token has no sub")
    if sub != uri:
        raise SandboxError(
            Reason.STATUS_LIST_SUB_MISMATCH,
            f"the status list token's sub {brief(sub)} is not the uri the credential references",
        )
    iat = _number(claims, "iat", required=True)
    exp = _number(claims, "exp")
    ttl = _number(claims, "ttl", positive=True)
    if exp is not None and exp <= now - leeway:
        raise SandboxError(Reason.STATUS_LIST_EXPIRED, "the status list token has expired")
    return StatusListToken(
        sub=sub, iat=iat, exp=exp, ttl=ttl, status_list=StatusList.decode(claims.get("status_list")), key=key
    )


# -- the reference in a credential (section 6.2) -------------------------------------------------
@dataclass(frozen=True)
class StatusReference:
    idx: int
    uri: str


def status_reference(claims: dict[str, Any]) -> StatusReference | None:
    """The ``status.status_list`` reference of a credential, or None when it names no status list.

    ``status`` is optional in SD-JWT VC; when present it must be an object, and a ``status_list``
    inside it must carry a non-negative integer ``idx`` and an http(s) ``uri``.
    """
    status = claims.get("status")
    if status is None:
        return None
    if not isinstance(status, dict):
        raise _malformed("the credential's status claim is not a JSON object")
    ref = status.get("status_list")
    if ref is None:
        return None
    if not isinstance(ref, dict):
        raise _malformed("the credential's status.status_list is not a JSON object")
    idx, uri = ref.get("idx"), ref.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise _malformed("the credential's status.status_list.idx is not a non-negative integer")
    if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
        raise _malformed("the credential's status.status_list.uri is not an http(s) URI")
    return StatusReference(idx, uri)


# -- obtaining tokens ---------------------------------------------------------------------------
class StatusSource(Protocol):
    """Where a verifier or wallet gets Status List Tokens from (HTTP, or the issuer's own store)."""

    def status_list_token(self, uri: str) -> str:
        """The compact ``statuslist+jwt`` served at ``uri``; ``status_list_unavailable`` when it
        cannot be had."""


class HttpStatusSource:
    """Status List Tokens over HTTP, asked for with ``Accept: application/statuslist+jwt`` (section
    8.1), following redirects as section 8.2 asks: wherever the token is served from, its ``sub``
    must still be the uri the credential names."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def status_list_token(self, uri: str) -> str:
        return fetch_text(
            self.http,
            uri,
            MEDIA_TYPE,
            unavailable=Reason.STATUS_LIST_UNAVAILABLE,
            malformed=Reason.STATUS_LIST_MALFORMED,
            max_bytes=MAX_TOKEN_BYTES,
            follow_redirects=True,
        )


def _key_ident(jwk: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    return jwk.get("kty"), jwk.get("crv"), jwk.get("x"), jwk.get("y")


@dataclass
class _Entry:
    status_list: StatusList
    key: tuple[Any, Any, Any, Any]  # identity of the public key that verified the token
    fresh_until: float  # use without asking again until then
    exp: float | None  # never use after this, even when the source is down


class StatusResolver:
    """Status values of referenced credentials, each Status List Token verified once and cached.

    Caching follows section 13.7: a token is reused for its ``ttl`` after it was fetched (kept
    between :data:`MIN_CACHE_SECONDS` and :data:`MAX_CACHE_SECONDS`), never past its ``exp``; a
    token with neither is not reused. A cached list is used only while the key that verified it
    is still among the issuer's keys, so a key the registry drops stops vouching at once. When a
    fresh copy cannot be fetched, a cached one is used until its ``exp`` (and not at all without
    one). Time comes from the injected clock.
    """

    def __init__(self, source: StatusSource, clock: Clock, *, leeway: int = 30, max_entries: int = 64) -> None:
        self.source = source
        self.clock = clock
        self.leeway = leeway
        self.max_entries = max_entries
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def status(self, ref: StatusReference, keys: Sequence[dict[str, Any]]) -> int:
        """The status value at ``ref``, the token verified with the issuer's ``keys``."""
        now = self.clock.timestamp()
        idents = {_key_ident(k) for k in keys}
        with self._lock:
            entry = self._entries.get(ref.uri)
        if entry is not None and now < entry.fresh_until and entry.key in idents:
            return entry.status_list.get(ref.idx)
        try:
            token = self.source.status_list_token(ref.uri)
        except SandboxError as exc:
            if (
                exc.reason == Reason.STATUS_LIST_UNAVAILABLE
                and entry is not None
                and entry.exp is not None
                and now < entry.exp
                and entry.key in idents
            ):
                return entry.status_list.get(ref.idx)
            raise
        verified = verify_token(token, keys, uri=ref.uri, now=now, leeway=self.leeway)
        self._store(ref.uri, verified, now)
        return verified.status_list.get(ref.idx)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _store(self, uri: str, token: StatusListToken, now: int) -> None:
        if token.ttl is not None:
            fresh_until = now + min(max(token.ttl, MIN_CACHE_SECONDS), MAX_CACHE_SECONDS)
        elif token.exp is not None:
            fresh_until = min(token.exp, now + MAX_CACHE_SECONDS)  # no ttl: ask again at exp at the latest
        else:
            return
        if token.exp is not None:
            fresh_until = min(fresh_until, token.exp)
        if fresh_until <= now:
            return
        with self._lock:
            if uri not in self._entries and len(self._entries) >= self.max_entries:
                self._entries = {
                    u: e for u, e in self._entries.items() if e.fresh_until > now or (e.exp is not None and e.exp > now)
                }
                while len(self._entries) >= self.max_entries:
                    self._entries.pop(next(iter(self._entries)))
            self._entries[uri] = _Entry(token.status_list, _key_ident(token.key), fresh_until, token.exp)
