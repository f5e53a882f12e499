"""The trust registry as one object: what the HTTP app, the command line and the tests call.

:class:`RegistryService` composes the registry's parts over one store and offers their methods
under one name; each part holds one concern:

* :class:`registry.governance.Governance`: entities, authorizations, suspensions, keys, recognitions;
* :class:`registry.onboarding.Onboarding`: applications, conformance, assessment, decision;
* :class:`registry.queries.Queries`: TRQP answers and metadata;
* :class:`registry.publisher.TrustListPublisher`: the registry's key and signed snapshot;
* :class:`registry.audit.AuditLog`: the hash-chained log every write appends to;
* :class:`registry.store.RegistryStore`: the database and the entity records.

Every write validates all of its input before it touches the store, so a rejected request
changes nothing. Answers are plain JSON-able dicts. ``actor`` arguments name who acts, for the
audit log; the HTTP app decides the actor from the bearer token, never from a caller's claim.
"""

from __future__ import annotations

from pctf.clock import Clock
from pctf.settings import Settings

from .audit import AuditLog
from .governance import Governance
from .onboarding import Onboarding
from .publisher import TrustListPublisher
from .queries import Queries
from .store import RegistryStore


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
