"""Links that carry a JSON object: ``openid-credential-offer://?credential_offer=...`` and
``openid4vp://?...``, as a wallet receives them (scanned, pasted or followed).

Both protocols hand a wallet the same three shapes (a JSON object, JSON text, or a link whose
query holds the object or its members), so both read them here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from .jose import json_loads
from .reasons import Reason, SandboxError


def parse_link(value: str | dict[str, Any], scheme: str, param: str) -> dict[str, Any]:
    """A request or offer given as a JSON object, JSON text, or a ``scheme://?param=<json>`` link."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value.strip():
        raise SandboxError(Reason.BAD_REQUEST, f"expected a {scheme} link or a JSON object")
    text = value.strip()
    if text.startswith("{"):
        return _json_object(text, "the JSON text")
    try:
        query = parse_qs(urlsplit(text).query)
    except ValueError:  # e.g. an unclosed "[" where an IPv6 host would be
        raise SandboxError(Reason.BAD_REQUEST, f"expected a {scheme} link or a JSON object") from None
    if param in query:
        return _json_object(query[param][0], param)
    return {k: v[0] for k, v in query.items()}


def _json_object(text: str, what: str) -> dict[str, Any]:
    """``text`` as a JSON object; strict JSON (no NaN), and nesting too deep to parse is refused
    like any other malformed JSON rather than crashing the caller."""
    try:
        parsed = json_loads(text)
    except (ValueError, RecursionError):
        raise SandboxError(Reason.BAD_REQUEST, f"{what} is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise SandboxError(Reason.BAD_REQUEST, f"{what} is not a JSON object")
    return parsed
