"""Validation of what the registry is asked to record: every rule a write must pass, in one place.

Each function returns the cleaned value or raises a ``SandboxError`` (``bad_request``, or 404 /
409 where that is the answer), so a service method validates all of its input before it touches
the store and a rejected request changes nothing.
"""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

from jwt.algorithms import get_default_algorithms

from pctf.clock import as_utc
from pctf.jose import ALLOWED_ALGS, has_private_parts, public_jwk_only, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.vocab import LEVELS_OF_ASSURANCE, credential_type

ACTIONS = ("issue", "verify")
# The role an entity must hold for an action: an issuer is not authorized to verify, and so on.
ACTION_ROLES = {"issue": "issuer", "verify": "verifier"}
MAX_KEYS = 16
MAX_TEXT = 2048
MAX_ID = 2**63 - 1  # SQL BIGINT: a larger id can only be unknown, and must not overflow the driver
_ALGORITHMS = get_default_algorithms()


def parse_time(value: object, field: str) -> datetime:
    """An aware UTC datetime from a datetime (naive means UTC, the kernel's convention) or an
    RFC 3339 string, which must carry its offset: a wire time without one is ambiguous."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return as_utc(parsed)
    raise bad_request(f"{field} must be an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z")


def db_time(value: datetime) -> datetime:
    """UTC to the whole second: what the tables store (see registry.models)."""
    return as_utc(value).replace(microsecond=0)


def bad_request(message: str, reason: Reason = Reason.BAD_REQUEST) -> SandboxError:
    return SandboxError(reason, message)


def not_found(message: str) -> SandboxError:
    return SandboxError(Reason.NOT_FOUND, message, status_code=404)


def conflict(message: str) -> SandboxError:
    return SandboxError(Reason.CONFLICT, message, status_code=409)


def clean_text(value: object, field: str, max_len: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"{field} must be a non-empty string")
    if len(value) > max_len:
        raise bad_request(f"{field} is longer than {max_len} characters")
    return value.strip()


def clean_url(value: object, field: str = "entity_id") -> str:
    text = clean_text(value, field)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise bad_request(f"{field} must be an http(s) URL (an identifier such as an issuer URL)")
    return text


def one_of(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise bad_request(f"{field} must be one of {', '.join(allowed)}")
    return value  # type: ignore[return-value]


def clean_loa(value: object, field: str = "assurance_level") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS_OF_ASSURANCE:
        raise bad_request(f"{field} must be a PCTF level of assurance, an integer from 1 to 4")
    return value


def vct_of(resource: object) -> str:
    """A credential type name or ``vct``, as the ``vct``: authorizations are stored per ``vct``."""
    return credential_type(clean_text(resource, "resource")).vct


def clean_row_id(value: object, field: str = "id") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{field} must be an integer")
    if not 1 <= value <= MAX_ID:
        raise not_found(f"no authorization {value}")
    return value


def _public_key(jwk: object, index: int) -> dict:
    """One registered key: public only, usable with an allowed algorithm, with a ``kid``."""
    where = f"jwks.keys[{index}]"
    if not isinstance(jwk, dict):
        raise bad_request(f"{where} must be a JWK object")
    if has_private_parts(jwk):
        # The registry publishes what it stores: a private member would leak the issuer's key.
        raise bad_request(f"{where} contains private key material; register public keys only")
    try:
        public = public_jwk_only(jwk)
    except ValueError as exc:
        raise bad_request(f"{where}: {exc}") from None
    alg = next((a for a, (kty, crv) in ALLOWED_ALGS.items()
                if public.get("kty") == kty and public.get("crv") == crv), None)
    if alg is None:
        raise bad_request(f"{where} uses an unsupported curve {public.get('crv')!r}")
    if "alg" in public and public["alg"] != alg:
        raise bad_request(f"{where} declares alg {public['alg']!r}, which does not fit its curve ({alg})")
    try:
        _ALGORITHMS[alg].from_jwk(json.dumps(public))  # rejects bad encodings and off-curve points
    except Exception:
        raise bad_request(f"{where} is not a valid {public.get('crv')} public key") from None
    if "kid" not in public:
        public["kid"] = thumbprint(public)
    elif not isinstance(public["kid"], str) or not public["kid"]:
        raise bad_request(f"{where}.kid must be a non-empty string")
    return public


def validate_jwks(value: object) -> dict:
    """A JWKS fit to register: public keys only, allowed curves, valid points, unique ``kid``s
    (a missing ``kid`` becomes the key's RFC 7638 thumbprint). Raises ``bad_request`` saying which key fails."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or not value["keys"]:
        raise bad_request('jwks must be an object {"keys": [...]} with at least one key')
    if len(value["keys"]) > MAX_KEYS:
        raise bad_request(f"jwks may hold at most {MAX_KEYS} keys")
    keys = [_public_key(k, i) for i, k in enumerate(value["keys"])]
    kids = [k["kid"] for k in keys]
    if len(set(kids)) != len(kids):
        raise bad_request("jwks holds two keys with the same kid")
    return {"keys": keys}


def clean_reason(value: object, *, required: bool) -> str:
    if value is None or value == "":
        if required:
            raise bad_request("a reason is required for a suspension, revocation or key compromise")
        return ""
    return clean_text(value, "reason", 2000)
