"""Health, readiness, metrics and logs: what an operator sees of the services, and what never
reaches them (claims, tokens, codes).

Every service answers ``<prefix>/healthz`` and ``<prefix>/readyz`` to anyone and
``<prefix>/metrics`` to the monitoring role only; every request has an id that the response
echoes, that every log line written while handling it carries, and that the next service hears.
The stories run with the logs captured at DEBUG in JSON, and no persona's name, birthdate or
street address, and no token in use, appears in them.
"""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import UTC, datetime

import httpx
import pytest

from cli.stack import observed
from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf import observability
from pctf.clock import FrozenClock
from pctf.http import checked_json
from pctf.storage import dispose_all
from scenarios import death_notification, delegation, sasha
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_EVIDENCE
from scenarios.steps import open_wallet
from tests.support import SECRET_KEYS, persona_values, serve_sandbox
from verifier.relying_parties import RELYING_PARTIES

SERVICES = {
    "registry": "/registry",
    "issuers": "/issuers",
    "wallet": "/wallet",
    "verifier": "/verifier",
    "dashboard": "",
}


@pytest.fixture
def captured():
    """The project's logs at DEBUG, as JSON lines, for the time of a test."""
    stream = io.StringIO()
    handler = observability.configure_logging("debug", "json", stream)
    try:
        yield stream
    finally:
        observability.unconfigure_logging(handler)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _logged(stream: io.StringIO, request_id: str, until: str = "", timeout: float = 5.0) -> list[dict]:
    """The lines logged under ``request_id``, once one of them starts with ``until`` (any line when
    empty): a server writes its access line after the answer has gone out, so a client that already
    holds the answer may have to wait a moment for it."""
    deadline = time.monotonic() + timeout
    while True:
        found = [line for line in _lines(stream) if line.get("request_id") == request_id]
        if any(line["message"].startswith(until) for line in found) or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


@pytest.fixture
def live(settings, captured):
    with serve_sandbox(settings) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield server, http, captured


# -- health and readiness ------------------------------------------------------------------------
def test_every_service_is_live_and_ready_for_anyone_and_says_nothing_more(live):
    _server, http, _ = live
    for service, prefix in SERVICES.items():
        live_answer = http.get(f"{prefix}/healthz")
        assert (live_answer.status_code, live_answer.json()) == (200, {"status": "ok"}), service
        ready = http.get(f"{prefix}/readyz")
        assert ready.status_code == 200, (service, ready.text)
        assert ready.json()["status"] == "ready"
        assert set(ready.json()["checks"].values()) <= {"ok"}
    checks = {s: set(http.get(f"{p}/readyz").json()["checks"]) for s, p in SERVICES.items()}
    assert checks == {
        "registry": {"database"},
        "issuers": {"database"},  # the in-process bus has no broker to check
        "wallet": {"database"},
        "verifier": {"database", "registry"},
        "dashboard": set(),
    }


def test_no_wallet_may_take_the_name_of_a_health_or_metrics_route(live):
    """GET /wallet/healthz is the wallet service's liveness: a wallet by that name could never be read."""
    _server, http, _ = live
    for name in ("healthz", "readyz", "metrics"):
        refused = http.put(f"/wallet/{name}")
        assert (refused.status_code, refused.json()["error"]) == (400, "bad_request"), name
    assert http.get("/wallet/healthz").json() == {"status": "ok"}


def test_readiness_names_what_failed_without_the_error(settings, tmp_path):
    """A verifier whose registry cannot be reached, and whose database is gone: 503 naming both
    checks, and neither the registry's address nor the database's."""
    from tests.support import free_port, serve
    from verifier.app import create_app

    nowhere = f"http://127.0.0.1:{free_port()}"
    alone = settings.model_copy(update={"registry_url": nowhere})
    app = create_app(alone, FrozenClock(), httpx.Client(timeout=2))
    observed("verifier", app, alone, httpx.Client(timeout=2))
    app.state.service.db.dispose()
    observability.add_readiness_check(app, "database", observability.database_check(_broken_engine(tmp_path)))
    with serve(app).client() as http:
        answer = http.get("/verifier/readyz")
    dispose_all()
    assert answer.status_code == 503
    assert answer.json() == {"status": "not_ready", "checks": {"database": "failed", "registry": "failed"}}
    assert nowhere.split("//")[1] not in answer.text and str(tmp_path) not in answer.text


def _broken_engine(tmp_path):
    from sqlalchemy import create_engine

    return create_engine(f"sqlite:///{tmp_path}/missing-dir/none.db")


# -- metrics -------------------------------------------------------------------------------------
def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    from prometheus_client.parser import text_string_to_metric_families

    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def test_metrics_are_for_the_monitoring_role_only(live, settings):
    _server, http, _ = live
    token = settings.resolved_metrics_token()
    for prefix in SERVICES.values():
        assert http.get(f"{prefix}/metrics").status_code == 401
        refused = http.get(
            f"{prefix}/metrics", headers={"Authorization": f"Bearer {settings.resolved_presenter_token()}"}
        )
        assert refused.status_code in (401, 403)
        shown = http.get(f"{prefix}/metrics", headers={"Authorization": f"Bearer {token}"})
        assert shown.status_code == 200 and shown.headers["content-type"].startswith("text/plain")
    # The monitoring token opens nothing else.
    other = http.get("/issuers/prov1/issuances", headers={"Authorization": f"Bearer {token}"})
    assert other.status_code == 403 and other.json()["error"] == "forbidden"


def test_metrics_count_requests_by_template_issuances_verifications_and_status_list_reads(live, settings):
    server, http, _ = live
    auth = {"Authorization": f"Bearer {settings.resolved_metrics_token()}"}
    before = http.get("/metrics", headers=auth).text
    with httpx.Client(timeout=30, auth=Keyring(settings)) as operator:
        result = sasha.run(server.url, operator)
    assert result["verdict"]["accepted"] is True
    http.get("/wallet/nobody-at-all/credentials")  # 401: counted under its template
    after = http.get("/wallet/metrics", headers=auth).text

    def grew(name: str, **labels: str) -> float:
        return _metric(after, name, **labels) - _metric(before, name, **labels)

    template = "/wallet/{wallet_id}/credentials"
    assert grew("pctf_http_requests_total", service="wallet", route=template, method="GET", status="401") == 1
    assert grew("pctf_http_request_duration_seconds_count", service="wallet", route=template, method="GET") >= 1
    assert grew("pctf_issuances_total", issuer="prov1") >= 1
    assert grew("pctf_verifications_total", relying_party="bank", verdict="accepted") == 1
    assert grew("pctf_status_list_reads_total", issuer="prov1") >= 1
    # No label holds a raw path, a wallet id or the state of a request.
    assert "nobody-at-all" not in after and "/wallet/sasha" not in after and result["state"] not in after


def test_a_refused_verdict_is_counted_by_its_reason():
    before = observability.VERIFICATIONS.labels("bank", "refused", "credential_revoked")._value.get()
    observability.record_verification("bank", {"accepted": False, "reasons": ["credential_revoked"]})
    assert observability.VERIFICATIONS.labels("bank", "refused", "credential_revoked")._value.get() == before + 1


def test_events_published_and_delivered_are_counted():
    from pctf.events import InProcessEventBus

    bus = InProcessEventBus()
    seen: list[dict] = []
    bus.subscribe("observability.test", seen.append)
    published = observability.EVENTS_PUBLISHED.labels("observability.test")._value.get()
    delivered = observability.EVENTS_DELIVERED.labels("observability.test", "handled")._value.get()
    bus.publish("observability.test", {"id": "e-1"})
    assert bus.wait_idle(5)
    bus.close()
    assert seen == [{"id": "e-1"}]
    assert observability.EVENTS_PUBLISHED.labels("observability.test")._value.get() == published + 1
    assert observability.EVENTS_DELIVERED.labels("observability.test", "handled")._value.get() == delivered + 1


# -- request ids ---------------------------------------------------------------------------------
def test_a_response_and_its_log_lines_carry_the_same_request_id(live):
    _server, http, captured = live
    answer = http.get("/registry/healthz")
    request_id = answer.headers["X-Request-ID"]
    assert observability.REQUEST_ID_PATTERN.fullmatch(request_id)
    access = _logged(captured, request_id)
    assert [line["logger"] for line in access] == ["pctf.access"]
    assert access[0]["message"].startswith("GET /registry/healthz 200")


@pytest.mark.parametrize("offered", ["short", "has spaces in it", "x" * 65, "new\nline-injected"])
def test_a_malformed_request_id_is_replaced(live, offered):
    _server, http, _ = live
    answer = http.get("/wallet/healthz", headers={"X-Request-ID": offered.replace("\n", "%0A")})
    assert answer.headers["X-Request-ID"] != offered.replace("\n", "%0A")
    assert observability.REQUEST_ID_PATTERN.fullmatch(answer.headers["X-Request-ID"])


def test_a_callers_request_id_reaches_the_next_services_log(live, settings):
    """The wallet redeems an offer: the issuer's log lines for the wallet's calls carry the id
    the caller gave the wallet."""
    server, _http, captured = live
    with httpx.Client(base_url=server.url, timeout=30, auth=Keyring(settings)) as operator:
        open_wallet(operator, server.url, "sasha")
        offer = checked_json(operator.post("/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE}))
        answer = operator.post(
            "/wallet/sasha/offers",
            json={"offer": offer["credential_offer_uri"], "tx_code": offer["tx_code"]},
            headers={"X-Request-ID": "trace-0123456789"},
        )
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Request-ID"] == "trace-0123456789"
    traced = [
        line["message"] for line in _logged(captured, "trace-0123456789", until="POST /wallet/{wallet_id}/offers")
    ]
    assert any(m.startswith("POST /wallet/{wallet_id}/offers 200") for m in traced), traced
    issuer_calls = [m for m in traced if " /issuers/" in m or " /.well-known/" in m]
    assert any("/token" in m for m in issuer_calls) and any("/credential" in m for m in issuer_calls), traced


# -- nothing personal or secret in the logs ------------------------------------------------------


def test_the_stories_log_no_claim_token_or_code(settings, captured, tmp_path, new_database):
    assert {"Sasha", "1988-06-14", "42 Birch Street", "15 Elm Crescent"} <= persona_values()
    seen: set[str] = set()

    def keep_request(request: httpx.Request) -> None:
        token = request.headers.get("authorization", "").partition(" ")[2]
        if len(token) >= 6:
            seen.add(token)

    def walk(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        # "credential" also names which credential a verdict's check is about ("delegation").
        elif (
            isinstance(value, str) and key in SECRET_KEYS and len(value) >= 6 and (key != "credential" or "~" in value)
        ):
            seen.add(value)

    def keep_response(response: httpx.Response) -> None:
        response.read()
        try:
            walk(response.json())
        except ValueError:
            pass

    stories = {
        "sasha": lambda url, http, clock: sasha.run(url, http)["verdict"]["accepted"],
        "delegation": lambda url, http, clock: delegation.run(
            url, http, ttl_seconds=60, retry_every=15, pause=clock.advance, now=clock.now
        )["ok"],
        "death-notification": lambda url, http, clock: death_notification.run(
            url, http, ttl_seconds=60, retry_every=60, pause=clock.advance, date_of_death=clock.now().date().isoformat()
        )["ok"],
    }
    results = {}
    for story, run in stories.items():
        # Each story in a sandbox of its own, as `pctf-sandbox demo` runs it (its own database too).
        clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
        store = new_database() if settings.database_url else None
        own = settings.model_copy(
            update={"status_list_ttl_seconds": 60, "data_dir": tmp_path / story, "database_url": store}
        )
        with serve_sandbox(own, clock) as server:
            hooks = {"request": [keep_request], "response": [keep_response]}
            with httpx.Client(timeout=30, auth=Keyring(own), event_hooks=hooks) as http:
                results[story] = run(server.url, http, clock)
        seen.update((own.resolved_governance_token(), own.resolved_assessor_token()))
        seen.update((own.resolved_presenter_token(), own.resolved_metrics_token()))
        seen.update(own.issuer_staff_token(i) for i in SANDBOX_ISSUERS)
        seen.update(own.relying_party_token(rp) for rp in RELYING_PARTIES)
        dispose_all()
    assert results == {"sasha": True, "delegation": True, "death-notification": True}
    assert len(seen) > 30  # role tokens, wallet tokens, codes, states, nonces and credentials
    logs = captured.getvalue()
    lines = _lines(captured)
    assert len(lines) > 100 and {line["level"] for line in lines} >= {"info"}
    assert {line["logger"] for line in lines} >= {"pctf.access"}
    leaked = sorted(value for value in persona_values() | seen if value in logs)
    assert leaked == []


def test_text_logs_by_default_and_settings_are_checked(settings):
    stream = io.StringIO()
    handler = observability.configure_logging(stream=stream)
    try:
        logging.getLogger("pctf.test").info("hello")
        logging.getLogger("pctf.test").debug("not at info")
    finally:
        observability.unconfigure_logging(handler)
    assert stream.getvalue().rstrip().endswith("INFO    pctf.test hello")
    assert "not at info" not in stream.getvalue()
    assert (settings.log_level, settings.log_format) == ("info", "text")
    with pytest.raises(ValueError):
        type(settings)(log_format="xml")
    with pytest.raises(ValueError):
        observability.configure_logging("verbose")
