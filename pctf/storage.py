"""The one storage factory: SQLModel engines for each service.

Embedded default: one SQLite file per service in the data directory, in WAL mode so a reader
never blocks the writer and a crash loses nothing committed. With ``PCTF_DATABASE_URL`` set,
every service uses that database (PostgreSQL in the production-like setup).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel, create_engine

from .settings import Settings

_engines: dict[tuple[str, str], Engine] = {}
_evolved: set[tuple[str, str]] = set()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _table(model: type[SQLModel]) -> Table:
    """The table of a ``table=True`` model (SQLModel's typing leaves ``__table__`` undeclared)."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


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
    _create_tables(engine, [_table(t) for t in tables])
    return engine


def _create_tables(engine: Engine, tables: list[Table], attempts: int = 5) -> None:
    """``create_all`` that tolerates another process creating the same tables at the same moment
    (services starting together on one database): each CREATE is checked first, and one that
    loses the race is simply tried again, when the check then finds the table made."""
    for attempt in range(attempts):
        try:
            SQLModel.metadata.create_all(engine, tables=tables)
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


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


def add_missing_columns(engine: Engine, tables: Iterable[type[SQLModel]]) -> None:
    """Bring tables made by an earlier version of a service up to date, in place.

    ``create_all`` only creates missing tables, so a data directory from before a model gained a
    column would fail on first use. Each missing column (nullable by construction: existing rows
    have no value for it) is added, and each index of the model created if absent. Nothing is ever
    dropped or altered. Checked once per process and table.
    """
    for model in tables:
        table = _table(model)
        key = (str(engine.url), table.name)
        if key in _evolved:
            continue
        present = {c["name"] for c in inspect(engine).get_columns(table.name)}
        quote = engine.dialect.identifier_preparer.quote
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable:
                raise RuntimeError(f"{table.name}.{column.name} is new and not nullable: it cannot be added in place")
            ddl = (
                f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} "
                f"{column.type.compile(dialect=engine.dialect)}"
            )
            try:
                with engine.begin() as conn:
                    conn.execute(text(ddl))
            except DBAPIError:  # another process added it a moment ago
                if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                    raise
        for index in table.indexes:
            try:
                index.create(engine, checkfirst=True)
            except DBAPIError:  # created by another process between the check and the creation
                if index.name not in {i["name"] for i in inspect(engine).get_indexes(table.name)}:
                    raise
        _evolved.add(key)
