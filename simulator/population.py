"""The simulated people, each derived from (seed, person index) alone.

A person's every attribute comes from a counter-based random draw: the BLAKE2b hash of the seed,
the index and what is drawn. Nothing depends on the people simulated before, so however the
population is cut into partitions, and whichever worker runs one, person 41 is the same person.
The jurisdiction a person lives in follows the shipped business openings by province and
territory (:func:`simulator.scenario.canada`), the age band the adult population's.
"""

from __future__ import annotations

import hashlib
import struct
from bisect import bisect_right
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from itertools import accumulate

from .scenario import AGE_BANDS, Scenario, canada

# The draws a person is made of, each one 32-bit slot of the person's 64-byte hash.
_DRAWS = (
    "jurisdiction",
    "age_band",
    "age",
    "wallet",
    "tries",
    "evidence",
    "federal",
    "bank",
    "credential_age",
    "revoked",
    "dies",
    "name",
)
_SLOTS = struct.Struct("<16I")
_AGE_RANGES = {"18-34": (18, 35), "35-54": (35, 55), "55-64": (55, 65), "65+": (65, 90)}
_GIVEN = ("Alex", "Sam", "Noor", "Mei", "Jean", "Priya", "Liam", "Chloe", "Omar", "Ana", "Eli", "Maya")
_FAMILY = ("Tremblay", "Singh", "Nguyen", "Martin", "Roy", "Smith", "Gagnon", "Chen", "Wilson", "Cote", "Ali")


@dataclass(frozen=True)
class Person:
    """One simulated founder opening a business account, and what the scenario's odds made of them."""

    index: int
    jurisdiction: str
    age_band: str
    birthdate: str
    given_name: str
    family_name: str
    has_wallet: bool
    tries_online: bool
    full_evidence: bool  # foundational and photo evidence at proofing (LoA 3), else one document (LoA 2)
    federal: bool  # incorporated federally rather than in the home jurisdiction
    bank: int  # index into scenario.banks
    credential_age_days: int  # how long before the opening the Verified Person was issued
    revoked: bool  # the issuer revoked the Verified Person during the period (lost device, fraud)
    dies: bool  # the holder died during the period; vital statistics registered it

    @property
    def stratum(self) -> str:
        return stratum_key(self.jurisdiction, self.age_band)


def stratum_key(jurisdiction: str, age_band: str) -> str:
    return f"{jurisdiction}|{age_band}"


@cache
def jurisdiction_weights() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Jurisdiction codes and the share of business openings in each."""
    rows = canada()["jurisdictions"]
    codes = tuple(rows)
    total = sum(rows[c]["business_openings"] for c in codes)
    return codes, tuple(rows[c]["business_openings"] / total for c in codes)


@cache
def age_weights() -> tuple[float, ...]:
    bands = canada()["age_bands"]
    total = sum(bands[b] for b in AGE_BANDS)
    return tuple(bands[b] / total for b in AGE_BANDS)


def _index(weights: tuple[float, ...], u: float) -> int:
    """The index ``u`` (uniform in [0, 1)) falls on when [0, 1) is cut in proportion to ``weights``."""
    cumulative = list(accumulate(weights))
    return min(bisect_right(cumulative, u * cumulative[-1]), len(weights) - 1)


def _pick(names: tuple[str, ...], weights: tuple[float, ...], u: float) -> str:
    return names[_index(weights, u)]


def draws(seed: int, *key: object) -> dict[str, float]:
    """Uniform numbers in [0, 1), one per draw name, from the hash of ``seed`` and ``key``."""
    digest = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=64).digest()
    slots = _SLOTS.unpack(digest)
    return {name: slots[i] / 2**32 for i, name in enumerate(_DRAWS)}


def person(scenario: Scenario, seed: int, index: int, *, stratum: tuple[str, str] | None = None) -> Person:
    """Person ``index`` of the population, or, given a ``stratum`` (jurisdiction, age band), the
    ``index``-th person drawn in that stratum for a sample."""
    if stratum is None:
        u = draws(seed, "person", index)
        codes, weights = jurisdiction_weights()
        jurisdiction = _pick(codes, weights, u["jurisdiction"])
        age_band = _pick(AGE_BANDS, age_weights(), u["age_band"])
    else:
        u = draws(seed, "sample", *stratum, index)
        jurisdiction, age_band = stratum
    low, high = _AGE_RANGES[age_band]
    age_days = int((low + (high - low) * u["age"]) * 365.25)
    birthdate = (scenario.as_of - timedelta(days=age_days)).isoformat()
    banks = scenario.banks
    name = int(u["name"] * len(_GIVEN) * len(_FAMILY))
    return Person(
        index=index,
        jurisdiction=jurisdiction,
        age_band=age_band,
        birthdate=birthdate,
        given_name=_GIVEN[name % len(_GIVEN)],
        family_name=_FAMILY[name // len(_GIVEN) % len(_FAMILY)],
        has_wallet=u["wallet"] < scenario.wallet_adoption[age_band],
        tries_online=u["tries"] < scenario.tries_online,
        full_evidence=u["evidence"] < scenario.full_evidence,
        federal=u["federal"] < scenario.federal_share,
        bank=_index(tuple(b.share for b in banks), u["bank"]),
        credential_age_days=int(u["credential_age"] * scenario.credential_age_days),
        revoked=u["revoked"] < scenario.revocation_rate,
        dies=u["dies"] < scenario.death_rate,
    )
