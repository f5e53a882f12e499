"""The interactive API docs render in a real browser with no internet access."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("service", ["registry", "issuers", "wallet", "verifier"])
def test_the_api_docs_render_offline(offline_page, service):
    page = offline_page.page
    answer = page.goto(f"{offline_page.origin}/{service}/docs")
    assert answer is not None and answer.status == 200
    # Swagger UI has read the service's OpenAPI document and drawn one block per operation.
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 3
    assert page.locator(".information-container .title").inner_text().lower().startswith("pctf sandbox")
    assert offline_page.blocked == [] and offline_page.failed == [] and offline_page.errors == []
