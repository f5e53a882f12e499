"""Signing in to a federal service with a provincial or territorial digital ID, over real HTTP:
Province 1's Verified Person signs the person in, Province 2's (authorized at LoA 2 only) is
refused, Territory 1's is refused until its framework is recognized; a session is opened for an
accepted presentation only, under a subject of the service's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from cli.stack import STORY_WITHHOLDS, story_sandbox
from pctf import trqp
from pctf.clock import SystemClock
from pctf.http import checked_json
from scenarios import federal_sign_in
from scenarios.keyring import operator_client
from scenarios.personas import SASHA
from scenarios.steps import present
from tests.support import free_port
from tests.test_cli import run
from verifier.engine import VerificationEngine
from verifier.relying_parties import RELYING_PARTIES
from verifier.service import SESSION_LIFETIME, RelyingPartyService, pairwise_subject

SERVICE = federal_sign_in.SERVICE


def _paths(query: dict) -> list[list]:
    return [c["path"] for cq in query["credentials"] for c in cq["claims"]]


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The story, once, in its own sandbox beside Territory 1's framework registry; with the
    settings and a keyring client to ask that sandbox more while it still runs."""
    from pctf.settings import Settings

    base = Settings(data_dir=tmp_path_factory.mktemp("signin") / "data", port=free_port(), database_url=None)
    with story_sandbox("signin", base) as box, operator_client(box.settings) as http:
        result = federal_sign_in.run(box.settings.base_url, http, **box.kwargs)
        yield result, box, http


def test_the_story_runs_in_a_sandbox_without_territory_1_beside_its_framework(story):
    result, box, _http = story
    assert STORY_WITHHOLDS["signin"] == ("terr1",)
    assert set(box.kwargs) == {"framework_api", "framework_token", "governance_token"}
    assert box.kwargs["framework_api"] != box.settings.registry_authority_id
    assert result["ok"] is True


def test_the_service_asks_for_name_and_birthdate_only_never_the_address(story):
    result, box, _http = story
    assert result["relying_party"] == SERVICE
    assert sorted(_paths(result["request"])) == [["birthdate"], ["family_name"], ["given_name"]]
    assert not any("address" in path for path in _paths(result["request"]))
    # What each accepted person disclosed: the three claims (and the always-visible LoA), no address.
    for key in ("prov1", "terr1_after_recognition"):
        claims = result["verdicts"][key]["credentials"]["person"]["claims"]
        assert set(claims) == {"given_name", "family_name", "birthdate", "assurance_level"}, key
    # The relying party's public listing says the same as the request it sent.
    listed = next(rp for rp in httpx.get(f"{box.settings.base_url}/verifier", timeout=15).json() if rp["id"] == SERVICE)
    assert listed["policy"]["dcql_query"] == result["request"]


def test_province_1_is_accepted_and_signed_in(story):
    result, _box, _http = story
    verdict, session = result["verdicts"]["prov1"], result["session"]
    assert verdict["accepted"] is True and verdict["reasons"] == []
    assert result["sessions"]["prov1"] == session
    assert session["name"] == {"given_name": SASHA["given_name"], "family_name": SASHA["family_name"]}
    assert session["issuer"].endswith("/issuers/prov1") and session["assurance_level"] == 3
    created, expires = (datetime.fromisoformat(session[k]) for k in ("created_at", "expires_at"))
    assert expires - created == SESSION_LIFETIME and session["active"] is True
    assert len(session["session_id"]) >= 40 and session["subject"] != session["session_id"]
    # The subject is an opaque derivation, not the person's claims.
    assert SASHA["family_name"] not in session["subject"] and SASHA["birthdate"] not in session["subject"]


def test_province_2_is_authorized_below_the_level_the_service_needs(story):
    result, box, http = story
    assert result["assurance_levels"]["prov2"] == 2  # LoA 3 evidence, issued at Prov2's granted LoA 2
    verdict = result["verdicts"]["prov2"]
    assert verdict["accepted"] is False and verdict["reasons"] == ["loa_too_low"]
    failed = [c for c in verdict["checks"] if not c["passed"]]
    assert [(c["check"], c["reason"]) for c in failed] == [("loa", "loa_too_low")]
    assert result["sessions"]["prov2"] is None
    # The home registry authorizes Prov2 for Verified Person at LoA 2, not at 3.
    home = box.settings.registry_authority_id

    def may_issue_at(loa: int) -> bool:
        query = trqp.authorization_query(
            box.settings.issuer_id("prov2"), home, "issue", "VerifiedPerson", at=datetime.now(UTC), assurance_level=loa
        )
        return checked_json(http.post(f"{home}/authorization", json=query))["authorized"]

    assert may_issue_at(2) is True and may_issue_at(3) is False


def test_territory_1_is_refused_until_its_framework_is_recognized(story):
    result, box, _http = story
    before, after = result["verdicts"]["terr1_before_recognition"], result["verdicts"]["terr1_after_recognition"]
    assert before["accepted"] is False and before["reasons"] == ["issuer_unknown"]
    assert result["sessions"]["terr1_before_recognition"] is None
    assert result["recognition"]["recognized"] is True
    assert after["accepted"] is True, after["reasons"]
    authorized = next(c for c in after["checks"] if c["check"] == "issuer_authorized")
    assert box.kwargs["framework_api"] in authorized["detail"]
    nora = result["sessions"]["terr1_after_recognition"]
    assert nora["name"]["given_name"] == "Nora" and nora["issuer"].endswith("/issuers/terr1")
    assert nora["subject"] != result["session"]["subject"]


def test_signing_in_again_finds_the_same_subject_in_a_new_session(story):
    result, box, http = story
    url = box.settings.base_url
    again = present(http, url, url, "sasha", SERVICE)
    assert again["verdict"]["accepted"] is True
    session = checked_json(http.get(f"{url}/verifier/{SERVICE}/requests/{again['state']}"))["session"]
    assert session["subject"] == result["session"]["subject"]
    assert session["session_id"] != result["session"]["session_id"]


def test_a_declined_presentation_opens_no_session(story):
    _result, box, http = story
    url = box.settings.base_url
    declined = present(http, url, url, "sasha", SERVICE, approve=False)
    answer = checked_json(http.get(f"{url}/verifier/{SERVICE}/requests/{declined['state']}"))
    assert answer["status"] == "declined" and answer["verdict"]["reasons"] == ["consent_required"]
    assert answer["session"] is None


def test_a_relying_party_that_does_not_sign_in_answers_without_a_session(story):
    _result, box, http = story
    url = box.settings.base_url
    assert not RELYING_PARTIES["fed-benefits"].policy.signs_in
    exchange = present(http, url, url, "sasha", "fed-benefits")
    assert exchange["verdict"]["accepted"] is True
    answer = checked_json(http.get(f"{url}/verifier/fed-benefits/requests/{exchange['state']}"))
    assert "session" not in answer


def test_the_session_is_for_the_service_back_end_only(story):
    result, box, http = story
    url = box.settings.base_url
    state = present(http, url, url, "sasha", SERVICE)["state"]
    path = f"{url}/verifier/{SERVICE}/requests/{state}"
    assert httpx.get(path, timeout=15).status_code == 401  # no token
    other = box.settings.relying_party_token("fed-benefits")
    assert httpx.get(path, headers={"Authorization": f"Bearer {other}"}, timeout=15).status_code in (401, 403)
    assert result["session"] is not None


def test_pairwise_subjects_differ_by_relying_party_and_by_secret():
    claims = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
    issuer = "https://example.ca/issuers/prov1"
    here = pairwise_subject(b"s" * 32, SERVICE, issuer, claims)
    assert here == pairwise_subject(b"s" * 32, SERVICE, issuer, dict(claims))
    assert here != pairwise_subject(b"s" * 32, "another-service", issuer, claims)
    assert here != pairwise_subject(b"t" * 32, SERVICE, issuer, claims)
    assert here != pairwise_subject(b"s" * 32, SERVICE, "https://example.ca/issuers/prov2", claims)
    # The inputs cannot be shifted from one field into the next.
    shifted = {**claims, "given_name": claims["given_name"] + '","', "family_name": claims["family_name"]}
    assert here != pairwise_subject(b"s" * 32, SERVICE, issuer, shifted)


def test_the_pairwise_secret_is_made_once_and_kept(settings):
    engine = VerificationEngine.__new__(VerificationEngine)  # the secret needs no verification
    first = RelyingPartyService(settings, SystemClock(), engine).pairwise_secret()
    again = RelyingPartyService(settings, SystemClock(), engine).pairwise_secret()
    assert first == again and len(first) >= 32


@pytest.fixture
def env(tmp_path):
    import os

    return {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path / "data"),
        "PCTF_GOVERNANCE_TOKEN": "cli-test",
        "PCTF_PORT": str(free_port()),
    }


@pytest.mark.slow
def test_demo_federal_sign_in_as_json_and_in_french(env, tmp_path):
    as_json = run(env, "demo", "federal-sign-in", "--json")
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["ok"] is True
    assert result["verdicts"]["prov2"]["reasons"] == ["loa_too_low"]
    assert result["verdicts"]["terr1_before_recognition"]["reasons"] == ["issuer_unknown"]
    assert result["session"]["name"]["given_name"] == "Sasha"
    told = run({**env, "COLUMNS": "200"}, "demo", "federal-sign-in", "--lang", "fr")
    assert told.returncode == 0, told.stdout + told.stderr
    text = " ".join(told.stdout.split())
    for expected in (
        "Mon dossier fédéral (Connexion Canada)",
        "loa_too_low",
        "issuer_unknown",
        "Aucune session n'est ouverte pour Priya",
        "ouverte pour Sasha",
        "Le cadre pancanadien reconnaît le cadre du Territoire 1",
        "Le service fédéral a ouvert une session pour Sasha",
    ):
        assert expected in text, expected
    assert not (tmp_path / "data").exists()  # the story ran in a sandbox of its own


@pytest.mark.slow
def test_demo_federal_sign_in_declined_is_not_ok(env):
    """Interactive: a holder who declines is not signed in, and the story says it did not go as told."""
    declined = run({**env, "COLUMNS": "200"}, "demo", "federal-sign-in", "-i", stdin="n\n" * 4)
    assert declined.returncode == 1, declined.stdout + declined.stderr
    assert "did not go as expected" in declined.stdout
    assert "Traceback" not in declined.stderr
