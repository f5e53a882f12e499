"""The wallet-initiated authorization code flow (OpenID4VCI 3.4, with PAR and PKCE) as a foreign
wallet meets it: written by hand with httpx, over HTTP, against a served sandbox. The wallet
knows only the issuer's URL; the person proves who they are on the issuer's own page; the
credential that comes out is the proofed person's, and the sandbox verifier accepts it."""

from __future__ import annotations

import html
import json
import re
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from pctf import oid4vp, sdjwt
from pctf.clock import FrozenClock
from pctf.http import well_known_url
from pctf.jose import generate_key
from pctf.oid4vci import PROOF_TYP, REQUEST_URI_PREFIX, pkce_challenge
from pctf.reasons import Reason
from scenarios.personas import SASHA, SASHA_EVIDENCE
from tests.support import serve_sandbox

REDIRECT_URI = "https://wallet.example/callback"
CLIENT_ID = "hand-written-wallet"
DETAILS = [{"type": "openid_credential", "credential_configuration_id": "VerifiedPerson"}]


@pytest.fixture
def clock():
    return FrozenClock()


@pytest.fixture
def server(settings, clock):
    with serve_sandbox(settings, clock) as running:
        yield running


@pytest.fixture
def issuer(server):
    return f"{server.url}/issuers/prov1"


def _push(wallet, issuer, verifier="v" * 43, **overrides):
    """A pushed authorization request (RFC 9126 2.1); ``None`` in ``overrides`` leaves a parameter out."""
    form = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
        "state": "wallet-state-1",
        "authorization_details": json.dumps(DETAILS),
        **overrides,
    }
    return wallet.post(f"{issuer}/par", data={k: v for k, v in form.items() if v is not None})


def _person_form(person=SASHA, evidence=SASHA_EVIDENCE):
    """What the person types into the authorization page: the fields and documents of a staff
    proofing application, one form field each."""
    form = {k: person[k] for k in ("given_name", "family_name", "birthdate")}
    form |= {f"address.{k}": v for k, v in person["address"].items()}
    for n, document in enumerate(evidence, start=1):
        form |= {f"evidence.{n}.{k}": str(v) for k, v in document.items()}
    return form


def _answer(wallet, issuer, request_uri, client_id=CLIENT_ID, origin=None, **form):
    headers = {"Origin": origin} if origin else {}
    return wallet.post(
        f"{issuer}/authorize",
        data={"client_id": client_id, "request_uri": request_uri, **(form or _person_form())},
        headers=headers,
    )


def _code(answer):
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _token(wallet, issuer, code, verifier="v" * 43, **overrides):
    """A token request of the authorization code grant; ``None`` in ``overrides`` leaves a parameter out."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "client_id": CLIENT_ID,
        "code_verifier": verifier,
        **overrides,
    }
    return wallet.post(f"{issuer}/token", data={k: v for k, v in form.items() if v is not None})


def _authorized_code(wallet, issuer, verifier="v" * 43, **push):
    pushed = _push(wallet, issuer, verifier, **push).json()
    return _code(_answer(wallet, issuer, pushed["request_uri"]))["code"]


def _reason_on_page(page) -> str:
    found = re.search(r'data-reason="([a-z_]+)"', page.text)
    assert found, page.text
    return found.group(1)


def test_a_wallet_knowing_only_the_issuer_gets_the_proofed_persons_credential(server, issuer, anonymous, http, clock):
    # Discovery: the credential issuer names its authorization server, whose metadata says how to ask.
    metadata = anonymous.get(well_known_url(issuer, "openid-credential-issuer")).json()
    assert metadata["authorization_servers"] == [issuer]
    config = metadata["credential_configurations_supported"]["VerifiedPerson"]
    server_metadata = anonymous.get(well_known_url(issuer, "oauth-authorization-server")).json()
    assert server_metadata["issuer"] == issuer
    assert server_metadata["require_pushed_authorization_requests"] is True
    assert server_metadata["code_challenge_methods_supported"] == ["S256"]
    assert server_metadata["response_types_supported"] == ["code"]
    assert set(server_metadata["grant_types_supported"]) == {
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:pre-authorized_code",
    }
    assert server_metadata["authorization_details_types_supported"] == ["openid_credential"]
    assert server_metadata["scopes_supported"] == [config["scope"]]
    assert server_metadata["authorization_response_iss_parameter_supported"] is True

    # PAR, then the person's browser at the authorization endpoint.
    verifier = secrets.token_urlsafe(48)
    pushed = anonymous.post(
        server_metadata["pushed_authorization_request_endpoint"],
        data={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
            "state": "s-42",
            "authorization_details": json.dumps(DETAILS),
        },
    )
    assert pushed.status_code == 201 and pushed.headers["cache-control"] == "no-store"
    request_uri = pushed.json()["request_uri"]
    assert request_uri.startswith(REQUEST_URI_PREFIX) and 60 <= pushed.json()["expires_in"] <= 600
    authorize = server_metadata["authorization_endpoint"]
    page = anonymous.get(authorize, params={"client_id": CLIENT_ID, "request_uri": request_uri, "lang": "fr"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "Obtenir votre justificatif" in page.text
    assert "Personne vérifiée" in page.text and "https://wallet.example" in page.text
    assert f'name="request_uri" value="{request_uri}"' in page.text and 'name="evidence.1.type"' in page.text
    assert "form-action 'self' https://wallet.example" in page.headers["content-security-policy"]
    by_browser = anonymous.get(
        authorize, params={"client_id": CLIENT_ID, "request_uri": request_uri}, headers={"Accept-Language": "fr-CA"}
    )
    assert '<html lang="fr">' in by_browser.text
    english = anonymous.get(authorize, params={"client_id": CLIENT_ID, "request_uri": request_uri})
    assert '<html lang="en">' in english.text and "Get your credential" in english.text

    # The person proves who they are; their browser goes back to the wallet with the code.
    answer = _answer(anonymous, issuer, request_uri, lang="fr", **_person_form())
    back = _code(answer)
    assert back["state"] == "s-42" and back["iss"] == issuer and back["code"]

    # The wallet exchanges the code with its verifier, and asks for the credential as usual.
    token = _token(anonymous, issuer, back["code"], verifier)
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store", token.text
    granted = token.json()
    assert granted["token_type"] == "Bearer"
    assert granted["authorization_details"] == [
        {
            "type": "openid_credential",
            "credential_configuration_id": "VerifiedPerson",
            "credential_identifiers": ["VerifiedPerson"],
        }
    ]
    holder = generate_key()
    nonce = anonymous.post(metadata["nonce_endpoint"]).json()["c_nonce"]
    proof = holder.sign(
        {"aud": issuer, "iat": clock.timestamp(), "nonce": nonce},
        typ=PROOF_TYP,
        header={"jwk": holder.public_jwk},
        include_kid=False,
    )
    issued = anonymous.post(
        metadata["credential_endpoint"],
        headers={"Authorization": f"Bearer {granted['access_token']}"},
        json={"credential_identifier": "VerifiedPerson", "proofs": {"jwt": [proof]}},
    )
    assert issued.status_code == 200, issued.text
    credential = issued.json()["credentials"][0]["credential"]
    parsed = sdjwt.SdJwt.parse(credential)
    assert parsed.payload["iss"] == issuer and parsed.payload["cnf"]["jwk"]["x"] == holder.public_jwk["x"]
    claims, _disclosed = sdjwt.resolve_disclosures(parsed.payload, parsed.disclosures)
    assert {k: claims[k] for k in ("given_name", "family_name", "birthdate", "address")} == SASHA
    assert claims["assurance_level"] == 3  # birth certificate and driver's licence, at Prov1

    # The sandbox verifier accepts it, presented by hand over OpenID4VP.
    request = http.post(f"{server.url}/verifier/bank-personal/requests").json()["request"]
    presentation = sdjwt.present(
        credential,
        holder,
        reveal=[(c,) for c in ("given_name", "family_name", "birthdate", "address")],
        aud=request["client_id"],
        nonce=request["nonce"],
        iat=clock.timestamp(),
    )
    answered = anonymous.post(
        request["response_uri"], data=oid4vp.response_form(request, vp_token={"person": [presentation]})
    )
    assert answered.status_code == 200, answered.text
    verdict = http.get(f"{server.url}/verifier/bank-personal/requests/{request['state']}").json()["verdict"]
    assert verdict["accepted"] is True, verdict


def test_a_scope_asks_for_the_configuration_it_names(issuer, anonymous, clock):
    code = _authorized_code(anonymous, issuer, authorization_details=None, scope="VerifiedPerson")
    granted = _token(anonymous, issuer, code).json()
    assert "authorization_details" not in granted  # asked by scope: the configuration id is named (8.2)
    holder = generate_key()
    nonce = anonymous.post(f"{issuer}/nonce").json()["c_nonce"]
    proof = holder.sign(
        {"aud": issuer, "iat": clock.timestamp(), "nonce": nonce},
        typ=PROOF_TYP,
        header={"jwk": holder.public_jwk},
        include_kid=False,
    )
    issued = anonymous.post(
        f"{issuer}/credential",
        headers={"Authorization": f"Bearer {granted['access_token']}"},
        json={"credential_configuration_id": "VerifiedPerson", "proofs": {"jwt": [proof]}},
    )
    assert issued.status_code == 200, issued.text


def test_an_issuer_a_person_cannot_ask_themselves_publishes_no_authorization_endpoint(server, anonymous):
    registrar = f"{server.url}/issuers/fed"
    metadata = anonymous.get(well_known_url(registrar, "oauth-authorization-server")).json()
    assert "authorization_endpoint" not in metadata
    assert metadata["grant_types_supported"] == ["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    refused = _push(anonymous, registrar, authorization_details=json.dumps(DETAILS))
    assert refused.status_code == 400 and refused.json()["error"] == Reason.INVALID_AUTHORIZATION_DETAILS


# Each pushed request below is refused with the reason beside it (RFC 6749 4.1.2.1, RFC 7636 4.4.1,
# RFC 9126 2.1, RFC 9396 5); ``None`` leaves a parameter out.
REFUSED_PUSHES = [
    ({"code_challenge_method": "plain", "code_challenge": "v" * 43}, Reason.INVALID_REQUEST),
    ({"code_challenge": None, "code_challenge_method": None}, Reason.INVALID_REQUEST),
    ({"code_challenge_method": None}, Reason.INVALID_REQUEST),
    ({"code_challenge": "too-short"}, Reason.INVALID_REQUEST),
    ({"client_id": None}, Reason.INVALID_REQUEST),
    ({"redirect_uri": None}, Reason.INVALID_REQUEST),
    ({"redirect_uri": "javascript:alert(1)"}, Reason.INVALID_REQUEST),
    ({"redirect_uri": "https://wallet.example/cb#fragment"}, Reason.INVALID_REQUEST),
    ({"redirect_uri": "/relative"}, Reason.INVALID_REQUEST),
    ({"request_uri": REQUEST_URI_PREFIX + "nested"}, Reason.INVALID_REQUEST),
    ({"response_type": "token"}, Reason.UNSUPPORTED_RESPONSE_TYPE),
    (
        {"authorization_details": json.dumps([{"type": "openid_credential", "credential_configuration_id": "X"}])},
        Reason.INVALID_AUTHORIZATION_DETAILS,
    ),
    (
        {"authorization_details": json.dumps([{"type": "payment_initiation", "credential_configuration_id": "x"}])},
        Reason.INVALID_AUTHORIZATION_DETAILS,
    ),
    ({"authorization_details": "not json"}, Reason.INVALID_AUTHORIZATION_DETAILS),
    ({"authorization_details": None, "scope": "VerifiedOrganization"}, Reason.INVALID_SCOPE),
    ({"authorization_details": None}, Reason.INVALID_SCOPE),  # nothing asked for
]


def test_a_pushed_request_is_checked_whole(issuer, anonymous):
    for overrides, error in REFUSED_PUSHES:
        refused = _push(anonymous, issuer, **overrides)
        assert refused.status_code == 400 and refused.json()["error"] == error, (overrides, refused.text)


def test_a_parameter_sent_twice_is_refused(issuer, anonymous):
    form = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("redirect_uri", "https://attacker.example/"),
        ("code_challenge", pkce_challenge("v" * 43)),
        ("code_challenge_method", "S256"),
        ("scope", "VerifiedPerson"),
    ]
    refused = anonymous.post(
        f"{issuer}/par",
        content="&".join(f"{k}={v}" for k, v in form),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert refused.status_code == 400 and refused.json()["error"] == Reason.INVALID_REQUEST


def test_a_verifier_that_does_not_match_the_challenge_is_refused(issuer, anonymous):
    code = _authorized_code(anonymous, issuer, verifier="a" * 43)
    refused = _token(anonymous, issuer, code, verifier="b" * 43)
    assert refused.status_code == 400 and refused.json()["error"] == Reason.INVALID_GRANT
    assert "code_verifier" in refused.json()["error_description"]
    # The code is still the wallet's: the right verifier gets the token.
    assert _token(anonymous, issuer, code, verifier="a" * 43).status_code == 200


def test_a_code_is_used_once(issuer, anonymous):
    code = _authorized_code(anonymous, issuer)
    assert _token(anonymous, issuer, code).status_code == 200
    again = _token(anonymous, issuer, code)
    assert again.status_code == 400 and again.json()["error"] == Reason.INVALID_GRANT


def test_an_expired_code_is_refused(issuer, anonymous, clock):
    code = _authorized_code(anonymous, issuer)
    clock.advance(timedelta(minutes=2))
    late = _token(anonymous, issuer, code)
    assert late.status_code == 400 and late.json()["error"] == Reason.INVALID_GRANT
    assert "expired" in late.json()["error_description"]


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"redirect_uri": "https://wallet.example/other"}, Reason.INVALID_GRANT, "redirect_uri"),
        ({"client_id": "another-wallet"}, Reason.INVALID_GRANT, "another client"),
        ({"code": "never-given"}, Reason.INVALID_GRANT, "unknown"),
        ({"code_verifier": None}, Reason.INVALID_REQUEST, "code_verifier is required"),
    ],
)
def test_the_token_request_must_match_the_pushed_one(issuer, anonymous, overrides, error, words):
    code = _authorized_code(anonymous, issuer)
    overrides = dict(overrides)
    refused = _token(anonymous, issuer, overrides.pop("code", code), **overrides)
    assert refused.status_code == 400 and refused.json()["error"] == error, refused.text
    assert words in refused.json()["error_description"]
    assert _token(anonymous, issuer, code).status_code == 200  # the code was not used up


def test_a_request_uri_is_used_once_and_must_be_known(issuer, anonymous):
    request_uri = _push(anonymous, issuer).json()["request_uri"]
    _code(_answer(anonymous, issuer, request_uri))
    for answer in (
        anonymous.get(f"{issuer}/authorize", params={"client_id": CLIENT_ID, "request_uri": request_uri}),
        _answer(anonymous, issuer, request_uri),
        anonymous.get(f"{issuer}/authorize", params={"client_id": CLIENT_ID, "request_uri": REQUEST_URI_PREFIX + "x"}),
    ):
        assert answer.status_code == 400 and "location" not in answer.headers
        assert answer.headers["content-type"].startswith("text/html")
        assert _reason_on_page(answer) == Reason.INVALID_REQUEST_URI and "<form" not in answer.text


def test_a_request_uri_expires(issuer, anonymous, clock):
    request_uri = _push(anonymous, issuer).json()["request_uri"]
    clock.advance(timedelta(minutes=11))
    late = _answer(anonymous, issuer, request_uri)
    assert late.status_code == 400 and "location" not in late.headers
    assert _reason_on_page(late) == Reason.INVALID_REQUEST_URI


def test_an_authorization_request_that_was_not_pushed_is_refused(issuer, anonymous):
    direct = anonymous.get(
        f"{issuer}/authorize",
        params={
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": "https://attacker.example/steal",
            "code_challenge": pkce_challenge("v" * 43),
            "code_challenge_method": "S256",
            "scope": "VerifiedPerson",
        },
    )
    assert direct.status_code == 400 and "location" not in direct.headers
    assert _reason_on_page(direct) == Reason.INVALID_REQUEST and "attacker.example" not in direct.text
    posted = anonymous.post(f"{issuer}/authorize", data={"client_id": CLIENT_ID, **_person_form()})
    assert posted.status_code == 400 and _reason_on_page(posted) == Reason.INVALID_REQUEST


def test_another_client_cannot_use_the_pushed_request(issuer, anonymous):
    request_uri = _push(anonymous, issuer).json()["request_uri"]
    page = anonymous.get(f"{issuer}/authorize", params={"client_id": "intruder", "request_uri": request_uri})
    assert page.status_code == 400 and _reason_on_page(page) == Reason.INVALID_REQUEST
    answer = _answer(anonymous, issuer, request_uri, client_id="intruder")
    assert answer.status_code == 400 and "location" not in answer.headers


def test_a_form_posted_from_another_site_is_refused(server, issuer, anonymous):
    request_uri = _push(anonymous, issuer).json()["request_uri"]
    forged = _answer(anonymous, issuer, request_uri, origin="https://attacker.example")
    assert forged.status_code == 403 and "location" not in forged.headers
    assert _reason_on_page(forged) == Reason.FORBIDDEN
    # From the issuer's own page, the request is still good.
    own = urlsplit(server.url).netloc
    _code(_answer(anonymous, issuer, request_uri, origin=f"http://{own}"))


def test_a_refused_proofing_shows_the_page_again_with_the_reason(issuer, anonymous):
    request_uri = _push(anonymous, issuer).json()["request_uri"]
    wrong = [{**SASHA_EVIDENCE[0], "birthdate": "1990-01-01"}, SASHA_EVIDENCE[1]]
    refused = _answer(anonymous, issuer, request_uri, lang="fr", **_person_form(evidence=wrong))
    assert refused.status_code == 422 and "location" not in refused.headers
    assert _reason_on_page(refused) == Reason.EVIDENCE_MISMATCH
    assert "Votre identité n'a pas pu être prouvée" in html.unescape(refused.text) and "<form" in refused.text
    assert 'value="1990-01-01"' in refused.text  # what the person typed, to correct
    none = _answer(anonymous, issuer, request_uri, **_person_form(evidence=[]))
    assert none.status_code == 422 and _reason_on_page(none) == Reason.EVIDENCE_INSUFFICIENT
    # Nothing was used up: corrected, the same request goes through.
    _code(_answer(anonymous, issuer, request_uri))
