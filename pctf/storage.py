"""The one storage factory: SQLModel engines for each service.

Embedded default: one SQLite file per service in the data directory, in WAL mode so a reader
never blocks the writer and a crash loses nothing committed. With ``PCTF_DATABASE_URL`` set,
every service uses that database (PostgreSQL in the production-like setup).
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from .settings import Settings

_engines: dict[tuple[str, str], Engine] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def engine_for(settings: Settings, service: str, tables: Iterable[type[SQLModel]]) -> Engine:
    """The engine of ``service``, its tables created if missing. Cached per database URL."""
    if settings.database_url:
        url = settings.database_url
    else:
        url = f"sqlite:///{settings.ensure_data_dir() / (service + '.db')}"
    key = (url, service)
    engine = _engines.get(key)
    if engine is None:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _engines[key] = engine
    SQLModel.metadata.create_all(engine, tables=[t.__table__ for t in tables])
    return engine


def dispose_all() -> None:
    """Close every pooled connection (tests, and before a data directory is removed)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
