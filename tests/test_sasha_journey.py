"""Sasha's journey end to end over real HTTP (uvicorn on loopback), and what must refuse."""

from __future__ import annotations

import json

import pytest

from pctf.clock import SystemClock
from pctf.storage import dispose_all
from scenarios import sasha
from scenarios.personas import SASHA
from tests.support import serve_sandbox


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request) -> str:
    """The journey runs on the embedded SQLite default and on PostgreSQL."""
    return request.param


ENGINE_CHECKS = {
    "format",
    "credential_type",
    "issuer_known",
    "signature",
    "disclosures",
    "validity",
    "issuer_key",
    "holder_binding",
    "issuer_authorized",
    "credential_status",
}
POLICY_CHECKS = {"claims_disclosed", "loa", "organization_active", "role_accepted", "linked", "same_holder"}


def test_sasha_opens_her_account(sandbox, http):
    events = []
    result = sasha.run(sandbox.url, http, lambda event, **data: events.append(event))
    verdict = result["verdict"]
    assert verdict["accepted"] is True, verdict["reasons"]
    assert verdict["reasons"] == []
    names = {c["check"] for c in verdict["checks"]}
    assert names >= ENGINE_CHECKS | POLICY_CHECKS
    for query in ("person", "organization", "relationship"):
        assert {c["check"] for c in verdict["checks"] if c["credential"] == query} >= ENGINE_CHECKS
    assert events[:3] == ["wallet", "proofing", "proofed"] and events[-1] == "verdict"
    # The bank learned only what it asked for: the person's disclosed claims are exactly its query.
    person = verdict["credentials"]["person"]["claims"]
    assert set(person) == {"given_name", "family_name", "birthdate", "address", "assurance_level"}
    assert verdict["credentials"]["organization"]["claims"]["business_number"] == result["business_number"]


def test_wallet_discloses_only_requested_claims_and_records_consent(sandbox, http):
    sasha.run(sandbox.url, http)
    consents = http.get(f"{sandbox.url}/wallet/sasha/consents").json()
    assert len(consents) == 1 and consents[0]["decision"] == "approved"
    disclosed = {c["type"]: c["paths"] for c in consents[0]["disclosed"]}
    assert disclosed["VerifiedOrganization"] == [
        ["legal_name"],
        ["business_number"],
        ["jurisdiction_of_incorporation"],
        ["corporate_status"],
    ]
    # incorporation_date and registered_office were never requested, so never sent.
    assert ["incorporation_date"] not in disclosed["VerifiedOrganization"]


def test_declined_consent_sends_nothing_and_the_bank_records_it(sandbox, http):
    result = sasha.run(sandbox.url, http, approve=False)
    assert result["verdict"]["accepted"] is False
    assert result["verdict"]["reasons"] == ["consent_required"]
    assert http.get(f"{sandbox.url}/wallet/sasha/consents").json()[-1]["decision"] == "declined"


def _capture_vp_token(sandbox, http):
    """Run the journey, then build a fresh vp_token for a new request, as an eavesdropper would see it."""
    sasha.run(sandbox.url, http)
    request = http.post(f"{sandbox.url}/verifier/bank/requests").json()
    review = http.post(f"{sandbox.url}/wallet/sasha/presentations", json={"request": request["request"]}).json()
    return request, review


def test_replayed_response_is_refused_and_the_verdict_stands(sandbox, http):
    result = sasha.run(sandbox.url, http)
    state = result["state"]
    replay = http.post(f"{sandbox.url}/verifier/bank/response", data={"state": state, "vp_token": "{}"})
    assert replay.status_code == 400 and replay.json()["error"] == "presentation_replayed"
    assert http.get(f"{sandbox.url}/verifier/bank/requests/{state}").json()["verdict"]["accepted"] is True


def test_presentation_replayed_to_a_new_request_fails_on_nonce(sandbox, http, settings):
    from pctf import sdjwt
    from wallet.service import WalletService

    sasha.run(sandbox.url, http)
    old = http.post(f"{sandbox.url}/verifier/bank/requests").json()
    # The wallet answers the old request; an attacker captures that vp_token ...
    wallet = WalletService(settings, SystemClock(), http)
    holder = wallet.holder_key("sasha")
    creds = {
        c["type"]: c
        for c in wallet._rows("sasha")
        and [{"type": r.type_name, "credential": r.credential} for r in wallet._rows("sasha")]
    }
    vp_token = {
        q: [
            sdjwt.present(
                creds[t]["credential"],
                holder,
                reveal=[(p,) for p in paths],
                aud=old["request"]["client_id"],
                nonce=old["request"]["nonce"],
                iat=SystemClock().timestamp(),
            )
        ]
        for q, t, paths in (
            ("person", "VerifiedPerson", ("given_name", "family_name", "birthdate", "address")),
            (
                "organization",
                "VerifiedOrganization",
                ("legal_name", "business_number", "jurisdiction_of_incorporation", "corporate_status"),
            ),
            ("relationship", "VerifiedRelationship", ("relationship_type", "person", "organization")),
        )
    }
    first = http.post(
        f"{sandbox.url}/verifier/bank/response", data={"state": old["state"], "vp_token": json.dumps(vp_token)}
    )
    assert first.json()["status"] == "accepted"
    # ... and replays it against a fresh request: the nonce no longer matches.
    new = http.post(f"{sandbox.url}/verifier/bank/requests").json()
    http.post(f"{sandbox.url}/verifier/bank/response", data={"state": new["state"], "vp_token": json.dumps(vp_token)})
    verdict = http.get(f"{sandbox.url}/verifier/bank/requests/{new['state']}").json()["verdict"]
    assert verdict["accepted"] is False and "nonce_mismatch" in verdict["reasons"]


@pytest.mark.slow
def test_state_survives_a_restart(settings, http):
    server = serve_sandbox(settings, SystemClock())
    try:
        sasha.run(server.url, http)
        before = http.get(f"{server.url}/wallet/sasha/credentials").json()
        entity = http.get(f"{server.url}/registry/entity", params={"entity_id": settings.issuer_id("prov1")}).json()
    finally:
        server.stop()
        dispose_all()
    server = serve_sandbox(settings, SystemClock())
    try:
        after = http.get(f"{server.url}/wallet/sasha/credentials").json()
        assert [c["id"] for c in after] == [c["id"] for c in before] and len(after) == 3
        again = http.get(f"{server.url}/registry/entity", params={"entity_id": settings.issuer_id("prov1")}).json()
        assert again["jwks"] == entity["jwks"] and again["authorizations"] == entity["authorizations"]
        # And the credentials still work after the restart.
        assert sasha.run(server.url, http)["verdict"]["accepted"] is True
    finally:
        server.stop()


def test_bad_input_gets_4xx_with_a_reason_and_changes_nothing(sandbox, http):
    base = sandbox.url
    http.put(f"{base}/wallet/sasha")
    cases = [
        (
            http.post(
                f"{base}/issuers/prov1/proofing", content=b"{not json", headers={"content-type": "application/json"}
            ),
            400,
            "bad_request",
        ),
        (http.post(f"{base}/issuers/prov1/proofing", json={"given_name": "Sasha"}), 400, "claims_invalid"),
        (http.post(f"{base}/issuers/prov1/proofing", json=SASHA), 422, "evidence_insufficient"),
        (http.post(f"{base}/issuers/nowhere/proofing", json={}), 401, "unauthorized"),
        (http.post(f"{base}/issuers/fed/incorporations", json={"legal_name": ""}), 400, "claims_invalid"),
        (
            http.post(
                f"{base}/issuers/prov1/token",
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                    "pre-authorized_code": "guess",
                },
            ),
            400,
            "invalid_grant",
        ),
        (http.post(f"{base}/issuers/prov1/credential", json={}), 401, "invalid_token"),
        (
            http.post(
                f"{base}/wallet/sasha/offers", json={"offer": "openid-credential-offer://?credential_offer=%7Bbad"}
            ),
            400,
            "bad_request",
        ),
        (http.post(f"{base}/wallet/sasha/presentations", json={"request": {"client_id": "x"}}), 400, "bad_request"),
        (http.get(f"{base}/wallet/nobody/credentials"), 401, "unauthorized"),
        (http.post(f"{base}/verifier/bank/response", data={"state": "unknown", "vp_token": "{}"}), 404, "not_found"),
        (http.post(f"{base}/verifier/nobank/requests"), 401, "unauthorized"),
        (http.post(f"{base}/registry/authorization", json={"entity_id": 3}), 400, "bad_request"),
        (http.post(f"{base}/registry/entities", json={}), 401, "unauthorized"),
    ]
    for response, status, reason in cases:
        assert (response.status_code, response.json()["error"]) == (status, reason), response.request.url
    assert http.get(f"{base}/wallet/sasha/credentials").json() == []
    assert http.get(f"{base}/issuers/prov1/issuances").json() == []


def test_proofing_refuses_evidence_that_names_someone_else(sandbox, http):
    from scenarios.personas import SASHA, SASHA_EVIDENCE

    evidence = [dict(SASHA_EVIDENCE[0], birthdate="1990-01-01"), SASHA_EVIDENCE[1]]
    response = http.post(f"{sandbox.url}/issuers/prov1/proofing", json={**SASHA, "evidence": evidence})
    assert response.status_code == 422 and response.json()["error"] == "evidence_mismatch"


def test_offer_is_single_use_and_needs_its_transaction_code(sandbox, http):
    from scenarios.personas import SASHA, SASHA_EVIDENCE

    base = sandbox.url
    http.put(f"{base}/wallet/sasha")
    offer = http.post(f"{base}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE}).json()
    wrong = http.post(
        f"{base}/wallet/sasha/offers",
        json={
            "offer": offer["credential_offer_uri"],
            "tx_code": "000000" if offer["tx_code"] != "000000" else "111111",
        },
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # A wrong code burns nothing: the holder can still type the right one ...
    # (the pre-authorized code is only redeemed by a successful token request)
    ok = http.post(
        f"{base}/wallet/sasha/offers", json={"offer": offer["credential_offer_uri"], "tx_code": offer["tx_code"]}
    )
    assert ok.status_code == 200 and ok.json()[0]["type"] == "VerifiedPerson"
    # ... but only once.
    again = http.post(
        f"{base}/wallet/sasha/offers", json={"offer": offer["credential_offer_uri"], "tx_code": offer["tx_code"]}
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_credential_offer_as_a_qr_code(sandbox, http):
    from scenarios.personas import SASHA, SASHA_EVIDENCE

    offer = http.post(f"{sandbox.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE}).json()
    qr = http.get(f"{sandbox.url}/issuers/prov1/offer.svg", params={"uri": offer["credential_offer_uri"]})
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<?xml") and "<svg" in qr.text
    bad = http.get(f"{sandbox.url}/issuers/prov1/offer.svg", params={"uri": "https://elsewhere.example"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
