"""Running a simulation: the partition plan, where the partitions run, and how they are merged.

The population (or, with ``sample``, the stratified sample standing for it) is cut into
partitions by :func:`plan`, which looks at the number of people alone: never at the number of
workers. Each partition is simulated by :func:`simulator.partition.run_partition` in a sandbox of
its own, on Dask distributed workers (a ``LocalCluster`` of processes by default, or the cluster
whose scheduler ``address`` names); the tallies come back in whatever order the workers finish
them and are added in partition order. Since every person is derived from (seed, person index)
alone and the same partitions are added in the same order, the result is the same, to the last
bit of every float, whatever the number of workers and wherever they run.

Dask rather than Ray: its wheels are pure Python (no large native runtime to install), a local
cluster starts in a couple of seconds on a small machine, and ``Client(address)`` drives a real
cluster through the very same code path.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from functools import reduce
from operator import add
from typing import TYPE_CHECKING, Any

from pctf.reasons import Reason, SandboxError

from . import sampling
from .partition import Partition, run_partition, split
from .tally import Tally

if TYPE_CHECKING:
    from distributed import Client

    from .sampling import SamplePlan
    from .scenario import Scenario

Progress = Callable[[int], None]
"""Called with the number of people just simulated, as they are."""

# A partition builds a sandbox of its own (registry, issuers, bank) before its first person, so it
# should hold enough people for that to be small beside them; and there should be enough partitions
# for the progress bar to move smoothly and for the workers to finish close together.
PARTITION_PEOPLE = 500
MAX_PARTITIONS = 400
MIN_PARTITIONS = 4  # when there are people enough: a short run still gives two workers each a share
MIN_PARTITION_PEOPLE = 50
# How many people a --sample run simulates, about (simulator.sampling gives every stratum a few at
# least): at a 10% digital share, a 95% margin of about 1.3 percentage points.
SAMPLE_PEOPLE = 2_000

IN_PROCESS = "in-process"
LOCAL_CLUSTER = "dask-local-cluster"
CLUSTER = "dask-cluster"


@dataclass(frozen=True)
class Engine:
    """How a run ran: not part of what it found (the same seed gives the same findings on any engine)."""

    kind: str  # IN_PROCESS, LOCAL_CLUSTER or CLUSTER
    workers: int
    partitions: int
    address: str | None = None
    dask: str | None = None  # the distributed version, when it ran on Dask
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "workers": self.workers,
            "partitions": self.partitions,
            "address": self.address,
            "dask": self.dask,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Result:
    """What a simulation found: the merged tally, for this scenario, population and seed."""

    scenario: Scenario
    population: int
    seed: int
    tally: Tally
    engine: Engine
    sample: SamplePlan | None = None


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def plan(people: int) -> list[Partition]:
    """The partitions of ``people``, decided by their number alone, so that the number of workers
    never changes what is added in which order."""
    parts = -(-people // PARTITION_PEOPLE)
    parts = max(parts, min(MIN_PARTITIONS, people // MIN_PARTITION_PEOPLE))
    return split(people, max(1, min(parts, MAX_PARTITIONS)))


def simulate(
    scenario: Scenario,
    *,
    population: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    address: str | None = None,
    sample: bool = False,
    sample_size: int = SAMPLE_PEOPLE,
    progress: Progress | None = None,
) -> Result:
    """Simulate ``population`` people (the scenario's own number when None) under ``scenario``.

    ``workers`` processes on this machine (default: one per core), or the Dask cluster whose
    scheduler is at ``address``. With ``sample``, a stratified sample of about ``sample_size``
    people is simulated and its counts scaled to the population (:mod:`simulator.sampling`).
    ``progress`` hears of the people done as partitions finish (and, in process, every few people)."""
    with Runner(workers=workers, address=address) as runner:
        return runner.run(
            scenario, population=population, seed=seed, sample=sample, sample_size=sample_size, progress=progress
        )


def people_simulated(population: int, *, sample: bool = False, sample_size: int = SAMPLE_PEOPLE) -> int:
    """How many people a run simulates: the population, or the size of its sample."""
    return sampling.plan(population, sample_size).size if sample else population


class Runner:
    """Where simulations run, opened once for several of them (the points of a what-if): the
    local cluster starts when a run first needs it and stops on the way out."""

    def __init__(self, *, workers: int | None = None, address: str | None = None) -> None:
        if workers is not None and workers < 1:
            raise SandboxError(Reason.BAD_REQUEST, f"workers must be 1 or more, not {workers}")
        self.workers = workers or default_workers()
        self.address = address
        self._stack = ExitStack()
        self._client: tuple[Client, str] | None = None

    def __enter__(self) -> Runner:
        if self.address is not None:  # an unreachable cluster is said at once, before any work
            self._connect(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _connect(self, workers: int) -> tuple[Client, str]:
        if self._client is None:
            self._client = self._stack.enter_context(_client(self.address, workers))
        return self._client

    def run(
        self,
        scenario: Scenario,
        *,
        population: int | None = None,
        seed: int = 0,
        sample: bool = False,
        sample_size: int = SAMPLE_PEOPLE,
        progress: Progress | None = None,
    ) -> Result:
        people = scenario.population if population is None else population
        if people < 0:
            raise SandboxError(Reason.BAD_REQUEST, f"the population must be 0 or more, not {people}")
        if seed < 0:
            raise SandboxError(Reason.BAD_REQUEST, f"the seed must be 0 or more, not {seed}")
        if sample and sample_size < 1:
            raise SandboxError(Reason.BAD_REQUEST, f"the sample size must be 1 or more, not {sample_size}")
        sample_plan = sampling.plan(people, sample_size) if sample else None
        partitions = plan(sample_plan.size if sample_plan is not None else people)
        started = time.perf_counter()
        if self.address is None and min(self.workers, len(partitions)) == 1 and self._client is None:
            tallies = [run_partition(scenario, seed, p, sample=sample_plan, progress=progress) for p in partitions]
            engine = Engine(IN_PROCESS, 1, len(partitions))
        else:
            client, kind = self._connect(self.workers)
            tallies = _run_on(client, scenario, seed, partitions, sample_plan, progress)
            engine = Engine(kind, _worker_count(client), len(partitions), self.address, _dask_version())
        tally = reduce(add, tallies, Tally())
        engine = replace(engine, seconds=time.perf_counter() - started)
        return Result(scenario=scenario, population=people, seed=seed, tally=tally, engine=engine, sample=sample_plan)


def _run_on(
    client: Client,
    scenario: Scenario,
    seed: int,
    partitions: list[Partition],
    sample: SamplePlan | None,
    progress: Progress | None,
) -> list[Tally]:
    """Each partition as a task; the tallies back in partition order, whatever order they finish in."""
    from distributed import as_completed

    futures = {
        client.submit(
            run_partition, scenario, seed, p, sample=sample, pure=False, key=f"simulate-{p.index}-{_nonce()}"
        ): p
        for p in partitions
    }
    found: dict[int, Tally] = {}
    try:
        with client.as_current():  # as_completed works with the current client: this one, not a default
            finished = as_completed(futures)
        for future in finished:
            partition = futures[future]
            found[partition.index] = future.result()
            if progress is not None:
                progress(len(partition))
    finally:
        client.cancel(list(futures))
    return [found[p.index] for p in partitions]


def _nonce() -> str:
    return os.urandom(6).hex()


@contextmanager
def _client(address: str | None, workers: int) -> Iterator[tuple[Client, str]]:
    """A client of the cluster at ``address``, or of a local cluster of ``workers`` processes
    (one thread each: a partition is CPU-bound Python), shut down on the way out."""
    from distributed import Client, LocalCluster

    quiet = logging.ERROR
    if address is None:
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                # loopback, any free port: never the default 8787, which another run may hold
                dashboard_address="127.0.0.1:0",
                silence_logs=quiet,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client, LOCAL_CLUSTER
        return
    client = connect(address)
    try:
        yield client, CLUSTER
    finally:
        client.close()


def connect(address: str) -> Client:
    """A client of the Dask scheduler at ``address`` (``tcp://host:8786``), with at least one
    worker: one that does not answer within Dask's connect timeout
    (``distributed.comm.timeouts.connect``, e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s``)
    is ``endpoint_unreachable``; an address that is no address at all, ``bad_request``."""
    import dask
    from distributed import Client

    from_config: Any = dask.config.get("distributed.comm.timeouts.connect")
    seconds = float(dask.utils.parse_timedelta(from_config, default="seconds") or 0)
    logging.getLogger("distributed").setLevel(logging.CRITICAL)  # its retries are ours to report, once
    _probe(address, seconds)
    try:
        client = Client(address, set_as_default=False)
    except ValueError as exc:
        raise SandboxError(Reason.BAD_REQUEST, f"{address!r} is not a Dask scheduler address: {exc}") from exc
    except (OSError, TimeoutError) as exc:
        raise SandboxError(
            Reason.ENDPOINT_UNREACHABLE, f"no Dask scheduler answers at {address} (waited {seconds:g} s)"
        ) from exc
    try:
        client.wait_for_workers(1, timeout=seconds)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise SandboxError(
            Reason.ENDPOINT_UNREACHABLE, f"the Dask scheduler at {address} has no worker (waited {seconds:g} s)"
        ) from exc
    return client


def _probe(address: str, seconds: float) -> None:
    """Knock on a TCP scheduler's port before a client is made: a client that never connects
    is left to the garbage collector, which then waits for it and prints a traceback."""
    import socket

    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        host, port = parse_host_port(location)
    except ValueError as exc:
        raise SandboxError(Reason.BAD_REQUEST, f"{address!r} is not a Dask scheduler address: {exc}") from exc
    if scheme not in ("tcp", "tls"):
        return  # another transport: the client says
    try:
        socket.create_connection((host, int(port)), timeout=seconds or None).close()
    except OSError as exc:
        raise SandboxError(
            Reason.ENDPOINT_UNREACHABLE, f"no Dask scheduler answers at {address} ({exc.strerror or exc})"
        ) from exc


def _worker_count(client: Client) -> int:
    return len(client.nthreads())


def _dask_version() -> str:
    from importlib.metadata import version

    return version("distributed")


__all__ = ["Engine", "Result", "Runner", "connect", "default_workers", "people_simulated", "plan", "simulate"]
