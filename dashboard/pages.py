"""What every dashboard page shares: templates rendered in the request's language, who is
logged in, and the HTTP clients the pages reach the services with.

Pages are server-rendered and carry a strict Content-Security-Policy (the sandbox's own scripts
and styles only), so nothing on a page loads from elsewhere and an injected script cannot run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import segno
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from pctf.access import Role, owner
from pctf.ca import trust_context
from pctf.clock import Clock
from pctf.observability import outbound_hooks
from pctf.settings import Settings

from . import i18n

PRESENTER_COOKIE = "pctf_presenter"
GOVERNANCE_COOKIE = "pctf_governance"
# What a page may answer besides success: the services' refusals it passes on (a wrong login, an
# unknown wallet, a decision the registry refuses), too many attempts, and 502/503 when a service
# it reads from answers wrongly or not at all. Any other failure of a service is a 502.
PAGE_STATUSES = (400, 401, 403, 404, 409, 422, 429, 502, 503)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


# What a page answers, and what a form answers once done: documented on every dashboard route.
PAGE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": {}}, "description": "The page"}}
SEE_OTHER: dict[int | str, dict[str, Any]] = {303: {"description": "Done: see the page it leads to"}}


def page_route(*roles: Role, responses: dict[int | str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A dashboard route's declaration: its owners (:func:`pctf.access.owner`: the guard and the
    matrix) and its own answers documented beside its guard's."""
    declared = owner(*roles)
    declared["responses"] = {**declared.get("responses", {}), **(PAGE if responses is None else responses)}
    return declared


@dataclass
class Dashboard:
    """What the pages work with: the settings, the clock, a client for the services' public routes
    and one that acts with the presenter's keyring (:mod:`scenarios.keyring`)."""

    settings: Settings
    clock: Clock
    public: httpx.Client
    operator: httpx.Client
    identify: Any  # token -> Principal | None, as the app's guard recognises them

    def url(self, service: str) -> str:
        return self.settings.service_url(service)

    def governance_client(self, token: str) -> httpx.Client:
        """A client acting with the governance token a browser logged in with: the registry, not
        the dashboard, decides what it may do."""
        return httpx.Client(
            timeout=self.public.timeout,
            headers={"Authorization": f"Bearer {token}"},
            event_hooks=outbound_hooks(),
            verify=trust_context(self.settings.data_dir),
        )


def dashboard(request: Request) -> Dashboard:
    found: Dashboard = request.app.state.dashboard
    return found


def roles(request: Request) -> set[Role]:
    """The roles this browser is logged in as (presenter, governance), by its session cookies."""
    identify = dashboard(request).identify
    found = set()
    for name in (PRESENTER_COOKIE, GOVERNANCE_COOKIE):
        token = request.cookies.get(name)
        principal = identify(token) if token else None
        if principal is not None:
            found.add(principal.role)
    return found


def safe_next(target: str | None) -> str:
    """A local path to go back to after a login or a language switch; anything else is the home page."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def pretty(value: Any) -> str:
    """An artefact (a decoded token, a query, an answer) as indented JSON for a ``<pre>``."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)


def qr_svg(data: str, title: str) -> Markup:
    """``data`` as an inline SVG QR code a phone wallet can scan, titled for screen readers."""
    svg = segno.make(data, error="l", micro=False).svg_inline(scale=3, border=2, dark="#000", light="#fff")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(title)}" ', 1))


TEMPLATES = Environment(
    loader=PackageLoader("dashboard", "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["pretty"] = pretty


def render(request: Request, template: str, *, status_code: int = 200, **values: Any) -> HTMLResponse:
    """``template`` rendered in the request's language, with what every page shows (who is logged
    in, the language switch back to this very page)."""
    lang = i18n.lang_of(request)

    def t(key: str, **kw: object) -> str:
        return i18n.t(key, lang, **kw)

    logged = roles(request)
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    here = request.url.path + (f"?{query}" if query else "")
    html = TEMPLATES.get_template(template).render(
        lang=lang,
        other_lang="fr" if lang == "en" else "en",
        t=t,
        here=safe_next(here),
        path=request.url.path,
        presenter=Role.PRESENTER in logged,
        governance=Role.GOVERNANCE in logged,
        qr=qr_svg,
        **values,
    )
    if status_code >= 400 and status_code not in PAGE_STATUSES:
        status_code = 502
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if request.query_params.get("lang") in i18n.LANGS:
        remember_lang(response, lang)
    return response


def remember_lang(response: HTMLResponse | RedirectResponse, lang: str) -> None:
    response.set_cookie(i18n.LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=False)


def redirect(target: str) -> RedirectResponse:
    """After a form: see the page (303), so a reload does not post again."""
    return RedirectResponse(safe_next(target), status_code=303, headers={"Cache-Control": "no-store"})
