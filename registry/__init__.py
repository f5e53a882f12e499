"""The trust registry: the ecosystem's "dial tone".

It records who may issue (or verify) what, at which level of assurance and for which period,
and answers ToIP TRQP v2 authorization and recognition queries. Its scope stays deliberately
small: it never sees a credential or a holder, only entities, their public keys and their
authorizations.

* :mod:`registry.models`: the three tables (entities, authorizations, recognitions).
* :mod:`registry.service`: :class:`~registry.service.RegistryService`, the only place that
  evaluates an authorization.
* :mod:`registry.app`: the FastAPI app (``create_app``), routes under ``/registry``.
* :mod:`registry.client`: :class:`~registry.client.RegistryClient` (HTTP) and
  :class:`~registry.client.LocalTrust` (in-process), both a :class:`pctf.trust.TrustSource`.
* :mod:`registry.seed`: idempotent seeding of an issuer and its grants.
* :mod:`registry.conformance`: :func:`~registry.conformance.run_conformance`, the automated
  technical checks of an applicant issuer's live endpoints that onboarding starts with.
"""
