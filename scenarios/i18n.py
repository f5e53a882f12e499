"""Every user-facing sentence of the command line, in English and French.

Canada has two official languages and the people running these demos work in both; a string
missing from either catalogue is a test failure, not a fallback.
"""

from __future__ import annotations

from .text import (
    commands,
    death_notification,
    delegation,
    federal_sign_in,
    immunization,
    newborn,
    onboarding,
    sasha,
    simulator,
    verdicts,
)

LANGS = ("en", "fr")

# Each module holds one story's or one concern's sentences; a key defined twice is an error.
_PARTS = (
    verdicts,
    commands,
    sasha,
    onboarding,
    death_notification,
    newborn,
    delegation,
    immunization,
    federal_sign_in,
    simulator,
)
MESSAGES: dict[str, dict[str, str]] = {}
for _part in _PARTS:
    _twice = MESSAGES.keys() & _part.MESSAGES.keys()
    if _twice:
        raise RuntimeError(f"catalogue keys defined twice: {', '.join(sorted(_twice))}")
    MESSAGES.update(_part.MESSAGES)


def t(key: str, lang: str = "en", **values: object) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    entry = MESSAGES.get(key)
    if entry is None:  # an unknown check name from another verifier: show it as is
        return key.split(".", 1)[-1]
    text = entry["fr" if lang == "fr" else "en"]
    return text.format(**values) if values else text


# French puts an article before a common-noun name and contracts it with "de" and "à" (du Bureau,
# au Service, de la Banque, à l'Autorité); English puts "the" before a name that is a description
# (the Federal Benefits Service) but not before a brand (Northern Lights Bank). A proper name
# (Prov1, Sasha) takes no article in either language.
_FR_GENDER = {
    **dict.fromkeys(
        ("Agence", "Allocation", "Association", "Autorité", "Banque", "Caisse", "Clinique", "Commission")
        + ("Coopérative", "École", "Prestation")
        + ("Direction", "Fédération", "Municipalité", "Organisation", "Province", "Régie", "Société", "Ville"),
        "f",
    ),
    **dict.fromkeys(
        ("Bureau", "Cabinet", "Centre", "Collège", "Conseil", "Gouvernement", "Hôpital", "Ministère")
        + ("Numéro", "Portail", "Programme", "Registraire", "Registre", "Service", "Territoire", "Tribunal"),
        "m",
    ),
}
_EN_DESCRIPTIONS = ("Authority", "Office", "Portal", "Program", "Registrar", "Registry", "Service", "Territory")
_VOWELS = tuple("AEIOUYÉÈÊÀÂÎÔÛaeiouyéèêàâîôûHh")


def _fr_article(name: str) -> str:
    gender = _FR_GENDER.get(name.split(" ", 1)[0])
    if gender is None:
        return ""
    if name.startswith(_VOWELS):
        return "l'"
    return "la " if gender == "f" else "le "


def named(role: str, name: str, lang: str) -> dict[str, str]:
    """``name`` in the forms a sentence needs, under placeholders built on ``role``: ``{role}`` to
    begin a sentence, ``{the_role}`` inside one, ``{to_role}`` and ``{from_role}`` after "to" and
    "from" (à, de in French, contracted with the article)."""
    if lang == "fr":
        article = _fr_article(name)
        the = article + name
        elided = name.startswith(_VOWELS)
        to = {"le ": "au ", "la ": "à la ", "l'": "à l'"}.get(article, "à ") + name
        of = {"le ": "du ", "la ": "de la ", "l'": "de l'"}.get(article, "d'" if elided else "de ") + name
    else:
        the = f"the {name}" if name.split(" (", 1)[0].endswith(_EN_DESCRIPTIONS) else name
        to, of = f"to {the}", f"from {the}"
    return {role: the[:1].upper() + the[1:], f"the_{role}": the, f"to_{role}": to, f"from_{role}": of}


def first_name(display_name: str) -> str:
    """A persona's first name, which a sentence about them uses: "Maya" of "Maya (Terr2)"."""
    return display_name.split(" ", 1)[0]
