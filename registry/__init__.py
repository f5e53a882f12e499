"""The trust registry: the ecosystem's "dial tone".

It records who may issue (or verify) what, at which level of assurance and for which period,
how an issuer got there (onboarding) and every governance decision since, and answers ToIP TRQP
v2 authorization and recognition queries. Its scope stays deliberately small: it never sees a
credential or a holder, only entities, their public keys and their authorizations.

The write side (the registry service):

* :mod:`registry.models`: the tables (entities, authorizations, recognitions, status and key
  events, applications, conformance runs, assessment marks, the audit log, the signing key).
* :mod:`registry.store`: the database, its transactions and the entity records answers are made of.
* :mod:`registry.validation`: every rule a write must pass.
* :mod:`registry.records`: rows as the JSON records answers and snapshots are made of.
* :mod:`registry.audit`: the hash-chained audit log every write appends to.
* :mod:`registry.governance`: decisions on entities, authorizations, suspensions, keys, recognitions.
* :mod:`registry.onboarding`: applications, conformance runs, assessment and the decision.
* :mod:`registry.criteria`: the PCTF assessment checklist.
* :mod:`registry.conformance`: :func:`~registry.conformance.run_conformance`, the automated
  technical checks of an applicant issuer's live endpoints that onboarding starts with.
* :mod:`registry.queries`: the registry's TRQP answers and metadata.
* :mod:`registry.publisher`: the registry's signing key and its signed snapshot.
* :mod:`registry.service`: :class:`~registry.service.RegistryService`, the parts as one object.
* :mod:`registry.local_trust`: :class:`~registry.local_trust.LocalTrust`, the store as a
  :class:`pctf.trust.TrustSource` (command line, no server).
* :mod:`registry.seed`: idempotent seeding of an issuer and its grants.
* :mod:`registry.app`: the FastAPI app (``create_app``), routes under ``/registry``.

The read side (what a verifier loads, and nothing of the above):

* :mod:`registry.rules`: the one evaluation of a TRQP question over records, time-aware.
* :mod:`registry.trust_list`: the signed snapshot's format, and :class:`~registry.trust_list.SnapshotTrust`.
* :mod:`registry.client`: :class:`~registry.client.RegistryClient`, a read-only
  :class:`pctf.trust.TrustSource` over HTTP (TRQP, recognized frameworks, snapshot fallback),
  with :mod:`registry.answer_cache` and :mod:`registry.trust_list_keeper`.
* :mod:`registry.governance_client`: :class:`~registry.governance_client.GovernanceClient`,
  the client plus the governance writes, for the operator's tools.

The TRQP wire format itself (queries and answers, both roles) is :mod:`pctf.trqp`.
"""
