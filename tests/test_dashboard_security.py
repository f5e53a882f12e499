"""The dashboard's own locks: its logins, its cookies and its forms, tried as a stranger would.

Who may call each dashboard route is the authorization matrix's business
(tests/test_authorization_matrix.py walks every route with every caller) and bad input is
schemathesis's (tests/test_schemathesis.py, the dashboard's OpenAPI); these are the rest.
"""

from __future__ import annotations

import httpx
import pytest

from pctf.settings import Settings


@pytest.fixture
def dashboard_url(sandbox) -> str:
    return sandbox.url


def test_the_login_link_sets_a_cookie_scripts_and_other_sites_cannot_use(dashboard_url, settings):
    answer = httpx.get(f"{dashboard_url}/ui/login", params={"token": settings.resolved_presenter_token()})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert "pctf_presenter=" in cookie and "httponly" in cookie and "samesite=strict" in cookie


def test_a_wrong_token_logs_nobody_in_and_guessing_is_stopped(dashboard_url):
    with httpx.Client(base_url=dashboard_url) as client:
        wrong = client.get("/ui/login", params={"token": "not-the-presenter-token"})
        assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
        statuses = {client.post("/ui/login", data={"token": f"guess-{n}"}).status_code for n in range(30)}
    assert 429 in statuses  # failed attempts count against the client, like every service's tokens


def test_a_form_posted_from_another_site_is_refused(dashboard_url, settings):
    token = settings.resolved_presenter_token()
    with httpx.Client(base_url=dashboard_url, cookies={"pctf_presenter": token}) as client:
        forged = client.post("/ui/stories/sasha/runs", headers={"Origin": "http://evil.example"})
        assert forged.status_code == 403 and forged.json()["error"] == "forbidden"
        assert client.post("/ui/logout", headers={"Origin": "https://evil.example"}).status_code == 403
        own = client.post("/ui/stories/sasha/runs", headers={"Origin": dashboard_url})
        assert own.status_code == 303 and own.headers["location"].startswith("/ui/runs/")


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_switching_language_never_leads_to_another_site(dashboard_url, target):
    answer = httpx.get(f"{dashboard_url}/ui/lang/fr", params={"next": target})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert httpx.get(f"{dashboard_url}/ui/lang/de").json()["error"] == "not_found"


def test_the_presenter_cookie_opens_nothing_on_the_services(dashboard_url, settings, http):
    http.put(f"{dashboard_url}/wallet/sasha")  # the keyring opens Sasha's wallet and keeps her token
    cookies = {"pctf_presenter": settings.resolved_presenter_token(), "pctf_governance": "x"}
    answer = httpx.get(f"{dashboard_url}/wallet/sasha/credentials", cookies=cookies)
    assert answer.status_code == 401  # APIs read bearer tokens only: a browser's cookies are no key there


def test_pages_forbid_foreign_scripts_and_framing(dashboard_url):
    answer = httpx.get(f"{dashboard_url}/")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_outside_local_mode_the_presenter_token_must_be_configured(tmp_path):
    from pctf.settings import InsecureSetting

    exposed = Settings(data_dir=tmp_path, host="0.0.0.0", local_mode=False)
    with pytest.raises(InsecureSetting, match="PCTF_PRESENTER_TOKEN is not set"):
        exposed.resolved_presenter_token()
    with pytest.raises(InsecureSetting, match="PCTF_PRESENTER_TOKEN is a well-known default"):
        exposed.model_copy(update={"presenter_token": "changeme"}).resolved_presenter_token()
