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


def test_every_route_outside_the_openapi_documents_is_public_documentation(settings):
    """The authorization matrix walks the routes each OpenAPI document lists; the rest of a
    service's routes must be its documentation (public, read-only) and nothing else, so a route
    hidden from the schema can never slip past the matrix."""
    from fastapi.routing import APIRoute

    from cli.stack import build_app

    def every_route(routes):
        for route in routes:
            # FastAPI keeps an included router (the dashboard's pages) as one entry holding its routes.
            included = getattr(route, "original_router", None)
            yield from every_route(included.routes) if included is not None else (route,)

    dispatcher = build_app(settings)
    for prefix, app in [*dispatcher.routes, ("", dispatcher.default)]:
        hidden = {
            (type(r).__name__, r.path, tuple(sorted(getattr(r, "methods", None) or ())))
            for r in every_route(app.routes)
            if not (isinstance(r, APIRoute) and r.include_in_schema)
        }
        base = app.openapi_url.removesuffix("/openapi.json")
        documentation = {
            ("Route", f"{base}/openapi.json", ("GET", "HEAD")),
            ("StrictRoute", f"{base}/docs", ("GET",)),
            ("Mount", f"{base}/static", ()),
        }
        # The dashboard (the root app) also serves its own script, style and icon.
        assets = {("Mount", "/ui/assets", ())} if app is dispatcher.default else set()
        assert hidden == documentation | assets, prefix


@pytest.mark.parametrize(
    "method, path, status, reason",
    [
        ("POST", "/registry/docs", 405, "bad_request"),
        ("DELETE", "/static/swagger-ui/swagger-ui.css", 405, "bad_request"),
        ("PUT", "/wallet/static/swagger-ui/swagger-ui.css", 405, "bad_request"),
        ("GET", "/registry/static/nope.js", 404, "not_found"),
        ("GET", "/registry/static/", 404, "not_found"),
        ("GET", "/issuers/static/swagger-ui/", 404, "not_found"),
        ("GET", "/verifier/static/%ff%fe", 404, "not_found"),
        ("GET", "/static/%2e%2e/web.py", 404, "not_found"),
        ("GET", "/ui/assets/%2e%2e/app.py", 404, "not_found"),
        ("POST", "/ui/assets/dashboard.css", 405, "bad_request"),
    ],
)
def test_bad_requests_to_the_documentation_get_a_reason(sandbox, anonymous, method, path, status, reason):
    answer = anonymous.request(method, sandbox.url + path)
    assert answer.status_code == status
    assert answer.json()["error"] == reason
