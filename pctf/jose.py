"""Keys and compact JWS for the whole sandbox (ES256 by default).

pyjwt's algorithm objects do the signing and verification (on top of ``cryptography``); this
module adds what the protocols need around them and that pyjwt leaves to callers: strict header
checks (``alg`` allow-list, ``typ``, ``crit``), the algorithm/key-type match that defeats
algorithm confusion, and JWK thumbprints (RFC 7638).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from cryptography.hazmat.primitives.asymmetric import ec
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


def b64u_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64u_decode(text: str) -> bytes:
    # Strict: only the base64url alphabet (the stdlib decoder silently skips other characters)
    # and only the canonical encoding (unused trailing bits zero), so that no two different
    # strings decode to the same bytes (RFC 4648 3.5; no signature malleability).
    if not isinstance(text, str) or not _B64URL.fullmatch(text):
        raise ValueError("not base64url without padding")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64u_encode(data) != text:
        raise ValueError("not the canonical base64url encoding")
    return data


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def json_loads(data: bytes | str) -> Any:
    """Parse strict JSON: ``NaN``, ``Infinity`` and ``-Infinity`` are refused (RFC 8259 section 6)."""
    return json.loads(data, parse_constant=_reject_constant)


def canonical_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK thumbprint (SHA-256), used as ``kid`` throughout the sandbox."""
    kty = jwk.get("kty")
    members = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x"), "RSA": ("e", "kty", "n")}.get(kty)
    if members is None:
        raise ValueError(f"unsupported key type {kty!r}")
    subset = {m: jwk[m] for m in members}
    return b64u_encode(hashlib.sha256(json.dumps(subset, separators=(",", ":"), sort_keys=True).encode()).digest())


def public_jwk_only(jwk: dict) -> dict:
    """A copy of ``jwk`` without private members; rejects keys the sandbox cannot use."""
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("EC", "OKP"):
        raise ValueError("a key must be a JWK object of type EC or OKP")
    return {k: v for k, v in jwk.items() if k not in _PRIVATE_JWK_MEMBERS}


def has_private_parts(jwk: dict) -> bool:
    return any(m in jwk for m in _PRIVATE_JWK_MEMBERS)


@dataclass(frozen=True)
class SigningKey:
    """A private key with its ``kid`` (the public JWK's thumbprint) and algorithm."""

    private_jwk: dict
    alg: str = "ES256"

    @property
    def public_jwk(self) -> dict:
        jwk = public_jwk_only(self.private_jwk)
        jwk.setdefault("kid", thumbprint(jwk))
        jwk.setdefault("alg", self.alg)
        jwk.setdefault("use", "sig")
        return jwk

    @property
    def kid(self) -> str:
        return self.public_jwk["kid"]

    def sign(self, payload: dict, *, typ: str | None = None, header: dict | None = None,
             include_kid: bool = True) -> str:
        hdr: dict[str, Any] = {"alg": self.alg}
        if typ:
            hdr["typ"] = typ
        if include_kid:
            hdr["kid"] = self.kid
        if header:
            hdr.update(header)
        signing_input = f"{b64u_encode(canonical_json(hdr).encode())}.{b64u_encode(canonical_json(payload).encode())}"
        algorithm = _ALGORITHMS[self.alg]
        signature = algorithm.sign(signing_input.encode("ascii"), _private_key(canonical_json(self.private_jwk), self.alg))
        return f"{signing_input}.{b64u_encode(signature)}"


def generate_key(alg: str = "ES256") -> SigningKey:
    curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
    private = ec.generate_private_key(curve)
    jwk = json.loads(ECAlgorithm.to_jwk(private))
    jwk["kid"] = thumbprint(jwk)
    return SigningKey(private_jwk=jwk, alg=alg)


@lru_cache(maxsize=1024)
def _private_key(jwk_json: str, alg: str):
    return _ALGORITHMS[alg].from_jwk(jwk_json)


@lru_cache(maxsize=4096)
def _public_key(jwk_json: str, alg: str):
    return _ALGORITHMS[alg].from_jwk(jwk_json)


@dataclass(frozen=True)
class Jws:
    """A compact JWS split into its parts, header and payload decoded, signature not yet checked."""

    header: dict
    payload: dict
    signing_input: bytes
    signature: bytes

    @classmethod
    def parse(cls, token: str, *, malformed: Reason = Reason.MALFORMED) -> "Jws":
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
            raise SandboxError(malformed, f"a JWS part is not base64url-encoded JSON ({exc.__class__.__name__})") from None
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise SandboxError(malformed, "JWS header and payload must be JSON objects")
        return cls(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)

    def check_header(self, typs: Iterable[str], *, typ_reason: Reason = Reason.TYP_INVALID,
                     alg_reason: Reason = Reason.ALG_NOT_ALLOWED) -> None:
        alg = self.header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise SandboxError(alg_reason, f"algorithm {alg!r} is not accepted (allowed: {', '.join(ALLOWED_ALGS)})")
        allowed = tuple(typs)
        if allowed and self.header.get("typ") not in allowed:
            raise SandboxError(typ_reason, f"header typ {self.header.get('typ')!r} is not one of {', '.join(allowed)}")
        if "crit" in self.header:
            # No extension header parameter is understood here, so any `crit` must be refused
            # (RFC 7515 section 4.1.11).
            raise SandboxError(Reason.CRIT_UNSUPPORTED, f"critical header parameters {self.header['crit']!r} are not supported")

    def verify(self, jwk: dict, *, reason: Reason = Reason.SIGNATURE_INVALID) -> None:
        """Check the signature with ``jwk``; the header ``alg`` must fit the key's type and curve."""
        alg = self.header.get("alg")
        if not isinstance(alg, str) or alg not in ALLOWED_ALGS:
            raise SandboxError(Reason.ALG_NOT_ALLOWED, f"algorithm {alg!r} is not accepted")
        kty, crv = ALLOWED_ALGS[alg]
        if jwk.get("kty") != kty or (crv and jwk.get("crv") != crv):
            raise SandboxError(reason, f"algorithm {alg} does not match the key ({jwk.get('kty')}/{jwk.get('crv')})")
        try:
            key = _public_key(canonical_json(public_jwk_only(jwk)), alg)
            ok = _ALGORITHMS[alg].verify(self.signing_input, key, self.signature)
        except Exception:  # malformed key material or signature encoding
            ok = False
        if not ok:
            raise SandboxError(reason, "the signature does not verify with the expected key")
