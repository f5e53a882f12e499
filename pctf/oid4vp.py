"""DCQL (OpenID4VP 1.0, section 6): the query language both wallet and verifier read.

The verifier writes a query and later checks that what came back satisfies it; the wallet
matches the same query against the credentials it holds. Both use these functions, so the two
sides cannot disagree on what a claim path means.
"""
from __future__ import annotations

from typing import Any

from .reasons import Reason, SandboxError

FORMAT = "dc+sd-jwt"
_MISSING = object()


def claim_values(claims: Any, path: list | tuple) -> list:
    """Every value at ``path`` (strings select object keys, integers array indexes, None all elements)."""
    if not isinstance(path, (list, tuple)):
        raise SandboxError(Reason.BAD_REQUEST, "a DCQL claim path must be an array")
    current = [claims]
    for step in path:
        nxt = []
        for value in current:
            if step is None and isinstance(value, list):
                nxt.extend(value)
            elif isinstance(step, int) and not isinstance(step, bool) and isinstance(value, list) and 0 <= step < len(value):
                nxt.append(value[step])
            elif isinstance(step, str) and isinstance(value, dict) and step in value:
                nxt.append(value[step])
        current = nxt
    return current


def has_claim(claims: Any, path: list | tuple) -> bool:
    """Whether ``path`` holds a value; an object or array disclosed without any content does not
    count (nested selective disclosure can reveal an empty ``address``)."""
    return any(v != {} and v != [] for v in claim_values(claims, path))


def validate_query(query: Any) -> dict:
    """Check the parts of a DCQL query the sandbox relies on; ``bad_request`` otherwise."""
    if not isinstance(query, dict) or not isinstance(query.get("credentials"), list) or not query["credentials"]:
        raise SandboxError(Reason.BAD_REQUEST, "dcql_query must hold a non-empty credentials array")
    ids = set()
    for cq in query["credentials"]:
        validate_credential_query(cq)
        if cq["id"] in ids:
            raise SandboxError(Reason.BAD_REQUEST, f"DCQL credential query id {cq['id']!r} is repeated")
        ids.add(cq["id"])
    return query


def validate_credential_query(cq: Any) -> dict:
    """One credential query: an id, our format, ``meta.vct_values`` strings, claims with paths."""
    if not isinstance(cq, dict) or not isinstance(cq.get("id"), str) or not cq["id"]:
        raise SandboxError(Reason.BAD_REQUEST, "each DCQL credential query needs an id")
    if cq.get("format") != FORMAT:
        raise SandboxError(Reason.BAD_REQUEST, f"only format {FORMAT} is supported")
    meta = cq.get("meta")
    vcts = meta.get("vct_values") if isinstance(meta, dict) else None
    if not isinstance(vcts, list) or not all(isinstance(v, str) for v in vcts):
        raise SandboxError(Reason.BAD_REQUEST, "meta.vct_values must be an array of strings")
    claims = cq.get("claims")
    if claims is not None and not isinstance(claims, list):
        raise SandboxError(Reason.BAD_REQUEST, "claims must be an array")
    for claim in claims or []:
        path = claim.get("path") if isinstance(claim, dict) else None
        if not isinstance(path, list) or not path:
            raise SandboxError(Reason.BAD_REQUEST, "each DCQL claim needs a non-empty path array")
    return cq


def requested_paths(credential_query: dict) -> list[tuple]:
    return [tuple(c["path"]) for c in credential_query.get("claims", []) or []]


def matches(credential_query: dict, vct: str, claims: dict) -> bool:
    """Whether a credential of ``vct`` with these ``claims`` can answer ``credential_query``
    (``bad_request`` when the credential query itself is malformed)."""
    validate_credential_query(credential_query)
    if vct not in credential_query["meta"]["vct_values"]:
        return False
    return all(has_claim(claims, p) for p in requested_paths(credential_query))
