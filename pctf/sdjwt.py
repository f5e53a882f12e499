"""The one SD-JWT / SD-JWT VC codec (RFC 9901, draft-ietf-oauth-sd-jwt-vc).

Issuers call :func:`issue`, wallets call :func:`SdJwt.parse` and :func:`present`, the
verification engine calls :func:`SdJwt.parse`, :func:`resolve_disclosures` and
:func:`verify_key_binding`. Every rejection is a :class:`~pctf.reasons.SandboxError` carrying the
reason code of the rule it breaks, so each "MUST reject" of RFC 9901 section 7 is observable.

Selectively disclosable claims are named by *paths*: tuples of object keys, with ``None``
standing for "every element of this array" (the same convention as DCQL claim paths, where
``null`` selects all elements).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .jose import Jws, SigningKey, b64u_decode, b64u_encode, brief, json_loads
from .reasons import Reason, SandboxError

SD_ALG = "sha-256"
TYP_SD_JWT_VC = "dc+sd-jwt"
# The draft's earlier media type, still accepted when verifying (draft-ietf-oauth-sd-jwt-vc, 3.2.1).
ACCEPTED_TYPS = (TYP_SD_JWT_VC, "vc+sd-jwt")
TYP_KB_JWT = "kb+jwt"
# Claims that SD-JWT VC forbids to be selectively disclosable (draft-ietf-oauth-sd-jwt-vc, 3.2.2).
NEVER_DISCLOSABLE = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})
_RESERVED_NAMES = frozenset({"_sd", "..."})

Path = tuple[Any, ...]


def _digest(disclosure: str) -> str:
    # RFC 9901 4.2.3: the digest is over the US-ASCII bytes of the base64url-encoded disclosure.
    return b64u_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def make_disclosure(salt: str, name: str | None, value: Any) -> str:
    """An object-property disclosure ``[salt, name, value]`` or an array-element one ``[salt, value]``."""
    content = [salt, value] if name is None else [salt, name, value]
    return b64u_encode(json.dumps(content, ensure_ascii=False).encode("utf-8"))


def _salt() -> str:
    return b64u_encode(secrets.token_bytes(16))  # 128 bits, as RFC 9901 9.3 recommends


def _decoy_digest() -> str:
    return b64u_encode(hashlib.sha256(secrets.token_bytes(32)).digest())


def _normalize(paths: Iterable[Sequence[Any]]) -> set[Path]:
    return {tuple(p) for p in paths}


def issue(
    payload: dict[str, Any],
    key: SigningKey,
    *,
    disclosable: Iterable[Sequence[Any]],
    typ: str = TYP_SD_JWT_VC,
    decoys: bool = True,
) -> str:
    """Sign ``payload`` as an SD-JWT; claims at the ``disclosable`` paths become disclosures.

    Returns the issuance form ``<issuer JWT>~<disclosure>~...~`` (RFC 9901 4). Each object that
    holds disclosable claims also gets one to three decoy digests (4.2.5), and its ``_sd`` array
    is sorted so the digest order reveals nothing about claim order.
    """
    sd_paths = _normalize(disclosable)
    for path in sd_paths:
        if len(path) == 1 and path[0] in NEVER_DISCLOSABLE:
            raise ValueError(f"claim {path[0]!r} must never be selectively disclosable")
    disclosures: list[str] = []

    def encode(value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            digests: list[str] = []
            for name, child in value.items():
                if name in _RESERVED_NAMES or (not path and name == "_sd_alg"):
                    raise ValueError(f"claim name {name!r} is reserved by SD-JWT")
                encoded = encode(child, path + (name,))
                if path + (name,) in sd_paths:
                    disclosure = make_disclosure(_salt(), name, encoded)
                    disclosures.append(disclosure)
                    digests.append(_digest(disclosure))
                else:
                    out[name] = encoded
            if digests:
                if decoys:
                    digests.extend(_decoy_digest() for _ in range(1 + secrets.randbelow(3)))
                out["_sd"] = sorted(digests)
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for child in value:
                encoded = encode(child, path + (None,))
                if path + (None,) in sd_paths:
                    disclosure = make_disclosure(_salt(), None, encoded)
                    disclosures.append(disclosure)
                    items.append({"...": _digest(disclosure)})
                else:
                    items.append(encoded)
            return items
        return value

    body = encode(payload, ())
    if disclosures:
        body["_sd_alg"] = SD_ALG
    jwt = key.sign(body, typ=typ)
    # Disclosure order is shuffled so it does not mirror the claim order either.
    order = list(range(len(disclosures)))
    for i in range(len(order) - 1, 0, -1):
        j = secrets.randbelow(i + 1)
        order[i], order[j] = order[j], order[i]
    return "~".join([jwt, *[disclosures[i] for i in order]]) + "~"


class Disclosed(NamedTuple):
    """One disclosure as the resolver placed it: where, which name (None in arrays), what value."""

    disclosure: str
    digest: str
    path: Path
    value: Any


@dataclass
class SdJwt:
    """An SD-JWT split into issuer-signed JWT, disclosures and optional Key Binding JWT."""

    issuer_jwt: str
    disclosures: list[str]
    kb_jwt: str | None
    jws: Jws = field(repr=False)

    @classmethod
    def parse(cls, compact: str) -> SdJwt:
        if not isinstance(compact, str) or "~" not in compact:
            raise SandboxError(
                Reason.MALFORMED_PRESENTATION, "not an SD-JWT: expected <issuer JWT>~<disclosures>~[<KB-JWT>]"
            )
        compact = compact.strip()
        if not compact.isascii():
            # Every part is base64url (RFC 9901 4, ABNF); sd_hash and digests hash US-ASCII bytes.
            raise SandboxError(Reason.MALFORMED_PRESENTATION, "an SD-JWT contains characters outside US-ASCII")
        parts = compact.split("~")
        issuer_jwt, middle, last = parts[0], parts[1:-1], parts[-1]
        if any(not d for d in middle):
            raise SandboxError(Reason.MALFORMED_PRESENTATION, "empty disclosure between two '~' separators")
        return cls(issuer_jwt, middle, last or None, Jws.parse(issuer_jwt))

    @property
    def header(self) -> dict[str, Any]:
        return self.jws.header

    @property
    def payload(self) -> dict[str, Any]:
        return self.jws.payload

    def without_kb(self) -> str:
        """``<issuer JWT>~<d1>~...~<dn>~``: what a KB-JWT's ``sd_hash`` covers (RFC 9901 4.3.1)."""
        return "~".join([self.issuer_jwt, *self.disclosures]) + "~"

    def sd_hash(self) -> str:
        return b64u_encode(hashlib.sha256(self.without_kb().encode("ascii")).digest())

    def serialize(self) -> str:
        return self.without_kb() + (self.kb_jwt or "")


def _decode_disclosure(disclosure: str) -> list[Any]:
    try:
        content = json_loads(b64u_decode(disclosure))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SandboxError(Reason.DISCLOSURE_MALFORMED, "a disclosure is not base64url-encoded JSON") from None
    if not isinstance(content, list) or len(content) not in (2, 3) or not isinstance(content[0], str):
        raise SandboxError(Reason.DISCLOSURE_MALFORMED, "a disclosure must be a JSON array [salt, (name,) value]")
    if len(content) == 3 and not isinstance(content[1], str):
        raise SandboxError(Reason.DISCLOSURE_MALFORMED, "a disclosure's claim name must be a string")
    return content


def resolve_disclosures(payload: dict[str, Any], disclosures: Sequence[str]) -> tuple[dict[str, Any], list[Disclosed]]:
    """Rebuild the claims from the signed payload and the disclosures (RFC 9901 7.1, steps 3-5).

    Returns the processed payload (no ``_sd``, ``_sd_alg`` or ``...``) and where each
    disclosure landed. Raises on every condition section 7.1 says MUST be rejected.
    """
    sd_alg = payload.get("_sd_alg", SD_ALG)
    if sd_alg != SD_ALG:
        raise SandboxError(Reason.SD_ALG_UNSUPPORTED, f"_sd_alg {brief(sd_alg)} is not supported (only {SD_ALG})")
    by_digest: dict[str, tuple[str, list[Any]]] = {}
    for disclosure in disclosures:
        content = _decode_disclosure(disclosure)  # first: only base64url text can be hashed as ASCII
        by_digest[_digest(disclosure)] = (disclosure, content)
    seen: set[str] = set()
    placed: list[Disclosed] = []

    def take(digest: Any) -> tuple[str, list[Any]] | None:
        if not isinstance(digest, str):
            raise SandboxError(Reason.MALFORMED_PRESENTATION, "a digest must be a string")
        if digest in seen:
            raise SandboxError(Reason.DIGEST_DUPLICATE, "a digest appears more than once in the SD-JWT")
        seen.add(digest)
        return by_digest.get(digest)

    def walk(value: Any, path: Path) -> Any:
        if isinstance(value, dict):
            out = {
                k: walk(v, path + (k,)) if isinstance(v, (dict, list)) else v
                for k, v in value.items()
                if k != "_sd" and not (k == "_sd_alg" and not path)
            }
            digests = value.get("_sd", [])
            if not isinstance(digests, list):
                raise SandboxError(Reason.MALFORMED_PRESENTATION, "_sd must be an array of digests")
            for digest in digests:
                found = take(digest)
                if found is None:
                    continue  # a decoy
                disclosure, content = found
                if len(content) != 3:
                    raise SandboxError(
                        Reason.DISCLOSURE_SHAPE_INVALID,
                        "an array-element disclosure is referenced from an object's _sd",
                    )
                _, name, raw = content
                if name in _RESERVED_NAMES or (not path and name == "_sd_alg"):
                    # `_sd_alg` may only come from the signed payload itself (4.1.1), as in issue()
                    raise SandboxError(Reason.CLAIM_NAME_RESERVED, f"a disclosure names the reserved claim {name!r}")
                if name in out:
                    raise SandboxError(
                        Reason.CLAIM_ALREADY_EXISTS, f"disclosed claim {name!r} already exists at its place"
                    )
                if not path and name in NEVER_DISCLOSABLE:
                    raise SandboxError(
                        Reason.CLAIM_NOT_DISCLOSABLE, f"claim {name!r} must not be selectively disclosable"
                    )
                resolved = walk(raw, path + (name,))
                out[name] = resolved
                placed.append(Disclosed(disclosure, digest, path + (name,), resolved))
            return out
        if isinstance(value, list):
            items: list[Any] = []
            for element in value:
                if isinstance(element, dict) and "..." in element:
                    if len(element) != 1:
                        raise SandboxError(Reason.MALFORMED_PRESENTATION, "an array digest object must hold only '...'")
                    found = take(element["..."])
                    if found is None:
                        continue  # a decoy array element
                    disclosure, content = found
                    if len(content) != 2:
                        raise SandboxError(
                            Reason.DISCLOSURE_SHAPE_INVALID, "an object-property disclosure is referenced from an array"
                        )
                    resolved = walk(content[1], path + (len(items),))
                    placed.append(Disclosed(disclosure, element["..."], path + (len(items),), resolved))
                    items.append(resolved)
                elif isinstance(element, (dict, list)):
                    items.append(walk(element, path + (len(items),)))
                else:
                    items.append(element)
            return items
        return value

    try:
        claims = walk(payload, ())
    except RecursionError:
        # JSON nested deeper than the walk can follow: no credential needs it, so refuse it.
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "the SD-JWT's claims are nested too deeply") from None
    if len(placed) != len(by_digest) or len(by_digest) != len(disclosures):
        raise SandboxError(
            Reason.DISCLOSURE_UNREFERENCED,
            "a disclosure is not referenced by the issuer-signed JWT (altered or foreign)",
        )
    return claims, placed


def _matches(requested: Path, actual: Path) -> bool:
    """Whether a disclosure at ``actual`` lies on or under the ``requested`` claim path."""
    n = min(len(requested), len(actual))
    return all(r is None or r == a for r, a in zip(requested[:n], actual[:n], strict=True))


def select_disclosures(sd: SdJwt, reveal: Iterable[Sequence[Any]]) -> list[str]:
    """The disclosures needed to reveal the claims at ``reveal`` paths, and nothing else.

    A disclosure is kept when it is an ancestor of a requested claim (needed to reach it) or the
    claim itself or lies under it (a requested object is revealed whole).
    """
    _, placed = resolve_disclosures(sd.payload, sd.disclosures)
    wanted = [tuple(p) for p in reveal]
    keep = {d.disclosure for d in placed if any(_matches(r, d.path) for r in wanted)}
    return [d for d in sd.disclosures if d in keep]


def present(
    issued: str, holder_key: SigningKey, *, reveal: Iterable[Sequence[Any]], aud: str, nonce: str, iat: int
) -> str:
    """A presentation of ``issued`` revealing only ``reveal``, with a Key Binding JWT (RFC 9901 4.3)."""
    sd = SdJwt.parse(issued)
    chosen = SdJwt(sd.issuer_jwt, select_disclosures(sd, reveal), None, sd.jws)
    kb = holder_key.sign(
        {"iat": iat, "aud": aud, "nonce": nonce, "sd_hash": chosen.sd_hash()}, typ=TYP_KB_JWT, include_kid=False
    )
    return chosen.without_kb() + kb


def verify_key_binding(
    sd: SdJwt, holder_jwk: dict[str, Any], *, aud: str, nonce: str | None, now: int, max_age: int, leeway: int
) -> dict[str, Any]:
    """Check the KB-JWT against the holder key in ``cnf.jwk`` and the verifier's request (RFC 9901 7.3).

    ``nonce=None`` leaves the nonce to the caller, who reads it from the returned claims and uses
    it up (an issuer checking a proof of possession against the nonces it handed out)."""
    if not sd.kb_jwt:
        raise SandboxError(Reason.HOLDER_BINDING_MISSING, "the presentation has no Key Binding JWT")
    kb = Jws.parse(sd.kb_jwt)
    kb.check_header((TYP_KB_JWT,), typ_reason=Reason.KB_TYP_INVALID)
    kb.verify(holder_jwk, reason=Reason.HOLDER_BINDING_FAILED)
    claims = kb.payload
    if claims.get("sd_hash") != sd.sd_hash():
        raise SandboxError(Reason.SD_HASH_MISMATCH, "the KB-JWT's sd_hash does not cover these disclosures")
    iat = claims.get("iat")
    if not isinstance(iat, (int, float)) or isinstance(iat, bool):
        raise SandboxError(Reason.KB_IAT_INVALID, "the KB-JWT has no numeric iat")
    if iat > now + leeway:
        raise SandboxError(Reason.KB_IAT_INVALID, "the KB-JWT was issued in the future")
    if now - iat > max_age:
        raise SandboxError(Reason.KB_IAT_INVALID, f"the KB-JWT is older than {max_age} seconds")
    if nonce is not None and claims.get("nonce") != nonce:
        raise SandboxError(Reason.NONCE_MISMATCH, "the KB-JWT's nonce is not the one this verifier issued")
    if claims.get("aud") != aud:
        raise SandboxError(Reason.AUDIENCE_MISMATCH, "the KB-JWT is addressed to another audience")
    return claims
