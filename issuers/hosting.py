"""Which issuers a process answers for: the others' paths are ``issuer_id_unknown`` (404) here.

``pctf-sandbox serve issuers --issuer prov1`` runs one jurisdiction's issuer, as that
jurisdiction would run its own. The issuers' routes name their issuer in the path
(``/issuers/<id>/...`` and ``/.well-known/<kind>/issuers/<id>``); :class:`HostedIssuersOnly`
answers a request naming an issuer this process does not serve before any route runs, exactly
as a request naming no issuer at all is answered, so another jurisdiction's issuer is never
half-served from here (its keys, its offers, its status lists live in its own process).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from pctf.reasons import Reason
from pctf.web import error_response

from .jurisdictions import SANDBOX_ISSUERS, jurisdiction

_ISSUER_IN_PATH = re.compile(r"^(?:/\.well-known/[^/]+)?/issuers/([^/]+)(?:/|$)")


def issuer_in_path(path: str) -> str | None:
    """The issuer short id a request path names, or None for a path that names none (``/issuers``)."""
    found = _ISSUER_IN_PATH.match(path)
    return found.group(1) if found else None


def hosted_issuers(ids: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The issuers to host: ``ids`` checked (``issuer_id_unknown`` names the known ones), in the
    order :data:`SANDBOX_ISSUERS` lists them; every sandbox issuer when ``ids`` is empty."""
    for short_id in ids or ():
        jurisdiction(short_id)
    return tuple(s for s in SANDBOX_ISSUERS if not ids or s in ids)


class HostedIssuersOnly:
    """ASGI middleware: a request naming a sandbox issuer not in ``hosted`` gets 404 ``issuer_id_unknown``."""

    def __init__(self, app: ASGIApp, hosted: frozenset[str]) -> None:
        self.app = app
        self.hosted = hosted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        short_id = issuer_in_path(scope.get("path", "")) if scope["type"] == "http" else None
        # Another sandbox issuer's path only: the service's own (/issuers/healthz, /issuers/docs) and
        # an unknown id (which the routes refuse themselves) pass.
        if short_id in SANDBOX_ISSUERS and short_id not in self.hosted:
            response = error_response(
                Reason.ISSUER_ID_UNKNOWN,
                f"issuer {short_id!r} is not served here (here: {', '.join(sorted(self.hosted))})",
                404,
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
