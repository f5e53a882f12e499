"""The services as separate processes (as docker-compose runs them): only HTTP between them."""

from __future__ import annotations

import os

import httpx
import pytest

from cli.stack import SERVICES, free_port
from pctf.settings import Settings
from scenarios import sasha
from scenarios.deployment import Deployment
from scenarios.keyring import Keyring
from tests.support import serve_process, wait_until_answering


@pytest.mark.slow
def test_sasha_journey_across_four_processes(tmp_path):
    ports = {name: free_port() for name in SERVICES}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path),
        "PCTF_GOVERNANCE_TOKEN": "t",
        **{f"PCTF_{name.upper()}_URL": url for name, url in urls.items()},
    }
    env.pop("PCTF_DATABASE_URL", None)
    procs = []
    try:
        # The issuers register their keys with the registry over HTTP at start-up: ready once it took them.
        for name in ("issuers", "registry", "wallet", "verifier"):
            probe = "/issuers/readyz" if name == "issuers" else None
            procs.append(serve_process(name, env, port=ports[name], wait=False, probe=probe))
        wait_until_answering(*procs)
        # The operator's tokens are those the services generated into the shared data directory.
        with httpx.Client(timeout=15, auth=Keyring(Settings(data_dir=tmp_path))) as http:
            result = sasha.run(Deployment(**urls), http)
            assert result["verdict"]["accepted"] is True, result["verdict"]["reasons"]
            # Identifiers follow each service's own URL.
            person = http.get(f"{urls['wallet']}/wallet/sasha/credentials").json()[0]
            assert person["issuer"] == f"{urls['issuers']}/issuers/prov1"
    finally:
        for proc in procs:
            proc.stop()
