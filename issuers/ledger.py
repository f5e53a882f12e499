"""What each issuer issued: the single place credentials are made, the record of every
issuance, and replacing one credential by its successor.

An issuance is recorded in the same transaction that gives it its status list entry
(:meth:`issuers.status_lists.StatusLists.allocate`), and the credential is signed only once
that entry is its own: no two credentials ever share an index. Whatever entitled the holder to
it (an offer's configuration, used up) is written in that transaction too, so a crash or a
concurrent request never leaves a credential recorded with its entitlement still unspent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pctf import sdjwt
from pctf.clock import Clock
from pctf.jose import ALLOWED_ALGS, has_private_parts, public_jwk_only, thumbprint
from pctf.observability import ISSUANCES
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.vocab import credential_type

from .jurisdictions import jurisdiction
from .keys import IssuerKeys
from .models import Issuance
from .status_lists import ALLOCATION_ATTEMPTS, StatusLists


class IssuanceLedger:
    """Minting, the record of issuances, and replacements."""

    def __init__(
        self, db: Engine, settings: Settings, clock: Clock, keys: IssuerKeys, status_lists: StatusLists
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.keys = keys
        self.status_lists = status_lists

    # -- minting ---------------------------------------------------------------------------------
    def mint(self, short_id: str, type_name: str, claims: dict[str, Any], holder_jwk: dict[str, Any]) -> str:
        """Sign a credential of ``type_name`` for ``holder_jwk``; the single place credentials are made."""
        return self.mint_recorded(short_id, type_name, claims, holder_jwk)[0]

    def mint_recorded(
        self,
        short_id: str,
        type_name: str,
        claims: dict[str, Any],
        holder_jwk: dict[str, Any],
        *,
        spend: Callable[[Session], None] | None = None,
        replaces: int | None = None,
    ) -> tuple[str, int]:
        """:meth:`mint`, also returning the new issuance's id. ``spend(session)`` runs first in the
        transaction that records the issuance, and raises to issue nothing: what entitles the
        holder to the credential is used up in the same commit as the credential is recorded.
        ``replaces`` names the issuance this one succeeds, revoked in that same commit
        (:meth:`_supersede`): a crash never leaves both valid."""
        issuer = jurisdiction(short_id)
        ctype = credential_type(type_name)
        max_loa = issuer.max_loa(ctype.name)
        if max_loa is None:
            raise SandboxError(Reason.ISSUER_NOT_AUTHORIZED, f"{short_id} does not issue {ctype.name}")
        if not isinstance(claims, dict):
            raise SandboxError(Reason.CLAIMS_INVALID, "claims must be a JSON object")
        claims = ctype.validate_claims({"assurance_level": max_loa, **claims})
        if not 1 <= claims["assurance_level"] <= max_loa:
            raise SandboxError(
                Reason.CLAIMS_INVALID, f"{short_id} issues {ctype.name} at level of assurance 1 to {max_loa}"
            )
        holder = holder_key(holder_jwk)
        key = self.keys.signing_key(short_id)
        now = self.clock.now()
        not_before, expires = validity(claims, now, timedelta(days=self.settings.credential_lifetime_days))
        for _attempt in range(ALLOCATION_ATTEMPTS):
            with Session(self.db) as session:
                if spend is not None:
                    spend(session)
                issuance = Issuance(
                    issuer_id=short_id,
                    vct=ctype.vct,
                    holder_kid=thumbprint(holder),
                    claims=claims,
                    assurance_level=claims["assurance_level"],
                    issued_at=now,
                    expires_at=expires,
                )
                entry = self.status_lists.allocate(session, short_id, issuance)
                if entry is None:
                    continue
                list_id, idx = entry
                payload = {
                    "iss": self.keys.issuer_url(short_id),
                    "iat": int(now.timestamp()),
                    "exp": int(expires.timestamp()),
                    **({"nbf": int(not_before.timestamp())} if not_before is not None else {}),
                    "vct": ctype.vct,
                    "cnf": {"jwk": holder},
                    "status": {"status_list": {"idx": idx, "uri": self.status_lists.uri(short_id, list_id)}},
                    **claims,
                }
                credential = sdjwt.issue(payload, key, disclosable=ctype.disclosable_paths())
                issuance_id = issuance.id
                assert issuance_id is not None  # flushed by allocate: the database gave it its id
                if replaces is not None:
                    self._supersede(session, replaces, issuance_id)
                session.commit()
                ISSUANCES.labels(short_id, ctype.vct).inc()
                return credential, issuance_id
        raise SandboxError(Reason.CONFLICT, "no free status list index was found; try again", status_code=503)

    # -- the record ------------------------------------------------------------------------------
    def issuances(self, short_id: str, *, subject: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every credential ``short_id`` issued, oldest first; with ``subject`` (e.g. ``given_name``,
        ``family_name``, ``birthdate``), only those about that person: as their subject, or as the
        ``person`` of a relationship. Status reasons are not listed: they may be personal."""
        jurisdiction(short_id)
        if subject is not None and (not isinstance(subject, dict) or not subject):
            raise SandboxError(Reason.BAD_REQUEST, "subject must be a non-empty object of claims")
        with Session(self.db) as session:
            rows = session.exec(select(Issuance).where(Issuance.issuer_id == short_id).order_by(col(Issuance.id))).all()
            if subject is not None:
                rows = [r for r in rows if _about(r.claims, subject)]
            return [self.status_lists.record(r) for r in rows]

    def at_entry(self, short_id: str, list_id: int, idx: int) -> Issuance | None:
        """The issuance of ``short_id`` that holds index ``idx`` of status list ``list_id``, if any."""
        with Session(self.db) as session:
            return session.exec(
                select(Issuance).where(
                    Issuance.issuer_id == short_id, Issuance.status_list_id == list_id, Issuance.status_idx == idx
                )
            ).first()

    # -- replacing a credential (renewal, change of name or address) -----------------------------
    def check_replaceable(self, short_id: str, issuance_id: int) -> Issuance:
        """The issuance a holder asks to replace, refused unless it is still valid: a suspended
        credential is on hold, a revoked one (a death, an earlier replacement) is final."""
        with Session(self.db) as session:
            row = session.get(Issuance, issuance_id)
        if row is None or row.issuer_id != short_id:
            raise SandboxError(Reason.NOT_FOUND, f"{short_id} has no issuance {issuance_id}", status_code=404)
        if row.status == "revoked":
            raise SandboxError(Reason.CREDENTIAL_REVOKED, "the credential to replace is revoked", status_code=409)
        if row.status == "suspended":
            raise SandboxError(Reason.CREDENTIAL_SUSPENDED, "the credential to replace is suspended", status_code=409)
        return row

    def _supersede(self, session: Session, old_id: int, new_id: int) -> None:
        """Revoke the replaced credential in the transaction that records its successor (not when
        the offer is made: a holder who never redeems the offer keeps a working credential). Should
        the old one have been revoked or suspended in between (a death registered meanwhile),
        nothing is issued: a replacement never outlives what it replaced."""
        done = self.status_lists.change_status(
            session, old_id, "revoked", f"superseded by issuance {new_id}", only_if="valid"
        )
        if not done:
            raise SandboxError(
                Reason.CREDENTIAL_REVOKED,
                "the credential to replace was revoked or suspended meanwhile",
                status_code=409,
            )


def validity(claims: dict[str, Any], now: datetime, lifetime: timedelta) -> tuple[datetime | None, datetime]:
    """When a credential takes effect (``nbf``, None: at issuance) and when it expires (``exp``).

    A credential lasts ``lifetime`` from issuance, unless its claims state their own period of
    effect (a delegation's ``valid_from`` and ``valid_until``, inclusive dates, in UTC): then it
    is valid from the start of the first day to the end of the last, so a verifier's validity
    check (RFC 7519 ``nbf`` and ``exp``) enforces the period. A period already over is refused
    (``claims_invalid``): nothing is issued that no verifier would accept."""
    start, end = claims.get("valid_from"), claims.get("valid_until")
    not_before = datetime.combine(date.fromisoformat(start), time(), UTC) if isinstance(start, str) else None
    expires = (
        datetime.combine(date.fromisoformat(end) + timedelta(days=1), time(), UTC)
        if isinstance(end, str)
        else now + lifetime
    )
    if expires <= now:
        raise SandboxError(Reason.CLAIMS_INVALID, f"valid_until ({end}) has passed", status_code=422)
    if not_before is not None and not_before >= expires:
        raise SandboxError(Reason.CLAIMS_INVALID, "valid_from is after valid_until", status_code=422)
    return not_before, expires


def holder_key(holder_jwk: object) -> dict[str, Any]:
    """The ``cnf.jwk`` a credential is bound to: the members that define a public key the
    sandbox can check key bindings with, and nothing else (``bad_request`` otherwise)."""
    if not isinstance(holder_jwk, dict) or has_private_parts(holder_jwk):
        raise SandboxError(Reason.BAD_REQUEST, "the holder key must be a public JWK (no private members)")
    try:
        jwk = public_jwk_only(holder_jwk)
        thumbprint(jwk)
    except (ValueError, KeyError) as exc:
        raise SandboxError(Reason.BAD_REQUEST, f"the holder key is not a usable JWK: {exc}") from None
    if (jwk.get("kty"), jwk.get("crv")) not in set(ALLOWED_ALGS.values()):
        raise SandboxError(Reason.BAD_REQUEST, "the holder key must be an EC P-256/384/521 or Ed25519 JWK")
    # Only the members that define the key go into cnf.jwk: anything else a wallet put in its
    # proof header (nested objects, names SD-JWT reserves) has no business in a credential.
    members = ("kty", "crv", "x", "y") if jwk["kty"] == "EC" else ("kty", "crv", "x")
    if not all(isinstance(jwk.get(m), str) for m in members):
        raise SandboxError(Reason.BAD_REQUEST, f"the holder key's {', '.join(members)} must be strings")
    return {m: jwk[m] for m in members}


def _about(claims: dict[str, Any], subject: dict[str, Any]) -> bool:
    """Whether an issuance's claims name ``subject``: directly, or as a relationship's ``person``."""
    return any(
        isinstance(who, dict) and all(who.get(k) == v for k, v in subject.items())
        for who in (claims, claims.get("person"))
    )
