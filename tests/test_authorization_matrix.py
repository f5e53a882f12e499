"""Every route of every service has an owner, and only its owner gets in.

The matrix is generated from the services' OpenAPI, where each route declares its owner
(``pctf.access.owner``). This test walks every operation of every service, on a running sandbox,
with every kind of caller (no token, each role, and for per-subject roles both the route's own
subject and another one), and checks each answer against the matrix: 401 without a token or with
one the service does not know, 403 with a known token that may not do this, and neither for an
allowed caller. A route added without an owner fails here, and so does a documented matrix
(``docs/authorization.md``) that no longer matches the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from cli.stack import build_app, openapi_documents
from pctf.access import CALLERS, Caller, Role, matrix_markdown, recognized_roles, route_access
from pctf.clock import SystemClock
from tests.support import serve

MATRIX_DOC = Path(__file__).resolve().parent.parent / "docs" / "authorization.md"
# The route's own subjects (path parameters), and another subject of the same kind.
OWN = {"issuer": "prov1", "wallet_id": "sasha", "rp_id": "bank"}
OTHER = {Role.ISSUER_STAFF: "prov2", Role.WALLET_HOLDER: "mallory", Role.RELYING_PARTY: "prov2-health"}
# Any value for the other path parameters: the guard answers before the route looks at them.
FILLERS = {
    "credential_id": "1",
    "request_id": "r1",
    "state": "s1",
    "list_id": "1",
    "issuance_id": "1",
    "registration_id": "1",
    "event_id": "e1",
    "reference": "r1",
    "kid": "k1",
    "auth_id": "1",
    "criterion": "privacy",
    "lang": "fr",
    "story": "sasha",
    "run_id": "r1",
}
QUERY_FILLERS = {"entity_id": "https://nobody.example.ca", "uri": "openid-credential-offer://?credential_offer=%7B%7D"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The sandbox on a real server, and a token for every kind of caller."""
    from cli.stack import free_port
    from pctf.settings import Settings
    from pctf.storage import dispose_all

    # Thousands of deliberately wrong tokens from one client: the attempt limit is another test's.
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("matrix"), port=free_port(), local_mode=True, auth_failure_limit=1_000_000
    )
    dispatcher = build_app(settings, SystemClock())
    server = serve(dispatcher, loopback=True, port=settings.port, url=settings.base_url)
    try:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            wallets = {w: http.put(f"/wallet/{w}").json()["token"] for w in ("sasha", "mallory")}
            applications = {}
            for name in ("own", "other"):
                answer = http.post(
                    "/registry/applications",
                    json={
                        "entity_id": f"{server.url}/issuers/terr2/{name}",
                        "name": "Territory 3 Digital ID",
                        "jurisdiction": "Terr3",
                        "contacts": ["onboarding@terr3.example.ca"],
                        "requested": [{"resource": "VerifiedPerson", "assurance_level": 3}],
                    },
                )
                assert answer.status_code == 201, answer.text
                applications[name] = answer.json()
            tokens = {
                Role.GOVERNANCE: (settings.resolved_governance_token(),) * 2,
                Role.ASSESSOR: (settings.resolved_assessor_token(),) * 2,
                Role.APPLICANT: (applications["own"]["applicant_token"], applications["other"]["applicant_token"]),
                Role.ISSUER_STAFF: (settings.issuer_staff_token("prov1"), settings.issuer_staff_token("prov2")),
                Role.WALLET_HOLDER: (wallets["sasha"], wallets["mallory"]),
                Role.RELYING_PARTY: (
                    settings.relying_party_token("bank"),
                    settings.relying_party_token("prov2-health"),
                ),
                Role.PRESENTER: (settings.resolved_presenter_token(),) * 2,
                Role.MONITORING: (settings.resolved_metrics_token(),) * 2,
            }
            yield {
                "http": http,
                "tokens": tokens,
                "app_id": applications["own"]["application_id"],
                "documents": openapi_documents(dispatcher),
            }
    finally:
        server.stop()
        dispose_all()


def _headers(world, caller: Caller) -> dict:
    if caller.role is None:
        return {}
    own, other = world["tokens"][caller.role]
    return {"Authorization": f"Bearer {own if caller.own_subject else other}"}


def _url(world, path: str, operation: dict) -> tuple[str, dict]:
    values = {**FILLERS, **OWN, "app_id": world["app_id"]}
    url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
    query = {
        p["name"]: QUERY_FILLERS[p["name"]]
        for p in operation.get("parameters", [])
        if p.get("in") == "query" and p.get("required")
    }
    return url, query


def test_every_route_of_every_service_declares_an_owner(world):
    undecided = [
        f"{row.service} {row.method} {row.path}"
        for name, doc in world["documents"].items()
        for row in route_access(name, doc)
        if not row.owners
    ]
    assert undecided == []


def test_the_documented_matrix_is_the_one_the_code_declares(world):
    assert MATRIX_DOC.read_text() == matrix_markdown(world["documents"]), (
        "docs/authorization.md is stale: regenerate it with pctf-sandbox routes --markdown"
    )


def test_every_route_answers_each_caller_as_the_matrix_says(world):
    http = world["http"]
    mismatches, walked = [], 0
    for name, doc in world["documents"].items():
        rows = route_access(name, doc)
        known = recognized_roles(rows)
        for row in rows:
            operation = doc["paths"][row.path][row.method.lower()]
            url, query = _url(world, row.path, operation)
            for caller in CALLERS:
                expected = row.expected(caller, known)
                kwargs = {"json": {}} if row.method in ("POST", "PUT", "PATCH") else {}
                answer = http.request(row.method, url, params=query, headers=_headers(world, caller), **kwargs)
                walked += 1
                got = answer.status_code
                ok = got not in (401, 403) if expected is None else got == expected
                if not ok:
                    mismatches.append(
                        f"{row.method} {row.path} as {caller.label}: {got}, expected "
                        f"{'any answer but 401/403' if expected is None else expected}"
                    )
                elif expected is not None:
                    # 401 from a role guard, or from a protocol's own token check (OpenID4VCI).
                    assert answer.json()["error"] in (
                        ("unauthorized", "invalid_token") if expected == 401 else ("forbidden",)
                    )
    assert walked >= 60 * len(CALLERS)
    assert mismatches == [], "\n".join(mismatches)
