"""Seeding the registry with an issuer and its grants, safely at every start-up.

The list of sandbox issuers is data in ``issuers.jurisdictions``; this module only knows how
to put one of them in the registry. Seeding is idempotent and never overrides a governance
decision: an authorization that governance suspended or revoked is not granted again, a
revoked issuer gets no new grant, and registered keys are never removed (new ones are added).
"""

from __future__ import annotations

from pctf.reasons import Reason, SandboxError
from pctf.vocab import LEVELS_OF_ASSURANCE, credential_type

from .service import RegistryService
from .validation import validate_jwks


def _merged_keys(service: RegistryService, entity_id: str, jwks: dict) -> dict:
    """The keys already registered plus the issuer's new ones: a key is never dropped by seeding,
    so one governance added stays, and one that signed credentials keeps verifying them."""
    try:
        registered = service.entity(entity_id)["jwks"]["keys"]
    except SandboxError as exc:
        if exc.reason != Reason.NOT_FOUND:
            raise
        return jwks
    kids = {k.get("kid") for k in registered}
    fresh = [k for k in validate_jwks(jwks)["keys"] if k["kid"] not in kids]
    return {"keys": [*registered, *fresh]}


def seed_issuer(
    service: RegistryService, entity_id: str, *, name: str, jurisdiction: str, jwks: dict, grants: list[tuple[str, int]]
) -> dict:
    """Register (or refresh the keys of) an issuer and grant each (type name or vct, max LoA)
    it does not hold yet. Returns the entity with its authorizations."""
    wanted = []
    for resource, loa in grants:  # validate everything first: a bad grant must not half-seed
        if isinstance(loa, bool) or loa not in LEVELS_OF_ASSURANCE:
            raise SandboxError(Reason.BAD_REQUEST, f"level of assurance {loa!r} for {resource} is not 1-4")
        wanted.append((credential_type(resource).vct, loa))
    entity = service.upsert_entity(
        entity_id, name=name, jurisdiction=jurisdiction, role="issuer", jwks=_merged_keys(service, entity_id, jwks)
    )
    if entity["status"] == "revoked":
        return entity
    held = {(a["action"], a["resource"], a["assurance_level"]) for a in entity["authorizations"]}
    for vct, loa in wanted:
        if ("issue", vct, loa) not in held:
            service.authorize(entity_id, action="issue", resource=vct, assurance_level=loa)
            held.add(("issue", vct, loa))
    return service.entity(entity_id)
