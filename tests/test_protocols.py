"""OpenID4VCI and OpenID4VP as a foreign wallet or verifier would meet them: by hand, over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from pctf import sdjwt
from pctf.clock import FrozenClock
from pctf.jose import generate_key
from pctf.oid4vci import PRE_AUTH_GRANT, PROOF_TYP
from scenarios import sasha
from scenarios.personas import SASHA, SASHA_EVIDENCE
from tests.support import serve_sandbox


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def server(settings, clock):
    with serve_sandbox(settings, clock) as running:
        yield running


def _offer(server, http):
    return http.post(f"{server.url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE}).json()


def _token(server, http, offer, **overrides):
    grant = offer["credential_offer"]["grants"][PRE_AUTH_GRANT]
    form = {
        "grant_type": PRE_AUTH_GRANT,
        "pre-authorized_code": grant["pre-authorized_code"],
        "tx_code": offer["tx_code"],
        **overrides,
    }
    return http.post(f"{server.url}/issuers/prov1/token", data=form)


def _proof(server, http, holder, clock, *, nonce=None, aud=None, typ=PROOF_TYP, header=None):
    nonce = nonce or http.post(f"{server.url}/issuers/prov1/nonce").json()["c_nonce"]
    return holder.sign(
        {"aud": aud or f"{server.url}/issuers/prov1", "iat": clock.timestamp(), "nonce": nonce},
        typ=typ,
        header={"jwk": holder.public_jwk, **(header or {})},
        include_kid=False,
    )


def _credential(server, http, token, proof, config="VerifiedPerson"):
    return http.post(
        f"{server.url}/issuers/prov1/credential",
        headers={"Authorization": f"Bearer {token}"},
        json={"credential_configuration_id": config, "proofs": {"jwt": [proof]}},
    )


def test_metadata_documents_are_well_formed(server, http):
    issuer = f"{server.url}/issuers/prov1"
    meta = http.get(f"{server.url}/.well-known/openid-credential-issuer/issuers/prov1").json()
    assert meta["credential_issuer"] == issuer
    assert meta["credential_endpoint"] == f"{issuer}/credential" and meta["nonce_endpoint"] == f"{issuer}/nonce"
    config = meta["credential_configurations_supported"]["VerifiedPerson"]
    assert config["format"] == "dc+sd-jwt" and config["cryptographic_binding_methods_supported"] == ["jwk"]
    assert (
        http.get(f"{server.url}/.well-known/oauth-authorization-server/issuers/prov1").json()["token_endpoint"]
        == f"{issuer}/token"
    )
    vc_meta = http.get(f"{server.url}/.well-known/jwt-vc-issuer/issuers/prov1").json()
    assert vc_meta["issuer"] == issuer and "jwks" in vc_meta and "jwks_uri" not in vc_meta
    assert all("d" not in k for k in vc_meta["jwks"]["keys"])


def test_a_foreign_wallet_can_run_the_pre_authorized_flow(server, http, clock):
    holder = generate_key()
    offer = _offer(server, http)
    token = _token(server, http, offer)
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    answer = _credential(server, http, token.json()["access_token"], _proof(server, http, holder, clock))
    assert answer.status_code == 200, answer.text
    issued = sdjwt.SdJwt.parse(answer.json()["credentials"][0]["credential"])
    assert issued.header["typ"] == "dc+sd-jwt" and issued.payload["cnf"]["jwk"]["x"] == holder.public_jwk["x"]


def test_token_endpoint_errors(server, http):
    offer = _offer(server, http)
    assert _token(server, http, offer, grant_type="client_credentials").json()["error"] == "unsupported_grant_type"
    assert _token(server, http, offer, **{"pre-authorized_code": "nope"}).json()["error"] == "invalid_grant"
    assert _token(server, http, offer).status_code == 200
    assert _token(server, http, offer).json()["error"] == "invalid_grant"  # single use


def test_credential_endpoint_errors(server, http, clock):
    holder = generate_key()
    token = _token(server, http, _offer(server, http)).json()["access_token"]

    def error(proof, config="VerifiedPerson", bearer=token):
        response = _credential(server, http, bearer, proof, config)
        assert response.status_code in (400, 401), response.text
        return response.json()["error"]

    assert error(_proof(server, http, holder, clock), bearer="forged") == "invalid_token"
    assert (
        error(_proof(server, http, holder, clock), config="VerifiedOrganization") == "unknown_credential_configuration"
    )
    assert error(_proof(server, http, holder, clock, typ="JWT")) == "invalid_proof"
    assert error(_proof(server, http, holder, clock, aud="https://another-issuer.example")) == "invalid_proof"
    assert error(_proof(server, http, holder, clock, header={"jwk": holder.private_jwk})) == "invalid_proof"
    assert error(_proof(server, http, holder, clock, header={"jwk": generate_key().public_jwk})) == "invalid_proof"
    assert error(_proof(server, http, holder, clock, nonce="never-issued")) == "invalid_nonce"
    nonce = http.post(f"{server.url}/issuers/prov1/nonce").json()["c_nonce"]
    clock.advance(timedelta(minutes=6))
    assert error(_proof(server, http, holder, clock, nonce=nonce)) == "invalid_nonce"  # expired
    # Nothing was issued by any of these.
    assert http.get(f"{server.url}/issuers/prov1/issuances").json() == []
    reused = http.post(f"{server.url}/issuers/prov1/nonce").json()["c_nonce"]
    assert _credential(server, http, token, _proof(server, http, holder, clock, nonce=reused)).status_code == 200
    assert error(_proof(server, http, holder, clock, nonce=reused)) in ("invalid_nonce", "invalid_credential_request")
    assert error(_proof(server, http, holder, clock)) == "invalid_credential_request"  # already issued


def test_wallet_without_matching_credentials_says_so(server, http):
    http.put(f"{server.url}/wallet/newcomer")
    request = http.post(f"{server.url}/verifier/bank/requests").json()
    review = http.post(f"{server.url}/wallet/newcomer/presentations", json={"request": request["request_uri"]})
    assert review.status_code == 409 and review.json()["error"] == "no_matching_credential"


def test_wallet_refuses_a_request_whose_client_id_is_not_its_response_uri(server, http):
    sasha.run(server.url, http)
    request = http.post(f"{server.url}/verifier/bank/requests").json()["request"]
    hijacked = {**request, "response_uri": "https://attacker.example/collect"}
    review = http.post(f"{server.url}/wallet/sasha/presentations", json={"request": hijacked})
    assert review.status_code == 400 and "client_id" in review.json()["error_description"]


def test_request_link_carries_the_dcql_query(server, http):
    created = http.post(f"{server.url}/verifier/bank/requests").json()
    query = parse_qs(urlsplit(created["request_uri"]).query)
    assert query["response_mode"] == ["direct_post"] and query["client_id"][0].startswith("redirect_uri:")
    dcql = json.loads(query["dcql_query"][0])
    assert [c["id"] for c in dcql["credentials"]] == ["person", "organization", "relationship"]
    assert all(c["format"] == "dc+sd-jwt" for c in dcql["credentials"])


def test_an_answer_after_the_request_expired_is_refused(server, http, clock):
    sasha.run(server.url, http)
    request = http.post(f"{server.url}/verifier/bank/requests").json()
    review = http.post(f"{server.url}/wallet/sasha/presentations", json={"request": request["request"]}).json()
    clock.advance(timedelta(minutes=11))
    answer = http.post(
        f"{server.url}/wallet/sasha/presentations/{review['request_id']}/decision",
        json={"approve": True, "review_hash": review["review_hash"]},
    )
    assert answer.status_code == 400 and answer.json()["error"] == "request_expired"
    assert http.get(f"{server.url}/verifier/bank/requests/{request['state']}").json()["status"] == "pending"
    # Nothing was delivered, so the wallet records no consent and the request stays open.
    assert len(http.get(f"{server.url}/wallet/sasha/consents").json()) == 1  # only the journey's own
