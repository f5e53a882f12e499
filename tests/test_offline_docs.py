"""Every service's interactive API docs work without internet access: the page, Swagger UI's
script, style and icon, and the OpenAPI document all come from the sandbox itself, to a
stranger with no token."""

from __future__ import annotations

import re

import pytest

PAGES = ["/docs", "/registry/docs", "/issuers/docs", "/wallet/docs", "/verifier/docs"]


@pytest.mark.parametrize("page", PAGES)
def test_the_api_docs_need_nothing_from_outside(sandbox, anonymous, page):
    answer = anonymous.get(sandbox.url + page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
    assert {a.rsplit("/", 1)[-1] for a in assets} == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
        "openapi.json",
    }
    # Nothing the page loads is fetched from another origin: every asset is a path on this one.
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert not re.search(r"(?:src|href|url)\s*[=:]\s*[\"']https?://", html)
    kinds = {"js": "javascript", "css": "text/css", "png": "image/png", "json": "application/json"}
    for asset in assets:
        fetched = anonymous.get(sandbox.url + asset)
        assert fetched.status_code == 200, asset
        assert kinds[asset.rsplit(".", 1)[-1]] in fetched.headers["content-type"], asset
        assert len(fetched.content) > 100, asset


def test_the_static_files_serve_nothing_outside_their_folder(sandbox, anonymous):
    for probe in ("/static/../web.py", "/static/%2e%2e/web.py", "/registry/static/swagger-ui/../../settings.py"):
        assert anonymous.get(sandbox.url + probe).status_code == 404, probe
