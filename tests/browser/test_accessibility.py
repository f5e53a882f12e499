"""Every dashboard page passes an automated accessibility audit (axe-core, WCAG 2.1 A and AA) in
English and in French, loads with nothing from another origin, and says which language it is in.

axe-core is vendored (tests/browser/vendor, MPL-2.0) so the audit runs offline. It is evaluated
through the browser's debugging protocol, which the pages' Content-Security-Policy (scripts from
the sandbox only) does not apply to: the pages are audited with their real policy in force.
"""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Every page of the dashboard a presenter shows. A page missing here (404) fails, naming its URL.
PAGES = [
    "/",
    "/ui/login",
    "/ui/registry",
    "/ui/registry/audit",
    "/ui/stories",
    "/ui/stories/sasha",
    "/ui/wallets",
    "/ui/events",
    "/ui/simulations",
]
LANGS = ("en", "fr")


def _with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def _open(offline, path: str, lang: str):
    """Open ``path`` in ``lang``, having forgotten what the page before it did: leaving a page
    aborts its open requests (its event stream), which is not this page failing."""
    offline.page.goto("about:blank")
    offline.blocked.clear()
    offline.failed.clear()
    offline.errors.clear()
    url = f"{offline.origin}{_with_lang(path, lang)}"
    answer = offline.page.goto(url)
    assert answer is not None, url
    assert answer.status == 200, f"{url} answered {answer.status}"
    offline.page.wait_for_load_state("load")
    return url


def _violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG
    )
    assert result["passes"], "axe checked nothing: it did not run on the page"
    return result["violations"]


def _report(url: str, violations: list[dict]) -> str:
    lines = [f"{url}: {len(violations)} accessibility violation(s)"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    at {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_passes_the_accessibility_audit(presenter_page, path, lang):
    url = _open(presenter_page, path, lang)
    violations = _violations(presenter_page.page)
    assert violations == [], _report(url, violations)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_offline_and_says_its_language(presenter_page, path, lang):
    url = _open(presenter_page, path, lang)
    page = presenter_page.page
    assert page.get_attribute("html", "lang") == lang, url
    other = "fr" if lang == "en" else "en"
    switch = page.locator(f"header a[hreflang='{other}'][href^='/ui/lang/{other}']")
    assert switch.count() == 1, f"{url}: no link to read the page in {other}"
    page.wait_for_timeout(300)  # what the page's scripts fetch after loading
    assert presenter_page.blocked == [], f"{url} reached another origin: {presenter_page.blocked}"
    assert presenter_page.failed == [], f"{url} had failed requests: {presenter_page.failed}"
    assert presenter_page.errors == [], f"{url} had script errors: {presenter_page.errors}"


def test_the_language_chosen_with_the_switch_is_remembered(presenter_page):
    page = presenter_page.page
    page.goto(f"{presenter_page.origin}/?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    page.locator("header a[hreflang='fr']").click()
    page.wait_for_load_state("load")
    assert page.get_attribute("html", "lang") == "fr"
    page.goto(f"{presenter_page.origin}/ui/login")
    assert page.get_attribute("html", "lang") == "fr"
    page.goto(f"{presenter_page.origin}/ui/events")
    assert page.get_attribute("html", "lang") == "fr"


def test_the_audit_finds_a_violation_when_there_is_one(presenter_page):
    """The audit is not vacuous: an image without a text alternative, added to a page, is found."""
    _open(presenter_page, "/ui/login", "en")
    presenter_page.page.evaluate(
        "() => { const img = document.createElement('img'); img.src = '/ui/assets/favicon.svg';"
        " document.querySelector('main').appendChild(img); }"
    )
    assert "image-alt" in {v["id"] for v in _violations(presenter_page.page)}


@pytest.mark.parametrize("lang", LANGS)
def test_the_pages_that_need_a_story_or_a_login_pass_the_audit_too(presenter_page, settings, http, lang):
    """Sasha's wallet once she has credentials and a consent, the explorer as governance sees
    it (applications, suspend buttons), and the events page with events on it."""
    from scenarios import sasha

    sasha.run(presenter_page.origin, http)
    page = presenter_page.page
    _open(presenter_page, "/ui/registry", lang)
    page.locator("input[name='token']").last.fill(settings.resolved_governance_token())
    page.locator("form[action='/ui/registry/login'] button").click()
    page.wait_for_selector("[data-action='suspend-prov1']")
    for path in ("/ui/registry", "/ui/wallets/sasha", "/ui/wallets", "/ui/events", "/ui/registry/audit"):
        url = _open(presenter_page, path, lang)
        violations = _violations(page)
        assert violations == [], _report(url, violations)
    assert page.locator("[data-action='suspend-prov1']").count() == 0  # the audit page has no such button
    page.goto(f"{presenter_page.origin}/ui/registry")
    assert page.locator("[data-action='suspend-prov1']").count() == 1  # still logged in as governance
