"""The Dockerfile, built and run for real.

The image is built on a base made from Debian's packages (deploy/base-image.sh: no image registry
is needed), then run with the machine's PostgreSQL and NATS (host network) as the embedded
sandbox, outside local mode, with the tokens ``pctf-sandbox init-secrets`` generates. Its own
``HEALTHCHECK`` must call it healthy, and Sasha's story runs against it to the bank's acceptance.
The image holds no compiler, runs as a user of its own, and its size is reported.

Without a Docker engine that can start, or a Debian mirror to build the base from, the tests
skip and say which (tests/container_support.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from pctf.settings import Settings
from scenarios import sasha
from scenarios.keyring import Keyring
from tests import container_support
from tests.conftest import POSTGRES_ADMIN_URL
from tests.support import EXE, free_port
from tests.test_compose import NATS_URL, _answers
from tests.test_events import drop_stream
from tests.test_init_secrets import parse_compose_env_file

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.nats]

TAG = "pctf-sandbox:test"
HEALTHY_SECONDS = 240


@pytest.fixture(scope="module")
def image():
    """The engine's environment for the ``docker`` client, once the image is built, and how long
    each step took (seconds)."""
    steps: dict[str, float] = {}
    started = time.monotonic()
    with container_support.docker_engine() as env:
        steps["engine"] = time.monotonic() - started
        started = time.monotonic()
        built = container_support.base_image(env)
        steps["base image (debootstrap)" if built else "base image (cached)"] = time.monotonic() - started
        started = time.monotonic()
        container_support.build_image(env, TAG)
        steps["image build"] = time.monotonic() - started
        yield {"env": env, "steps": steps}


def test_the_image_is_small_runs_as_its_own_user_and_holds_no_compiler(image):
    env = image["env"]
    config = json.loads(container_support.docker(env, "image", "inspect", TAG).stdout)[0]
    size_mb = config["Size"] / 1e6
    print(f"\nimage {TAG}: {size_mb:.0f} MB; " + ", ".join(f"{k} {v:.0f}s" for k, v in image["steps"].items()))
    assert config["Config"]["User"] == "pctf"
    assert "PCTF_HEALTH_URL" in " ".join(config["Config"]["Healthcheck"]["Test"])
    probe = (
        "import json, os, shutil; "
        "tools = [t for t in ('gcc', 'cc', 'c++', 'x86_64-linux-gnu-gcc', 'make') if shutil.which(t)]; "
        "print(json.dumps([os.getuid(), tools, os.path.exists('/wheels')]))"
    )
    done = container_support.docker(env, "run", "--rm", "--network", "none", TAG, "python", "-c", probe)
    uid, tools, wheels = json.loads(done.stdout)
    assert uid != 0 and tools == [] and wheels is False, done.stdout


@pytest.fixture
def sandbox_container(image, tmp_path):
    """The image run as ``pctf-sandbox up`` on a free port of the host's network, outside local
    mode, over a fresh PostgreSQL database and the machine's NATS; yields its URL and tokens."""
    nats = httpx.URL(NATS_URL)
    if not _answers(nats.host, nats.port or 4222):
        pytest.skip(f"NATS not reachable at {NATS_URL}")
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    database = f"pctf_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    env, name, port = image["env"], f"pctf-test-{uuid.uuid4().hex[:8]}", free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    done = subprocess.run([EXE, "init-secrets", "--out", str(tmp_path / ".env")], env=clean, capture_output=True)
    assert done.returncode == 0, done.stderr
    tokens = parse_compose_env_file((tmp_path / ".env").read_text())
    url = f"http://127.0.0.1:{port}"
    settings = {
        **tokens,
        "PCTF_PUBLIC_URL": url,
        "PCTF_DATABASE_URL": f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}",
        "PCTF_EVENT_BUS": NATS_URL,
        "PCTF_EVENT_TOPIC_PREFIX": database,
        "PCTF_LOG_FORMAT": "json",
        "PCTF_HEALTH_URL": f"{url}/registry/readyz",
    }
    # -e NAME with the value in the client's environment: no token on a command line.
    options = [a for k in settings for a in ("-e", k)]
    started = time.monotonic()
    container_support.docker(
        {**env, **settings},
        "run",
        "-d",
        "--name",
        name,
        "--network",
        "host",
        *options,
        TAG,
        "pctf-sandbox",
        "up",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    )
    try:
        yield {"url": url, "tokens": tokens, "name": name, "env": env, "started": started, "steps": image["steps"]}
    finally:
        logs = container_support.docker(env, "logs", "--tail", "40", name, check=False)
        container_support.docker(env, "rm", "-f", name, check=False)
        print(logs.stdout[-2000:], logs.stderr[-2000:])
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
        drop_stream(database)


def health(env: dict[str, str], name: str) -> str:
    done = container_support.docker(env, "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name)
    return done.stdout.strip()


def test_sasha_is_accepted_by_the_image_run_as_the_sandbox(sandbox_container, tmp_path):
    env, name, url = sandbox_container["env"], sandbox_container["name"], sandbox_container["url"]
    # Its own HEALTHCHECK (python's urllib against PCTF_HEALTH_URL) calls it healthy.
    deadline = time.monotonic() + HEALTHY_SECONDS
    while (state := health(env, name)) != "running healthy":
        assert state.startswith("running") and state != "running unhealthy", state
        assert time.monotonic() < deadline, f"{name} is not healthy: {state}"
        time.sleep(1)
    print(f"\nhealthy after {time.monotonic() - sandbox_container['started']:.0f}s")
    tokens = sandbox_container["tokens"]
    operator = Settings(
        data_dir=tmp_path / "operator",
        public_url=url,
        issuer_staff_tokens=json.loads(tokens["PCTF_ISSUER_STAFF_TOKENS"]),
        relying_party_tokens=json.loads(tokens["PCTF_RELYING_PARTY_TOKENS"]),
        local_mode=True,
    )
    with httpx.Client(timeout=30, auth=Keyring(operator, generate=False)) as http:
        result = sasha.run(url, http)
    assert result["verdict"]["accepted"] is True, result["verdict"]["reasons"]
    assert httpx.get(f"{url}/registry/readyz").json()["status"] == "ready"
