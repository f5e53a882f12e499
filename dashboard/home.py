"""The home page: the sandbox in two sentences, and the ecosystem as a map around the registry."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.access import Role
from pctf.web import StrictRoute
from scenarios.personas import WALLETS
from verifier.relying_parties import RELYING_PARTIES

from .i18n import lang_of
from .pages import dashboard, page_route, render, roles

router = APIRouter(route_class=StrictRoute)


def registry_entities(request: Request) -> dict[str, dict[str, Any]]:
    """The registry's entities by id (its public listing), or nothing when it does not answer."""
    board = dashboard(request)
    try:  # the map still draws without the registry's statuses
        answer = board.public.get(f"{board.url('registry')}/registry/entities")
        listed = answer.json() if answer.status_code == 200 else []
    except (httpx.HTTPError, ValueError):
        return {}
    return {e["entity_id"]: e for e in listed if isinstance(e, dict) and "entity_id" in e}


@router.get("/", response_class=HTMLResponse, **page_route(Role.PUBLIC))
def home(request: Request) -> Any:
    """The ecosystem: issuers on one side, relying parties on the other, the registry between them,
    and the personas' wallets; each issuer with its status in the registry now."""
    board = dashboard(request)
    entities = registry_entities(request)
    issuers = []
    for short_id, j in SANDBOX_ISSUERS.items():
        entity = entities.get(board.settings.issuer_id(short_id), {})
        issuers.append(
            {
                "id": short_id,
                "name": j.name(lang_of(request)),
                "jurisdiction": j.jurisdiction,
                "grants": list(j.grants),
                "status": entity.get("status", "unknown"),
            }
        )
    presenter = Role.PRESENTER in roles(request)
    wallets = [
        {"id": wallet_id, "name": name, "opened": board.settings.wallet_token(wallet_id) is not None}
        for wallet_id, name in WALLETS.items()
    ]
    parties = [{"id": rp_id, "rp": rp} for rp_id, rp in RELYING_PARTIES.items()]
    return render(request, "home.html", issuers=issuers, wallets=wallets if presenter else [], parties=parties)
