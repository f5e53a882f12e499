"""Replacing a credential at its holder's request: renewal, and re-issuance after a change of
name or address.

The holder proves possession of the credential the way a verifier would ask for it: an SD-JWT
presentation (no claim needs disclosing: the issuer has its own record) with a Key Binding JWT
whose ``aud`` is this issuer and whose ``nonce`` is a fresh ``c_nonce`` from the issuer's nonce
endpoint (OpenID4VCI 7). The issuer finds its record through the credential's status list
entry, checks the credential is still valid, and answers with a pre-authorized credential
offer (no transaction code: the holder is already authenticated by the proof) that only the
same holder key can redeem. Issuing from that offer revokes the old credential
(:meth:`issuers.offers.Offers.credential`), so a relying party that still receives
the old one gets ``credential_revoked``.

Every check runs before the nonce is used up, so a refused request changes nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pctf import statuslist
from pctf.clock import Clock, as_utc
from pctf.jose import thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import KeyBinding, check_credential
from pctf.settings import Settings
from pctf.vocab import credential_type

from . import proofing
from .jurisdictions import jurisdiction
from .keys import IssuerKeys
from .ledger import IssuanceLedger
from .models import Issuance
from .offers import Offers
from .status_lists import StatusLists

# A presentation larger than this is not a credential of this sandbox.
MAX_PRESENTATION = 64 * 1024
# An expired credential can be renewed for this long after its expiry; later, identity proofing
# starts again (a real jurisdiction sets this in its renewal policy).
RENEWAL_GRACE = timedelta(days=180)
# What a holder may ask to change, per credential type. A birthdate is not "changed": a wrong one
# is corrected by proofing again.
CHANGEABLE = {"VerifiedPerson": ("given_name", "family_name", "address")}
NAME_FIELDS = ("given_name", "family_name")


class Reissuance:
    """A holder's renewal and re-issuance requests, each answered with an offer of the successor."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        keys: IssuerKeys,
        status_lists: StatusLists,
        ledger: IssuanceLedger,
        offers: Offers,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.keys = keys
        self.status_lists = status_lists
        self.ledger = ledger
        self.offers = offers

    def renewal_offer(self, short_id: str, body: Any) -> dict[str, Any]:
        """An offer of the same credential with a new validity period, once it is due: within the
        wallet's expiring-soon window of its expiry, or expired for less than :data:`RENEWAL_GRACE`."""
        jurisdiction(short_id)
        if not isinstance(body, dict):
            raise SandboxError(Reason.BAD_REQUEST, "a renewal request is a JSON object with a presentation")
        row, nonce = self._possession(short_id, body.get("presentation"))
        now = self.clock.now()
        expires = as_utc(row.expires_at)
        due = expires - timedelta(days=self.settings.expiring_soon_days)
        if now < due:
            raise SandboxError(
                Reason.CONFLICT,
                f"this credential is not due for renewal before {due.date().isoformat()}",
                status_code=409,
            )
        if now > expires + RENEWAL_GRACE:
            raise SandboxError(
                Reason.CREDENTIAL_EXPIRED,
                "this credential expired too long ago to be renewed; apply for a new one",
                status_code=409,
            )
        return self._offer(short_id, row, dict(row.claims), nonce)

    def reissuance_offer(self, short_id: str, body: Any) -> dict[str, Any]:
        """An offer of the credential with ``changes`` applied (a new address; a new name, shown by
        a marriage or change-of-name certificate in ``evidence``)."""
        jurisdiction(short_id)
        if not isinstance(body, dict):
            raise SandboxError(
                Reason.BAD_REQUEST, "a re-issuance request is a JSON object with a presentation and changes"
            )
        changes = body.get("changes")
        if not isinstance(changes, dict) or not changes:
            raise SandboxError(Reason.BAD_REQUEST, "changes must be a non-empty object of the claims to change")
        row, nonce = self._possession(short_id, body.get("presentation"))
        ctype = credential_type(row.vct)
        allowed = CHANGEABLE.get(ctype.name, ())
        refused = sorted(set(changes) - set(allowed))
        if refused:
            raise SandboxError(
                Reason.CLAIMS_INVALID,
                f"{', '.join(refused)} cannot be changed on a {ctype.name}"
                + (f" (changeable: {', '.join(allowed)})" if allowed else ""),
            )
        claims = ctype.validate_claims({**row.claims, **changes})
        if claims == row.claims:
            raise SandboxError(Reason.BAD_REQUEST, "these changes change nothing")
        if any(claims[f] != row.claims.get(f) for f in NAME_FIELDS):
            proofing.check_name_change(row.claims, claims, body.get("evidence"))
        return self._offer(short_id, row, claims, nonce)

    def _possession(self, short_id: str, presentation: Any) -> tuple[Issuance, str | None]:
        """The issuance the presentation proves possession of, and the KB-JWT's nonce (not yet
        used up). The presentation passes the one credential check every party runs
        (:func:`pctf.sdjwt_vc.check_credential`), expiry aside: an expired credential may still
        be renewed within :data:`RENEWAL_GRACE`."""
        issuer_url = self.keys.issuer_url(short_id)
        if not isinstance(presentation, str) or not presentation or len(presentation) > MAX_PRESENTATION:
            raise SandboxError(
                Reason.BAD_REQUEST,
                "presentation must be the credential presented with key binding (an SD-JWT with a KB-JWT)",
            )

        def own_keys(iss: str) -> list[dict[str, Any]]:
            # Only this issuer's credentials are renewed here; another's is refused before any signature check.
            if iss != issuer_url:
                raise SandboxError(Reason.BAD_REQUEST, f"this credential was not issued by {short_id}")
            return self.keys.jwks(short_id)["keys"]

        checked = check_credential(
            presentation,
            issuer_keys=own_keys,
            now=self.clock.timestamp(),
            leeway=self.settings.leeway_seconds,
            check_expiry=False,
            key_binding=KeyBinding(aud=issuer_url, nonce=None, max_age=self.settings.kb_max_age_seconds),
        )
        ref = statuslist.status_reference(checked.claims)
        located = self.status_lists.parse_uri(ref.uri) if ref is not None else None
        if ref is None or located is None or located[0] != short_id:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no record of this credential", status_code=404)
        row = self.ledger.at_entry(short_id, located[1], ref.idx)
        if row is None or row.id is None or row.holder_kid != thumbprint(checked.holder):
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no record of this credential", status_code=404)
        self.ledger.check_replaceable(short_id, row.id)
        return row, checked.kb_nonce

    def _offer(self, short_id: str, row: Issuance, claims: dict[str, Any], nonce: str | None) -> dict[str, Any]:
        """Use up the proof's nonce, then offer the successor, redeemable only with the same holder key."""
        ctype = credential_type(row.vct)
        self.offers.consume_nonce(short_id, nonce)
        offer = self.offers.create(
            short_id, [(ctype.name, claims)], with_tx_code=False, supersedes=row.id, holder_kid=row.holder_kid
        )
        return {**offer, "supersedes": row.id}
