"""The live event log: every request between services classified in plain words in both
languages, nothing secret kept, and the page and its event stream for the presenter only."""

from __future__ import annotations

import json
import time
from html import unescape

import httpx
import pytest

from cli.stack import build_app
from dashboard import events, i18n
from dashboard.events import NOTES, ROUTES, SHOWN_PARAMS, EventLog, classify, describe
from issuers.jurisdictions import SANDBOX_ISSUERS
from scenarios.personas import SASHA_FATHER_DEATH

SERVICES = ("registry", "issuers", "wallet", "verifier")


def _service_routes(settings) -> set[tuple[str, str]]:
    """Every (method, template) the services serve, docs and static files aside."""
    dispatcher = build_app(settings)
    try:
        found = set()
        for _, app in dispatcher.routes:
            for route in app.routes:
                for method in getattr(route, "methods", None) or ():
                    if method != "HEAD" and not route.path.endswith(("/docs", "/openapi.json", "/oauth2-redirect")):
                        found.add((method, route.path))
        return found
    finally:
        for stop in dispatcher.on_shutdown:
            stop()


def test_every_route_of_every_service_has_a_kind_in_plain_words(settings):
    served = _service_routes(settings)
    assert not served - set(ROUTES), "routes with no kind: add them to dashboard.events.ROUTES"
    assert not set(ROUTES) - served, "kinds for routes that no longer exist"


def test_every_kind_and_party_is_told_in_both_languages():
    kinds = {kind for kind, _, _ in ROUTES.values()} | set(NOTES) | {"other"}
    parties = {p for _, source, target in ROUTES.values() for p in (source, target)}
    parties |= {p for source, target, _ in NOTES.values() for p in (source, target)}
    for lang in i18n.LANGS:
        for kind in kinds - {"other"}:
            assert i18n.t(f"events.kind.{kind}", lang)
        for party in parties | {"client", "wallet_service", "verifier_service", "issuers"}:
            assert i18n.t(f"events.party.{party}", lang)


@pytest.mark.parametrize(
    "method, template, kind",
    [
        ("POST", "/issuers/{issuer}/token", "offer_redeemed"),
        ("POST", "/issuers/{issuer}/credential", "credential_issued"),
        ("GET", "/verifier/{rp_id}/requests/{state}", "presentation_request_fetched"),
        ("POST", "/verifier/{rp_id}/response", "presentation_received"),
        ("POST", "/registry/authorization", "trqp_authorization"),
        ("POST", "/registry/recognition", "trqp_recognition"),
        ("GET", "/issuers/{issuer}/status-lists/{list_id}", "status_list"),
        ("GET", "/registry/trust-list", "trust_list"),
        ("POST", "/issuers/{issuer}/deaths", "death_registered"),
        ("PATCH", "/registry/entity/status", "entity_status"),
        ("post", "/registry/authorization", "trqp_authorization"),
    ],
)
def test_classification(method, template, kind):
    assert classify(method, template)[0] == kind


def test_an_unknown_route_is_still_shown_with_its_method_and_route():
    log = EventLog()
    event = log.record("DELETE", "/wallet/{wallet_id}/everything", {"wallet_id": "sasha"}, 404, 1.0)
    assert classify("DELETE", "/wallet/{wallet_id}/everything") == ("other", "client", "wallet_service")
    shown = describe(event, "fr")
    assert shown["label"] == "Requête DELETE /wallet/sasha/everything"
    assert shown["to"] == "Service des portefeuilles" and shown["ok"] is False


def test_the_log_is_a_bounded_ring_numbered_in_order():
    log = EventLog(size=3)
    for n in range(5):
        log.record("POST", "/registry/authorization", {}, 200, n)
    assert log.last_seq == 5
    assert [e.seq for e in log.since(0)] == [3, 4, 5]
    assert [e.seq for e in log.since(4)] == [5]
    assert log.since(5) == []


def test_only_the_named_subjects_are_kept_never_codes_or_query_strings():
    log = EventLog()
    params = {"issuer": "prov1", "list_id": 7, "state": "secret-state", "code": "pre-auth-code"}
    event = log.record("GET", "/issuers/{issuer}/status-lists/{list_id}?token=abc", params, 200, 2.345)
    assert event.route == "/issuers/prov1/status-lists/{list_id}"
    assert event.subjects == {"issuer": "prov1"} and set(event.subjects) <= set(SHOWN_PARAMS)
    assert "secret" not in json.dumps(describe(event, "en")) and "abc" not in json.dumps(describe(event, "en"))
    fetched = log.record("GET", "/verifier/{rp_id}/requests/{state}", {"rp_id": "bank", "state": "s3cr3t"}, 200, 1)
    shown = describe(fetched, "en")
    assert shown["route"] == "GET /verifier/bank/requests/{state}" and "s3cr3t" not in json.dumps(shown)
    assert shown["from"] == "Wallet" and shown["to"] == "Relying party bank"
    assert shown["label"] == "Presentation request fetched by the wallet (OpenID4VP)"
    assert describe(fetched, "fr")["label"] == "Demande de présentation récupérée par le portefeuille (OpenID4VP)"


def test_a_note_from_the_event_bus_names_only_its_subjects():
    log = EventLog()
    event = log.note("death_delivered", issuer="prov2", person="Gilles")
    shown = describe(event, "en")
    assert event.subjects == {"issuer": "prov2"} and shown["status"] is None
    assert (shown["from"], shown["to"]) == ("Event bus", "Issuer prov2")
    assert "Gilles" not in json.dumps(shown)


def _trqp(settings) -> dict:
    return {
        "entity_id": settings.issuer_id("prov1"),
        "authority_id": settings.registry_authority_id,
        "action": "issue",
        "resource": "VerifiedPerson",
        "context": {"time": "2025-06-01T00:00:00Z", "assurance_level": 3},
    }


def _first_event(client: httpx.Client, url: str, headers: dict, timeout: float = 10) -> dict:
    """The first event a live stream sends (reading stops there)."""
    deadline = time.monotonic() + timeout
    with client.stream("GET", url, headers={**headers, "Accept": "text/event-stream"}, timeout=timeout) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        seen: dict = {}
        for line in answer.iter_lines():
            if line.startswith("id: "):
                seen["id"] = int(line[4:])
            elif line.startswith("data: "):
                return {**json.loads(line[6:]), "_id": seen.get("id")}
            assert time.monotonic() < deadline, "no event in time"
    raise AssertionError("the stream ended with no event")


def test_the_presenter_sees_what_crosses_between_services(sandbox, settings):
    presenter = {"Authorization": f"Bearer {settings.resolved_presenter_token()}"}
    with httpx.Client(base_url=sandbox.url, timeout=15) as client:
        answer = client.post("/registry/authorization", json=_trqp(settings))
        assert answer.status_code == 200, answer.text
        client.post("/registry/recognition", json={**_trqp(settings), "entity_id": "https://other.example/registry"})
        client.get("/registry/trust-list")

        anonymous = client.get("/ui/events")
        assert anonymous.status_code == 401
        assert client.get("/ui/events/stream").status_code == 401

        page = client.get("/ui/events", headers=presenter)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "TRQP authorization query: may this issuer issue this credential?" in html
        assert "TRQP recognition query" in html and "Trust list fetched" in html
        assert html.index("Trust list fetched") < html.index("TRQP authorization query")  # newest first
        french = unescape(client.get("/ui/events?lang=fr", headers=presenter).text)
        assert "Requête d'autorisation TRQP" in french

        # Without asking for an event stream, the answer is what happened so far, and ends.
        backlog = client.get("/ui/events/stream?after=0", headers=presenter)
        assert backlog.status_code == 200 and backlog.headers["content-type"].startswith("text/event-stream")
        kinds = [json.loads(line[6:])["kind"] for line in backlog.text.splitlines() if line.startswith("data: ")]
        assert kinds[:3] == ["trqp_authorization", "trqp_recognition", "trust_list"]

        # A live stream sends what happens next; a reconnecting browser resumes after Last-Event-ID.
        last = sandbox.app.log.last_seq
        client.post("/registry/authorization", json=_trqp(settings))
        event = _first_event(client, f"/ui/events/stream?after={last}&lang=en", presenter)
        assert event["kind"] == "trqp_authorization" and event["_id"] == event["seq"] == last + 1
        assert event["route"] == "POST /registry/authorization" and event["status"] == 200
        assert event["to"] == "Trust registry" and event["at"].endswith("Z")
        resumed = _first_event(client, "/ui/events/stream", {**presenter, "Last-Event-ID": "0"})
        assert resumed["seq"] >= 1


def test_a_death_is_seen_delivered_to_each_issuer(sandbox, settings, http):
    presenter = {"Authorization": f"Bearer {settings.resolved_presenter_token()}"}
    answer = http.post(
        f"{sandbox.url}/issuers/vitalstats/deaths", json={**SASHA_FATHER_DEATH, "date_of_death": "2025-03-01"}
    )
    assert answer.status_code == 201, answer.text
    deadline = time.monotonic() + 10
    delivered: list[str] = []
    while time.monotonic() < deadline:
        backlog = http.get(f"{sandbox.url}/ui/events/stream?after=0", headers=presenter).text
        events = [json.loads(line[6:]) for line in backlog.splitlines() if line.startswith("data: ")]
        delivered = [e["to"] for e in events if e["kind"] == "death_delivered"]
        if len(delivered) == len(SANDBOX_ISSUERS):
            break
        time.sleep(0.1)
    assert sorted(delivered) == sorted(f"Issuer {short_id}" for short_id in SANDBOX_ISSUERS)
    assert any(e["kind"] == "death_registered" and e["status"] == 201 for e in events)
    assert any(e["kind"] == "death_announced" and e["from"] == "Issuer vitalstats" for e in events)
    assert "Gilles" not in backlog


def test_a_live_stream_keeps_alive_and_ends_when_the_server_stops(sandbox, settings, monkeypatch):
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.2)
    presenter = {
        "Authorization": f"Bearer {settings.resolved_presenter_token()}",
        "Accept": "text/event-stream",
    }
    with httpx.Client(base_url=sandbox.url, timeout=10) as client:
        with client.stream("GET", "/ui/events/stream", headers=presenter) as answer:
            assert answer.headers["cache-control"] == "no-store"
            lines = answer.iter_lines()
            assert next(line for line in lines if line.startswith(":")) == ": still here"
            sandbox.app.log.close()
            stopped = time.monotonic()
            rest = list(lines)  # the server ends the answer
            assert time.monotonic() - stopped < 2 and all(not line.startswith("data:") for line in rest)
