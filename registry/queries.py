"""The registry's side of TRQP v2 (:mod:`pctf.trqp`): the answers to ``/authorization`` and
``/recognition`` queries, and the metadata that says what it answers for.

Answers are evaluated by :mod:`registry.rules` over the entity records of the store, the same
functions a verifier runs over the signed snapshot when the registry cannot be reached.
"""

from __future__ import annotations

from typing import Any

from pctf import trqp
from pctf.reasons import SandboxError
from pctf.vocab import CREDENTIAL_TYPES, LEVELS_OF_ASSURANCE, credential_type

from . import rules
from .store import RegistryStore
from .validation import ACTIONS


class Queries:
    """TRQP answers from the store of the registry of ``store.authority_id``."""

    def __init__(self, store: RegistryStore) -> None:
        self.store = store

    def authorization_query(self, body: object) -> dict[str, Any]:
        """``POST /authorization``: may ``entity_id`` ``action`` ``resource``?

        Evaluated at ``context.time`` (default: now) by :func:`registry.rules.answer_authorization`.
        Beyond TRQP, ``context.assurance_level`` asks for a minimum LoA. An unknown entity is an
        answer (``unknown_entity``), not an error: the question was well formed.
        """
        query = trqp.read_query(body, now=self.store.clock.now())
        try:
            vct = credential_type(query.resource).vct
        except SandboxError:
            vct = None  # an unknown resource is a question with a plain answer: nobody may act on it
        record = self.store.find(query.entity_id) if query.authority_id == self.store.authority_id else None
        return rules.answer_authorization(record, query, vct, self.store.clock.now(), self.store.authority_id)

    def recognition_query(self, body: object) -> dict[str, Any]:
        """``POST /recognition``: do we (``authority_id``) recognize ``entity_id``, another
        framework's authority, for ``action`` on ``resource``?"""
        query = trqp.read_query(body, now=self.store.clock.now())
        try:
            resource = credential_type(query.resource).vct
        except SandboxError:
            resource = query.resource
        return rules.answer_recognition(
            self.store.recognitions(), query, resource, self.store.clock.now(), self.store.authority_id
        )

    def metadata(self) -> dict[str, Any]:
        """What this registry answers for: TRQP metadata plus the PCTF levels of assurance."""
        base = self.store.authority_id
        return {
            "authority_id": base,
            "name": "PCTF Sandbox Trust Registry",
            "framework": "PCTF",
            "actions": list(ACTIONS),
            "resources": [
                {"resource": t.vct, "type": t.name, "label": {"en": t.label_en, "fr": t.label_fr}}
                for t in CREDENTIAL_TYPES.values()
            ],
            "assurance_levels": list(LEVELS_OF_ASSURANCE),
            "endpoints": {name: f"{base}/{path}" for name, path in ENDPOINTS.items()},
        }


# The registry's endpoints under its authority id, by the name metadata gives them.
ENDPOINTS = {
    "metadata": "metadata",
    "authorization": "authorization",
    "recognition": "recognition",
    "entity": "entity",
    "entities": "entities",
    "applications": "applications",
    "audit": "audit",
    "trust_list": "trust-list",
    "jwks": "jwks",
}
