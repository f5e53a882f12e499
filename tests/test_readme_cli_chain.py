"""The README's command-line chain runs as written, and every command that needs the services
uses the sandbox serving its own PCTF_DATA_DIR, never one serving another data directory."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.stack import SANDBOX_RECORD, free_port, is_sandbox

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXE = str(BIN / "pctf-sandbox")
AUD, NONCE = "https://rp.example", "n-0S6_WzA2Mj"
runner = CliRunner()


def readme_blocks(heading: str) -> list[str]:
    """The ```bash blocks of the README section under ``heading`` (its subsections included), down
    to the next heading of the same level."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    level = heading.split(" ", 1)[0]
    start = text.index(f"\n{heading}\n")
    rest = text[start + len(heading) + 2 :]
    end = re.search(rf"^{re.escape(level)} ", rest, re.MULTILINE)
    section = rest[: end.start()] if end else rest
    return re.findall(r"^```bash\n(.*?)^```", section, re.MULTILINE | re.DOTALL)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A fresh shell's environment: no PCTF_* setting of the machine running the tests, a home
    of its own, the project's virtualenv first on PATH, and a port nobody uses."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        TMPDIR=str(scratch),
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PCTF_PORT=str(free_port()),
        COLUMNS="200",
    )
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines: list[str] = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# Written between the two blocks' output, on stdout and on stderr, so each block's is read apart.
BETWEEN = "--- the onboarding block ---"


@dataclass
class Shell:
    """The README section's two command blocks, run one after the other in one fresh shell."""

    tmp: Path
    work: Path
    env: dict[str, str]
    done: subprocess.CompletedProcess[str]

    def output(self, block: int) -> tuple[str, str]:
        """The stdout and stderr of block 0 (the chain), 1 (onboarding) or 2 (conformance)."""
        return self.done.stdout.split(BETWEEN)[block], self.done.stderr.split(BETWEEN)[block]


@pytest.fixture(scope="module")
def readme_shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    """The chain from nothing, then "Onboarding an issuer, then governing it", as a reader would
    paste them into one fresh shell; each block records the variables it leaves behind."""
    chain, onboarding, conformance = readme_blocks("## Command line for integration tests")[:3]
    tmp = tmp_path_factory.mktemp("readme")
    work = tmp / "work"
    work.mkdir()
    env = clean_env(tmp)
    script = (
        f'set -eo pipefail\n{chain}\necho "$PCTF_DATA_DIR" > .data-dir\n'
        f'echo "{BETWEEN}"; echo "{BETWEEN}" >&2\n'
        f'{onboarding}\nprintf "%s\\n" "$PCTF_DATA_DIR" "$ISSUER" "$APP_ID" "$OLD_KID" > .onboarding\n'
        f'echo "{BETWEEN}"; echo "{BETWEEN}" >&2\n'
        f"{conformance}\ntouch .conformance\n"
    )
    done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=420)
    return Shell(tmp, work, env, done)


@pytest.mark.slow
def test_the_readme_chain_runs_as_written_in_a_fresh_shell(readme_shell: Shell) -> None:
    tmp_path, work, env = readme_shell.tmp, readme_shell.work, readme_shell.env
    stdout, stderr = readme_shell.output(0)
    assert (work / ".data-dir").exists(), stdout[-3000:] + stderr[-3000:]  # the chain ran to its end
    assert "Traceback" not in stderr
    data = Path((work / ".data-dir").read_text().strip())
    assert data.is_dir() and data.is_relative_to(tmp_path)  # the chain's own data directory
    chained = {**env, "PCTF_DATA_DIR": str(data), "PCTF_CREDENTIAL_LIFETIME_DAYS": "20"}

    # verify accepted the presentation (the chain's set -e needs exit 0), before the suspension;
    # the same presentation is refused now that issuer staff suspended that credential.
    assert re.search(r'^\{\n  "accepted": true,\n  "reasons": \[\]', stdout, re.MULTILINE)
    again = run(chained, "verify", "presentation.txt", "--aud", AUD, "--nonce", NONCE, cwd=work)
    assert again.returncode == 1 and json.loads(again.stdout)["reasons"] == ["credential_suspended"]

    # the issuer key's public JWKS was written and onboarded; it holds no private part
    jwks = json.loads((work / "jwks.json").read_text())
    issuer_key = json.loads((work / "issuer.jwk").read_text())
    assert [set(k) & {"d"} for k in jwks["keys"]] == [set()] and jwks["keys"][0]["x"] == issuer_key["x"]
    onboarded = json.loads(run(chained, "registry", "entity", "https://issuer.example.ca", "--json").stdout)
    assert [k["x"] for k in onboarded["jwks"]["keys"]] == [issuer_key["x"]]

    # Sasha's wallet holds her credentials, and credential 1 was renewed over OpenID4VCI
    held = {c["id"]: c for c in json.loads(run(chained, "wallet", "list", "sasha", "--json").stdout)}
    assert held[1]["type"] == "VerifiedPerson" and held[1]["status"] == "replaced"
    renewed = held[held[1]["replaced_by"]]
    assert renewed["type"] == "VerifiedPerson" and renewed["status"] == "expiring_soon"
    assert {c["type"] for c in held.values()} == {"VerifiedPerson", "VerifiedOrganization", "VerifiedRelationship"}
    assert "started the sandbox services in process" in stderr  # no sandbox was up: its own


@pytest.mark.slow
def test_the_onboarding_block_runs_as_written_after_the_chain(readme_shell: Shell) -> None:
    done, work = readme_shell.done, readme_shell.work
    stdout, stderr = readme_shell.output(1)
    assert done.returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "Traceback" not in stderr
    data_dir, issuer, app_id, old_kid = (work / ".onboarding").read_text().splitlines()
    chain_dir = (work / ".data-dir").read_text().strip()
    assert data_dir != chain_dir and Path(data_dir).is_relative_to(readme_shell.tmp)  # a data directory of its own
    env = {**readme_shell.env, "PCTF_DATA_DIR": data_dir, "PCTF_UNACCREDITED_ISSUERS": "terr2"}
    assert issuer == f"http://127.0.0.1:{env['PCTF_PORT']}/issuers/terr2"

    # Territory 2's staff gave a test offer; applying ran the conformance checks against its live
    # endpoints (the services the command started), then every criterion was marked met.
    assert json.loads((work / "test-offer.json").read_text())["issuer"] == issuer
    assert stderr.count("started the sandbox services in process") == 2  # test-offer, then apply
    view = json.loads(run(env, "registry", "application", app_id, "--json").stdout)
    assert view["entity_id"] == issuer and view["state"] == "accredited"
    assert view["conformance"]["passed"] is True and all(c["passed"] for c in view["conformance"]["checks"])
    assert view["assessment"] and all(c["met"] is True for c in view["assessment"])
    assert view["decision"]["decision"] == "accredit"

    # Governance then suspended it, registered the key keygen made and retired the one accreditation registered.
    entity = json.loads(run(env, "registry", "entity", issuer, "--json").stdout)
    assert entity["status"] == "suspended"
    assert entity["status_history"][-1]["reason"] == "audit finding"
    new_key = json.loads((work / "new-key.jwk").read_text())
    assert [k["kid"] for k in entity["jwks"]["keys"]] == [old_kid, new_key["kid"]]
    assert all("d" not in k for k in entity["jwks"]["keys"])
    assert [(e["kid"], e["event"], e["effective_from"]) for e in entity["key_events"]] == [
        (old_kid, "retired", "2027-02-01T00:00:00Z")
    ]
    # Every step is in the audit log, whose hash chain verified (and still does).
    actions = [e["action"] for e in json.loads(run(env, "registry", "audit", "--json").stdout)]
    assert actions.index("application.submitted") < actions.index("application.accredited")
    assert actions.count("assessment.marked") == len(view["assessment"])
    assert "Audit log intact" in stdout
    assert json.loads(run(env, "registry", "audit", "--verify", "--json").stdout)["valid"] is True
    # prov1 rotated its signing key.
    assert re.search(r"/issuers/prov1 now signs with key", " ".join(stdout.split()))

    # In the chain's data directory Territory 2 was accredited from the start: why the block has its own.
    chained = {**readme_shell.env, "PCTF_DATA_DIR": chain_dir}
    assert json.loads(run(chained, "registry", "entity", "terr2", "--json").stdout)["status"] == "active"


def start_up(env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    """``pctf-sandbox up`` in a process of its own; returns once it answers and has recorded itself."""
    proc = subprocess.Popen([EXE, "up"], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    record = Path(env["PCTF_DATA_DIR"]) / SANDBOX_RECORD
    url = f"http://127.0.0.1:{env['PCTF_PORT']}"
    deadline = time.monotonic() + 60
    while not (record.exists() and is_sandbox(url)):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"up did not start: {proc.communicate()[1]}")
        time.sleep(0.2)
    return proc


@pytest.mark.slow
def test_commands_on_the_data_directory_up_serves_use_it_and_others_never_do(tmp_path: Path) -> None:
    served = tmp_path / "served"
    env = clean_env(tmp_path, PCTF_DATA_DIR=str(served), PCTF_CREDENTIAL_LIFETIME_DAYS="20")
    url = f"http://127.0.0.1:{env['PCTF_PORT']}"
    up = start_up(env, tmp_path)
    try:
        record = json.loads((served / SANDBOX_RECORD).read_text())
        assert (record["url"], record["pid"]) == (url, up.pid)

        told = run(env, "demo", "sasha", "--json")
        assert told.returncode == 0, told.stderr
        assert json.loads(told.stdout)["accepted"] is True  # stdout is the verdict alone
        assert one_line(told) == f"used the sandbox at {url} (data in {served})"

        # wallet list reads the store the running sandbox wrote: the same wallet
        held = json.loads(run(env, "wallet", "list", "sasha", "--json").stdout)
        assert [c["id"] for c in held] == [1, 2, 3] and all(c["status"] == "expiring_soon" for c in held)

        renewed = run(env, "wallet", "renew", "sasha", "1", "--json")
        assert renewed.returncode == 0, renewed.stderr
        assert one_line(renewed) == f"used the sandbox at {url} (data in {served})"
        new_id = json.loads(renewed.stdout)["credential"]["id"]
        held = {c["id"]: c for c in json.loads(run(env, "wallet", "list", "sasha", "--json").stdout)}
        assert (held[1]["status"], held[1]["replaced_by"]) == ("replaced", new_id)
        assert held[new_id]["type"] == "VerifiedPerson"

        # Another data directory on the same port: refused in one line, and nothing of it touched.
        other = tmp_path / "other"
        for args in (("wallet", "renew", "sasha", "1"), ("demo", "sasha", "--json")):
            refused = run({**env, "PCTF_DATA_DIR": str(other)}, *args)
            assert refused.returncode == 2 and refused.stdout == ""
            assert "serves another data directory" in one_line(refused) and str(other) in refused.stderr
        assert not (other / "wallet.db").exists()
        # A second sandbox on the same data directory is refused too.
        second = run({**env, "PCTF_PORT": str(free_port())}, "up")
        assert second.returncode == 2 and f"already serves {served}" in one_line(second)
    finally:
        up.send_signal(signal.SIGTERM)
        up.wait(timeout=30)
    assert not (served / SANDBOX_RECORD).exists()  # removed when it stopped

    # A record left by a sandbox that is gone is ignored: the command runs the services itself.
    (served / SANDBOX_RECORD).write_text(json.dumps({**record, "pid": _dead_pid()}))
    renewed = run(env, "wallet", "renew", "sasha", str(new_id), "--json")
    assert renewed.returncode == 0, renewed.stderr
    assert one_line(renewed) == f"started the sandbox services in process at {url} (data in {served})"
    held = {c["id"]: c for c in json.loads(run(env, "wallet", "list", "sasha", "--json").stdout)}
    assert held[new_id]["status"] == "replaced"


def _dead_pid() -> int:
    """The id of a process that has ended (and was reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_keygen_writes_an_issuer_key_and_its_public_jwks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    made = runner.invoke(app, ["keygen", "--out", "issuer.jwk", "--jwks", "jwks.json"])
    assert made.exit_code == 0, made.output
    private = json.loads((tmp_path / "issuer.jwk").read_text())
    jwks = json.loads((tmp_path / "jwks.json").read_text())
    assert "d" in private and oct((tmp_path / "issuer.jwk").stat().st_mode & 0o777) == "0o600"
    (public,) = jwks["keys"]
    assert "d" not in public
    assert (public["x"], public["y"], public["kid"]) == (private["x"], private["y"], private["kid"])

    # Neither file is ever overwritten, and nothing is written when one of them exists.
    before = (tmp_path / "jwks.json").read_text()
    refused = runner.invoke(app, ["keygen", "--out", "new.jwk", "--jwks", "jwks.json"])
    assert refused.exit_code == 2 and "already exists" in refused.stderr
    assert (tmp_path / "jwks.json").read_text() == before and not (tmp_path / "new.jwk").exists()
    same = runner.invoke(app, ["keygen", "--out", "k.jwk", "--jwks", "./k.jwk"])
    assert same.exit_code == 2 and "different files" in same.stderr and not (tmp_path / "k.jwk").exists()
    # Without --out the private key goes to standard output and the JWKS to its file.
    printed = runner.invoke(app, ["keygen", "--jwks", "only.json"])
    assert printed.exit_code == 0
    shown = json.loads(printed.stdout)
    assert "d" in shown and shown["x"] == json.loads((tmp_path / "only.json").read_text())["keys"][0]["x"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["wallet", "renew"], "the sandbox serving that data directory (pctf-sandbox up) when one runs"),
        (["demo", "sasha"], "the sandbox serving that data directory (pctf-sandbox up) when one runs"),
        (["wallet", "list"], "Reads the wallet in the store under PCTF_DATA_DIR"),
        (["up"], "records so in that directory"),
    ],
)
def test_help_says_which_sandbox_a_command_uses(command: list[str], expected: str) -> None:
    shown = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert expected in " ".join(shown.stdout.replace("│", " ").split())


@pytest.mark.slow
def test_the_conformance_example_runs_as_written_after_onboarding(readme_shell: Shell) -> None:
    """Anyone's conformance run against the onboarded issuer's live endpoints, with a fresh offer:
    every check passes (set -e: the command exited 0), each shown with its evidence."""
    stdout, stderr = readme_shell.output(2)
    assert (readme_shell.work / ".conformance").exists(), stdout[-3000:] + stderr[-3000:]
    for check in ("credential_issuer_metadata", "keys_acceptable", "test_issuance", "required_claims", "status_list"):
        assert check in stdout, check
    assert "fail" not in stdout.lower()
    assert "started the sandbox services in process" in stderr
