"""The onboarding story end to end: a running bank accepts a newly accredited issuer at once,
and after its suspension refuses what it issues from then on, but not what it issued before."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from pctf.clock import SystemClock
from scenarios import onboarding
from scenarios.personas import TERR2_TEST_SUBJECT
from tests.support import serve_sandbox
from tests.test_cli import EXE


def test_terr2_is_onboarded_accepted_and_suspended(settings, http):
    server = serve_sandbox(settings, SystemClock(), withhold=("terr2",))
    try:
        result = onboarding.run(
            server.url,
            http,
            governance_token=settings.resolved_governance_token(),
            assessor_token=settings.resolved_secret("assessor", settings.assessor_token),
        )
        actions = [e["action"] for e in http.get(f"{server.url}/registry/audit").json()]
    finally:
        server.stop()
    assert result["ok"] is True
    assert result["conformance"]["passed"] and len(result["conformance"]["checks"]) == 7
    assert result["accepted_after_accreditation"]["accepted"] is True
    assert result["issued_after_suspension"]["reasons"] == ["issuer_suspended"]
    assert result["issued_before_suspension"]["accepted"] is True
    assert result["audit"]["valid"] is True
    for expected in (
        "application.submitted",
        "conformance.recorded",
        "assessment.marked",
        "entity.registered",
        "authorization.granted",
        "application.accredited",
        "entity.suspended",
    ):
        assert expected in actions, expected
    assert (
        actions.index("application.submitted")
        < actions.index("application.accredited")
        < actions.index("entity.suspended")
    )


@pytest.mark.slow
def test_demo_onboarding_command_in_french(tmp_path):
    env = {**os.environ, "PCTF_DATA_DIR": str(tmp_path / "main")}
    env.pop("PCTF_DATABASE_URL", None)
    told = subprocess.run(
        [EXE, "demo", "onboarding", "--lang", "fr"], env=env, capture_output=True, text=True, timeout=120
    )
    assert told.returncode == 0, told.stderr
    assert "Le Territoire 2 a été intégré" in told.stdout and "issuer_suspended" in told.stdout
    as_json = subprocess.run(
        [EXE, "demo", "onboarding", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["ok"] is True
    assert not (tmp_path / "main").exists()  # the story ran in a sandbox of its own


def test_registry_apply_runs_the_real_conformance_checks(sandbox, settings, http):
    """``registry apply --offer`` from the terminal, against a live sandbox issuer's endpoints."""
    offered = http.post(f"{sandbox.url}/issuers/terr2/proofing", json=TERR2_TEST_SUBJECT).json()
    env = {
        **os.environ,
        "PCTF_DATA_DIR": str(settings.data_dir),
        "PCTF_PORT": str(settings.port),
        "PCTF_GOVERNANCE_TOKEN": settings.resolved_governance_token(),
    }
    if settings.database_url:
        env["PCTF_DATABASE_URL"] = settings.database_url
    else:
        env.pop("PCTF_DATABASE_URL", None)
    from cli.stack import serving

    with serving(settings):  # this process serves that data directory, as `up` would say
        applied = _apply_from_the_terminal(sandbox.url, offered, env)
    assert applied.returncode == 0, applied.stderr
    assert applied.stderr.strip() == f"used the sandbox at {sandbox.url} (data in {settings.data_dir})"
    application = json.loads(applied.stdout)
    assert application["state"] == "conformance_passed"
    assert [c["id"] for c in application["conformance"]["checks"] if c["passed"]] == [
        "credential_issuer_metadata",
        "jwt_vc_issuer_metadata",
        "keys_acceptable",
        "test_issuance",
        "credential_verifies",
        "required_claims",
        "status_list",
    ]


def _apply_from_the_terminal(url: str, offered: dict, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``registry apply --offer`` for Territory 2 at ``url``, as its staff would run it."""
    return subprocess.run(
        [
            EXE,
            "registry",
            "apply",
            "--entity-id",
            f"{url}/issuers/terr2",
            "--name",
            "Territory 2",
            "--jurisdiction",
            "Terr2",
            "--contact",
            "id@terr2.example",
            "--type",
            "VerifiedPerson:2",
            "--offer",
            offered["credential_offer_uri"],
            "--tx-code",
            offered["tx_code"],
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
