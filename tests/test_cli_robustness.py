"""Every way a ``pctf-sandbox`` command can fail ends in one line on stderr and a documented
exit code (2 unusable input, 3 internal error), never a traceback; run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from pctf import sdjwt
from pctf.jose import generate_key
from tests.test_cli import AUD, EXE, NONCE, SASHA_CLAIMS, assert_clean_error

pytestmark = pytest.mark.slow  # every test runs several command-line processes

DEEP = "[" * 25_000 + "]" * 25_000
BINARY = bytes(range(256)) * 4  # not UTF-8


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    return {**clean, "PCTF_DATA_DIR": str(tmp_path / "data"), "PCTF_GOVERNANCE_TOKEN": "cli-test", "COLUMNS": "200"}


def run(env, *args, stdin: str | bytes | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    """The real command; standard input may be bytes, output is read as UTF-8 text."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run([EXE, *args], env=env, capture_output=True, input=data, timeout=timeout)
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    )


@pytest.fixture
def holder(tmp_path):
    """A private ES256 holder key in a file."""
    path = tmp_path / "holder.jwk"
    path.write_text(json.dumps(generate_key().private_jwk))
    return path


@pytest.fixture
def credential(env, tmp_path, holder):
    """A Verified Person bound to ``holder``, in a file."""
    issued = run(
        env,
        "issue",
        "--issuer",
        "prov1",
        "--type",
        "VerifiedPerson",
        "--holder-jwk",
        str(holder),
        "--claims",
        json.dumps(SASHA_CLAIMS),
    )
    assert issued.returncode == 0, issued.stderr
    path = tmp_path / "credential.txt"
    path.write_text(issued.stdout)
    return path


def _present(env, holder, source, *extra, stdin=None):
    return run(
        env, "present", str(source), "--holder-jwk", str(holder), "--aud", AUD, "--nonce", NONCE, *extra, stdin=stdin
    )


def test_binary_presentations_and_credentials_are_unusable_input(env, tmp_path, holder):
    binary = tmp_path / "binary.bin"
    binary.write_bytes(BINARY)
    with_nul = tmp_path / "nul.txt"
    with_nul.write_bytes(b"eyJhbGciOiJFUzI1NiJ9\x00~")  # valid UTF-8, but not text
    for source in (binary, with_nul):
        assert_clean_error(run(env, "verify", str(source), "--aud", AUD, "--nonce", NONCE), reason="not UTF-8 text")
        assert_clean_error(_present(env, holder, source), reason="not UTF-8 text")
    assert_clean_error(
        run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin=BINARY), reason="standard input is not UTF-8 text"
    )
    assert_clean_error(_present(env, holder, "-", stdin=BINARY), reason="standard input is not UTF-8 text")


def test_only_holder_keys_a_key_binding_jwt_can_use_are_accepted(env, tmp_path, credential):
    rsa_key = tmp_path / "rsa.jwk"
    rsa_key.write_text(RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048)))
    issued = run(
        env,
        "issue",
        "--issuer",
        "prov1",
        "--type",
        "VerifiedPerson",
        "--holder-jwk",
        str(rsa_key),
        "--claims",
        json.dumps(SASHA_CLAIMS),
    )
    assert_clean_error(issued, reason="accepted: EC P-256, EC P-384, EC P-521")
    assert "RSA" in issued.stderr
    assert_clean_error(_present(env, rsa_key, credential), reason="accepted: EC P-256, EC P-384, EC P-521")

    off_curve = tmp_path / "off-curve.jwk"
    off_curve.write_text(json.dumps({**generate_key().public_jwk, "y": generate_key().public_jwk["y"]}))
    assert_clean_error(
        run(
            env,
            "issue",
            "--issuer",
            "prov1",
            "--type",
            "VerifiedPerson",
            "--holder-jwk",
            str(off_curve),
            "--claims",
            json.dumps(SASHA_CLAIMS),
        ),
        reason="not a valid P-256 key",
    )

    other = tmp_path / "other.jwk"  # a usable key, but not the one the credential is bound to
    other.write_text(json.dumps(generate_key().private_jwk))
    assert_clean_error(_present(env, other, credential), reason="bound to another holder key")


def test_a_p384_holder_key_signs_its_key_binding_with_es384(env, tmp_path):
    key = tmp_path / "p384.jwk"
    key.write_text(json.dumps(generate_key("ES384").private_jwk))
    issued = run(
        env,
        "issue",
        "--issuer",
        "prov1",
        "--type",
        "VerifiedPerson",
        "--holder-jwk",
        str(key),
        "--claims",
        json.dumps(SASHA_CLAIMS),
    )
    assert issued.returncode == 0, issued.stderr
    presented = _present(env, key, "-", "--disclose", "given_name", stdin=issued.stdout)
    assert presented.returncode == 0, presented.stderr
    assert sdjwt.SdJwt.parse(presented.stdout).kb_jwt.startswith("eyJ")
    verdict = run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin=presented.stdout)
    assert verdict.returncode == 0 and json.loads(verdict.stdout)["accepted"], verdict.stdout


def test_a_holder_key_path_that_is_no_readable_json_file_is_unusable_input(env, tmp_path, credential):
    for path, reason in (
        (tmp_path, "Is a directory"),
        (tmp_path / "missing.jwk", "does not exist"),
        ("/dev/null", "not valid JSON"),
    ):
        assert_clean_error(
            run(
                env,
                "issue",
                "--issuer",
                "prov1",
                "--type",
                "VerifiedPerson",
                "--holder-jwk",
                str(path),
                "--claims",
                json.dumps(SASHA_CLAIMS),
            ),
            reason=reason,
        )
        assert_clean_error(_present(env, path, credential), reason=reason)
    if os.geteuid() != 0:  # root reads any file
        unreadable = tmp_path / "unreadable.jwk"
        unreadable.write_text("{}")
        unreadable.chmod(0)
        assert_clean_error(_present(env, unreadable, credential), reason="Permission denied")


def test_json_nested_too_deeply_is_unusable_input(env, tmp_path, holder):
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    assert_clean_error(
        run(
            env, "issue", "--issuer", "prov1", "--type", "VerifiedPerson", "--holder-jwk", str(holder), "--claims", DEEP
        ),
        reason="claims_invalid: --claims is JSON nested too deeply",
    )
    assert_clean_error(
        run(env, "issue", "--issuer", "prov1", "--type", "VerifiedPerson", "--holder-jwk", str(deep), "--claims", "{}"),
        reason="nested too deeply",
    )
    assert_clean_error(
        run(
            env,
            "registry",
            "onboard",
            "--entity-id",
            "https://deep.example",
            "--jwks",
            str(deep),
            "--type",
            "VerifiedPerson",
            "--loa",
            "3",
        ),
        reason="nested too deeply",
    )
    assert_clean_error(run(env, "registry", "key", "add", "prov1", "--jwk", str(deep)), reason="nested too deeply")


def test_disclosing_a_claim_the_credential_does_not_hold_names_those_it_does(env, holder, credential):
    misspelt = _present(env, holder, credential, "--disclose", "givn_name", "--disclose", "address.locality")
    assert_clean_error(misspelt, reason="givn_name")
    assert misspelt.stdout == ""
    assert (
        "address, address.country, address.locality, address.region, birthdate, family_name, given_name"
        in misspelt.stderr
    )
    assert_clean_error(_present(env, holder, credential, "--disclose", "address.street"), reason="address.street")

    chosen = _present(env, holder, credential, "--disclose", "address.locality")
    assert chosen.returncode == 0, chosen.stderr
    verdict = run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin=chosen.stdout)
    assert json.loads(verdict.stdout)["credentials"]["credential"]["claims"]["address"] == {"locality": "Riverton"}


def test_a_bad_setting_names_its_variable_and_never_its_value(env):
    port = run({**env, "PCTF_PORT": "abc"}, "registry", "entity", "prov1")
    assert_clean_error(port, reason="PCTF_PORT: Input should be a valid integer")
    not_json = run({**env, "PCTF_ISSUER_STAFF_TOKENS": "notjson"}, "registry", "entity", "prov1")
    assert_clean_error(not_json, reason="PCTF_ISSUER_STAFF_TOKENS: not valid JSON")
    both = run(
        {**env, "PCTF_PORT": "abc", "PCTF_RELYING_PARTY_TOKENS": '{"bank": ["s3cret-value"]}'},
        "verify",
        "-",
        "--aud",
        AUD,
        "--nonce",
        NONCE,
        stdin="x~",
    )
    assert_clean_error(both, reason="PCTF_RELYING_PARTY_TOKENS[bank]: Input should be a valid string")
    assert "PCTF_PORT" in both.stderr and "s3cret-value" not in both.stderr
    assert "validation error for Settings" not in port.stderr + not_json.stderr + both.stderr


def test_an_insecure_setting_outside_local_mode_is_unusable_input(env):
    from cli.stack import free_port

    refused = run({**env, "PCTF_LOCAL_MODE": "false", "PCTF_PORT": str(free_port())}, "up", timeout=60)
    assert_clean_error(refused, reason="setting_invalid: PCTF_")
    assert "pctf-sandbox init-secrets" in refused.stderr


def test_usage_errors_are_one_line_with_where_to_look(env, tmp_path):
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [generate_key().public_jwk]}))
    loa = run(
        env,
        "registry",
        "onboard",
        "--entity-id",
        "https://x.example",
        "--jwks",
        str(tmp_path / "jwks.json"),
        "--type",
        "VerifiedPerson",
        "--loa",
        "9",
    )
    assert_clean_error(loa, reason="--loa")
    assert "pctf-sandbox registry onboard --help" in loa.stderr
    assert_clean_error(run(env, "registry", "audit", "--limit", "many"), reason="--limit")
    assert_clean_error(run(env, "verify", "-", "--aud", AUD, stdin="x~"), reason="--nonce")
    assert_clean_error(run(env, "nosuch"), reason="No such command")
    bare = run(env, "registry")  # no command: the help, as before
    assert "Usage" in bare.stdout and "Traceback" not in bare.stderr


_BROKEN = (
    "import sys, cli.stack as stack\n"
    "def bootstrap(*args, **kwargs): raise ZeroDivisionError('boom')\n"
    "stack.bootstrap = bootstrap\n"
    "from cli.main import app\n"
    "sys.argv = ['pctf-sandbox', 'registry', 'entity', 'prov1']\n"
    "app()\n"
)


def test_an_unexpected_exception_is_an_internal_error_unless_debugging(env):
    """The entry point as the console script calls it, with a command that fails unexpectedly."""
    crashed = subprocess.run([sys.executable, "-c", _BROKEN], env=env, capture_output=True, text=True, timeout=120)
    assert_clean_error(
        crashed, code=3, reason="error: internal error (ZeroDivisionError); run with PCTF_DEBUG=1 for the traceback"
    )
    debugged = subprocess.run(
        [sys.executable, "-c", _BROKEN], env={**env, "PCTF_DEBUG": "1"}, capture_output=True, text=True, timeout=120
    )
    assert debugged.returncode != 0 and "Traceback" in debugged.stderr and "ZeroDivisionError: boom" in debugged.stderr


def test_the_guard_covers_in_process_runs_too(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    import cli.stack
    from cli.main import app

    monkeypatch.setenv("PCTF_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(cli.stack, "bootstrap", lambda *a, **k: {}["missing"])
    monkeypatch.delenv("PCTF_DEBUG", raising=False)
    result = CliRunner().invoke(app, ["registry", "entity", "prov1"])
    assert result.exit_code == 3 and result.stderr.strip().splitlines() == [
        "error: internal error (KeyError); run with PCTF_DEBUG=1 for the traceback"
    ]


def test_top_level_help_documents_the_exit_codes(env):
    shown = run(env, "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    for code in ("0 ok", "1 a negative result", "2 unusable input", "3 internal error"):
        assert code in text, text
    assert "init-secrets" in text


def test_an_accepted_presentation_still_exits_0_and_a_rejected_one_1(env, holder, credential):
    presented = _present(env, holder, credential)
    assert presented.returncode == 0, presented.stderr
    assert run(env, "verify", "-", "--aud", AUD, "--nonce", NONCE, stdin=presented.stdout).returncode == 0
    stale = run(env, "verify", "-", "--aud", "https://elsewhere.example", "--nonce", NONCE, stdin=presented.stdout)
    assert stale.returncode == 1 and json.loads(stale.stdout)["reasons"] == ["audience_mismatch"]
