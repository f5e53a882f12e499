"""Relying parties declared as data: in a file (``PCTF_RELYING_PARTIES``, YAML or TOML) or over the
API (``POST /verifier/relying-parties``), in one shape (docs/relying-parties.md).

A declaration is checked here and turned into the same :class:`~verifier.policy.Policy` the
built-in relying parties state in code: there is one policy model, and the engine cannot tell a
declared relying party from a built-in one. What a declaration may name is what the sandbox
knows: a credential type of :mod:`pctf.vocab` (by name or ``vct``), a level of assurance 1–4,
and, for a value rule, one of the reason codes the built-in policies give for a refused value
(each with the check it is reported under, so every verdict stays told in both languages).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from pctf.reasons import Reason, SandboxError
from pctf.vocab import CREDENTIAL_TYPES, type_for_vct

from .policy import ClaimValues, CredentialSet, Link, Policy, Requirement, ValueRule
from .relying_parties import RelyingParty

# The reason a refused value rule gives, and the check it is reported under (the built-in policies' pairs).
VALUE_RULE_REASONS = {
    Reason.ORGANIZATION_INACTIVE: "organization_active",
    Reason.ROLE_NOT_ACCEPTED: "role_accepted",
    Reason.IMMUNIZATION_NOT_ACCEPTED: "immunization_accepted",
    Reason.SCOPE_NOT_COVERED: "scope_covered",
}
# Path segments the API serves beside the relying parties' own: no relying party may be named so.
RESERVED_IDS = frozenset({"relying-parties"})
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"  # a claim name in a path


def _path(value: Any) -> tuple[str, ...]:
    """A claim path: a list of claim names (``[address, region]``) or the same dotted (``address.region``)."""
    parts = value.split(".") if isinstance(value, str) else value
    if not isinstance(parts, list | tuple) or not 1 <= len(parts) <= 8 or not all(isinstance(p, str) for p in parts):
        raise ValueError("a claim path is a list of up to 8 claim names, or the same dotted")
    for part in parts:
        if not re.fullmatch(NAME, part):
            raise ValueError(f"{part!r} is not a claim name")
    return tuple(parts)


class Words(BaseModel):
    """A text in both official languages."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1, max_length=200)
    fr: str = Field(min_length=1, max_length=200)


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    claim: tuple[str, ...]
    accepted: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=50)
    reason: str

    _claim = field_validator("claim", mode="before")(lambda cls, v: _path(v))

    @field_validator("reason")
    @classmethod
    def _known_reason(cls, value: str) -> str:
        if value not in {r.value for r in VALUE_RULE_REASONS}:
            known = ", ".join(r.value for r in VALUE_RULE_REASONS)
            raise ValueError(f"unknown reason code {value!r} for a value rule (known: {known})")
        return value


# A value DCQL ``values`` may hold: a string, an integer or a boolean (OpenID4VP 1.0, 6.3).
DcqlValue = Annotated[str, Field(max_length=200)] | int | bool


class ValuesIn(BaseModel):
    """DCQL ``values``: the claim is asked for only with one of these; a wallet whose credential
    holds another presents nothing for it, and a disclosed value outside them is refused."""

    model_config = ConfigDict(extra="forbid")
    claim: tuple[str, ...]
    values: list[DcqlValue] = Field(min_length=1, max_length=50)

    _claim = field_validator("claim", mode="before")(lambda cls, v: _path(v))


class CredentialSetIn(BaseModel):
    """DCQL ``credential_sets``: ``options``, each the requirement ids that together satisfy the
    set, preferred first; a set that is not ``required`` is presented when the holder can."""

    model_config = ConfigDict(extra="forbid")
    options: list[list[str]] = Field(min_length=1, max_length=10)
    required: bool = True

    @field_validator("options")
    @classmethod
    def _not_empty(cls, options: list[list[str]]) -> list[list[str]]:
        if any(not option for option in options):
            raise ValueError("each option names one requirement id or more")
        return options


def _among_claims(path: tuple[str, ...], claims: list[tuple[str, ...]], what: str) -> None:
    if path not in claims:
        raise ValueError(f"{what} {'.'.join(path)}: that claim is not among the claims asked for")


class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")  # the DCQL credential query id
    credential: str  # a credential type's name (VerifiedPerson) or its vct
    claims: list[tuple[str, ...]] = Field(min_length=1, max_length=50)
    min_loa: int | None = Field(default=None, ge=1, le=4)
    rules: list[RuleIn] = Field(default_factory=list, max_length=20)
    # DCQL claim_sets: alternatives among ``claims``, preferred first; the holder discloses the
    # first it can. Absent: all of ``claims``.
    claim_sets: list[list[tuple[str, ...]]] = Field(default_factory=list, max_length=10)
    values: list[ValuesIn] = Field(default_factory=list, max_length=20)

    @field_validator("claims", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        return [_path(v) for v in value] if isinstance(value, list) else value

    @field_validator("claim_sets", mode="before")
    @classmethod
    def _set_paths(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [[_path(v) for v in claim_set] if isinstance(claim_set, list) else claim_set for claim_set in value]

    @field_validator("claim_sets")
    @classmethod
    def _sets_of_requested_claims(
        cls, claim_sets: list[list[tuple[str, ...]]], info: ValidationInfo
    ) -> list[list[tuple[str, ...]]]:
        claims = info.data.get("claims", [])
        for claim_set in claim_sets:
            if not claim_set:
                raise ValueError("a claim set names one claim or more")
            for path in claim_set:
                _among_claims(path, claims, "claim set with")
        return claim_sets

    @field_validator("values")
    @classmethod
    def _values_of_requested_claims(cls, values: list[ValuesIn], info: ValidationInfo) -> list[ValuesIn]:
        claims = info.data.get("claims", [])
        for entry in values:
            _among_claims(entry.claim, claims, "values for")
        if len({v.claim for v in values}) != len(values):
            raise ValueError("values are given once per claim")
        return values

    @field_validator("credential")
    @classmethod
    def _known_type(cls, value: str) -> str:
        found = CREDENTIAL_TYPES.get(value) or type_for_vct(value)
        if found is None:
            raise ValueError(f"unknown credential type {value!r} (known: {', '.join(CREDENTIAL_TYPES)}, or their vct)")
        return found.name

    @field_validator("rules")
    @classmethod
    def _rules_read_requested_claims(cls, rules: list[RuleIn], info: ValidationInfo) -> list[RuleIn]:
        claims = info.data.get("claims", [])
        for rule in rules:
            if not any(rule.claim[: len(c)] == c for c in claims):
                raise ValueError(f"rule on {'.'.join(rule.claim)}: that claim is not among the claims asked for")
        return rules


class LinkIn(BaseModel):
    """``left``'s claim at ``left_claim`` must equal ``right``'s at ``right_claim`` (both requirement ids)."""

    model_config = ConfigDict(extra="forbid")
    left: str
    left_claim: tuple[str, ...]
    right: str
    right_claim: tuple[str, ...]

    _claims = field_validator("left_claim", "right_claim", mode="before")(lambda cls, v: _path(v))


class RelyingPartyIn(BaseModel):
    """One relying party as declared (docs/relying-parties.md)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    name: Words
    purpose: Words
    requirements: list[RequirementIn] = Field(min_length=1, max_length=10)
    links: list[LinkIn] = Field(default_factory=list, max_length=50)
    signs_in: bool = False
    credential_sets: list[CredentialSetIn] = Field(default_factory=list, max_length=10)

    @field_validator("id")
    @classmethod
    def _not_taken(cls, value: str) -> str:
        if value in RESERVED_IDS:
            raise ValueError(f"{value!r} is a path of the API, not a relying party id")
        return value

    @field_validator("requirements")
    @classmethod
    def _distinct(cls, requirements: list[RequirementIn]) -> list[RequirementIn]:
        ids = [r.id for r in requirements]
        if len(set(ids)) != len(ids):
            raise ValueError(f"requirement ids must differ: {', '.join(ids)}")
        return requirements

    @field_validator("links")
    @classmethod
    def _between_requirements(cls, links: list[LinkIn], info: ValidationInfo) -> list[LinkIn]:
        ids = [r.id for r in info.data.get("requirements", [])]
        for link in links:
            for side in (link.left, link.right):
                if side not in ids:
                    raise ValueError(f"a link names {side!r}, which is not a requirement id ({', '.join(ids)})")
        return links

    @field_validator("credential_sets")
    @classmethod
    def _sets_of_requirements(cls, sets: list[CredentialSetIn], info: ValidationInfo) -> list[CredentialSetIn]:
        ids = [r.id for r in info.data.get("requirements", [])]
        for credential_set in sets:
            for option in credential_set.options:
                unknown = next((i for i in option if i not in ids), None)
                if unknown is not None:
                    raise ValueError(
                        f"a credential set names {unknown!r}, which is not a requirement id ({', '.join(ids)})"
                    )
        return sets

    @field_validator("signs_in")
    @classmethod
    def _signs_in_a_person(cls, signs_in: bool, info: ValidationInfo) -> bool:
        if signs_in and not any(r.credential == "VerifiedPerson" for r in info.data.get("requirements", [])):
            raise ValueError("a relying party that signs people in asks for a VerifiedPerson")
        return signs_in

    def relying_party(self) -> RelyingParty:
        """The declaration as the one policy model the engine evaluates."""
        policy = Policy(
            id=self.id,
            purpose_en=self.purpose.en,
            purpose_fr=self.purpose.fr,
            requirements=tuple(
                Requirement(
                    r.id,
                    r.credential,
                    tuple(r.claims),
                    min_loa=r.min_loa,
                    rules=tuple(_value_rule(rule) for rule in r.rules),
                    claim_sets=tuple(tuple(claim_set) for claim_set in r.claim_sets),
                    values=tuple(ClaimValues(v.claim, tuple(v.values)) for v in r.values),
                )
                for r in self.requirements
            ),
            links=tuple(Link(k.left, k.left_claim, k.right, k.right_claim) for k in self.links),
            signs_in=self.signs_in,
            credential_sets=tuple(
                CredentialSet(tuple(tuple(o) for o in s.options), s.required) for s in self.credential_sets
            ),
        )
        return RelyingParty(self.id, self.name.en, self.name.fr, policy)


def _value_rule(rule: RuleIn) -> ValueRule:
    reason = Reason(rule.reason)
    return ValueRule(rule.claim, tuple(rule.accepted), reason, VALUE_RULE_REASONS[reason])


class DeclarationFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    relying_parties: list[RelyingPartyIn] = Field(min_length=1)


def describe(rp: RelyingParty) -> dict:
    """A relying party in the declaration shape (what ``GET /verifier/relying-parties`` shows):
    what it asks for, never its token."""
    policy = rp.policy
    return {
        "id": rp.id,
        "name": {"en": rp.name_en, "fr": rp.name_fr},
        "purpose": {"en": policy.purpose_en, "fr": policy.purpose_fr},
        "requirements": [
            {
                "id": r.query_id,
                "credential": r.type_name,
                "vct": r.vct,
                "claims": [list(p) for p in r.claims],
                "min_loa": r.min_loa,
                "rules": [
                    {"claim": list(v.path), "accepted": list(v.allowed), "reason": v.reason.value} for v in r.rules
                ],
                "claim_sets": [[list(p) for p in claim_set] for claim_set in r.claim_sets],
                "values": [{"claim": list(v.path), "values": list(v.values)} for v in r.values],
            }
            for r in policy.requirements
        ],
        "links": [
            {"left": k.left, "left_claim": list(k.left_path), "right": k.right, "right_claim": list(k.right_path)}
            for k in policy.links
        ],
        "signs_in": policy.signs_in,
        "credential_sets": [
            {"options": [list(o) for o in s.options], "required": s.required} for s in policy.credential_sets
        ],
        "dcql_query": policy.dcql_query(),
    }


def _problems(error: ValidationError, where: str, items: list[Any] | None = None) -> str:
    """Each problem on one line: where (file, relying party), which field, what is wrong."""
    lines = []
    for problem in error.errors():
        loc = list(problem["loc"])
        place = where
        if items is not None and len(loc) >= 2 and loc[0] == "relying_parties" and isinstance(loc[1], int):
            index, loc = loc[1], loc[2:]
            item = items[index] if index < len(items) else None
            rp_id = item.get("id") if isinstance(item, dict) else None
            named = isinstance(rp_id, str) and len(rp_id) <= 64
            place += f", relying party {rp_id!r}" if named else f", relying party #{index + 1}"
        field = ".".join(str(p) for p in loc) or "(top level)"
        lines.append(f"{place}: {field}: {problem['msg'].removeprefix('Value error, ')}")
    return "; ".join(lines)


def parse(body: Any, *, where: str = "the declaration") -> RelyingPartyIn:
    """One relying party's declaration (the API's body, a stored row), checked; ``bad_request``
    naming each problem."""
    try:
        return RelyingPartyIn.model_validate(body)
    except ValidationError as exc:
        rp_id = body.get("id") if isinstance(body, dict) else None
        named = f"{where}, relying party {rp_id!r}" if isinstance(rp_id, str) and len(rp_id) <= 64 else where
        raise SandboxError(Reason.BAD_REQUEST, _problems(exc, named)) from None


def load_file(path: Path) -> list[RelyingParty]:
    """The relying parties a file declares (``.yaml``/``.yml`` or ``.toml``): ``setting_invalid``,
    naming the file, the relying party and the field, for anything the sandbox cannot use."""
    where = f"PCTF_RELYING_PARTIES={path}"

    def refuse(message: str) -> SandboxError:
        return SandboxError(Reason.SETTING_INVALID, f"{where}: {message}")

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(f"cannot be read ({exc.__class__.__name__}: {exc})") from None
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            raise refuse("a relying-party file ends in .yaml, .yml or .toml")
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise refuse(f"is not valid {path.suffix.lstrip('.').upper()}: {exc}") from None
    items = data.get("relying_parties") if isinstance(data, dict) else None
    try:
        declared = DeclarationFile.model_validate(data)
    except ValidationError as exc:
        raise SandboxError(
            Reason.SETTING_INVALID, _problems(exc, where, items if isinstance(items, list) else None)
        ) from None
    seen: set[str] = set()
    for rp in declared.relying_parties:
        if rp.id in seen:
            raise refuse(f"relying party {rp.id!r}: id: declared twice")
        seen.add(rp.id)
    return [rp.relying_party() for rp in declared.relying_parties]
