"""The storage factory: services that start together on one database must not trip over each other."""

from __future__ import annotations

import threading

from sqlalchemy import event, inspect
from sqlmodel import create_engine

from pctf import migrations, storage
from registry.models import Application, AuditEntry, Authorization, Entity, KeyEvent, Recognition, StatusEvent

TABLES = [m.__table__ for m in (Entity, Authorization, Recognition, StatusEvent, KeyEvent, Application, AuditEntry)]


def test_tables_created_by_several_services_at_the_same_moment(tmp_path):
    """Each thread stands for a process starting on the same fresh SQLite file (the registry's
    service and the command line upgrading it at once): every one must come up, one of them
    having created the tables."""
    for round_ in range(3):
        url = f"sqlite:///{tmp_path / f'shared-{round_}.db'}"
        engines = []
        for _ in range(6):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", storage._sqlite_pragmas)
            engines.append(engine)
        start, failures, outcomes = threading.Barrier(len(engines)), [], []

        def create(engine) -> None:
            start.wait()
            try:
                outcomes.append(migrations.upgrade(engine, "registry"))
            except Exception as exc:  # what would have stopped a service from starting
                failures.append(exc)

        threads = [threading.Thread(target=create, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert failures == []
        assert sorted(outcomes) == ["created"] + ["up to date"] * (len(engines) - 1)
        assert {t.name for t in TABLES} <= set(inspect(engines[0]).get_table_names())
        for engine in engines:
            engine.dispose()
