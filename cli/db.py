"""``pctf-sandbox db ...``: the services' databases under migration control (:mod:`pctf.migrations`).

The services upgrade their own database when they start; ``db upgrade`` does it ahead of them (a
deployment step before new containers start, or after a restore) and ``db current`` tells where
each database is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import typer
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from pctf import migrations
from pctf.storage import database_url, open_engine

from .support import fail, out, settings

db_app = typer.Typer(help="The services' databases: upgrade them, show their revisions.", no_args_is_help=True)

T = TypeVar("T")


def _each_service(act: Callable[[Engine, str], T]) -> list[tuple[str, T]]:
    """``act`` on every service's database; an unusable database URL or an unreachable database
    ends the command with one line naming it (password hidden) and exit code 2."""
    s = settings()
    done: list[tuple[str, T]] = []
    for service in migrations.SERVICES:
        url = database_url(s, service)
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except ArgumentError:
            fail("PCTF_DATABASE_URL is not a database URL")
        try:
            engine = open_engine(url)
        except (ArgumentError, ImportError) as exc:
            fail(f"PCTF_DATABASE_URL: no database driver for {shown}: {exc}")
        try:
            done.append((service, act(engine, service)))
        except SQLAlchemyError as exc:
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            fail(f"{service}: the database at {shown} cannot be used: {cause}")
        finally:
            engine.dispose()
    return done


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring every service's tables to the newest revision (a database from before migrations is
    adopted, keeping its rows). Safe to run again, and while the services start."""
    for service, outcome in _each_service(migrations.upgrade):
        out.print(f"{service}: {migrations.head(service)} ({outcome})", markup=False, highlight=False)


def _current(engine: Engine, service: str) -> str | None:
    """The revision, None for a SQLite file not made yet (and left unmade: this only reads)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and not Path(database).exists():
        return None
    return migrations.current(engine, service)


@db_app.command("current")
def current() -> None:
    """Each service's database revision, and whether it is the newest."""
    for service, rev in _each_service(_current):
        state = "newest" if rev == migrations.head(service) else "not upgraded" if rev is None else "behind"
        out.print(f"{service}: {rev or 'none'} ({state})", markup=False, highlight=False)
