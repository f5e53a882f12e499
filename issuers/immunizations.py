"""Immunization records: a health authority's staff offer a person the record of one dose.

The health authority keeps the province's immunization register (simulated, as identity proofing
is): its staff, behind the issuer staff token, turn one entry of it into an *Immunization*
credential offer for the person's wallet. The entry is checked in full against the vocabulary
(:meth:`pctf.vocab.CredentialType.validate_claims`) before anything is stored, so bad input changes
nothing; the offer then goes the one way every offer goes (:mod:`issuers.offers`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from pctf.clock import Clock
from pctf.reasons import Reason, SandboxError
from pctf.vocab import IMMUNIZATION, TARGET_DISEASES

from .jurisdictions import jurisdiction
from .offers import Offers

# No vaccine schedule has more doses than this (boosters included): a larger number is a typing error.
MAX_DOSE_NUMBER = 20


class Immunizations:
    """Immunization record offers, from the health authority's register."""

    def __init__(self, db: Engine, clock: Clock, offers: Offers) -> None:
        self.db = db
        self.clock = clock
        self.offers = offers
        self.peers = offers.keys.peers

    def offer(self, short_id: str, application: Any) -> dict[str, Any]:
        """An *Immunization* offer for one dose: the person (given name, family name, birthdate),
        ``target_disease`` (one of :data:`pctf.vocab.TARGET_DISEASES`), ``vaccine``,
        ``vaccination_date``, ``dose_number``, and optionally ``lot_number`` and
        ``administering_clinic``. The level of assurance is the issuer's, never the applicant's."""
        issuer = jurisdiction(short_id)
        if issuer.kind != "health":
            raise SandboxError(Reason.BAD_REQUEST, f"{short_id} is not a health authority")
        if not isinstance(application, dict):
            raise SandboxError(Reason.BAD_REQUEST, "an immunization record is a JSON object")
        if "assurance_level" in application:
            raise SandboxError(Reason.CLAIMS_INVALID, "the level of assurance is the issuer's to set")
        max_loa = issuer.max_loa(IMMUNIZATION.name)
        if max_loa is None:
            raise SandboxError(Reason.ISSUER_NOT_AUTHORIZED, f"{short_id} does not issue {IMMUNIZATION.name}")
        claims = IMMUNIZATION.validate_claims({**application, "assurance_level": max_loa})
        if claims["target_disease"] not in TARGET_DISEASES:
            raise SandboxError(
                Reason.CLAIMS_INVALID,
                f"target_disease must be one of {', '.join(TARGET_DISEASES)}",
                status_code=422,
            )
        dose = claims["dose_number"]
        if not 1 <= dose <= MAX_DOSE_NUMBER:
            raise SandboxError(
                Reason.CLAIMS_INVALID, f"dose_number must lie between 1 and {MAX_DOSE_NUMBER}", status_code=422
            )
        if claims["vaccination_date"] < claims["birthdate"]:
            raise SandboxError(Reason.CLAIMS_INVALID, "the vaccination_date is before the birthdate", status_code=422)
        if claims["vaccination_date"] > self.clock.now().date().isoformat():
            raise SandboxError(Reason.CLAIMS_INVALID, "the vaccination_date is in the future", status_code=422)
        # A person on the death register gets no new credential (a death revokes what was issued).
        if self.peers.is_deceased(claims, asker=short_id):
            raise SandboxError(
                Reason.PERSON_DECEASED, "vital statistics has registered this person's death", status_code=422
            )
        return self.offers.create(short_id, [(IMMUNIZATION.name, claims)])
