"""The evidence a relying party's back end reads beside a verdict: what each credential was verified on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pctf import statuslist
from pctf.clock import FrozenClock, SystemClock
from pctf.jose import generate_key
from pctf.settings import Settings
from pctf.statuslist import StatusList, StatusReference
from registry.app import create_app
from scenarios import cross_jurisdiction, sasha, steps
from tests.support import free_port, serve, serve_sandbox
from verifier.evidence import Evidence, StatusReader

QUERIES = ("person", "organization", "relationship")
URI = "https://issuer.example/status/1"
NOW = 1_760_000_000


def _story(sandbox, http) -> tuple[dict, dict]:
    """Sasha's story, with the bank's request as her wallet received it."""
    requests: list[dict] = []

    def narrate(event: str, **data) -> None:
        if event == "request":
            requests.append(data["request"]["request"])

    result = sasha.run(sandbox.url, http, narrate)
    assert result["verdict"]["accepted"] is True, result["verdict"]["reasons"]
    return result, requests[-1]


def _evidence(sandbox, http, state: str) -> list[dict] | None:
    answer = http.get(f"{sandbox.url}/verifier/bank/requests/{state}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    return answer.json()["evidence"]


def _one(evidence: list[dict], credential: str, kind: str) -> dict:
    found = [e for e in evidence if e["credential"] == credential and e["kind"] == kind]
    assert len(found) == 1, (credential, kind, evidence)
    return found[0]


def test_the_back_end_reads_what_each_credential_was_verified_on(sandbox, http):
    result, request = _story(sandbox, http)
    evidence = _evidence(sandbox, http, result["state"])
    assert evidence is not None
    assert {e["credential"] for e in evidence} == set(QUERIES)
    credentials = result["verdict"]["credentials"]
    for query in QUERIES:
        kb = _one(evidence, query, "kb_jwt")
        assert kb["request"] is None
        assert kb["answer"]["header"]["typ"] == "kb+jwt"
        payload = kb["answer"]["payload"]
        assert payload["aud"] == request["client_id"] and payload["nonce"] == request["nonce"]
        assert set(payload) == {"iat", "aud", "nonce", "sd_hash"}

        trqp = _one(evidence, query, "trqp_authorization")
        assert trqp["request"]["entity_id"] == credentials[query]["issuer"]
        assert trqp["request"]["action"] == "issue" and "time" in trqp["request"]["context"]
        assert trqp["answer"]["authorized"] is True and trqp["answer"]["status"] == "active"
        assert trqp["answer"]["entity_id"] == trqp["request"]["entity_id"]

        status = _one(evidence, query, "status_list")
        assert set(status["request"]) == {"uri", "idx"} and status["request"]["uri"].startswith("http")
        assert status["answer"]["status"] == "valid" and status["answer"]["value"] == statuslist.VALID
        assert isinstance(status["answer"]["iat"], int | float)
        # In the order the checks ran: the key binding, then the registry, then the status list.
        kinds = [e["kind"] for e in evidence if e["credential"] == query]
        assert kinds == ["kb_jwt", "trqp_authorization", "status_list"]
    # Evidence sits beside the verdict, which stays as it was.
    verdict_members = {"accepted", "reasons", "verifier", "policy", "checked_at", "checks", "credentials"}
    assert set(result["verdict"]) == verdict_members


def test_answers_kept_from_an_earlier_ask_are_shown_as_cached(sandbox, http):
    _story(sandbox, http)
    again = steps.present(http, sandbox.url, sandbox.url, "sasha", "bank")
    assert again["verdict"]["accepted"] is True, again["verdict"]["reasons"]
    evidence = _evidence(sandbox, http, again["state"])
    assert evidence is not None
    for query in QUERIES:
        trqp = _one(evidence, query, "trqp_authorization")
        assert trqp["cached"] is True and trqp["source"] == "cache"
        assert trqp["answer"]["authorized"] is True
        assert _one(evidence, query, "status_list")["answer"]["status"] == "valid"


def test_a_declined_request_has_no_evidence(sandbox, http):
    _story(sandbox, http)
    declined = steps.present(http, sandbox.url, sandbox.url, "sasha", "bank", approve=False)
    answer = http.get(f"{sandbox.url}/verifier/bank/requests/{declined['state']}").json()
    assert answer["status"] == "declined"
    assert answer["evidence"] is None


def test_evidence_is_for_the_relying_partys_back_end_only(sandbox, http, anonymous):
    result, _ = _story(sandbox, http)
    assert anonymous.get(f"{sandbox.url}/verifier/bank/requests/{result['state']}").status_code == 401


def test_a_pending_request_has_no_evidence(sandbox, http):
    state = http.post(f"{sandbox.url}/verifier/bank/requests").json()["state"]
    answer = http.get(f"{sandbox.url}/verifier/bank/requests/{state}").json()
    assert answer["status"] == "pending" and answer["evidence"] is None


def test_an_issuer_vouched_for_by_a_recognized_framework_shows_each_question_asked(settings, http, another_store):
    """Home registry (unknown entity), recognition, then the recognized framework's own answer."""
    port = free_port()
    terr1 = Settings(
        data_dir=settings.data_dir / "terr1-framework",
        governance_token="terr1-governance",
        port=port,
        registry_url=f"http://127.0.0.1:{port}",
        database_url=another_store(),
    )
    framework = serve(create_app(terr1, SystemClock()), loopback=True, port=port)
    sandbox = serve_sandbox(settings, SystemClock(), withhold=("terr1",))
    try:
        story = cross_jurisdiction.run(
            sandbox.url,
            http,
            framework_api=terr1.registry_authority_id,
            framework_token="terr1-governance",
            governance_token=settings.resolved_governance_token(),
        )
        assert story["ok"] is True
        portal = cross_jurisdiction.PORTAL
        again = steps.present(http, sandbox.url, sandbox.url, "nora", portal)
        assert again["verdict"]["accepted"] is True, again["verdict"]["reasons"]
        evidence = http.get(f"{sandbox.url}/verifier/{portal}/requests/{again['state']}").json()["evidence"]
    finally:
        sandbox.stop()
        framework.stop()
    trqp = [e for e in evidence if e["kind"].startswith("trqp_")]
    assert [e["kind"] for e in trqp] == ["trqp_authorization", "trqp_recognition", "trqp_authorization"]
    home, recognition, foreign = trqp
    assert home["answer"]["authorized"] is False and home["answer"]["status"] == "unknown_entity"
    assert recognition["request"]["entity_id"] == terr1.registry_authority_id
    assert recognition["answer"]["recognized"] is True
    assert foreign["request"]["authority_id"] == terr1.registry_authority_id
    assert foreign["answer"]["authorized"] is True


class _Served:
    def __init__(self, token: str) -> None:
        self.token = token
        self.fetches = 0

    def status_list_token(self, uri: str) -> str:
        self.fetches += 1
        return self.token


def test_the_status_reader_names_the_token_it_read_and_whether_it_was_cached():
    key = generate_key()
    values = StatusList(16)
    values.set(5, statuslist.SUSPENDED)
    source = _Served(statuslist.sign_token(values, key, uri=URI, iat=NOW - 10, ttl=300))
    reader = StatusReader(source, FrozenClock(datetime.fromtimestamp(NOW, UTC)), leeway=30)
    ref = StatusReference(5, URI)
    fetched = reader.status_with_token(ref, [key.public_jwk])
    assert fetched == (statuslist.SUSPENDED, {"iat": NOW - 10, "ttl": 300, "exp": None}, "issuer")
    cached = reader.status_with_token(ref, [key.public_jwk])
    assert cached == (statuslist.SUSPENDED, {"iat": NOW - 10, "ttl": 300, "exp": None}, "cache")
    assert reader.status(ref, [key.public_jwk]) == statuslist.SUSPENDED
    assert source.fetches == 1


@pytest.mark.parametrize("presentation", ["", "no-tilde", "a.b.c~", "a.b.c~d~not a jwt", "a.b.c~~%%%.x.y"])
def test_a_presentation_without_a_readable_kb_jwt_leaves_no_kb_evidence(presentation):
    evidence = Evidence()
    evidence.key_binding("person", presentation)
    assert evidence.entries == []
