"""Delegations of access to health information: a health authority records a person's consent
and offers the person they chose a *Verified Relationship* of type ``delegate``.

An adult child who acts for an elderly parent on the parent's health record holds the delegation.
Its ``person`` is the delegate (the holder), its ``related_person`` the person represented, and it
states its ``scope``, its period (``valid_from`` and ``valid_until``, inclusive; the credential's
own ``nbf`` and ``exp`` follow them, :func:`issuers.ledger.validity`, so every verifier's validity
check enforces the period) and the ``consent`` behind it: who gave it, when, and the consent
reference. The health authority keeps the consent (:class:`issuers.models.DelegationConsent`) and
returns it with the offer. Consent withdrawn is a credential revoked: staff set its status
(``POST /issuers/<id>/issuances/<n>/status``) and the issuer's status list says so.

What is simulated, and why it is still a check: the health authority does not meet the two
people. It relies on the province's identity program, as a real one would query it: each person
must hold a valid Verified Person from a sandbox identity program, at no lower a level of
assurance than the delegation is issued at, and neither may be on the death register: the
health authority asks the identity programs and vital statistics (:mod:`issuers.peers`), over
HTTP when they run in other processes, and learns yes or no and the level of assurance only. The
consent itself (a signed form, in real life) is what staff record: it must be the represented
person's own, not in the future, and given no later than the delegation takes effect. Consent
given by a legal representative (a power of attorney, a guardianship order) is not simulated.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from pctf.clock import Clock, as_utc
from pctf.reasons import Reason, SandboxError
from pctf.vocab import VERIFIED_RELATIONSHIP, clean_date, clean_text

from .deaths import PERSON_FIELDS, same_person
from .jurisdictions import Jurisdiction, jurisdiction
from .models import DelegationConsent
from .offers import Offers
from .vital_statistics import person_of

# What a health authority's delegation may cover: reading and acting on the person's health
# record, or only booking and changing their appointments. A relying party compares the value as
# it is written.
DELEGATION_SCOPES = ("health_information", "appointments")
# A delegate acts for someone else: an adult.
DELEGATE_MIN_AGE = 18
# The longest a delegation runs before the represented person is asked to consent again.
LONGEST_TERM = timedelta(days=5 * 366)
MAX_REFERENCE = 64


def _health_authority(short_id: str) -> Jurisdiction:
    issuer = jurisdiction(short_id)
    if issuer.kind != "health":
        raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not a health authority")
    return issuer


def _invalid(message: str) -> SandboxError:
    return SandboxError(Reason.CLAIMS_INVALID, message, status_code=422)


def _day(value: object, what: str) -> date:
    return date.fromisoformat(clean_date(value, what))


def _age(birthdate: str, on: date) -> int:
    born = date.fromisoformat(birthdate)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _full_name(person: dict[str, Any]) -> str:
    return f"{person['given_name']} {person['family_name']}"


class Delegations:
    """Delegation offers, each backed by the represented person's recorded consent."""

    def __init__(self, db: Engine, clock: Clock, offers: Offers, *, leeway_seconds: int = 30) -> None:
        self.db = db
        self.clock = clock
        self.offers = offers
        self.leeway = timedelta(seconds=leeway_seconds)
        self.peers = offers.keys.peers

    def grant(self, short_id: str, application: Any) -> dict[str, Any]:
        """Record the consent and offer the delegate the delegation; returns the offer and the
        consent record. The application names the ``delegate`` and the ``represented_person``
        (person references), the ``scope`` (one of :data:`DELEGATION_SCOPES`), ``valid_from`` and
        ``valid_until`` (dates) and the ``consent`` (``granted_by``: a person reference,
        ``granted_at``: a date and time with its UTC offset, ``reference``). Everything is checked
        before anything is stored, so a refused application changes nothing."""
        issuer = _health_authority(short_id)
        if not isinstance(application, dict):
            raise SandboxError(Reason.BAD_REQUEST, "a delegation application is a JSON object")
        loa = issuer.max_loa(VERIFIED_RELATIONSHIP.name)
        if loa is None:
            raise SandboxError(Reason.ISSUER_NOT_AUTHORIZED, f"{short_id} does not issue {VERIFIED_RELATIONSHIP.name}")
        now = self.clock.now()
        delegate = person_of(application.get("delegate"), "delegate")
        represented = person_of(application.get("represented_person"), "represented_person")
        if same_person(delegate, represented):
            raise _invalid("the delegate and the represented person are the same person")
        scope = application.get("scope")
        if not isinstance(scope, str) or scope not in DELEGATION_SCOPES:
            raise _invalid(f"scope must be one of {', '.join(DELEGATION_SCOPES)}")
        valid_from = _day(application.get("valid_from"), "valid_from")
        valid_until = _day(application.get("valid_until"), "valid_until")
        if valid_until < valid_from:
            raise _invalid("valid_until is before valid_from")
        if valid_until < now.date():
            raise _invalid("valid_until has passed")
        if valid_until - valid_from > LONGEST_TERM:
            raise _invalid(f"a delegation runs for at most {LONGEST_TERM.days} days; consent is asked again after")
        granted_by, granted_at, reference = self._consent(application.get("consent"), represented, now)
        if valid_from < granted_at.date():
            raise _invalid("the delegation would take effect before consent was given")
        if _age(delegate["birthdate"], now.date()) < DELEGATE_MIN_AGE:
            raise _invalid(f"a delegate is at least {DELEGATE_MIN_AGE} years old")
        for who, what in ((delegate, "the delegate"), (represented, "the represented person")):
            if self.peers.is_deceased(who, asker=short_id):
                raise SandboxError(
                    Reason.PERSON_DECEASED, f"vital statistics has registered the death of {what}", status_code=422
                )
            if self.peers.verified_person_loa(who, loa, asker=short_id) is None:
                raise SandboxError(
                    Reason.EVIDENCE_INSUFFICIENT,
                    f"{what} holds no valid Verified Person at level of assurance {loa} or more "
                    "from an identity program",
                    status_code=422,
                )
        claims: dict[str, Any] = {
            "relationship_type": "delegate",
            "person": delegate,
            "related_person": represented,
            "effective_date": valid_from.isoformat(),
            "scope": scope,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "consent": {
                "granted_by": _full_name(granted_by),
                "granted_at": granted_at.isoformat(),
                "reference": reference,
            },
        }
        checked = VERIFIED_RELATIONSHIP.validate_claims({**claims, "assurance_level": loa})
        claims = {k: checked[k] for k in claims}
        record = self._record(
            DelegationConsent(
                issuer_id=short_id,
                reference=reference,
                delegate=delegate,
                represented_person=represented,
                granted_by=granted_by,
                granted_at=granted_at,
                scope=scope,
                valid_from=valid_from.isoformat(),
                valid_until=valid_until.isoformat(),
                recorded_at=now,
            )
        )
        offer = self.offers.create(short_id, [(VERIFIED_RELATIONSHIP.name, claims)])
        return {**offer, "consent": record}

    def _consent(
        self, consent: object, represented: dict[str, Any], now: datetime
    ) -> tuple[dict[str, Any], datetime, str]:
        """Who consented (the represented person), when (UTC, whole seconds), and the reference."""
        if not isinstance(consent, dict):
            raise SandboxError(
                Reason.BAD_REQUEST, "consent must be an object with granted_by, granted_at and reference"
            )
        granted_by = person_of(consent.get("granted_by"), "consent.granted_by")
        if not same_person(granted_by, represented):
            raise SandboxError(
                Reason.EVIDENCE_MISMATCH, "the consent was not given by the represented person", status_code=422
            )
        when = consent.get("granted_at")
        try:
            parsed = datetime.fromisoformat(when) if isinstance(when, str) and len(when) <= 40 else None
            granted_at = parsed.astimezone(UTC).replace(microsecond=0) if parsed and parsed.tzinfo else None
        except (ValueError, OverflowError):  # not ISO 8601, or an offset that leaves the calendar
            granted_at = None
        if granted_at is None:
            raise _invalid("consent.granted_at must be a date and time with its UTC offset (ISO 8601)")
        if granted_at > now + self.leeway:
            raise _invalid("consent.granted_at is in the future")
        reference = consent.get("reference")
        if not isinstance(reference, str) or len(reference) > MAX_REFERENCE:
            raise SandboxError(
                Reason.BAD_REQUEST, f"consent.reference must be a string of at most {MAX_REFERENCE} characters"
            )
        return granted_by, granted_at, clean_text(reference, "consent.reference")

    def _record(self, row: DelegationConsent) -> dict[str, Any]:
        """Store the consent; a reference already recorded is a conflict (one form, one delegation)."""
        with Session(self.db) as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise SandboxError(
                    Reason.CONFLICT, f"consent {row.reference!r} is already recorded", status_code=409
                ) from None
            session.refresh(row)
            return {
                "id": row.id,
                "reference": row.reference,
                "granted_by": {f: row.granted_by[f] for f in PERSON_FIELDS},
                "granted_at": as_utc(row.granted_at).isoformat(),
                "delegate": row.delegate,
                "represented_person": row.represented_person,
                "scope": row.scope,
                "valid_from": row.valid_from,
                "valid_until": row.valid_until,
                "recorded_at": as_utc(row.recorded_at).isoformat(),
            }
