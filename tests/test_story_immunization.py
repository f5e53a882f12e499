"""Safe return to school: the immunization story over real HTTP, the health authority's
immunization endpoint and each of its refusals, the school's policy, and the command line."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from issuers.jurisdictions import SANDBOX_ISSUERS
from issuers.models import CredentialOffer
from pctf.clock import FrozenClock, SystemClock
from pctf.http import checked_json
from pctf.reasons import Reason
from pctf.storage import engine_for
from pctf.vocab import IMMUNIZATION, credential_type
from registry.conformance import run_conformance
from registry.criteria import criteria_for
from scenarios import immunization
from scenarios.personas import LEA_MEASLES, SASHA_FATHER_DEATH, WALLETS
from scenarios.steps import open_wallet, receive
from tests.support import EXE, free_port, serve_sandbox
from verifier.relying_parties import relying_party

MEDICAL_DETAIL = ["vaccine", "vaccination_date", "dose_number", "lot_number", "administering_clinic"]
ASKED = ["given_name", "family_name", "birthdate", "target_disease"]
ENDPOINT = "/issuers/prov1health/immunizations"


@pytest.fixture
def live(settings):
    """The sandbox on loopback with a frozen clock, so the story's wait for the school's cached
    status list to go stale moves the clock instead of sleeping."""
    clock = FrozenClock()
    with serve_sandbox(settings, clock) as served:
        yield settings, clock, served.url


def _offers(settings) -> int:
    with Session(engine_for(settings, "issuers")) as session:
        return session.exec(select(func.count()).select_from(CredentialOffer)).one()


# -- the vocabulary, the issuer and the school ----------------------------------------------------
def test_the_immunization_type_keeps_every_personal_claim_selectively_disclosable():
    assert credential_type("Immunization") is IMMUNIZATION is credential_type(IMMUNIZATION.vct)
    assert IMMUNIZATION.vct.endswith("immunization:1")
    assert (IMMUNIZATION.label_en, IMMUNIZATION.label_fr) == ("Immunization record", "Dossier d'immunisation")
    assert [p[0] for p in IMMUNIZATION.disclosable_paths()] == ASKED + MEDICAL_DETAIL
    assert set(IMMUNIZATION.required_claims()) == {*ASKED, *MEDICAL_DETAIL[:3], "assurance_level"}
    assert all(c.label_en and c.label_fr for c in IMMUNIZATION.claims)
    assert SANDBOX_ISSUERS["prov1health"].max_loa("Immunization") == 3
    assert "lea" in WALLETS


def test_the_school_asks_for_measles_with_name_and_birthdate_and_nothing_else():
    policy = relying_party("school").policy
    (credential,) = policy.dcql_query()["credentials"]
    assert credential["meta"]["vct_values"] == [IMMUNIZATION.vct]
    assert [c["path"] for c in credential["claims"]] == [[n] for n in ASKED]
    (rule,) = policy.requirements[0].rules
    assert rule.allowed == ("measles",) and rule.reason == Reason.IMMUNIZATION_NOT_ACCEPTED


def test_a_jurisdiction_is_assessed_on_its_immunization_register():
    ids = [c.id for c in criteria_for([IMMUNIZATION.vct])]
    assert ids[:6] == [
        f"immunization_record_{step}"
        for step in ("resolution", "establishment", "validation", "verification", "continuity", "maintenance")
    ]
    assert {"evidence", "privacy", "notice_and_consent", "infrastructure"} <= set(ids)


# -- the story ------------------------------------------------------------------------------------
def test_immunization_story_over_http(live, http):
    settings, clock, url = live
    result = immunization.run(url, http, ttl_seconds=settings.status_list_ttl_seconds, pause=clock.advance)
    assert result["ok"] is True, json.dumps(result, indent=1)
    assert result["requested"] == [[n] for n in ASKED]
    accepted = result["accepted"]
    assert accepted["accepted"] is True and accepted["reasons"] == []
    received = accepted["credentials"]["immunization"]["claims"]
    assert received == {
        "given_name": "Léa",
        "family_name": "Bouchard",
        "birthdate": "2009-04-17",
        "target_disease": "measles",
        "assurance_level": 3,
    }
    assert result["disclosed"] == ASKED and result["withheld"] == MEDICAL_DETAIL
    assert next(c for c in accepted["checks"] if c["check"] == "immunization_accepted")["passed"] is True
    refusals = {r["case"]: r for r in result["refusals"]}
    assert refusals["wrong_disease"]["presented"] == "influenza"
    assert refusals["wrong_disease"]["reasons"] == ["immunization_not_accepted"]
    failed = [c for c in refusals["wrong_disease"]["verdict"]["checks"] if not c["passed"]]
    assert [(c["check"], c["reason"]) for c in failed] == [("immunization_accepted", "immunization_not_accepted")]
    assert refusals["revoked"]["reasons"] == ["credential_revoked"]
    # The health authority's own record says the measles record is revoked, and the wallet sees it.
    issuances = checked_json(http.get(f"{url}/issuers/prov1health/issuances"))
    assert {i["id"]: i["status"] for i in issuances}[result["revoked_issuance"]] == "revoked"
    held = {
        c["claims"]["target_disease"]: c["status"]
        for c in checked_json(http.get(f"{url}/wallet/lea/credentials"))
        if c["type"] == "Immunization"
    }
    assert held == {"influenza": "valid", "measles": "revoked"}


def test_the_revoked_record_is_accepted_from_a_cached_status_list_until_its_ttl(live, http):
    """Without waiting out the ttl, the school still answers from the list it cached before the
    revocation: the story asks until it refuses, and says it was not refused without the wait."""
    settings, clock, url = live
    result = immunization.run(
        url, http, ttl_seconds=settings.status_list_ttl_seconds, pause=lambda _s: None, max_attempts=2
    )
    assert result["ok"] is False
    assert result["refusals"][1]["verdict"]["accepted"] is True  # the cached list said valid


# -- the endpoint's refusals ----------------------------------------------------------------------
BAD_RECORDS = [
    ({k: v for k, v in LEA_MEASLES.items() if k != "vaccine"}, 400, "claims_invalid"),
    ({k: v for k, v in LEA_MEASLES.items() if k != "birthdate"}, 400, "claims_invalid"),
    ({**LEA_MEASLES, "blood_type": "O+"}, 400, "claims_invalid"),
    ({**LEA_MEASLES, "assurance_level": 4}, 400, "claims_invalid"),
    ({**LEA_MEASLES, "target_disease": "lycanthropy"}, 422, "claims_invalid"),
    ({**LEA_MEASLES, "target_disease": "Measles"}, 422, "claims_invalid"),
    ({**LEA_MEASLES, "dose_number": 0}, 422, "claims_invalid"),
    ({**LEA_MEASLES, "dose_number": 21}, 422, "claims_invalid"),
    ({**LEA_MEASLES, "dose_number": "2"}, 400, "claims_invalid"),
    ({**LEA_MEASLES, "dose_number": True}, 400, "claims_invalid"),
    ({**LEA_MEASLES, "vaccination_date": "2013-02-30"}, 400, "claims_invalid"),
    ({**LEA_MEASLES, "vaccination_date": "2008-01-01"}, 422, "claims_invalid"),  # before her birth
    ({**LEA_MEASLES, "given_name": "L\u202eéa"}, 422, "claims_invalid"),  # a bidirectional override
    ({**LEA_MEASLES, "lot_number": ""}, 400, "claims_invalid"),
    ([LEA_MEASLES], 400, "bad_request"),
    ("measles", 400, "bad_request"),
]


@pytest.mark.parametrize(("body", "status", "reason"), BAD_RECORDS)
def test_a_bad_immunization_record_is_refused_and_offers_nothing(sandbox, http, settings, body, status, reason):
    before = _offers(settings)
    answer = http.post(f"{sandbox.url}{ENDPOINT}", json=body)
    assert (answer.status_code, answer.json()["error"]) == (status, reason), answer.text
    assert _offers(settings) == before


def test_a_vaccination_in_the_future_is_refused(live, http):
    settings, clock, url = live
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    answer = http.post(f"{url}{ENDPOINT}", json={**LEA_MEASLES, "vaccination_date": tomorrow})
    assert (answer.status_code, answer.json()["error"]) == (422, "claims_invalid"), answer.text
    today = clock.now().date().isoformat()
    assert http.post(f"{url}{ENDPOINT}", json={**LEA_MEASLES, "vaccination_date": today}).status_code == 200


def test_only_a_health_authority_offers_immunization_records(sandbox, http, settings):
    before = _offers(settings)
    answer = http.post(f"{sandbox.url}/issuers/prov1/immunizations", json=LEA_MEASLES)
    assert (answer.status_code, answer.json()["error"]) == (400, "bad_request"), answer.text
    assert _offers(settings) == before


def test_only_the_health_authority_staff_may_ask(sandbox, anonymous, settings):
    url = f"{sandbox.url}{ENDPOINT}"
    nobody = anonymous.post(url, json=LEA_MEASLES)
    assert (nobody.status_code, nobody.json()["error"]) == (401, "unauthorized")
    stranger = anonymous.post(url, json=LEA_MEASLES, headers={"Authorization": "Bearer not-a-staff-token"})
    assert (stranger.status_code, stranger.json()["error"]) == (401, "unauthorized")
    other_staff = {"Authorization": f"Bearer {settings.issuer_staff_token('prov1')}"}
    wrong = anonymous.post(url, json=LEA_MEASLES, headers=other_staff)
    assert (wrong.status_code, wrong.json()["error"]) == (403, "forbidden")
    own = {"Authorization": f"Bearer {settings.issuer_staff_token('prov1health')}"}
    offered = anonymous.post(url, json=LEA_MEASLES, headers=own)
    assert offered.status_code == 200, offered.text
    assert offered.json()["credential_offer"]["credential_configuration_ids"] == ["Immunization"]
    assert offered.json()["tx_code"] and offered.headers["cache-control"] == "no-store"


def test_no_record_is_offered_for_someone_registered_deceased(sandbox, http, settings):
    death = {**SASHA_FATHER_DEATH, "date_of_death": "2025-03-01"}
    assert http.post(f"{sandbox.url}/issuers/vitalstats/deaths", json=death).status_code == 201
    before = _offers(settings)
    record = {**LEA_MEASLES, **SASHA_FATHER_DEATH, "vaccination_date": "1956-05-02"}
    answer = http.post(f"{sandbox.url}{ENDPOINT}", json=record)
    assert (answer.status_code, answer.json()["error"]) == (422, "person_deceased"), answer.text
    assert _offers(settings) == before


def test_the_health_authority_passes_conformance_with_an_immunization_test_offer(sandbox, http):
    offered = checked_json(http.post(f"{sandbox.url}{ENDPOINT}", json=LEA_MEASLES))
    report = run_conformance(
        f"{sandbox.url}/issuers/prov1health",
        http=http,
        clock=SystemClock(),
        offer=offered["credential_offer_uri"],
        tx_code=offered["tx_code"],
    )
    assert report.passed, json.dumps(report.as_dict(), indent=1)
    assert "Immunization" in report.pctf_types
    required = next(c for c in report.checks if c.id == "required_claims")
    assert any("carries every claim Immunization requires" in e for e in required.evidence)


# -- the command line -----------------------------------------------------------------------------
def _cli(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([EXE, "demo", "immunization", *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_demo_immunization_as_json_and_in_french(tmp_path):
    env = {**os.environ, "PCTF_DATA_DIR": str(tmp_path / "data"), "PCTF_PORT": str(free_port())}
    as_json = _cli(env, "--json")
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["ok"] is True and result["accepted"]["accepted"] is True
    assert result["disclosed"] == ASKED and result["withheld"] == MEDICAL_DETAIL
    assert [r["reasons"] for r in result["refusals"]] == [["immunization_not_accepted"], ["credential_revoked"]]
    told = _cli(env, "--lang", "fr")
    assert told.returncode == 0, told.stdout + told.stderr
    text = " ".join(told.stdout.split())
    for expected in (
        "Dossier d'immunisation",
        "immunization_not_accepted",
        "credential_revoked",
        "Non communiqué",
        "L'école a accepté l'immunisation contre la rougeole",
    ):
        assert expected in text, expected
    assert not (tmp_path / "data").exists()  # the story ran in a sandbox of its own


def test_an_immunization_offer_redeems_into_the_wallet_with_every_claim(sandbox, http):
    url = sandbox.url
    open_wallet(http, url, "lea")
    (held,) = receive(http, url, "lea", checked_json(http.post(f"{url}{ENDPOINT}", json=LEA_MEASLES)))
    assert held["type"] == "Immunization" and held["claims"] == {**LEA_MEASLES, "assurance_level": 3}
