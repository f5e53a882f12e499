"""The personas' wallets as their holders see them: credentials with their live status, and the
record of every consent.

These pages read the wallets with the operator's keyring (each holder's token, kept when a story
opened her wallet), so they are the presenter's alone: the audience sees them on the presenter's
screen, never at a URL of their own.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.access import Role
from pctf.web import StrictRoute
from scenarios.personas import WALLETS
from verifier.relying_parties import RELYING_PARTIES

from .explorer import when
from .i18n import lang_of
from .pages import PAGE, Dashboard, dashboard, page_route, render

router = APIRouter(route_class=StrictRoute)
WALLET_PAGE: dict[int | str, dict[str, Any]] = {
    **PAGE,
    404: {"content": {"text/html": {}}, "description": "No such persona, or her wallet is not opened here"},
}
# What the wallet says of a credential (wallet.service.WALLET_STATUSES); anything else is unknown.
STATUSES = ("valid", "expiring_soon", "expired", "revoked", "suspended", "unknown", "replaced")


def flatten(claims: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested claims (an address) as rows a table can show: ``address › locality``."""
    if isinstance(claims, dict):
        rows: list[tuple[str, str]] = []
        for name, value in claims.items():
            rows.extend(flatten(value, f"{prefix} › {name}" if prefix else str(name)))
        return rows
    if isinstance(claims, list):
        if all(not isinstance(v, (dict, list)) for v in claims):
            return [(prefix, ", ".join(str(v) for v in claims))]
        rows = []
        for i, value in enumerate(claims, 1):
            rows.extend(flatten(value, f"{prefix} › {i}"))
        return rows
    return [(prefix, "" if claims is None else str(claims))]


def _issuer_names(board: Dashboard, lang: str) -> dict[str, str]:
    return {board.settings.issuer_id(short): j.name(lang) for short, j in SANDBOX_ISSUERS.items()}


def _verifier_name(board: Dashboard, client_id: str, lang: str) -> str:
    """The relying party's name for a verifier's client identifier (its response URI), else the identifier."""
    base = board.url("verifier")
    for rp_id, rp in RELYING_PARTIES.items():
        if client_id.endswith(f"{base}/verifier/{rp_id}/response"):
            return rp.name(lang)
    return client_id


def _missing(request: Request, wallet_id: str) -> HTMLResponse:
    return render(request, "wallet_missing.html", status_code=404, wallet_id=wallet_id)


@router.get("/ui/wallets", response_class=HTMLResponse, **page_route(Role.PRESENTER, responses=WALLET_PAGE))
def wallets(request: Request) -> Any:
    """Every persona's wallet, and which ones a story has opened in this sandbox."""
    board = dashboard(request)
    shown = [
        {"id": wallet_id, "name": name, "opened": board.settings.wallet_token(wallet_id) is not None}
        for wallet_id, name in WALLETS.items()
    ]
    return render(request, "wallets.html", wallets=shown)


@router.get("/ui/wallets/{wallet_id}", response_class=HTMLResponse, **page_route(Role.PRESENTER, responses=WALLET_PAGE))
def wallet(request: Request, wallet_id: str = Path(..., max_length=64)) -> Any:
    """One persona's credentials, each with its status now, and her consent records."""
    board = dashboard(request)
    if wallet_id not in WALLETS or board.settings.wallet_token(wallet_id) is None:
        return _missing(request, wallet_id)
    lang = lang_of(request)
    base = f"{board.url('wallet')}/wallet/{wallet_id}"
    try:
        held = board.operator.get(f"{base}/credentials")
        consented = board.operator.get(f"{base}/consents")
    except httpx.HTTPError as exc:
        return render(
            request, "error.html", status_code=503, reason="endpoint_unreachable", message=f"{type(exc).__name__}"
        )
    for answer in (held, consented):
        if answer.status_code == 404:
            return _missing(request, wallet_id)
        if answer.status_code != 200:
            try:
                body = answer.json()
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            return render(
                request,
                "error.html",
                status_code=502,
                reason=str(body.get("error") or f"http_{answer.status_code}"),
                message=str(body.get("error_description") or answer.reason_phrase),
            )
    issuers = _issuer_names(board, lang)
    credentials = [
        {
            "id": c.get("id"),
            "type": c.get("type", ""),
            "issuer": issuers.get(c.get("issuer", ""), c.get("issuer", "")),
            "received": when(c.get("received_at")),
            "expires": when(c.get("expires_at")),
            "status": c.get("status") if c.get("status") in STATUSES else "unknown",
            "replaced_by": c.get("replaced_by"),
            "claims": flatten(c.get("claims") or {}),
        }
        for c in held.json()
    ]
    consents = [
        {
            "who": _verifier_name(board, str(c.get("verifier", "")), lang),
            "when": when(c.get("decided_at")),
            "decision": c.get("decision", ""),
            "disclosed": [
                {
                    "type": d.get("type", ""),
                    "issuer": issuers.get(d.get("issuer", ""), d.get("issuer", "")),
                    "claims": [" › ".join(str(p) for p in path) for path in d.get("paths") or []],
                }
                for d in c.get("disclosed") or []
            ],
        }
        for c in reversed(consented.json())
    ]
    return render(
        request, "wallet.html", wallet_id=wallet_id, name=WALLETS[wallet_id], credentials=credentials, consents=consents
    )
