"""The wallets pages over HTTP: the presenter sees a persona's credentials with their live status
and her consent records; nobody else sees them."""

from __future__ import annotations

import httpx
import pytest

from scenarios import sasha

HTML = {"Accept": "text/html"}


@pytest.fixture
def presenter(sandbox, settings):
    """A browser-like client logged in as the presenter with the link ``pctf-sandbox up`` prints."""
    with httpx.Client(base_url=sandbox.url, timeout=30, headers=HTML, follow_redirects=True) as client:
        login = client.get("/ui/login", params={"token": settings.resolved_presenter_token(), "next": "/ui/wallets"})
        assert login.status_code == 200, login.text
        yield client


def test_sasha_wallet_lists_her_credentials_and_consent(sandbox, http, presenter):
    before = presenter.get("/ui/wallets")
    assert before.status_code == 200
    assert 'href="/ui/wallets/sasha"' not in before.text
    assert "not opened yet" in before.text

    result = sasha.run(sandbox.url, http)
    assert result["verdict"]["accepted"] is True if isinstance(result["verdict"], dict) else result["verdict"]

    listing = presenter.get("/ui/wallets")
    assert 'href="/ui/wallets/sasha"' in listing.text
    page = presenter.get("/ui/wallets/sasha")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Sasha Tremblay&#39;s wallet" in html or "Sasha Tremblay's wallet" in html
    assert html.count('data-credential-status="valid"') == 3
    assert html.count('class="badge status-valid"') >= 3
    for words in ("VerifiedPerson", "VerifiedOrganization", "VerifiedRelationship"):
        assert words in html
    assert "Province 1 Digital Identity Program" in html and "Federal Corporations Registrar" in html
    assert "Maple Leaf Designs Inc." in html  # a claim, in the claims table
    assert "<details>" in html and 'scope="col"' in html
    # Her consent to the bank: who, when, the decision and what left her wallet.
    assert "approved" in html
    assert "Consent records" in html
    assert "given_name" in html

    french = presenter.get("/ui/wallets/sasha", params={"lang": "fr"})
    assert "Portefeuille de Sasha Tremblay" in french.text
    assert french.text.count(">valide<") == 3
    assert "Registre des consentements" in french.text and "accepté" in french.text


def test_anonymous_cannot_see_wallets(sandbox, http):
    sasha.run(sandbox.url, http)
    with httpx.Client(base_url=sandbox.url, timeout=30) as anonymous:
        for path in ("/ui/wallets", "/ui/wallets/sasha"):
            answer = anonymous.get(path)
            assert answer.status_code == 401, path
            assert "Tremblay" not in answer.text
            page = anonymous.get(path, headers=HTML)
            assert page.status_code == 401 and "Presenter login" in page.text
        wrong = anonymous.get("/ui/wallets/sasha", headers={"Authorization": "Bearer not-the-presenter"})
        assert wrong.status_code == 401


def test_unknown_or_unopened_wallet_is_404(presenter):
    for wallet_id in ("mallory", "gilles"):  # not a persona; a persona whose wallet is not opened here
        page = presenter.get(f"/ui/wallets/{wallet_id}")
        assert page.status_code == 404
        assert "No such wallet here" in page.text
    assert presenter.get("/ui/wallets/" + "x" * 65).status_code in (400, 404)


def test_every_wallet_word_exists_in_both_languages():
    from dashboard.text.wallets import MESSAGES

    for key, entry in MESSAGES.items():
        assert key.startswith("wallet."), key
        assert set(entry) == {"en", "fr"} and all(entry.values()), key
    for status in ("valid", "expiring_soon", "suspended", "revoked", "replaced", "expired", "unknown"):
        assert f"wallet.status.{status}" in MESSAGES
