"""How the registry's rows become the JSON records it answers with and snapshots.

An *entity record* (:func:`entity_record`) holds everything :mod:`registry.rules` needs to
answer about an entity; the same records make up the signed trust list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pctf.clock import as_utc
from pctf.trqp import iso_z

from . import rules
from .models import Authorization, Entity, KeyEvent, Recognition, StatusEvent


def event_dict(row: StatusEvent) -> dict:
    return {
        "status": row.status,
        "effective_from": iso_z(row.effective_from),
        "retroactive": row.retroactive,
        "reason": row.reason,
        "recorded_at": iso_z(row.recorded_at),
    }


def key_event_dict(row: KeyEvent) -> dict:
    return {
        "kid": row.kid,
        "event": row.event,
        "effective_from": iso_z(row.effective_from),
        "reason": row.reason,
        "recorded_at": iso_z(row.recorded_at),
    }


def in_force(events: list[StatusEvent], recorded: str, now: datetime | None) -> str:
    """The status in force at ``now`` (a decision dated later is not yet in force); without a
    ``now``, the latest recorded decision."""
    if now is None or not events:
        return recorded
    event = rules.status_at([event_dict(e) for e in events], as_utc(now), as_utc(now))
    return "active" if event is None else event["status"]


def auth_dict(row: Authorization, events: Sequence[StatusEvent] = (), now: datetime | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "entity_id": row.entity_id,
        "action": row.action,
        "resource": row.resource,
        "assurance_level": row.assurance_level,
        "framework_id": row.framework_id,
        "valid_from": iso_z(row.valid_from),
        "valid_until": iso_z(row.valid_until),
        "status": in_force(list(events), row.status, now),
        "status_history": [event_dict(e) for e in events],
    }


def entity_record(
    row: Entity, auths: list[Authorization], events: list[StatusEvent], key_events: list[KeyEvent], now: datetime
) -> dict:
    """An entity record: everything :mod:`registry.rules` needs to answer about it, as JSON.
    ``status`` fields say what is in force at ``now``; the histories say everything decided."""
    own = [e for e in events if e.authorization_id is None]
    per_auth: dict[int, list[StatusEvent]] = {}
    for e in events:
        if e.authorization_id is not None:
            per_auth.setdefault(e.authorization_id, []).append(e)
    return {
        "entity_id": row.entity_id,
        "name": row.name,
        "jurisdiction": row.jurisdiction,
        "role": row.role,
        "status": in_force(own, row.status, now),
        "jwks": row.jwks,
        "key_events": [key_event_dict(k) for k in key_events],
        "status_history": [event_dict(e) for e in own],
        "authorizations": [auth_dict(a, per_auth.get(a.id, []) if a.id is not None else [], now) for a in auths],
    }


def recognition_dict(row: Recognition) -> dict:
    return {
        "id": row.id,
        "authority_id": row.authority_id,
        "recognized_authority_id": row.recognized_authority_id,
        "action": row.action,
        "resource": row.resource,
        "valid_from": iso_z(row.valid_from),
        "valid_until": iso_z(row.valid_until),
        "status": row.status,
    }
