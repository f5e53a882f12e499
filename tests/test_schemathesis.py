"""Every operation of every service against its own OpenAPI description (schemathesis).

Each service's documented contract is its OpenAPI: what it accepts, and every status, media type
and body it may answer. Generated requests, valid and invalid, must never get a 5xx and every
answer must match what the description says. Guarded operations get their owner's bearer token
(``x-pctf-owner``) and a real subject (issuer, relying party, wallet, application) in the path, so
the inputs reach the code behind the guard instead of stopping at 401/403.

The services run in process (no listening port): what the wallet, the verifier or a conformance
run would fetch from elsewhere is unreachable, and must be answered as 4xx/502/503, never 500.
Run with ``-s`` to see the totals per service.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup  # noqa: E402

from cli.stack import build_app, free_port  # noqa: E402
from issuers.jurisdictions import SANDBOX_ISSUERS  # noqa: E402
from pctf.access import OWNER_KEY, SUBJECT_PARAM, Role  # noqa: E402
from pctf.settings import Settings  # noqa: E402
from pctf.storage import dispose_all  # noqa: E402
from tests.support import serve  # noqa: E402
from verifier.relying_parties import RELYING_PARTIES  # noqa: E402

pytestmark = pytest.mark.slow  # thousands of generated requests

EXAMPLES = 25  # per operation and generation mode: the whole module stays within a few minutes
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
WALLET = "fuzzed_holder"
# An applicant whose endpoints are on a closed loopback port: conformance runs reach nothing.
APPLICATION = {
    "entity_id": "http://127.0.0.1:9/issuer",
    "name": "Fuzzed Registrar",
    "jurisdiction": "Terr3",
    "contacts": ["onboarding@fuzzed.example.ca"],
    "requested": [{"resource": "VerifiedPerson", "assurance_level": 3}],
}
SPECS = {
    "registry": "/registry/openapi.json",
    "issuers": "/issuers/openapi.json",
    "wallet": "/wallet/openapi.json",
    "verifier": "/verifier/openapi.json",
    "dashboard": "/openapi.json",
}
TOTALS: dict[str, dict] = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Every service built once, with the tokens each owner acts with."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("schemathesis") / "data",
        port=free_port(),
        governance_token="fuzz-governance-token",
        local_mode=True,
        # Generated requests fail by the thousand: none may lock the client out.
        auth_failure_limit=10**9,
    )
    dispatcher = build_app(settings)
    apps = {prefix.strip("/"): app for prefix, app in dispatcher.routes if prefix.count("/") == 1}
    apps["dashboard"] = dispatcher.default
    # The dashboard reads the services over HTTP at the sandbox's URL: they answer there for real.
    server = serve(dispatcher, loopback=True, port=settings.port, url=settings.base_url)
    with serve(apps["wallet"]) as served, served.client() as client:
        wallet_token = client.put(f"/wallet/{WALLET}").json()["token"]
    with serve(apps["registry"]) as served, served.client() as client:
        applied = client.post("/registry/applications", json=APPLICATION).json()
    tokens = {
        Role.GOVERNANCE: lambda _: settings.resolved_governance_token(),
        Role.ASSESSOR: lambda _: settings.resolved_assessor_token(),
        Role.APPLICANT: lambda _: applied["applicant_token"],
        Role.ISSUER_STAFF: settings.issuer_staff_token,
        Role.WALLET_HOLDER: lambda _: wallet_token,
        Role.RELYING_PARTY: settings.relying_party_token,
        Role.PRESENTER: lambda _: settings.resolved_presenter_token(),
        Role.MONITORING: lambda _: settings.resolved_metrics_token(),
    }
    subjects = {
        "issuer": list(SANDBOX_ISSUERS),
        "rp_id": list(RELYING_PARTIES),
        "wallet_id": [WALLET],
        "app_id": [applied["application_id"]],
    }
    yield apps, tokens, subjects
    server.stop()
    dispatcher.on_shutdown[0]()
    dispose_all()


@pytest.fixture(scope="module", autouse=True)
def totals():
    """The per-service totals, shown with ``-s``."""
    yield
    for service, counts in TOTALS.items():
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(counts["statuses"].items()))
        print(
            f"schemathesis {service}: {counts['operations']} operations, {counts['requests']} requests, "
            f"{counts['failures']} failures (statuses {statuses})"
        )


def strategy(operation, tokens, subjects, mode):
    """Cases for one operation: real subjects in the path, the owner's token when it has one."""
    owners = [Role(r) for r in operation.definition.raw.get(OWNER_KEY, ["public"])]
    names = [p.name for p in operation.path_parameters]
    # A path param that names an owner's subject (or a public route's issuer/relying party) is a real one.
    fixed = {
        name: st.sampled_from(values)
        for name, values in subjects.items()
        if name in names and (name in ("issuer", "rp_id") or any(SUBJECT_PARAM.get(r) == name for r in owners))
    }

    def cases(path: dict):
        headers = None
        if owners[0] not in (Role.PUBLIC, Role.ACCESS_TOKEN):  # a protocol access token is the route's own
            token = tokens[owners[0]](path.get(SUBJECT_PARAM.get(owners[0]), ""))
            headers = {"Authorization": f"Bearer {token}"}
        return operation.as_strategy(mode, path_parameters=path or None, headers=headers)

    return st.fixed_dictionaries(fixed).flatmap(cases)


@pytest.mark.parametrize("service", list(SPECS))
def test_every_operation_keeps_its_contract(stack, service):
    apps, tokens, subjects = stack
    schema = schemathesis.openapi.from_asgi(SPECS[service], apps[service])
    counts = TOTALS.setdefault(service, {"operations": 0, "requests": 0, "failures": 0, "statuses": {}})
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis_settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy(operation, tokens, subjects, mode))
            def run(case):
                counts["requests"] += 1
                response = case.call()
                counts["statuses"][response.status_code] = counts["statuses"].get(response.status_code, 0) + 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except FailureGroup as exc:  # every failure is kept, the run goes on
                    counts["failures"] += 1
                    for failure in exc.exceptions:
                        failures.setdefault(
                            f"{operation.label} [{mode.value}] {failure.title}", f"{failure}\n{case.as_curl_command()}"
                        )

            try:
                run()
            except Unsatisfiable:  # nothing to get wrong in this operation's input (no parameters, no body)
                assert mode == GenerationMode.NEGATIVE, operation.label
    assert not failures, "\n\n".join(f"{key}\n{text}" for key, text in failures.items())
