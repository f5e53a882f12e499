"""docker-compose.yml: what a compose tool makes of it, and the same topology as plain processes.

``compose config`` must accept the file with an env file ``pctf-sandbox init-secrets
--public-host`` wrote, and resolve every identifier to that public host. Then the definition is
run without containers: each sandbox service's ``command`` with its ``environment``, interpolated
as compose does, on the same ports, with ``PCTF_PUBLIC_HOST=127.0.0.1`` and the machine's
PostgreSQL and NATS in place of the ``postgres`` and ``nats`` services. Sasha's story runs through
it to the bank's acceptance. So the compose file's commands, ports, URLs and health checks are the
ones a test has seen work.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from dotenv import dotenv_values
from sqlalchemy import Engine, create_engine, make_url, text

from cli.secrets import public_host_problem
from pctf.settings import Settings
from scenarios import sasha
from scenarios.deployment import Deployment
from scenarios.keyring import Keyring
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support import EXE, Served, wait_until_answering
from tests.test_cli import assert_clean_error
from tests.test_events import drop_stream
from tests.test_init_secrets import parse_compose_env_file

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_HOST = "sandbox.example.org"
NATS_URL = os.environ.get("PCTF_TEST_NATS_URL", "nats://127.0.0.1:4222")
# A service that runs once and exits (it creates the databases) needs no health check.
ONE_SHOT = {"databases"}
# The services that stand in for what the machine already runs in the plain-process test.
INFRASTRUCTURE = {"postgres", "databases", "nats"}


def init_secrets(out: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    return subprocess.run([EXE, "init-secrets", "--out", str(out), *args], env=env, capture_output=True, text=True)


def compose_tool() -> list[str]:
    """``docker compose`` when the plugin answers, else Debian's ``docker-compose``."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip("no compose tool: neither `docker compose` nor `docker-compose` is installed")


# -- compose's variable substitution ------------------------------------------------------------
_VARIABLE = re.compile(r"\$(?:(\$)|\{(\w+)(?:(:?\?)([^}]*))?\}|(\w+))")


def interpolate(value: Any, variables: dict[str, str]) -> Any:
    """``value`` (the loaded YAML) with ``${NAME}``, ``${NAME:?message}`` and ``$$`` replaced as
    compose replaces them; an unset required variable raises, naming it."""
    if isinstance(value, dict):
        return {k: interpolate(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, variables) for v in value]
    if not isinstance(value, str):
        return value

    def one(found: re.Match) -> str:
        if found.group(1):
            return "$"
        name = found.group(2) or found.group(5)
        if found.group(3) and not variables.get(name):
            raise KeyError(f"{name} {found.group(4)}")
        return variables.get(name, "")

    return _VARIABLE.sub(one, value)


def definition() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def sandbox_services(services: dict[str, Any]) -> dict[str, Any]:
    return {name: s for name, s in services.items() if s.get("command", [""])[0] == "pctf-sandbox"}


# -- init-secrets --public-host -----------------------------------------------------------------
def test_init_secrets_writes_what_compose_interpolates(tmp_path):
    path = tmp_path / ".env"
    done = init_secrets(path, "--public-host", PUBLIC_HOST)
    assert done.returncode == 0, done.stderr
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    values = parse_compose_env_file(path.read_text())
    assert dotenv_values(path) == values
    assert values["PCTF_PUBLIC_HOST"] == PUBLIC_HOST and len(values["POSTGRES_PASSWORD"]) >= 32
    url = make_url(values["PCTF_DATABASE_URL_PREFIX"])
    assert (url.drivername, url.username, url.host, url.port) == ("postgresql+psycopg", "pctf", "postgres", 5432)
    assert url.password == values["POSTGRES_PASSWORD"]  # URL-safe: it reads back unchanged
    # Every variable the compose file interpolates is in the file; nothing secret is in the compose file.
    text = (ROOT / "docker-compose.yml").read_text()
    assert set(re.findall(r"\$\{(\w+)", text)) <= set(values)
    assert all(values[k] not in text for k in values if k != "PCTF_LOCAL_MODE" and k != "PCTF_PUBLIC_HOST")


def test_a_public_host_the_containers_cannot_reach_is_refused(tmp_path):
    path = tmp_path / ".env"
    assert_clean_error(init_secrets(path, "--public-host", "127.0.0.1"), reason="--public-host")
    assert not path.exists()
    for host in ("localhost", "app.localhost", "0.0.0.0", "::1", "2001:db8::1", "not a host", "a/b", "-a.org", ""):
        assert public_host_problem(host) is not None, host
    for host in ("sandbox.example.org", "pctf", "192.168.1.20", "sandbox-1.example.org"):
        assert public_host_problem(host) is None, host


# -- compose config -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose(tmp_path_factory):
    """A project directory holding the compose file and an env file from init-secrets, and a
    function that runs the compose tool there."""
    tool = compose_tool()
    project = tmp_path_factory.mktemp("compose")
    shutil.copy(ROOT / "docker-compose.yml", project / "docker-compose.yml")
    done = init_secrets(project / ".env", "--public-host", PUBLIC_HOST)
    assert done.returncode == 0, done.stderr

    def run(*args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PCTF_", "POSTGRES_"))}
        return subprocess.run([*tool, *args], cwd=project, env=env, capture_output=True, text=True, timeout=120)

    return project, run


def test_compose_config_accepts_the_file_with_the_generated_env_file(compose):
    project, run = compose
    done = run("config")
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)["services"]
    values = dotenv_values(project / ".env")
    ours = sandbox_services(resolved)
    assert set(ours) == {
        "registry",
        "wallet",
        "verifier",
        *(f"issuer-{i}" for i in ("prov1", "prov2", "fed", "terr1", "terr2", "vitalstats", "prov1health")),
    }
    for name, service in resolved.items():
        assert service.get("restart") in ("unless-stopped", "on-failure"), name
        assert name in ONE_SHOT or service.get("healthcheck", {}).get("test"), name
    for name, service in ours.items():
        env = service["environment"]
        # One image, built once; each service on the port its command names, published as is.
        assert service["image"] == "pctf-sandbox" and "build" in service, name
        port = int(service["command"][service["command"].index("--port") + 1])
        assert [(int(p["published"]), int(p["target"])) for p in service["ports"]] == [(port, port)], name
        assert env["PCTF_HEALTH_URL"].startswith(f"http://127.0.0.1:{port}/"), name
        assert env["PCTF_HEALTH_URL"].endswith("/readyz"), name
        # Identifiers resolve from outside and, through extra_hosts, from inside the containers.
        assert service["extra_hosts"] in ([f"{PUBLIC_HOST}:host-gateway"], {PUBLIC_HOST: "host-gateway"}), name
        urls = [env[f"PCTF_{s}_URL"] for s in ("REGISTRY", "ISSUERS", "WALLET", "VERIFIER")]
        urls += json.loads(env["PCTF_ISSUER_URLS"]).values()
        assert all(re.fullmatch(rf"http://{re.escape(PUBLIC_HOST)}:86\d\d", u) for u in urls), name
        # Outside local mode, with every role token from the env file, a database of its own, NATS.
        assert env["PCTF_LOCAL_MODE"] == "false" and env["PCTF_EVENT_BUS"] == "nats://nats:4222", name
        assert env["PCTF_GOVERNANCE_TOKEN"] == values["PCTF_GOVERNANCE_TOKEN"], name
        assert set(service["depends_on"]) >= {"databases"}, name
        assert all(d["condition"] != "service_started" for d in service["depends_on"].values()), name
    databases = [s["environment"]["PCTF_DATABASE_URL"] for s in ours.values()]
    assert len(set(databases)) == len(databases)
    issuer_urls = json.loads(ours["registry"]["environment"]["PCTF_ISSUER_URLS"])
    for short_id, url in issuer_urls.items():
        assert f"--port {url.rsplit(':', 1)[1]}" in " ".join(ours[f"issuer-{short_id}"]["command"])
    assert resolved["nats"]["command"][0] in ("-js", "--jetstream")


def test_compose_config_refuses_to_run_without_the_public_host(compose):
    project, run = compose
    values = parse_compose_env_file((project / ".env").read_text())
    partial = project / "partial.env"
    partial.write_text("".join(f"{k}={v}\n" for k, v in values.items() if k != "PCTF_PUBLIC_HOST" and "{" not in v))
    done = run("--env-file", str(partial), "config")
    assert done.returncode != 0 and "PCTF_PUBLIC_HOST" in done.stderr, done.stderr


# -- the same topology as plain processes ---------------------------------------------------------
def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _in_parallel(admin: Engine, statements: list[str]) -> None:
    def run(statement: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(statement))

    with ThreadPoolExecutor(len(statements)) as pool:
        list(pool.map(run, statements))


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    """Every sandbox service of docker-compose.yml as a process on this machine, started from its
    ``command`` and ``environment`` exactly, on its ports; yields the deployment and an operator's
    client holding the env file's tokens."""
    nats = httpx.URL(NATS_URL)
    if not _answers(nats.host, nats.port or 4222):
        pytest.skip(f"NATS not reachable at {NATS_URL}")
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=16)
    try:
        with admin.connect():
            pass
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")

    tmp = tmp_path_factory.mktemp("topology")
    assert init_secrets(tmp / ".env", "--public-host", PUBLIC_HOST).returncode == 0
    stem = f"pctf_test_{uuid.uuid4().hex[:12]}"
    # What compose would read from the env file, with the machine's own host and PostgreSQL.
    variables = {
        **parse_compose_env_file((tmp / ".env").read_text()),
        "PCTF_PUBLIC_HOST": "127.0.0.1",
        "PCTF_DATABASE_URL_PREFIX": f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{stem}",
    }
    services = sandbox_services(interpolate(definition()["services"], variables))
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PCTF_", "POSTGRES_"))}
    envs: dict[str, dict[str, str]] = {}
    for name, service in services.items():
        envs[name] = {
            **clean,
            **variables,  # env_file: .env
            **service["environment"],
            # In place of what the container has: its data volume, the nats service's name.
            "PCTF_DATA_DIR": str(tmp / name),
            "PCTF_EVENT_BUS": NATS_URL,
            "PCTF_EVENT_TOPIC_PREFIX": stem,
        }
    databases = [make_url(env["PCTF_DATABASE_URL"]).database for env in envs.values()]
    # All at once: PostgreSQL then creates and drops them in one checkpoint, not one each.
    sql = partial(_in_parallel, admin)
    procs: list[Served] = []
    try:
        sql([f'CREATE DATABASE "{database}"' for database in databases])
        for name, service in services.items():
            port = int(service["command"][service["command"].index("--port") + 1])
            assert not _answers("127.0.0.1", port), f"port {port} ({name}) is taken on this machine"
            log = (tmp / f"{name}.log").open("wb")
            proc = subprocess.Popen(
                [EXE, *service["command"][1:]], env=envs[name], stdout=log, stderr=subprocess.STDOUT
            )
            log.close()

            def stop(proc=proc) -> None:
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=20)

            procs.append(Served(proc, f"http://127.0.0.1:{port}", None, stop, probe=envs[name]["PCTF_HEALTH_URL"]))
        try:
            wait_until_answering(*procs, seconds=180)  # each one's readyz: its database, NATS, the registry
        except AssertionError as exc:
            logs = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in tmp.glob("*.log"))
            raise AssertionError(f"{exc}\n{logs}") from None
        common = services["registry"]["environment"]
        operator = Settings(
            data_dir=tmp / "operator",
            registry_url=common["PCTF_REGISTRY_URL"],
            issuers_url=common["PCTF_ISSUERS_URL"],
            wallet_url=common["PCTF_WALLET_URL"],
            verifier_url=common["PCTF_VERIFIER_URL"],
            issuer_urls=json.loads(common["PCTF_ISSUER_URLS"]),
            issuer_staff_tokens=json.loads(variables["PCTF_ISSUER_STAFF_TOKENS"]),
            relying_party_tokens=json.loads(variables["PCTF_RELYING_PARTY_TOKENS"]),
            local_mode=True,
        )
        with httpx.Client(timeout=15, auth=Keyring(operator, generate=False)) as http:
            yield {"deployment": Deployment.from_settings(operator), "http": http, "services": services, "tmp": tmp}
    finally:
        for served in procs:  # all at once, then each waited for
            if served.app.poll() is None:
                served.app.terminate()
        for served in procs:
            served.stop()
        sql([f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)' for database in databases])
        admin.dispose()
        drop_stream(stem)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.nats
def test_sasha_is_accepted_through_the_compose_topology_run_as_processes(topology):
    deployment, http = topology["deployment"], topology["http"]
    result = sasha.run(deployment, http)
    assert result["verdict"]["accepted"] is True, result["verdict"]["reasons"]
    held = {c["type"]: c["issuer"] for c in http.get(f"{deployment.wallet}/wallet/sasha/credentials").json()}
    assert held["VerifiedPerson"] == deployment.issuer_id("prov1") == "http://127.0.0.1:8611/issuers/prov1"
    assert held["VerifiedOrganization"] == deployment.issuer_id("fed")
    # Every issuer registered itself, from its own process, under its public identifier.
    entities = {e["entity_id"] for e in httpx.get(f"{deployment.registry}/registry/entities").json()}
    assert {deployment.issuer_id(i) for i in deployment.issuer_urls} <= entities
