"""Shared fixtures: an isolated data directory, settings on a free port, a live sandbox server."""
from __future__ import annotations

import httpx
import pytest

from pctf.clock import FrozenClock, SystemClock
from pctf.settings import Settings
from pctf.storage import dispose_all
from scenarios.stack import free_port, start_in_thread

GOVERNANCE_TOKEN = "test-governance-token"


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings isolated in ``tmp_path``, with a free loopback port."""
    yield Settings(data_dir=tmp_path / "data", port=free_port(), governance_token=GOVERNANCE_TOKEN)
    dispose_all()


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sandbox(settings):
    """Every service on one real uvicorn server on loopback (as ``pctf-sandbox up`` runs them)."""
    server = start_in_thread(settings, SystemClock())
    yield server
    server.stop()


@pytest.fixture
def http():
    with httpx.Client(timeout=15) as client:
        yield client
