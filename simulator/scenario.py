"""A scenario: the population simulated and the levers set, read from a TOML or YAML file.

The levers are what a policy maker could change: which jurisdictions issue Verified Person and at
which level of assurance (LoA), which registrars issue Verified Organization and the director's
Verified Relationship, who has a wallet, what the banks ask for, how long credentials last, how
many are revoked and how many holders die. Each lever maps onto real sandbox state when a partition
runs (:mod:`simulator.journey`): an issuer the registry does not list is refused by the verifier
itself, a revocation is a real status list bit, an expiry is the clock passing the credential's
``exp``. Two scenarios ship with the package (``today`` and ``pilot``); any other is a file.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pctf.reasons import Reason, SandboxError

SHIPPED = ("today", "pilot")
AGE_BANDS = ("18-34", "35-54", "55-64", "65+")
CREDENTIALS = ("VerifiedPerson", "VerifiedOrganization", "VerifiedRelationship")

# How an issuer stands for the banks' verifier, set up as such in the sandbox's registry:
# "accredited": listed and authorized for what it issues, at its LoA;
# "unaccredited": it issues, but the registry does not list it (the verifier: issuer_unknown);
# "not_authorized": listed, without the authorization (the verifier: issuer_not_authorized);
# "recognized": accredited by its jurisdiction's own trust framework (a registry of its own), which
#   the pan-Canadian registry recognizes (TRQP recognition): a bank that follows recognitions
#   accepts it, one that does not answers issuer_unknown;
# "none": no such program: its people have no credential of that kind to present at all.
IssuerStatus = Literal["accredited", "unaccredited", "not_authorized", "recognized", "none"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonIssuer(_Model):
    """A jurisdiction's digital identity program (it issues Verified Person)."""

    status: IssuerStatus = "none"
    # The highest LoA its identity proofing reaches (2: one document; 3: foundational and photo).
    loa: Literal[2, 3] = 3
    lifetime_days: int = Field(default=1825, gt=0)


class Registrar(_Model):
    """A business registrar (it issues Verified Organization and Verified Relationship)."""

    status: IssuerStatus = "none"
    lifetime_days: int = Field(default=365, gt=0)


class JurisdictionLevers(_Model):
    person_issuer: PersonIssuer = PersonIssuer()
    registrar: Registrar = Registrar()


class Bank(_Model):
    """A bank's business account policy, and its share of the openings."""

    name: str
    share: float = Field(gt=0)
    credentials: tuple[str, ...] = CREDENTIALS
    min_loa: Literal[1, 2, 3] = 3
    # Whether its verifier follows the registry's recognitions of other frameworks.
    accepts_recognized: bool = True

    @field_validator("credentials")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = set(value) - set(CREDENTIALS)
        if unknown or not value or "VerifiedPerson" not in value:
            raise ValueError(f"credentials: VerifiedPerson and any of {', '.join(CREDENTIALS[1:])}")
        return tuple(c for c in CREDENTIALS if c in value)


class Minutes(_Model):
    """Modelled time to open the account, in minutes."""

    digital: float = Field(default=15.0, ge=0)
    branch: float = Field(default=120.0, ge=0)


class Scenario(_Model):
    name: str
    description_en: str = ""
    description_fr: str = ""
    # The day the openings are made: credentials' ages and expiries are measured from it.
    as_of: date = date(2026, 1, 15)
    population: int = Field(default=1000, ge=0)
    # Every jurisdiction's levers start from `default`; `jurisdictions` overrides some of them.
    default: JurisdictionLevers = JurisdictionLevers()
    jurisdictions: dict[str, JurisdictionLevers] = {}
    federal_registrar: Registrar = Registrar()
    # Of new corporations, the share incorporated federally (the others in their home jurisdiction).
    federal_share: float = Field(default=0.2, ge=0, le=1)
    # Share of people with a digital wallet holding credentials, by age band.
    wallet_adoption: dict[str, float] = {band: 0.0 for band in AGE_BANDS}
    # Of those who could, the share who try to open the account online at all.
    tries_online: float = Field(default=1.0, ge=0, le=1)
    # Share of people whose proofing evidence is foundational and photo (LoA 3), the rest one document (LoA 2).
    full_evidence: float = Field(default=0.9, ge=0, le=1)
    # How long ago a person got their Verified Person: uniform over [0, this many days).
    credential_age_days: int = Field(default=365, gt=0)
    # During the period: share of Verified Person credentials revoked (lost device, fraud), and of holders who die.
    revocation_rate: float = Field(default=0.0, ge=0, le=1)
    death_rate: float = Field(default=0.0, ge=0, le=1)
    banks: tuple[Bank, ...] = (Bank(name="bank", share=1.0),)
    minutes: Minutes = Minutes()

    @field_validator("wallet_adoption")
    @classmethod
    def _bands(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(AGE_BANDS) or not all(0 <= v <= 1 for v in value.values()):
            raise ValueError(f"wallet_adoption: a share from 0 to 1 for each of {', '.join(AGE_BANDS)}")
        return {band: float(value[band]) for band in AGE_BANDS}

    @model_validator(mode="after")
    def _known_jurisdictions(self) -> Scenario:
        unknown = set(self.jurisdictions) - set(canada()["jurisdictions"])
        if unknown:
            raise ValueError(f"unknown jurisdictions {', '.join(sorted(unknown))} (codes such as BC, ON, QC)")
        if not self.banks:
            raise ValueError("at least one bank")
        return self

    def levers(self, code: str) -> JurisdictionLevers:
        """The levers of jurisdiction ``code``: its own, else the default."""
        return self.jurisdictions.get(code, self.default)

    def with_lever(self, path: str, value: Any) -> Scenario:
        """This scenario with one lever changed, for what-if curves: ``path`` is dotted
        (``wallet_adoption.18-34``, ``jurisdictions.BC.person_issuer.status``, ``banks.0.min_loa``);
        a jurisdiction not listed yet starts from the default. The result is validated again."""
        data = self.model_dump(mode="json")
        keys = path.split(".")
        if keys[0] == "jurisdictions" and len(keys) > 1 and keys[1] not in data["jurisdictions"]:
            data["jurisdictions"][keys[1]] = data["default"]
            data["jurisdictions"] = {**data["jurisdictions"]}
        node: Any = data
        for key in keys[:-1]:
            node = _step(node, key, path)
        last = keys[-1]
        if isinstance(node, list):
            node[_index(node, last, path)] = value
        elif isinstance(node, dict) and last in node:
            node[last] = value
        else:
            raise SandboxError(Reason.BAD_REQUEST, f"no lever {path!r} in scenario {self.name!r}")
        return Scenario.model_validate(data)


def _step(node: Any, key: str, path: str) -> Any:
    if isinstance(node, list):
        return node[_index(node, key, path)]
    if isinstance(node, dict) and key in node:
        return node[key]
    raise SandboxError(Reason.BAD_REQUEST, f"no lever {path!r}")


def _index(node: list[Any], key: str, path: str) -> int:
    if not key.isdigit() or int(key) >= len(node):
        raise SandboxError(Reason.BAD_REQUEST, f"no lever {path!r}")
    return int(key)


@cache
def canada() -> dict[str, Any]:
    """The shipped figures (``simulator/data/canada.toml``), with their sources."""
    return tomllib.loads(resources.files("simulator").joinpath("data/canada.toml").read_text(encoding="utf-8"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (``today``, ``pilot``), or a TOML or YAML file."""
    if str(name_or_path) in SHIPPED:
        text = resources.files("simulator").joinpath(f"scenarios/{name_or_path}.toml").read_text(encoding="utf-8")
        return _parse(text, "toml", str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise SandboxError(
            Reason.BAD_REQUEST, f"no scenario {str(name_or_path)!r}: one of {', '.join(SHIPPED)}, or a .toml/.yaml file"
        )
    kind = "toml" if path.suffix == ".toml" else "yaml" if path.suffix in (".yaml", ".yml") else None
    if kind is None:
        raise SandboxError(Reason.BAD_REQUEST, f"{path}: a scenario file is .toml, .yaml or .yml")
    return _parse(path.read_text(encoding="utf-8"), kind, path.stem)


def _parse(text: str, kind: str, default_name: str) -> Scenario:
    try:
        data = tomllib.loads(text) if kind == "toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise SandboxError(Reason.BAD_REQUEST, f"scenario {default_name!r} is not valid {kind.upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise SandboxError(Reason.BAD_REQUEST, f"scenario {default_name!r} must be a table of levers")
    data.setdefault("name", default_name)
    try:
        return Scenario.model_validate(data)
    except ValueError as exc:
        raise SandboxError(Reason.BAD_REQUEST, f"scenario {default_name!r}: {exc}") from exc
