"""The one storage factory: SQLModel engines for each service.

Embedded default: one SQLite file per service in the data directory, in WAL mode so a reader
never blocks the writer and a crash loses nothing committed. With ``PCTF_DATABASE_URL`` set,
every service uses that database (PostgreSQL in the production-like setup). Tables are made
and changed by migrations only (:mod:`pctf.migrations`), run when a service first opens its
database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from . import migrations
from .settings import Settings

_engines: dict[tuple[str, str], Engine] = {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def engine_for(settings: Settings, service: str) -> Engine:
    """The engine of ``service``, its tables brought to the head of its migration history
    (:mod:`pctf.migrations`) the first time this process opens it. Cached per database URL."""
    url = database_url(settings, service)
    key = (url, service)
    engine = _engines.get(key)
    if engine is None:
        engine = open_engine(url)
        try:
            migrations.upgrade(engine, service)
        except BaseException:
            engine.dispose()
            raise
        _engines[key] = engine
    return engine


def open_engine(url: str) -> Engine:
    """An engine on ``url`` set up as every service's is (SQLite: WAL, foreign keys, waits for
    a lock instead of failing)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def database_url(settings: Settings, service: str) -> str:
    """Where ``service`` keeps its records: the shared database, or its own SQLite file."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{settings.ensure_data_dir() / (service + '.db')}"


def dispose_all() -> None:
    """Close every pooled connection (tests, and before a data directory is removed)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def dispose_under(directory: Path) -> None:
    """Close the pooled connections to the SQLite files under ``directory`` (a story's sandbox
    about to be removed), leaving every other database's connections as they are."""
    root = f"sqlite:///{directory}"
    for key in [k for k in _engines if k[0].startswith(root)]:
        _engines.pop(key).dispose()
