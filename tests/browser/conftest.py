"""A real browser for the pages the sandbox serves: Debian's Chromium, driven by Playwright.

The README's test command and CI install Chromium; where it is missing these tests fail with a
message saying how to install it (or to leave them out with ``-m "not browser"``): a browser
test that did not run never counts as passed. Each page is opened with every request to another origin blocked and
recorded, so a page that needs the internet fails here as it would in an offline meeting room.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("PCTF_TEST_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: apt-get install chromium (or set PCTF_TEST_CHROMIUM), "
            'or leave the browser tests out with -m "not browser"',
            pytrace=False,
        )
    with sync_playwright() as playwright:
        # --no-sandbox: CI containers run as root, where Chromium's own sandbox cannot start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@dataclass
class Offline:
    """A page that may reach only ``origin``; what it tried elsewhere, and what failed."""

    page: object
    origin: str
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def offline_page(chromium, sandbox) -> Iterator[Offline]:
    context = chromium.new_context()
    page = context.new_page()
    seen = Offline(page, sandbox.url)

    def only_the_sandbox(route) -> None:
        if route.request.url.startswith(sandbox.url + "/"):
            route.continue_()
        else:
            seen.blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_sandbox)

    def failed(request) -> None:
        # Leaving a page aborts what it still had open (its live event stream, a late icon):
        # that is the browser moving on, not a broken asset.
        if request.failure != "net::ERR_ABORTED":
            seen.failed.append(request.url)

    def answered(response) -> None:
        # An asset (script, style, image, stream) the sandbox does not serve is a broken page;
        # a document answering 401 or 404 is the test's own business.
        if response.status >= 400 and response.request.resource_type != "document":
            seen.failed.append(f"{response.status} {response.url}")

    page.on("requestfailed", failed)
    page.on("response", answered)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    yield seen
    context.close()


@pytest.fixture
def presenter_page(offline_page, settings) -> Offline:
    """An offline page whose browser is logged in as the presenter (the link ``pctf-sandbox up`` prints)."""
    token = settings.resolved_presenter_token()
    answer = offline_page.page.goto(f"{offline_page.origin}/ui/login?token={token}&next=/")
    assert answer is not None and answer.ok, answer
    return offline_page
