"""Who each sandbox issuer is, and the keys it signs with.

An issuer's identifier is ``<the URL of the process serving it>/issuers/<short_id>``
(:meth:`pctf.settings.Settings.issuer_id`): the ``iss`` of its credentials, its OpenID4VCI
``credential_issuer``, the ``source`` of its events and (with an ``/.well-known/...`` segment
inserted after the host) where its metadata is served.

A process *hosts* some of the sandbox's issuers (all of them by default; ``pctf-sandbox serve
issuers --issuer prov1`` hosts one, as a jurisdiction runs its own). Signing keys of the hosted
issuers live in this process's database. Exactly one key per issuer signs; every key it ever used
stays in its JWKS, so what an older key signed keeps verifying after a rotation. Another issuer's
keys are never made here: they are learned as a relying party learns them (:mod:`issuers.peers`).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from pctf.clock import Clock
from pctf.jose import SigningKey, generate_key
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings

from .jurisdictions import SANDBOX_ISSUERS, jurisdiction
from .models import IssuerKey

if TYPE_CHECKING:
    from .peers import Peers


class IssuerKeys:
    """Issuer identifiers and signing keys: what every other part of an issuer signs or names itself with."""

    def __init__(self, db: Engine, settings: Settings, clock: Clock, hosted: tuple[str, ...] | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        # The issuers this process serves (default: every sandbox issuer).
        self.hosted: frozenset[str] = frozenset(SANDBOX_ISSUERS if hosted is None else hosted)

    @cached_property
    def peers(self) -> Peers:
        """The other issuers, as this process reaches them (:mod:`issuers.peers`)."""
        from .peers import Peers

        return Peers(self)

    def hosts(self, short_id: str) -> bool:
        return short_id in self.hosted

    def hosted_issuer(self, short_id: str) -> str:
        """``short_id`` when this process serves that issuer, else ``issuer_id_unknown`` (404)."""
        jurisdiction(short_id)
        if short_id not in self.hosted:
            raise SandboxError(
                Reason.ISSUER_ID_UNKNOWN,
                f"issuer {short_id!r} is not served here (here: {', '.join(sorted(self.hosted))})",
                status_code=404,
            )
        return short_id

    def issuer_url(self, short_id: str) -> str:
        """The identifier of sandbox issuer ``short_id`` (``issuer_id_unknown`` for any other)."""
        jurisdiction(short_id)
        return self.settings.issuer_id(short_id)

    def short_id_for(self, issuer_url: str) -> str | None:
        """The short id of the sandbox issuer whose identifier is ``issuer_url``, else None."""
        short_id = self.settings.issuer_short_id(issuer_url)
        return short_id if short_id in SANDBOX_ISSUERS else None

    def signing_key(self, short_id: str) -> SigningKey:
        """The issuer's active signing key, created and persisted on first use (a hosted issuer's only)."""
        self.hosted_issuer(short_id)
        with Session(self.db) as session:
            row = session.exec(
                select(IssuerKey)
                .where(IssuerKey.issuer_id == short_id, IssuerKey.active == True)  # noqa: E712
                .order_by(col(IssuerKey.created_at).desc())
            ).first()
            if row is None:
                key = generate_key()
                row = IssuerKey(
                    kid=key.kid, issuer_id=short_id, private_jwk=key.private_jwk, created_at=self.clock.now()
                )
                session.add(row)
                session.commit()
                return key
            return SigningKey(private_jwk=row.private_jwk)

    def rotate_key(self, short_id: str) -> dict[str, Any]:
        """Start signing with a new key; the previous one stays published (what it signed keeps
        verifying) and stops being used here. Registering the new key and retiring the old one
        in the trust registry are governance acts (``registry key add`` / ``registry key retire``;
        the sandbox's own issuers have new keys registered at start-up)."""
        previous = self.signing_key(short_id)
        key = generate_key()
        with Session(self.db) as session:
            session.exec(update(IssuerKey).where(col(IssuerKey.issuer_id) == short_id).values(active=False))
            session.add(
                IssuerKey(kid=key.kid, issuer_id=short_id, private_jwk=key.private_jwk, created_at=self.clock.now())
            )
            session.commit()
        return {
            "issuer": self.issuer_url(short_id),
            "kid": key.kid,
            "previous_kid": previous.kid,
            "public_jwk": key.public_jwk,
        }

    def jwks(self, short_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every public key the issuer has signed with, the active one included; for an issuer
        this process does not serve, the keys the trust registry records for it."""
        if jurisdiction(short_id).short_id not in self.hosted:
            return {"keys": self.peers.jwks(short_id)}
        self.signing_key(short_id)
        with Session(self.db) as session:
            rows = session.exec(select(IssuerKey).where(IssuerKey.issuer_id == short_id)).all()
            return {"keys": [SigningKey(private_jwk=r.private_jwk).public_jwk for r in rows]}
