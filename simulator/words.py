"""How the simulator's figures and reasons read, in English and French: for the report, the
command line and the dashboard alike."""

from __future__ import annotations

from scenarios.i18n import MESSAGES, t
from scenarios.narration import reason_phrase


def reason_text(code: str, lang: str) -> str:
    """A branch reason in ``lang``: the simulator's own, else the verifier's description of its code."""
    key = f"simulate.reason.{code}"
    return t(key, lang) if key in MESSAGES else reason_phrase(code, lang)


def percent(share: float | None, lang: str, digits: int = 1) -> str:
    """``0.1234`` as ``12.3%`` in English, ``12,3 %`` in French; a dash for no figure."""
    if share is None:
        return "—"
    text = f"{100 * share:.{digits}f}"
    return f"{text.replace('.', ',')}\u00a0%" if lang == "fr" else f"{text}%"


def number(value: float, lang: str) -> str:
    """A count with its thousands grouped as each language groups them."""
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if lang == "fr" else text
