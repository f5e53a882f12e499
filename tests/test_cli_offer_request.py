"""``pctf-sandbox offer`` and ``pctf-sandbox request`` facing a wallet nobody here wrote, the
issuer staff's offer route, and offers by reference (OpenID4VCI 4.1.3).

The commands run as real subprocesses against ``pctf-sandbox up`` (or, for ``request``, against
the services the command starts itself); the wallet that answers is a foreign one, played by
hand over HTTP, or the sandbox's own wallet service.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import inspect, text

from cli.stack import SANDBOX_RECORD, is_sandbox
from pctf import sdjwt
from pctf.clock import SystemClock
from pctf.jose import SigningKey, generate_key
from pctf.oid4vci import PRE_AUTH_GRANT, PROOF_TYP
from pctf.settings import Settings
from pctf.storage import database_url, dispose_all, open_engine
from scenarios.keyring import Keyring, held_token
from tests.test_readme_cli_chain import EXE, clean_env

pytestmark = pytest.mark.slow

SASHA = {
    "given_name": "Sasha",
    "family_name": "Tremblay",
    "birthdate": "1988-06-14",
    "address": {"locality": "Riverton", "region": "Prov1", "country": "CA"},
    "assurance_level": 3,
}
# What every credential carries beside its subject's claims.
ENVELOPE = {"iss", "iat", "exp", "nbf", "vct", "cnf", "status"}
QR_BLOCKS = ("█", "▀", "▄")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``pctf-sandbox up`` in a process of its own: what the commands find serving their data directory."""
    tmp_path = tmp_path_factory.mktemp("offer-request")
    data_dir = tmp_path / "data"
    env = clean_env(tmp_path, PCTF_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    url = f"http://127.0.0.1:{env['PCTF_PORT']}"
    logged = tmp_path / "up.err"
    with logged.open("w") as stderr:
        proc = subprocess.Popen([EXE, "up"], env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
    try:
        deadline = time.monotonic() + 60
        while not ((data_dir / SANDBOX_RECORD).exists() and is_sandbox(url)):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                pytest.fail(f"up did not start: {logged.read_text()}")
            time.sleep(0.2)
        settings = Settings(data_dir=data_dir, port=int(env["PCTF_PORT"]))
        with httpx.Client(timeout=30, auth=Keyring(settings)) as operator, httpx.Client(timeout=30) as public:
            yield {
                "env": env,
                "url": url,
                "data_dir": data_dir,
                "settings": settings,
                "http": operator,
                "public": public,
            }
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        dispose_all()


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)


def one_line_failure(proc: subprocess.CompletedProcess, reason: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert reason in proc.stderr, proc.stderr


def query(link: str, param: str) -> str:
    return parse_qs(urlsplit(link).query)[param][0]


# -- a wallet nobody here wrote, by hand over HTTP ---------------------------------------------------
def redeem_by_hand(public: httpx.Client, offer: dict[str, Any], tx_code: str | None, holder: SigningKey) -> str:
    """The pre-authorized code flow as a foreign wallet runs it: metadata, token (with the
    transaction code), nonce, key proof, credential."""
    issuer = offer["credential_issuer"]
    base, short_id = issuer.rsplit("/issuers/", 1)
    metadata = public.get(f"{base}/.well-known/openid-credential-issuer/issuers/{short_id}").json()
    servers = public.get(f"{base}/.well-known/oauth-authorization-server/issuers/{short_id}").json()
    grant = offer["grants"][PRE_AUTH_GRANT]
    form = {"grant_type": PRE_AUTH_GRANT, "pre-authorized_code": grant["pre-authorized_code"]}
    if tx_code is not None:
        form["tx_code"] = tx_code
    token = public.post(servers["token_endpoint"], data=form)
    assert token.status_code == 200, token.text
    nonce = public.post(metadata["nonce_endpoint"]).json()["c_nonce"]
    proof = holder.sign(
        {"aud": issuer, "iat": SystemClock().timestamp(), "nonce": nonce},
        typ=PROOF_TYP,
        header={"jwk": holder.public_jwk},
        include_kid=False,
    )
    answer = public.post(
        metadata["credential_endpoint"],
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        json={"credential_configuration_id": offer["credential_configuration_ids"][0], "proofs": {"jwt": [proof]}},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["credentials"][0]["credential"])


def subject_claims(credential: str) -> dict[str, Any]:
    issued = sdjwt.SdJwt.parse(credential)
    claims, _ = sdjwt.resolve_disclosures(issued.payload, issued.disclosures)
    return {k: v for k, v in claims.items() if k not in ENVELOPE}


def stored_text(data_dir: Path) -> str:
    """Every value of every table of the issuers' database, as text."""
    engine = open_engine(database_url(Settings(data_dir=data_dir), "issuers"))
    try:
        with engine.connect() as db:
            rows = [
                repr(tuple(row))
                for table in inspect(engine).get_table_names()
                for row in db.execute(text(f'SELECT * FROM "{table}"'))
            ]
    finally:
        engine.dispose()
    return "\n".join(rows)


# -- pctf-sandbox offer ---------------------------------------------------------------------------
def test_an_offer_printed_with_its_qr_code_is_redeemed_by_a_foreign_wallet_with_the_claims_given(sandbox, tmp_path):
    claims_file = tmp_path / "sasha.json"
    claims_file.write_text(json.dumps(SASHA))
    made = run(sandbox["env"], "offer", "--issuer", "prov1", "--type", "VerifiedPerson", "--claims", f"@{claims_file}")
    assert made.returncode == 0, made.stderr
    assert made.stderr.startswith(f"used the sandbox at {sandbox['url']}")
    lines = made.stdout.splitlines()
    link = next(line for line in lines if line.startswith("openid-credential-offer://?credential_offer="))
    qr = [line for line in lines if set(line) <= {" ", *QR_BLOCKS} and line.strip()]
    assert len(qr) > 20 and all(len(line) == len(qr[0]) for line in qr)  # a square block, drawn in text
    tx_line = next(line for line in lines if line.startswith("Transaction code"))
    tx_code = tx_line.rsplit(" ", 1)[-1]
    assert tx_code.isdigit() and len(tx_code) == 6
    by_reference = next(line for line in lines if line.startswith("The same offer by reference"))
    assert "openid-credential-offer://?credential_offer_uri=" in by_reference

    offer = json.loads(query(link, "credential_offer"))
    assert offer["credential_issuer"] == f"{sandbox['url']}/issuers/prov1"
    assert offer["grants"][PRE_AUTH_GRANT]["tx_code"]["length"] == 6
    credential = redeem_by_hand(sandbox["public"], offer, tx_code, generate_key())
    assert subject_claims(credential) == SASHA


def test_offer_json_is_one_object_without_qr_code_and_by_reference_on_request(sandbox):
    made = run(
        sandbox["env"],
        *(
            "offer",
            "--issuer",
            "terr2",
            "--type",
            "VerifiedPerson",
            "--claims",
            json.dumps({**SASHA, "assurance_level": 2}),
        ),
        *("--json", "--no-tx-code", "--by-reference"),
    )
    assert made.returncode == 0, made.stderr
    assert not any(block in made.stdout for block in QR_BLOCKS)
    shown = json.loads(made.stdout)
    assert set(shown) == {"uri", "offer", "tx_code", "by_reference", "issuer", "type"}
    assert shown["uri"] == shown["by_reference"] and shown["tx_code"] is None
    assert shown["issuer"] == f"{sandbox['url']}/issuers/terr2" and shown["type"] == "VerifiedPerson"
    assert "tx_code" not in shown["offer"]["grants"][PRE_AUTH_GRANT]
    # By value without --by-reference, in French.
    french = run(
        sandbox["env"],
        *("offer", "--issuer", "prov1", "--type", "VerifiedPerson", "--claims", json.dumps(SASHA), "--lang", "fr"),
    )
    assert french.returncode == 0, french.stderr
    assert french.stdout.startswith("Offre de justificatif (VerifiedPerson) de http://")
    assert "Code de transaction (le portefeuille le demande) : " in french.stdout


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("--claims", "{not json"), "--claims is not valid JSON"),
        (("--claims", "@/nonexistent/claims.json"), "cannot read the claims file /nonexistent/claims.json"),
        (("--type", "Passport"), "credential_type_unknown"),
        (("--claims", json.dumps({"given_name": "Sasha"})), "claims_invalid: VerifiedPerson requires claim"),
        (("--claims", json.dumps({**SASHA, "shoe_size": "9"})), "claims_invalid: unknown claim(s)"),
        (("--claims", json.dumps({**SASHA, "assurance_level": 4})), "claims_invalid: prov1 issues VerifiedPerson"),
        (("--type", "VerifiedOrganization"), "issuer_not_authorized: prov1 does not issue VerifiedOrganization"),
        (("--issuer", "atlantis"), "issuer_id_unknown"),
    ],
)
def test_unusable_offer_input_is_one_line_and_exit_2(sandbox, args, reason):
    given = {"--issuer": "prov1", "--type": "VerifiedPerson", "--claims": json.dumps(SASHA)}
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    one_line_failure(run(sandbox["env"], "offer", *(x for pair in given.items() for x in pair)), reason)


# -- the staff route ----------------------------------------------------------------------------
def test_only_the_issuers_own_staff_make_an_offer_and_its_claims_are_checked(sandbox):
    url, s, public = f"{sandbox['url']}/issuers/prov1/offers", sandbox["settings"], sandbox["public"]
    body = {"type": "VerifiedPerson", "claims": SASHA}
    nobody = public.post(url, json=body)
    assert nobody.status_code == 401 and nobody.json()["error"] == "unauthorized"
    other = public.post(url, json=body, headers={"Authorization": f"Bearer {held_token(s, 'staff:prov2')}"})
    assert other.status_code == 403 and other.json()["error"] == "forbidden"
    staff = {"Authorization": f"Bearer {held_token(s, 'staff:prov1')}"}
    made = public.post(url, json={**body, "tx_code": False}, headers=staff)
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    offered = made.json()
    assert offered["tx_code"] is None and offered["credential_offer"]["credential_configuration_ids"] == [
        "VerifiedPerson"
    ]
    assert offered["credential_offer_uri"].startswith("openid-credential-offer://?credential_offer=")
    assert offered["credential_offer_link_by_reference"].startswith("openid-credential-offer://?credential_offer_uri=")
    refused = public.post(url, json={"type": "VerifiedPerson", "claims": {"given_name": "Sasha"}}, headers=staff)
    assert refused.status_code == 400 and refused.json()["error"] == "claims_invalid"
    not_issued = public.post(url, json={"type": "Immunization", "claims": {}}, headers=staff)
    assert not_issued.json()["error"] == "issuer_not_authorized"


# -- offers by reference ------------------------------------------------------------------------
def test_an_offer_by_reference_is_fetched_once_redeemable_and_the_database_keeps_no_usable_code(sandbox):
    http, public = sandbox["http"], sandbox["public"]
    staff = {"Authorization": f"Bearer {held_token(sandbox['settings'], 'staff:prov1')}"}
    made = public.post(
        f"{sandbox['url']}/issuers/prov1/offers", json={"type": "VerifiedPerson", "claims": SASHA}, headers=staff
    ).json()
    location = query(made["credential_offer_link_by_reference"], "credential_offer_uri")
    reference = location.rsplit("/", 1)[-1]
    assert location == f"{sandbox['url']}/issuers/prov1/credential-offers/{reference}"
    code = made["credential_offer"]["grants"][PRE_AUTH_GRANT]["pre-authorized_code"]
    assert reference != code and code not in location  # the path, which logs keep, is not the code

    fetched = public.get(location)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "application/json"
    assert fetched.json() == made["credential_offer"]

    # Neither the reference nor the code is stored; only the code's digest is.
    stored = stored_text(sandbox["data_dir"])
    assert reference not in stored and code not in stored
    assert hashlib.sha256(code.encode()).hexdigest() in stored

    # The sandbox wallet takes the by-reference link, fetches the offer and redeems it.
    assert http.put(f"{sandbox['url']}/wallet/byref").status_code in (200, 201)
    received = http.post(
        f"{sandbox['url']}/wallet/byref/offers",
        json={"offer": made["credential_offer_link_by_reference"], "tx_code": made["tx_code"]},
    )
    assert received.status_code == 200, received.text
    assert [c["type"] for c in received.json()] == ["VerifiedPerson"]
    assert received.json()[0]["claims"]["given_name"] == "Sasha"

    redeemed = public.get(location)
    assert redeemed.status_code == 404 and redeemed.json()["error"] == "credential_offer_unknown"
    unknown = public.get(f"{sandbox['url']}/issuers/prov1/credential-offers/{secrets.token_urlsafe(32)}")
    assert unknown.status_code == 404 and unknown.json()["error"] == "credential_offer_unknown"
    # Another issuer's path does not answer this issuer's reference.
    fresh = public.post(
        f"{sandbox['url']}/issuers/prov1/offers", json={"type": "VerifiedPerson", "claims": SASHA}, headers=staff
    ).json()
    elsewhere = query(fresh["credential_offer_link_by_reference"], "credential_offer_uri").replace("/prov1/", "/prov2/")
    assert public.get(elsewhere).json()["error"] == "credential_offer_unknown"


# -- pctf-sandbox request ------------------------------------------------------------------------
def give_credential(base: str, http: httpx.Client, staff: str, wallet: str, issuer: str, claims: dict) -> None:
    """Open ``wallet`` in the sandbox wallet service and put an ``issuer``'s Verified Person in it."""
    assert http.put(f"{base}/wallet/{wallet}").status_code in (200, 201)
    made = http.post(
        f"{base}/issuers/{issuer}/offers",
        json={"type": "VerifiedPerson", "claims": claims},
        headers={"Authorization": f"Bearer {staff}"},
    ).json()
    received = http.post(
        f"{base}/wallet/{wallet}/offers", json={"offer": made["credential_offer_uri"], "tx_code": made["tx_code"]}
    )
    assert received.status_code == 200, received.text


def answer(base: str, http: httpx.Client, wallet: str, uri: str, *, approve: bool) -> None:
    review = http.post(f"{base}/wallet/{wallet}/presentations", json={"request": uri})
    assert review.status_code == 200, review.text
    decided = http.post(
        f"{base}/wallet/{wallet}/presentations/{review.json()['request_id']}/decision",
        json={"approve": approve, "review_hash": review.json()["review_hash"]},
    )
    assert decided.status_code == 200, decided.text


class Waiting:
    """``pctf-sandbox request`` running, once it has printed the request's link."""

    def __init__(self, env: dict[str, str], *args: str) -> None:
        self.proc = subprocess.Popen(
            [EXE, "request", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.printed: list[str] = []
        for line in self.proc.stdout:
            self.printed.append(line)
            if line.startswith("openid4vp://"):
                self.uri = line.strip()
                return
        self.proc.wait()
        raise AssertionError(
            f"no openid4vp:// link: {''.join(self.printed)} {self.proc.stderr.read() if self.proc.stderr else ''}"
        )

    def finish(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=120)
        return self.proc.returncode, "".join(self.printed) + out, err


def test_request_prints_the_link_and_the_accepted_verdict_while_its_own_services_serve(tmp_path):
    # No sandbox serves this data directory: the command starts the services and keeps them up while it waits.
    data_dir = tmp_path / "data"
    env = clean_env(tmp_path, PCTF_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    base = f"http://127.0.0.1:{env['PCTF_PORT']}"
    waiting = Waiting(env, "--rp", "fed-benefits", "--timeout", "120")
    try:
        s = Settings(data_dir=data_dir, port=int(env["PCTF_PORT"]))
        with httpx.Client(timeout=30, auth=Keyring(s)) as http:
            give_credential(base, http, held_token(s, "staff:prov1"), "alex", "prov1", SASHA)
            answer(base, http, "alex", waiting.uri, approve=True)
        code, printed, err = waiting.finish()
    finally:
        if waiting.proc.poll() is None:
            waiting.proc.kill()
            waiting.proc.wait()
        dispose_all()
    assert code == 0, printed + err
    assert err.startswith("started the sandbox services in process at ")
    assert "Presentation accepted by the Federal Benefits Service" in printed
    assert "Tremblay" in printed  # the claims disclosed
    qr = [line for line in printed.splitlines() if line.strip() and set(line) <= {" ", *QR_BLOCKS}]
    assert len(qr) > 20  # the request drawn as a QR code


def test_a_declined_or_refused_answer_exits_1_with_its_reason_codes(sandbox):
    base, http, env = sandbox["url"], sandbox["http"], sandbox["env"]
    give_credential(base, http, held_token(sandbox["settings"], "staff:prov1"), "declines", "prov1", SASHA)
    waiting = Waiting(env, "--rp", "fed-benefits", "--timeout", "120", "--lang", "fr")
    answer(base, http, "declines", waiting.uri, approve=False)
    code, printed, err = waiting.finish()
    assert code == 1, printed + err
    assert "La personne titulaire a refusé de communiquer ses données : consent_required" in printed

    # A Verified Person at level 2 where level 3 is required: the relying party refuses it.
    prov2 = {**SASHA, "assurance_level": 2}
    give_credential(base, http, held_token(sandbox["settings"], "staff:prov2"), "lowlevel", "prov2", prov2)
    waiting = Waiting(env, "--rp", "fed-benefits", "--response-mode", "direct_post.jwt", "--timeout", "120")
    assert "response_mode=direct_post.jwt" in waiting.uri
    answer(base, http, "lowlevel", waiting.uri, approve=True)
    code, printed, err = waiting.finish()
    assert code == 1, printed + err
    assert "Presentation refused by the Federal Benefits Service: loa_too_low" in printed


def test_a_signed_request_by_reference_makes_a_short_link_the_wallet_verifies(sandbox):
    """``--client-id-prefix x509_hash``: the link carries only the client id and where to fetch
    the signed request object; the sandbox wallet checks its certificate against the sandbox CA."""
    base, http, env = sandbox["url"], sandbox["http"], sandbox["env"]
    give_credential(base, http, held_token(sandbox["settings"], "staff:prov1"), "signed", "prov1", SASHA)
    waiting = Waiting(env, "--rp", "fed-benefits", "--client-id-prefix", "x509_hash", "--timeout", "120")
    assert query(waiting.uri, "client_id").startswith("x509_hash:")
    assert query(waiting.uri, "request_uri").endswith("/request-object")
    assert "dcql_query" not in waiting.uri and len(waiting.uri) < 300, waiting.uri
    answer(base, http, "signed", waiting.uri, approve=True)
    code, printed, err = waiting.finish()
    assert code == 0, printed + err
    assert "Presentation accepted by the Federal Benefits Service" in printed


def test_no_answer_within_the_timeout_exits_3_and_json_is_one_object(sandbox):
    timed_out = run(sandbox["env"], "request", "--rp", "fed-benefits", "--timeout", "1", "--json")
    assert timed_out.returncode == 3, timed_out.stderr
    shown = json.loads(timed_out.stdout)
    assert set(shown) == {"uri", "state", "status", "verdict"}
    assert shown["uri"].startswith("openid4vp://") and shown["state"] == query(shown["uri"], "state")
    assert (shown["status"], shown["verdict"]) == ("timed_out", None)
    unknown = run(sandbox["env"], "request", "--rp", "nobody", "--timeout", "1")
    one_line_failure(unknown, "not_found: unknown relying party 'nobody'")


def test_ctrl_c_stops_waiting_cleanly(sandbox):
    waiting = Waiting(sandbox["env"], "--rp", "bank-personal", "--timeout", "120")
    waiting.proc.send_signal(signal.SIGINT)
    code, printed, err = waiting.finish()
    assert code == 130, printed + err
    assert "Traceback" not in err and err.strip().endswith("Stopped: no longer waiting for a wallet's answer")
