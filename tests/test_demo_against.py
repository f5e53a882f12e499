"""Every story told against a deployment that runs already (``demo <story> --against URL``).

One ``pctf-sandbox up`` serves the module, started as a jurisdiction trying onboarding would
start it (Territory 1 and Territory 2 out of the registry) and with a short status list ttl; the
stories are told against it from the command line, in this process, with the role tokens its
data directory keeps. Sasha's story is told twice: a long-running deployment takes the same
story again. A story that needs what only a fresh deployment has is refused, saying what.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.stack import SANDBOX_RECORD, free_port, is_sandbox
from tests.test_readme_cli_chain import EXE, clean_env

pytestmark = pytest.mark.slow

runner = CliRunner()
TTL = 2


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("against")
    served = tmp / "served"
    env = clean_env(
        tmp,
        PCTF_DATA_DIR=str(served),
        PCTF_UNACCREDITED_ISSUERS="terr1,terr2",
        PCTF_STATUS_LIST_TTL_SECONDS=str(TTL),
    )
    url = f"http://127.0.0.1:{env['PCTF_PORT']}"
    # Its log goes to a file: a pipe nobody reads would stop the server once full.
    with (tmp / "up.log").open("w") as log:
        proc = subprocess.Popen([EXE, "up"], env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=log, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ((served / SANDBOX_RECORD).exists() and is_sandbox(url)):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"up did not start: {(tmp / 'up.log').read_text()[-2000:]}")
            time.sleep(0.2)
        yield {"url": url, "data_dir": served, "tmp": tmp}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def demo(data_dir: Path, *args: str):
    """``pctf-sandbox demo ARGS`` as a shell on this machine with only PCTF_DATA_DIR set runs it."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("PCTF_")}
    env["PCTF_DATA_DIR"] = str(data_dir)
    return runner.invoke(app, ["demo", *args], env=env)


def told(result) -> dict:
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def closing_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


def refusal(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2 and len(lines) == 1, result.stdout + result.stderr
    return lines[0]


def test_sasha_twice_against_the_same_deployment(deployment):
    url = deployment["url"]
    for _ in range(2):
        result = demo(deployment["data_dir"], "sasha", "--against", url, "--json")
        assert told(result)["accepted"] is True
        assert closing_line(result) == f"used the deployment at {url}"


@pytest.mark.parametrize("story", ["death-notification", "newborn", "immunization", "delegation"])
def test_a_story_twice_against_the_deployment(deployment, story):
    outcomes = []
    for _ in range(2):
        result = demo(deployment["data_dir"], story, "--against", deployment["url"], "--json")
        outcomes.append(told(result))
        assert outcomes[-1]["ok"] is True, outcomes[-1]
        assert closing_line(result) == f"used the deployment at {deployment['url']}"
    first, second = outcomes
    # The stories that wait for a revocation waited as long as the deployment's ttl, read from its lists.
    if story == "death-notification":
        assert first["propagation"]["status_list_ttl_seconds"] == TTL
        assert first["person"] != second["person"]  # each run's own father: his death is registered once
    elif story in ("immunization", "delegation"):
        assert first["status_list_ttl_seconds"] == TTL
    elif story == "newborn":  # each run registers a birth of its own
        assert first["registration"]["registration_number"] != second["registration"]["registration_number"]


def test_onboarding_then_refused_once_terr2_is_known(deployment):
    url = deployment["url"]
    assert told(demo(deployment["data_dir"], "onboarding", "--against", url, "--json"))["ok"] is True
    again = refusal(demo(deployment["data_dir"], "onboarding", "--against", url, "--json"))
    assert "PCTF_UNACCREDITED_ISSUERS=terr2" in again and "suspended" in again


def test_one_framework_story_then_the_other_is_refused(deployment):
    """Each framework story has the registry recognize a framework of Territory 1's own, for good:
    the first is told, the second needs a fresh deployment and says so."""
    url = deployment["url"]
    assert told(demo(deployment["data_dir"], "cross-jurisdiction", "--against", url, "--json"))["ok"] is True
    again = refusal(demo(deployment["data_dir"], "federal-sign-in", "--against", url, "--json"))
    assert "already recognizes" in again and "PCTF_UNACCREDITED_ISSUERS=terr1" in again


def test_nothing_answering_is_one_line_and_exit_2(deployment):
    nowhere = f"http://127.0.0.1:{free_port()}"
    assert "nothing answers at" in refusal(demo(deployment["data_dir"], "sasha", "--against", nowhere))


def test_a_url_that_is_no_sandbox_deployment_is_refused(deployment):
    elsewhere = f"{deployment['url']}/ui"
    assert "is not a pctf-sandbox deployment" in refusal(
        demo(deployment["data_dir"], "newborn", "--against", elsewhere)
    )


def test_a_missing_token_names_the_variable_to_set(deployment):
    empty = deployment["tmp"] / "empty"
    line = refusal(demo(empty, "immunization", "--against", deployment["url"]))
    assert "PCTF_ISSUER_STAFF_TOKENS[prov1] is not set" in line
    assert not empty.exists() or not any(empty.glob("*.token"))  # nothing generated in its stead
