"""Governance decisions: who is registered, with which keys, authorized for what, and which
other frameworks the registry recognizes.

Every decision validates all of its input before it touches the store, so a rejected request
changes nothing, and is written with its audit entry in one transaction. Status changes
(suspension, reinstatement, revocation) and key events (retirement, compromise) take effect at
a date and are kept as history: :mod:`registry.rules` answers about any time from that history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from pctf.trqp import iso_z, parse_time

from .audit import append_entry
from .models import KEY_EVENTS, ROLES, STATUSES, Authorization, Entity, KeyEvent, Recognition, StatusEvent
from .records import auth_dict, recognition_dict
from .store import RegistryStore
from .validation import (
    ACTION_ROLES,
    ACTIONS,
    bad_request,
    clean_entity_id,
    clean_loa,
    clean_reason,
    clean_row_id,
    clean_text,
    clean_url,
    conflict,
    db_time,
    not_found,
    one_of,
    validate_jwks,
    vct_of,
)

Time = datetime | str | None
# The audit log's verb for each status a decision sets.
VERBS = {"active": "reinstated", "suspended": "suspended", "revoked": "revoked"}


class Governance:
    """The decisions of the governance authority. ``actor`` names who decides, for the audit log
    (``governance`` unless seeding or an accreditation acts); the HTTP app sets it from the
    bearer token, never from a caller's claim."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    def upsert_entity(
        self,
        entity_id: str,
        *,
        name: str,
        jurisdiction: str,
        role: str,
        jwks: dict[str, Any],
        actor: str = "governance",
    ) -> dict[str, Any]:
        """Register an entity or replace its name, jurisdiction, role and keys.

        The status is left as governance set it: re-registering never reinstates a suspended
        or revoked entity (seeding runs at every start-up and must not undo a decision). A
        call that changes nothing writes nothing, not even to the audit log.
        """
        entity_id = clean_entity_id(entity_id)
        name = clean_text(name, "name", 200)
        jurisdiction = clean_text(jurisdiction, "jurisdiction", 64)
        role = one_of(role, "role", ROLES)
        keys = validate_jwks(jwks)
        now = self.store.now()
        details = {"name": name, "jurisdiction": jurisdiction, "role": role, "kids": [k["kid"] for k in keys["keys"]]}
        with self.store.write() as session:
            row = session.get(Entity, entity_id)
            if row is None:
                row = Entity(
                    entity_id=entity_id,
                    name=name,
                    jurisdiction=jurisdiction,
                    role=role,
                    jwks=keys,
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
                session.add(row)
                append_entry(session, now, actor, "entity.registered", entity_id, details)
            elif (row.name, row.jurisdiction, row.role, row.jwks) != (name, jurisdiction, role, keys):
                row.name, row.jurisdiction, row.role, row.jwks, row.updated_at = name, jurisdiction, role, keys, now
                append_entry(session, now, actor, "entity.updated", entity_id, details)
            session.flush()
            return self.store.record(session, row)

    def authorize(
        self,
        entity_id: str,
        *,
        action: str = "issue",
        resource: str,
        assurance_level: int,
        valid_from: Time = None,
        valid_until: Time = None,
        actor: str = "governance",
    ) -> dict[str, Any]:
        """Grant ``entity_id`` the right to ``action`` ``resource`` up to ``assurance_level``.

        ``resource`` may be a type name (``VerifiedPerson``) or a ``vct``; it is stored as the
        ``vct``, the value a verifier reads from a credential. ``valid_until`` is exclusive.
        """
        with self.store.write() as session:
            return self.grant(
                session,
                entity_id,
                action=action,
                resource=resource,
                assurance_level=assurance_level,
                valid_from=valid_from,
                valid_until=valid_until,
                actor=actor,
            )

    def grant(
        self,
        session: Session,
        entity_id: str,
        *,
        action: str,
        resource: str,
        assurance_level: int,
        valid_from: Time,
        valid_until: Time,
        actor: str,
    ) -> dict[str, Any]:
        """:meth:`authorize` within the caller's transaction (an accreditation grants several at once)."""
        entity_id = clean_text(entity_id, "entity_id")
        action = one_of(action, "action", ACTIONS)
        vct = vct_of(resource)
        loa = clean_loa(assurance_level)
        start, end = self._window(valid_from, valid_until)
        entity = session.get(Entity, entity_id)
        if entity is None:
            raise not_found(f"no entity {entity_id}")
        if entity.status == "revoked":
            raise conflict(f"{entity_id} was revoked and cannot be granted anything")
        if entity.role != ACTION_ROLES[action]:
            raise conflict(
                f"{entity_id} is registered as {entity.role}; {action!r} needs the {ACTION_ROLES[action]} role"
            )
        row = Authorization(
            entity_id=entity_id,
            action=action,
            resource=vct,
            assurance_level=loa,
            framework_id=self.store.authority_id,
            valid_from=start,
            valid_until=end,
            status="active",
            created_at=self.store.now(),
        )
        session.add(row)
        session.flush()
        append_entry(
            session,
            self.store.clock.now(),
            actor,
            "authorization.granted",
            entity_id,
            {
                "authorization_id": row.id,
                "action": action,
                "resource": vct,
                "assurance_level": loa,
                "valid_from": iso_z(start),
                "valid_until": iso_z(end),
            },
        )
        return auth_dict(row)

    def set_authorization_status(
        self,
        auth_id: int,
        status: str,
        *,
        effective_from: Time = None,
        reason: str | None = "",
        retroactive: bool | None = None,
        actor: str = "governance",
    ) -> dict[str, Any]:
        """Suspend, reinstate or revoke one authorization, from ``effective_from`` (default now).

        Suspension and revocation need a reason. Revocation is final (409 after it) and, unless
        ``retroactive=False``, reaches back to what was issued before it; a suspension only
        covers what is issued from its effective date unless ``retroactive=True``.
        """
        auth_id = clean_row_id(auth_id)
        event = self._event_fields(status, effective_from, reason, retroactive)
        with self.store.write() as session:
            row = session.get(Authorization, auth_id)
            if row is None:
                raise not_found(f"no authorization {auth_id}")
            if row.status == "revoked":
                raise conflict(f"authorization {auth_id} was revoked; grant a new one instead")
            session.add(StatusEvent(entity_id=row.entity_id, authorization_id=auth_id, **event))
            row.status = event["status"]
            append_entry(
                session,
                self.store.clock.now(),
                actor,
                f"authorization.{VERBS[event['status']]}",
                row.entity_id,
                {"authorization_id": auth_id, **_event_details(event)},
            )
            session.flush()
            events = session.exec(
                select(StatusEvent).where(StatusEvent.authorization_id == auth_id).order_by(col(StatusEvent.id))
            ).all()
            return auth_dict(row, events, self.store.clock.now())

    def set_entity_status(
        self,
        entity_id: str,
        status: str,
        *,
        effective_from: Time = None,
        reason: str | None = "",
        retroactive: bool | None = None,
        actor: str = "governance",
    ) -> dict[str, Any]:
        """Suspend, reinstate or revoke an entity (all its authorizations with it), as
        :meth:`set_authorization_status` does for one; revocation is final."""
        entity_id = clean_text(entity_id, "entity_id")
        event = self._event_fields(status, effective_from, reason, retroactive)
        with self.store.write() as session:
            row = session.get(Entity, entity_id)
            if row is None:
                raise not_found(f"no entity {entity_id}")
            if row.status == "revoked":
                raise conflict(f"{entity_id} was revoked; it must apply again under a new identifier")
            session.add(StatusEvent(entity_id=entity_id, authorization_id=None, **event))
            row.status, row.updated_at = event["status"], self.store.now()
            append_entry(
                session,
                self.store.clock.now(),
                actor,
                f"entity.{VERBS[event['status']]}",
                entity_id,
                _event_details(event),
            )
            session.flush()
            return self.store.record(session, row)

    def add_key(self, entity_id: str, jwk: dict[str, Any], *, actor: str = "governance") -> dict[str, Any]:
        """Register one more public key for an entity (the first half of a key rotation)."""
        entity_id = clean_text(entity_id, "entity_id")
        with self.store.write() as session:
            row = _active_entity(session, entity_id)
            keys = validate_jwks({"keys": [*row.jwks.get("keys", []), jwk]})
            row.jwks, row.updated_at = keys, self.store.now()
            append_entry(
                session, self.store.clock.now(), actor, "key.added", entity_id, {"kid": keys["keys"][-1]["kid"]}
            )
            session.flush()
            return self.store.record(session, row)

    def key_event(
        self,
        entity_id: str,
        kid: str,
        event: str,
        *,
        effective_from: Time = None,
        reason: str | None = "",
        actor: str = "governance",
    ) -> dict[str, Any]:
        """Retire a key (it stops signing from ``effective_from``; what it signed before still
        verifies) or declare it compromised from a date (what it signed from then is rejected).

        The key stays registered either way: removing it would break credentials it signed
        legitimately. A compromise needs a reason; an entity cannot retire its last usable key.
        A compromise is recorded even then: refusing it would leave a stolen key trusted.
        """
        entity_id = clean_text(entity_id, "entity_id")
        kid = clean_text(kid, "kid", 256)
        event = one_of(event, "event", KEY_EVENTS)
        start = db_time(
            parse_time(effective_from, "effective_from") if effective_from is not None else self.store.clock.now()
        )
        reason = clean_reason(reason, required=event == "compromised")
        now = self.store.now()
        with self.store.write() as session:
            row = _active_entity(session, entity_id)
            kids = [k["kid"] for k in row.jwks.get("keys", [])]
            if kid not in kids:
                raise not_found(f"{entity_id} has no registered key {kid!r}")
            done = session.exec(select(KeyEvent).where(KeyEvent.entity_id == entity_id)).all()
            spent = {e.kid for e in done} | {kid}
            if event == "retired" and not set(kids) - spent:
                raise conflict(f"{entity_id} would have no usable key left; register its new key first")
            session.add(
                KeyEvent(
                    entity_id=entity_id, kid=kid, event=event, effective_from=start, reason=reason, recorded_at=now
                )
            )
            append_entry(
                session,
                now,
                actor,
                f"key.{event}",
                entity_id,
                {"kid": kid, "effective_from": iso_z(start), "reason": reason},
            )
            session.flush()
            return self.store.record(session, row)

    def recognize(
        self,
        recognized_authority_id: str,
        *,
        action: str = "issue",
        resource: str,
        valid_from: Time = None,
        valid_until: Time = None,
        actor: str = "governance",
    ) -> dict[str, Any]:
        """Record that we recognize another framework's authority for (action, resource).

        ``recognized_authority_id`` is that framework's TRQP authority URL: its
        ``/authorization`` and ``/entity`` endpoints live under it, as ours do.
        """
        other = clean_url(recognized_authority_id, "recognized_authority_id")
        action = one_of(action, "action", ACTIONS)
        vct = vct_of(resource)
        start, end = self._window(valid_from, valid_until)
        with self.store.write() as session:
            row = Recognition(
                authority_id=self.store.authority_id,
                recognized_authority_id=other,
                action=action,
                resource=vct,
                valid_from=start,
                valid_until=end,
            )
            session.add(row)
            session.flush()
            append_entry(
                session,
                self.store.clock.now(),
                actor,
                "recognition.granted",
                other,
                {
                    "recognition_id": row.id,
                    "action": action,
                    "resource": vct,
                    "valid_from": iso_z(start),
                    "valid_until": iso_z(end),
                },
            )
            return recognition_dict(row)

    # -- input -------------------------------------------------------------------------------
    def _window(self, valid_from: object, valid_until: object) -> tuple[datetime, datetime | None]:
        start = db_time(parse_time(valid_from, "valid_from") if valid_from is not None else self.store.clock.now())
        end = db_time(parse_time(valid_until, "valid_until")) if valid_until is not None else None
        if end is not None and end <= start:
            raise bad_request("valid_until must be later than valid_from")
        return start, end

    def _event_fields(
        self, status: object, effective_from: object, reason: object, retroactive: object
    ) -> dict[str, Any]:
        status = one_of(status, "status", STATUSES)
        if retroactive is not None and not isinstance(retroactive, bool):
            raise bad_request("retroactive must be true or false")
        now = self.store.now()
        return {
            "status": status,
            "effective_from": db_time(parse_time(effective_from, "effective_from"))
            if effective_from is not None
            else now,
            "reason": clean_reason(reason, required=status != "active"),
            "retroactive": (status == "revoked") if retroactive is None else retroactive,
            "recorded_at": now,
        }


def _active_entity(session: Session, entity_id: str) -> Entity:
    row = session.get(Entity, entity_id)
    if row is None:
        raise not_found(f"no entity {entity_id}")
    if row.status == "revoked":
        raise conflict(f"{entity_id} was revoked")
    return row


def _event_details(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": event["status"],
        "effective_from": iso_z(event["effective_from"]),
        "retroactive": event["retroactive"],
        "reason": event["reason"],
    }
