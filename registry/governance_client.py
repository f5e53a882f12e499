"""The registry's governance endpoints over HTTP, for the operator's tools: the writes a
verifier never makes, added to the read-only :class:`registry.client.RegistryClient`.

Each write carries the governance bearer token and clears the client's cached answers: whoever
changes the registry expects to see the change at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pctf.http import checked_json
from pctf.trqp import iso_z

from .client import RegistryClient


def _decision(status: str, decision: dict[str, Any]) -> dict[str, Any]:
    body = {"status": status, **decision}
    if isinstance(body.get("effective_from"), datetime):
        body["effective_from"] = iso_z(body["effective_from"])
    return {k: v for k, v in body.items() if v is not None}


class GovernanceClient(RegistryClient):
    """A registry client that may also register entities, grant and change authorizations."""

    def upsert_entity(
        self, entity_id: str, *, name: str, jurisdiction: str, role: str, jwks: dict[str, Any], token: str
    ) -> dict[str, Any]:
        body = {"entity_id": entity_id, "name": name, "jurisdiction": jurisdiction, "role": role, "jwks": jwks}
        return self._write("POST", "entities", token, json=body)

    def seed_issuer(
        self,
        entity_id: str,
        *,
        name: str,
        jurisdiction: str,
        jwks: dict[str, Any],
        grants: list[tuple[str, int]],
        token: str,
    ) -> dict[str, Any]:
        """Register an issuer with its keys and grants, or add what it lacks (``POST /registry/entities/seed``)."""
        body = {
            "entity_id": entity_id,
            "name": name,
            "jurisdiction": jurisdiction,
            "jwks": jwks,
            "grants": [{"resource": r, "assurance_level": loa} for r, loa in grants],
        }
        return self._write("POST", "entities/seed", token, json=body)

    def authorize(
        self,
        entity_id: str,
        *,
        action: str = "issue",
        resource: str,
        assurance_level: int,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        token: str,
    ) -> dict[str, Any]:
        body = {
            "entity_id": entity_id,
            "action": action,
            "resource": resource,
            "assurance_level": assurance_level,
            "valid_from": iso_z(valid_from),
            "valid_until": iso_z(valid_until),
        }
        return self._write("POST", "authorizations", token, json={k: v for k, v in body.items() if v is not None})

    def set_authorization_status(self, auth_id: int, status: str, *, token: str, **decision: Any) -> dict[str, Any]:
        """``decision``: ``reason``, ``effective_from`` (datetime) and ``retroactive``, as the service takes them."""
        return self._write("PATCH", f"authorizations/{auth_id}", token, json=_decision(status, decision))

    def set_entity_status(self, entity_id: str, status: str, *, token: str, **decision: Any) -> dict[str, Any]:
        return self._write(
            "PATCH", "entity/status", token, params={"entity_id": entity_id}, json=_decision(status, decision)
        )

    def _write(self, method: str, path: str, token: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return checked_json(self._send(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs))
        finally:
            self.clear_cache()
