"""``pctf-sandbox init-secrets`` and the docker-compose.yml that reads its file.

The env file must read back unchanged by docker compose's ``env_file`` rules and by dotenv, be
private (0600), never be overwritten by accident, and carry tokens the settings accept outside
local mode. The compose file must hold no token of its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from dotenv import dotenv_values

from issuers.jurisdictions import SANDBOX_ISSUERS
from pctf.settings import KNOWN_DEFAULT_TOKENS, MIN_TOKEN_LENGTH, Settings
from tests.test_cli import EXE, assert_clean_error
from verifier.relying_parties import RELYING_PARTIES

ROOT = Path(__file__).resolve().parent.parent
ROLE_VARIABLES = {
    "PCTF_LOCAL_MODE",
    "PCTF_GOVERNANCE_TOKEN",
    "PCTF_ASSESSOR_TOKEN",
    "PCTF_PRESENTER_TOKEN",
    "PCTF_METRICS_TOKEN",
    "PCTF_ISSUER_STAFF_TOKENS",
    "PCTF_RELYING_PARTY_TOKENS",
}


@pytest.fixture
def env(tmp_path):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PCTF_")}
    return {**clean, "PCTF_DATA_DIR": str(tmp_path / "data")}


def init_secrets(env, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "init-secrets", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def parse_compose_env_file(text: str) -> dict[str, str]:
    """An env file read by docker compose's rules: ``#`` lines and blank lines are skipped; a value
    in single quotes is taken literally; an unquoted one ends at `` #`` and would be interpolated,
    so it must hold no ``$``. Double quotes (escapes, interpolation) are not expected here."""
    values = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, raw = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), line
        if raw.startswith("'"):
            assert raw.endswith("'") and raw.count("'") == 2, line
            values[key] = raw[1:-1]
        else:
            assert not raw.startswith('"') and "$" not in raw and " #" not in raw, line
            values[key] = raw.strip()
    return values


def test_init_secrets_writes_a_private_env_file_the_settings_accept(env, tmp_path, monkeypatch):
    done = init_secrets(env, tmp_path)  # the default: .env in the current directory
    assert done.returncode == 0, done.stderr
    path = tmp_path / ".env"
    assert str(path) in " ".join(done.stdout.split()) and "private" in done.stdout
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [".env"]  # no temporary left

    text = path.read_text()
    values = parse_compose_env_file(text)
    assert set(values) == ROLE_VARIABLES and values["PCTF_LOCAL_MODE"] == "false"
    assert dotenv_values(path) == values  # dotenv reads the same
    staff, parties = json.loads(values["PCTF_ISSUER_STAFF_TOKENS"]), json.loads(values["PCTF_RELYING_PARTY_TOKENS"])
    assert set(staff) == set(SANDBOX_ISSUERS) and set(parties) == set(RELYING_PARTIES)
    roles = ("PCTF_GOVERNANCE_TOKEN", "PCTF_ASSESSOR_TOKEN", "PCTF_PRESENTER_TOKEN")
    tokens = [*(values[r] for r in roles), *staff.values(), *parties.values()]
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= MIN_TOKEN_LENGTH and t.lower() not in KNOWN_DEFAULT_TOKENS for t in tokens)

    for name in [n for n in os.environ if n.startswith("PCTF_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PCTF_DATA_DIR", str(tmp_path / "data"))
    settings = Settings()
    assert settings.is_local is False
    assert settings.resolved_governance_token() == values["PCTF_GOVERNANCE_TOKEN"]
    assert settings.resolved_assessor_token() == values["PCTF_ASSESSOR_TOKEN"]
    assert settings.resolved_presenter_token() == values["PCTF_PRESENTER_TOKEN"]
    assert settings.issuer_staff_token("prov1") == staff["prov1"]
    assert settings.relying_party_token("bank") == parties["bank"]
    assert [settings.issuer_staff_token(i) for i in SANDBOX_ISSUERS] == list(staff.values())
    assert [settings.relying_party_token(rp) for rp in RELYING_PARTIES] == list(parties.values())
    assert not (tmp_path / "data").exists()  # nothing generated: every token came from the file


def test_an_existing_file_is_kept_unless_forced(env, tmp_path):
    path = tmp_path / "secrets.env"
    assert init_secrets(env, tmp_path, "--out", str(path)).returncode == 0
    before = path.read_bytes()

    again = init_secrets(env, tmp_path, "--out", str(path))
    assert_clean_error(again, reason="already exists")
    assert path.read_bytes() == before and oct(path.stat().st_mode & 0o777) == "0o600"

    path.chmod(0o644)
    forced = init_secrets(env, tmp_path, "--out", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    after = parse_compose_env_file(path.read_text())
    assert after["PCTF_GOVERNANCE_TOKEN"] != parse_compose_env_file(before.decode())["PCTF_GOVERNANCE_TOKEN"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.env"]


def test_an_unwritable_place_is_one_line(env, tmp_path):
    assert_clean_error(init_secrets(env, tmp_path, "--out", str(tmp_path / "missing" / ".env")), reason="cannot write")
    assert_clean_error(init_secrets(env, tmp_path, "--out", str(tmp_path)), reason="already exists")


# -- docker-compose.yml ---------------------------------------------------------------------------
def _compose() -> tuple[list[str], dict[str, list[str]]]:
    """The comment lines at the top, and the lines of each top-level block (``x-service``) and
    of each service (``services.registry``)."""
    lines = (ROOT / "docker-compose.yml").read_text().splitlines()
    header = lines[: next(i for i, line in enumerate(lines) if not line.startswith("#"))]
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        top = re.match(r"^([\w-]+):", line)
        service = re.match(r"^  ([\w-]+):\s*$", line)
        if top:
            current = top.group(1)
        elif service and current.split(".")[0] == "services":
            current = f"services.{service.group(1)}"
        else:
            blocks[current].append(line)
            continue
        blocks[current] = []
    return header, blocks


def test_compose_holds_no_token_and_every_service_reads_the_env_file():
    header, blocks = _compose()
    text = (ROOT / "docker-compose.yml").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "change-me" not in text and not re.search(r"\$\{[^}]*:?-", text)  # no default substitutions
    assert "PCTF_ISSUER_ADMIN_TOKEN" not in text
    for variable in (
        "PCTF_GOVERNANCE_TOKEN",
        "PCTF_ASSESSOR_TOKEN",
        "PCTF_PRESENTER_TOKEN",
        "PCTF_METRICS_TOKEN",
        "PCTF_ISSUER_STAFF_TOKENS",
        "PCTF_RELYING_PARTY_TOKENS",
    ):
        assert variable not in body  # only from the env file
    assert any("pctf-sandbox init-secrets" in line for line in header)

    shared = blocks["x-service"]
    assert "  env_file: .env" in shared and '    PCTF_LOCAL_MODE: "false"' in shared
    services = {name.split(".", 1)[1]: lines for name, lines in blocks.items() if name.startswith("services.")}
    serves = re.compile(r'"?pctf-sandbox"?,? "?serve\b')  # a command as a string or as a list
    pctf = {name for name, lines in services.items() if any(serves.search(line) for line in lines)}
    issuers = {f"issuer-{i}" for i in ("prov1", "prov2", "fed", "terr1", "terr2", "vitalstats", "prov1health")}
    assert pctf == {"registry", "wallet", "verifier", *issuers}
    for name in pctf:
        lines = [line.strip() for line in services[name]]
        assert "<<: *service" in lines or "env_file: .env" in lines, name
