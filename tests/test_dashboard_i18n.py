"""The dashboard speaks English and French everywhere: each catalogue entry in both languages
with the same placeholders, every key a template uses defined, every page renderable in French."""

from __future__ import annotations

import re
import string
from pathlib import Path

import httpx
import pytest

from dashboard import i18n
from scenarios import i18n as story_text
from tests.browser.test_accessibility import PAGES

TEMPLATES = Path(i18n.__file__).resolve().parent / "templates"
# t("key") or t('key', ...) with a literal key; a key built with ~ is not literal and is skipped.
LITERAL_KEY = re.compile(r"""\bt\(\s*(["'])([^"'~]+?)\1\s*[,)]""")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_catalogue_entry_is_in_both_languages_with_the_same_placeholders():
    assert i18n.CATALOGUES
    for catalogue in i18n.CATALOGUES:
        for key, entry in catalogue.items():
            assert set(entry) == {"en", "fr"}, key
            assert all(isinstance(entry[lang], str) and entry[lang].strip() for lang in ("en", "fr")), key
            assert _placeholders(entry["en"]) == _placeholders(entry["fr"]), key


def _template_keys() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for template in sorted(TEMPLATES.glob("*.html")):
        for match in LITERAL_KEY.finditer(template.read_text(encoding="utf-8")):
            found.setdefault(match.group(2), set()).add(template.name)
    return found


def test_every_key_a_template_uses_is_defined():
    keys = _template_keys()
    assert "site.name" in keys and "events.title" in keys  # the scan finds keys at all
    missing = {}
    for key, templates in keys.items():
        if key.startswith("story:"):
            known = key[len("story:") :] in story_text.MESSAGES
        else:
            known = key in i18n.MESSAGES
        if not known:
            missing[key] = sorted(templates)
    assert missing == {}


def test_an_unknown_key_fails_rather_than_falling_back():
    with pytest.raises(KeyError):
        i18n.t("no.such.key", "fr")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_in_french(sandbox, settings, path):
    """A word missing from the French catalogue raises KeyError, which fails the page (500)."""
    token = settings.resolved_presenter_token()
    presenter = {"Authorization": f"Bearer {token}", "Accept": "text/html"}
    url = f"{sandbox.url}{path}{'&' if '?' in path else '?'}lang=fr"
    # The session cookie too: pages show the presenter's parts (the home page's live events) by it.
    with httpx.Client(timeout=30, cookies={"pctf_presenter": token}) as client:
        answer = client.get(url, headers=presenter)
    assert answer.status_code == 200, f"{url} answered {answer.status_code}"
    assert '<html lang="fr">' in answer.text
