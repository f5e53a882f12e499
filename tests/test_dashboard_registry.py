"""The registry explorer over HTTP: what it shows anyone, and the governance actions behind the
governance login (suspend, reinstate), with the registry as the judge of every write."""

from __future__ import annotations

import httpx
import pytest

from dashboard.pages import GOVERNANCE_COOKIE
from issuers.jurisdictions import SANDBOX_ISSUERS

HTML = {"Accept": "text/html"}


@pytest.fixture
def browser(sandbox):
    """A client like a browser: it keeps cookies and posts forms from the sandbox's own origin."""
    with httpx.Client(
        base_url=sandbox.url, timeout=30, headers={**HTML, "Origin": sandbox.url}, follow_redirects=True
    ) as client:
        yield client


def _entity(sandbox, settings, short: str) -> dict:
    answer = httpx.get(f"{sandbox.url}/registry/entity", params={"entity_id": settings.issuer_id(short)}, timeout=15)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_explorer_lists_issuers_with_authorizations_and_keys(sandbox, settings, browser):
    page = browser.get("/ui/registry")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    for short in SANDBOX_ISSUERS:
        assert f'id="entity-{short}"' in html
        assert settings.issuer_id(short) in html
        entity = _entity(sandbox, settings, short)
        for key in entity["jwks"]["keys"]:
            assert key["kid"] in html
    assert "Province 1 Digital Identity Program" in html
    assert "LoA 3" in html and "LoA 2" in html
    assert 'scope="col"' in html
    assert "Recognized frameworks" in html
    # No governance action for an anonymous visitor: only the login form.
    assert "/ui/registry/entities/status" not in html
    assert 'action="/ui/registry/login"' in html


def test_anonymous_cannot_act(sandbox, settings, browser):
    entity_id = settings.issuer_id("prov1")
    refused = browser.post(
        "/ui/registry/entities/status", data={"entity_id": entity_id, "status": "suspended", "reason": "x"}
    )
    assert refused.status_code == 401
    decision = browser.post("/ui/registry/applications/app1/decision", data={"decision": "accredit"})
    assert decision.status_code == 401
    # The presenter is not the governance authority.
    presenter = settings.resolved_presenter_token()
    forbidden = browser.post(
        "/ui/registry/entities/status",
        data={"entity_id": entity_id, "status": "suspended", "reason": "x"},
        headers={"Authorization": f"Bearer {presenter}"},
    )
    assert forbidden.status_code == 403
    assert _entity(sandbox, settings, "prov1")["status"] == "active"


def test_wrong_governance_token_fails_and_sets_no_cookie(browser):
    answer = browser.post("/ui/registry/login", data={"token": "not-the-governance-token"}, follow_redirects=False)
    assert answer.status_code == 401
    assert GOVERNANCE_COOKIE not in answer.cookies
    assert "did not accept that token" in answer.text
    # The presenter's token is not the governance token either.
    assert "set-cookie" not in answer.headers


def test_governance_suspends_and_reinstates(sandbox, settings, browser):
    login = browser.post(
        "/ui/registry/login", data={"token": settings.resolved_governance_token()}, follow_redirects=False
    )
    assert login.status_code == 303, login.text
    cookie = login.headers["set-cookie"]
    assert (
        GOVERNANCE_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    )
    page = browser.get("/ui/registry")
    assert "Pending applications" in page.text
    assert 'data-action="suspend-prov1"' in page.text

    entity_id = settings.issuer_id("prov1")
    suspended = browser.post(
        "/ui/registry/entities/status",
        data={"entity_id": entity_id, "status": "suspended", "reason": "Shown to the audience"},
        follow_redirects=False,
    )
    assert suspended.status_code == 303, suspended.text
    assert suspended.headers["location"].endswith("#entity-prov1")
    assert _entity(sandbox, settings, "prov1")["status"] == "suspended"
    trqp = httpx.post(
        f"{sandbox.url}/registry/authorization",
        json={
            "entity_id": entity_id,
            "authority_id": settings.registry_authority_id,
            "action": "issue",
            "resource": _entity(sandbox, settings, "prov1")["authorizations"][0]["resource"],
        },
        timeout=15,
    ).json()
    assert trqp["authorized"] is False
    page = browser.get(suspended.headers["location"])
    assert "The entity is suspended." in page.text
    assert 'data-action="reinstate-prov1"' in page.text

    # The registry refuses a suspension without a reason; the page says why, with its reason code.
    refused = browser.post(
        "/ui/registry/entities/status", data={"entity_id": settings.issuer_id("prov2"), "status": "suspended"}
    )
    assert refused.status_code == 400
    assert "The registry refused" in refused.text and "bad_request" in refused.text

    reinstated = browser.post("/ui/registry/entities/status", data={"entity_id": entity_id, "status": "active"})
    assert reinstated.status_code == 200
    assert "The entity is reinstated." in reinstated.text
    assert _entity(sandbox, settings, "prov1")["status"] == "active"

    audit = browser.get("/ui/registry/audit")
    assert "entity.suspended" in audit.text and "entity.reinstated" in audit.text


def test_audit_verify_shows_an_intact_chain(browser):
    page = browser.get("/ui/registry/audit")
    assert page.status_code == 200
    assert 'action="/ui/registry/audit/verify"' in page.text
    checked = browser.post("/ui/registry/audit/verify")
    assert checked.status_code == 200
    assert "The chain is intact" in checked.text


def test_explorer_in_french(browser):
    page = browser.get("/ui/registry?lang=fr")
    assert page.status_code == 200
    assert 'lang="fr"' in page.text
    for words in ("Explorateur du registre de confiance", "Autorisations", "Clés de signature", "Cadres reconnus"):
        assert words in page.text
    audit = browser.post("/ui/registry/audit/verify")  # the language is remembered
    assert "La chaîne est intacte" in audit.text


def test_every_registry_word_exists_in_both_languages():
    from dashboard.text.registry import MESSAGES

    for key, entry in MESSAGES.items():
        assert key.startswith("registry."), key
        assert set(entry) == {"en", "fr"} and all(entry.values()), key
