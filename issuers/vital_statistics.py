"""Vital statistics: the register of deaths, and parent–child relationships from birth records.

Registering a death stores it and its ``person.died`` event in one transaction (the outbox of
:mod:`pctf.events`), then publishes the event; every issuer revokes what it issued about that
person (:mod:`issuers.deaths`). Registration is a staff act, behind the issuer staff token.

A parent–child *Verified Relationship* is issued against the child's birth certificate: it
must describe the child and list the parent (simulated, as identity proofing is). The
credential's ``person`` is its holder (the parent for ``parent``, the child for ``child``)
and ``related_person`` the other one; someone on the death register gets none.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pctf.clock import Clock, as_utc
from pctf.events import EventBus, OutboxEvent, add_to_outbox, new_event, relay, sign_event
from pctf.reasons import Reason, SandboxError
from pctf.vocab import FAMILY_ROLES, clean_date, clean_text, credential_type

from .deaths import PERSON_DIED, PERSON_FIELDS, identity_key, same_person
from .jurisdictions import jurisdiction
from .keys import IssuerKeys
from .models import DeathRecord
from .offers import Offers

_MAX_NAME = 100


def _vital_statistics(short_id: str) -> None:
    if jurisdiction(short_id).kind != "vital_statistics":
        raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not a vital statistics agency")


def _date(value: object, what: str) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise SandboxError(Reason.BAD_REQUEST, f"{what} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SandboxError(Reason.BAD_REQUEST, f"{what} must be a date YYYY-MM-DD") from None


def person_of(value: object, what: str = "person") -> dict[str, Any]:
    """A person reference (given name, family name, birthdate), checked and normalized as the
    vocabulary keeps names (:func:`pctf.vocab.clean_text`), with nothing else."""
    if not isinstance(value, dict):
        raise SandboxError(Reason.BAD_REQUEST, f"{what} must be an object with given_name, family_name and birthdate")
    names = {}
    for field in ("given_name", "family_name"):
        name = value.get(field)
        if not isinstance(name, str) or not name.strip() or len(name) > _MAX_NAME:
            raise SandboxError(
                Reason.BAD_REQUEST, f"{what}.{field} must be a non-empty string of at most {_MAX_NAME} characters"
            )
        names[field] = clean_text(name, f"{what}.{field}")
    _date(value.get("birthdate"), f"{what}.birthdate")
    return {**names, "birthdate": clean_date(value["birthdate"], f"{what}.birthdate")}


def is_registered_deceased(db: Engine, person: dict[str, Any]) -> bool:
    """Whether the death register holds ``person`` (as :func:`issuers.deaths.identity_key` compares people)."""
    with Session(db) as session:
        return (
            session.exec(select(DeathRecord).where(DeathRecord.identity_key == identity_key(person))).first()
            is not None
        )


class VitalStatistics:
    """The death register and its announcements, and parent–child relationship offers."""

    def __init__(self, db: Engine, clock: Clock, keys: IssuerKeys, offers: Offers) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.offers = offers

    # -- deaths ------------------------------------------------------------------------------
    def register_death(self, bus: EventBus | None, short_id: str, application: Any) -> dict[str, Any]:
        """Put a death on the register and announce it on ``bus`` (None: the event waits in the
        outbox for the relay). Bad input, or a person already registered deceased, changes nothing."""
        _vital_statistics(short_id)
        if not isinstance(application, dict):
            raise SandboxError(Reason.BAD_REQUEST, "a death registration is a JSON object")
        person = person_of(application, "the deceased")
        died = _date(application.get("date_of_death"), "date_of_death")
        now = self.clock.now()
        if died < date.fromisoformat(person["birthdate"]):
            raise SandboxError(Reason.BAD_REQUEST, "date_of_death is before the birthdate")
        if died > now.date():
            raise SandboxError(Reason.BAD_REQUEST, "date_of_death is in the future")
        key = identity_key(person)
        event = sign_event(
            new_event(
                PERSON_DIED,
                {"person": person, "date_of_death": died.isoformat()},
                source=self.keys.issuer_url(short_id),
                occurred_at=now,
            ),
            self.keys.signing_key(short_id),
        )
        with Session(self.db) as session:
            if session.exec(select(DeathRecord).where(DeathRecord.identity_key == key)).first() is not None:
                raise SandboxError(Reason.CONFLICT, "this person's death is already registered", status_code=409)
            record = DeathRecord(
                **person, date_of_death=died.isoformat(), identity_key=key, registered_at=now, event_id=event["id"]
            )
            session.add(record)
            add_to_outbox(session, event, now)
            try:
                session.commit()
            except IntegrityError:  # registered by someone else a moment ago
                session.rollback()
                raise SandboxError(
                    Reason.CONFLICT, "this person's death is already registered", status_code=409
                ) from None
            session.refresh(record)
            record_id = record.id
        if bus is not None:
            relay(self.db, bus, self.clock)
        return self.death(short_id, record_id)

    def death(self, short_id: str, registration_id: object) -> dict[str, Any]:
        """One registration, with its event and when the event was published (None: still in the outbox)."""
        _vital_statistics(short_id)
        if (
            isinstance(registration_id, bool)
            or not isinstance(registration_id, int)
            or not 1 <= registration_id < 2**63
        ):
            raise SandboxError(Reason.NOT_FOUND, "no such death registration", status_code=404)
        with Session(self.db) as session:
            record = session.get(DeathRecord, registration_id)
            if record is None:
                raise SandboxError(Reason.NOT_FOUND, "no such death registration", status_code=404)
            outbox = session.get(OutboxEvent, record.event_id)
            published = outbox.published_at if outbox is not None else None
            return {
                "registration_id": record.id,
                "event_id": record.event_id,
                "topic": PERSON_DIED,
                "person": {f: getattr(record, f) for f in PERSON_FIELDS},
                "date_of_death": record.date_of_death,
                "registered_at": as_utc(record.registered_at).isoformat(),
                "published_at": as_utc(published).isoformat() if published else None,
            }

    # -- parent–child relationships --------------------------------------------------------------
    def request_relationship(self, short_id: str, application: Any) -> dict[str, Any]:
        """A Verified Relationship offer (``parent`` or ``child``) backed by the child's birth certificate."""
        _vital_statistics(short_id)
        if not isinstance(application, dict):
            raise SandboxError(Reason.BAD_REQUEST, "a relationship application is a JSON object")
        role = application.get("relationship_type")
        if role not in FAMILY_ROLES:
            raise SandboxError(Reason.CLAIMS_INVALID, f"relationship_type must be one of {', '.join(FAMILY_ROLES)}")
        holder = person_of(application.get("person"), "person")
        other = person_of(application.get("related_person"), "related_person")
        parent, child = (holder, other) if role == "parent" else (other, holder)
        _check_birth_certificate(application.get("evidence"), parent=parent, child=child)
        for who in (holder, other):
            if is_registered_deceased(self.db, who):
                raise SandboxError(
                    Reason.CONFLICT, "a person in this relationship is registered deceased", status_code=409
                )
        claims = {
            "relationship_type": role,
            "person": holder,
            "related_person": other,
            "effective_date": child["birthdate"],
        }
        ctype = credential_type("VerifiedRelationship")
        claims = {
            k: v
            for k, v in ctype.validate_claims(
                {**claims, "assurance_level": jurisdiction(short_id).max_loa(ctype.name)}
            ).items()
            if k in claims
        }
        return self.offers.create(short_id, [(ctype.name, claims)])


def _check_birth_certificate(evidence: object, *, parent: dict, child: dict) -> None:
    if not isinstance(evidence, list) or not evidence:
        raise SandboxError(
            Reason.EVIDENCE_INSUFFICIENT,
            "a parent–child relationship needs the child's birth certificate as evidence",
            status_code=422,
        )
    for doc in evidence:
        if not isinstance(doc, dict) or doc.get("type") != "birth_certificate":
            continue
        if not str(doc.get("number", "")).strip():
            raise SandboxError(Reason.BAD_REQUEST, "the birth certificate needs its number")
        if not same_person(doc, child):
            raise SandboxError(Reason.EVIDENCE_MISMATCH, "the birth certificate is not the child's", status_code=422)
        parents = doc.get("parents")
        if not isinstance(parents, list) or not any(same_person(p, parent) for p in parents):
            raise SandboxError(
                Reason.EVIDENCE_MISMATCH, "the birth certificate does not name this parent", status_code=422
            )
        return
    raise SandboxError(
        Reason.EVIDENCE_INSUFFICIENT, "a parent–child relationship needs the child's birth certificate", status_code=422
    )
