"""Relying-party policies as data, and their evaluation over verified credentials.

A policy names the credentials a relying party needs (by type), the claims it asks for (the
DCQL query is derived from them, so it never asks for more than it checks), a minimum level of
assurance, accepted claim values, and the links that must hold *between* credentials (the
director relationship must name the same person and organization as the other two).

A policy may also offer the holder alternatives, which its query carries in DCQL: a requirement's
``claim_sets`` (these claims, or else those), ``values`` a claim must have to be worth presenting,
and the policy's ``credential_sets`` (this credential, or else those two; this one if the holder
has it). The response is checked against that same query with :mod:`pctf.oid4vp`'s functions,
the ones the wallet chose its answer with.
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
class ClaimValues:
    """The claim at ``path`` is asked for only with one of ``values`` (DCQL ``values``): a wallet
    whose credential holds another has nothing to present, and a disclosed value outside them is
    refused (``claim_value_not_accepted``)."""

    path: tuple
    values: tuple


@dataclass(frozen=True)
class Requirement:
    query_id: str
    type_name: str
    claims: tuple[tuple, ...]
    min_loa: int | None = None
    rules: tuple[ValueRule, ...] = ()
    # Alternatives among ``claims``, the relying party's preferred first (DCQL claim_sets): the
    # holder discloses the first one it can. Empty: all of ``claims``.
    claim_sets: tuple[tuple[tuple, ...], ...] = ()
    values: tuple[ClaimValues, ...] = ()

    def __post_init__(self) -> None:
        named = [claim_id(p) for p in self.claims]
        if self.claim_sets and len(set(named)) != len(named):
            raise ValueError(f"{self.query_id}: two claims have the same DCQL id")
        for path in [p for s in self.claim_sets for p in s] + [v.path for v in self.values]:
            if path not in self.claims:
                raise ValueError(f"{self.query_id}: {path} is not among the claims asked for")

    @property
    def vct(self) -> str:
        return credential_type(self.type_name).vct

    def credential_query(self) -> dict:
        """This requirement as a DCQL credential query: claim ids only when claim sets need them."""
        accepted = {v.path: v.values for v in self.values}
        claims = []
        for path in self.claims:
            claim: dict = {"path": list(path)}
            if self.claim_sets:
                claim["id"] = claim_id(path)
            if path in accepted:
                claim["values"] = list(accepted[path])
            claims.append(claim)
        query: dict = {"id": self.query_id, "format": oid4vp.FORMAT, "meta": {"vct_values": [self.vct]}}
        if claims:
            query["claims"] = claims
        if self.claim_sets:
            query["claim_sets"] = [[claim_id(p) for p in claim_set] for claim_set in self.claim_sets]
        return query


def claim_id(path: tuple) -> str:
    """A claim's DCQL id, read from its path (``address-postal_code``)."""
    return "-".join("null" if step is None else str(step) for step in path)


@dataclass(frozen=True)
class CredentialSet:
    """DCQL credential set: ``options``, each the query ids of requirements that together
    satisfy it, the relying party's preferred first; a ``required`` set must be satisfied, another
    is presented if the holder can."""

    options: tuple[tuple[str, ...], ...]
    required: bool = True


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
    # Alternatives between requirements (DCQL credential_sets). Empty: every requirement is required.
    credential_sets: tuple[CredentialSet, ...] = ()

    def __post_init__(self) -> None:
        ids = {r.query_id for r in self.requirements}
        for option in (o for s in self.credential_sets for o in s.options):
            if not option or not set(option) <= ids:
                raise ValueError(f"{self.id}: credential set option {option} names no requirement of this policy")

    def dcql_query(self) -> dict:
        query: dict = {"credentials": [r.credential_query() for r in self.requirements]}
        if self.credential_sets:
            query["credential_sets"] = [
                {"options": [list(option) for option in s.options], "required": s.required}
                for s in self.credential_sets
            ]
        return query

    def evaluate(self, results: dict[str, CredentialResult]) -> list[Check]:
        """Policy checks over credentials that each passed the engine's checks."""
        checks: list[Check] = []
        for req in self.requirements:
            res = results.get(req.query_id)
            if res is None or not res.ok:
                continue
            checks.extend(_answers_query(req, res.claims))
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


def _answers_query(req: Requirement, claims: dict) -> list[Check]:
    """Whether a credential's disclosed ``claims`` answer ``req``'s credential query: the claims
    of one of its alternatives disclosed (the first, when none is, is the one reported missing),
    and each disclosed claim the query gives ``values`` for holding one of them."""
    cq = req.credential_query()
    alternatives = oid4vp.claim_alternatives(cq)
    disclosed = next((alt for alt in alternatives if all(oid4vp.has_claim(claims, c["path"]) for c in alt)), None)
    missing = (
        [] if disclosed is not None else [c["path"] for c in alternatives[0] if not oid4vp.has_claim(claims, c["path"])]
    )
    count = len(disclosed or ())
    checks = [
        Check(
            "claims_disclosed",
            not missing,
            Reason.CLAIMS_NOT_DISCLOSED.value if missing else None,
            f"missing: {', '.join('.'.join(map(str, p)) for p in missing)}"
            if missing
            else f"{count} requested claim(s) disclosed",
            req.query_id,
            {"type": req.type_name, "count": count}
            if not missing
            else {"type": req.type_name, "missing": [list(p) for p in missing]},
        )
    ]
    for claim in (c for c in cq.get("claims", []) if "values" in c):
        values = [v for v in oid4vp.claim_values(claims, claim["path"]) if v != {} and v != []]
        if not values:
            continue  # not disclosed: whether it had to be is the claims check's to say
        ok = oid4vp.value_accepted(values, claim["values"])
        checks.append(
            Check(
                "claim_value",
                ok,
                None if ok else Reason.CLAIM_VALUE_NOT_ACCEPTED.value,
                f"{'.'.join(map(str, claim['path']))} = {values[0]}; accepted: {', '.join(map(str, claim['values']))}",
                req.query_id,
                {"type": req.type_name, "path": claim["path"], "value": values[0], "accepted": claim["values"]},
            )
        )
    return checks
