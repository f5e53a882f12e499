"""Schema migrations (Alembic): the one way a service's tables are created or changed.

Each service keeps its records in a database of its own: one SQLite file per service under
``PCTF_DATA_DIR``, or, with ``PCTF_DATABASE_URL``, one PostgreSQL database all of them share.
So each service has a history of its own (``versions/<service>/``) recorded in a version table
of its own (``alembic_version_<service>``): a service's file holds its tables and its version
only, the shared PostgreSQL database holds every service's tables side by side with one version
table each, and a service upgrades without waiting on, or knowing of, the others. One history
with branch labels would record every service in one table, which a SQLite file per service
does not have.

The first revision of each history creates the service's tables as they are today. A database
from before migrations existed (tables there, version table absent) is brought under version
control by that same revision: a table already there gets its missing columns and indexes
(:mod:`pctf.migrations.adopt`) instead of being created, nothing is dropped, and the version
table then records the revision.

Upgrading runs when a service opens its database (:func:`pctf.storage.engine_for`) and with
``pctf-sandbox db upgrade``. Processes that start together on one database upgrade it one at a
time: PostgreSQL under a transaction-scoped advisory lock, SQLite under an exclusive lock on a
file beside the database; each re-reads the version under the lock, so the second finds the work
done. An up-to-date database costs one query: its version is read and compared with the head.

Everything is configured in code (no ``alembic.ini``); the histories ship inside the package.
"""

from __future__ import annotations

import ast
import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
SERVICES = tuple(sorted(p.name for p in (HERE / "versions").iterdir() if p.is_dir() and not p.name.startswith("_")))


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def config(service: str, connection: Connection | None = None) -> Config:
    """Alembic's configuration for ``service``'s history, on ``connection`` when given."""
    from alembic.config import Config

    _known(service)
    cfg = Config()
    cfg.set_main_option("path_separator", "os")  # an installation path may contain spaces
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions" / service))
    cfg.attributes["service"] = service
    cfg.attributes["connection"] = connection
    return cfg


def _known(service: str) -> None:
    if service not in SERVICES:
        raise ValueError(f"no migration history for service {service!r} (known: {', '.join(SERVICES)})")


@cache
def head(service: str) -> str:
    """The newest revision of ``service``'s history: the one no other revision follows.

    Read from the revision files' ``revision`` and ``down_revision`` assignments, not through
    Alembic, whose import costs more than everything else an up-to-date start does; Alembic is
    imported only when there is something to upgrade (tests/test_migrations.py checks that both
    agree)."""
    _known(service)
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (HERE / "versions" / service).glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = ast.literal_eval(node.value) if node.targets[0].id in {"revision", "down_revision"} else None
                if node.targets[0].id == "revision":
                    revisions.add(str(value))
                elif isinstance(value, str):
                    followed.add(value)
                elif isinstance(value, tuple):
                    followed.update(value)
    heads = revisions - followed
    if len(heads) != 1:
        raise RuntimeError(f"the migration history of {service!r} has {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def current(engine: Engine, service: str) -> str | None:
    """The revision ``service``'s tables in this database are at; None before any migration."""
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"version_table": version_table(service)})
        return ctx.get_current_revision()


def _recorded(engine: Engine, service: str) -> str | None:
    """The recorded revision in one query; None when there is no version table yet."""
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT version_num FROM {version_table(service)}")).scalar()
    except DBAPIError:
        return None


def upgrade(engine: Engine, service: str) -> str:
    """Bring ``service``'s tables to the head of its history. Returns what was done: ``up to
    date``, ``created`` (a fresh database), ``adopted`` (tables from before migrations, now under
    version control) or ``upgraded from <revision>``."""
    target = head(service)
    if _recorded(engine, service) == target:
        return "up to date"
    from alembic import command
    from alembic.migration import MigrationContext

    with _exclusive(engine, service) as conn:
        before = MigrationContext.configure(conn, opts={"version_table": version_table(service)}).get_current_revision()
        if before == target:
            return "up to date"
        cfg = config(service, conn)
        command.upgrade(cfg, "head")
        if before is not None:
            return f"upgraded from {before}"
        return "adopted" if cfg.attributes.get("adopted") else "created"


@contextmanager
def _exclusive(engine: Engine, service: str) -> Iterator[Connection]:
    """A connection in a transaction that no other process upgrading ``service`` on the same
    database holds at the same time; committed on leaving."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            key = zlib.crc32(f"pctf-migrations:{service}".encode()) - 2**31  # a signed 32-bit key
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
            yield conn
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        with engine.begin() as conn:
            yield conn
        return
    with open(f"{database}.migrate-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with engine.begin() as conn:
                yield conn
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
