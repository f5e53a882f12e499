"""What a stranger on the network can and cannot do to a running sandbox, over real HTTP.

Each test shows one way in closed: the wallet's routes belong to its holder; consent is bound to
the review that was shown; the wallet fetches nothing on private addresses and says nothing about
the network when a fetch fails; transaction codes and pre-authorized codes cannot be guessed;
one issuer's staff cannot act for another; odd input is refused with a reason, never a 500, and
leaves the connection usable; bodies are limited; access logs hold no secret and no claim; and
a relying party's verdicts are its back end's only. Every refusal is checked by its status code
and its ``error`` reason code, and where state could have changed, that it did not.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from urllib.parse import quote

import httpx
import pytest

from cli.stack import free_port
from pctf.clock import SystemClock
from pctf.oid4vci import PRE_AUTH_GRANT
from scenarios import sasha
from scenarios.personas import SASHA, SASHA_EVIDENCE, SASHA_FATHER_DEATH
from tests.support import serve_sandbox

ATTACKER = "https://attacker.example/collect"
# Addresses nothing here can reach, which the outbound policy refuses before any packet is sent.
PRIVATE_TARGETS = ("http://169.254.169.254/latest/meta-data", "http://10.0.0.1:22/")


# -- shared steps ------------------------------------------------------------------------------
def assert_refused(response: httpx.Response, status: int, *reasons: str) -> dict:
    """``response`` is an error answer with ``status`` and one of ``reasons`` as its ``error``."""
    assert response.status_code == status, (
        response.request.method,
        str(response.request.url)[:120],
        response.status_code,
        response.text[:300],
    )
    body = response.json()
    assert body.get("error") in reasons, (response.request.method, str(response.request.url)[:120], body)
    assert isinstance(body.get("error_description"), str) and body["error_description"]
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def proof_sasha(http: httpx.Client, url: str, issuer: str = "prov1", **changes) -> httpx.Response:
    """Issuer staff proof Sasha (``changes`` replacing her application's claims, the evidence
    describing the same person so only the claims themselves can be refused)."""
    applicant = {**SASHA, **changes}
    evidence = [
        {**doc, **{k: applicant[k] for k in ("given_name", "family_name", "birthdate")}} for doc in SASHA_EVIDENCE
    ]
    return http.post(f"{url}/issuers/{issuer}/proofing", json={**applicant, "evidence": evidence})


def offered(http: httpx.Client, url: str) -> dict:
    """A fresh Verified Person offer for Sasha from prov1: its URI, code and transaction code."""
    answer = proof_sasha(http, url)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return {
        "uri": body["credential_offer_uri"],
        "tx_code": body["tx_code"],
        "code": body["credential_offer"]["grants"][PRE_AUTH_GRANT]["pre-authorized_code"],
    }


def token_request(client: httpx.Client, url: str, code: str, tx_code: str | None = None) -> httpx.Response:
    form = {"grant_type": PRE_AUTH_GRANT, "pre-authorized_code": code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return client.post(f"{url}/issuers/prov1/token", data=form)


def wrong(tx_code: str, k: int) -> str:
    return f"{(int(tx_code) + k) % 10**6:06d}"


def bank_dcql(anonymous: httpx.Client, url: str, rp: str = "bank") -> dict:
    listed = anonymous.get(f"{url}/verifier")
    assert listed.status_code == 200
    return next(r for r in listed.json() if r["id"] == rp)["policy"]["dcql_query"]


def stranger_request(dcql_query: dict, response_uri: str) -> dict:
    """An OpenID4VP request that sends the holder's answer to ``response_uri``."""
    return {
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "client_id": f"redirect_uri:{response_uri}",
        "response_uri": response_uri,
        "nonce": "n-0123456789",
        "state": "s-0123456789",
        "dcql_query": dcql_query,
    }


def review(http: httpx.Client, url: str, rp: str = "bank") -> tuple[dict, dict]:
    """A relying party's new request and the wallet's review of it (as the holder sees it)."""
    request = http.post(f"{url}/verifier/{rp}/requests")
    assert request.status_code == 200, request.text
    shown = http.post(f"{url}/wallet/sasha/presentations", json={"request": request.json()["request_uri"]})
    assert shown.status_code == 200, shown.text
    return request.json(), shown.json()


def wallet_state(http: httpx.Client, url: str) -> dict:
    """Everything a stranger's call could change in Sasha's wallet and at her issuers."""
    credentials = http.get(f"{url}/wallet/sasha/credentials")
    consents = http.get(f"{url}/wallet/sasha/consents")
    issuances = http.get(f"{url}/issuers/prov1/issuances")
    assert credentials.status_code == consents.status_code == issuances.status_code == 200
    return {
        "credentials": [(c["id"], c["type"], c["status"], c["replaced_by"]) for c in credentials.json()],
        "consents": consents.json(),
        "issuances": [(i["id"], i["status"]) for i in issuances.json()],
    }


def request_status(http: httpx.Client, url: str, state: str, rp: str = "bank") -> str:
    answer = http.get(f"{url}/verifier/{rp}/requests/{state}")
    assert answer.status_code == 200, answer.text
    return answer.json()["status"]


# -- 1. the wallet's routes belong to its holder ---------------------------------------------------
def test_a_wallet_answers_only_its_own_holder(sandbox, http, anonymous):
    url = sandbox.url
    sasha.run(url, http)
    credentials = http.get(f"{url}/wallet/sasha/credentials").json()
    person = next(c for c in credentials if c["type"] == "VerifiedPerson")
    request, shown = review(http, url)
    fresh = offered(http, url)
    before = wallet_state(http, url)
    moved = {**SASHA["address"], "street_address": "1 Attacker Lane"}
    routes = [
        ("GET", "/wallet/sasha", None),
        ("GET", "/wallet/sasha/credentials", None),
        ("GET", "/wallet/sasha/consents", None),
        ("POST", "/wallet/sasha/offers", {"offer": fresh["uri"], "tx_code": fresh["tx_code"]}),
        ("POST", "/wallet/sasha/presentations", {"request": stranger_request(bank_dcql(anonymous, url), ATTACKER)}),
        (
            "POST",
            f"/wallet/sasha/presentations/{shown['request_id']}/decision",
            {"approve": True, "review_hash": shown["review_hash"]},
        ),
        ("POST", f"/wallet/sasha/credentials/{person['id']}/reissue", {"changes": {"address": moved}}),
        ("POST", f"/wallet/sasha/credentials/{person['id']}/renew", None),
    ]
    for method, path, body in routes:
        assert_refused(anonymous.request(method, f"{url}{path}", json=body), 401, "unauthorized")

    opened = anonymous.put(f"{url}/wallet/mallory")
    assert opened.status_code == 201, opened.text
    mallory = opened.json()["token"]
    with httpx.Client(timeout=15, headers=bearer(mallory)) as other_holder:
        assert other_holder.get(f"{url}/wallet/mallory").status_code == 200
        for method, path, body in routes:
            assert_refused(other_holder.request(method, f"{url}{path}", json=body), 403, "forbidden")

    # Opening her wallet again hands nobody a token for it.
    again = assert_refused(anonymous.put(f"{url}/wallet/sasha"), 409, "conflict")
    assert set(again) == {"error", "error_description"}

    # Nothing changed: no new credential, her Verified Person neither replaced nor revoked, no
    # consent, and the bank's request still waits for her.
    assert wallet_state(http, url) == before
    assert next(c for c in wallet_state(http, url)["credentials"] if c[0] == person["id"])[2:] == ("valid", None)
    assert request_status(http, url, request["state"]) == "pending"
    assert http.get(f"{url}/wallet/sasha").status_code == 200


# -- 2. consent is bound to what was shown ---------------------------------------------------------
def _altered(digest: str) -> str:
    """``digest`` with its last hex digit changed (never to the same digit)."""
    return digest[:-1] + ("1" if digest[-1] == "0" else "0")


def test_an_approval_must_name_the_review_that_was_shown(sandbox, http):
    url = sandbox.url
    sasha.run(url, http)
    request, shown = review(http, url, "bank")
    _other_request, other = review(http, url, "bank-personal")
    assert other["review_hash"] != shown["review_hash"]
    before = wallet_state(http, url)
    decide = f"{url}/wallet/sasha/presentations/{shown['request_id']}/decision"
    for body in (
        {"approve": True},
        {"approve": True, "review_hash": None},
        {"approve": True, "review_hash": other["review_hash"]},
        {"approve": True, "review_hash": _altered(shown["review_hash"])},
    ):
        assert_refused(http.post(decide, json=body), 409, "consent_mismatch")
    # Nothing reached the bank and nothing was recorded.
    assert request_status(http, url, request["state"]) == "pending"
    assert wallet_state(http, url) == before
    # The review itself is still hers to approve.
    approved = http.post(decide, json={"approve": True, "review_hash": shown["review_hash"]})
    assert approved.status_code == 200, approved.text
    assert request_status(http, url, request["state"]) == "accepted"


# -- 3. the wallet is no proxy into its own network ------------------------------------------------
def test_the_wallet_refuses_private_addresses_before_connecting(sandbox, http, anonymous):
    url = sandbox.url
    sasha.run(url, http)
    before = wallet_state(http, url)
    offer = offered(http, url)
    by_value = {
        "credential_configuration_ids": ["VerifiedPerson"],
        "grants": {PRE_AUTH_GRANT: {"pre-authorized_code": offer["code"]}},
    }
    for target in PRIVATE_TARGETS:
        # An offer by reference at a private address.
        assert_refused(
            http.post(f"{url}/wallet/sasha/offers", json={"offer": {"credential_offer_uri": target}}),
            400,
            "url_not_allowed",
        )
        link = "openid-credential-offer://?credential_offer_uri=" + quote(target, safe="")
        assert_refused(http.post(f"{url}/wallet/sasha/offers", json={"offer": link}), 400, "url_not_allowed")
        # An offer by value naming an issuer at a private address (its metadata would be fetched there).
        assert_refused(
            http.post(
                f"{url}/wallet/sasha/offers",
                json={"offer": {**by_value, "credential_issuer": target.rstrip("/")}, "tx_code": offer["tx_code"]},
            ),
            400,
            "url_not_allowed",
        )
        # A presentation request whose answer would be posted to a private address.
        shown = http.post(
            f"{url}/wallet/sasha/presentations", json={"request": stranger_request(bank_dcql(anonymous, url), target)}
        )
        if shown.status_code != 200:
            assert_refused(shown, 400, "url_not_allowed")
            continue
        decide = f"{url}/wallet/sasha/presentations/{shown.json()['request_id']}/decision"
        assert_refused(
            http.post(decide, json={"approve": True, "review_hash": shown.json()["review_hash"]}),
            400,
            "url_not_allowed",
            "endpoint_unreachable",
        )
        # Refused, so neither decided nor recorded: declining now is still possible (and refused the same way).
        assert_refused(http.post(decide, json={"approve": False}), 400, "url_not_allowed", "endpoint_unreachable")
    assert wallet_state(http, url) == before


def test_failed_fetches_say_nothing_about_the_network(settings, http):
    """A refused port, a closed port and a port that never answers give the same error, apart
    from the URL the caller gave: nothing says which happened."""
    quick = settings.model_copy(update={"http_timeout_seconds": 1.0})
    silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.settimeout(0.2)
    stop, held = threading.Event(), []

    def accept_and_sleep() -> None:
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    acceptor = threading.Thread(target=accept_and_sleep, daemon=True)
    acceptor.start()
    ports = {"refused": free_port(), "closed": free_port(), "silent": silent.getsockname()[1]}
    try:
        with serve_sandbox(quick, SystemClock()) as server:
            url = server.url
            assert http.put(f"{url}/wallet/sasha").status_code == 201
            answers = {}
            for kind, port in ports.items():
                target = f"http://127.0.0.1:{port}/offer"
                body = assert_refused(
                    http.post(f"{url}/wallet/sasha/offers", json={"offer": {"credential_offer_uri": target}}),
                    502,
                    "endpoint_unreachable",
                )
                answers[kind] = body["error_description"].replace(target, "<url>")
    finally:
        stop.set()
        acceptor.join(5)
        for conn in held:
            conn.close()
        silent.close()
    assert len(set(answers.values())) == 1, answers
    text = answers["refused"].lower()
    for detail in (
        "refused",
        "errno",
        "timed out",
        "timeout",
        "reset",
        "connecterror",
        "readtimeout",
        "oserror",
        "[",
        "111",
        "econn",
    ):
        assert detail not in text, (detail, answers)
    assert str(ports["silent"]) not in answers["silent"]


# -- 4. codes cannot be guessed --------------------------------------------------------------------
def test_five_wrong_transaction_codes_void_the_offer(sandbox, http, anonymous):
    url = sandbox.url
    offer = offered(http, url)
    for k in range(1, 6):
        assert_refused(token_request(anonymous, url, offer["code"], wrong(offer["tx_code"], k)), 400, "invalid_grant")
    void = assert_refused(token_request(anonymous, url, offer["code"], offer["tx_code"]), 400, "invalid_grant")
    assert "access_token" not in void
    # Not through the wallet either.
    assert http.put(f"{url}/wallet/sasha").status_code == 201
    assert_refused(
        http.post(f"{url}/wallet/sasha/offers", json={"offer": offer["uri"], "tx_code": offer["tx_code"]}),
        400,
        "invalid_grant",
    )
    assert http.get(f"{url}/wallet/sasha/credentials").json() == []


def test_guessing_pre_authorized_codes_ends_in_too_many_attempts(settings, http, anonymous):
    with serve_sandbox(settings.model_copy(update={"auth_failure_limit": 3}), SystemClock()) as server:
        url = server.url
        offer = offered(http, url)
        for k in range(3):
            assert_refused(
                token_request(anonymous, url, f"guess-{k:04d}-abcdefghijklmnopqrstuvwxyz"), 400, "invalid_grant"
            )
        limited = token_request(anonymous, url, "guess-9999-abcdefghijklmnopqrstuvwxyz")
        assert_refused(limited, 429, "too_many_attempts")
        assert int(limited.headers["Retry-After"]) >= 1
        # Past the limit even the right code is not compared (so not used up either).
        assert_refused(token_request(anonymous, url, offer["code"], offer["tx_code"]), 429, "too_many_attempts")


def test_a_forwarded_for_header_does_not_reset_the_count(settings, anonymous):
    """Failed attempts are counted against the connection's address, not one the client names."""
    with serve_sandbox(settings.model_copy(update={"auth_failure_limit": 3}), SystemClock()) as server:
        form = {"grant_type": PRE_AUTH_GRANT}
        answers = [
            anonymous.post(
                f"{server.url}/issuers/prov1/token",
                headers={"X-Forwarded-For": f"203.0.113.{k}"},
                data={**form, "pre-authorized_code": f"guess-{k:04d}-abcdefghijklmnopqrstuvwxyz"},
            )
            for k in range(5)
        ]
        assert [a.status_code for a in answers] == [400, 400, 400, 429, 429]


# -- 5. one issuer's staff token opens that issuer only -------------------------------------------
def test_one_issuers_staff_cannot_act_for_another(sandbox, settings, anonymous):
    url = sandbox.url
    death = {**SASHA_FATHER_DEATH, "date_of_death": "2024-01-02"}
    director = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
    routes = [
        ("POST", "/issuers/prov2/proofing", {**SASHA, "evidence": SASHA_EVIDENCE}),
        ("POST", "/issuers/fed/incorporations", {"legal_name": "Shell Co.", "director": director, "role": "director"}),
        ("POST", "/issuers/vitalstats/deaths", death),
        ("GET", "/issuers/prov2/issuances", None),
    ]
    prov1 = bearer(settings.issuer_staff_token("prov1"))
    for method, path, body in routes:
        assert_refused(anonymous.request(method, f"{url}{path}", json=body, headers=prov1), 403, "forbidden")
    for method, path, body in routes:
        assert_refused(
            anonymous.request(method, f"{url}{path}", json=body, headers=bearer("not-a-staff-token-0123456789abcdef")),
            401,
            "unauthorized",
        )
        assert_refused(anonymous.request(method, f"{url}{path}", json=body), 401, "unauthorized")
    # Nothing was done: prov2 and fed issued nothing, and the death is not on the register (its
    # own staff can still register it).
    for issuer in ("prov2", "fed"):
        listed = anonymous.get(f"{url}/issuers/{issuer}/issuances", headers=bearer(settings.issuer_staff_token(issuer)))
        assert listed.status_code == 200 and listed.json() == []
    registered = anonymous.post(
        f"{url}/issuers/vitalstats/deaths", json=death, headers=bearer(settings.issuer_staff_token("vitalstats"))
    )
    assert registered.status_code == 201, registered.text


# -- 6. odd input is refused with a reason, and the connection stays usable ------------------------
def test_long_offer_uris_and_lone_surrogates_are_refused_without_a_500(sandbox, http):
    url = sandbox.url
    base = offered(http, url)["uri"]
    for length in (2_300, 2_900, 4_000):
        uri = base + "&pad=" + "x" * (length - len(base) - 5)
        assert len(uri) == length
        answer = http.get(f"{url}/issuers/prov1/offer.svg", params={"uri": uri})
        assert answer.status_code != 500, answer.text[:300]
        if length <= 2_953:  # fits a version 40 QR code in byte mode
            assert answer.status_code == 200, (length, answer.text[:300])
            assert answer.headers["content-type"].startswith("image/svg+xml")
        else:
            assert_refused(answer, 400, "bad_request")
        after = http.get(f"{url}/health")
        assert after.status_code == 200 and after.json()["status"] == "ok", length

    before = http.get(f"{url}/issuers/prov1/issuances").json()
    body = json.dumps({**SASHA, "given_name": "\ud800", "evidence": SASHA_EVIDENCE})
    assert "\\ud800" in body
    answer = http.post(
        f"{url}/issuers/prov1/proofing", content=body.encode("ascii"), headers={"content-type": "application/json"}
    )
    assert_refused(answer, 400, "bad_request")
    after = http.get(f"{url}/issuers/prov1/issuances")
    assert after.status_code == 200 and after.json() == before
    assert proof_sasha(http, url).status_code == 200


# -- 7. bodies are limited -------------------------------------------------------------------------
def test_a_body_over_the_limit_is_refused_declared_or_chunked(settings, http):
    with serve_sandbox(settings.model_copy(update={"max_body_bytes": 10_000}), SystemClock()) as server:
        url = server.url
        before = http.get(f"{url}/issuers/prov1/issuances").json()
        large = json.dumps({**SASHA, "evidence": SASHA_EVIDENCE, "note": "x" * 20_000}).encode()

        def chunks():
            for start in range(0, len(large), 1_000):
                yield large[start : start + 1_000]

        declared = http.post(
            f"{url}/issuers/prov1/proofing", content=large, headers={"content-type": "application/json"}
        )
        assert "content-length" in declared.request.headers
        assert_refused(declared, 413, "request_too_large")
        assert http.get(f"{url}/health").status_code == 200

        chunked = http.post(
            f"{url}/issuers/prov1/proofing", content=chunks(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in chunked.request.headers
        assert chunked.request.headers.get("transfer-encoding") == "chunked"
        assert_refused(chunked, 413, "request_too_large")

        # The service is fine afterwards, and nothing was issued.
        assert http.get(f"{url}/health").status_code == 200
        assert http.get(f"{url}/issuers/prov1/issuances").json() == before
        assert proof_sasha(http, url).status_code == 200


# -- 8. names a person can have ------------------------------------------------------------------
@pytest.mark.parametrize(
    "changes",
    [
        {"given_name": "Sa\x00sha"},
        {"given_name": "Sasha\u202eahsaS"},
        {"given_name": "Sa\u200bsha"},
        {"given_name": "S" * 100_000},
        {"birthdate": "2999-06-14"},
    ],
    ids=["nul", "right-to-left-override", "zero-width-space", "100k-characters", "born-in-2999"],
)
def test_names_and_birthdates_no_person_has_are_refused(sandbox, http, changes):
    url = sandbox.url
    answer = proof_sasha(http, url, **changes)
    assert_refused(answer, 422 if answer.status_code == 422 else 400, "claims_invalid", "bad_request")
    assert http.get(f"{url}/issuers/prov1/issuances").json() == []


# -- 9. access logs ------------------------------------------------------------------------------
def test_access_logs_hold_no_code_token_or_claim(sandbox, settings, caplog):
    url = sandbox.url
    secrets_seen: set[str] = set()

    def keep(value) -> None:
        if isinstance(value, str) and len(value) >= 6:
            secrets_seen.add(value)

    def walk(value, key: str | None = None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif key in (
            "pre-authorized_code",
            "tx_code",
            "token",
            "access_token",
            "state",
            "nonce",
            "review_hash",
            "request_id",
            "credential_offer_uri",
            "request_uri",
        ):
            keep(value)

    def on_request(request: httpx.Request) -> None:
        keep(request.headers.get("authorization", "").partition(" ")[2])

    def on_response(response: httpx.Response) -> None:
        response.read()
        try:
            walk(response.json())
        except ValueError:
            pass

    from scenarios.keyring import Keyring

    watched = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    for logger in watched:
        logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="pctf.access")
    try:
        with httpx.Client(
            timeout=15, auth=Keyring(settings), event_hooks={"request": [on_request], "response": [on_response]}
        ) as client:
            sasha.run(url, client)
            offer = offered(client, url)
            qr = client.get(f"{url}/issuers/prov1/offer.svg", params={"uri": offer["uri"]})
            assert qr.status_code == 200
            # A few refusals too: their paths and query strings carry codes as well.
            token_request(client, url, offer["code"], wrong(offer["tx_code"], 1))
            client.get(f"{url}/wallet/sasha/credentials?token={offer['code']}")
    finally:
        for logger in watched:
            logger.removeHandler(caplog.handler)
    for role_token in [settings.issuer_staff_token(i) for i in ("prov1", "fed")] + [
        settings.relying_party_token("bank"),
        settings.wallet_token("sasha"),
    ]:
        keep(role_token)
    assert offer["code"] in secrets_seen and offer["tx_code"] in secrets_seen
    claims = ["Sasha", "Tremblay", "1988-06-14", "42 Birch Street", "A1B 2C3", "Maple Leaf Designs", "/wallet/sasha"]

    # The server's records: the test's own client logs its requests on this thread, URLs included.
    server_side = [
        r
        for r in caplog.records
        if not (r.thread == threading.get_ident() and r.name.split(".")[0] in ("httpx", "httpcore"))
    ]
    access = [r for r in server_side if r.name == "pctf.access"]
    assert len(access) >= 20, "the access log is silent"
    assert any("/wallet/{wallet_id}/offers" in r.getMessage() for r in access)
    assert any("/issuers/{issuer}/offer.svg" in r.getMessage() for r in access)
    for record in server_side:
        text = record.getMessage() + (record.exc_text or "")
        leaked = [s for s in secrets_seen | set(claims) if s in text]
        assert not leaked, (record.name, text[:300], leaked)


# -- 10. verdicts are the relying party's back end's only ------------------------------------------
def test_a_verdict_is_read_by_its_relying_partys_back_end_only(sandbox, settings, http, anonymous):
    url = sandbox.url
    state = sasha.run(url, http)["state"]
    result = f"{url}/verifier/bank/requests/{state}"
    assert_refused(anonymous.get(result), 401, "unauthorized")
    assert_refused(anonymous.get(result, headers=bearer(settings.wallet_token("sasha"))), 401, "unauthorized")
    assert_refused(anonymous.get(result, headers=bearer(settings.issuer_staff_token("prov1"))), 401, "unauthorized")
    assert_refused(
        anonymous.get(result, headers=bearer(settings.relying_party_token("prov2-health"))), 403, "forbidden"
    )
    own = anonymous.get(result, headers=bearer(settings.relying_party_token("bank")))
    assert own.status_code == 200, own.text
    assert own.json()["status"] == "accepted" and own.json()["verdict"]["accepted"] is True
