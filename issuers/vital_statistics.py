"""Vital statistics: the register of deaths, and parent–child relationships from birth records.

Registering a death stores it and its ``person.died`` event in one transaction (the outbox of
:mod:`pctf.events`), then publishes the event; every issuer revokes what it issued about that
person (:mod:`issuers.deaths`). Registration is a staff act, behind the issuer staff token.

Registering a birth (the newborn bundle: register once) puts the child on the birth register
and, in the same answer, offers each parent the child's *Birth Certificate* and their parent–child
*Verified Relationship*, one credential offer per parent.

A parent–child *Verified Relationship* is issued against the child's birth certificate: it
must describe the child and list the parent (simulated, as identity proofing is). For a child
on this agency's own birth register the register decides: only a parent it names gets one
(``not_on_birth_registration``), whatever document is brought. The credential's ``person`` is
its holder (the parent for ``parent``, the child for ``child``) and ``related_person`` the other
one; someone on the death register gets none.
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
from pctf.storage import MAX_ROW_ID
from pctf.vocab import FAMILY_ROLES, PLACE_FIELDS, clean_date, clean_text, credential_type

from .deaths import PERSON_DIED, PERSON_FIELDS, identity_key, same_person
from .jurisdictions import jurisdiction
from .keys import IssuerKeys
from .models import BirthRecord, DeathRecord
from .offers import Offers

_MAX_NAME = 100
_MAX_REGISTRATION_NUMBER = 40


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
    """The death and birth registers, the death announcements, and parent–child relationship offers."""

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
            or not 1 <= registration_id <= MAX_ROW_ID
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
        record = self._birth_record(application.get("registration_number"), child)
        if record is None:
            _check_birth_certificate(application.get("evidence"), parent=parent, child=child)
        elif not any(same_person(p, parent) for p in record["parents"]):
            raise SandboxError(
                Reason.NOT_ON_BIRTH_REGISTRATION,
                "the child's birth registration does not name this person as a parent",
                status_code=422,
            )
        return self.offers.create(
            short_id, [("VerifiedRelationship", self._relationship(short_id, role, holder, other))]
        )

    def _relationship(self, short_id: str, role: str, holder: dict, other: dict) -> dict[str, Any]:
        """The claims of a parent–child relationship whose evidence was checked; refused (409) when
        either person is on the death register."""
        child = other if role == "parent" else holder
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
        return _validated("VerifiedRelationship", short_id, claims)

    def _birth_record(self, number: object, child: dict[str, Any]) -> dict[str, Any] | None:
        """The child's birth registration: the one ``number`` names (which must be this child's),
        else the one the register holds for this child, else None (born elsewhere, or before it)."""
        with Session(self.db) as session:
            if number is None:
                record = session.exec(
                    select(BirthRecord).where(BirthRecord.identity_key == identity_key(child))
                ).first()
            else:
                if not isinstance(number, str) or not number.strip() or len(number) > _MAX_REGISTRATION_NUMBER:
                    raise SandboxError(
                        Reason.BAD_REQUEST,
                        "registration_number must be a non-empty string of at most "
                        f"{_MAX_REGISTRATION_NUMBER} characters",
                    )
                record = session.exec(
                    select(BirthRecord).where(BirthRecord.registration_number == number.strip())
                ).first()
                if record is None:
                    raise SandboxError(Reason.NOT_FOUND, "no birth registration has this number", status_code=404)
                if not same_person({f: getattr(record, f) for f in PERSON_FIELDS}, child):
                    raise SandboxError(
                        Reason.EVIDENCE_MISMATCH, "this birth registration is not the child's", status_code=422
                    )
            return (
                None
                if record is None
                else {"registration_number": record.registration_number, "parents": record.parents}
            )

    # -- births ------------------------------------------------------------------------------
    def register_birth(self, short_id: str, application: Any) -> dict[str, Any]:
        """Put a birth on the register and offer each parent the child's birth certificate and
        their parent–child relationship (one offer each, with its own transaction code).

        Everything is checked before anything is stored: bad input, a child already registered,
        or a parent on the death register changes nothing."""
        _vital_statistics(short_id)
        if not isinstance(application, dict):
            raise SandboxError(Reason.BAD_REQUEST, "a birth registration is a JSON object")
        given = application.get("child")
        child = person_of(given, "child")
        place = _place_of_birth(given.get("place_of_birth") if isinstance(given, dict) else None)
        named = application.get("parents")
        if not isinstance(named, list) or not 1 <= len(named) <= 2:
            raise SandboxError(Reason.BAD_REQUEST, "parents must be a list of one or two person references")
        parents = [person_of(p, f"parents[{i}]") for i, p in enumerate(named)]
        if len(parents) == 2 and identity_key(parents[0]) == identity_key(parents[1]):
            raise SandboxError(Reason.BAD_REQUEST, "the two parents are the same person")
        born, now = date.fromisoformat(child["birthdate"]), self.clock.now()
        if born > now.date():
            raise SandboxError(Reason.BAD_REQUEST, "child.birthdate is in the future")
        if any(date.fromisoformat(p["birthdate"]) >= born for p in parents):
            raise SandboxError(Reason.BAD_REQUEST, "a parent's birthdate is not before the child's")
        certificate: dict[str, Any] = {
            "registration_number": "pending",
            **child,
            "place_of_birth": place,
            **{f"parent_{n}": p for n, p in enumerate(parents, 1)},
        }
        certificate = _validated("BirthCertificate", short_id, certificate)
        relationships = [self._relationship(short_id, "parent", p, child) for p in parents]
        key = identity_key(child)
        conflict = SandboxError(Reason.CONFLICT, "this child's birth is already registered", status_code=409)
        with Session(self.db) as session:
            if session.exec(select(BirthRecord).where(BirthRecord.identity_key == key)).first() is not None:
                raise conflict
            record = BirthRecord(**child, place_of_birth=place, parents=parents, identity_key=key, registered_at=now)
            session.add(record)
            try:
                session.flush()  # the record's id numbers the registration
                record.registration_number = (
                    f"{born.year}-{jurisdiction(short_id).jurisdiction.upper()}-{record.id:06d}"
                )
                session.commit()
            except IntegrityError:  # registered by someone else a moment ago
                session.rollback()
                raise conflict from None
            number = record.registration_number
        certificate["registration_number"] = number
        offers = [
            {
                "parent": parent,
                **self.offers.create(short_id, [("BirthCertificate", certificate), ("VerifiedRelationship", related)]),
            }
            for parent, related in zip(parents, relationships, strict=True)
        ]
        return {
            "registration_number": number,
            "registered_at": as_utc(now).isoformat(),
            "child": {**child, "place_of_birth": place},
            "parents": parents,
            "offers": offers,
        }


def _validated(type_name: str, short_id: str, claims: dict[str, Any]) -> dict[str, Any]:
    """``claims`` as the vocabulary keeps them (names normalized), checked at the level of
    assurance the issuer issues this type at; nothing is added."""
    ctype = credential_type(type_name)
    checked = ctype.validate_claims({**claims, "assurance_level": jurisdiction(short_id).max_loa(ctype.name)})
    return {k: v for k, v in checked.items() if k in claims}


def _place_of_birth(value: object) -> dict[str, str]:
    """Where the child was born: a locality and a region, and a country (Canada unless said)."""
    if not isinstance(value, dict) or set(value) - set(PLACE_FIELDS):
        raise SandboxError(Reason.BAD_REQUEST, f"child.place_of_birth must be an object with {', '.join(PLACE_FIELDS)}")
    place = {"country": "CA", **{k: v for k, v in value.items() if v is not None}}
    for field in PLACE_FIELDS:
        text = place.get(field)
        if not isinstance(text, str) or not text.strip() or len(text) > _MAX_NAME:
            raise SandboxError(
                Reason.BAD_REQUEST,
                f"child.place_of_birth.{field} must be a non-empty string of at most {_MAX_NAME} characters",
            )
        place[field] = clean_text(text, f"child.place_of_birth.{field}")
    return {f: place[f] for f in PLACE_FIELDS}


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
