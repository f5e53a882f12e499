"""Each jurisdiction's issuer as its own process, as each jurisdiction would run its own.

The registry, the wallet service, the verifier and the issuers split into four processes
(``serve issuers --issuer prov1``, ``--issuer fed``, ``--issuer vitalstats --issuer
prov1health``, and the rest), each over its own data directory: they find one another only
through the ``PCTF_*_URL`` settings and ``PCTF_ISSUER_URLS``. The issuers register themselves
with the registry over HTTP; Sasha's story runs to the bank's acceptance, reaching each issuer at
its own process as the same settings say (:class:`~scenarios.deployment.Deployment`); the health
authority's delegation asks Province 1's identity program over HTTP, with a query a stranger
cannot forge.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from pctf.jose import generate_key
from pctf.settings import Settings
from scenarios import delegation, sasha
from scenarios.deployment import Deployment
from scenarios.keyring import Keyring
from tests.support import free_port, serve_process, wait_until_answering

pytestmark = pytest.mark.slow

# The issuers' processes: which issuers each serves (the last: every one the others do not).
SPLIT = {"prov1": ("prov1",), "fed": ("fed",), "health": ("vitalstats", "prov1health")}
STAFF = {i: f"staff-token-of-{i}-0123456789abcdef" for i in ("prov1", "prov2", "terr1", "terr2", "fed")}
STAFF |= {i: f"staff-token-of-{i}-0123456789abcdef" for i in ("vitalstats", "prov1health")}
RELYING_PARTIES = {"bank": "bank-back-end-0123456789abcdef", "prov1-health": "portal-back-end-0123456789abcdef"}


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("issuer-processes")
    names = ("registry", "wallet", "verifier", *SPLIT, "rest")
    ports = {name: free_port() for name in names}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    issuer_urls = {i: urls[process] for process, ids in SPLIT.items() for i in ids}
    tokens = {
        "PCTF_GOVERNANCE_TOKEN": "governance-token-0123456789abcdef",
        "PCTF_ASSESSOR_TOKEN": "assessor-token-0123456789abcdef",
        "PCTF_METRICS_TOKEN": "metrics-token-0123456789abcdef",
        "PCTF_PRESENTER_TOKEN": "presenter-token-0123456789abcdef",
        "PCTF_ISSUER_STAFF_TOKENS": json.dumps(STAFF),
        "PCTF_RELYING_PARTY_TOKENS": json.dumps(RELYING_PARTIES),
    }
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PCTF_")},
        **tokens,
        "PCTF_REGISTRY_URL": urls["registry"],
        "PCTF_WALLET_URL": urls["wallet"],
        "PCTF_VERIFIER_URL": urls["verifier"],
        "PCTF_ISSUERS_URL": urls["rest"],
        "PCTF_ISSUER_URLS": json.dumps(issuer_urls),
        "PCTF_STATUS_LIST_TTL_SECONDS": "1",
    }

    def env(name: str) -> dict[str, str]:
        return {**base_env, "PCTF_DATA_DIR": str(tmp / name)}  # each process its own

    procs = []
    try:
        for name in ("registry", "wallet", "verifier"):
            procs.append(serve_process(name, env(name), port=ports[name], wait=False))
        for name, ids in (*SPLIT.items(), ("rest", ("prov2", "terr1", "terr2"))):
            args = tuple(a for i in ids for a in ("--issuer", i))
            procs.append(
                serve_process("issuers", env(name), port=ports[name], wait=False, args=args, probe="/issuers/readyz")
            )
        # Ready: each issuers process once the registry has taken its issuers.
        wait_until_answering(*procs)
        # The operator reads the settings the processes got: where each service and issuer is.
        operator = Settings(
            data_dir=tmp / "operator",
            issuer_staff_tokens=STAFF,
            relying_party_tokens=RELYING_PARTIES,
            registry_url=urls["registry"],
            wallet_url=urls["wallet"],
            verifier_url=urls["verifier"],
            issuers_url=urls["rest"],
            issuer_urls=issuer_urls,
            local_mode=True,
        )
        where = Deployment.from_settings(operator)
        with httpx.Client(timeout=15, auth=Keyring(operator)) as http:
            yield {"urls": urls, "issuer_urls": issuer_urls, "http": http, "tmp": tmp, "where": where}
    finally:
        for proc in procs:
            proc.stop()


def test_sasha_is_accepted_with_each_issuer_in_its_own_process(split):
    urls, http = split["urls"], split["http"]
    result = sasha.run(split["where"], http)
    assert result["verdict"]["accepted"] is True, result["verdict"]["reasons"]
    # Identifiers follow the URL of the process serving each issuer.
    held = {c["type"]: c["issuer"] for c in http.get(f"{urls['wallet']}/wallet/sasha/credentials").json()}
    assert held["VerifiedPerson"] == f"{urls['prov1']}/issuers/prov1"
    assert held["VerifiedOrganization"] == f"{urls['fed']}/issuers/fed"
    # Each process keeps its own store: nothing was shared to get there.
    assert all((split["tmp"] / name).is_dir() for name in ("registry", "prov1", "fed", "health", "rest"))


def test_the_registry_learned_each_issuer_from_its_own_process(split):
    urls = split["urls"]
    entities = {e["entity_id"]: e for e in httpx.get(f"{urls['registry']}/registry/entities").json()}
    for short_id, base in (*split["issuer_urls"].items(), ("prov2", urls["rest"])):
        entity = entities[f"{base}/issuers/{short_id}"]
        assert entity["status"] == "active" and entity["jwks"]["keys"], short_id
    # Terr2 starts out of the registry only when PCTF_UNACCREDITED_ISSUERS says so; here it is in.
    assert f"{urls['rest']}/issuers/terr2" in entities


def test_another_jurisdictions_issuer_is_unknown_in_a_process(split):
    fed = split["urls"]["fed"]
    headers = {"Authorization": f"Bearer {STAFF['prov1']}"}
    for method, path in (
        ("GET", "/issuers/prov1/issuances"),
        ("POST", "/issuers/prov1/nonce"),
        ("GET", "/.well-known/jwt-vc-issuer/issuers/prov1"),
    ):
        answer = httpx.request(method, f"{fed}{path}", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"] == "issuer_id_unknown", (path, answer.text)
    assert httpx.get(f"{fed}/.well-known/jwt-vc-issuer/issuers/fed").json()["issuer"] == f"{fed}/issuers/fed"


def test_the_delegation_checks_identity_across_processes(split):
    http = split["http"]
    result = delegation.run(split["where"], http, ttl_seconds=1, retry_every=0.3)
    assert result["ok"] is True, result
    assert result["accepted"]["accepted"] is True
    # Nobody proofed these two: every identity program, each in its process, says no.
    today = datetime.now(UTC).date()
    strangers = [{"given_name": n, "family_name": "Inconnu", "birthdate": "1950-02-03"} for n in ("Anne", "Paul")]
    refused = http.post(
        f"{split['where'].issuer('prov1health')}/issuers/prov1health/delegations",
        json={
            "delegate": {**strangers[0], "birthdate": "1980-02-03"},
            "represented_person": strangers[1],
            "scope": "health_information",
            "valid_from": today.isoformat(),
            "valid_until": (today + timedelta(days=30)).isoformat(),
            "consent": {
                "granted_by": strangers[1],
                "granted_at": f"{today.isoformat()}T00:00:00+00:00",
                "reference": "F-1",
            },
        },
    )
    assert refused.status_code == 422 and refused.json()["error"] == "evidence_insufficient", refused.text


def test_a_stranger_cannot_ask_an_identity_program_about_a_person(split):
    urls = split["urls"]
    program = f"{urls['prov1']}/issuers/prov1"
    person = {"given_name": "Sasha", "family_name": "Tremblay", "birthdate": "1990-01-01"}
    now = int(time.time())

    def ask(iss: str, *, aud: str = program) -> httpx.Response:
        claims = {
            "iss": iss,
            "aud": aud,
            "iat": now,
            "exp": now + 60,
            "question": "verified_person",
            "person": person,
            "min_assurance_level": 1,
        }
        assertion = generate_key().sign(claims, typ="pctf-identity-query+jwt")
        return httpx.post(f"{program}/identity-queries", json={"assertion": assertion})

    # Signed with a key of its own, in the health authority's name or in its own.
    for iss in (f"{urls['health']}/issuers/prov1health", "https://stranger.example/issuers/prov1health"):
        answer = ask(iss)
        assert answer.status_code == 401 and answer.json()["error"] == "invalid_token", answer.text
    # No signed query at all.
    assert httpx.post(f"{program}/identity-queries", json={}).status_code == 400
