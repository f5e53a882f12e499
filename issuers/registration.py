"""What happens before an offer: identity proofing of a person, and the registration of a
corporation with its first director or signing officer.

Both are staff acts, behind the issuer staff token. Every application is validated in full
before anything is stored, so bad input changes no state; what passes becomes a credential
offer (:mod:`issuers.offers`). How evidence becomes a level of assurance is
:mod:`issuers.proofing`'s.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from pctf.clock import Clock
from pctf.reasons import Reason, SandboxError
from pctf.vocab import ADDRESS_FIELDS, credential_type

from . import proofing
from .jurisdictions import jurisdiction
from .models import Organization
from .offers import Offers

_PERSON_FIELDS = ("given_name", "family_name", "birthdate")


def _luhn_check_digit(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


class Registration:
    """Identity proofing (Verified Person offers) and incorporation (Verified Organization and
    Verified Relationship offers)."""

    def __init__(self, db: Engine, clock: Clock, offers: Offers) -> None:
        self.db = db
        self.clock = clock
        self.offers = offers
        self.peers = offers.keys.peers

    def proof_person(self, short_id: str, application: dict[str, Any]) -> dict[str, Any]:
        """Identity proofing from evidence, then a Verified Person offer at the LoA reached."""
        claims = self.proofed_person(short_id, application)
        offer = self.offers.create(short_id, [("VerifiedPerson", claims)])
        return {"assurance_level": claims["assurance_level"], **offer}

    def proofed_person(self, short_id: str, application: dict[str, Any]) -> dict[str, Any]:
        """Identity proofing from evidence: the Verified Person claims at the LoA reached. Staff
        proofing (:meth:`proof_person`) and the person's own, at the authorization endpoint
        (:mod:`issuers.authorization`), are this one check."""
        issuer = jurisdiction(short_id)
        if issuer.kind != "person":
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not an identity-proofing issuer")
        ctype = credential_type("VerifiedPerson")
        # The application's claims as they would be kept (names normalized, dates plausible) before
        # the evidence is compared with them; nobody is proofed before being born.
        claims = ctype.validate_claims(
            {**{k: application.get(k) for k in (*_PERSON_FIELDS, "address")}, "assurance_level": 1}
        )
        if claims["birthdate"] > self.clock.now().date().isoformat():
            raise SandboxError(Reason.CLAIMS_INVALID, "the birthdate is in the future", status_code=422)
        loa = proofing.assess(claims, application.get("evidence"), max_loa=issuer.max_loa(ctype.name) or 1)
        claims["assurance_level"] = loa
        # Validation against the authoritative source: the vital statistics death register. Evidence
        # documents outlive their holder; an identity must not.
        if self.peers.is_deceased(claims, asker=short_id):
            raise SandboxError(
                Reason.PERSON_DECEASED, "vital statistics has registered this person's death", status_code=422
            )
        return claims

    def incorporate(self, short_id: str, application: dict[str, Any]) -> dict[str, Any]:
        """Register a corporation and offer its Verified Organization and the director's relationship."""
        issuer = jurisdiction(short_id)
        if issuer.kind != "registrar":
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not a business registrar")
        legal_name = application.get("legal_name")
        office = application.get("registered_office") or {}
        director = application.get("director")
        role = application.get("role", "director")
        if not isinstance(legal_name, str) or not legal_name.strip():
            raise SandboxError(Reason.CLAIMS_INVALID, "legal_name is required")
        if role not in ("director", "signing_officer"):
            raise SandboxError(Reason.CLAIMS_INVALID, "role must be director or signing_officer")
        if not isinstance(director, dict) or not all(isinstance(director.get(k), str) for k in _PERSON_FIELDS):
            raise SandboxError(Reason.CLAIMS_INVALID, "director needs given_name, family_name and birthdate")
        if not isinstance(office, dict) or set(office) - set(ADDRESS_FIELDS):
            raise SandboxError(Reason.CLAIMS_INVALID, f"registered_office takes only {', '.join(ADDRESS_FIELDS)}")
        today = self.clock.now().date().isoformat()
        org_claims: dict[str, Any] = {
            "legal_name": legal_name.strip(),
            "jurisdiction_of_incorporation": "CA",
            "corporate_status": "active",
            "incorporation_date": today,
            "registered_office": office,
        }
        relationship: dict[str, Any] = {
            "relationship_type": role,
            "person": {k: director[k] for k in _PERSON_FIELDS},
            "effective_date": today,
        }
        # Validate both claim sets before anything is stored (bad input changes no state), and keep
        # them as validated (names normalized).
        checked = credential_type("VerifiedOrganization").validate_claims(
            {**org_claims, "business_number": "0", "assurance_level": 3}
        )
        org_claims = {k: checked[k] for k in org_claims}
        checked = credential_type("VerifiedRelationship").validate_claims(
            {**relationship, "organization": {"legal_name": "x", "business_number": "0"}, "assurance_level": 3}
        )
        relationship = {k: checked[k] for k in relationship}
        bn = self._register(org_claims, role, relationship["person"], today)
        org_claims["business_number"] = bn
        relationship["organization"] = {"legal_name": org_claims["legal_name"], "business_number": bn}
        offer = self.offers.create(
            short_id, [("VerifiedOrganization", org_claims), ("VerifiedRelationship", relationship)]
        )
        return {"business_number": bn, **offer}

    def _register(self, org_claims: dict[str, Any], role: str, person: dict[str, Any], today: str) -> str:
        """Put the corporation on the register under a new business number (nine digits, the last
        a Luhn check digit), with ``person`` as its director or signing officer; returns the number."""
        with Session(self.db) as session:
            while True:
                base = f"{secrets.randbelow(10**8):08d}"
                bn = base + _luhn_check_digit(base)
                if session.get(Organization, bn) is None:
                    break
            session.add(
                Organization(
                    business_number=bn,
                    legal_name=org_claims["legal_name"],
                    jurisdiction_of_incorporation="CA",
                    incorporation_date=today,
                    registered_office=org_claims["registered_office"],
                    directors=[{**person, "role": role}],
                )
            )
            session.commit()
        return bn
