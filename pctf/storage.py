"""The one storage factory: SQLModel engines for each service.

Embedded default: one SQLite file per service in the data directory, in WAL mode so a reader
never blocks the writer and a crash loses nothing committed. With ``PCTF_DATABASE_URL`` set,
every service uses that database (PostgreSQL in the production-like setup). Tables are made
and changed by migrations only (:mod:`pctf.migrations`), run when a service first opens its
database.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from . import migrations
from .reasons import Reason, SandboxError
from .settings import Settings

# The largest row id every backend holds: the services' INTEGER keys are 64-bit on SQLite and
# 32-bit on PostgreSQL. A larger id names no row, and asking PostgreSQL for one fails (integer
# out of range): callers answer "not found" before they ask.
MAX_ROW_ID = 2**31 - 1

_engines: dict[tuple[str, str], Engine] = {}
# Services of one process (a story's sandbox beside the dashboard) open and close engines from
# several threads: the cache is changed under this lock only.
_engines_lock = threading.RLock()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
    """PostgreSQL text cannot hold NUL (U+0000), which SQLite's can: a value holding one (an
    identifier from a query string or a form) is refused as bad input before PostgreSQL is asked,
    as the services refuse it in a JSON body, rather than failing in the driver. No record holds one."""
    for row in parameters if executemany else [parameters]:
        values = row.values() if isinstance(row, dict) else row or ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise SandboxError(Reason.BAD_REQUEST, "a text value holds a NUL character")


def engine_for(settings: Settings, service: str) -> Engine:
    """The engine of ``service``, its tables brought to the head of its migration history
    (:mod:`pctf.migrations`) the first time this process opens it. Cached per database URL."""
    url = database_url(settings, service)
    key = (url, service)
    with _engines_lock:
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
    a lock instead of failing; PostgreSQL: text holding NUL refused as ``bad_request``)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def database_url(settings: Settings, service: str) -> str:
    """Where ``service`` keeps its records: the shared database, or its own SQLite file."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{settings.ensure_data_dir() / (service + '.db')}"


def dispose_all() -> None:
    """Close every pooled connection (tests, and before a data directory is removed)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def dispose_under(directory: Path) -> None:
    """Close the pooled connections to the SQLite files under ``directory`` (a story's sandbox
    about to be removed), leaving every other database's connections as they are."""
    root = f"sqlite:///{directory}"
    with _engines_lock:
        closing = [_engines.pop(k) for k in [k for k in _engines if k[0].startswith(root)]]
    for engine in closing:
        engine.dispose()
