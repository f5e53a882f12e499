"""Relying-party policies as data, and their evaluation over verified credentials.

A policy names the credentials a relying party needs (by type), the claims it asks for (the
DCQL query is derived from them, so it never asks for more than it checks), a minimum level of
assurance, accepted claim values, and the links that must hold *between* credentials (the
director relationship must name the same person and organization as the other two).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pctf import oid4vp
from pctf.reasons import Reason
from pctf.vocab import credential_type

from .verdict import Check, CredentialResult


@dataclass(frozen=True)
class ValueRule:
    path: tuple
    allowed: tuple
    reason: Reason
    label: str


@dataclass(frozen=True)
class Requirement:
    query_id: str
    type_name: str
    claims: tuple[tuple, ...]
    min_loa: int | None = None
    rules: tuple[ValueRule, ...] = ()

    @property
    def vct(self) -> str:
        return credential_type(self.type_name).vct


@dataclass(frozen=True)
class Link:
    """``left`` credential's claim at ``left_path`` must equal ``right`` credential's at ``right_path``."""

    left: str
    left_path: tuple
    right: str
    right_path: tuple


@dataclass(frozen=True)
class Policy:
    id: str
    purpose_en: str
    purpose_fr: str
    requirements: tuple[Requirement, ...]
    links: tuple[Link, ...] = ()
    same_holder: bool = True  # every credential bound to one holder key
    extra: dict = field(default_factory=dict)
    # The relying party signs the person in: an accepted presentation opens a session for the
    # person its Verified Person names (verifier.service); a refused one opens none.
    signs_in: bool = False

    def dcql_query(self) -> dict:
        return {
            "credentials": [
                {
                    "id": r.query_id,
                    "format": oid4vp.FORMAT,
                    "meta": {"vct_values": [r.vct]},
                    "claims": [{"path": list(p)} for p in r.claims],
                }
                for r in self.requirements
            ]
        }

    def evaluate(self, results: dict[str, CredentialResult]) -> list[Check]:
        """Policy checks over credentials that each passed the engine's checks."""
        checks: list[Check] = []
        for req in self.requirements:
            res = results.get(req.query_id)
            if res is None or not res.ok:
                continue
            missing = [p for p in req.claims if not oid4vp.has_claim(res.claims, p)]
            checks.append(
                Check(
                    "claims_disclosed",
                    not missing,
                    Reason.CLAIMS_NOT_DISCLOSED.value if missing else None,
                    f"missing: {', '.join('.'.join(map(str, p)) for p in missing)}"
                    if missing
                    else f"{len(req.claims)} requested claim(s) disclosed",
                    req.query_id,
                    {"type": req.type_name, "count": len(req.claims)}
                    if not missing
                    else {"type": req.type_name, "missing": [list(p) for p in missing]},
                )
            )
            if req.min_loa is not None:
                loa = res.claims.get("assurance_level")
                ok = isinstance(loa, int) and loa >= req.min_loa
                checks.append(
                    Check(
                        "loa",
                        ok,
                        None if ok else Reason.LOA_TOO_LOW.value,
                        f"level of assurance {loa}, policy requires {req.min_loa}",
                        req.query_id,
                        {"type": req.type_name, "loa": loa, "required": req.min_loa},
                    )
                )
            for rule in req.rules:
                values = oid4vp.claim_values(res.claims, rule.path)
                ok = bool(values) and all(v in rule.allowed for v in values)
                checks.append(
                    Check(
                        rule.label,
                        ok,
                        None if ok else rule.reason.value,
                        f"{'.'.join(rule.path)} = {values[0] if values else '(absent)'}; "
                        f"accepted: {', '.join(rule.allowed)}",
                        req.query_id,
                        {
                            "type": req.type_name,
                            "path": list(rule.path),
                            "value": values[0] if values else None,
                            "accepted": list(rule.allowed),
                        },
                    )
                )
        usable = {q: r for q, r in results.items() if r.ok}
        for link in self.links:
            if link.left not in usable or link.right not in usable:
                continue
            a = oid4vp.claim_values(usable[link.left].claims, link.left_path)
            b = oid4vp.claim_values(usable[link.right].claims, link.right_path)
            ok = bool(a) and a == b
            checks.append(
                Check(
                    "linked",
                    ok,
                    None if ok else Reason.CLAIMS_NOT_LINKED.value,
                    f"{link.left}.{'.'.join(link.left_path)} {'=' if ok else '≠'} "
                    f"{link.right}.{'.'.join(link.right_path)}",
                    link.left,
                    {
                        "left": link.left,
                        "left_path": list(link.left_path),
                        "right": link.right,
                        "right_path": list(link.right_path),
                        "equal": ok,
                    },
                )
            )
        if self.same_holder and len(usable) > 1:
            # The RFC 7638 thumbprint members identify a key; comparing them skips the hashing.
            # They are compared as JSON text: a member the key type does not use (an EC key's
            # "n") may hold any JSON value, lists included, which a set of tuples cannot hold.
            keys = {
                json.dumps([r.holder_jwk.get(m) for m in ("kty", "crv", "x", "y", "n", "e")], sort_keys=True)
                for r in usable.values()
                if r.holder_jwk
            }
            ok = len(keys) == 1
            checks.append(
                Check(
                    "same_holder",
                    ok,
                    None if ok else Reason.CLAIMS_NOT_LINKED.value,
                    "all credentials are bound to one holder key"
                    if ok
                    else "the credentials are bound to different holder keys",
                    None,
                    {"keys": len(keys)},
                )
            )
        return checks
