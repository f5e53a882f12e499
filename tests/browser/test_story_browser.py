"""Sasha's story driven in a real browser, as a presenter does in front of a room: the keyboard
moves it on, the consent screen asks, and the bank's verdict lists every check, in English or
French; declining ends with the bank's refusal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.test_accessibility import _report, _violations

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WORDS = {
    "en": {
        "start": "Start the story",
        "next": "Next step",
        "accept": "Accept and share",
        "decline": "Decline",
        "accepted": "✓ Accepted",
        "refused": "✗ Refused",
        "passed": "passed",
        "over": "The story is over.",
    },
    "fr": {
        "start": "Commencer le récit",
        "next": "Étape suivante",
        "accept": "Accepter et communiquer",
        "decline": "Refuser",
        "accepted": "✓ Accepté",
        "refused": "✗ Refusé",
        "passed": "réussi",
        "over": "Le récit est terminé.",
    },
}


def _clean(presenter_page) -> None:
    """Nothing blocked, failed or broken on any page the story went through (the fixture leaves out
    requests the browser cut off itself when the presenter moved on)."""
    assert presenter_page.blocked == [] and presenter_page.failed == [] and presenter_page.errors == []


def _audit(page) -> None:
    """The page as it is now passes the automated accessibility audit (WCAG 2.1 A and AA)."""
    violations = _violations(page)
    assert violations == [], _report(page.url, violations)


def _to_consent(presenter_page, lang: str) -> None:
    """Open Sasha's story, start it, and go on to the consent screen: by keyboard (the right
    arrow, or N) for most steps, by clicking the button for some."""
    page = presenter_page.page
    words = WORDS[lang]
    page.goto(f"{presenter_page.origin}/ui/stories?lang={lang}")
    _audit(page)
    page.locator("a[href='/ui/stories/sasha']").click()
    page.wait_for_url(re.compile(r"/ui/stories/sasha$"))
    _audit(page)
    page.get_by_role("button", name=words["start"]).click()
    page.wait_for_url(re.compile(r"/ui/runs/[^/#]+#step-1$"))
    assert page.locator("#step-1").is_visible()
    for n in range(2, 11):
        if n % 3 == 0:
            page.get_by_role("button", name=re.compile(words["next"])).click()
        else:
            page.keyboard.press("ArrowRight" if n % 2 else "n")
        page.wait_for_url(re.compile(rf"#step-{n}$"))
        assert page.locator(f"#step-{n}").is_visible()
    assert page.get_by_role("button", name=words["accept"]).is_visible()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_sasha_to_the_accepted_verdict(presenter_page, lang):
    page = presenter_page.page
    words = WORDS[lang]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _to_consent(presenter_page, lang)
    consent = page.locator("section.consent")
    assert "Sasha" in consent.inner_text() and "Maple Leaf Designs Inc." in consent.inner_text()
    # The earlier steps' artefacts are there on demand: the offer's QR code and link, the DCQL query.
    assert page.locator("code.offer-uri").first.text_content().startswith("openid-credential-offer://")
    assert page.locator("code.request-uri").first.text_content().startswith("openid4vp://")
    assert page.locator(".qr svg[role='img']").count() >= 3
    _audit(page)
    if lang == "en":
        page.screenshot(path=str(SCREENSHOTS / "story-sasha-consent-en.png"), full_page=True)
    page.get_by_role("button", name=words["accept"]).click()
    page.wait_for_url(re.compile(r"#step-11$"))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"#step-12$"))
    verdict = page.locator("section.verdict")
    assert words["accepted"] in verdict.inner_text()
    marks = page.locator("table.checks td.mark")
    assert marks.count() >= 10
    assert all(words["passed"] in text for text in marks.all_inner_texts())
    _audit(page)
    page.screenshot(path=str(SCREENSHOTS / f"story-sasha-verdict-{lang}.png"), full_page=True)
    page.keyboard.press("n")
    page.get_by_text(words["over"]).wait_for()
    assert page.locator("p.outcome").is_visible()
    _audit(page)
    _clean(presenter_page)


def test_sasha_declines_and_the_bank_records_the_refusal(presenter_page):
    page = presenter_page.page
    words = WORDS["en"]
    _to_consent(presenter_page, "en")
    page.get_by_role("button", name=words["decline"]).click()
    page.wait_for_url(re.compile(r"#step-11$"))
    assert "Sasha declines" in page.locator("#step-11").inner_text()
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"#step-12$"))
    verdict = page.locator("section.verdict")
    assert words["refused"] in verdict.inner_text()
    assert "consent_required" in verdict.inner_text()
    assert page.locator("table.checks").count() == 0
    _clean(presenter_page)


def test_onboarding_to_its_end_in_a_sandbox_of_its_own(presenter_page):
    """The onboarding story, started from its page (which says it runs in a sandbox of its own),
    moved on by keyboard to its end: the conformance step lists each check passed, the bank's
    verdicts follow, and the outcome is the one the command line tells."""
    page = presenter_page.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{presenter_page.origin}/ui/stories/onboarding?lang=en")
    assert "runs in a sandbox of its own" in page.locator("p.notice").inner_text()
    _audit(page)
    page.get_by_role("button", name=WORDS["en"]["start"]).click()
    page.wait_for_url(re.compile(r"/ui/runs/[^/#]+#step-1$"))
    assert "does not know" in page.locator("#step-1").inner_text()
    for n in range(2, 11):
        page.keyboard.press("ArrowRight" if n % 2 else "n")
        page.wait_for_url(re.compile(rf"#step-{n}$"))
        assert page.locator(f"#step-{n}").is_visible()
        if n == 3:
            assert "7 of 7 conformance checks pass" in page.locator("#step-3").inner_text()
            marks = page.locator("table.conformance-checks td.mark")
            assert marks.count() == 7
            assert all("✓" in text and "passed" in text for text in marks.all_inner_texts())
            assert "Status list" in page.locator("table.conformance-checks").inner_text()
            _audit(page)
    page.keyboard.press("ArrowRight")
    page.get_by_text(WORDS["en"]["over"]).wait_for()
    outcome = page.locator("p.outcome")
    assert "Territory 2 was onboarded, accepted at once" in outcome.inner_text()
    assert page.locator("section.verdict").count() == 3
    assert "issuer_suspended" in page.locator("section.verdict").nth(1).inner_text()
    _audit(page)
    page.screenshot(path=str(SCREENSHOTS / "story-onboarding-en.png"), full_page=True)
    _clean(presenter_page)
