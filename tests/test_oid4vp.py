"""OpenID4VP (pctf/oid4vp.py): what the verifier writes, the wallet reads, and back."""

from __future__ import annotations

import json

import pytest

from pctf import oid4vp
from pctf.reasons import Reason, SandboxError

RESPONSE_URI = "https://verifier.example/verifier/bank/response"
QUERY = {
    "credentials": [
        {
            "id": "person",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": ["urn:vp"]},
            "claims": [{"path": ["given_name"]}],
        }
    ]
}


def _request():
    return oid4vp.authorization_request(response_uri=RESPONSE_URI, nonce="n-1", state="s-1", dcql_query=QUERY)


def test_a_request_reads_back_the_same_by_value_and_by_link():
    request, link = _request()
    assert request["client_id"] == "redirect_uri:" + RESPONSE_URI
    assert link.startswith("openid4vp://?")
    assert oid4vp.parse_request(request) == request
    assert oid4vp.parse_request(link) == request
    assert oid4vp.parse_request(json.dumps(request)) == request


@pytest.mark.parametrize(
    "change, words",
    [
        ({"client_id": "redirect_uri:https://attacker.example/collect"}, "client_id"),
        ({"response_mode": "fragment"}, "direct_post"),
        ({"response_type": "id_token"}, "vp_token"),
        ({"nonce": ""}, "nonce"),
        ({"dcql_query": "{not json"}, "dcql_query"),
        ({"dcql_query": {"credentials": []}}, "credentials"),
    ],
)
def test_a_request_outside_the_profile_is_refused(change, words):
    request, _ = _request()
    with pytest.raises(SandboxError) as caught:
        oid4vp.parse_request({**request, **change})
    assert caught.value.reason == Reason.BAD_REQUEST and words in caught.value.message


def test_the_response_carries_the_presentations_or_the_refusal():
    request, _ = _request()
    form = oid4vp.response_form(request, vp_token={"person": ["a~b~c"]})
    assert form["state"] == "s-1" and oid4vp.read_vp_token(form) == {"person": ["a~b~c"]}
    declined = oid4vp.response_form(request)
    assert declined == {"state": "s-1", "error": "access_denied", "error_description": "the holder declined"}
    with pytest.raises(SandboxError) as caught:
        oid4vp.read_vp_token({"vp_token": "{"})
    assert caught.value.reason == Reason.MALFORMED_PRESENTATION
