"""``pctf-sandbox registry ...``: onboarding and governance from the terminal, run in-process.

Each test works on its own ``PCTF_DATA_DIR``. Successful commands are checked against what the
registry then holds; refused ones must exit 2 with one line naming the reason code, no
traceback, and leave the store (audit log included) as it was.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from types import ModuleType, SimpleNamespace

import pytest
from sqlalchemy import update
from sqlmodel import Session
from typer.testing import CliRunner

from cli import support
from cli.main import app
from pctf.clock import SystemClock
from pctf.jose import generate_key
from pctf.reasons import SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all
from pctf.vocab import VERIFIED_PERSON
from registry.criteria import criteria_for
from registry.models import AuditEntry
from registry.service import RegistryService

NEW = "https://digital-id.terr3.example.ca/issuer"
VP = VERIFIED_PERSON.vct
VP_CRITERIA = [c.id for c in criteria_for([VP])]
APPLY = [
    "apply",
    "--entity-id",
    NEW,
    "--name",
    "Territory 3 Digital ID",
    "--jurisdiction",
    "Terr3",
    "--contact",
    "onboarding@terr3.example.ca",
    "--type",
    "VerifiedPerson:3",
]
runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PCTF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PCTF_GOVERNANCE_TOKEN", "cli-governance")
    monkeypatch.delenv("PCTF_DATABASE_URL", raising=False)  # the commands' own local store
    # Tables fold long ids in narrow terminals; keep them whole here. The command line's console
    # read its width once, when this process first imported it (from whatever COLUMNS was then).
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(support.out, "_width", 200)
    yield tmp_path / "data"
    dispose_all()


@pytest.fixture
def registry() -> RegistryService:
    """The same store the commands use, to set up and to check what they did."""
    return RegistryService(Settings(), SystemClock())


def plain_key():
    """A key whose kid does not begin with "-": such a kid is passed after "--" on a command line
    (see test_a_kid_that_looks_like_an_option_follows_a_double_dash), which these tests do not."""
    while (made := generate_key()).kid.startswith("-"):
        pass
    return made


@pytest.fixture
def key(tmp_path):
    return plain_key()


def cli(*args: str, input: str | None = None):
    """``pctf-sandbox registry ARGS``; whatever happens, never an unhandled exception."""
    result = runner.invoke(app, ["registry", *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def ok(*args: str, input: str | None = None):
    result = cli(*args, input=input)
    assert result.exit_code == 0, result.stdout + result.stderr
    return result


def as_json(*args: str):
    return json.loads(ok(*args, "--json").stdout)


def refused(registry, *args: str, reason: str, code: int = 2):
    """The command exits ``code`` with one line naming ``reason``, and the registry is unchanged."""
    before = (registry.entities(), registry.applications(), registry.audit_log())
    result = cli(*args)
    assert result.exit_code == code, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert reason in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert (registry.entities(), registry.applications(), registry.audit_log()) == before
    return result


def report(key, *, passed: bool = True) -> dict:
    return {
        "issuer": NEW,
        "passed": passed,
        "checks": [{"id": "jwt_vc_issuer_metadata", "passed": passed, "evidence": "issuer equals iss"}],
        "jwks": {"keys": [key.public_jwk]},
    }


def applied(registry, key, *, conformance: bool = True) -> str:
    """An application made from the command line (with a passed conformance run): its id."""
    app_id = as_json(*APPLY)["application_id"]
    if conformance:
        registry.record_conformance(app_id, report(key), actor=f"applicant:{app_id}")
    return app_id


def accredited(registry, key) -> str:
    app_id = applied(registry, key)
    for criterion in VP_CRITERIA:
        ok("assess", app_id, criterion, "--met", "--evidence", "documented and observed")
    ok("decide", app_id, "--accredit")
    return app_id


def days_from_today(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


# -- applying -------------------------------------------------------------------------------
def test_apply_prints_the_application_and_its_token_once(registry):
    result = ok(*APPLY)
    [app] = registry.applications()
    assert app["entity_id"] == NEW and app["state"] == "submitted"
    assert f"Application {app['application_id']} submitted for {NEW}" in result.stdout
    token = result.stdout.split("application): ")[1].split()[0]
    assert registry.applicant_may_read(app["application_id"], token)
    assert "applicant_token" not in as_json("application", app["application_id"])


def test_apply_json_and_type_levels(registry):
    made = as_json(
        "apply",
        "--entity-id",
        NEW,
        "--name",
        "T3",
        "--jurisdiction",
        "Terr3",
        "--contact",
        "a@terr3.example.ca",
        "--contact",
        "b@terr3.example.ca",
        "--type",
        "VerifiedPerson",
        "--type",
        "urn:pctf-sandbox:vct:verified-relationship:1:2",
    )
    assert made["applicant_token"] and made["state"] == "submitted"
    assert made["contacts"] == ["a@terr3.example.ca", "b@terr3.example.ca"]
    assert made["credential_issuer"] == NEW
    assert [(r["resource"].rsplit(":", 2)[1], r["assurance_level"]) for r in made["requested"]] == [
        ("verified-person", 3),
        ("verified-relationship", 2),
    ]


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"--entity-id": "terr3"}, "bad_request"),
        ({"--type": "Passport:3"}, "credential_type_unknown"),
        ({"--type": "VerifiedPerson:9"}, "bad_request"),
        ({"--contact": " "}, "bad_request"),
    ],
)
def test_apply_refuses_bad_input(registry, change, reason):
    args = list(APPLY)
    for option, value in change.items():
        args[args.index(option) + 1] = value
    refused(registry, *args, reason=reason)


def test_a_second_open_application_is_refused(registry):
    ok(*APPLY)
    refused(registry, *APPLY, reason="conflict")


# -- conformance from `apply --offer` (registry.conformance stood in for) --------------------
@pytest.fixture
def conformance(monkeypatch, key):
    """A stand-in ``registry.conformance`` whose outcome each test chooses."""
    state = {"passed": True, "raise": None, "calls": []}

    def run_conformance(issuer_url, *, http, clock, offer=None, tx_code=None):
        state["calls"].append({"issuer": issuer_url, "offer": offer, "tx_code": tx_code})
        if state["raise"]:
            raise state["raise"]
        return SimpleNamespace(passed=state["passed"], as_dict=lambda: report(key, passed=state["passed"]))

    module = ModuleType("registry.conformance")
    module.run_conformance = run_conformance
    monkeypatch.setitem(sys.modules, "registry.conformance", module)
    return state


def test_apply_with_an_offer_runs_the_conformance_checks(registry, conformance, tmp_path):
    offer = {"credential_issuer": NEW, "credential_configuration_ids": ["VerifiedPerson"]}
    (tmp_path / "offer.json").write_text(json.dumps(offer))
    made = as_json(*APPLY, "--offer", str(tmp_path / "offer.json"), "--tx-code", "493817")
    assert conformance["calls"] == [{"issuer": NEW, "offer": offer, "tx_code": "493817"}]
    assert made["state"] == "conformance_passed" and made["applicant_token"]
    assert registry.audit_log()[-1]["actor"] == f"applicant:{made['application_id']}"


def test_apply_with_an_offer_uri_shows_the_checks(registry, conformance):
    uri = "openid-credential-offer://?credential_offer=%7B%7D"
    result = ok(*APPLY, "--offer", uri)
    assert conformance["calls"][0]["offer"] == uri
    assert "Technical conformance checks passed" in result.stdout and "jwt_vc_issuer_metadata" in result.stdout


def test_failed_conformance_exits_1_and_the_application_stays_open(registry, conformance):
    conformance["passed"] = False
    result = cli(*APPLY, "--offer", '{"credential_issuer": "x"}', "--json")
    assert result.exit_code == 1
    made = json.loads(result.stdout)
    assert made["state"] == "conformance_failed" and made["applicant_token"]


def test_conformance_that_cannot_run_still_shows_the_token(registry, conformance):
    conformance["raise"] = SandboxError("bad_request", "the offer names no credential configuration")
    result = cli(*APPLY, "--offer", "openid-credential-offer://?credential_offer=%7B%7D")
    assert result.exit_code == 2 and "the offer names no credential configuration" in result.stderr
    assert "Applicant token" in result.stdout
    assert registry.applications()[0]["state"] == "submitted"


def test_a_bad_offer_is_refused_before_applying(registry, conformance, tmp_path):
    refused(registry, *APPLY, "--offer", "{not json", reason="not valid JSON")
    refused(registry, *APPLY, "--offer", str(tmp_path / "missing.json"), reason="cannot read")
    assert conformance["calls"] == []


def test_apply_takes_the_test_offer_file_with_its_tx_code(registry, conformance, tmp_path):
    uri = "openid-credential-offer://?credential_offer=%7B%7D"
    test_offer = {"issuer": NEW, "offer": uri, "tx_code": "204816", "assurance_level": 2}
    (tmp_path / "test-offer.json").write_text(json.dumps(test_offer))
    as_json(*APPLY, "--offer", str(tmp_path / "test-offer.json"))
    ok("decide", registry.applications()[0]["application_id"], "--refuse", "--reason", "to apply again")
    as_json(*APPLY, "--offer", str(tmp_path / "test-offer.json"), "--tx-code", "999999")  # a code given wins
    assert conformance["calls"] == [
        {"issuer": NEW, "offer": uri, "tx_code": "204816"},
        {"issuer": NEW, "offer": uri, "tx_code": "999999"},
    ]
    (tmp_path / "bad.json").write_text(json.dumps({**test_offer, "tx_code": 204816}))
    refused(registry, *APPLY, "--offer", str(tmp_path / "bad.json"), reason="tx_code a string")
    assert len(conformance["calls"]) == 2


@pytest.fixture
def services(monkeypatch):
    """A stand-in for the sandbox's services (``cli.stack.sandbox_services``): records each start
    and stop, or refuses as a port held by another sandbox does when ``refuse`` is set."""
    state: dict = {"started": [], "stopped": 0, "refuse": None}

    def sandbox_services(settings, clock=None):
        if state["refuse"]:
            raise state["refuse"]
        state["started"].append(settings.data_dir)

        def stop():
            state["stopped"] += 1

        return SimpleNamespace(settings=settings, url=settings.base_url, used="used the stand-in sandbox", stop=stop)

    monkeypatch.setattr("cli.stack.sandbox_services", sandbox_services)
    return state


def test_apply_for_a_sandbox_issuer_reaches_it_through_the_sandbox_services(registry, conformance, services, data_dir):
    terr2 = Settings().issuer_id("terr2")
    sandbox_issuer = [*APPLY[:2], terr2, *APPLY[3:]]
    offer = "openid-credential-offer://?credential_offer=%7B%7D"
    result = cli(*sandbox_issuer, "--offer", offer, "--tx-code", "1234", "--json")
    assert result.exit_code == 0, result.stderr
    assert services["started"] == [data_dir] and services["stopped"] == 1
    assert result.stderr.strip() == "used the stand-in sandbox" and json.loads(result.stdout)["entity_id"] == terr2
    assert conformance["calls"] == [{"issuer": terr2, "offer": offer, "tx_code": "1234"}]

    # An issuer elsewhere is reached where it is: the sandbox's services are not started for it.
    ok(*APPLY, "--offer", offer)
    assert services["started"] == [data_dir] and len(conformance["calls"]) == 2

    # Services that cannot be reached: refused before applying, nothing recorded.
    ok("decide", registry.applications()[0]["application_id"], "--refuse", "--reason", "apply again")
    services["refuse"] = SandboxError("conflict", "the sandbox at http://127.0.0.1:1 serves another data directory")
    refused(registry, *sandbox_issuer, "--offer", offer, reason="serves another data directory")
    assert len(conformance["calls"]) == 2


# -- reading, assessing, deciding --------------------------------------------------------------
def test_applications_and_application(registry, key):
    app_id = applied(registry, key)
    ok("assess", app_id, "privacy", "--not-met", "--evidence", "no retention schedule")
    listed = as_json("applications")
    assert [(a["application_id"], a["state"]) for a in listed] == [(app_id, "conformance_passed")]
    assert app_id in ok("applications").stdout
    view = as_json("application", app_id)
    assert view["conformance"]["passed"] is True
    privacy = next(c for c in view["assessment"] if c["id"] == "privacy")
    assert (privacy["met"], privacy["evidence"]) == (False, "no retention schedule")
    text = ok("application", app_id).stdout
    assert "jwt_vc_issuer_metadata" in text and "not met" in text and "no retention schedule" in text
    french = ok("application", app_id, "--lang", "fr").stdout
    assert "non satisfait" in french and "Critère" in french
    refused(registry, "application", "nope", reason="not_found")


def test_assess_marks_and_counts(registry, key):
    app_id = applied(registry, key)
    first = ok("assess", app_id, "privacy", "--met", "--evidence", "privacy impact assessment").stdout
    assert "privacy marked met" in first and "1 of 10 criteria met" in first
    french = ok("assess", app_id, "evidence", "--not-met", "--evidence", "x", "--lang", "fr").stdout
    assert "Critère evidence évalué non satisfait" in french
    refused(registry, "assess", app_id, "organization_resolution", "--met", "--evidence", "x", reason="bad_request")
    refused(registry, "assess", app_id, "privacy", "--met", "--evidence", " ", reason="bad_request")
    refused(registry, "assess", "nope", "privacy", "--met", "--evidence", "x", reason="not_found")
    assert cli("assess", app_id, "privacy", "--evidence", "x").exit_code == 2  # --met or --not-met is required


def test_decide_accredit_grants_what_was_asked(registry, key):
    app_id = applied(registry, key)
    for criterion in VP_CRITERIA:
        ok("assess", app_id, criterion, "--met", "--evidence", "documented and observed")
    until = days_from_today(365)
    refused(registry, "decide", app_id, "--accredit", "--loa", "4", reason="conflict")
    refused(registry, "decide", app_id, "--accredit", "--type", "VerifiedOrganization", reason="conflict")
    refused(registry, "decide", app_id, "--accredit", "--valid-until", "next year", reason="bad_request")
    result = ok("decide", app_id, "--accredit", "--loa", "2", "--valid-until", until)
    assert f"Application {app_id} accredited: {NEW} may issue {VP} (LoA 2" in result.stdout
    entity = registry.entity(NEW)
    assert entity["jwks"] == {"keys": [key.public_jwk]}
    assert [(a["resource"], a["assurance_level"], a["valid_until"]) for a in entity["authorizations"]] == [
        (VP, 2, f"{until}T00:00:00Z")
    ]
    query = {"entity_id": NEW, "authority_id": registry.authority_id, "action": "issue", "resource": VP}
    assert registry.authorization_query(query)["authorized"] is True
    refused(registry, "decide", app_id, "--refuse", "--reason", "too late", reason="conflict")


def test_decide_refuse_and_its_rules(registry, key):
    app_id = applied(registry, key, conformance=False)
    refused(registry, "decide", app_id, reason="exactly one of --accredit and --refuse")
    refused(registry, "decide", app_id, "--accredit", "--refuse", reason="exactly one")
    refused(registry, "decide", app_id, "--refuse", reason="reasons")
    refused(registry, "decide", app_id, "--refuse", "--type", "VerifiedPerson", "--reason", "x", reason="--accredit")
    refused(registry, "decide", app_id, "--accredit", "--reason", "x", reason="--refuse")
    refused(registry, "decide", app_id, "--accredit", reason="conformance")
    decided = as_json("decide", app_id, "--refuse", "--reason", "no evidence process", "--reason", "no PIA")
    assert decided["state"] == "refused" and decided["decision"]["reasons"] == ["no evidence process", "no PIA"]
    assert registry.entities() == []


# -- suspension, reinstatement, revocation -------------------------------------------------
def test_suspend_reinstate_revoke(registry, key):
    accredited(registry, key)
    refused(registry, "suspend", NEW, reason="a reason is required")
    refused(registry, "suspend", NEW, "--reason", "x", "--effective-from", "2025-03-01T00:00:00", reason="time zone")
    refused(registry, "suspend", NEW, "--reason", "x", "--authorization", "99", reason="not_found")
    refused(registry, "suspend", "https://nobody.example.ca/issuer", "--reason", "x", reason="not_found")
    when = days_from_today(-1)
    record = as_json("suspend", NEW, "--reason", "audit finding", "--effective-from", when, "--retroactive")
    assert record["status"] == "suspended"
    assert {k: record["status_history"][-1][k] for k in ("status", "effective_from", "retroactive", "reason")} == {
        "status": "suspended",
        "effective_from": f"{when}T00:00:00Z",
        "retroactive": True,
        "reason": "audit finding",
    }
    text = ok("reinstate", NEW).stdout
    assert f"{NEW} is active from" in text
    grant = registry.entity(NEW)["authorizations"][0]["id"]
    scoped = as_json("suspend", NEW, "--authorization", str(grant), "--reason", "LoA review")
    assert scoped["id"] == grant and scoped["status"] == "suspended"
    assert ok("revoke", NEW, "--reason", "ceased operations").exit_code == 0
    history = registry.entity(NEW)["status_history"]
    assert [(e["status"], e["retroactive"]) for e in history] == [
        ("suspended", True),
        ("active", False),
        ("revoked", True),
    ]
    refused(registry, "reinstate", NEW, reason="conflict")


# -- keys ------------------------------------------------------------------------------------
def test_key_add_retire_compromise(registry, key, tmp_path):
    accredited(registry, key)
    new = plain_key()
    (tmp_path / "new.jwk").write_text(json.dumps(new.public_jwk))
    (tmp_path / "private.jwk").write_text(json.dumps(generate_key().private_jwk))
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [generate_key().public_jwk, generate_key().public_jwk]}))
    (tmp_path / "private-jwks.json").write_text(json.dumps({"keys": [generate_key().private_jwk]}))
    refused(registry, "key", "add", NEW, "--jwk", str(tmp_path / "private.jwk"), reason="private key material")
    refused(registry, "key", "add", NEW, "--jwk", str(tmp_path / "private-jwks.json"), reason="private key material")
    refused(registry, "key", "add", NEW, "--jwk", str(tmp_path / "jwks.json"), reason="exactly one key")
    refused(registry, "key", "add", NEW, "--jwk", str(tmp_path / "missing.jwk"), reason="does not exist")
    assert (
        f"Key {new.kid} registered for {NEW}; it now has 2 key(s)"
        in ok("key", "add", NEW, "--jwk", str(tmp_path / "new.jwk")).stdout
    )
    retire_at = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0).isoformat()
    retired = as_json("key", "retire", NEW, key.kid, "--effective-from", retire_at)
    assert retired["key_events"][-1]["event"] == "retired"
    refused(registry, "key", "retire", NEW, new.kid, reason="conflict")  # the last usable key
    refused(registry, "key", "retire", NEW, "no-such-kid", reason="not_found")
    refused(registry, "key", "compromise", NEW, new.kid, "--since", days_from_today(-2), reason="a reason is required")
    refused(registry, "key", "compromise", NEW, new.kid, "--since", "yesterday", "--reason", "x", reason="bad_request")
    assert cli("key", "compromise", NEW, new.kid, "--reason", "x").exit_code == 2  # --since is required
    text = ok("key", "compromise", NEW, new.kid, "--since", days_from_today(-2), "--reason", "HSM exposed").stdout
    assert f"Key {new.kid} of {NEW} compromised from {days_from_today(-2)}T00:00:00Z" in text
    assert [(e["kid"], e["event"]) for e in registry.entity(NEW)["key_events"]] == [
        (key.kid, "retired"),
        (new.kid, "compromised"),
    ]


def test_a_kid_that_looks_like_an_option_follows_a_double_dash(registry, key, tmp_path):
    """One kid in 64 begins with "-" (base64url): after "--" it is read as the kid it is."""
    accredited(registry, key)
    while not (dashed := generate_key()).kid.startswith("-"):
        pass
    (tmp_path / "dashed.jwk").write_text(json.dumps(dashed.public_jwk))
    ok("key", "add", NEW, "--jwk", str(tmp_path / "dashed.jwk"))
    retire_at = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0).isoformat()
    retired = json.loads(ok("key", "retire", "--effective-from", retire_at, "--json", "--", NEW, dashed.kid).stdout)
    assert [(e["kid"], e["event"]) for e in retired["key_events"]] == [(dashed.kid, "retired")]


def test_key_add_takes_the_jwks_keygen_writes_when_it_holds_one_key(registry, key, tmp_path, monkeypatch):
    accredited(registry, key)
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(app, ["keygen", "--out", "next.jwk", "--jwks", "next.json"]).exit_code == 0
    added = as_json("key", "add", NEW, "--jwk", "next.json")
    private = json.loads((tmp_path / "next.jwk").read_text())
    assert [k["kid"] for k in added["jwks"]["keys"]] == [key.kid, private["kid"]]
    assert "d" not in added["jwks"]["keys"][1]
    refused(registry, "key", "add", NEW, "--jwk", "next.jwk", reason="private key material")


# -- the audit log -----------------------------------------------------------------------------
def test_audit_lists_and_verifies(registry, key):
    accredited(registry, key)
    entries = as_json("audit")
    assert [e["action"] for e in entries[:2]] == ["application.submitted", "conformance.recorded"]
    assert entries[-1]["action"] == "application.accredited" and len(entries) == 2 + len(VP_CRITERIA) + 3
    assert [e["seq"] for e in as_json("audit", "--after", "3", "--limit", "2")] == [4, 5]
    assert "application.accredited" in ok("audit").stdout
    verdict = as_json("audit", "--verify")
    assert verdict["valid"] is True and verdict["entries"] == len(entries)
    assert f"Audit log intact: {len(entries)} entries" in ok("audit", "--verify").stdout

    with Session(registry.db) as session:
        session.exec(update(AuditEntry).where(AuditEntry.seq == 3).values(details={"met": False}))
        session.commit()
    broken = cli("audit", "--verify")
    assert broken.exit_code == 1 and "Audit log broken at entry 3" in broken.stdout
    as_data = cli("audit", "--verify", "--json")
    assert as_data.exit_code == 1 and json.loads(as_data.stdout)["broken_at"] == 3
    assert "Journal d'audit rompu à l'entrée 3" in cli("audit", "--verify", "--lang", "fr").stdout


# -- help ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ["apply"],
        ["applications"],
        ["application"],
        ["assess"],
        ["decide"],
        ["suspend"],
        ["reinstate"],
        ["revoke"],
        ["key", "add"],
        ["key", "retire"],
        ["key", "compromise"],
        ["audit"],
    ],
)
def test_every_command_explains_itself(command):
    result = ok(*command, "--help")
    assert "Usage" in result.stdout and len(result.stdout.split()) > 20
