"""The registry's signed snapshot as the registry publishes it: its own signing key, and the
trust list (see :mod:`registry.trust_list` for the format) signed with it.

Building the trust list reads every record (about a second for 10,000 entities), so the signed
snapshot is reused while nothing has changed, which the audit log's last sequence number tells
(every write appends to it), for at most :data:`TRUST_LIST_REUSE_SECONDS`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from pctf.jose import SigningKey, generate_key
from pctf.reasons import SandboxError

from .audit import last_seq
from .models import RegistrySigningKey
from .store import RegistryStore
from .trust_list import sign_trust_list

TRUST_LIST_REUSE_SECONDS = 60


class TrustListPublisher:
    """The registry's key and its latest signed snapshot."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store
        self._cache: tuple[int | None, float, str] | None = None  # (audit head, signed at, token)

    def signing_key(self) -> SigningKey:
        """The registry's own key (for trust lists), created and persisted on first use."""
        with self.store.session() as session:
            row = session.exec(select(RegistrySigningKey).order_by(col(RegistrySigningKey.created_at))).first()
            if row is not None:
                return SigningKey(private_jwk=row.private_jwk)
        key = generate_key()
        try:
            with self.store.write() as session:
                session.add(RegistrySigningKey(kid=key.kid, private_jwk=key.private_jwk, created_at=self.store.now()))
        except SandboxError:  # another process created one first: use that one
            return self.signing_key()
        return key

    def jwks(self) -> dict[str, Any]:
        """The registry's public keys: what a verifier anchors its trust in snapshots to."""
        return {"keys": [self.signing_key().public_jwk]}

    def trust_list(self) -> str:
        """The whole registry as a signed snapshot, reused while no write has happened since."""
        with self.store.session() as session:
            head = last_seq(session)
        now = self.store.clock.now()
        cached = self._cache
        if cached is not None and cached[0] == head and 0 <= now.timestamp() - cached[1] < TRUST_LIST_REUSE_SECONDS:
            return cached[2]
        token = sign_trust_list(
            self.signing_key(),
            authority_id=self.store.authority_id,
            entities=self.store.entities(),
            recognitions=self.store.recognitions(),
            issued_at=now,
            lifetime=timedelta(seconds=self.store.settings.trust_list_lifetime_seconds),
        )
        self._cache = (head, now.timestamp(), token)
        return token
