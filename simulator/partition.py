"""One slice of the population, simulated in a process of its own.

``run_partition`` is what a Dask worker runs: a top-level, picklable function that builds its own
in-process sandbox (registry, issuers, bank) in a temporary directory it owns, walks people
``[start, stop)`` through their journeys and returns their :class:`~simulator.tally.Tally`. Every
person is derived from (seed, person index) alone, so where the partition boundaries fall never
changes any result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .tally import Tally

if TYPE_CHECKING:
    from .sampling import SamplePlan
    from .scenario import Scenario


@dataclass(frozen=True)
class Partition:
    """People ``[start, stop)`` of the population (or of the sample, when sampled)."""

    index: int
    start: int
    stop: int

    def __len__(self) -> int:
        return max(0, self.stop - self.start)


def split(total: int, parts: int) -> list[Partition]:
    """``total`` people cut into ``parts`` contiguous partitions of nearly equal size."""
    parts = max(1, min(parts, total)) if total else 1
    size, extra = divmod(total, parts)
    out, start = [], 0
    for index in range(parts):
        stop = start + size + (1 if index < extra else 0)
        out.append(Partition(index, start, stop))
        start = stop
    return out


def run_partition(
    scenario: Scenario,
    seed: int,
    partition: Partition,
    *,
    sample: SamplePlan | None = None,
    progress: Callable[[int], None] | None = None,
) -> Tally:
    """Simulate the people of ``partition`` and tally them.

    Without ``sample`` the people are the population's ``[start, stop)``; with it, they are the
    sample's ``[start, stop)`` (see :class:`~simulator.sampling.SamplePlan`), each counted with its
    stratum's weight. ``progress`` is called with the number of people just finished, every few
    people, so a progress bar can follow."""
    from .journey import Sandbox  # the services load only where a partition runs

    with Sandbox(scenario, seed) as sandbox:
        return sandbox.run(partition, sample=sample, progress=progress)
