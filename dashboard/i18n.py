"""The dashboard's words in English and French, and which language a request wants.

Each area of the dashboard keeps its words in a catalogue of its own (``dashboard/text``); the
stories' sentences are those the command line tells them with (:mod:`scenarios.i18n`), so a
story reads the same in the terminal and in the browser. A key missing from either language, or
a page using a key no catalogue has, fails the tests rather than falling back.
"""

from __future__ import annotations

from fastapi import Request

from scenarios import i18n as story_text

from .text import core, events, registry, simulations, stories, wallets

LANGS = ("en", "fr")
LANG_COOKIE = "pctf_lang"
CATALOGUES: tuple[dict[str, dict[str, str]], ...] = (
    core.MESSAGES,
    stories.MESSAGES,
    registry.MESSAGES,
    wallets.MESSAGES,
    events.MESSAGES,
    simulations.MESSAGES,
)


def _merged() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for catalogue in CATALOGUES:
        for key, entry in catalogue.items():
            if key in merged:
                raise ValueError(f"the dashboard key {key!r} is defined twice")
            merged[key] = entry
    return merged


MESSAGES = _merged()


def t(key: str, lang: str, **values: object) -> str:
    """The dashboard's words for ``key`` in ``lang``; the stories' sentences under ``story:<key>``.

    An unknown key raises ``KeyError``: every word a page shows exists in both languages."""
    if key.startswith("story:"):
        return story_text.t(key[len("story:") :], lang, **values)
    text = MESSAGES[key][lang]
    return text.format(**values) if values else text


def lang_of(request: Request) -> str:
    """The page's language: ``?lang=`` when given, else the remembered choice (a cookie), else the
    browser's preference between English and French, else English."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGS:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";", 1)[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return "en"
