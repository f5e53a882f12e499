"""Validation of what the registry is asked to record: every rule a write must pass, in one place.

Each function returns the cleaned value or raises a ``SandboxError`` (``bad_request``, or 404 /
409 where that is the answer), so a service method validates all of its input before it touches
the store and a rejected request changes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from jwt.algorithms import get_default_algorithms

from pctf.clock import as_utc
from pctf.did import DID_WEB, is_did, parse_did_web
from pctf.jose import ALLOWED_ALGS, has_private_parts, public_jwk_only, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.storage import MAX_ROW_ID
from pctf.vocab import CREDENTIAL_TYPES, LEVELS_OF_ASSURANCE, credential_type

ACTIONS = ("issue", "verify")
# The role an entity must hold for an action: an issuer is not authorized to verify, and so on.
ACTION_ROLES = {"issue": "issuer", "verify": "verifier"}
MAX_KEYS = 16
MAX_TEXT = 2048
MAX_ID = MAX_ROW_ID  # a larger id can only be unknown, and must not overflow the database's INTEGER
_ALGORITHMS = get_default_algorithms()


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


def clean_url(value: object, field: str) -> str:
    """An http(s) URL; an entity's identifier, which may also be a DID, is :func:`clean_entity_id`'s."""
    return _http_url(clean_text(value, field), field, "an http(s) URL")


def clean_entity_id(value: object, field: str = "entity_id") -> str:
    """An entity identifier: an http(s) URL (an issuer's identifier, its credentials' ``iss``), or
    a ``did:web`` DID within :func:`pctf.did.parse_did_web`'s rules (``did_invalid`` otherwise);
    a DID of another method is refused: the registry could not learn its keys."""
    text = clean_text(value, field)
    if is_did(text):
        if not text.startswith(DID_WEB):
            raise bad_request(f"{field}: only did:web DIDs are accepted as entity identifiers")
        return parse_did_web(text).did
    return _http_url(text, field, "an http(s) URL or a did:web DID")


def _http_url(text: str, field: str, what: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise bad_request(f"{field} must be {what} (an identifier such as an issuer URL)")
    return text


def one_of(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise bad_request(f"{field} must be one of {', '.join(allowed)}")
    return value


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
    alg = next(
        (a for a, (kty, crv) in ALLOWED_ALGS.items() if public.get("kty") == kty and public.get("crv") == crv), None
    )
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


# -- onboarding ---------------------------------------------------------------------------------
def clean_application(body: object) -> dict[str, Any]:
    """An application for accreditation: ``entity_id``, ``name``, ``jurisdiction``, ``contacts``,
    ``credential_issuer`` (the entity id itself) and ``requested``: distinct credential types,
    each with the level of assurance asked for.

    The entity id is an https URL or a ``did:web`` DID (:func:`clean_entity_id`), and it is what
    the applicant's credentials carry as ``iss``. A DID entity's OpenID4VCI Credential Issuer is
    an https URL of its own, which its DID document names (a service of type ``OID4VCI``, see
    :mod:`registry.conformance`): the DID's controller says where it issues, so nobody else can
    have an issuer run under its DID. ``credential_issuer`` is the entity id in both cases."""
    if not isinstance(body, dict):
        raise bad_request("the application must be a JSON object")
    entity_id = clean_entity_id(body.get("entity_id"))
    name = clean_text(body.get("name"), "name", 200)
    jurisdiction = clean_text(body.get("jurisdiction"), "jurisdiction", 64)
    issuer = clean_entity_id(body.get("credential_issuer", entity_id), "credential_issuer")
    if issuer != entity_id:
        # The entity id is the issuer identifier its credentials carry as iss, and the keys
        # accreditation registers are the ones published under it (its SD-JWT VC issuer metadata,
        # or its DID document): a different identifier would let an applicant have its keys
        # registered under somebody else's.
        named = (
            " (a DID's document names its OpenID4VCI issuer: a service of type OID4VCI)" if is_did(entity_id) else ""
        )
        raise bad_request(
            f"credential_issuer must be the entity id itself: the identifier credentials carry as iss{named}"
        )
    contacts = body.get("contacts")
    if (
        not isinstance(contacts, list)
        or not contacts
        or len(contacts) > 10
        or not all(isinstance(c, str) and c.strip() and len(c) <= 320 for c in contacts)
    ):
        raise bad_request("contacts must be a list of 1 to 10 e-mail addresses or names")
    requested = body.get("requested")
    if not isinstance(requested, list) or not requested or len(requested) > len(CREDENTIAL_TYPES):
        raise bad_request(
            'requested must list the credential types asked for: [{"resource": "VerifiedPerson", "assurance_level": 3}]'
        )
    wanted = []
    for i, item in enumerate(requested):
        if not isinstance(item, dict):
            raise bad_request(f"requested[{i}] must be an object with resource and assurance_level")
        wanted.append(
            {
                "resource": vct_of(item.get("resource")),
                "assurance_level": clean_loa(item.get("assurance_level"), f"requested[{i}].assurance_level"),
            }
        )
    if len({w["resource"] for w in wanted}) != len(wanted):
        raise bad_request("requested names a credential type twice")
    return {
        "entity_id": entity_id,
        "name": name,
        "jurisdiction": jurisdiction,
        "credential_issuer": issuer,
        "contacts": [c.strip() for c in contacts],
        "requested": wanted,
    }


def clean_conformance_report(report: object) -> tuple[bool, list[str], dict[str, Any] | None]:
    """Check a conformance report's shape: whether it passed, the ids of the checks that failed,
    and, for a pass, the keys it found (validated now, since accreditation registers them)."""
    if not isinstance(report, dict) or not isinstance(report.get("passed"), bool):
        raise bad_request("a conformance report must be an object with a boolean passed")
    checks = report.get("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, dict) and isinstance(c.get("id"), str) for c in checks):
        raise bad_request("a conformance report's checks must be a list of objects with an id")
    failed = [c["id"] for c in checks if c.get("passed") is not True]
    if not report["passed"]:
        return False, failed, None
    return True, failed, validate_jwks(report.get("jwks"))


def clean_grants(asked: dict[str, int], body: dict[str, Any]) -> list[tuple[str, int]]:
    """What an accreditation grants: the ``types`` named (default: all ``asked`` for, a ``vct`` to
    level map) at the ``assurance_level`` given (default: as asked), never beyond what was asked."""
    types = body.get("types")
    if types is None:
        types = list(asked)
    if not isinstance(types, list) or not types:
        raise bad_request("types must be a non-empty list of credential types")
    loa = body.get("assurance_level")
    grants: list[tuple[str, int]] = []
    for t in types:
        vct = vct_of(t)
        if vct in (g[0] for g in grants):
            raise bad_request(f"types names {t} twice")
        if vct not in asked:
            raise conflict(f"the application did not ask to issue {t}")
        level = asked[vct] if loa is None else clean_loa(loa)
        if level > asked[vct]:
            raise conflict(f"the application asked for {t} up to LoA {asked[vct]}, not {level}")
        grants.append((vct, level))
    return grants
