"""Death notification, the issuers' side: who a registered death concerns, and revoking it.

Every sandbox issuer subscribes to ``person.died`` (:meth:`DeathNotifications.subscribe`). On an event it
revokes every credential it issued, still valid or suspended, that names the deceased
(:func:`names_person`): as the subject of a Verified Person, as the ``person`` of a
relationship (a director, a parent), or as the ``related_person`` of one (the parent named in a
child's relationship). The revocations and the record that this issuer processed this event id
are committed together, so an event delivered twice (at-least-once delivery) revokes once, and
a crash in between leaves the event unprocessed rather than half done.

Each issuer subscribes under its own name (:func:`subscriber_id`): on a broker that is its
durable consumer, which keeps the deaths registered while the issuer was down. The handler
returns, and the broker takes the event as done, only once the revocations are committed; a
failure a retry can fix (the database) propagates, so the broker delivers the event again. An
event that is forged or malformed is logged and returned from: no redelivery would change it.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pctf.clock import Clock, as_utc
from pctf.events import EventBus, Handler, ProcessedEvent, verify_event
from pctf.jose import Jws
from pctf.reasons import Reason, SandboxError

from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .keys import IssuerKeys
from .models import Issuance
from .status_lists import StatusLists

log = logging.getLogger("pctf.issuers.deaths")

PERSON_DIED = "person.died"
PERSON_FIELDS = ("given_name", "family_name", "birthdate")
# Where a credential's claims can name a person: itself (a Verified Person), or inside a
# relationship as its subject or as the other party.
_PERSON_PLACES = (None, "person", "related_person")


def _name(value: object) -> str | None:
    """A name as compared: Unicode-compatibility normalized, case-folded, spaces collapsed.
    Accents, hyphens and apostrophes stay significant: "Élise" and "Elise" may be two people,
    and revoking a stranger's credentials is worse than a missed match that staff can fix."""
    if not isinstance(value, str):
        return None
    text = " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    return text or None


def identity_key(person: dict[str, Any]) -> str:
    """The normalized (given name, family name, birthdate) of ``person``, as one string."""
    return "|".join(str(_name(person.get(f)) if f != "birthdate" else person.get(f)) for f in PERSON_FIELDS)


def same_person(candidate: object, person: dict[str, Any]) -> bool:
    """Whether ``candidate`` (a claim set or a person reference) is ``person``: the same given
    and family names (as :func:`_name` compares them) and exactly the same birthdate. A namesake
    born on another day is someone else."""
    if not isinstance(candidate, dict):
        return False
    if not isinstance(person.get("birthdate"), str) or candidate.get("birthdate") != person["birthdate"]:
        return False
    return all(
        _name(candidate.get(f)) is not None and _name(candidate.get(f)) == _name(person.get(f))
        for f in ("given_name", "family_name")
    )


def names_person(claims: object, person: dict[str, Any]) -> bool:
    """The matching rule of death notification: whether an issued credential's ``claims`` name
    ``person`` anywhere a person can be named (the subject, a relationship's ``person`` or its
    ``related_person``)."""
    if not isinstance(claims, dict):
        return False
    return any(same_person(claims if place is None else claims.get(place), person) for place in _PERSON_PLACES)


def person_from_event(event: dict[str, Any]) -> dict[str, str]:
    data = event.get("data") if isinstance(event, dict) else None
    person = data.get("person") if isinstance(data, dict) else None
    if not isinstance(person, dict) or not all(isinstance(person.get(f), str) and person[f] for f in PERSON_FIELDS):
        raise SandboxError(
            Reason.BAD_REQUEST, "a person.died event names a person (given_name, family_name, birthdate)"
        )
    return {f: person[f] for f in PERSON_FIELDS}


def subscriber_id(short_id: str) -> str:
    return f"issuer:{short_id}"


class DeathNotifications:
    """Each issuer's subscription to ``person.died``: checking the announcement, revoking what it
    issued about the deceased, and the record of what it did."""

    def __init__(self, db: Engine, clock: Clock, keys: IssuerKeys, status_lists: StatusLists) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys
        self.status_lists = status_lists

    def verified_death(self, event: object) -> dict[str, Any]:
        """The ``person.died`` envelope as vital statistics signed it, or ``event_invalid``: only the
        death register may announce a death, and only its own signature says it did."""
        registrar = next(j.short_id for j in SANDBOX_ISSUERS.values() if j.kind == "vital_statistics")
        # Vital statistics' keys as the registry records them when it runs elsewhere; a key id not
        # yet known here sends this process to the registry again (its key may have been rotated).
        jws = event.get("jws") if isinstance(event, dict) else None
        kid = Jws.parse(jws, malformed=Reason.EVENT_INVALID).header.get("kid") if isinstance(jws, str) else None
        keys = self.keys.peers.jwks(registrar, kid=kid if isinstance(kid, str) else None)
        return verify_event(event, keys, source=self.keys.issuer_url(registrar), topic=PERSON_DIED)

    def handle_death(self, short_id: str, event: object) -> dict[str, Any]:
        """Revoke what ``short_id`` issued about the deceased; returns what was done. Idempotent by
        event id: a second delivery returns the first outcome with ``duplicate: true``. An event that
        does not verify (:meth:`verified_death`) changes nothing and is not recorded as processed."""
        received = self.clock.now()
        envelope = self.verified_death(event)
        person = person_from_event(envelope)
        event_id = envelope["id"]
        subscriber = subscriber_id(short_id)
        with Session(self.db) as session:
            done = session.get(ProcessedEvent, (subscriber, event_id))
            if done is not None:
                return {**done.outcome, "duplicate": True}
            rows = session.exec(
                select(Issuance)
                .where(Issuance.issuer_id == short_id, col(Issuance.status).in_(("valid", "suspended")))
                .order_by(col(Issuance.id))
            ).all()
            reason = f"death registered by vital statistics (event {event_id})"
            revoked = []
            for row in rows:
                if row.id is None or row.status_list_id is None or not names_person(row.claims, person):
                    continue
                if self.status_lists.change_status(session, row.id, "revoked", reason, unless="revoked"):
                    revoked.append(row.id)
            outcome = {"revoked": revoked}
            session.add(
                ProcessedEvent(
                    subscriber=subscriber,
                    event_id=event_id,
                    topic=PERSON_DIED,
                    received_at=received,
                    processed_at=self.clock.now(),
                    outcome=outcome,
                )
            )
            try:
                session.commit()
            except IntegrityError:  # the same event, delivered twice at once, was processed by the other delivery
                session.rollback()
                return {"revoked": [], "duplicate": True}
        if revoked:
            log.info("%s revoked %d credential(s) on event %s", short_id, len(revoked), event_id)
        return {**outcome, "duplicate": False}

    def subscribe(self, bus: EventBus, short_ids: Iterable[str] | None = None) -> None:
        """Every sandbox issuer, vital statistics included, listens for registered deaths, each
        under its own subscriber name. A process serving only some issuers names them
        (``short_ids``): on a broker, an issuer's consumer shared with a process that does not hold
        its credentials would hand that process its deaths."""
        for short_id in SANDBOX_ISSUERS if short_ids is None else short_ids:
            jurisdiction(short_id)
            bus.subscribe(PERSON_DIED, self._handler(short_id), subscriber=subscriber_id(short_id))

    def _handler(self, short_id: str) -> Handler:
        def on_person_died(event: dict[str, Any]) -> None:
            """Returns once the event is processed or found unusable; raises (the database failed)
            when a later delivery may succeed."""
            try:
                self.handle_death(short_id, event)
            except SandboxError as exc:  # a forged or malformed event: say so, without its personal data
                log.warning(
                    "%s ignored a %s event (id %r): %s",
                    short_id,
                    PERSON_DIED,
                    event.get("id") if isinstance(event, dict) else None,
                    exc.reason.value,
                )

        on_person_died.__qualname__ = f"on_person_died[{short_id}]"
        return on_person_died

    def processed(self, short_id: str, event_id: str) -> dict[str, Any]:
        """What ``short_id`` did with event ``event_id``, and when: for staff, and for measuring how
        long a death took to reach each issuer's status list."""
        jurisdiction(short_id)
        if not isinstance(event_id, str) or not 1 <= len(event_id) <= 64:
            raise SandboxError(Reason.NOT_FOUND, "no such event", status_code=404)
        with Session(self.db) as session:
            row = session.get(ProcessedEvent, (subscriber_id(short_id), event_id))
            if row is None:
                raise SandboxError(Reason.NOT_FOUND, f"{short_id} has not processed event {event_id}", status_code=404)
            return {
                "issuer": short_id,
                "event_id": event_id,
                "topic": row.topic,
                "received_at": as_utc(row.received_at).isoformat(),
                "processed_at": as_utc(row.processed_at).isoformat(),
                "revoked": list(row.outcome.get("revoked", [])),
            }
