"""The registry explorer and a persona's wallet in a real browser with no internet access: the
governance authority suspends and reinstates an issuer, the audit chain is checked, and Sasha's
credentials show their status."""

from __future__ import annotations

from pathlib import Path

from scenarios import sasha

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _settle(page) -> None:
    """Let the page finish loading (its icon too) before leaving it, so nothing is cut off."""
    page.wait_for_load_state("networkidle")


def _clean(seen) -> None:
    assert seen.blocked == [] and seen.failed == [] and seen.errors == []


def test_governance_suspends_and_reinstates_in_the_explorer(presenter_page, settings):
    page = presenter_page.page
    answer = page.goto(f"{presenter_page.origin}/ui/registry")
    assert answer is not None and answer.status == 200
    assert page.locator("#entity-prov1").count() == 1
    assert page.locator("[data-action='suspend-prov1']").count() == 0

    _settle(page)
    page.get_by_label("Governance token").fill(settings.resolved_governance_token())
    page.get_by_role("button", name="Log in as governance").click()
    page.wait_for_selector("[data-action='suspend-prov1']")
    status = page.locator("#entity-prov1 [data-entity-status]")
    assert "active" in status.inner_text()

    _settle(page)
    page.locator("[data-action='suspend-prov1']").click()
    page.wait_for_selector("[data-action='reinstate-prov1']")
    assert "suspended" in page.locator("#entity-prov1 [data-entity-status]").inner_text()
    assert "The entity is suspended." in page.locator("[role='status']").first.inner_text()

    _settle(page)
    page.locator("[data-action='reinstate-prov1']").click()
    page.wait_for_selector("[data-action='suspend-prov1']")
    assert "active" in page.locator("#entity-prov1 [data-entity-status]").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _settle(page)
    page.goto(f"{presenter_page.origin}/ui/registry")
    _settle(page)
    page.screenshot(path=str(SCREENSHOTS / "registry-en.png"), full_page=True)
    assert page.locator("#entity-prov1 .badge.status-active").count() >= 1

    # The audit log records both decisions, and its chain checks out (in place, with htmx).
    page.goto(f"{presenter_page.origin}/ui/registry/audit")
    _settle(page)
    assert page.get_by_text("entity.suspended").count() >= 1
    page.get_by_role("button", name="Verify the chain").click()
    page.wait_for_selector("#verify-result .passed")
    assert "The chain is intact" in page.locator("#verify-result").inner_text()
    _clean(presenter_page)


def test_sasha_wallet_page(presenter_page, sandbox, http):
    sasha.run(sandbox.url, http)
    page = presenter_page.page
    answer = page.goto(f"{presenter_page.origin}/ui/wallets")
    assert answer is not None and answer.status == 200
    _settle(page)
    page.get_by_role("link", name="Sasha Tremblay").click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == "Sasha Tremblay's wallet"
    assert page.locator("[data-credential-status='valid']").count() == 3
    page.locator("summary").first.click()
    assert page.locator("table.claims").first.is_visible()
    assert page.locator("table.consents tbody tr").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "wallet-sasha-en.png"), full_page=True)
    _clean(presenter_page)
