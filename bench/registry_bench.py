"""How fast does the trust registry answer TRQP queries, and how big and slow is its snapshot at scale?

What is measured
----------------
1. **Authorization queries over HTTP.** A real registry server process is started with
   ``pctf-sandbox serve registry --host 127.0.0.1 --port N`` (uvicorn, one process, SQLite in WAL
   mode in a throw-away ``PCTF_DATA_DIR``). Before it starts, its store is seeded through the
   ``RegistryService`` API with the 5 sandbox issuers (``cli.stack.bootstrap``, grants
   dating from three years ago) and ``--issuers`` synthetic issuers, each with one P-256 key,
   1 to 3 authorizations with assorted validity windows, and on some a history of decisions
   (an entity suspension later lifted, a current suspension, a suspended authorization, a
   retroactive revocation). Timed, in interleaved batches of about ``--seconds`` each
   (authorization, health, in-process, authorization, health, ...):

   * ``POST /registry/authorization``: ToIP TRQP v2 queries cycling through a pool of
     ``--queries`` distinct questions (random entity, resource spelled as ``vct`` or type name,
     ``context.time`` anywhere in the last three years, sometimes ``context.assurance_level``),
     including unknown entities and resources the entity was never granted. Every answer is
     checked inside the timed loop (HTTP 200, the echoed ``entity_id``/``resource``/
     ``time_requested``, and ``authorized`` and ``status`` equal to what the seeded history
     implies, computed here by an independent model of the seeding, not by ``registry.rules``),
     and the whole pool is checked once before timing, so an error can never pass for throughput.
   * ``GET /registry/health``: the same server, the same connection, a route with no work
     behind it. It is the floor of this stack (client, loopback TCP, h11, Starlette/FastAPI
     routing, the thread pool, uvicorn's access log): the ratio authorization / health says how
     much of the request cost is the registry's own work. 100 % would mean the query is free.
   * ``in-process``: ``RegistryService.authorization_query`` on the same store called directly
     in the benchmark process (no HTTP): the registry's own work per query, for the breakdown.

   Each client thread (``--concurrency``, default 1) keeps one ``httpx.Client`` keep-alive
   connection; bodies are pre-encoded JSON. The client runs on the same machine as the server,
   so its CPU time competes with the server's: absolute rates are lower than a remote client
   would see, the health floor included, which is why the ratio is the figure to compare.
   The paired-batch line divides each authorization batch by the health batch right after it.

2. **The signed snapshot with ``--entities`` entities** (default 10,000). A second store is
   filled with that many issuer entities (one P-256 key each, 1 or 2 authorizations, and the
   same mix of status events as above). The first ``--api-seeded`` (one full period of the
   pattern) go through the service API one by one, which also gives the per-entity cost of
   seeding that way; the rest are inserted in bulk through SQLModel sessions with the
   registry's own tables (``registry.models``), with the same rows the API would have written
   except the audit log, which the snapshot does not contain. Before timing, each bulk record is
   compared with the API record of the same pattern (same members, types, statuses, counts),
   and a sample of answers from the verified snapshot is compared with the registry's own.
   Then, ``--reps`` times: assemble the records (``service.entities()``, what
   ``GET /registry/trust-list`` does first), sign them (``sign_trust_list``: JSON, base64url,
   one ES256 signature), and verify and parse the token as a verifier does
   (``verify_trust_list``). Sizes: the compact JWS in bytes, gzip-compressed (level 6) for
   reference (HTTP compression is not configured on the registry), and the payload JSON.

Methodology notes: medians over batches or repetitions, with min..max; ``gc.collect()`` before
every batch or step. The machine's other load moves absolute figures (the load average is
printed); the interleaving keeps the ratio honest. The server logs every request at INFO
(``serve`` fixes the log level): that cost is in both the authorization and the health figures.

Run:  . .venv/bin/activate && python bench/registry_bench.py
      python bench/registry_bench.py --quick                    # small store, short batches
      python bench/registry_bench.py --concurrency 4 --skip-snapshot
      python bench/registry_bench.py --profile                  # cProfile of the in-process query
      python bench/registry_bench.py --json
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from profiling import profile_calls
from sqlalchemy import func, insert
from sqlmodel import Session, select

from cli.stack import bootstrap, free_port
from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.clock import FrozenClock, SystemClock
from pctf.jose import b64u_decode, generate_key
from pctf.settings import Settings
from pctf.storage import dispose_all
from pctf.trqp import iso_z
from pctf.vocab import CREDENTIAL_TYPES
from registry.models import Authorization, Entity, StatusEvent
from registry.service import RegistryService
from registry.trust_list import SnapshotTrust, sign_trust_list, verify_trust_list

EXE = str(Path(sys.executable).with_name("pctf-sandbox"))
GOVERNANCE_TOKEN = "bench-governance-token"
TYPE_NAMES = tuple(CREDENTIAL_TYPES)
JURISDICTIONS = ("ON", "QC", "BC", "AB", "MB", "SK", "NS", "NB", "NL", "PE", "YT", "NT", "NU")
PERIOD = 20  # the pattern of decisions repeats every PERIOD synthetic issuers (see synthetic_spec)
REASON = "bench: governance decision"


# -- what is seeded, and what the registry must answer about it ---------------------------------
@dataclass
class Grant:
    vct: str
    loa: int
    valid_from: datetime
    valid_until: datetime | None = None
    suspended_from: datetime | None = None  # an authorization-level suspension, never lifted


@dataclass
class IssuerSpec:
    entity_id: str
    name: str
    jurisdiction: str
    jwk: dict | None
    grants: list[Grant]
    suspensions: list[tuple[datetime, datetime | None]] = field(default_factory=list)  # (from, lifted at | None)
    revoked_at: datetime | None = None  # a retroactive revocation

    def expected(self, vct: str | None, at: datetime, loa: int | None) -> str:
        """The TRQP ``status`` the registry must give, by the plain meaning of what was seeded."""
        if self.revoked_at is not None:
            return "revoked"  # retroactive and in force: covers every time asked about
        if any(start <= at and (end is None or at < end) for start, end in self.suspensions):
            return "suspended"
        grant = next((g for g in self.grants if g.vct == vct), None)
        if grant is None:
            return "not_found"
        if grant.suspended_from is not None and at >= grant.suspended_from:
            return "suspended"
        if at < grant.valid_from:
            return "not_yet_valid"
        if grant.valid_until is not None and at >= grant.valid_until:
            return "expired"
        if loa is not None and grant.loa < loa:
            return "loa_exceeded"
        return "active"


def synthetic_spec(i: int, now: datetime, max_grants: int, rng: random.Random) -> IssuerSpec:
    """Synthetic issuer ``i``. Its decisions follow ``i % PERIOD``: 3 a suspension later lifted,
    15 a current suspension, 7 a suspended authorization, 11 a retroactive revocation, 5 an
    authorization that expired, 9 one that ends next year; the others are plainly active."""
    pattern = i % PERIOD
    base = now - timedelta(days=3 * 365)
    day = timedelta(days=1)
    grants = []
    for k, type_name in enumerate(rng.sample(TYPE_NAMES, 1 + i % max_grants)):
        start = base + rng.randrange(365) * day + timedelta(seconds=rng.randrange(86400))
        grant = Grant(CREDENTIAL_TYPES[type_name].vct, rng.choice((2, 3)), start)
        if k == 0 and pattern == 5:
            grant.valid_until = start + 365 * day
        elif k == 0 and pattern == 9:
            grant.valid_until = now + 365 * day
        elif k == 0 and pattern == 7:
            grant.suspended_from = base + (600 + rng.randrange(200)) * day
        grants.append(grant)
    spec = IssuerSpec(
        entity_id=f"https://issuer{i:05d}.bench.example/issuers/i{i}",
        name=f"Synthetic Issuer {i:05d}",
        jurisdiction=JURISDICTIONS[i % len(JURISDICTIONS)],
        jwk=None,
        grants=grants,
    )
    if pattern == 3:
        start = base + (450 + rng.randrange(200)) * day
        spec.suspensions = [(start, start + rng.randrange(30, 90) * day)]
    elif pattern == 15:
        spec.suspensions = [(now - rng.randrange(10, 60) * day, None)]
    elif pattern == 11:
        spec.revoked_at = base + (700 + rng.randrange(200)) * day
    return spec


def with_keys(specs: list[IssuerSpec]) -> list[IssuerSpec]:
    for spec in specs:
        spec.jwk = generate_key().public_jwk  # kid (RFC 7638 thumbprint), alg, use: as validate_jwks keeps it
    return specs


def seed_via_api(service: RegistryService, spec: IssuerSpec) -> None:
    """One issuer through the governance API, one write (and one audit entry) at a time."""
    service.upsert_entity(
        spec.entity_id, name=spec.name, jurisdiction=spec.jurisdiction, role="issuer", jwks={"keys": [spec.jwk]}
    )
    for g in spec.grants:
        auth = service.authorize(
            spec.entity_id,
            action="issue",
            resource=g.vct,
            assurance_level=g.loa,
            valid_from=g.valid_from,
            valid_until=g.valid_until,
        )
        if g.suspended_from is not None:
            service.set_authorization_status(auth["id"], "suspended", effective_from=g.suspended_from, reason=REASON)
    for start, end in spec.suspensions:
        service.set_entity_status(spec.entity_id, "suspended", effective_from=start, reason=REASON)
        if end is not None:
            service.set_entity_status(spec.entity_id, "active", effective_from=end)
    if spec.revoked_at is not None:
        service.set_entity_status(spec.entity_id, "revoked", effective_from=spec.revoked_at, reason=REASON)


def seed_bulk(service: RegistryService, specs: list[IssuerSpec], recorded_at: datetime) -> dict[str, int]:
    """The rows :func:`seed_via_api` would write (audit log aside), in three bulk INSERTs."""
    entities, auths, events = [], [], []
    with Session(service.db) as session:
        next_auth = (session.exec(select(func.max(Authorization.id))).one() or 0) + 1
        next_event = (session.exec(select(func.max(StatusEvent.id))).one() or 0) + 1

        def event(entity_id: str, auth_id: int | None, status: str, start: datetime, retroactive: bool) -> None:
            nonlocal next_event
            events.append(
                {
                    "id": next_event,
                    "entity_id": entity_id,
                    "authorization_id": auth_id,
                    "status": status,
                    "effective_from": start,
                    "retroactive": retroactive,
                    "reason": "" if status == "active" else REASON,
                    "recorded_at": recorded_at,
                }
            )
            next_event += 1

        for spec in specs:
            status = (
                "revoked"
                if spec.revoked_at
                else "suspended"
                if spec.suspensions and spec.suspensions[-1][1] is None
                else "active"
            )
            entities.append(
                {
                    "entity_id": spec.entity_id,
                    "name": spec.name,
                    "jurisdiction": spec.jurisdiction,
                    "role": "issuer",
                    "jwks": {"keys": [spec.jwk]},
                    "status": status,
                    "created_at": recorded_at,
                    "updated_at": recorded_at,
                }
            )
            for g in spec.grants:
                auths.append(
                    {
                        "id": next_auth,
                        "entity_id": spec.entity_id,
                        "action": "issue",
                        "resource": g.vct,
                        "assurance_level": g.loa,
                        "framework_id": service.authority_id,
                        "valid_from": g.valid_from,
                        "valid_until": g.valid_until,
                        "status": "suspended" if g.suspended_from else "active",
                        "created_at": recorded_at,
                    }
                )
                if g.suspended_from is not None:
                    event(spec.entity_id, next_auth, "suspended", g.suspended_from, False)
                next_auth += 1
            for start, end in spec.suspensions:
                event(spec.entity_id, None, "suspended", start, False)
                if end is not None:
                    event(spec.entity_id, None, "active", end, False)
            if spec.revoked_at is not None:
                event(spec.entity_id, None, "revoked", spec.revoked_at, True)
        session.execute(insert(Entity), entities)
        session.execute(insert(Authorization), auths)
        if events:
            session.execute(insert(StatusEvent), events)
        session.commit()
    return {"entities": len(entities), "authorizations": len(auths), "status_events": len(events)}


def shape(value: object) -> object:
    """A record's structure: members, value types, statuses and flags; not ids, names, keys or dates."""
    if isinstance(value, dict):
        return {k: (v if k in ("status", "retroactive", "action", "role") else shape(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


def store_counts(service: RegistryService) -> dict[str, int]:
    with Session(service.db) as session:
        return {
            name: session.exec(select(func.count()).select_from(model)).one()
            for name, model in (("entities", Entity), ("authorizations", Authorization), ("status_events", StatusEvent))
        }


def make_settings(data_dir: Path, registry_url: str) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=None,
        governance_token=GOVERNANCE_TOKEN,
        public_url=None,
        registry_url=registry_url,
        issuers_url=registry_url,
        verifier_url=None,
        wallet_url=None,
        registry_anchor_jwks=None,
    )


# -- the query pool -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    body: bytes
    entity_id: str
    resource: str
    time: str
    authorized: bool
    status: str
    as_dict: dict


def make_queries(
    specs: list[IssuerSpec], sandbox: list[IssuerSpec], authority_id: str, now: datetime, n: int, rng: random.Random
) -> list[Query]:
    """``n`` distinct questions: 5 % unknown entities, 15 % sandbox issuers, the rest synthetic ones;
    mostly a resource the entity holds (or held), sometimes one it never had."""
    earliest = now - timedelta(days=3 * 365 + 60)
    span = int((now - timedelta(minutes=5) - earliest).total_seconds())
    queries = []
    for _ in range(n):
        draw = rng.random()
        spec = None if draw < 0.05 else rng.choice(sandbox) if draw < 0.20 else rng.choice(specs)
        entity_id = f"https://unknown{rng.randrange(10**6)}.bench.example/issuers/x" if spec is None else spec.entity_id
        if spec is not None and rng.random() < 0.85:
            vct = rng.choice(spec.grants).vct
        else:
            vct = CREDENTIAL_TYPES[rng.choice(TYPE_NAMES)].vct
        name = next(t for t in TYPE_NAMES if CREDENTIAL_TYPES[t].vct == vct)
        resource = name if rng.random() < 0.3 else vct
        at = earliest + timedelta(seconds=rng.randrange(span))
        loa = rng.choice((1, 2, 3, 4)) if rng.random() < 0.3 else None
        context = {"time": iso_z(at)}
        if loa is not None:
            context["assurance_level"] = loa
        body = {
            "entity_id": entity_id,
            "authority_id": authority_id,
            "action": "issue",
            "resource": resource,
            "context": context,
        }
        status = "unknown_entity" if spec is None else spec.expected(vct, at, loa)
        queries.append(
            Query(
                json.dumps(body, separators=(",", ":")).encode(),
                entity_id,
                resource,
                context["time"],
                status == "active",
                status,
                body,
            )
        )
    return queries


class WrongAnswer(AssertionError):
    pass


def check_answer(q: Query, answer: object) -> None:
    if (
        not isinstance(answer, dict)
        or answer.get("authorized") is not q.authorized
        or answer.get("status") != q.status
        or answer.get("entity_id") != q.entity_id
        or answer.get("resource") != q.resource
        or answer.get("time_requested") != q.time
        or not answer.get("time_evaluated")
    ):
        raise WrongAnswer(
            f"query {q.as_dict} expected authorized={q.authorized} status={q.status}, got {json.dumps(answer)[:600]}"
        )


# -- the server and its load ----------------------------------------------------------------------
class RegistryServer:
    """``pctf-sandbox serve registry`` as a child process, its log in the data directory."""

    def __init__(self, settings: Settings, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
        env.update(
            {
                "PCTF_DATA_DIR": str(settings.data_dir),
                "PCTF_REGISTRY_URL": settings.registry_url,
                "PCTF_ISSUERS_URL": settings.issuers_url,
                "PCTF_GOVERNANCE_TOKEN": GOVERNANCE_TOKEN,
            }
        )
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = settings.data_dir / "server.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 (the server process writes to it until stop())
        self.proc = subprocess.Popen(
            [EXE, "serve", "registry", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        with httpx.Client(timeout=5) as http:
            while True:
                try:
                    if http.get(self.url + "/registry/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the registry did not start:\n{self.log_path.read_text()[-3000:]}")
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class HttpLoad:
    """Batches of requests from ``concurrency`` threads, each with its own keep-alive client."""

    def __init__(self, url: str, queries: list[Query], concurrency: int) -> None:
        self.url, self.queries, self.concurrency = url, queries, concurrency
        self.local = threading.local()
        self.clients: list[httpx.Client] = []
        self.lock = threading.Lock()
        self.cursor = 0
        self.pool = ThreadPoolExecutor(concurrency) if concurrency > 1 else None

    def client(self) -> httpx.Client:
        found = getattr(self.local, "client", None)
        if found is None:
            found = self.local.client = httpx.Client(
                base_url=self.url, timeout=30, headers={"content-type": "application/json"}
            )
            with self.lock:
                self.clients.append(found)
        return found

    def _authorizations(self, start: int, count: int) -> None:
        http, queries, stride = self.client(), self.queries, self.concurrency
        for k in range(count):
            q = queries[(start + k * stride) % len(queries)]
            r = http.post("/registry/authorization", content=q.body)
            if r.status_code != 200:
                raise WrongAnswer(f"HTTP {r.status_code} for {q.as_dict}: {r.text[:300]}")
            check_answer(q, json.loads(r.content))

    def _health(self, _start: int, count: int) -> None:
        http = self.client()
        for _ in range(count):
            r = http.get("/registry/health")
            if r.status_code != 200 or r.content != b'{"status":"ok"}':
                raise WrongAnswer(f"health answered HTTP {r.status_code}: {r.text[:300]}")

    def batch(self, kind: str, n: int) -> float:
        """Run ``n`` requests of ``kind`` spread over the threads; requests per second."""
        work = self._authorizations if kind == "authorization" else self._health
        c = self.concurrency
        start = self.cursor
        self.cursor += n
        shares = [n // c + (1 if w < n % c else 0) for w in range(c)]
        t0 = time.perf_counter()
        if self.pool is None:
            work(start, n)
        else:
            for f in [self.pool.submit(work, start + w, shares[w]) for w in range(c)]:
                f.result()
        return n / (time.perf_counter() - t0)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        for c in self.clients:
            c.close()


def calibrate(batch: Callable[[int], float], seconds: float, first: int = 8) -> int:
    """Warm up, then a batch size that takes about ``seconds``."""
    batch(first)
    n = first
    while True:
        t0 = time.perf_counter()
        batch(n)
        elapsed = time.perf_counter() - t0
        if elapsed >= 0.15:
            return max(1, round(n * seconds / elapsed))
        n *= 2


def interleaved(batches: dict[str, Callable[[int], float]], rounds: int, seconds: float) -> dict[str, dict]:
    sizes = {name: calibrate(fn, seconds) for name, fn in batches.items()}
    for name, fn in batches.items():  # one discarded round at full size
        fn(sizes[name])
    rates: dict[str, list[float]] = {name: [] for name in batches}
    for _ in range(rounds):
        for name, fn in batches.items():
            gc.collect()
            rates[name].append(fn(sizes[name]))
    return {
        name: {
            "median_per_s": statistics.median(r),
            "min_per_s": min(r),
            "max_per_s": max(r),
            "batch_size": sizes[name],
            "rates": r,
        }
        for name, r in rates.items()
    }


# -- part 1 -------------------------------------------------------------------------------------
def http_part(root: Path, args: argparse.Namespace, rng: random.Random) -> dict:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(root / "http", url)
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    bootstrap(settings, FrozenClock(now - timedelta(days=3 * 365)))  # sandbox grants date from then
    service = RegistryService(settings, FrozenClock(now))
    specs = with_keys([synthetic_spec(i, now, 3, rng) for i in range(args.issuers)])
    for spec in specs:
        seed_via_api(service, spec)
    seed_s = time.perf_counter() - t0
    sandbox = [
        IssuerSpec(
            settings.issuer_id(j.short_id),
            j.name_en,
            j.jurisdiction,
            None,
            [Grant(CREDENTIAL_TYPES[t].vct, loa, now - timedelta(days=3 * 365)) for t, loa in j.grants],
        )
        for j in SANDBOX_ISSUERS.values()
    ]
    counts = store_counts(service)
    queries = make_queries(specs, sandbox, service.authority_id, now, args.queries, rng)
    by_status: dict[str, int] = {}
    for q in queries:
        by_status[q.status] = by_status.get(q.status, 0) + 1
    live = RegistryService(settings, SystemClock())  # the in-process twin of the server's service

    cursor = 0

    def in_process(n: int) -> float:
        nonlocal cursor
        start, cursor = cursor, cursor + n
        t = time.perf_counter()
        for k in range(n):
            q = queries[(start + k) % len(queries)]
            check_answer(q, live.authorization_query(q.as_dict))
        return n / (time.perf_counter() - t)

    server = RegistryServer(settings, port)
    load = HttpLoad(url, queries, args.concurrency)
    try:
        t1 = time.perf_counter()
        load.batch("authorization", len(queries))  # every question answered right once, before timing
        check_s = time.perf_counter() - t1
        in_process(len(queries))
        res = interleaved(
            {
                "authorization": lambda n: load.batch("authorization", n),
                "health": lambda n: load.batch("health", n),
                "in_process": in_process,
            },
            args.batches,
            args.seconds,
        )
        if server.proc.poll() is not None:
            raise RuntimeError("the registry server died during the run")
    finally:
        load.close()
        server.stop()
    prof = None
    if args.profile:
        prof = profile_calls(
            lambda it=iter(queries * 4): live.authorization_query(next(it).as_dict),  # noqa: B008 (one iterator on purpose)
            min(len(queries) * 4, 2000),
            args.top,
        )
    auth, health, inproc = res["authorization"], res["health"], res["in_process"]
    paired = sorted(a / h for a, h in zip(auth["rates"], health["rates"], strict=True))
    return {
        "server": f"pctf-sandbox serve registry on {url}",
        "seeding_s": seed_s,
        "synthetic_issuers": len(specs),
        "sandbox_issuers": len(sandbox),
        "store": counts,
        "queries": len(queries),
        "expected_status_counts": dict(sorted(by_status.items(), key=lambda p: -p[1])),
        "pool_check_s": check_s,
        "concurrency": args.concurrency,
        "authorization": auth,
        "health": health,
        "in_process": inproc,
        "ratio": auth["median_per_s"] / health["median_per_s"],
        "ratio_paired_median": statistics.median(paired),
        "ratio_paired_range": [paired[0], paired[-1]],
        "profile": prof,
    }


# -- part 2 -------------------------------------------------------------------------------------
def snapshot_part(root: Path, args: argparse.Namespace, rng: random.Random) -> dict:
    settings = make_settings(root / "snapshot", "https://registry.bench.example")
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FrozenClock(now)
    service = RegistryService(settings, clock)
    n_api = min(args.api_seeded, args.entities)
    t0 = time.perf_counter()
    specs = with_keys([synthetic_spec(i, now, 2, rng) for i in range(args.entities)])
    keys_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for spec in specs[:n_api]:
        seed_via_api(service, spec)
    api_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bulk = seed_bulk(service, specs[n_api:], now) if args.entities > n_api else {}
    bulk_s = time.perf_counter() - t0
    counts = store_counts(service)
    assert counts["entities"] == args.entities, counts

    # Bulk rows must make the same records as the API: compare each pattern's API record with a bulk one.
    by_id = {e["entity_id"]: e for e in service.entities()}
    compared = 0
    for i in range(n_api):
        j = i + PERIOD * ((n_api - i + PERIOD - 1) // PERIOD)
        if j < args.entities:
            api_rec, bulk_rec = by_id[specs[i].entity_id], by_id[specs[j].entity_id]
            assert shape(api_rec) == shape(bulk_rec), (api_rec, bulk_rec)
            compared += 1
    del by_id

    recognitions = service.recognitions()
    key = service.signing_key()
    anchor = service.jwks()
    lifetime = timedelta(seconds=settings.trust_list_lifetime_seconds)
    steps: dict[str, list[float]] = {"assemble": [], "sign": [], "verify": []}
    token = snapshot = None
    for _ in range(args.reps):
        gc.collect()
        t = time.perf_counter()
        records = service.entities()
        steps["assemble"].append(time.perf_counter() - t)
        gc.collect()
        t = time.perf_counter()
        token = sign_trust_list(
            key,
            authority_id=service.authority_id,
            entities=records,
            recognitions=recognitions,
            issued_at=clock.now(),
            lifetime=lifetime,
        )
        steps["sign"].append(time.perf_counter() - t)
        del records
        snapshot = None
        gc.collect()
        t = time.perf_counter()
        snapshot = verify_trust_list(token, anchor, authority_id=service.authority_id)
        steps["verify"].append(time.perf_counter() - t)
    assert len(snapshot.entities) == args.entities

    # The verified snapshot answers as the registry does (a sample; the time of evaluation aside).
    trust = SnapshotTrust(snapshot, clock)
    sample = rng.sample(specs, min(200, len(specs)))
    for spec in sample:
        at = now - timedelta(seconds=rng.randrange(3 * 365 * 86400))
        vct = rng.choice(spec.grants).vct
        live = service.authorization_query(
            {
                "entity_id": spec.entity_id,
                "authority_id": service.authority_id,
                "action": "issue",
                "resource": vct,
                "context": {"time": iso_z(at)},
            }
        )
        offline = trust.authorization(spec.entity_id, "issue", vct, at=at)
        assert (offline.authorized, offline.status) == (live["authorized"], live["status"]), (spec, live, offline)
        assert live["status"] == spec.expected(vct, at, None), (spec, live)

    raw = token.encode("ascii")
    payload_json = b64u_decode(token.split(".")[1])
    prof = profile_calls(service.entities, 1, args.top) if args.profile else None

    def summary(values: list[float]) -> dict:
        return {"median_s": statistics.median(values), "min_s": min(values), "max_s": max(values), "runs": values}

    return {
        "entities": args.entities,
        "store": counts,
        "recognitions": len(recognitions),
        "seeding": {
            "keys_s": keys_s,
            "api_entities": n_api,
            "api_s": api_s,
            "api_s_per_entity": api_s / n_api if n_api else None,
            "bulk_entities": bulk.get("entities", 0),
            "bulk_s": bulk_s,
        },
        "shape_checks": compared,
        "answer_checks": len(sample),
        "assemble": summary(steps["assemble"]),
        "sign": summary(steps["sign"]),
        "verify": summary(steps["verify"]),
        "token_bytes": len(raw),
        "token_gzip_bytes": len(gzip.compress(raw, 6)),
        "payload_json_bytes": len(payload_json),
        "payload_json_gzip_bytes": len(gzip.compress(payload_json, 6)),
        "reps": args.reps,
        "profile": prof,
    }


# -- output -------------------------------------------------------------------------------------
def _mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def print_http(h: dict, args: argparse.Namespace) -> None:
    s = h["store"]
    print("1. TRQP authorization queries over HTTP")
    print(f"   server : {h['server']} (uvicorn, one process; SQLite WAL in a temporary PCTF_DATA_DIR)")
    print(
        f"   store  : {h['sandbox_issuers']} sandbox issuers + {h['synthetic_issuers']} synthetic = "
        f"{s['entities']} entities, {s['authorizations']} authorizations, {s['status_events']} status events "
        f"(seeded through the service API in {h['seeding_s']:.1f} s)"
    )
    counts = ", ".join(f"{k} {v}" for k, v in h["expected_status_counts"].items())
    print(f"   queries: {h['queries']} distinct, cycled; expected answers: {counts}")
    print(f"            all checked before timing ({h['pool_check_s']:.1f} s) and every answer checked while timed")
    print(
        f"   client : {h['concurrency']} thread(s), one keep-alive httpx.Client each; "
        f"median of {args.batches} interleaved batches of ~{args.seconds:g} s"
    )
    print()
    print(f"   {'request':34s} {'median/s':>9s} {'min..max /s':>17s} {'us each':>9s} {'batch':>7s}")
    for name, label in (
        ("authorization", "POST /registry/authorization"),
        ("health", "GET  /registry/health"),
        ("in_process", "in-process authorization_query"),
    ):
        r = h[name]
        rng_txt = f"{r['min_per_s']:.0f}..{r['max_per_s']:.0f}"
        print(
            f"   {label:34s} {r['median_per_s']:9.1f} {rng_txt:>17s} {1e6 / r['median_per_s']:9.0f} "
            f"{r['batch_size']:7d}"
        )
    print()
    lo, hi = h["ratio_paired_range"]
    print(
        f"   ratio authorization / health : {h['ratio'] * 100:.1f} %   (paired batches: median "
        f"{h['ratio_paired_median'] * 100:.1f} %, range {lo * 100:.1f}..{hi * 100:.1f} %)"
    )
    per_auth, per_health = 1e6 / h["authorization"]["median_per_s"], 1e6 / h["health"]["median_per_s"]
    per_service = 1e6 / h["in_process"]["median_per_s"]
    print(
        f"   per request: floor (health) {per_health:.0f} us; an authorization query adds "
        f"{per_auth - per_health:.0f} us, of which {per_service:.0f} us is the service call measured in-process"
        + (f" (with {h['concurrency']} threads: inverse throughputs, not latencies)" if h["concurrency"] > 1 else "")
    )
    if h["ratio"] < 0.3:
        print("   NOTE: below 30 %: the query costs several health requests; --profile shows where the time goes")
    if h.get("profile"):
        print()
        print("   cProfile of RegistryService.authorization_query (in-process, same store):")
        print(h["profile"])


def print_snapshot(p: dict) -> None:
    s, seed = p["store"], p["seeding"]
    n = p["entities"]
    print(f"2. Signed trust-list snapshot with {n:,} entities")
    print(
        f"   store  : {s['entities']:,} issuer entities (one P-256 key each), {s['authorizations']:,} authorizations, "
        f"{s['status_events']:,} status events, {p['recognitions']} recognitions"
    )
    if seed["api_entities"]:
        per = seed["api_s_per_entity"]
        print(
            f"   seeding: keys {seed['keys_s']:.1f} s; {seed['api_entities']} entities through the service API in "
            f"{seed['api_s']:.2f} s ({per * 1e3:.1f} ms each, ~{per * n / 60:.1f} min for {n:,} one by one); "
            f"{seed['bulk_entities']:,} in bulk (SQLModel session, registry.models) in {seed['bulk_s']:.2f} s"
        )
    print(
        f"   checks : {p['shape_checks']} bulk records have the shape of their API twin; "
        f"{p['answer_checks']} snapshot answers match the registry's"
    )
    print()
    print(f"   {'step (median of ' + str(p['reps']) + ')':44s} {'median':>9s} {'min..max':>17s} {'us/entity':>10s}")
    for key, label in (
        ("assemble", "assemble records  service.entities()"),
        ("sign", "sign              sign_trust_list"),
        ("verify", "verify + parse    verify_trust_list"),
    ):
        r = p[key]
        rng_txt = f"{r['min_s']:.3f}..{r['max_s']:.3f} s"
        print(f"   {label:44s} {r['median_s']:7.3f} s {rng_txt:>17s} {r['median_s'] * 1e6 / n:10.1f}")
    total = p["assemble"]["median_s"] + p["sign"]["median_s"]
    print(f"   {'=> GET /registry/trust-list work (assemble+sign)':44s} {total:7.3f} s")
    print()
    tb, gz = p["token_bytes"], p["token_gzip_bytes"]
    print(f"   size   : signed token {_mb(tb)} ({tb / n:,.0f} B/entity); gzip -6 {_mb(gz)} ({tb / gz:.1f}x smaller)")
    pj, pjgz = p["payload_json_bytes"], p["payload_json_gzip_bytes"]
    print(
        f"            payload JSON {_mb(pj)} (gzip {_mb(pjgz)}): the base64url encoding makes the token "
        f"{tb / pj:.2f}x the JSON, {gz / pjgz:.2f}x once both are gzipped"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smaller and shorter: 40 issuers, 3 batches of 0.3 s, 1,000 entities, 2 reps",
    )
    ap.add_argument("--issuers", type=int, default=None, help="synthetic issuers in the HTTP store (default 200)")
    ap.add_argument("--queries", type=int, default=None, help="distinct queries cycled through (default 4000)")
    ap.add_argument("--concurrency", type=int, default=1, help="client threads, one keep-alive connection each")
    ap.add_argument("--batches", type=int, default=None, help="timed batches per request kind (default 7)")
    ap.add_argument("--seconds", type=float, default=None, help="target duration of one batch (default 1.0)")
    ap.add_argument("--entities", type=int, default=None, help="entities in the snapshot store (default 10000)")
    ap.add_argument(
        "--api-seeded",
        type=int,
        default=PERIOD,
        help=f"snapshot entities seeded through the service API (default {PERIOD}); the rest in bulk",
    )
    ap.add_argument("--reps", type=int, default=None, help="repetitions of assemble/sign/verify (default 5)")
    ap.add_argument("--skip-http", action="store_true", help="skip part 1 (HTTP queries)")
    ap.add_argument("--skip-snapshot", action="store_true", help="skip part 2 (snapshot)")
    ap.add_argument(
        "--profile",
        action="store_true",
        help="also print cProfile of the in-process query and of one service.entities()",
    )
    ap.add_argument("--top", type=int, default=18, help="entries in each profile listing")
    ap.add_argument("--seed", type=int, default=20240531, help="random seed of the synthetic data and queries")
    ap.add_argument("--json", action="store_true", help="print machine-readable figures only")
    args = ap.parse_args(argv)
    quick = args.quick
    for name, full, small in (
        ("issuers", 200, 40),
        ("queries", 4000, 500),
        ("batches", 7, 3),
        ("seconds", 1.0, 0.3),
        ("entities", 10_000, 1_000),
        ("reps", 5, 2),
    ):
        if getattr(args, name) is None:
            setattr(args, name, small if quick else full)
    args.concurrency = max(1, args.concurrency)
    rng = random.Random(args.seed)
    load_before = os.getloadavg()
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="pctf-registry-bench-") as tmp:
        try:
            if not args.skip_http:
                figures["http"] = http_part(Path(tmp), args, rng)
            if not args.skip_snapshot:
                figures["snapshot"] = snapshot_part(Path(tmp), args, rng)
        finally:
            dispose_all()
    load_after = os.getloadavg()
    figures["environment"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "loadavg_1min_before_after": [load_before[0], load_after[0]],
    }
    if args.json:
        print(json.dumps(figures, indent=2, default=str))
        return 0
    print(
        f"Registry benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.2f} -> {load_after[0]:.2f}"
    )
    print()
    if "http" in figures:
        print_http(figures["http"], args)
        print()
    if "snapshot" in figures:
        print_snapshot(figures["snapshot"])
        if figures["snapshot"].get("profile"):
            print()
            print("   cProfile of one service.entities():")
            print(figures["snapshot"]["profile"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
