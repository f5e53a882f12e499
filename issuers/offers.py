"""Pre-authorized credential offers and the OpenID4VCI endpoints that redeem them: token, nonce
and credential.

The protocol's rules (what an offer, a token request, a credential request and a key proof
look like) are :mod:`pctf.oid4vci`'s; what is kept lives here. Codes, transaction codes and
access tokens are stored only as SHA-256 digests, so a copy of the database redeems nothing.

Every offer can also be fetched by reference (OpenID4VCI 4.1.3, ``credential_offer_uri``) at
``<issuer>/credential-offers/<reference>``. That URL is written to access logs, so the reference
is not the pre-authorized code: it is a random value of its own, and the code is derived from it
with an HMAC keyed by the issuer's staff token, a secret the issuers service holds already
(configured outside local mode, kept under ``PCTF_DATA_DIR`` in it). Nothing more is stored: the
offer's row is found by the digest of the derived code, as the token endpoint finds it, and
neither the reference nor the code is kept. So a copy of the database still redeems nothing, and
a reference read from a log is worth only what the live endpoint answers for it, which is nothing
once the offer is redeemed, void or expired (``credential_offer_unknown``, 404). Changing the
staff token voids the references of the offers still open; their by-value links keep working.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pctf import oid4vci
from pctf.clock import Clock, as_utc
from pctf.jose import thumbprint
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.vocab import credential_type

from .authorization import digest, redeem_code
from .jurisdictions import Jurisdiction, jurisdiction
from .keys import IssuerKeys
from .ledger import IssuanceLedger, holder_key
from .models import CredentialOffer, IssuerNonce

NONCE_LIFETIME = timedelta(minutes=5)
# A 6-digit transaction code has a million values: after this many wrong ones the offer is void,
# so guessing succeeds once in 200,000 offers at best (OpenID4VCI 13.6 asks for such a limit).
TX_CODE_ATTEMPTS = 5
TX_CODE_LENGTH = 6
TOKEN_LIFETIME = timedelta(minutes=10)


# A reference is what secrets.token_urlsafe(32) makes: anything else is no reference of ours.
REFERENCE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
REFERENCE_LENGTH = 43
TX_CODE_DESCRIPTION = "Enter the code sent to you by text message"


def checked_offer_claims(issuer: Jurisdiction, type_name: object, claims: object) -> tuple[str, dict[str, Any]]:
    """The credential type's name and the claims as they will be issued, for an offer of
    ``type_name`` by ``issuer``: a type it issues (its jurisdiction's offering), claims the type's
    vocabulary accepts, the level of assurance (the issuer's highest unless given) within its
    grant. The checks minting makes (:meth:`IssuanceLedger.mint_recorded`), made when the offer is
    made: bad claims are refused to the staff, not to the holder's wallet ten minutes later."""
    if not isinstance(type_name, str) or not type_name:
        raise SandboxError(Reason.BAD_REQUEST, "type must name a credential type, e.g. VerifiedPerson")
    ctype = credential_type(type_name)
    max_loa = issuer.max_loa(ctype.name)
    if max_loa is None:
        offered = ", ".join(t for t, _ in issuer.grants)
        raise SandboxError(
            Reason.ISSUER_NOT_AUTHORIZED, f"{issuer.short_id} does not issue {ctype.name} (it issues {offered})"
        )
    if not isinstance(claims, dict):
        raise SandboxError(Reason.CLAIMS_INVALID, "claims must be a JSON object")
    checked = ctype.validate_claims({"assurance_level": max_loa, **claims})
    if not 1 <= checked["assurance_level"] <= max_loa:
        raise SandboxError(
            Reason.CLAIMS_INVALID, f"{issuer.short_id} issues {ctype.name} at level of assurance 1 to {max_loa}"
        )
    return ctype.name, checked


class Offers:
    """Offers, their redemption for an access token, ``c_nonce`` values, and the credential endpoint."""

    def __init__(self, db: Engine, settings: Settings, clock: Clock, keys: IssuerKeys, ledger: IssuanceLedger) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.keys = keys
        self.ledger = ledger

    def create(
        self,
        short_id: str,
        items: list[tuple[str, dict[str, Any]]],
        *,
        with_tx_code: bool = True,
        supersedes: int | None = None,
        holder_kid: str | None = None,
    ) -> dict[str, Any]:
        """A pre-authorized credential offer (OpenID4VCI 4.1.1) for the given (type, claims) pairs.

        An offer that ``supersedes`` an issuance (renewal, change of name or address) can only be
        redeemed with the holder key ``holder_kid`` (the old credential's), and issuing from it
        revokes the old credential (:meth:`credential`).
        """
        reference = secrets.token_urlsafe(32)
        code = self._code_for(short_id, reference)
        tx_code = f"{secrets.randbelow(10**TX_CODE_LENGTH):0{TX_CODE_LENGTH}d}" if with_tx_code else None
        bound = {k: v for k, v in (("supersedes", supersedes), ("holder_kid", holder_kid)) if v is not None}
        with Session(self.db) as session:
            session.add(
                CredentialOffer(
                    code_hash=digest(code),
                    issuer_id=short_id,
                    items=[{"configuration_id": t, "claims": c, **bound} for t, c in items],
                    tx_code_hash=digest(tx_code) if tx_code else None,
                    expires_at=self.clock.now() + timedelta(seconds=self.settings.offer_lifetime_seconds),
                )
            )
            session.commit()
        offer = oid4vci.credential_offer(
            self.keys.issuer_url(short_id),
            [t for t, _ in items],
            code,
            tx_code_length=TX_CODE_LENGTH if tx_code else None,
            tx_code_description=TX_CODE_DESCRIPTION,
        )
        # The tx_code travels out of band (a text message in real life); the sandbox hands it back.
        # ``credential_offer_uri`` is, for compatibility, the link carrying the offer by value.
        return {
            "credential_offer": offer,
            "credential_offer_uri": oid4vci.offer_link(offer),
            "tx_code": tx_code,
            "credential_offer_link_by_reference": oid4vci.offer_reference_link(self.reference_url(short_id, reference)),
        }

    def staff_offer(self, short_id: str, body: object) -> dict[str, Any]:
        """An issuer's staff offer one credential of any type the issuer issues, with the claims
        they give (``{"type", "claims", "tx_code": true}``): for a wallet under test, where
        identity proofing or a register would otherwise decide the claims."""
        issuer = jurisdiction(short_id)
        if not isinstance(body, dict):
            raise SandboxError(Reason.BAD_REQUEST, 'an offer is a JSON object: {"type", "claims", "tx_code"}')
        unknown = sorted(set(body) - {"type", "claims", "tx_code"})
        if unknown:
            raise SandboxError(Reason.BAD_REQUEST, f"unknown member(s): {', '.join(unknown)}")
        with_tx_code = body.get("tx_code", True)
        if not isinstance(with_tx_code, bool):
            raise SandboxError(Reason.BAD_REQUEST, "tx_code is true (the default) or false")
        type_name, claims = checked_offer_claims(issuer, body.get("type"), body.get("claims"))
        return self.create(short_id, [(type_name, claims)], with_tx_code=with_tx_code)

    def reference_url(self, short_id: str, reference: str) -> str:
        """Where a wallet fetches the offer ``reference`` names (its ``credential_offer_uri``)."""
        return f"{self.keys.issuer_url(short_id)}/credential-offers/{reference}"

    def _code_for(self, short_id: str, reference: str) -> str:
        """The pre-authorized code of the offer ``reference`` names (module docstring): an HMAC of
        the reference, keyed by the issuer's staff token, so the code follows from the reference
        only where that secret is."""
        key = self.settings.issuer_staff_token(short_id).encode()
        mac = hmac.new(key, f"pctf credential offer reference\x00{short_id}\x00{reference}".encode(), "sha256")
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def by_reference(self, short_id: str, reference: str) -> dict[str, Any]:
        """The credential offer a reference names (OpenID4VCI 4.1.3), while it can be redeemed:
        ``credential_offer_unknown`` (404) for an unknown, expired, void or redeemed one."""
        jurisdiction(short_id)
        gone = SandboxError(
            Reason.CREDENTIAL_OFFER_UNKNOWN,
            "no credential offer can be redeemed with this reference (unknown, expired or already used)",
            status_code=404,
        )
        if len(reference) != REFERENCE_LENGTH or not set(reference) <= REFERENCE_CHARS:
            raise gone
        code = self._code_for(short_id, reference)
        with Session(self.db) as session:
            offer = session.get(CredentialOffer, digest(code))
            if (
                offer is None
                or offer.issuer_id != short_id
                or offer.redeemed
                or as_utc(offer.expires_at) < self.clock.now()
                or (offer.tx_code_failures or 0) >= TX_CODE_ATTEMPTS
            ):
                raise gone
            items, with_tx_code = list(offer.items), offer.tx_code_hash is not None
        return oid4vci.credential_offer(
            self.keys.issuer_url(short_id),
            [item["configuration_id"] for item in items],
            code,
            tx_code_length=TX_CODE_LENGTH if with_tx_code else None,
            tx_code_description=TX_CODE_DESCRIPTION,
        )

    def token(self, short_id: str, form: dict[str, Any]) -> dict[str, Any]:
        """Token endpoint (OpenID4VCI 6) for the pre-authorized code grant and the authorization
        code grant (:meth:`_token_for_code`)."""
        jurisdiction(short_id)
        request = oid4vci.token_request(form)
        if isinstance(request, oid4vci.CodeTokenRequest):
            return self._token_for_code(short_id, request)
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        with Session(self.db) as session:
            offer = session.get(CredentialOffer, digest(request.pre_authorized_code))
            if (
                offer is None
                or offer.issuer_id != short_id
                or offer.redeemed
                or as_utc(offer.expires_at) < now
                or (offer.tx_code_failures or 0) >= TX_CODE_ATTEMPTS
            ):
                raise SandboxError(
                    Reason.INVALID_GRANT, "the pre-authorized code is unknown, expired, void or already used"
                )
            if offer.tx_code_hash and not hmac.compare_digest(digest(request.tx_code or ""), offer.tx_code_hash):
                # Counted in the database (atomically): parallel guesses cannot share one attempt.
                session.exec(
                    update(CredentialOffer)
                    .where(col(CredentialOffer.code_hash) == offer.code_hash)
                    .values(tx_code_failures=func.coalesce(CredentialOffer.tx_code_failures, 0) + 1)
                )
                session.commit()
                session.refresh(offer)
                left = max(0, TX_CODE_ATTEMPTS - (offer.tx_code_failures or 0))
                raise SandboxError(
                    Reason.INVALID_GRANT,
                    "the transaction code is wrong; "
                    + (f"{left} attempt(s) left" if left else "the offer is now void: ask the issuer for a new one"),
                )
            offer.redeemed = True
            offer.token_hash = digest(token)
            offer.token_expires_at = now + TOKEN_LIFETIME
            session.add(offer)
            session.commit()
        return {"access_token": token, "token_type": "Bearer", "expires_in": int(TOKEN_LIFETIME.total_seconds())}

    def _token_for_code(self, short_id: str, request: oid4vci.CodeTokenRequest) -> dict[str, Any]:
        """The authorization code grant (RFC 6749 4.1.3, RFC 7636 4.6): the code is used up
        (:func:`issuers.authorization.redeem_code`) and what it grants is recorded, in the same
        transaction, as a credential offer already redeemed for this access token (its
        pre-authorized code a random one nobody holds), so the nonce and credential endpoints serve
        both grants alike. Configurations asked for by ``authorization_details`` are named again,
        with their credential identifiers (OpenID4VCI 6.2)."""
        now = self.clock.now()
        token = secrets.token_urlsafe(32)
        with Session(self.db) as session:
            granted = redeem_code(session, short_id, request, now)
            detailed = list(granted.detailed)
            session.add(
                CredentialOffer(
                    code_hash=digest(secrets.token_urlsafe(32)),
                    issuer_id=short_id,
                    items=granted.items,
                    expires_at=now,
                    redeemed=True,
                    token_hash=digest(token),
                    token_expires_at=now + TOKEN_LIFETIME,
                )
            )
            session.commit()
        answer: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(TOKEN_LIFETIME.total_seconds()),
        }
        if detailed:
            answer["authorization_details"] = oid4vci.token_authorization_details(detailed)
        return answer

    def nonce(self, short_id: str) -> dict[str, str]:
        """A fresh ``c_nonce`` (OpenID4VCI 7), for a key proof or a holder's proof of possession."""
        jurisdiction(short_id)
        value = secrets.token_urlsafe(24)
        with Session(self.db) as session:
            session.add(IssuerNonce(value=value, issuer_id=short_id, expires_at=self.clock.now() + NONCE_LIFETIME))
            session.commit()
        return {"c_nonce": value}

    def consume_nonce(self, short_id: str, nonce: str | None) -> None:
        """Use up a ``c_nonce`` this issuer handed out (single use, unexpired); ``invalid_nonce`` otherwise."""
        used = False
        if nonce is not None:
            with Session(self.db) as session:
                used = (
                    session.exec(
                        update(IssuerNonce)
                        .where(
                            col(IssuerNonce.value) == nonce,
                            col(IssuerNonce.issuer_id) == short_id,
                            col(IssuerNonce.used) == False,  # noqa: E712
                            col(IssuerNonce.expires_at) >= self.clock.now(),
                        )
                        .values(used=True)
                    ).rowcount
                    == 1
                )
                session.commit()
        if not used:
            raise SandboxError(Reason.INVALID_NONCE, "the nonce is unknown, expired or already used")

    def credential(self, short_id: str, access_token: str | None, body: object) -> dict[str, Any]:
        """Credential endpoint (OpenID4VCI 8): one credential per request, bound to the proof's key."""
        jurisdiction(short_id)
        now = self.clock.now()
        if not access_token:
            raise SandboxError(Reason.INVALID_TOKEN, "a bearer access token is required", status_code=401)
        request = oid4vci.credential_request(body)
        config_id = request.configuration_id
        with Session(self.db) as session:
            offer = session.exec(
                select(CredentialOffer).where(CredentialOffer.token_hash == digest(access_token))
            ).first()
            if (
                offer is None
                or offer.issuer_id != short_id
                or offer.token_expires_at is None
                or as_utc(offer.token_expires_at) < now
            ):
                raise SandboxError(Reason.INVALID_TOKEN, "the access token is unknown or expired", status_code=401)
            item = next((i for i in offer.items if i["configuration_id"] == config_id), None)
            if config_id is None or item is None:
                raise SandboxError(
                    Reason.UNKNOWN_CREDENTIAL_CONFIGURATION,
                    f"this token does not cover credential configuration {config_id!r}",
                )
            if config_id in offer.issued:  # asked again: refused before a nonce is spent (and see _spend)
                raise SandboxError(Reason.INVALID_CREDENTIAL_REQUEST, f"{config_id} was already issued for this offer")
            code_hash = offer.code_hash
        proof = oid4vci.check_key_proof(
            request,
            credential_issuer=self.keys.issuer_url(short_id),
            now=self.clock.timestamp(),
            leeway=self.settings.leeway_seconds,
            max_age=int(NONCE_LIFETIME.total_seconds()),
        )
        self.consume_nonce(short_id, proof.nonce)
        holder = holder_key(proof.jwk)
        if item.get("holder_kid") and thumbprint(holder) != item["holder_kid"]:
            raise SandboxError(Reason.INVALID_PROOF, "this offer replaces a credential bound to another holder key")
        if item.get("supersedes"):
            self.ledger.check_replaceable(short_id, item["supersedes"])
        credential, _issuance_id = self.ledger.mint_recorded(
            short_id,
            config_id,
            item["claims"],
            holder,
            spend=_spend(code_hash, config_id),
            replaces=item.get("supersedes") or None,
        )
        return {"credentials": [{"credential": credential}]}


def _spend(code_hash: str, config_id: str) -> Callable[[Session], None]:
    """Record ``config_id`` as issued from the offer ``code_hash``, in the transaction that records
    the credential (:meth:`IssuanceLedger.mint_recorded`): one access token used by two requests at
    once, or again after a crash between two commits, never gets a second credential."""
    where = col(CredentialOffer.code_hash) == code_hash

    def spend(session: Session) -> None:
        # Writing the row first takes its lock (PostgreSQL) or the database's (SQLite) until the
        # commit: a concurrent request for the same offer waits here, then reads what this one did.
        session.exec(update(CredentialOffer).where(where).values(issued=CredentialOffer.issued))
        issued = list(session.exec(select(CredentialOffer.issued).where(where)).one())
        if config_id in issued:
            raise SandboxError(Reason.INVALID_CREDENTIAL_REQUEST, f"{config_id} was already issued for this offer")
        session.exec(update(CredentialOffer).where(where).values(issued=[*issued, config_id]))

    return spend
