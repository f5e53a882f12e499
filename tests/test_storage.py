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


def test_values_no_database_holds_are_unknown_or_refused_on_every_backend(sandbox, http):
    """A row id beyond every backend's INTEGER key (PostgreSQL's is 32-bit) names nothing, and a
    text holding NUL (which PostgreSQL text cannot hold) is bad input: neither reaches the
    database as a query it fails on (500), whichever backend the services run on."""
    base, beyond = sandbox.url, storage.MAX_ROW_ID + 1
    for path in (f"/issuers/prov1/status-lists/{beyond}", f"/issuers/vitalstats/deaths/{beyond}"):
        answer = http.get(base + path)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found", (path, answer.text)
    http.put(f"{base}/wallet/storage_probe").raise_for_status()
    renewed = http.post(f"{base}/wallet/storage_probe/credentials/{beyond}/renew")
    assert renewed.status_code == 404 and renewed.json()["error"] == "not_found", renewed.text
    for params in ({"entity_id": "https://issuer.example/\x00"}, {"entity_id": "\x00"}):
        answer = http.get(f"{base}/registry/entity", params=params)
        assert answer.status_code in (400, 404), answer.text
    refused = http.post(f"{base}/verifier/bank/response", data={"state": "\x00", "vp_token": "x"})
    assert refused.status_code in (400, 404), refused.text
