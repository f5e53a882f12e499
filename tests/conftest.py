"""Shared fixtures: an isolated data directory, settings on a free port, a live sandbox server.

Storage. By default each test's services keep their records in SQLite files under its
``tmp_path``. With ``PCTF_TEST_DATABASE_URL`` set (the admin URL of a PostgreSQL server, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) every test runs on PostgreSQL instead:
the ``backend`` fixture defaults to ``postgres``, and an autouse fixture sets
``PCTF_DATABASE_URL`` to a store of the test's own, so ``Settings(...)`` built by a test and the
environment of a subprocess started from ``os.environ`` use it too. A test that is about SQLite
files (their adoption by migrations, a data directory's contents) passes ``database_url=None``
or leaves ``PCTF_DATABASE_URL`` out of a subprocess's environment, and says so.

A store on PostgreSQL is a schema of its own in one database created for the session (its URL
sets ``search_path``): creating a schema costs a few milliseconds where ``CREATE DATABASE``
costs 0.15 to 0.3 s, and the service's migrations run in it from nothing, as in a new SQLite file.
"""

from __future__ import annotations

import os
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from pctf.clock import FrozenClock, SystemClock
from pctf.settings import Settings
from pctf.storage import dispose_all
from scenarios.keyring import Keyring
from tests.support import free_port, running_services, serve_sandbox

GOVERNANCE_TOKEN = "test-governance-token"
# When set, the whole suite runs on this PostgreSQL server (see the module docstring).
TEST_DATABASE_URL = os.environ.get("PCTF_TEST_DATABASE_URL") or None
# The PostgreSQL server tests create their throw-away stores on (trust auth on loopback).
POSTGRES_ADMIN_URL = TEST_DATABASE_URL or os.environ.get(
    "PCTF_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
DEFAULT_BACKEND = "postgres" if TEST_DATABASE_URL else "sqlite"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server does not answer: tests that need it skip, saying where it was looked for."""


class PostgresStores:
    """Throw-away stores on one PostgreSQL server: one database for the session, created on first
    use and dropped at the end, and a schema in it for each store (:meth:`new`)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.database = f"pctf_test_{uuid.uuid4().hex[:12]}"
        self._admin: Engine | None = None
        self._engine: Engine | None = None
        self._failure: str | None = None

    def _session_engine(self) -> Engine:
        if self._failure is not None:
            raise PostgresUnavailable(self._failure)
        if self._engine is None:
            admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{self.database}"'))
            except Exception as exc:  # no server: say so plainly instead of failing every test
                admin.dispose()
                self._failure = f"PostgreSQL not reachable at {self.admin_url}: {exc.__class__.__name__}"
                raise PostgresUnavailable(self._failure) from None
            self._admin = admin
            self._engine = create_engine(self._url(), isolation_level="AUTOCOMMIT")
        return self._engine

    def _url(self, schema: str | None = None) -> str:
        url = make_url(self.admin_url).set(database=self.database)
        if schema is not None:
            url = url.update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def new(self) -> str:
        """The URL of a new, empty store (raises :class:`PostgresUnavailable`)."""
        schema = f"t_{uuid.uuid4().hex[:16]}"
        with self._session_engine().connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        return self._url(schema)

    def drop(self, url: str) -> None:
        """Remove a store made by :meth:`new` (best effort: the session's database goes at the end anyway)."""
        schema = make_url(url).query.get("options", "").partition("search_path=")[2]
        if not schema or self._engine is None:
            return
        try:
            with self._engine.connect() as conn:
                conn.execute(text("SET lock_timeout = '5s'"))
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        except Exception:  # a process of the test still holds a lock: left to the database's drop
            pass

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        if self._admin is not None:
            with self._admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            self._admin.dispose()


@pytest.fixture(scope="session")
def postgres_stores():
    """:class:`PostgresStores` on :data:`POSTGRES_ADMIN_URL`, for the session."""
    stores = PostgresStores(POSTGRES_ADMIN_URL)
    yield stores
    dispose_all()
    stores.close()


@pytest.fixture
def new_database(postgres_stores):
    """``new_database()``: the URL of another empty PostgreSQL store for this test (a process of
    its own, a second sandbox), removed when the test ends; skips when the server does not answer."""
    made: list[str] = []

    def new() -> str:
        try:
            url = postgres_stores.new()
        except PostgresUnavailable as exc:
            pytest.skip(str(exc))
        made.append(url)
        return url

    yield new
    dispose_all()
    for url in made:
        postgres_stores.drop(url)


@pytest.fixture
def another_store(new_database):
    """``another_store()``: the ``database_url`` of a store this test runs beside its own (a second
    registry, another jurisdiction's framework): None (SQLite files in that store's own data
    directory), or a new PostgreSQL store when the suite runs on PostgreSQL."""
    return lambda: new_database() if TEST_DATABASE_URL else None


@pytest.fixture(scope="module", autouse=True)
def _module_database(postgres_stores):
    """With ``PCTF_TEST_DATABASE_URL``: the store a module-scoped fixture's services use (set
    before them; each test then gets its own, :func:`_test_database`)."""
    if TEST_DATABASE_URL is None:
        yield None
        return
    try:
        url = postgres_stores.new()
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PCTF_DATABASE_URL", url)
        yield url
    dispose_all()
    postgres_stores.drop(url)


@pytest.fixture(autouse=True)
def _test_database(request, monkeypatch, _module_database):
    """With ``PCTF_TEST_DATABASE_URL``: ``PCTF_DATABASE_URL`` names a PostgreSQL store of this test's
    own for as long as it runs (Settings built by the test and subprocess environments inherit it).
    Without it, a ``PCTF_DATABASE_URL`` of the caller's shell does not leak into the tests."""
    if TEST_DATABASE_URL is None:
        monkeypatch.delenv("PCTF_DATABASE_URL", raising=False)
        yield None
        return
    url = request.getfixturevalue("new_database")()
    monkeypatch.setenv("PCTF_DATABASE_URL", url)
    yield url


@pytest.fixture(params=[DEFAULT_BACKEND])
def backend(request) -> str:
    """Storage backend (``postgres`` when ``PCTF_TEST_DATABASE_URL`` is set); a test module
    widens it with its own ``backend`` fixture."""
    return request.param


@pytest.fixture
def database_url(backend, _test_database, new_database):
    """None for the embedded SQLite default, or a PostgreSQL store of this test's own (the one
    ``PCTF_DATABASE_URL`` names when the suite runs on PostgreSQL)."""
    if backend == "sqlite":
        return None
    return _test_database or new_database()


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
