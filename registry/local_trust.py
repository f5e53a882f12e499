"""The registry's own store as a :class:`pctf.trust.TrustSource`: what the command line verifies
against when no server runs.

It asks :class:`registry.service.RegistryService` the same TRQP question, in the same wire
shape (:mod:`pctf.trqp`), that :class:`registry.client.RegistryClient` sends over HTTP, so
both give the same answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pctf import trqp
from pctf.clock import as_utc
from pctf.reasons import Reason, SandboxError

from . import rules
from .service import RegistryService


class LocalTrust:
    """A trust source over a registry service in this process."""

    def __init__(self, service: RegistryService) -> None:
        self.service = service

    def issuer_jwks(self, entity_id: str) -> dict[str, Any] | None:
        record = self._record(entity_id)
        return None if record is None else record["jwks"]

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        record = self._record(entity_id)
        if record is None:
            return "compromised", f"{entity_id} is not registered"
        return rules.key_state(record, kid, as_utc(at), self.service.clock.now())

    def authorization(
        self, entity_id: str, action: str, resource: str, *, at: datetime, assurance_level: int | None = None
    ) -> trqp.AuthorizationAnswer:
        body = trqp.authorization_query(
            entity_id, self.service.authority_id, action, resource, at=at, assurance_level=assurance_level
        )
        return trqp.read_authorization_answer(self.service.authorization_query(body))

    def _record(self, entity_id: str) -> dict[str, Any] | None:
        try:
            return self.service.entity(entity_id)
        except SandboxError as exc:
            if exc.reason == Reason.NOT_FOUND:
                return None
            raise
