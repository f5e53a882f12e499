"""``kill -9`` of an issuer process in the middle of a burst of issuances, on SQLite and on PostgreSQL.

Province 1's issuer runs in a process of its own (``serve issuers --issuer prov1``), beside the
registry, vital statistics (which prov1 asks, before each offer, whether the person is alive) and
the wallet service, each process over its own store. :data:`ISSUANCES` people are proofed and
their credentials redeemed into :data:`WALLETS` wallets by :data:`CLIENTS` concurrent clients.
Each issuance is the whole path, one person after another: staff proof the person (an offer),
then the holder's wallet redeems it (metadata, token, nonce, credential, checked and stored).
Offers are made inside the burst rather than up front so that the kill lands between any two of
the issuer's writes: an offer made and never answered, a code exchanged for a token never used,
a credential recorded and signed but never delivered.

Once :data:`KILL_AFTER` issuances are acknowledged (the wallet answered success), prov1's
process is sent SIGKILL; every issuance still under way, and every one started while it is down,
fails. Prov1 is started again on the same store, and each failed issuance is retried: with its
own offer first when it had one (a code the kill left unredeemed still works), with a new offer
when the issuer says the old one was redeemed. Then, from the wallet's records and the issuer's:

- every acknowledged credential is in its wallet, and each person's credential is there once;
- no credential is held twice, and no status list index is on two issuances;
- every credential held verifies (the issuer's signature, bound to its wallet's key) and its
  status list entry, in the Status List Token prov1 serves, says valid.

The counts (acknowledged before the kill, failed by it, retried, issued but never delivered) are
printed (``-s``) and recorded as the test's properties (``--junitxml``).

One offer is one credential, however its access token is used: requests racing with one token
get one credential between them (the offer is spent in the transaction that records it).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from issuers.models import Issuance as IssuanceRow
from issuers.service import IssuerService
from pctf import statuslist
from pctf.clock import SystemClock
from pctf.jose import generate_key
from pctf.oid4vci import PRE_AUTH_GRANT, PROOF_TYP
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import check_credential
from pctf.storage import open_engine
from tests.support import Served, free_port, serve_process, wait_until_answering
from wallet.models import WalletCredential

ISSUANCES = 1000
KILL_AFTER = 300  # acknowledged issuances before prov1's process is killed
CLIENTS = 48
WALLETS = 40
RETRY_ROUNDS = 3
# Connections lost in transit, which a client tries again (see ``retry``).
TRANSIENT = {f"{step}: {error}" for step in ("offer", "wallet") for error in ("ConnectError", "ReadError")}
STAFF_TOKEN = "staff-token-of-prov1-0123456789abcdef"
TOKENS = {
    "PCTF_GOVERNANCE_TOKEN": "governance-token-0123456789abcdef",
    "PCTF_ASSESSOR_TOKEN": "assessor-token-0123456789abcdef",
    "PCTF_METRICS_TOKEN": "metrics-token-0123456789abcdef",
    "PCTF_PRESENTER_TOKEN": "presenter-token-0123456789abcdef",
    "PCTF_ISSUER_STAFF_TOKENS": json.dumps(
        {i: f"staff-token-of-{i}-0123456789abcdef" for i in ("prov1", "prov2", "terr1", "terr2", "fed", "vitalstats")}
    ),
}
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def person(n: int) -> dict[str, Any]:
    """The ``n``-th person of the burst: a family name of letters that says ``n``."""
    name = "".join(LETTERS[(n // 26**k) % 26] for k in range(3))
    who = {"given_name": "Alex", "family_name": f"Burst{name}", "birthdate": "1990-03-04"}
    address = {"street_address": f"{n} Birch Street", "locality": "Riverton", "region": "Prov1", "country": "CA"}
    evidence = [
        {"type": "drivers_licence", "number": f"D-{n:05d}", **who},
        {"type": "birth_certificate", "number": f"B-{n:05d}", **who},
    ]
    return {**who, "address": address, "evidence": evidence}


def number_of(claims: dict[str, Any]) -> int:
    """Which person of the burst ``claims`` are about (:func:`person` backwards)."""
    name = claims["family_name"].removeprefix("Burst")
    return sum(LETTERS.index(ch) * 26**k for k, ch in enumerate(name))


@dataclass
class Issuing:
    """One person's issuance, as the client driving it saw it."""

    n: int
    wallet: str
    offer: dict[str, Any] | None = None
    acknowledged: list[int] = field(default_factory=list)  # wallet credential ids it answered
    attempts: list[str] = field(default_factory=list)  # each try's outcome: "ok" or where it failed
    phase: str = ""  # when it was acknowledged: "before", "during" (the kill) or "retry"


class Topology:
    """The processes, their stores, and the clients' view of them."""

    def __init__(self, tmp: Path, stores: dict[str, str | None]) -> None:
        self.tmp = tmp
        self.stores = stores
        self.ports = {name: free_port() for name in stores}
        self.urls = {name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()}
        self.processes: dict[str, Served] = {}
        base = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
        self.base_env = (
            base
            | TOKENS
            | {
                "PCTF_REGISTRY_URL": self.urls["registry"],
                "PCTF_WALLET_URL": self.urls["wallet"],
                "PCTF_VERIFIER_URL": self.urls["registry"],  # no verifier here
                "PCTF_ISSUERS_URL": self.urls["vitalstats"],
                "PCTF_ISSUER_URLS": json.dumps({"prov1": self.urls["prov1"]}),
                # Every holder's requests reach prov1 from the one wallet service, at one address: the
                # retries of offers the kill left redeemed must not count as someone guessing codes.
                "PCTF_AUTH_FAILURE_LIMIT": "1000000",
                # The processes' logs go to a pipe nobody reads while they run: errors only.
                "PCTF_LOG_LEVEL": "error",
            }
        )

    def env(self, name: str) -> dict[str, str]:
        env = {**self.base_env, "PCTF_DATA_DIR": str(self.tmp / name)}
        if self.stores[name] is not None:
            env["PCTF_DATABASE_URL"] = str(self.stores[name])
        return env

    def start(self, *names: str) -> None:
        for name in names:
            service = "issuers" if name in ("prov1", "vitalstats") else name
            args = ("--issuer", name) if service == "issuers" else ()
            probe = "/issuers/readyz" if service == "issuers" else None
            self.processes[name] = serve_process(
                service, self.env(name), port=self.ports[name], wait=False, args=args, probe=probe
            )
        wait_until_answering(*(self.processes[name] for name in names))

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed that was not committed."""
        proc = self.processes[name].app
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        self.processes.pop(name).stop()

    def stop(self) -> None:
        for served in self.processes.values():
            served.stop()

    def database_url(self, name: str, service: str) -> str:
        return self.stores[name] or f"sqlite:///{self.tmp / name / (service + '.db')}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def topology(request, tmp_path):
    names = ("registry", "vitalstats", "prov1", "wallet")
    if request.param == "postgres":
        new = request.getfixturevalue("new_database")
        stores: dict[str, str | None] = {name: new() for name in names}
    else:
        stores = dict.fromkeys(names)
    topology = Topology(tmp_path, stores)
    try:
        topology.start("registry", "wallet", "vitalstats", "prov1")
        yield topology
    finally:
        topology.stop()


def issue(http: httpx.Client, top: Topology, holders: dict[str, str], item: Issuing) -> str:
    """One try of ``item``: an offer (unless it kept one from an earlier try), then the wallet
    redeems it. Returns ``ok`` or the step and the reason it failed at."""
    prov1, wallet = top.urls["prov1"], top.urls["wallet"]
    if item.offer is None:
        try:
            offered = http.post(
                f"{prov1}/issuers/prov1/proofing",
                json=person(item.n),
                headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
            )
        except httpx.TransportError as exc:
            return f"offer: {exc.__class__.__name__}"
        if offered.status_code != 200:
            return f"offer: {offered.status_code} {error_of(offered)}"
        item.offer = offered.json()
    try:
        answer = http.post(
            f"{wallet}/wallet/{item.wallet}/offers",
            json={"offer": item.offer["credential_offer_uri"], "tx_code": item.offer["tx_code"]},
            headers={"Authorization": f"Bearer {holders[item.wallet]}"},
        )
    except httpx.TransportError as exc:  # the wallet is not killed: this would be a defect
        return f"wallet: {exc.__class__.__name__}"
    if answer.status_code == 200:
        item.acknowledged = [c["id"] for c in answer.json()]
        return "ok"
    error = error_of(answer)
    if error == "invalid_grant":  # its code was redeemed before the kill: a new offer next time
        item.offer = None
    return f"redeem: {answer.status_code} {error}"


def error_of(answer: httpx.Response) -> str:
    """The reason code of a refusal, or the start of an answer that is not one (a crash's 500)."""
    try:
        return str(answer.json()["error"])
    except (ValueError, KeyError, TypeError):
        return answer.text[:200]


def run(pool: ThreadPoolExecutor, work, items: list[Issuing]) -> None:
    for future in [pool.submit(work, item) for item in items]:
        future.result()


@pytest.mark.slow
def test_kill_9_during_a_burst_of_issuances(topology, record_property):
    top = topology
    wallets = [f"holder{i:02d}" for i in range(WALLETS)]
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    with httpx.Client(timeout=180, limits=limits) as http:
        holders = {w: http.put(f"{top.urls['wallet']}/wallet/{w}").raise_for_status().json()["token"] for w in wallets}
        items = [Issuing(n, wallets[n % WALLETS]) for n in range(ISSUANCES)]

        # -- the burst, and the kill once KILL_AFTER are acknowledged --------------------------
        killed = threading.Event()
        enough = threading.Event()
        lock = threading.Lock()
        acknowledged = 0

        def burst(item: Issuing) -> None:
            nonlocal acknowledged
            outcome = issue(http, top, holders, item)
            item.attempts.append(outcome)
            if outcome == "ok":
                item.phase = "during" if killed.is_set() else "before"
                with lock:
                    acknowledged += 1
                    if acknowledged >= KILL_AFTER:
                        enough.set()

        def killer() -> None:
            enough.wait()
            top.kill("prov1")
            killed.set()

        started = time.monotonic()
        killing = threading.Thread(target=killer, name="killer")
        killing.start()
        with ThreadPoolExecutor(CLIENTS) as pool:
            run(pool, burst, items)
            enough.set()  # (should the burst have ended first, which the assertion below reports)
            killing.join()
            burst_seconds = time.monotonic() - started
            failed = [i for i in items if i.attempts[-1] != "ok"]
            before = sum(i.phase == "before" for i in items)
            assert before >= KILL_AFTER and len(failed) >= ISSUANCES - before - CLIENTS, "the kill came after the burst"

            # -- prov1 again, on the same store; each failed issuance retried ---------------------
            top.start("prov1")
            restarted = time.monotonic()

            def retry(item: Issuing) -> None:
                for _round in range(RETRY_ROUNDS):
                    outcome = issue(http, top, holders, item)
                    item.attempts.append(outcome)
                    if outcome == "ok":
                        item.phase = "retry"
                        return
                    # A new offer after a code redeemed before the kill; or the same again after a
                    # connection lost in transit: a pooled connection to the killed process, or one
                    # the server closed as the client reused it (any HTTP client retries those).
                    again = outcome in TRANSIENT or outcome.startswith(
                        ("redeem: 400 invalid_grant", "redeem: 502 endpoint_unreachable")
                    )
                    if not again:
                        return

            run(pool, retry, failed)
            retry_seconds = time.monotonic() - restarted
        still_failing = {i.n: i.attempts for i in items if i.attempts[-1] != "ok"}
        assert not still_failing, still_failing

        # -- the issuer's records ------------------------------------------------------------
        staff = {"Authorization": f"Bearer {STAFF_TOKEN}"}
        issued = http.get(f"{top.urls['prov1']}/issuers/prov1/issuances", headers=staff).raise_for_status().json()
        entries = Counter((r["status_list"]["uri"], r["status_list"]["idx"]) for r in issued)
        assert max(entries.values()) == 1, [e for e, times in entries.items() if times > 1]
        metadata = http.get(f"{top.urls['prov1']}/.well-known/jwt-vc-issuer/issuers/prov1").raise_for_status().json()
        issuer, issuer_keys = metadata["issuer"], metadata["jwks"]["keys"]

        # -- the wallets' records: what each holds, checked as a verifier would --------------
        holder_keys = {
            w: http.get(f"{top.urls['wallet']}/wallet/{w}", headers={"Authorization": f"Bearer {holders[w]}"})
            .raise_for_status()
            .json()["holder_jwk"]
            for w in wallets
        }
        engine = open_engine(top.database_url("wallet", "wallet"))
        try:
            with Session(engine) as session:
                rows = session.exec(select(WalletCredential).order_by(WalletCredential.id)).all()
        finally:
            engine.dispose()
        now = int(time.time())
        held: dict[tuple[str, int], WalletCredential] = {}
        people: Counter[tuple[str, int]] = Counter()
        for row in rows:
            checked = check_credential(
                row.credential,
                issuer_keys=lambda _iss: issuer_keys,
                now=now,
                leeway=30,
                expected_iss=issuer,
                holder=holder_keys[row.wallet_id],
            )
            ref = statuslist.status_reference(checked.claims)
            assert ref is not None
            assert (ref.uri, ref.idx) not in held, (
                f"credential {row.id} and {held[(ref.uri, ref.idx)].id} share an index"
            )
            held[(ref.uri, ref.idx)] = row
            people[(row.wallet_id, number_of(checked.claims))] += 1
        assert set(held) <= set(entries), "the wallet holds a credential the issuer has no record of"

        # Every acknowledged credential is in its wallet; every person's is there once.
        by_id = {row.id: row for row in rows}
        for item in items:
            assert len(item.acknowledged) == 1, (item.n, item.attempts)
            row = by_id.get(item.acknowledged[0])
            assert row is not None and row.wallet_id == item.wallet, (item.n, item.acknowledged)
            assert number_of(row.claims) == item.n
        duplicated = {who: times for who, times in people.items() if times > 1}
        assert not duplicated and len(people) == ISSUANCES, duplicated

        # Each held credential's entry is valid in the Status List Token prov1 serves.
        lists = {}
        for uri in {uri for uri, _idx in held}:
            token = http.get(uri, headers={"Accept": statuslist.MEDIA_TYPE}).raise_for_status().text
            lists[uri] = statuslist.verify_token(token, issuer_keys, uri=uri, now=now).status_list
        invalid = [(uri, idx) for uri, idx in held if lists[uri].get(idx) != statuslist.VALID]
        assert not invalid, invalid
        # And the wallet, reading the same lists, shows each as valid.
        for w in wallets:
            shown = http.get(
                f"{top.urls['wallet']}/wallet/{w}/credentials", headers={"Authorization": f"Bearer {holders[w]}"}
            )
            assert {c["status"] for c in shown.raise_for_status().json()} == {"valid"}, w

    # -- what happened, counted ------------------------------------------------------------------
    failures = Counter(a for i in items for a in i.attempts if a != "ok")
    counts = {
        "issuances": ISSUANCES,
        "acknowledged_before_kill": sum(i.phase == "before" for i in items),
        "acknowledged_while_killing": sum(i.phase == "during" for i in items),
        "failed_by_kill": len(failed),
        "in_flight_at_kill": sum(1 for i in failed if i.attempts[0] != "offer: ConnectError"),
        "refused_while_down": sum(1 for i in failed if i.attempts[0] == "offer: ConnectError"),
        "failed_with_an_offer_in_hand": sum(1 for i in failed if i.attempts[0].startswith("redeem")),
        "retried": len(failed),
        "retried_with_own_offer": sum(
            1 for i in failed if i.attempts[0].startswith("redeem") and i.attempts[1] == "ok"
        ),
        "retried_with_new_offer": sum(1 for i in failed if "redeem: 400 invalid_grant" in i.attempts[1:]),
        "issued_never_delivered": len(entries) - len(held),
        "issuer_records": len(entries),
        "wallet_records": len(held),
        "burst_seconds": round(burst_seconds, 1),
        "retry_seconds": round(retry_seconds, 1),
    }
    for name, value in counts.items():
        record_property(name, value)
    print(f"\nkill -9 during a burst ({top.stores['prov1'] and 'postgres' or 'sqlite'}): {json.dumps(counts)}")
    print("failures seen:", json.dumps(dict(failures.most_common())))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_requests_racing_with_one_access_token_get_one_credential(settings):
    service = IssuerService(settings, SystemClock())
    claims = {k: v for k, v in person(0).items() if k != "evidence"}
    offered = service.offers.create("prov1", [("VerifiedPerson", claims)], with_tx_code=False)
    code = offered["credential_offer"]["grants"][PRE_AUTH_GRANT]["pre-authorized_code"]
    token = service.token("prov1", {"grant_type": PRE_AUTH_GRANT, "pre-authorized_code": code})["access_token"]
    holder, racers = generate_key(), 8
    proofs = [
        holder.sign(
            {"aud": service.issuer_url("prov1"), "iat": int(time.time()), "nonce": service.nonce("prov1")["c_nonce"]},
            typ=PROOF_TYP,
            header={"jwk": holder.public_jwk},
            include_kid=False,
        )
        for _ in range(racers)
    ]
    start = threading.Barrier(racers)

    def request(proof: str) -> str:
        start.wait()
        body = {"credential_configuration_id": "VerifiedPerson", "proofs": {"jwt": [proof]}}
        try:
            service.credential("prov1", token, body)
        except SandboxError as exc:
            return exc.reason
        return "issued"

    with ThreadPoolExecutor(racers) as pool:
        outcomes = Counter(pool.map(request, proofs))
    assert outcomes == {"issued": 1, Reason.INVALID_CREDENTIAL_REQUEST: racers - 1}, outcomes
    with Session(service.db) as session:
        assert len(session.exec(select(IssuanceRow)).all()) == 1
