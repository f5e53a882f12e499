"""The dial tone at work, all in the browser: the governance authority suspends Prov1 in the
registry explorer, and the next verification the presenter runs shows the bank's refusal, with the
reason on the failed check; reinstated, the bank accepts again."""

from __future__ import annotations

import re

from tests.browser.test_story_browser import SCREENSHOTS, WORDS, _to_consent


def _suspend_or_reinstate(page, origin: str, action: str) -> None:
    page.goto(f"{origin}/ui/registry")
    page.locator(f"[data-action='{action}-prov1']").click()
    page.wait_for_selector(f"[data-action='{'reinstate' if action == 'suspend' else 'suspend'}-prov1']")


def _verdict(presenter_page) -> str:
    page = presenter_page.page
    _to_consent(presenter_page, "en")
    page.get_by_role("button", name=WORDS["en"]["accept"]).click()
    page.wait_for_url(re.compile(r"#step-11$"))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"#step-12$"))
    return page.locator("section.verdict").inner_text()


def test_a_suspension_in_the_explorer_is_refused_at_the_next_verification(presenter_page, settings):
    page, origin = presenter_page.page, presenter_page.origin
    page.goto(f"{origin}/ui/registry")
    page.get_by_label("Governance token").fill(settings.resolved_governance_token())
    page.get_by_role("button", name="Log in as governance").click()
    page.wait_for_selector("[data-action='suspend-prov1']")
    _suspend_or_reinstate(page, origin, "suspend")

    refused = _verdict(presenter_page)
    assert WORDS["en"]["refused"] in refused
    failed = page.locator("table.checks tr", has=page.locator("td.mark", has_text="failed"))
    assert failed.count() >= 1
    # Its own reason code, and the reason in the page's words.
    assert "The issuer is suspended (issuer_suspended)" in failed.first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "story-sasha-suspended-en.png"), full_page=True)

    _suspend_or_reinstate(page, origin, "reinstate")
    assert WORDS["en"]["accepted"] in _verdict(presenter_page)
    assert presenter_page.blocked == [] and presenter_page.failed == [] and presenter_page.errors == []
