"""How the registry's rows become the JSON records it answers with, snapshots and audits.

An *entity record* (:func:`entity_record`) holds everything :mod:`registry.rules` needs to
answer about an entity; the same records make up the signed trust list. Audit entries are
hashed here too: each entry's hash covers its canonical JSON and the previous entry's hash.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from pctf.clock import as_utc

from . import rules
from .models import AuditEntry, Authorization, Entity, KeyEvent, Recognition, StatusEvent
from .rules import iso_z

GENESIS = "0" * 64  # the previous hash of the first audit entry

def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def audit_hash(entry: dict) -> str:
    """SHA-256 over an audit entry's canonical JSON (every member but ``hash``), which includes
    ``prev_hash``: altering, removing or reordering any entry breaks every hash after it."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def audit_dict(row: AuditEntry) -> dict:
    return {"seq": row.seq, "at": iso_z(row.at), "actor": row.actor, "action": row.action, "subject": row.subject,
            "details": row.details, "prev_hash": row.prev_hash, "hash": row.hash}


def event_dict(row: StatusEvent) -> dict:
    return {"status": row.status, "effective_from": iso_z(row.effective_from), "retroactive": row.retroactive,
            "reason": row.reason, "recorded_at": iso_z(row.recorded_at)}


def key_event_dict(row: KeyEvent) -> dict:
    return {"kid": row.kid, "event": row.event, "effective_from": iso_z(row.effective_from), "reason": row.reason,
            "recorded_at": iso_z(row.recorded_at)}


def in_force(events: list[StatusEvent], recorded: str, now: datetime | None) -> str:
    """The status in force at ``now`` (a decision dated later is not yet in force); without a
    ``now``, the latest recorded decision."""
    if now is None or not events:
        return recorded
    event = rules.status_at([event_dict(e) for e in events], as_utc(now), as_utc(now))
    return "active" if event is None else event["status"]


def auth_dict(row: Authorization, events: list[StatusEvent] = (), now: datetime | None = None) -> dict:
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


def entity_record(row: Entity, auths: list[Authorization], events: list[StatusEvent], key_events: list[KeyEvent],
            now: datetime) -> dict:
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
        "authorizations": [auth_dict(a, per_auth.get(a.id, []), now) for a in auths],
    }


def recognition_dict(row: Recognition) -> dict:
    return {"id": row.id, "authority_id": row.authority_id, "recognized_authority_id": row.recognized_authority_id,
            "action": row.action, "resource": row.resource, "valid_from": iso_z(row.valid_from),
            "valid_until": iso_z(row.valid_until), "status": row.status}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
