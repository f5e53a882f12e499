"""What a verifier asks the trust registry, whatever the registry is reached by.

The verification engine depends on this protocol only. ``registry.client.RegistryClient``
answers it over HTTP (TRQP, see :mod:`pctf.trqp`, plus entity lookup, with the registry's
signed snapshot when the registry cannot be reached); ``registry.local_trust.LocalTrust``
answers it from the registry's own store for the command line. No verifier ever holds an issuer
key in code or configuration: keys and authorizations always come through here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from .trqp import AuthorizationAnswer


class TrustSource(Protocol):
    def issuer_jwks(self, entity_id: str) -> dict[str, Any] | None:
        """The JWKS registered for ``entity_id``, or None when the registry does not know it."""

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        """Whether the registered key ``kid`` could sign at ``at``: (``active`` | ``retired`` |
        ``compromised``, a sentence saying why), per the registry's key events."""

    def authorization(
        self, entity_id: str, action: str, resource: str, *, at: datetime, assurance_level: int | None = None
    ) -> AuthorizationAnswer:
        """Whether ``entity_id`` may ``action`` ``resource`` (at that LoA) at time ``at``."""
