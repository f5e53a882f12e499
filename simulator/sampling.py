"""Sampling a large population: a stratified sample plan, and the scaling of its counts.

For tens of millions of people the simulator runs real journeys for a sample only. The strata are
jurisdiction x age band: the jurisdiction sets the issuers and registrar a person meets, the age
band the odds of having a wallet, so the outcome varies most between strata and least within one.
Each stratum gets its share of the sample in proportion to its size (at least ``min_per_stratum``
people, so every jurisdiction is seen), and each person sampled in it counts for
``population / sample`` people of it. The digital share is then the stratified estimator, and its
standard error ``sqrt(sum_h W_h^2 (1 - f_h) p_h (1 - p_h) / (n_h - 1))`` with ``W_h`` the
stratum's share of the population, ``f_h`` its sampling fraction and ``p_h`` its digital share.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

from .population import age_weights, jurisdiction_weights, stratum_key
from .scenario import AGE_BANDS
from .tally import Tally

# Every stratum is simulated with at least this many people (all of them when it has fewer), so each
# jurisdiction and age band is seen even in a small sample.
MIN_PER_STRATUM = 10


@dataclass(frozen=True)
class Stratum:
    jurisdiction: str
    age_band: str
    population: int  # people of the population in it
    sample: int  # people simulated for it

    @property
    def key(self) -> str:
        return stratum_key(self.jurisdiction, self.age_band)

    @property
    def weight(self) -> float:
        """How many people each simulated person of this stratum stands for."""
        return self.population / self.sample if self.sample else 0.0


@dataclass(frozen=True)
class SamplePlan:
    """Which people a sampled run simulates: the sample's person ``i`` is the ``k``-th drawn in
    one stratum (:meth:`locate`); partitions cut ``range(size)``."""

    strata: tuple[Stratum, ...]

    @property
    def size(self) -> int:
        return sum(s.sample for s in self.strata)

    @property
    def population(self) -> int:
        return sum(s.population for s in self.strata)

    def locate(self, i: int) -> tuple[Stratum, int]:
        """The stratum of the sample's person ``i``, and their index within it."""
        ends = list(accumulate(s.sample for s in self.strata))
        h = bisect_right(ends, i)
        if not 0 <= i < self.size:
            raise IndexError(i)
        return self.strata[h], i - (ends[h - 1] if h else 0)


def _apportion(total: int, shares: list[float]) -> list[int]:
    """``total`` split in proportion to ``shares``, in whole numbers that add up (largest remainder)."""
    exact = [total * s for s in shares]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan(population: int, sample: int, *, min_per_stratum: int = MIN_PER_STRATUM) -> SamplePlan:
    """A proportional stratified plan of about ``sample`` people for ``population`` people."""
    codes, jweights = jurisdiction_weights()
    aweights = age_weights()
    cells = [(c, b) for c in codes for b in AGE_BANDS]
    shares = [jw * aw for jw in jweights for aw in aweights]
    sizes = _apportion(population, shares)
    taken = _apportion(min(sample, population), shares)
    strata = tuple(
        Stratum(c, b, size, min(size, max(n, min_per_stratum)))
        for (c, b), size, n in zip(cells, sizes, taken, strict=True)
    )
    return SamplePlan(strata)


@dataclass(frozen=True)
class Estimate:
    share: float
    standard_error: float
    by_stratum: dict[str, tuple[float, float]]  # key -> (digital share, its standard error)


def estimate(sample_plan: SamplePlan, tally: Tally) -> Estimate:
    """The digital share a sampled tally estimates for the whole population, with its standard error."""
    total = sample_plan.population
    share = variance = 0.0
    by_stratum: dict[str, tuple[float, float]] = {}
    for s in sample_plan.strata:
        n, digital = tally.strata.get(s.key, [0, 0])
        if not n or not total:
            continue
        p = digital / n
        w = s.population / total
        fpc = 1 - n / s.population if s.population else 0.0
        var_h = fpc * p * (1 - p) / (n - 1) if n > 1 else 0.0
        share += w * p
        variance += w * w * var_h
        by_stratum[s.key] = (p, math.sqrt(var_h))
    return Estimate(share, math.sqrt(variance), by_stratum)
