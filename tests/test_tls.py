"""The sandbox certificate authority and HTTPS: one root per data directory, leaves that chain to
it, and ``pctf-sandbox up --tls`` serving the whole story over HTTPS to a client that trusts the
exported root (and to no other)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.verification import PolicyBuilder, Store
from typer.testing import CliRunner

from cli.main import app
from cli.stack import SANDBOX_RECORD, is_sandbox, sandbox_services
from pctf.ca import SandboxCA, trust_context
from pctf.http import make_client
from pctf.outbound import OutboundPolicy, outbound_client
from pctf.settings import Settings
from scenarios import sasha
from scenarios.deployment import Deployment
from scenarios.keyring import Keyring
from tests.test_readme_cli_chain import EXE, clean_env

runner = CliRunner()


def server_verifier(root: x509.Certificate):
    return PolicyBuilder().store(Store([root])).time(dt.datetime.now(dt.UTC))


# -- the authority ------------------------------------------------------------------------------
def test_the_root_is_created_once_and_a_server_leaf_chains_to_it(tmp_path: Path) -> None:
    ca = SandboxCA.open(tmp_path)
    assert ca.root.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "PCTF Sandbox Root CA"
    constraints = ca.root.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert (ca.root_path.stat().st_mode & 0o777, (ca.directory / "root.key").stat().st_mode & 0o777) == (0o644, 0o600)

    leaf = ca.issue_leaf(["sandbox.example", "127.0.0.1"])
    chain = server_verifier(ca.root).build_server_verifier(x509.DNSName("sandbox.example")).verify(leaf.certificate, [])
    assert chain == [leaf.certificate, ca.root]
    by_address = server_verifier(ca.root).build_server_verifier(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    by_address.verify(leaf.certificate, [])
    with pytest.raises(x509.verification.VerificationError):
        server_verifier(ca.root).build_server_verifier(x509.DNSName("other.example")).verify(leaf.certificate, [])

    # Reused afterwards: the same root, whoever opens the data directory next.
    again = SandboxCA.open(tmp_path)
    assert again.fingerprint == ca.fingerprint and again.root == ca.root


def test_a_signing_leaf_for_a_given_key_carries_its_names_and_no_server_usage(tmp_path: Path) -> None:
    ca = SandboxCA.open(tmp_path)
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = ca.issue_leaf(["verifier.example"], key=key, usage="signing", days=30)
    assert leaf.certificate.public_key() == key.public_key()
    leaf.certificate.verify_directly_issued_by(ca.root)
    san = leaf.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["verifier.example"]
    assert leaf.certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    with pytest.raises(x509.ExtensionNotFound):
        leaf.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert len(leaf.x5c()) == 2 and len(leaf.x509_hash()) == 43
    with pytest.raises(ValueError):
        ca.issue_leaf([])


def test_concurrent_first_use_gives_one_root(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    found: list[str] = []

    def create() -> None:
        start.wait()
        found.append(SandboxCA.open(tmp_path).fingerprint)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    assert found[0] == SandboxCA.open(tmp_path).fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ca"]  # no staging directory left behind


def test_a_public_https_url_terminated_elsewhere_is_what_identifiers_follow(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path, public_url="https://tunnel.example/", local_mode=True)
    assert s.issuer_id("prov1") == "https://tunnel.example/issuers/prov1"
    assert s.registry_authority_id == "https://tunnel.example/registry"
    policy = OutboundPolicy.from_settings(s)
    assert policy.is_trusted(httpx.URL("https://tunnel.example/issuers/prov1"))
    # --tls changes the default base URL only; an explicit public URL stays as configured.
    assert Settings(data_dir=tmp_path, tls=True, port=8601).base_url == "https://127.0.0.1:8601"
    assert Settings(data_dir=tmp_path, tls=True, public_url="https://tunnel.example").base_url == (
        "https://tunnel.example"
    )


def test_ca_show_and_export(tmp_path: Path) -> None:
    env = {"PCTF_DATA_DIR": str(tmp_path)}
    shown = runner.invoke(app, ["ca", "show", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    described = json.loads(shown.stdout)
    ca = SandboxCA.open(tmp_path)
    assert described["path"] == str(ca.root_path) and described["fingerprint_sha256"] == ca.fingerprint
    assert described["subject"] == "CN=PCTF Sandbox Root CA,O=PCTF Sandbox"
    assert dt.datetime.fromisoformat(described["not_before"]) < dt.datetime.fromisoformat(described["not_after"])

    exported = tmp_path / "exported.pem"
    done = runner.invoke(app, ["ca", "export", "--out", str(exported)], env=env)
    assert done.exit_code == 0, done.output
    assert x509.load_pem_x509_certificate(exported.read_bytes()) == ca.root


# -- up --tls -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """``pctf-sandbox up --tls`` in a process of its own, with its root exported beforehand."""
    tmp_path = tmp_path_factory.mktemp("tls")
    data_dir = tmp_path / "data"
    env = clean_env(tmp_path, PCTF_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    root = tmp_path / "root.pem"
    exported = runner.invoke(app, ["ca", "export", "--out", str(root)], env={"PCTF_DATA_DIR": str(data_dir)})
    assert exported.exit_code == 0, exported.output
    url = f"https://127.0.0.1:{env['PCTF_PORT']}"
    trusting = ssl.create_default_context(cafile=str(root))
    printed, logged = tmp_path / "up.out", tmp_path / "up.err"
    with printed.open("w") as stdout, logged.open("w") as stderr:
        proc = subprocess.Popen([EXE, "up", "--tls"], env=env, stdout=stdout, stderr=stderr, text=True)
    try:
        record = data_dir / SANDBOX_RECORD
        deadline = time.monotonic() + 60
        while not (record.exists() and is_sandbox(url, trusting)):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"up --tls did not start: {logged.read_text()}")
            time.sleep(0.2)
        yield {"url": url, "root": root, "env": env, "data_dir": data_dir, "trusting": trusting, "printed": printed}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_up_tls_answers_over_https_to_those_who_trust_the_root_only(served: dict) -> None:
    answer = httpx.get(f"{served['url']}/health", verify=served["trusting"], timeout=10)
    assert answer.json()["service"] == "pctf-sandbox"
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{served['url']}/health", timeout=10)
    with pytest.raises(httpx.TransportError):  # plain http to the HTTPS port gets no HTTP answer
        httpx.get(f"http://127.0.0.1:{served['env']['PCTF_PORT']}/health", timeout=10)
    record = json.loads((served["data_dir"] / SANDBOX_RECORD).read_text())
    assert (record["url"], record["tls"]) == (served["url"], True)
    # up says which root to trust, and how.
    ca = SandboxCA.open(served["data_dir"])
    assert ca.root_pem() == served["root"].read_bytes()
    printed = " ".join(served["printed"].read_text().split())
    assert f"serving at {served['url']}" in printed
    assert str(ca.root_path) in printed and ca.fingerprint in printed and "curl --cacert" in printed


@pytest.mark.slow
def test_the_sandboxs_own_clients_trust_its_root_beside_the_systems(served: dict) -> None:
    s = Settings(data_dir=served["data_dir"], local_mode=True)
    with make_client(s) as http:
        assert http.get(f"{served['url']}/health").status_code == 200
    with outbound_client(s) as http:  # loopback in local mode, https with the sandbox's certificate
        assert http.get(f"{served['url']}/health").status_code == 200
    # A data directory without that root does not trust it.
    with make_client(Settings(data_dir=served["data_dir"] / "elsewhere")) as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            http.get(f"{served['url']}/health")
    assert trust_context(served["data_dir"]) is trust_context(served["data_dir"])  # built once per root


@pytest.mark.slow
def test_sashas_story_runs_to_the_accepted_verdict_over_https(served: dict) -> None:
    s = Settings(data_dir=served["data_dir"], port=int(served["env"]["PCTF_PORT"]), tls=True)
    where = Deployment.from_settings(s)
    assert where.wallet == served["url"]
    with httpx.Client(timeout=30, verify=served["trusting"], auth=Keyring(s)) as http:
        result = sasha.run(where, http)
        assert result["verdict"]["accepted"] is True, result["verdict"]["reasons"]
        held = http.get(f"{served['url']}/wallet/sasha/credentials").json()
    # The wallet keeps a credential only when its iss is the issuer that offered it: https identifiers.
    assert held and all(c["issuer"].startswith("https://") for c in held)
    assert held[0]["issuer"] == f"{served['url']}/issuers/prov1"
    # A command on the same data directory finds the sandbox at its https address.
    services = sandbox_services(Settings(data_dir=served["data_dir"]))
    assert services.url == served["url"] and services.server is None and services.settings.tls


@pytest.mark.slow
def test_the_dashboards_sasha_story_runs_over_https(served: dict) -> None:
    """The dashboard's own clients call the services at their https address too."""
    token = Settings(data_dir=served["data_dir"]).resolved_presenter_token()
    with httpx.Client(base_url=served["url"], verify=served["trusting"], timeout=90) as browser:
        assert browser.get(f"/ui/login?token={token}").status_code == 303
        answer = browser.post("/ui/stories/sasha/runs")
        for _ in range(20):
            assert answer.status_code == 303, answer.text[:500]
            run = answer.headers["location"].split("#", 1)[0]
            page = browser.get(run).text
            if 'name="decision"' in page:
                answer = browser.post(f"{run}/consent", data={"decision": "accept"})
            elif f'action="{run}/next"' in page:
                answer = browser.post(f"{run}/next")
            else:
                break
    assert "✓ Accepted" in page, page[-2000:]


def test_a_fingerprint_is_printed_as_it_is_never_as_pictures() -> None:
    """A fingerprint such as 2E:CD:A5 holds rich's emoji codes (":cd:" is a compact disc)."""
    from cli.support import err, out

    for console in (out, err):
        with console.capture() as captured:
            console.print("SHA-256 2E:CD:A5:1B:AB:0F")
        assert "2E:CD:A5:1B:AB:0F" in captured.get()
