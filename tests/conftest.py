"""Shared fixtures: an isolated data directory, settings on a free port, a live sandbox server."""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from pctf.clock import FrozenClock, SystemClock
from pctf.settings import Settings
from pctf.storage import dispose_all
from scenarios.keyring import Keyring
from tests.support import free_port, running_services, serve_sandbox

GOVERNANCE_TOKEN = "test-governance-token"
# The PostgreSQL server tests create their throw-away databases on (trust auth on loopback).
POSTGRES_ADMIN_URL = os.environ.get("PCTF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(params=["sqlite"])
def backend(request) -> str:
    """Storage backend; a test module widens it with its own ``backend`` fixture."""
    return request.param


@pytest.fixture
def database_url(backend):
    """None for the embedded SQLite default, or a fresh PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield None
        return
    name = f"pctf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: say so plainly instead of failing every test
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}")
    yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    dispose_all()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    """Settings isolated in ``tmp_path`` (and its own database), with a free loopback port."""
    yield Settings(
        data_dir=tmp_path / "data", port=free_port(), governance_token=GOVERNANCE_TOKEN, database_url=database_url
    )
    dispose_all()


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture(autouse=True)
def _stop_services_left_running():
    """Whatever ``tests.support.serve`` started during a test and the test did not stop, stopped
    when it ends (so a test may start a service the way it would build a client)."""
    before = running_services()
    yield
    for served in running_services() - before:
        served.stop()


@pytest.fixture
def sandbox(settings):
    """Every service on one real uvicorn server on loopback (as ``pctf-sandbox up`` runs them)."""
    with serve_sandbox(settings, SystemClock()) as served:
        yield served


@pytest.fixture
def http(settings):
    """An HTTP client acting with the sandbox operator's keyring for ``settings`` (staff, holder
    and relying-party tokens chosen by route, as the demo acts); ``anonymous`` has none."""
    with httpx.Client(timeout=15, auth=Keyring(settings)) as client:
        yield client


@pytest.fixture
def anonymous():
    """An HTTP client with no token at all: a stranger on the network."""
    with httpx.Client(timeout=15) as client:
        yield client
