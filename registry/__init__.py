"""The trust registry: the ecosystem's "dial tone".

It records who may issue (or verify) what, at which level of assurance and for which period,
how an issuer got there (onboarding) and every governance decision since, and answers ToIP TRQP
v2 authorization and recognition queries. Its scope stays deliberately small: it never sees a
credential or a holder, only entities, their public keys and their authorizations.

* :mod:`registry.models`: the tables (entities, authorizations, recognitions, status and key
  events, applications, conformance runs, assessment marks, the audit log, the signing key).
* :mod:`registry.validation`: every rule a write must pass.
* :mod:`registry.records`: rows as the JSON records answers and snapshots are made of; audit hashes.
* :mod:`registry.rules`: the one evaluation of a TRQP question over records, time-aware.
* :mod:`registry.criteria`: the PCTF assessment checklist.
* :mod:`registry.service`: :class:`~registry.service.RegistryService`, writes (each audited) and reads.
* :mod:`registry.trust_list`: the signed snapshot, and :class:`~registry.trust_list.SnapshotTrust`.
* :mod:`registry.app`: the FastAPI app (``create_app``), routes under ``/registry``.
* :mod:`registry.client`: :class:`~registry.client.RegistryClient` (HTTP, snapshot fallback,
  recognized frameworks) and :class:`~registry.client.LocalTrust` (in-process), both a
  :class:`pctf.trust.TrustSource`.
* :mod:`registry.seed`: idempotent seeding of an issuer and its grants.
* :mod:`registry.conformance`: :func:`~registry.conformance.run_conformance`, the automated
  technical checks of an applicant issuer's live endpoints that onboarding starts with.
"""
