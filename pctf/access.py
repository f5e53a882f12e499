"""Who may call which route: the roles, how a bearer token is recognised, and each route's owner.

Every route of every service declares its owner with :func:`owner` (``@app.get(path,
**owner(Role.WALLET_HOLDER))``). The declaration does two things at once, so they cannot drift
apart: it installs the guard that enforces it, and it writes the owner into the route's OpenAPI
operation (``x-pctf-owner``), from which the authorization matrix is generated and checked
(``docs/authorization.md``; ``tests/test_authorization_matrix.py`` walks every route of every
service with every role's token).

A service recognises the tokens it knows with an ``identify(token) -> Principal | None``
function given to :func:`install`. Answers follow RFC 6750 section 3.1: no token, or a token
this service does not know, is 401 (``unauthorized``); a token it knows whose holder may not use
this route (another wallet's holder, another issuer's staff) is 403 (``forbidden``). Unknown
tokens count as failed attempts per client address (:class:`AttemptLimiter`): past the limit the
client gets 429 until the window passes, so tokens cannot be guessed at network speed.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, FastAPI, Request

from .reasons import Reason, SandboxError
from .web import AUTH_ERRORS

OWNER_KEY = "x-pctf-owner"


class Role(StrEnum):
    PUBLIC = "public"  # anyone: metadata, TRQP queries, protocol endpoints with their own proof
    GOVERNANCE = "governance"  # the registry's governance authority
    ASSESSOR = "assessor"  # marks PCTF criteria during onboarding
    APPLICANT = "applicant"  # one onboarding application, with the token it got when it applied
    ISSUER_STAFF = "issuer_staff"  # one issuer's own staff
    WALLET_HOLDER = "wallet_holder"  # one wallet's holder
    RELYING_PARTY = "relying_party"  # one relying party's back end
    # Whoever runs the sandbox's demos: drives the stories in the dashboard, which then act with
    # the operator's keyring (each wallet's holder token, each issuer's staff token).
    PRESENTER = "presenter"
    # Whoever monitors the deployment: reads every service's /metrics, and nothing else.
    MONITORING = "monitoring"
    # Whoever holds an access token from the issuer's own token endpoint (OpenID4VCI 6, 8): the
    # route checks it against the issuer's store itself; no role token is one.
    ACCESS_TOKEN = "oid4vci_access_token"


# The path parameter naming whose resource a route is, for the roles that belong to one subject.
SUBJECT_PARAM = {
    Role.APPLICANT: "app_id",
    Role.ISSUER_STAFF: "issuer",
    Role.WALLET_HOLDER: "wallet_id",
    Role.RELYING_PARTY: "rp_id",
}


@dataclass(frozen=True)
class Principal:
    """Who a token belongs to: a role, and for per-subject roles which subject (``prov1``, ``sasha``)."""

    role: Role
    subject: str | None = None


Identify = Callable[[str], "Principal | None"]


class AttemptLimiter:
    """Failed authentication attempts per client, in a sliding window.

    Only failures count, and a success does not reset the count: a client holding one valid
    token of its own cannot interleave it to keep guessing others.
    """

    def __init__(self, limit: int, window_seconds: float, *, max_clients: int = 10_000) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and now - failures[0] >= self.window:
            failures.popleft()
        return failures

    def check(self, key: str) -> None:
        """Refuse (429 ``too_many_attempts``) a client over its limit, before any token is compared."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) >= self.limit:
                retry = max(1, int(self.window - (now - failures[0])) + 1)
                raise SandboxError(
                    Reason.TOO_MANY_ATTEMPTS,
                    f"too many failed attempts; try again in {retry} s",
                    status_code=429,
                    headers={"Retry-After": str(retry)},
                )

    def failed(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self.max_clients:
                self._failures = {k: v for k, v in self._failures.items() if self._recent(k, now)}
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    """The request's ``Authorization: Bearer`` token, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def configured_tokens(role: Role, tokens: dict[str, str]) -> Identify:
    """Recognise one role's per-subject tokens from configuration (``{subject: token}``): every
    one is compared, in constant time, so the time taken says nothing about which matched."""
    expected = {subject: token.encode("utf-8") for subject, token in tokens.items()}

    def identify(token: str) -> Principal | None:
        offered, found = token.encode("utf-8", "surrogatepass"), None
        for subject, value in expected.items():
            if hmac.compare_digest(offered, value):
                found = subject
        return Principal(role, found) if found else None

    return identify


def install(app: FastAPI, identify: Identify, limiter: AttemptLimiter) -> None:
    """Give a service's guards the way to recognise its tokens, and its attempt limiter."""
    app.state.identify = identify
    app.state.attempts = limiter


def also_recognize(app: FastAPI, identify: Identify) -> None:
    """Let a service recognise one more kind of token (the monitoring role's) besides those
    :func:`install` gave it; its own come first."""
    first: Identify = app.state.identify

    def either(token: str) -> Principal | None:
        return first(token) or identify(token)

    app.state.identify = either


def session_tokens(request: Request) -> list[str]:
    """The tokens a browser holds in the session cookies its app names (``app.state.session_cookies``:
    the dashboard's presenter and governance logins); APIs name none, so cookies open nothing there."""
    names: tuple[str, ...] = getattr(request.app.state, "session_cookies", ())
    return [token for name in names if (token := request.cookies.get(name))]


def authenticate(request: Request, roles: tuple[Role, ...] = ()) -> Principal | None:
    """The principal behind the request's bearer token (else its session cookies), None without
    any; an unknown token is 401 and counts as a failed attempt. Of several session tokens, the
    first whose principal may call a route owned by ``roles`` wins."""
    limiter: AttemptLimiter = request.app.state.attempts
    key = client_key(request)
    limiter.check(key)
    bearer = bearer_token(request)
    tokens = [bearer] if bearer is not None else session_tokens(request)
    if not tokens:
        return None
    principals: list[Principal] = []
    for token in tokens:
        principal: Principal | None = request.app.state.identify(token)
        if principal is None:
            limiter.failed(key)
            raise SandboxError(
                Reason.UNAUTHORIZED,
                "this bearer token is not valid here",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        principals.append(principal)
    return next((p for p in principals if _allowed(p, roles, request)), principals[0])


def _allowed(principal: Principal, roles: tuple[Role, ...], request: Request) -> bool:
    for role in roles:
        if principal.role != role:
            continue
        param = SUBJECT_PARAM.get(role)
        if param is None or principal.subject == request.path_params.get(param):
            return True
    return False


def _describe(roles: tuple[Role, ...]) -> str:
    names = {
        Role.GOVERNANCE: "the governance role",
        Role.ASSESSOR: "the assessor role",
        Role.APPLICANT: "this application's applicant",
        Role.ISSUER_STAFF: "this issuer's staff",
        Role.WALLET_HOLDER: "this wallet's holder",
        Role.RELYING_PARTY: "this relying party's back end",
        Role.PRESENTER: "the sandbox's presenter",
        Role.MONITORING: "the monitoring role",
    }
    return " or ".join(names[r] for r in roles)


def _guard(roles: tuple[Role, ...]) -> Callable[[Request], Principal]:
    def guard(request: Request) -> Principal:
        principal = authenticate(request, roles)
        if principal is None:
            raise SandboxError(
                Reason.UNAUTHORIZED,
                f"this operation needs the bearer token of {_describe(roles)}",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not _allowed(principal, roles, request):
            raise SandboxError(
                Reason.FORBIDDEN,
                f"this bearer token does not allow this: only {_describe(roles)} may do it",
                status_code=403,
            )
        request.state.principal = principal
        return principal

    return guard


def owner(*roles: Role) -> dict[str, Any]:
    """Route keyword arguments declaring (in OpenAPI) and enforcing (as a dependency) who may call it.

    ``owner(Role.PUBLIC)`` is a decision too: a route without any declaration fails the
    authorization matrix test.
    """
    if not roles:
        raise ValueError("a route needs at least one owner")
    extra: dict[str, Any] = {OWNER_KEY: [r.value for r in roles]}
    if roles == (Role.PUBLIC,):
        return {"openapi_extra": extra}
    if Role.PUBLIC in roles:
        raise ValueError("a public route has no other owner")
    extra["security"] = [{"bearer": []}]
    if roles == (Role.ACCESS_TOKEN,):  # the route's protocol checks its own token
        return {"openapi_extra": extra, "responses": AUTH_ERRORS}
    return {"dependencies": [Depends(_guard(roles))], "openapi_extra": extra, "responses": AUTH_ERRORS}


def principal_of(request: Request) -> Principal:
    """The principal a route's guard admitted (for routes open to several roles)."""
    principal: Principal = request.state.principal
    return principal


# -- the authorization matrix ------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """One column of the authorization matrix: who calls, relative to the route's subject."""

    label: str
    role: Role | None  # None: no token at all
    own_subject: bool = True  # for per-subject roles: the route's own subject, or another one


CALLERS = (
    Caller("anonymous", None),
    Caller("governance", Role.GOVERNANCE),
    Caller("assessor", Role.ASSESSOR),
    Caller("applicant", Role.APPLICANT),
    Caller("other applicant", Role.APPLICANT, own_subject=False),
    Caller("issuer staff", Role.ISSUER_STAFF),
    Caller("other issuer's staff", Role.ISSUER_STAFF, own_subject=False),
    Caller("wallet holder", Role.WALLET_HOLDER),
    Caller("other wallet's holder", Role.WALLET_HOLDER, own_subject=False),
    Caller("relying party", Role.RELYING_PARTY),
    Caller("other relying party", Role.RELYING_PARTY, own_subject=False),
    Caller("presenter", Role.PRESENTER),
    Caller("monitoring", Role.MONITORING),
)


@dataclass(frozen=True)
class RouteAccess:
    service: str
    method: str
    path: str
    owners: tuple[Role, ...]

    def expected(self, caller: Caller, recognized: frozenset[Role]) -> int | None:
        """None when ``caller`` may call this route; else the status its guard answers (RFC 6750:
        401 without a token or with one this service does not know, 403 for a known token)."""
        if Role.PUBLIC in self.owners:
            return None
        if self.owners == (Role.ACCESS_TOKEN,):  # no role token is a protocol access token
            return 401
        if caller.role is None or caller.role not in recognized:
            return 401
        if caller.role in self.owners:
            subject_bound = (
                SUBJECT_PARAM.get(caller.role) is not None and "{" + SUBJECT_PARAM[caller.role] + "}" in self.path
            )
            if caller.own_subject or not subject_bound:
                return None
        return 403


def route_access(service: str, openapi: dict[str, Any]) -> list[RouteAccess]:
    """Every operation of a service's OpenAPI with its declared owners; an operation that
    declares none is listed with no owner (a defect the matrix test reports)."""
    rows: list[RouteAccess] = []
    for path, operations in sorted(openapi.get("paths", {}).items()):
        for method, operation in sorted(operations.items()):
            owners = tuple(Role(o) for o in operation.get(OWNER_KEY, ()))
            rows.append(RouteAccess(service, method.upper(), path, owners))
    return rows


def recognized_roles(rows: list[RouteAccess]) -> frozenset[Role]:
    """The roles whose tokens a service knows: those its routes are owned by."""
    return frozenset(r for row in rows for r in row.owners if r != Role.PUBLIC)


def matrix_markdown(services: dict[str, dict[str, Any]]) -> str:
    """The authorization matrix as Markdown: every route of every service (by its OpenAPI) against
    every kind of caller: ✓ where it may call, else the status it gets."""
    lines = [
        "# Authorization matrix",
        "",
        "Generated from the services' OpenAPI (`pctf-sandbox routes --markdown`); "
        "`tests/test_authorization_matrix.py` checks every cell against the running services.",
        '"Other" callers hold a valid token for another subject than the route\'s: another application, '
        "issuer, wallet or relying party. 401: no token, or one the service does not know; "
        "403: a known token that may not do this; ✓: allowed (the route then answers on its own terms).",
        "",
        "| service | method | path | owner | " + " | ".join(c.label for c in CALLERS) + " |",
        "|---|---|---|---|" + "---|" * len(CALLERS),
    ]
    for service, openapi in services.items():
        rows = route_access(service, openapi)
        known = recognized_roles(rows)
        for row in rows:
            cells = ["✓" if row.expected(c, known) is None else str(row.expected(c, known)) for c in CALLERS]
            owner_text = ", ".join(o.value for o in row.owners) or "**none**"
            lines.append(f"| {service} | {row.method} | `{row.path}` | {owner_text} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
