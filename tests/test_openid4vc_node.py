"""The sandbox against a wallet nobody here wrote: the OpenWallet Foundation's @openid4vc
libraries (OpenID4VCI and OpenID4VP clients) and the @sd-jwt libraries (SD-JWT VC, Token Status
List), run by Node.js from tests/interop/node (its README says what each library checks).

The sandbox is served over HTTPS: the libraries refuse ``http://`` issuers, verifiers and
metadata unless told to allow insecure URLs, and a wallet in the field would not be told that.
Node trusts the sandbox's root certificate (``NODE_EXTRA_CA_CERTS``) and nothing is relaxed.

The harness is installed from its lock with ``npm ci`` when ``node_modules`` is missing or older
than the lock. Without ``node`` or ``npm`` the tests skip, saying so; an install that fails fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli.stack import build_app, server_certificate
from pctf.ca import SandboxCA, trust_context
from pctf.clock import SystemClock
from pctf.jose import b64u_encode
from pctf.reasons import Reason
from pctf.settings import Settings
from pctf.storage import dispose_all
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_EVIDENCE
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import free_port, outlives_the_test, serve

pytestmark = pytest.mark.slow

HARNESS = Path(__file__).parent / "interop" / "node"
RP = "bank-personal"  # asks for the Verified Person alone
STEP_SECONDS = 120  # a guard against a hung process, not a measure of anything

Wallet = Callable[..., dict[str, Any]]


# -- the harness and the sandbox -----------------------------------------------------------------
def _install() -> None:
    """``npm ci`` from the lock when node_modules is missing or older than the lock (npm records
    each install in node_modules/.package-lock.json)."""
    lock, installed = HARNESS / "package-lock.json", HARNESS / "node_modules" / ".package-lock.json"
    if installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=HARNESS, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"npm ci failed in {HARNESS}:\n{done.stdout}\n{done.stderr}"


@dataclass
class Lab:
    settings: Settings
    url: str
    http: httpx.Client  # the sandbox operator's keyring: issuer staff and the relying party's back end
    root: Path  # the sandbox CA's root certificate, which Node is told to trust


@pytest.fixture(scope="module")
def wallet() -> Wallet:
    """``wallet(step, **input)``: the harness's answer to one step, as JSON; a step the libraries
    refused answers ``{"error": {...}}``."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the @openid4vc interoperability tests need Node.js 20+")
    _install()
    return _run


def _run(step: str, *, root: Path, **payload: Any) -> dict[str, Any]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(root)}
    done = subprocess.run(
        ["node", "wallet.mjs", step],
        cwd=HARNESS,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        timeout=STEP_SECONDS,
    )
    assert done.stdout, f"wallet.mjs {step} wrote nothing (exit {done.returncode}):\n{done.stderr}"
    answer = json.loads(done.stdout)
    assert (done.returncode == 0) == ("error" not in answer), (done.returncode, answer, done.stderr)
    return answer


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, _module_database: str | None) -> Iterator[Lab]:
    """Every service on one HTTPS server on loopback, its certificate from the sandbox CA. The
    relying parties are reached at ``localhost``: a request signed under ``x509_san_dns`` names
    its verifier by a DNS name, which the response URI's host must be (OpenID4VP 5.9.3)."""
    port = free_port()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("openid4vc-node") / "data",
        port=port,
        governance_token=GOVERNANCE_TOKEN,
        database_url=_module_database,
        tls=True,
        verifier_url=f"https://localhost:{port}",
    )
    key, chain = server_certificate(settings)
    served = outlives_the_test(
        serve(
            build_app(settings, SystemClock()),
            loopback=True,
            host=settings.host,
            port=settings.port,
            url=settings.base_url,
            ssl_keyfile=str(key),
            ssl_certfile=str(chain),
        )
    )
    try:
        verify = trust_context(settings.data_dir)
        with httpx.Client(timeout=15, auth=Keyring(settings), verify=verify) as http:
            yield Lab(settings, served.url, http, SandboxCA.open(settings.data_dir).root_path)
    finally:
        served.stop()
        dispose_all()


def _offer(lab: Lab) -> dict[str, Any]:
    """Sasha, proofed by Prov1's staff: the offer link and transaction code they hand her."""
    proofed = lab.http.post(f"{lab.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
    assert proofed.status_code == 200, proofed.text
    return proofed.json()


def _receive(lab: Lab, wallet: Wallet) -> dict[str, Any]:
    offer = _offer(lab)
    received = wallet("receive", root=lab.root, offer=offer["credential_offer_uri"], tx_code=offer["tx_code"])
    assert "error" not in received, received
    return received


@pytest.fixture(scope="module")
def received(lab: Lab, wallet: Wallet) -> dict[str, Any]:
    """Sasha's Verified Person, received by the libraries' wallet."""
    return _receive(lab, wallet)


def _ask(lab: Lab, mode: str | None = None, prefix: str | None = None) -> dict[str, Any]:
    options = {k: v for k, v in (("response_mode", mode), ("client_id_prefix", prefix)) if v}
    asked = lab.http.post(f"{lab.url}/verifier/{RP}/requests", json=options or None)
    assert asked.status_code == 200, asked.text
    return asked.json()


def _result(lab: Lab, state: str) -> dict[str, Any]:
    return lab.http.get(f"{lab.url}/verifier/{RP}/requests/{state}").json()


def _present(lab: Lab, wallet: Wallet, received: dict[str, Any], asked: dict[str, Any], **extra: Any) -> dict:
    return wallet(
        "present",
        root=lab.root,
        request=asked["request_uri"],
        credential=received["credential"],
        holder_jwk=received["holder_jwk"],
        **({"trust_anchors": [lab.root.read_text()]} | extra),
    )


# -- OpenID4VCI ----------------------------------------------------------------------------------
def test_the_librarys_wallet_receives_a_credential_by_the_pre_authorized_code_flow(lab, received):
    issuer = f"{lab.url}/issuers/prov1"
    # The client read our metadata as OpenID4VCI 1.0, each endpoint where the issuer says it is.
    assert received["metadata"] == {
        "version": "V1",
        "authorization_server": issuer,
        "token_endpoint": f"{issuer}/token",
        "nonce_endpoint": f"{issuer}/nonce",
        "credential_endpoint": f"{issuer}/credential",
    }
    assert received["offer"]["credential_configuration_ids"] == ["VerifiedPerson"]
    assert received["offer"]["tx_code"]["input_mode"] == "numeric" and received["token_type"] == "Bearer"
    # @sd-jwt verified the issuer's signature with the key the issuer publishes, and its disclosures.
    verified = received["verified"]
    assert verified["header"]["typ"] == "dc+sd-jwt" and verified["header"]["alg"] == "ES256"
    assert verified["header"]["kid"] in verified["issuer_keys"]
    claims = verified["claims"]
    assert claims["iss"] == issuer and claims["vct"] == "urn:pctf-sandbox:vct:verified-person:1"
    assert (claims["given_name"], claims["family_name"], claims["birthdate"]) == (
        SASHA["given_name"],
        SASHA["family_name"],
        SASHA["birthdate"],
    )
    assert claims["address"]["street_address"] == SASHA["address"]["street_address"]
    # Bound to the key the wallet proved it holds.
    public = {k: v for k, v in received["holder_jwk"].items() if k != "d"}
    assert claims["cnf"]["jwk"] == {**claims["cnf"]["jwk"], **public}
    # The library read the credential's status from our status list: valid.
    status = verified["status"]
    assert status["uri"] == claims["status"]["status_list"]["uri"] and status["uri"].startswith(issuer)
    assert (status["value"], status["token_typ"], status["token_sub"]) == (0, "statuslist+jwt", status["uri"])
    # The issuer recorded the issuance to that key.
    issuances = lab.http.get(f"{issuer}/issuances").json()
    assert [i for i in issuances if i["status_list"] == claims["status"]["status_list"]]


def test_the_librarys_wallet_takes_an_offer_by_reference(lab, wallet):
    offer = _offer(lab)
    link = offer["credential_offer_link_by_reference"]
    assert "credential_offer_uri=" in link and "pre-authorized_code" not in link
    received = wallet("receive", root=lab.root, offer=link, tx_code=offer["tx_code"])
    assert "error" not in received, received
    assert received["offer"]["credential_issuer"] == f"{lab.url}/issuers/prov1"
    assert received["verified"]["claims"]["given_name"] == SASHA["given_name"]


def test_the_libraries_refuse_a_credential_our_status_list_says_is_suspended(lab, wallet):
    received = _receive(lab, wallet)
    reference = received["verified"]["claims"]["status"]["status_list"]
    [issuance] = [i for i in lab.http.get(f"{lab.url}/issuers/prov1/issuances").json() if i["status_list"] == reference]
    changed = lab.http.post(f"{lab.url}/issuers/prov1/issuances/{issuance['id']}/status", json={"status": "suspended"})
    assert changed.status_code == 200, changed.text
    refused = wallet("verify", root=lab.root, credential=received["credential"])
    assert refused["error"]["message"] == "Status is not valid", refused


def _person_form(person: dict[str, Any], evidence: list[dict[str, Any]]) -> dict[str, str]:
    """What the person types on the issuer's authorization page, by the page's field names."""
    form = {k: person[k] for k in ("given_name", "family_name", "birthdate")}
    form |= {f"address.{k}": v for k, v in person["address"].items()}
    for n, document in enumerate(evidence, 1):
        form |= {f"evidence.{n}.{k}": v for k, v in document.items()}
    return form


def test_the_librarys_wallet_asks_by_the_authorization_code_flow_with_par_and_pkce(lab, wallet):
    issuer = f"{lab.url}/issuers/prov1"
    received = wallet(
        "authorize",
        root=lab.root,
        credential_issuer=issuer,
        configuration="VerifiedPerson",
        person_form=_person_form(SASHA, SASHA_EVIDENCE),
    )
    assert "error" not in received, received
    authorization = received["authorization"]
    # The request was pushed: the person's browser carried only its request_uri and the client_id.
    pushed = httpx.URL(authorization["authorization_request_url"])
    assert str(pushed.copy_with(query=None)) == f"{issuer}/authorize"
    assert set(pushed.params) == {"request_uri", "client_id"}
    assert pushed.params["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert authorization["pkce_method"] == "S256"
    # Back to the wallet with the code, its state (checked by the harness) and the issuer (RFC 9207).
    redirect = httpx.URL(authorization["redirect"])
    assert str(redirect.copy_with(query=None)) == "https://wallet.example/callback"
    assert {"code", "state", "iss"} <= set(redirect.params) and authorization["iss"] == issuer
    claims = received["verified"]["claims"]
    assert (claims["iss"], claims["given_name"], claims["assurance_level"]) == (issuer, SASHA["given_name"], 3)
    assert received["verified"]["status"]["value"] == 0


# -- OpenID4VP -----------------------------------------------------------------------------------
def test_the_librarys_wallet_answers_by_direct_post_and_the_relying_party_accepts(lab, wallet, received):
    asked = _ask(lab)
    answered = _present(lab, wallet, received, asked)
    # The library took our request as OpenID4VP 1.0, with the redirect_uri: client identifier.
    assert answered["version"] == 100
    assert answered["client"] == {"prefix": "redirect_uri", "effective": asked["request"]["client_id"]}
    assert answered["response_mode"] == "direct_post" and answered["status"] == 200
    assert answered["answer"] == {"status": "accepted"}
    # What the DCQL query asked for, the address with each of its parts, and nothing else.
    assert set(answered["disclosed"]["person"]) == {
        "given_name",
        "family_name",
        "birthdate",
        "address",
        *SASHA["address"],
    }
    result = _result(lab, asked["state"])
    assert result["status"] == "accepted", result["verdict"]
    claims = result["verdict"]["credentials"]["person"]["claims"]
    assert claims["given_name"] == SASHA["given_name"] and claims["address"] == SASHA["address"]


def test_the_librarys_wallet_answers_encrypted_by_direct_post_jwt(lab, wallet, received):
    asked = _ask(lab, "direct_post.jwt")
    [key] = asked["request"]["client_metadata"]["jwks"]["keys"]
    answered = _present(lab, wallet, received, asked)
    assert answered["response_mode"] == "direct_post.jwt" and answered["answer"] == {"status": "accepted"}
    # Encrypted by the library to the key in client_metadata, as the verifier offered.
    header = answered["encrypted_header"]
    assert (header["alg"], header["kid"]) == ("ECDH-ES", key["kid"])
    assert header["enc"] in asked["request"]["client_metadata"]["encrypted_response_enc_values_supported"]
    assert header["apv"] == b64u_encode(asked["request"]["nonce"].encode())
    assert _result(lab, asked["state"])["status"] == "accepted"


def test_a_presentation_whose_disclosure_was_altered_is_refused(lab, wallet, received):
    asked = _ask(lab)
    answered = _present(lab, wallet, received, asked, tamper="disclosure")
    assert answered["answer"] == {"status": "rejected"}
    result = _result(lab, asked["state"])
    assert result["status"] == "rejected" and result["verdict"]["reasons"] == [Reason.DISCLOSURE_UNREFERENCED]


@pytest.mark.parametrize(("prefix", "mode"), [("x509_san_dns", "direct_post"), ("x509_hash", "direct_post.jwt")])
def test_the_librarys_wallet_answers_a_signed_request_by_reference(lab, wallet, received, prefix, mode):
    asked = _ask(lab, mode, prefix)
    client_id = asked["request"]["client_id"]
    assert client_id.startswith(f"{prefix}:")
    answered = _present(lab, wallet, received, asked)
    # The library fetched the request object, found its certificate chain (checked by the harness
    # against the sandbox root) and the client identifier in agreement, and read it as 1.0.
    assert answered["signed"] == {"send_by": "reference", "typ": "oauth-authz-req+jwt"}
    assert answered["client"] == {"prefix": prefix, "effective": client_id}
    assert answered["response_mode"] == mode and answered["answer"] == {"status": "accepted"}
    assert _result(lab, asked["state"])["status"] == "accepted"


def test_a_signed_request_whose_chain_the_wallet_does_not_trust_is_refused(lab, wallet, received):
    asked = _ask(lab, prefix="x509_hash")
    refused = _present(lab, wallet, received, asked, trust_anchors=[])
    assert refused["error"] == {"name": "Oauth2JwtVerificationError", "message": "Error during verification of jwt."}
    assert _result(lab, asked["state"])["status"] == "pending"
