"""What a verifier asks the trust registry, whatever the registry is reached by.

The verification engine depends on this protocol only. ``registry.client.RegistryClient``
answers it over HTTP (TRQP plus entity lookup); ``registry.client.LocalTrust`` answers it
from the registry's own store for the command line. No verifier ever holds an issuer key in
code or configuration: keys and authorizations always come through here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from .reasons import Reason, SandboxError


@dataclass(frozen=True)
class AuthorizationAnswer:
    """A TRQP authorization answer, reduced to what a verifier decides on."""

    entity_id: str
    action: str
    resource: str
    authorized: bool
    status: str  # active | suspended | revoked | expired | not_found | unknown_entity
    assurance_level: int | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    message: str = ""
    raw: dict = field(default_factory=dict, compare=False)


def answer_from_trqp(answer: object) -> AuthorizationAnswer:
    """Reduce a TRQP authorization answer to what a verifier decides on.

    Tolerates a registry that speaks plain TRQP without this sandbox's extensions (``status``,
    ``assurance_level``, validity period); refuses anything that is not an answer at all.
    """
    if not isinstance(answer, dict) or not isinstance(answer.get("authorized"), bool):
        raise SandboxError(Reason.REGISTRY_UNAVAILABLE, "the registry's reply is not a TRQP authorization answer",
                           status_code=502)
    authorized = answer["authorized"]
    return AuthorizationAnswer(
        entity_id=str(answer.get("entity_id", "")),
        action=str(answer.get("action", "")),
        resource=str(answer.get("resource", "")),
        authorized=authorized,
        status=answer.get("status") or ("active" if authorized else "not_found"),
        assurance_level=answer.get("assurance_level"),
        valid_from=answer.get("valid_from"),
        valid_until=answer.get("valid_until"),
        message=answer.get("message") or "",
        raw=answer,
    )


class TrustSource(Protocol):
    def issuer_jwks(self, entity_id: str) -> dict | None:
        """The JWKS registered for ``entity_id``, or None when the registry does not know it."""

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        """Whether the registered key ``kid`` could sign at ``at``: (``active`` | ``retired`` |
        ``compromised``, a sentence saying why), per the registry's key events."""

    def authorization(self, entity_id: str, action: str, resource: str, *, at: datetime,
                      assurance_level: int | None = None) -> AuthorizationAnswer:
        """Whether ``entity_id`` may ``action`` ``resource`` (at that LoA) at time ``at``."""
