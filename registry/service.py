"""The registry's logic: who may issue what, and the answer to a TRQP query.

:meth:`RegistryService.authorization_query` is the one place an authorization is evaluated;
the HTTP app, :class:`registry.client.RegistryClient` (through the app) and
:class:`registry.client.LocalTrust` all end up there, so a verifier gets the same verdict
whichever way it reaches the registry.

Every method validates all of its input before it touches the store, so a rejected request
changes nothing, and each one opens its own session: the service is shared by the threads of a
single-process server. Answers are plain JSON-able dicts.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator
from urllib.parse import urlsplit

from jwt.algorithms import get_default_algorithms
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pctf.clock import Clock, as_utc
from pctf.jose import ALLOWED_ALGS, has_private_parts, public_jwk_only, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import engine_for
from pctf.vocab import CREDENTIAL_TYPES, LEVELS_OF_ASSURANCE, credential_type

from .models import ROLES, STATUSES, Authorization, Entity, Recognition

ACTIONS = ("issue", "verify")
# The role an entity must hold for an action: an issuer is not authorized to verify, and so on.
ACTION_ROLES = {"issue": "issuer", "verify": "verifier"}
MAX_KEYS = 16
_MAX_TEXT = 2048
_MAX_ID = 2**63 - 1  # SQL BIGINT: a larger id can only be unknown, and must not overflow the driver
# When several authorizations match, the answer describes the one closest to being usable.
_RANK = {"active": 0, "loa_exceeded": 1, "suspended": 2, "not_yet_valid": 3, "expired": 4, "revoked": 5}
_ALGORITHMS = get_default_algorithms()


def iso_z(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a ``Z`` (TRQP times); sub-second digits only when there are any."""
    if value is None:
        return None
    value = as_utc(value)
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds").replace("+00:00", "Z")


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
    raise _bad(f"{field} must be an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z")


def _db_time(value: datetime) -> datetime:
    """UTC to the whole second: what the tables store (see registry.models)."""
    return as_utc(value).replace(microsecond=0)


def _bad(message: str, reason: Reason = Reason.BAD_REQUEST) -> SandboxError:
    return SandboxError(reason, message)


def _not_found(message: str) -> SandboxError:
    return SandboxError(Reason.NOT_FOUND, message, status_code=404)


def _conflict(message: str) -> SandboxError:
    return SandboxError(Reason.CONFLICT, message, status_code=409)


def _text(value: object, field: str, max_len: int = _MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{field} must be a non-empty string")
    if len(value) > max_len:
        raise _bad(f"{field} is longer than {max_len} characters")
    return value.strip()


def _entity_url(value: object) -> str:
    text = _text(value, "entity_id")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise _bad("entity_id must be an http(s) URL (the entity's identifier, e.g. its issuer URL)")
    return text


def _choice(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _bad(f"{field} must be one of {', '.join(allowed)}")
    return value  # type: ignore[return-value]


def _loa(value: object, field: str = "assurance_level") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS_OF_ASSURANCE:
        raise _bad(f"{field} must be a PCTF level of assurance, an integer from 1 to 4")
    return value


def _vct(resource: object) -> str:
    """A credential type name or ``vct``, as the ``vct``: authorizations are stored per ``vct``."""
    return credential_type(_text(resource, "resource")).vct


def _row_id(value: object, field: str = "id") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{field} must be an integer")
    if not 1 <= value <= _MAX_ID:
        raise _not_found(f"no authorization {value}")
    return value


def _public_key(jwk: object, index: int) -> dict:
    """One registered key: public only, usable with an allowed algorithm, with a ``kid``."""
    where = f"jwks.keys[{index}]"
    if not isinstance(jwk, dict):
        raise _bad(f"{where} must be a JWK object")
    if has_private_parts(jwk):
        # The registry publishes what it stores: a private member would leak the issuer's key.
        raise _bad(f"{where} contains private key material; register public keys only")
    try:
        public = public_jwk_only(jwk)
    except ValueError as exc:
        raise _bad(f"{where}: {exc}") from None
    alg = next((a for a, (kty, crv) in ALLOWED_ALGS.items()
                if public.get("kty") == kty and public.get("crv") == crv), None)
    if alg is None:
        raise _bad(f"{where} uses an unsupported curve {public.get('crv')!r}")
    if "alg" in public and public["alg"] != alg:
        raise _bad(f"{where} declares alg {public['alg']!r}, which does not fit its curve ({alg})")
    try:
        _ALGORITHMS[alg].from_jwk(json.dumps(public))  # rejects bad encodings and off-curve points
    except Exception:
        raise _bad(f"{where} is not a valid {public.get('crv')} public key") from None
    if "kid" not in public:
        public["kid"] = thumbprint(public)
    elif not isinstance(public["kid"], str) or not public["kid"]:
        raise _bad(f"{where}.kid must be a non-empty string")
    return public


def validate_jwks(value: object) -> dict:
    """A JWKS fit to register: public keys only, allowed curves, valid points, unique ``kid``s
    (a missing ``kid`` becomes the key's RFC 7638 thumbprint). Raises ``bad_request`` saying which key fails."""
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or not value["keys"]:
        raise _bad('jwks must be an object {"keys": [...]} with at least one key')
    if len(value["keys"]) > MAX_KEYS:
        raise _bad(f"jwks may hold at most {MAX_KEYS} keys")
    keys = [_public_key(k, i) for i, k in enumerate(value["keys"])]
    kids = [k["kid"] for k in keys]
    if len(set(kids)) != len(kids):
        raise _bad("jwks holds two keys with the same kid")
    return {"keys": keys}


def _auth_dict(row: Authorization) -> dict:
    return {
        "id": row.id,
        "entity_id": row.entity_id,
        "action": row.action,
        "resource": row.resource,
        "assurance_level": row.assurance_level,
        "framework_id": row.framework_id,
        "valid_from": iso_z(row.valid_from),
        "valid_until": iso_z(row.valid_until),
        "status": row.status,
    }


def _entity_dict(row: Entity, auths: list[Authorization]) -> dict:
    return {
        "entity_id": row.entity_id,
        "name": row.name,
        "jurisdiction": row.jurisdiction,
        "role": row.role,
        "status": row.status,
        "jwks": row.jwks,
        "authorizations": [_auth_dict(a) for a in auths],
    }


def _in_window(valid_from: datetime, valid_until: datetime | None, at: datetime) -> str:
    """``active`` when ``at`` lies in [valid_from, valid_until), else why not."""
    if at < as_utc(valid_from):
        return "not_yet_valid"
    if valid_until is not None and at >= as_utc(valid_until):
        return "expired"
    return "active"


def _judge(row: Authorization, at: datetime, loa: int | None) -> str:
    """The status of one authorization for a query at time ``at`` and LoA ``loa``."""
    if row.status != "active":
        return row.status
    status = _in_window(row.valid_from, row.valid_until, at)
    if status == "active" and loa is not None and row.assurance_level < loa:
        return "loa_exceeded"
    return status


_MESSAGES = {
    "active": "authorized",
    "loa_exceeded": "authorized only up to level of assurance {loa}, below the level asked for",
    "suspended": "the authorization is suspended",
    "revoked": "the authorization was revoked",
    "not_yet_valid": "the authorization is not yet valid at the time asked about",
    "expired": "the authorization had expired at the time asked about",
}


class RegistryService:
    """The trust registry of the sandbox's governance authority (``settings.registry_authority_id``)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.authority_id = settings.registry_authority_id
        self.engine = engine_for(settings, "registry", [Entity, Authorization, Recognition])

    # -- governance writes -----------------------------------------------------------
    def upsert_entity(self, entity_id: str, *, name: str, jurisdiction: str, role: str, jwks: dict) -> dict:
        """Register an entity or replace its name, jurisdiction, role and keys.

        The status is left as governance set it: re-registering never reinstates a suspended
        or revoked entity (seeding runs at every start-up and must not undo a decision).
        """
        entity_id = _entity_url(entity_id)
        name = _text(name, "name", 200)
        jurisdiction = _text(jurisdiction, "jurisdiction", 64)
        role = _choice(role, "role", ROLES)
        keys = validate_jwks(jwks)
        now = _db_time(self.clock.now())
        with self._write() as session:
            row = session.get(Entity, entity_id)
            if row is None:
                row = Entity(entity_id=entity_id, name=name, jurisdiction=jurisdiction, role=role, jwks=keys,
                             status="active", created_at=now, updated_at=now)
                session.add(row)
            else:
                row.name, row.jurisdiction, row.role, row.jwks, row.updated_at = name, jurisdiction, role, keys, now
            session.flush()
            return _entity_dict(row, self._authorizations(session, entity_id))

    def authorize(self, entity_id: str, *, action: str = "issue", resource: str, assurance_level: int,
                  valid_from: datetime | str | None = None, valid_until: datetime | str | None = None) -> dict:
        """Grant ``entity_id`` the right to ``action`` ``resource`` up to ``assurance_level``.

        ``resource`` may be a type name (``VerifiedPerson``) or a ``vct``; it is stored as the
        ``vct``, the value a verifier reads from a credential. ``valid_until`` is exclusive.
        """
        entity_id = _text(entity_id, "entity_id")
        action = _choice(action, "action", ACTIONS)
        vct = _vct(resource)
        loa = _loa(assurance_level)
        start = parse_time(valid_from, "valid_from") if valid_from is not None else self.clock.now()
        end = parse_time(valid_until, "valid_until") if valid_until is not None else None
        if end is not None and _db_time(end) <= _db_time(start):
            raise _bad("valid_until must be later than valid_from")
        with self._write() as session:
            entity = session.get(Entity, entity_id)
            if entity is None:
                raise _not_found(f"no entity {entity_id}")
            if entity.status == "revoked":
                raise _conflict(f"{entity_id} was revoked and cannot be granted anything")
            if entity.role != ACTION_ROLES[action]:
                raise _conflict(f"{entity_id} is registered as {entity.role}; {action!r} needs the "
                                f"{ACTION_ROLES[action]} role")
            row = Authorization(entity_id=entity_id, action=action, resource=vct, assurance_level=loa,
                                framework_id=self.authority_id, valid_from=_db_time(start),
                                valid_until=_db_time(end) if end else None, status="active",
                                created_at=_db_time(self.clock.now()))
            session.add(row)
            session.flush()
            return _auth_dict(row)

    def set_authorization_status(self, auth_id: int, status: str) -> dict:
        """Suspend, reinstate or revoke one authorization; revocation is final (409 after it)."""
        auth_id = _row_id(auth_id)
        status = _choice(status, "status", STATUSES)
        with self._write() as session:
            row = session.get(Authorization, auth_id)
            if row is None:
                raise _not_found(f"no authorization {auth_id}")
            if row.status == "revoked" and status != "revoked":
                raise _conflict(f"authorization {auth_id} was revoked; grant a new one instead")
            row.status = status
            session.flush()
            return _auth_dict(row)

    def set_entity_status(self, entity_id: str, status: str) -> dict:
        """Suspend, reinstate or revoke an entity (all its authorizations with it); revocation is final."""
        entity_id = _text(entity_id, "entity_id")
        status = _choice(status, "status", STATUSES)
        with self._write() as session:
            row = session.get(Entity, entity_id)
            if row is None:
                raise _not_found(f"no entity {entity_id}")
            if row.status == "revoked" and status != "revoked":
                raise _conflict(f"{entity_id} was revoked; it must apply again under a new identifier")
            row.status, row.updated_at = status, _db_time(self.clock.now())
            session.flush()
            return _entity_dict(row, self._authorizations(session, entity_id))

    def recognize(self, recognized_authority_id: str, *, action: str = "issue", resource: str,
                  valid_from: datetime | str | None = None, valid_until: datetime | str | None = None) -> dict:
        """Record that we recognize another framework's authority for (action, resource)."""
        other = _text(recognized_authority_id, "recognized_authority_id")
        action = _choice(action, "action", ACTIONS)
        vct = _vct(resource)
        start = parse_time(valid_from, "valid_from") if valid_from is not None else self.clock.now()
        end = parse_time(valid_until, "valid_until") if valid_until is not None else None
        if end is not None and _db_time(end) <= _db_time(start):
            raise _bad("valid_until must be later than valid_from")
        with self._write() as session:
            row = Recognition(authority_id=self.authority_id, recognized_authority_id=other, action=action,
                              resource=vct, valid_from=_db_time(start), valid_until=_db_time(end) if end else None)
            session.add(row)
            session.flush()
            return {"id": row.id, "authority_id": row.authority_id, "recognized_authority_id": other,
                    "action": action, "resource": vct, "valid_from": iso_z(row.valid_from),
                    "valid_until": iso_z(row.valid_until), "status": row.status}

    # -- reads -------------------------------------------------------------------------
    def entity(self, entity_id: str) -> dict:
        entity_id = _text(entity_id, "entity_id")
        with Session(self.engine) as session:
            row = session.get(Entity, entity_id)
            if row is None:
                raise _not_found(f"no entity {entity_id}")
            return _entity_dict(row, self._authorizations(session, entity_id))

    def entities(self) -> list[dict]:
        with Session(self.engine) as session:
            rows = session.exec(select(Entity).order_by(Entity.entity_id)).all()
            auths: dict[str, list[Authorization]] = {}
            for a in session.exec(select(Authorization).order_by(Authorization.id)).all():
                auths.setdefault(a.entity_id, []).append(a)
            return [_entity_dict(r, auths.get(r.entity_id, [])) for r in rows]

    def authorization_query(self, body: dict) -> dict:
        """ToIP TRQP v2 ``POST /authorization``: may ``entity_id`` ``action`` ``resource``?

        Evaluated at ``context.time`` (default: now); beyond TRQP, ``context.assurance_level``
        asks for a minimum LoA, and the answer carries ``status``, the authorization's maximum
        ``assurance_level`` and its validity period so a verifier can say *why*. An unknown
        entity is an answer (``unknown_entity``), not an error: the question was well formed.
        """
        q = self._query(body)
        answer = {**q["echo"], "authorized": False, "time_requested": iso_z(q["at"]),
                  "time_evaluated": iso_z(self.clock.now()), "message": "", "status": "not_found",
                  "assurance_level": None, "valid_from": None, "valid_until": None}
        if q["echo"]["authority_id"] != self.authority_id:
            answer["message"] = f"this registry answers for authority {self.authority_id} only"
            return answer
        try:
            vct = credential_type(q["echo"]["resource"]).vct
        except SandboxError:
            vct = None  # an unknown resource is a question with a plain answer: nobody may act on it
        with Session(self.engine) as session:
            entity = session.get(Entity, q["echo"]["entity_id"])
            if entity is None:
                answer.update(status="unknown_entity", message="the registry does not know this entity")
                return answer
            rows = [] if vct is None else session.exec(
                select(Authorization).where(Authorization.entity_id == entity.entity_id,
                                            Authorization.action == q["echo"]["action"],
                                            Authorization.resource == vct)).all()
            entity_status = entity.status
        judged = sorted(((_judge(r, q["at"], q["loa"]), r) for r in rows),
                        key=lambda p: (_RANK[p[0]], -p[1].assurance_level, p[1].id))
        if judged:
            status, best = judged[0]
            answer.update(status=status, assurance_level=best.assurance_level,
                          valid_from=iso_z(best.valid_from), valid_until=iso_z(best.valid_until),
                          message=_MESSAGES[status].format(loa=best.assurance_level))
        else:
            answer["message"] = (f"unknown resource {q['echo']['resource']!r}" if vct is None
                                 else "no authorization for this action and resource")
        if entity_status != "active":
            answer.update(status=entity_status, message=f"the entity is {entity_status}")
        answer["authorized"] = answer["status"] == "active"
        return answer

    def recognition_query(self, body: dict) -> dict:
        """ToIP TRQP v2 ``POST /recognition``: do we (``authority_id``) recognize ``entity_id``,
        another framework's authority, for ``action`` on ``resource``?"""
        q = self._query(body)
        echo = q["echo"]
        answer = {**echo, "recognized": False, "time_requested": iso_z(q["at"]),
                  "time_evaluated": iso_z(self.clock.now()), "message": ""}
        if echo["authority_id"] != self.authority_id:
            answer["message"] = f"this registry answers for authority {self.authority_id} only"
            return answer
        try:
            resource = credential_type(echo["resource"]).vct
        except SandboxError:
            resource = echo["resource"]
        with Session(self.engine) as session:
            rows = session.exec(select(Recognition).where(
                Recognition.authority_id == self.authority_id,
                Recognition.recognized_authority_id == echo["entity_id"],
                Recognition.action == echo["action"], Recognition.resource == resource)).all()
        usable = [r for r in rows if r.status == "active" and _in_window(r.valid_from, r.valid_until, q["at"]) == "active"]
        answer["recognized"] = bool(usable)
        answer["message"] = "recognized" if usable else ("the recognition is not in force at the time asked about"
                                                         if rows else "no recognition of this authority")
        return answer

    def metadata(self) -> dict:
        """What this registry answers for: TRQP metadata plus the PCTF levels of assurance."""
        base = self.authority_id
        return {
            "authority_id": self.authority_id,
            "name": "PCTF Sandbox Trust Registry",
            "framework": "PCTF",
            "actions": list(ACTIONS),
            "resources": [{"resource": t.vct, "type": t.name, "label": {"en": t.label_en, "fr": t.label_fr}}
                          for t in CREDENTIAL_TYPES.values()],
            "assurance_levels": list(LEVELS_OF_ASSURANCE),
            "endpoints": {
                "metadata": f"{base}/metadata",
                "authorization": f"{base}/authorization",
                "recognition": f"{base}/recognition",
                "entity": f"{base}/entity",
                "entities": f"{base}/entities",
            },
        }

    # -- helpers -------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One session, one transaction: committed when the block ends, rolled back on any error.

        A unique-key race (two first registrations of the same entity) becomes a 409, not a
        500; the caller may simply retry.
        """
        with Session(self.engine) as session:
            try:
                yield session
                session.commit()
            except IntegrityError:
                session.rollback()
                raise _conflict("a concurrent change conflicted with this one; retry") from None

    @staticmethod
    def _authorizations(session: Session, entity_id: str) -> list[Authorization]:
        return list(session.exec(select(Authorization).where(Authorization.entity_id == entity_id)
                                 .order_by(Authorization.id)).all())

    def _query(self, body: object) -> dict:
        """Validate a TRQP query body; the four identifiers are echoed in the answer as asked."""
        if not isinstance(body, dict):
            raise _bad("the query must be a JSON object")
        echo = {k: _text(body.get(k), k) for k in ("entity_id", "authority_id", "action", "resource")}
        context = body.get("context")
        if context is None:
            context = {}
        if not isinstance(context, dict):
            raise _bad("context must be a JSON object")
        at = parse_time(context["time"], "context.time") if context.get("time") is not None else self.clock.now()
        loa = (_loa(context["assurance_level"], "context.assurance_level")
               if context.get("assurance_level") is not None else None)
        return {"echo": echo, "at": at, "loa": loa}
