"""The registry's database, shared by every part of the registry: sessions, transactions and
the entity records all of its answers are made of.

Each method opens its own session: the parts are shared by the threads of a single-process
server. A write runs in one transaction (:meth:`RegistryStore.write`) that also holds the audit
entry recording it, so a change and its record are kept or lost together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from pctf.clock import Clock
from pctf.settings import Settings
from pctf.storage import engine_for

from .models import (
    Application,
    AssessmentMark,
    AuditEntry,
    Authorization,
    ConformanceRun,
    Entity,
    KeyEvent,
    Recognition,
    RegistrySigningKey,
    StatusEvent,
)
from .records import entity_record, recognition_dict
from .validation import clean_text, conflict, db_time, not_found

# The models of the registry's database, whose tables pctf/migrations/versions/registry creates
# (tests/test_migrations.py holds the two to agreeing).
TABLES: list[type[SQLModel]] = [
    Entity,
    Authorization,
    Recognition,
    StatusEvent,
    KeyEvent,
    Application,
    ConformanceRun,
    AssessmentMark,
    AuditEntry,
    RegistrySigningKey,
]


class RegistryStore:
    """The tables of the registry of ``settings.registry_authority_id``, and the clock its records are dated by."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self.authority_id = settings.registry_authority_id
        self.db = engine_for(settings, "registry")

    def now(self) -> datetime:
        """Now, as the tables store times (UTC, to the whole second)."""
        return db_time(self.clock.now())

    def session(self) -> Session:
        """A session for reading (nothing it does is committed)."""
        return Session(self.db)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One session, one transaction: committed when the block ends, rolled back on any error.

        A unique-key race (two first registrations of the same entity, two audit entries taking
        the same sequence number) becomes a 409, not a 500; the caller may simply retry.
        """
        with Session(self.db) as session:
            try:
                yield session
                session.commit()
            except IntegrityError:
                session.rollback()
                raise conflict("a concurrent change conflicted with this one; retry") from None

    # -- entity records --------------------------------------------------------------------
    def record(self, session: Session, row: Entity) -> dict[str, Any]:
        """The entity record of ``row`` (see :func:`registry.records.entity_record`) as it stands now."""
        auths = session.exec(
            select(Authorization).where(Authorization.entity_id == row.entity_id).order_by(col(Authorization.id))
        ).all()
        events = session.exec(
            select(StatusEvent).where(StatusEvent.entity_id == row.entity_id).order_by(col(StatusEvent.id))
        ).all()
        key_events = session.exec(
            select(KeyEvent).where(KeyEvent.entity_id == row.entity_id).order_by(col(KeyEvent.id))
        ).all()
        return entity_record(row, list(auths), list(events), list(key_events), self.clock.now())

    def find(self, entity_id: str) -> dict[str, Any] | None:
        """The record of ``entity_id``, or None when the registry does not know it."""
        with Session(self.db) as session:
            row = session.get(Entity, entity_id)
            return None if row is None else self.record(session, row)

    def entity(self, entity_id: str) -> dict[str, Any]:
        """The record of ``entity_id``; ``not_found`` when the registry does not know it."""
        entity_id = clean_text(entity_id, "entity_id")
        found = self.find(entity_id)
        if found is None:
            raise not_found(f"no entity {entity_id}")
        return found

    def entities(self) -> list[dict[str, Any]]:
        """Every entity record, in entity id order (also the body of the trust-list snapshot)."""
        with Session(self.db) as session:
            rows = session.exec(select(Entity).order_by(col(Entity.entity_id))).all()
            auths: dict[str, list[Authorization]] = {}
            for a in session.exec(select(Authorization).order_by(col(Authorization.id))).all():
                auths.setdefault(a.entity_id, []).append(a)
            events: dict[str, list[StatusEvent]] = {}
            for e in session.exec(select(StatusEvent).order_by(col(StatusEvent.id))).all():
                events.setdefault(e.entity_id, []).append(e)
            key_events: dict[str, list[KeyEvent]] = {}
            for k in session.exec(select(KeyEvent).order_by(col(KeyEvent.id))).all():
                key_events.setdefault(k.entity_id, []).append(k)
            now = self.clock.now()
            return [
                entity_record(
                    r, auths.get(r.entity_id, []), events.get(r.entity_id, []), key_events.get(r.entity_id, []), now
                )
                for r in rows
            ]

    def recognitions(self) -> list[dict[str, Any]]:
        """Every recognition of another framework, in the order they were granted."""
        with Session(self.db) as session:
            return [recognition_dict(r) for r in session.exec(select(Recognition).order_by(col(Recognition.id))).all()]
