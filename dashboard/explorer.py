"""The registry explorer: what the registry publishes, shown to an audience, and the governance
authority's decisions (suspend, reinstate, accredit) once its token is given.

Reading is public, as the registry's data is. Acting goes to the registry with the governance
token the browser logged in with: the registry, not the dashboard, decides whether it may, and
when it refuses its reason is shown on the page as it gave it.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import httpx
from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse

from pctf.access import Role, bearer_token, client_key
from pctf.reasons import Reason, SandboxError
from pctf.web import StrictRoute

from .i18n import MESSAGES, lang_of
from .pages import GOVERNANCE_COOKIE, PAGE, SEE_OTHER, dashboard, page_route, redirect, render, roles
from .pages import Dashboard as Board

router = APIRouter(route_class=StrictRoute)
# The audit page shows the newest entries only: a long-lived registry's log outgrows a page.
AUDIT_SHOWN = 100
AUDIT_PAGE = 1000
FINAL_STATES = ("accredited", "refused")
NOTICES = ("suspended", "active", "accredit", "refuse", "login")
# Statuses the shared catalogue has words for; any other is shown as the registry spells it.
KNOWN_STATUSES = frozenset(k for k in MESSAGES if k.startswith("status."))


def short_id(entity_id: str) -> str:
    """The last segment of an entity's identifier (``prov1``), the anchor the home page links to."""
    return entity_id.rstrip("/").rsplit("/", 1)[-1]


def when(value: str | None) -> str:
    """An RFC 3339 time as a presenter reads it aloud: date and minute, in UTC."""
    if not value:
        return ""
    text = value.replace("T", " ")
    return text[:16] + (" UTC" if len(text) >= 16 else "")


def _get(client: httpx.Client, url: str, **kwargs: Any) -> Any:
    """The JSON the registry answers, or None when it does not answer with success."""
    try:
        answer = client.get(url, **kwargs)
    except httpx.HTTPError:
        return None
    return answer.json() if answer.status_code == 200 else None


def _refusal(answer: httpx.Response) -> dict[str, str]:
    """The registry's reason code and message, as its error answers carry them."""
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return {
        "reason": str(body.get("error") or f"http_{answer.status_code}"),
        "message": str(body.get("error_description") or answer.reason_phrase),
    }


def _key_rows(entity: dict[str, Any]) -> list[dict[str, str]]:
    """Each key the entity publishes, with its latest key event (retired, compromised) if any."""
    events: dict[str, dict[str, Any]] = {}
    for event in entity.get("key_events") or []:
        events[event.get("kid", "")] = event
    rows = []
    for key in (entity.get("jwks") or {}).get("keys") or []:
        kid = str(key.get("kid", ""))
        event = events.get(kid)
        rows.append(
            {
                "kid": kid,
                "status": event["event"] if event and event.get("event") in ("retired", "compromised") else "active",
                "since": when(event.get("effective_from")) if event else "",
            }
        )
    return rows


def _governance_token(request: Request) -> str | None:
    return bearer_token(request) or request.cookies.get(GOVERNANCE_COOKIE)


def _explorer(request: Request, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    """The explorer page as it is now; ``extra`` carries a login failure or the registry's refusal."""
    board = dashboard(request)
    registry = board.url("registry")
    lang = lang_of(request)
    entities = _get(board.public, f"{registry}/registry/entities")
    metadata = _get(board.public, f"{registry}/registry/metadata") or {}
    labels = {
        r.get("resource"): (r.get("label") or {}).get(lang) or r.get("type") for r in metadata.get("resources") or []
    }

    def type_name(resource: str) -> str:
        return str(labels.get(resource) or resource)

    shown = []
    for entity in entities or []:
        shown.append(
            {
                "id": entity["entity_id"],
                "short": short_id(entity["entity_id"]),
                "name": entity.get("name", ""),
                "jurisdiction": entity.get("jurisdiction", ""),
                "role": entity.get("role", ""),
                "status": entity.get("status", "unknown"),
                "authorizations": [
                    {
                        "type": type_name(a.get("resource", "")),
                        "loa": a.get("assurance_level"),
                        "from": when(a.get("valid_from")),
                        "until": when(a.get("valid_until")),
                        "status": a.get("status", "unknown"),
                    }
                    for a in entity.get("authorizations") or []
                ],
                "signing_keys": _key_rows(entity),
            }
        )
    recognitions = [
        {
            "authority": r.get("recognized_authority_id", ""),
            "action": r.get("action", ""),
            "type": type_name(r.get("resource", "")),
            "from": when(r.get("valid_from")),
            "until": when(r.get("valid_until")),
            "status": r.get("status", "unknown"),
        }
        for r in _get(board.public, f"{registry}/registry/recognitions") or []
    ]
    governance = Role.GOVERNANCE in roles(request)
    applications: list[dict[str, Any]] = []
    token = request.cookies.get(GOVERNANCE_COOKIE)
    if governance and token:
        with board.governance_client(token) as client:
            found = _get(client, f"{registry}/registry/applications") or []
        applications = [
            {**a, "created": when(a.get("created_at"))} for a in found if a.get("state") not in FINAL_STATES
        ]
    done = request.query_params.get("done")
    return render(
        request,
        "registry.html",
        status_code=status_code,
        reachable=entities is not None,
        entities=shown,
        recognitions=recognitions,
        applications=applications,
        notice=done if done in NOTICES else None,
        login_failed=extra.get("login_failed", False),
        refusal=extra.get("refusal"),
        known_statuses=KNOWN_STATUSES,
    )


@router.get("/ui/registry", response_class=HTMLResponse, **page_route(Role.PUBLIC))
def explorer(request: Request, done: str | None = Query(None, max_length=32)) -> Any:
    """Every entity with its authorizations and keys, the recognized frameworks; for governance,
    the pending applications and the actions on each entity."""
    return _explorer(request)


@router.post(
    "/ui/registry/login", response_class=HTMLResponse, **page_route(Role.PUBLIC, responses={**PAGE, **SEE_OTHER})
)
def governance_login(request: Request, token: str = Form(..., max_length=512)) -> Any:
    """Log this browser in as the governance authority, once the registry accepts the token for a
    governance-only read; a wrong token counts as a failed attempt and sets nothing."""
    board = dashboard(request)
    limiter = request.app.state.attempts
    key = client_key(request)
    limiter.check(key)
    token = token.strip()
    if _registry_accepts(board, token) and _recognised(board, token):
        response = redirect("/ui/registry?done=login")
        secure = board.settings.base_url.startswith("https://")
        response.set_cookie(GOVERNANCE_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
        return response
    limiter.failed(key)
    return _explorer(request, status_code=401, login_failed=True)


def _registry_accepts(board: Board, token: str) -> bool:
    if not token or not token.isascii() or not token.isprintable():
        return False
    try:
        with board.governance_client(token) as client:
            answer = client.get(f"{board.url('registry')}/registry/applications")
    except httpx.HTTPError as exc:
        raise SandboxError(
            Reason.ENDPOINT_UNREACHABLE, f"the registry did not answer: {exc}", status_code=503
        ) from None
    return answer.status_code == 200


def _recognised(board: Board, token: str) -> bool:
    """The dashboard's own guard must know the token too, or every page would refuse the cookie."""
    principal = board.identify(token)
    return principal is not None and principal.role == Role.GOVERNANCE


def _act(request: Request, method: str, path: str, *, done: str, anchor: str = "", **kwargs: Any) -> Any:
    """Send a governance write to the registry; on success see the explorer (303), else show why
    the registry refused, with its status."""
    board = dashboard(request)
    token = _governance_token(request) or ""
    try:
        with board.governance_client(token) as client:
            answer = client.request(method, f"{board.url('registry')}{path}", **kwargs)
    except httpx.HTTPError as exc:
        refusal = {"reason": Reason.ENDPOINT_UNREACHABLE.value, "message": f"the registry did not answer: {exc}"}
        return _explorer(request, status_code=503, refusal=refusal)
    if answer.status_code >= 400:
        return _explorer(request, status_code=answer.status_code, refusal=_refusal(answer))
    return redirect(f"/ui/registry?done={done}" + (f"#{anchor}" if anchor else ""))


@router.post(
    "/ui/registry/entities/status",
    response_class=HTMLResponse,
    **page_route(Role.GOVERNANCE, responses={**PAGE, **SEE_OTHER}),
)
def entity_status(
    request: Request,
    entity_id: str = Form(..., max_length=2048),
    status: str = Form(..., max_length=16),
    reason: str = Form("", max_length=500),
) -> Any:
    """Suspend (``suspended``, with a reason) or reinstate (``active``) an entity and all its
    authorizations, in the registry."""
    body: dict[str, Any] = {"status": status}
    if reason.strip():
        body["reason"] = reason.strip()
    return _act(
        request,
        "PATCH",
        "/registry/entity/status",
        done=status if status in NOTICES else "",
        anchor=f"entity-{short_id(entity_id)}",
        params={"entity_id": entity_id},
        json=body,
    )


@router.post(
    "/ui/registry/applications/{app_id}/decision",
    response_class=HTMLResponse,
    **page_route(Role.GOVERNANCE, responses={**PAGE, **SEE_OTHER}),
)
def decide(
    request: Request,
    app_id: str = Path(..., pattern=r"^[A-Za-z0-9_.-]{1,64}$"),
    decision: str = Form(..., max_length=16),
    reason: str = Form("", max_length=2000),
) -> Any:
    """Accredit an application (as asked for) or refuse it (with a reason): the registry checks it
    passed conformance and the assessment first."""
    body: dict[str, Any] = {"decision": decision}
    if decision == "refuse":
        body["reasons"] = [reason.strip()] if reason.strip() else []
    return _act(
        request,
        "POST",
        f"/registry/applications/{app_id}/decision",
        done=decision if decision in NOTICES else "",
        json=body,
    )


def _audit_tail(board: Board) -> tuple[list[dict[str, Any]], int] | None:
    """The newest :data:`AUDIT_SHOWN` entries, newest first, and how many there are in all."""
    tail: deque[dict[str, Any]] = deque(maxlen=AUDIT_SHOWN)
    after, total = 0, 0
    while True:
        page = _get(
            board.public, f"{board.url('registry')}/registry/audit", params={"after": after, "limit": AUDIT_PAGE}
        )
        if page is None:
            return None
        tail.extend(page)
        total += len(page)
        if len(page) < AUDIT_PAGE:
            break
        after = page[-1]["seq"]
    entries = [
        {
            "seq": e.get("seq"),
            "at": when(e.get("at")),
            "actor": e.get("actor", ""),
            "action": e.get("action", ""),
            "subject": e.get("subject", ""),
            "details": e.get("details") or {},
            "hash": str(e.get("hash", ""))[:12],
        }
        for e in reversed(tail)
    ]
    return entries, total


def _audit_page(request: Request, check: dict[str, Any] | None) -> HTMLResponse:
    found = _audit_tail(dashboard(request))
    entries, total = found if found is not None else ([], 0)
    return render(
        request, "registry_audit.html", reachable=found is not None, entries=entries, total=total, check=check
    )


@router.get("/ui/registry/audit", response_class=HTMLResponse, **page_route(Role.PUBLIC))
def audit(request: Request) -> Any:
    """The registry's audit log, newest first, with the button that checks its hash chain."""
    return _audit_page(request, None)


@router.post("/ui/registry/audit/verify", response_class=HTMLResponse, **page_route(Role.PUBLIC))
def verify_audit(request: Request) -> Any:
    """Have the registry walk its whole hash chain, and show whether it is intact or where it breaks."""
    board = dashboard(request)
    check = _get(board.public, f"{board.url('registry')}/registry/audit/verify")
    if check is None:
        raise SandboxError(Reason.ENDPOINT_UNREACHABLE, "the registry did not answer", status_code=503)
    return _audit_page(request, check)
