"""Replacing a credential at its holder's request: renewal, and re-issuance after a change of
name or address.

The holder proves possession of the credential the way a verifier would ask for it: an SD-JWT
presentation (no claim needs disclosing: the issuer has its own record) with a Key Binding JWT
whose ``aud`` is this issuer and whose ``nonce`` is a fresh ``c_nonce`` from the issuer's nonce
endpoint (OpenID4VCI 7). The issuer finds its record through the credential's status list
entry, checks the credential is still valid, and answers with a pre-authorized credential
offer (no transaction code: the holder is already authenticated by the proof) that only the
same holder key can redeem. Issuing from that offer revokes the old credential
(:meth:`issuers.service.IssuerService.credential`), so a relying party that still receives
the old one gets ``credential_revoked``.

Every check runs before the nonce is used up, so a refused request changes nothing.
"""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, select

from pctf import sdjwt, statuslist
from pctf.clock import as_utc
from pctf.jose import Jws, thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.vocab import type_for_vct

from . import proofing
from .jurisdictions import jurisdiction
from .models import Issuance

if TYPE_CHECKING:
    from .service import IssuerService

# A presentation larger than this is not a credential of this sandbox.
MAX_PRESENTATION = 64 * 1024
# An expired credential can be renewed for this long after its expiry; later, identity proofing
# starts again (a real jurisdiction sets this in its renewal policy).
RENEWAL_GRACE = timedelta(days=180)
# What a holder may ask to change, per credential type. A birthdate is not "changed": a wrong one
# is corrected by proofing again.
CHANGEABLE = {"VerifiedPerson": ("given_name", "family_name", "address")}
NAME_FIELDS = ("given_name", "family_name")


def _possession(service: "IssuerService", short_id: str, presentation: Any) -> tuple[Issuance, str]:
    """The issuance the presentation proves possession of, and the KB-JWT's nonce (not yet used up)."""
    issuer_url = service.issuer_url(short_id)
    if not isinstance(presentation, str) or not presentation or len(presentation) > MAX_PRESENTATION:
        raise SandboxError(Reason.BAD_REQUEST, "presentation must be the credential presented with key binding "
                                               "(an SD-JWT with a KB-JWT)")
    sd = sdjwt.SdJwt.parse(presentation)
    sd.jws.check_header(sdjwt.ACCEPTED_TYPS)
    if sd.payload.get("iss") != issuer_url:
        raise SandboxError(Reason.BAD_REQUEST, f"this credential was not issued by {short_id}")
    sd.jws.verify_with_any(service.jwks(short_id)["keys"], whose=f"{short_id}'s keys")
    claims, _ = sdjwt.resolve_disclosures(sd.payload, sd.disclosures)
    holder = (claims.get("cnf") or {}).get("jwk")
    if not isinstance(holder, dict):
        raise SandboxError(Reason.HOLDER_KEY_MISSING, "the credential is not bound to a holder key")
    nonce = Jws.parse(sd.kb_jwt).payload.get("nonce") if sd.kb_jwt else None
    sdjwt.verify_key_binding(sd, holder, aud=issuer_url, nonce=nonce, now=service.clock.timestamp(),
                             max_age=service.settings.kb_max_age_seconds, leeway=service.settings.leeway_seconds)
    ref = statuslist.status_reference(claims)
    located = service.parse_status_list_uri(ref.uri) if ref is not None else None
    if located is None or located[0] != short_id:
        raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no record of this credential", status_code=404)
    with Session(service.engine) as session:
        row = session.exec(select(Issuance).where(Issuance.issuer_id == short_id, Issuance.status_list_id == located[1],
                                                  Issuance.status_idx == ref.idx)).first()
    if row is None or row.holder_kid != thumbprint(holder):
        raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no record of this credential", status_code=404)
    service.check_replaceable(short_id, row.id)
    return row, nonce


def _offer(service: "IssuerService", short_id: str, row: Issuance, claims: dict, nonce: str) -> dict:
    ctype = type_for_vct(row.vct)
    service.consume_nonce(short_id, nonce)
    offer = service.create_offer(short_id, [(ctype.name, claims)], with_tx_code=False, supersedes=row.id,
                                 holder_kid=row.holder_kid)
    return {**offer, "supersedes": row.id}


def renewal_offer(service: "IssuerService", short_id: str, body: Any) -> dict:
    """An offer of the same credential with a new validity period, once it is due: within the
    wallet's expiring-soon window of its expiry, or expired for less than :data:`RENEWAL_GRACE`."""
    jurisdiction(short_id)
    if not isinstance(body, dict):
        raise SandboxError(Reason.BAD_REQUEST, "a renewal request is a JSON object with a presentation")
    row, nonce = _possession(service, short_id, body.get("presentation"))
    now = service.clock.now()
    expires = as_utc(row.expires_at)
    due = expires - timedelta(days=service.settings.expiring_soon_days)
    if now < due:
        raise SandboxError(Reason.CONFLICT, f"this credential is not due for renewal before {due.date().isoformat()}",
                           status_code=409)
    if now > expires + RENEWAL_GRACE:
        raise SandboxError(Reason.CREDENTIAL_EXPIRED, "this credential expired too long ago to be renewed; "
                                                      "apply for a new one", status_code=409)
    return _offer(service, short_id, row, dict(row.claims), nonce)


def reissuance_offer(service: "IssuerService", short_id: str, body: Any) -> dict:
    """An offer of the credential with ``changes`` applied (a new address; a new name, shown by
    a marriage or change-of-name certificate in ``evidence``)."""
    jurisdiction(short_id)
    if not isinstance(body, dict):
        raise SandboxError(Reason.BAD_REQUEST, "a re-issuance request is a JSON object with a presentation and changes")
    changes = body.get("changes")
    if not isinstance(changes, dict) or not changes:
        raise SandboxError(Reason.BAD_REQUEST, "changes must be a non-empty object of the claims to change")
    row, nonce = _possession(service, short_id, body.get("presentation"))
    ctype = type_for_vct(row.vct)
    allowed = CHANGEABLE.get(ctype.name, ())
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise SandboxError(Reason.CLAIMS_INVALID, f"{', '.join(refused)} cannot be changed on a {ctype.name}"
                                                  + (f" (changeable: {', '.join(allowed)})" if allowed else ""))
    claims = ctype.validate_claims({**row.claims, **changes})
    if claims == row.claims:
        raise SandboxError(Reason.BAD_REQUEST, "these changes change nothing")
    if any(claims[f] != row.claims.get(f) for f in NAME_FIELDS):
        proofing.check_name_change(row.claims, claims, body.get("evidence"))
    return _offer(service, short_id, row, claims, nonce)
