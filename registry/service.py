"""The trust registry as one object: what the HTTP app, the command line and the tests call.

:class:`RegistryService` composes the registry's parts over one store and offers their methods
under one name; each part holds one concern:

* :class:`registry.governance.Governance`: entities, authorizations, suspensions, keys, recognitions;
* :class:`registry.onboarding.Onboarding`: applications, conformance, assessment, decision;
* :class:`registry.queries.Queries`: TRQP answers and metadata;
* :class:`registry.publisher.TrustListPublisher`: the registry's key and signed snapshot;
* :class:`registry.audit.AuditLog`: the hash-chained log every write appends to;
* :class:`registry.store.RegistryStore`: the database and the entity records.

An entity identified by a ``did:web`` DID has its keys read from its DID document
(:mod:`pctf.did`): by the conformance run when it applies, and again by :meth:`RegistryService.refresh_keys`.

Every write validates all of its input before it touches the store, so a rejected request
changes nothing. Answers are plain JSON-able dicts. ``actor`` arguments name who acts, for the
audit log; the HTTP app decides the actor from the bearer token, never from a caller's claim.
"""

from __future__ import annotations

from typing import Any

import httpx

from pctf import did
from pctf.clock import Clock
from pctf.outbound import outbound_client
from pctf.settings import Settings

from .audit import AuditLog
from .governance import Governance
from .onboarding import Onboarding
from .publisher import TrustListPublisher
from .queries import Queries
from .store import RegistryStore
from .validation import bad_request, clean_text, validate_jwks


class RegistryService:
    """The trust registry of the sandbox's governance authority (``settings.registry_authority_id``)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.store = RegistryStore(settings, clock)
        self.settings, self.clock, self.authority_id, self.db = settings, clock, self.store.authority_id, self.store.db
        self.governance = Governance(self.store)
        self.onboarding = Onboarding(self.store, self.governance)
        self.queries = Queries(self.store)
        self.publisher = TrustListPublisher(self.store)
        self.audit = AuditLog(self.store)
        # The parts' methods, under the names callers know them by.
        self.upsert_entity = self.governance.upsert_entity
        self.authorize = self.governance.authorize
        self.set_authorization_status = self.governance.set_authorization_status
        self.set_entity_status = self.governance.set_entity_status
        self.add_key = self.governance.add_key
        self.key_event = self.governance.key_event
        self.recognize = self.governance.recognize
        self.entity = self.store.entity
        self.entities = self.store.entities
        self.recognitions = self.store.recognitions
        self.apply = self.onboarding.apply
        self.application_of = self.onboarding.application_of
        self.applicant_may_read = self.onboarding.applicant_may_read
        self.record_conformance = self.onboarding.record_conformance
        self.assess = self.onboarding.assess
        self.decide = self.onboarding.decide
        self.application = self.onboarding.application
        self.applications = self.onboarding.applications
        self.criteria = self.onboarding.criteria
        self.authorization_query = self.queries.authorization_query
        self.recognition_query = self.queries.recognition_query
        self.metadata = self.queries.metadata
        self.signing_key = self.publisher.signing_key
        self.jwks = self.publisher.jwks
        self.trust_list = self.publisher.trust_list
        self.audit_log = self.audit.entries
        self.verify_audit_log = self.audit.verify

    def refresh_keys(
        self, entity_id: str, *, http: httpx.Client | None = None, actor: str = "governance"
    ) -> dict[str, Any]:
        """Read a ``did:web`` entity's DID document again and register each ``assertionMethod`` key
        the registry does not hold yet (its DID URL as ``kid``), each with its ``key.added`` audit
        entry: how the registry learns a DID issuer's new key, as governance's ``add_key`` teaches it
        an https issuer's. No key is removed, even one the document dropped: what it signed keeps
        verifying until governance retires it (or declares it compromised) with a key event.

        The document is read with ``http``, by default the vetted outbound client (:mod:`pctf.outbound`):
        its URL is a stranger's. All of the new keys must pass the registry's key rule together
        before any is added. Returns the entity record.
        """
        entity_id = clean_text(entity_id, "entity_id")
        if not did.is_did(entity_id):
            raise bad_request(f"{entity_id} is not a DID: its keys are not read from a DID document")
        registered = self.entity(entity_id)["jwks"]["keys"]
        if http is None:
            with outbound_client(self.settings, max_body_bytes=did.MAX_DOCUMENT_BYTES) as client:
                document = did.resolve(entity_id, client)
        else:
            document = did.resolve(entity_id, http)
        held = {k["kid"] for k in registered}
        fresh = [k for k in document.keys if k["kid"] not in held]
        if fresh:
            validate_jwks({"keys": [*registered, *fresh]})
        for jwk in fresh:
            self.governance.add_key(entity_id, jwk, actor=actor)
        return self.entity(entity_id)
