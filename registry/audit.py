"""The registry's audit log: every governance decision and onboarding step, hash-chained.

Each entry is written by :func:`append_entry` in the transaction of the change it records, so
the log holds exactly what was decided. An entry's hash covers its canonical JSON, which
includes the previous entry's hash: altering, removing or reordering any entry breaks every
hash after it, which :meth:`AuditLog.verify` finds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from pctf.trqp import iso_z

from .models import AuditEntry
from .store import RegistryStore
from .validation import bad_request, db_time

GENESIS = "0" * 64  # the previous hash of the first audit entry
MAX_PAGE = 10_000


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def audit_hash(entry: dict[str, Any]) -> str:
    """SHA-256 over an audit entry's canonical JSON (every member but ``hash``), ``prev_hash`` included."""
    return hashlib.sha256(canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def audit_dict(row: AuditEntry) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": iso_z(row.at),
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject,
        "details": row.details,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def append_entry(
    session: Session, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any]
) -> None:
    """Append one entry to the log, in ``session``'s transaction (that of the change it records).

    ``actor`` names who acted: ``governance``, ``assessor``, ``applicant:<application id>`` or
    ``system`` (start-up seeding).
    """
    last = session.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc()).limit(1)).first()
    seq, prev, stamp = (1, GENESIS, db_time(at)) if last is None else (last.seq + 1, last.hash, db_time(at))
    entry = {
        "seq": seq,
        "at": iso_z(stamp),
        "actor": actor,
        "action": action,
        "subject": subject,
        "details": details,
        "prev_hash": prev,
    }
    session.add(
        AuditEntry(
            seq=seq,
            at=stamp,
            actor=actor,
            action=action,
            subject=subject,
            details=details,
            prev_hash=prev,
            hash=audit_hash(entry),
        )
    )
    session.flush()


def last_seq(session: Session) -> int | None:
    """The sequence number of the latest entry: it changes with every write to the registry."""
    return session.exec(select(func.max(AuditEntry.seq))).one()


class AuditLog:
    """Reading the log and checking its chain."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    def entries(self, *, after: int = 0, limit: int = 1000) -> list[dict[str, Any]]:
        """Up to ``limit`` entries (at most :data:`MAX_PAGE`) following sequence number ``after``."""
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            raise bad_request("after must be a non-negative integer")
        limit = max(1, min(int(limit), MAX_PAGE))
        with self.store.session() as session:
            rows = session.exec(
                select(AuditEntry).where(AuditEntry.seq > after).order_by(col(AuditEntry.seq)).limit(limit)
            ).all()
            return [audit_dict(r) for r in rows]

    def verify(self) -> dict[str, Any]:
        """Walk the whole chain: each entry's hash, its link to the previous one, no gaps."""
        prev, count = GENESIS, 0
        with self.store.session() as session:
            for row in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))):
                entry = audit_dict(row)
                count += 1
                problem = None
                broken_at = row.seq
                if row.seq != count:
                    problem, broken_at = f"entry {count} is missing (next is {row.seq})", count
                elif row.prev_hash != prev:
                    problem = f"entry {row.seq} does not link to the entry before it"
                elif audit_hash(entry) != row.hash:
                    problem = f"entry {row.seq} was altered after it was written"
                if problem:
                    return {"valid": False, "entries": count, "broken_at": broken_at, "problem": problem, "head": None}
                prev = row.hash
        return {"valid": True, "entries": count, "broken_at": None, "problem": None, "head": prev}
