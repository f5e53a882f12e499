"""The event log shows, without reloading, a question a relying party just asked the registry."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import expect

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _trqp(settings) -> dict:
    return {
        "entity_id": settings.issuer_id("prov1"),
        "authority_id": settings.registry_authority_id,
        "action": "issue",
        "resource": "VerifiedPerson",
        "context": {"time": "2025-06-01T00:00:00Z", "assurance_level": 3},
    }


def test_a_trqp_query_appears_live_on_the_event_log(presenter_page, settings):
    page = presenter_page.page
    answer = page.goto(f"{presenter_page.origin}/ui/events?lang=en")
    assert answer is not None and answer.status == 200
    rows = page.locator("[data-event-log] tbody tr")
    before = rows.count()
    query = page.locator("tbody tr", has_text="TRQP authorization query")
    expect(query).to_have_count(0)
    page.wait_for_timeout(500)  # the page's stream is open

    with httpx.Client(timeout=15) as client:
        assert client.post(f"{presenter_page.origin}/registry/authorization", json=_trqp(settings)).status_code == 200
        recognition = {**_trqp(settings), "entity_id": "https://other.example/registry"}
        assert client.post(f"{presenter_page.origin}/registry/recognition", json=recognition).status_code == 200

    expect(query).to_have_count(1, timeout=10_000)
    expect(query).to_contain_text("Relying party → Trust registry")
    expect(query).to_contain_text("POST /registry/authorization")
    expect(query).to_contain_text("200")
    newest = rows.first
    expect(newest).to_contain_text("TRQP recognition query")  # newest first
    assert rows.count() >= before + 2
    assert page.locator("[data-event-rows]").get_attribute("aria-live") == "polite"
    assert presenter_page.blocked == [] and presenter_page.errors == []

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "events-en.png"), full_page=True)


def test_the_home_page_shows_live_events_to_the_presenter(presenter_page, settings):
    page = presenter_page.page
    page.goto(f"{presenter_page.origin}/?lang=fr")
    panel = page.locator("section.event-panel[data-event-log]")
    expect(panel).to_have_count(1)
    page.wait_for_timeout(500)
    with httpx.Client(timeout=15) as client:
        client.post(f"{presenter_page.origin}/registry/authorization", json=_trqp(settings))
    expect(panel.locator("li", has_text="Requête d'autorisation TRQP")).to_have_count(1, timeout=10_000)
    assert presenter_page.errors == []
