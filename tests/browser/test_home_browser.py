"""The home page a working group first sees: the ecosystem as a map, in English or French."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_home_page_maps_the_ecosystem_in_both_languages(presenter_page):
    page = presenter_page.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{presenter_page.origin}/?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    issuers = page.locator("#map-issuers + ul li")
    assert issuers.count() >= 5
    # Every sandbox issuer is shown with its status in the registry now.
    assert "Prov1" in issuers.first.inner_text() and "Status: active" in issuers.first.inner_text()
    assert page.get_by_role("heading", name="Trust registry").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "home-en.png"), full_page=True)

    page.get_by_role("link", name="Français").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", name="Registre de confiance").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "home-fr.png"), full_page=True)
    page.goto(f"{presenter_page.origin}/")  # the choice is remembered
    assert page.locator("html").get_attribute("lang") == "fr"
    assert presenter_page.blocked == [] and presenter_page.failed == [] and presenter_page.errors == []


def test_a_stranger_sees_the_map_but_no_wallet(offline_page):
    page = offline_page.page
    page.goto(f"{offline_page.origin}/")
    assert page.locator("#map-issuers + ul li").count() >= 5
    assert "Sasha Tremblay" not in page.content()
    assert offline_page.blocked == [] and offline_page.failed == [] and offline_page.errors == []
