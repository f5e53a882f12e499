"""What a set of simulated people came to.

A tally is a sum: partitions are tallied apart (each in a process of its own) and merged by adding,
so adding must be associative and commutative and a tally must travel as plain JSON.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

DIGITAL = "digital"
"""The outcome of an opening the bank completed online; every other outcome is a branch reason."""

_COUNTS = (
    "people",
    "credentials_issued",
    "verifications",
    "revocations",
    "deaths",
    "signatures_made",
    "signatures_verified",
)
_MINUTES = ("minutes_digital", "minutes_branch")


@dataclass
class Tally:
    """What a set of simulated people came to; adding two tallies is merging partitions.

    ``outcomes`` counts the people actually simulated by (jurisdiction code, outcome), the outcome
    being ``"digital"`` or the reason the person went to a branch: a verifier reason code
    (``issuer_unknown``, ``loa_too_low``, ...) or one of the simulator's own for what never reaches
    a verifier (``no_wallet``, ...). ``weights`` has the same keys with the counts scaled to the
    population they stand for: equal to ``outcomes`` unless the run was sampled.
    """

    people: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    weights: Counter[tuple[str, str]] = field(default_factory=Counter)
    credentials_issued: int = 0
    verifications: int = 0
    revocations: int = 0
    deaths: int = 0
    signatures_made: int = 0
    signatures_verified: int = 0
    minutes_digital: float = 0.0
    minutes_branch: float = 0.0
    # Per stratum (see simulator.sampling): key -> [people simulated, of whom digital].
    # Empty unless sampled; the sampling error is computed from it.
    strata: dict[str, list[int]] = field(default_factory=dict)

    def record(self, jurisdiction: str, outcome: str, weight: float = 1.0) -> None:
        """Count one simulated person's outcome, standing for ``weight`` people."""
        self.people += 1
        self.outcomes[(jurisdiction, outcome)] += 1
        # A Counter holds the weights (floats when sampled): merging keeps Counter's semantics.
        self.weights[(jurisdiction, outcome)] += weight  # type: ignore[assignment]

    def __add__(self, other: Tally) -> Tally:
        if not isinstance(other, Tally):
            return NotImplemented
        merged = Tally(
            outcomes=self.outcomes + other.outcomes,
            weights=_add_counters(self.weights, other.weights),
        )
        for name in (*_COUNTS, *_MINUTES):
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        strata = {key: list(value) for key, value in self.strata.items()}
        for key, (n, digital) in other.strata.items():
            seen = strata.setdefault(key, [0, 0])
            seen[0] += n
            seen[1] += digital
        merged.strata = dict(sorted(strata.items()))
        return merged

    def __radd__(self, other: object) -> Tally:
        """Let ``sum(tallies)`` work (it starts from 0)."""
        if other == 0:
            return self + Tally()
        return NotImplemented

    # --- reading ---------------------------------------------------------------------------

    @property
    def total(self) -> float:
        """The people the tally stands for (scaled when sampled)."""
        return float(sum(self.weights.values()))

    @property
    def digital(self) -> float:
        return float(sum(w for (_, outcome), w in self.weights.items() if outcome == DIGITAL))

    @property
    def digital_share(self) -> float:
        total = self.total
        return self.digital / total if total else 0.0

    def by_jurisdiction(self) -> dict[str, dict[str, float]]:
        """jurisdiction -> outcome -> scaled count."""
        table: dict[str, dict[str, float]] = {}
        for (jurisdiction, outcome), weight in sorted(self.weights.items()):
            table.setdefault(jurisdiction, {})[outcome] = float(weight)
        return table

    def branch_reasons(self) -> dict[str, float]:
        """reason -> scaled count, every jurisdiction together, largest first."""
        reasons: Counter[str] = Counter()
        for (_, outcome), weight in self.weights.items():
            if outcome != DIGITAL:
                reasons[outcome] += weight
        return {reason: float(count) for reason, count in reasons.most_common()}

    # --- JSON ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and canonical: keys sorted, so equal tallies serialize equally."""
        out: dict[str, Any] = {name: getattr(self, name) for name in (*_COUNTS, *_MINUTES)}
        out["outcomes"] = _nest(self.outcomes)
        out["weights"] = _nest(self.weights)
        out["strata"] = {key: list(value) for key, value in sorted(self.strata.items())}
        return dict(sorted(out.items()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        tally = cls()
        for name in _COUNTS:
            setattr(tally, name, int(data.get(name, 0)))
        for name in _MINUTES:
            setattr(tally, name, float(data.get(name, 0.0)))
        tally.outcomes = Counter(_flat(data.get("outcomes", {}), int))
        tally.weights = Counter(_flat(data.get("weights", {}), float))
        tally.strata = {key: [int(v) for v in value] for key, value in data.get("strata", {}).items()}
        return tally


def _add_counters(a: Counter[tuple[str, str]], b: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """Add keeping every key (Counter's ``+`` drops zero and negative counts)."""
    merged: Counter[tuple[str, str]] = Counter(a)
    for key, value in b.items():
        merged[key] += value
    return merged


def _nest(counter: Counter[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    nested: dict[str, dict[str, Any]] = {}
    for (jurisdiction, outcome), value in sorted(counter.items()):
        nested.setdefault(jurisdiction, {})[outcome] = value
    return nested


def _flat(nested: dict[str, dict[str, Any]], kind: type) -> dict[tuple[str, str], Any]:
    return {
        (jurisdiction, outcome): kind(value)
        for jurisdiction, outcomes in nested.items()
        for outcome, value in outcomes.items()
    }


__all__ = ["DIGITAL", "Tally"]
