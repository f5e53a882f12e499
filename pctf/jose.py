"""Keys and compact JWS for the whole sandbox (ES256 by default).

pyjwt's algorithm objects load JWKs and sign (on top of ``cryptography``); verification, the hot
path of every presentation, calls ``cryptography`` directly on keys loaded once. This module
adds what the protocols need around them and that pyjwt leaves to callers: strict header checks
(``alg`` allow-list, ``typ``, ``crit``), the algorithm/key-type match that defeats algorithm
confusion, strict base64url and JSON, and JWK thumbprints (RFC 7638).
"""

from __future__ import annotations

import binascii
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jwt.algorithms import ECAlgorithm, get_default_algorithms

from .reasons import Reason, SandboxError

# Asymmetric algorithms only: `none` and the HMAC family are never accepted (RFC 9901 7.1 step 2.2,
# RFC 8725 3.1-3.2). Each maps to the JWK key type and curve it may be used with.
ALLOWED_ALGS: dict[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", "Ed25519"),
}
_ALGORITHMS = get_default_algorithms()
_PRIVATE_JWK_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}


_STD_TO_URL = bytes.maketrans(b"+/", b"-_")
# base64url -> base64; '+', '/' and '=' become '!' so that the strict decoder refuses them.
_URL_TO_STD = bytes.maketrans(b"-_+/=", b"+/!!!")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The last character of a canonical encoding leaves its unused low bits zero (RFC 4648 3.5):
# 4 unused bits when the length is 2 mod 4, 2 when it is 3 mod 4.
_CANONICAL_LAST = {
    2: frozenset(c for i, c in enumerate(_ALPHABET) if i & 0x0F == 0),
    3: frozenset(c for i, c in enumerate(_ALPHABET) if i & 0x03 == 0),
}
_PADDING = {0: b"", 2: b"==", 3: b"="}


def b64u_encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_STD_TO_URL).decode("ascii")


def b64u_decode(text: str) -> bytes:
    """Strict base64url: only its alphabet, no padding, and only the canonical encoding, so that
    no two different strings decode to the same bytes (no signature malleability)."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url without padding")
    data = text.encode("ascii")
    rest = len(data) % 4
    if rest == 1 or (rest and text[-1] not in _CANONICAL_LAST[rest]):
        raise ValueError("not the canonical base64url encoding")
    try:
        # strict_mode refuses anything outside the alphabet, which the default silently skips.
        return binascii.a2b_base64(data.translate(_URL_TO_STD) + _PADDING[rest], strict_mode=True)
    except binascii.Error:
        raise ValueError("not base64url without padding") from None


def brief(value: Any, limit: int = 80) -> str:
    """How an untrusted value is named in an error message: the repr of a short scalar, else its
    kind only (a hostile value may be huge, or nested deeper than ``repr`` can follow)."""
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[:limit] + "...")
    if value is None or isinstance(value, (bool, float)):
        return repr(value)
    if isinstance(value, int):
        return repr(value) if -(10**limit) < value < 10**limit else "a very large integer"
    if type(value) is list:
        return "a JSON array"
    if type(value) is dict:
        return "a JSON object"
    return f"a {type(value).__name__}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


def json_loads(data: bytes | str) -> Any:
    """Parse strict JSON in UTF-8: ``NaN``, ``Infinity`` and ``-Infinity`` are refused (RFC 8259 6),
    and so are strings holding a lone surrogate (an escape such as ``\\ud800`` names no Unicode
    character, so the value could not be stored, sent on or compared as UTF-8 text: RFC 8259 8.2)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:  # compact JSON (all that JOSE producers emit) parses without the whitespace scans
        value, end = _DECODER.raw_decode(text)
        if end != len(text):
            value = _DECODER.decode(text)
    except ValueError:
        value = _DECODER.decode(text)
    # Decoded UTF-8 holds no surrogate: one can only come from a \u escape (or a str given as is).
    if ("\\ud" in text or "\\uD" in text or not isinstance(data, bytes)) and _has_lone_surrogate(value):
        raise ValueError("a JSON string holds a lone surrogate, which is not Unicode text")
    return value


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (key or value) in ``value`` cannot be encoded as UTF-8; iterative, so
    that a value nested as deep as the parser allows is walked without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def canonical_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), used as ``kid`` throughout the sandbox."""
    kty: Any = jwk.get("kty")
    members = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}.get(kty)
    if members is None:
        raise ValueError(f"unsupported key type {kty!r}")
    subset = {m: jwk[m] for m in members}
    return b64u_encode(hashlib.sha256(json.dumps(subset, separators=(",", ":"), sort_keys=True).encode()).digest())


def public_jwk_only(jwk: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``jwk`` without private members; rejects keys the sandbox cannot use."""
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("EC", "OKP"):
        raise ValueError("a key must be a JWK object of type EC or OKP")
    return {k: v for k, v in jwk.items() if k not in _PRIVATE_JWK_MEMBERS}


def has_private_parts(jwk: dict[str, Any]) -> bool:
    return any(m in jwk for m in _PRIVATE_JWK_MEMBERS)


@dataclass(frozen=True)
class SigningKey:
    """A private key with its ``kid`` (the public JWK's thumbprint) and algorithm."""

    private_jwk: dict[str, Any]
    alg: str = "ES256"

    @property
    def public_jwk(self) -> dict[str, Any]:
        jwk = public_jwk_only(self.private_jwk)
        jwk.setdefault("kid", thumbprint(jwk))
        jwk.setdefault("alg", self.alg)
        jwk.setdefault("use", "sig")
        return jwk

    @property
    def kid(self) -> str:
        kid: str = self.public_jwk["kid"]
        return kid

    def sign(
        self,
        payload: dict[str, Any],
        *,
        typ: str | None = None,
        header: dict[str, Any] | None = None,
        include_kid: bool = True,
    ) -> str:
        hdr: dict[str, Any] = {"alg": self.alg}
        if typ:
            hdr["typ"] = typ
        if include_kid:
            hdr["kid"] = self.kid
        if header:
            hdr.update(header)
        signing_input = f"{b64u_encode(canonical_json(hdr).encode())}.{b64u_encode(canonical_json(payload).encode())}"
        algorithm = _ALGORITHMS[self.alg]
        signature = algorithm.sign(
            signing_input.encode("ascii"), _private_key(canonical_json(self.private_jwk), self.alg)
        )
        return f"{signing_input}.{b64u_encode(signature)}"


def generate_key(alg: str = "ES256") -> SigningKey:
    curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
    private = ec.generate_private_key(curve)
    jwk = json.loads(ECAlgorithm.to_jwk(private))
    jwk["kid"] = thumbprint(jwk)
    return SigningKey(private_jwk=jwk, alg=alg)


@lru_cache(maxsize=1024)
def _private_key(jwk_json: str, alg: str) -> Any:
    return _ALGORITHMS[alg].from_jwk(jwk_json)


@lru_cache(maxsize=4096)
def _public_key(jwk_json: str, alg: str) -> Any:
    return _ALGORITHMS[alg].from_jwk(jwk_json)


@dataclass(slots=True)
class Jws:
    """A compact JWS split into its parts, header and payload decoded, signature not yet checked."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @classmethod
    def parse(cls, token: str, *, malformed: Reason = Reason.MALFORMED_PRESENTATION) -> Jws:
        if not isinstance(token, str):
            raise SandboxError(malformed, "a JWS must be a string")
        parts = token.split(".")
        if len(parts) != 3:
            raise SandboxError(malformed, "a compact JWS has exactly three dot-separated parts")
        try:
            header = json_loads(b64u_decode(parts[0]))
            payload = json_loads(b64u_decode(parts[1]))
            signature = b64u_decode(parts[2])
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise SandboxError(
                malformed, f"a JWS part is not base64url-encoded JSON ({exc.__class__.__name__})"
            ) from None
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise SandboxError(malformed, "JWS header and payload must be JSON objects")
        return cls(header, payload, token[: len(parts[0]) + 1 + len(parts[1])].encode("ascii"), signature)

    def check_header(
        self,
        typs: Iterable[str],
        *,
        typ_reason: Reason = Reason.TYP_INVALID,
        alg_reason: Reason = Reason.ALG_NOT_ALLOWED,
    ) -> None:
        alg = self.header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise SandboxError(
                alg_reason, f"algorithm {brief(alg)} is not accepted (allowed: {', '.join(ALLOWED_ALGS)})"
            )
        allowed = tuple(typs)
        if allowed and self.header.get("typ") not in allowed:
            raise SandboxError(
                typ_reason, f"header typ {brief(self.header.get('typ'))} is not one of {', '.join(allowed)}"
            )
        if "crit" in self.header:
            # No extension header parameter is understood here, so any `crit` must be refused
            # (RFC 7515 section 4.1.11).
            raise SandboxError(
                Reason.CRIT_UNSUPPORTED, f"critical header parameters {brief(self.header['crit'])} are not supported"
            )

    def verify(self, jwk: dict[str, Any], *, reason: Reason = Reason.SIGNATURE_INVALID) -> None:
        """Check the signature with ``jwk``; the header ``alg`` must fit the key's type and curve."""
        alg = self.header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise SandboxError(Reason.ALG_NOT_ALLOWED, f"algorithm {brief(alg)} is not accepted")
        kty, crv = ALLOWED_ALGS[alg]
        if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv):
            raise SandboxError(reason, f"algorithm {alg} does not match the key ({jwk.get('kty')}/{jwk.get('crv')})")
        try:
            ok = _verify_signature(alg, jwk, self.signing_input, self.signature)
        except Exception:  # malformed key material
            ok = False
        if not ok:
            raise SandboxError(reason, "the signature does not verify with the expected key")

    def verify_with_any(
        self,
        keys: Iterable[dict[str, Any]],
        *,
        whose: str = "the issuer's keys",
        reason: Reason = Reason.SIGNATURE_INVALID,
        unknown: Reason = Reason.ISSUER_KEY_UNKNOWN,
    ) -> dict[str, Any]:
        """Check the signature with the key among ``keys`` that the header's ``kid`` names (any of
        them when it names none); returns the key that verified. A ``kid`` naming none of them is
        ``unknown``, a signature no candidate verifies is ``reason``; ``whose`` names the key set
        in the message."""
        kid = self.header.get("kid")
        keys = list(keys)
        candidates = [k for k in keys if k.get("kid") == kid] if kid is not None else keys
        if not candidates:
            raise SandboxError(unknown, f"key {brief(kid)} is not among {whose}")
        for key in candidates:
            try:
                self.verify(key, reason=reason)
                return key
            except SandboxError as exc:
                last = exc
        raise last


_EC_SIGNATURES = {
    "ES256": (ec.ECDSA(hashes.SHA256()), 32),
    "ES384": (ec.ECDSA(hashes.SHA384()), 48),
    "ES512": (ec.ECDSA(hashes.SHA512()), 66),
}
_VERIFY_KEYS: dict[tuple[str, Any, Any, Any], Any] = {}


def _verify_signature(alg: str, jwk: dict[str, Any], signing_input: bytes, signature: bytes) -> bool:
    """Verify a JWS signature; keys are loaded once and kept by their public members."""
    ident = (alg, jwk.get("crv"), jwk.get("x"), jwk.get("y"))
    key = _VERIFY_KEYS.get(ident)
    if key is None:
        key = _public_key(canonical_json(public_jwk_only(jwk)), alg)
        if len(_VERIFY_KEYS) > 4096:
            _VERIFY_KEYS.clear()
        _VERIFY_KEYS[ident] = key
    ecdsa = _EC_SIGNATURES.get(alg)
    try:
        if ecdsa is None:  # EdDSA: the raw 64-byte signature
            key.verify(signature, signing_input)
            return True
        algorithm, size = ecdsa
        if len(signature) != 2 * size:  # JWS carries R || S, each of the curve's size (RFC 7518 3.4)
            return False
        der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
        key.verify(der, signing_input, algorithm)
        return True
    except InvalidSignature:
        return False
