"""The ``pctf_sandbox`` pytest plugin, as another project uses it.

The README's example test runs in a project of its own, outside this repository, in a fresh
virtual environment where the package is installed as a user installs it: ``pip install`` of a
copy of the source (not editable), its dependencies resolved by pip (from its cache or index; a
full install takes well under the two minutes that would have called for reusing this
environment's packages instead). The copy keeps pip's in-tree build (``build/``, the egg-info)
out of this checkout. A variant of the example with one assertion turned around must fail there,
so that run can fail at all.

In this repository, ``pytester`` runs the fixture in process, and the helpers are checked on a
:class:`~pctf_testing.sandbox.Sandbox` of this module's own: an issuer of the test's own onboarded
then revoked, the wallet, requests, and the clock.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pctf import sdjwt
from pctf.jose import generate_key
from pctf.reasons import Reason, SandboxError
from pctf.vocab import credential_type
from pctf_testing.sandbox import Sandbox
from scenarios.personas import SASHA

pytestmark = pytest.mark.slow
# pytest's own plugin tester, for the fixture run in process.
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Testing your own service with pytest"
# What pip copies: the package and what building it reads, nothing of the checkout's state.
NOT_COPIED = {".git", ".venv", ".pctf-data", "tests", "docs", "bench", "deploy", "build", "dist"}
INSTALL_SECONDS = 600
RUN_SECONDS = 300
# The assertion the failing variant turns around.
ACCEPTED = "assert verdict.accepted, verdict.reasons"
NAME_AND_BIRTHDATE = ["given_name", "family_name", "birthdate"]


def readme_example() -> str:
    """The ```python block of the README's section on the plugin."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n{SECTION}\n")
    rest = text[start + len(SECTION) + 2 :]
    end = re.search(r"^## ", rest, re.MULTILINE)
    blocks = re.findall(r"^```python\n(.*?)^```", rest[: end.start()] if end else rest, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 1, f"the section {SECTION!r} should hold one python example"
    return blocks[0]


def _not_copied(directory: str, names: list[str]) -> set[str]:
    at_root = Path(directory) == ROOT
    return {
        n
        for n in names
        if (at_root and n in NOT_COPIED) or n.endswith(".egg-info") or n == "__pycache__" or n.startswith(".")
    }


def _user_env(venv: Path) -> dict[str, str]:
    """The environment of someone working in that project: its virtual environment first on the
    PATH, and nothing of this test run's (no PCTF_* setting, no PYTHONPATH, no pytest options)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PCTF_", "PYTEST_", "COV_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


@pytest.fixture(scope="module")
def user_project():
    """A project outside this repository, with its own virtual environment where the package is
    installed from a copy of the source, and pytest. Yields (project directory, its python, env)."""
    base = Path(tempfile.mkdtemp(prefix="pctf-plugin-user-"))
    assert ROOT not in base.parents
    try:
        source, project, venv = base / "pctf-sandbox-src", base / "project", base / "venv"
        shutil.copytree(ROOT, source, ignore=_not_copied)
        project.mkdir()
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
        python = venv / "bin" / "python"
        env = _user_env(venv)
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", str(source), "pytest"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=INSTALL_SECONDS,
        )
        assert installed.returncode == 0, installed.stdout[-4000:] + installed.stderr[-4000:]
        yield project, python, env
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_package_installed_registers_the_plugin_and_loads_nothing_of_the_sandbox(user_project):
    project, python, env = user_project
    probe = (
        "import importlib.metadata as md, sys\n"
        "plugins = [e for e in md.entry_points(group='pytest11') if e.name == 'pctf_sandbox']\n"
        "module = plugins[0].load()\n"
        "print(plugins[0].value)\n"
        "print(module.__file__)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pctf', 'issuers', 'wallet', 'verifier', 'registry', 'scenarios', 'dashboard', 'cli', 'fastapi')))\n"
    )
    run = subprocess.run([str(python), "-c", probe], cwd=project, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    value, location, loaded = run.stdout.splitlines()
    assert value == "pctf_testing.pytest_plugin"
    assert Path(location).is_relative_to(project.parent / "venv")  # the installed copy, not this checkout
    assert loaded == "[]"  # pytest loads the plugin everywhere: it must cost nothing until used


def test_the_readme_example_passes_in_a_project_that_installs_the_package(user_project):
    project, python, env = user_project
    example = readme_example()
    assert example.count(ACCEPTED) == 1
    (project / "test_relying_party.py").write_text(example, encoding="utf-8")
    (project / "test_turned_around.py").write_text(example.replace(ACCEPTED, "assert not verdict.accepted"))
    run = subprocess.run(
        [
            str(python),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--junitxml=report.xml",
            "test_relying_party.py",
            "test_turned_around.py::test_a_revoked_credential_is_refused",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_SECONDS,
    )
    output = run.stdout[-6000:] + run.stderr[-3000:]
    assert run.returncode == 1, output  # tests failed (not an error of pytest itself)
    outcomes, failures = {}, []
    for case in ET.parse(project / "report.xml").getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        skipped = case.find("skipped") is not None
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = (
            "failed" if failed else "skipped" if skipped else "passed"
        )
        failures += [f.get("message") or "" for f in case.iter("failure")]
    readme_tests = re.findall(r"^def (test_\w+)\(", example, re.MULTILINE)
    assert len(readme_tests) >= 2
    assert outcomes == {
        **{f"test_relying_party::{name}": "passed" for name in readme_tests},
        "test_turned_around::test_a_revoked_credential_is_refused": "failed",
    }, output
    assert len(failures) == 1 and "assert not True" in failures[0], output  # the turned-around assertion


# -- in this repository ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    with Sandbox.start(tmp_path_factory.mktemp("sandbox")) as running:
        yield running


FIXTURE_TEST = """
from pctf.clock import FrozenClock

def test_the_fixture(pctf_sandbox, pctf_clock):
    assert isinstance(pctf_clock, FrozenClock) and pctf_clock is pctf_sandbox.clock
    assert pctf_sandbox.settings.credential_lifetime_days == 20  # pctf_sandbox_settings, overridden
    assert pctf_sandbox.url.startswith("http://127.0.0.1:")
    assert pctf_sandbox.settings.data_dir.is_dir()

def test_the_same_sandbox_for_the_session(pctf_sandbox, pctf_clock):
    assert pctf_sandbox.clock is pctf_clock
"""

CONFTEST = """
import pytest

@pytest.fixture(scope="session")
def pctf_sandbox_settings():
    return {"credential_lifetime_days": 20}
"""


def test_the_fixture_in_process(pytester, monkeypatch, own_sandbox):
    # ``own_sandbox``: every module a sandbox needs is loaded first, since an in-process run drops
    # the modules it imported when it ends (and the services' migrations keep module state).
    # Only this plugin: the package installed for development may register it by its entry point too.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_fixture=FIXTURE_TEST)
    result = pytester.runpytest_inprocess("-p", "pctf_testing.pytest_plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def _own_credential(issuer_id, key, holder_jwk, iat):
    """A Verified Person an issuer of the test's own signs (no status list)."""
    ctype = credential_type("VerifiedPerson")
    payload = {
        "iss": issuer_id,
        "iat": iat,
        "exp": iat + 86400,
        "vct": ctype.vct,
        "cnf": {"jwk": holder_jwk},
        **{k: SASHA[k] for k in NAME_AND_BIRTHDATE},
        "assurance_level": 3,
    }
    return sdjwt.issue(payload, key, disclosable=ctype.disclosable_paths())


def _present(sandbox, rp, credential, holder):
    request = sandbox.request(rp)
    presentation = sandbox.present(
        credential, holder, disclose=NAME_AND_BIRTHDATE, audience=request.client_id, nonce=request.nonce
    )
    return sandbox.respond(request, presentation)


def test_an_issuer_of_its_own_onboarded_then_revoked(own_sandbox):
    issuer_id, key, holder = "https://issuer.example.ca/id", generate_key(), generate_key()
    credential = _own_credential(issuer_id, key, holder.public_jwk, own_sandbox.clock.timestamp())
    assert _present(own_sandbox, "fed-benefits", credential, holder).reasons == ["issuer_unknown"]

    entity = own_sandbox.onboard(issuer_id, {"keys": [key.public_jwk]}, [("VerifiedPerson", 3)], name="Example ID")
    assert entity["entity_id"] == issuer_id
    verdict = _present(own_sandbox, "fed-benefits", credential, holder)
    assert verdict.accepted, verdict.reasons
    assert verdict.credentials["person"]["issuer"] == issuer_id
    assert [e["kind"] for e in verdict.evidence or []].count("trqp_authorization") == 1

    own_sandbox.revoke(issuer_id)  # at once, though the relying party had a positive answer to keep
    assert _present(own_sandbox, "fed-benefits", credential, holder).reasons == ["issuer_not_authorized"]


def test_a_wallet_answers_and_declines(own_sandbox):
    wallet = own_sandbox.wallet("sasha")
    assert wallet.holder_jwk["kty"] == "EC" and own_sandbox.wallet_token("sasha")
    offer = own_sandbox.offer("prov1", "VerifiedPerson", SASHA, assurance_level=2)
    assert offer.uri.startswith("openid-credential-offer://") and offer.tx_code
    [received] = wallet.receive(offer)
    assert received["type"] == "VerifiedPerson" and received["claims"]["assurance_level"] == 2
    assert wallet.present("bank-personal").accepted  # LoA 2 is enough for a personal account
    assert wallet.present("fed-benefits").reasons == ["loa_too_low"]
    request = own_sandbox.request("bank-personal")
    assert own_sandbox.verdict(request).status == "pending"
    wallet.answer(request, approve=False)
    declined = own_sandbox.verdict(request)
    assert (declined.status, declined.accepted, declined.reasons) == ("declined", False, ["consent_required"])


def test_the_clock_moves_expiry_and_refusals_carry_their_reason(own_sandbox):
    holder = own_sandbox.holder_key()
    issued = own_sandbox.issue("prov1", "VerifiedPerson", SASHA, holder)
    assert issued.payload["iss"] == own_sandbox.issuer_id("prov1")
    request = own_sandbox.request("fed-benefits")
    own_sandbox.advance(days=own_sandbox.settings.credential_lifetime_days + 1)
    presentation = own_sandbox.present(
        issued, holder, disclose=NAME_AND_BIRTHDATE, audience=request.client_id, nonce=request.nonce
    )
    with pytest.raises(SandboxError) as expired:  # the request itself lived minutes, not days
        own_sandbox.respond(request, presentation)
    assert expired.value.reason == Reason.REQUEST_EXPIRED
    assert _present(own_sandbox, "fed-benefits", issued, holder).reasons == ["credential_expired"]
    with pytest.raises(SandboxError) as unknown:
        own_sandbox.offer("fed", "VerifiedPerson", SASHA)
    assert unknown.value.reason == Reason.CREDENTIAL_TYPE_UNKNOWN
