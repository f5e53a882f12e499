"""The newborn bundle (register a birth once) over real HTTP on loopback: vital statistics'
births endpoint and every way it refuses, the birth register deciding who gets a parent–child
relationship, the two federal services' policies, and ``pctf-sandbox demo newborn``."""

from __future__ import annotations

import json
import os

import pytest

from pctf.http import checked_json
from pctf.vocab import BIRTH_CERTIFICATE, CREDENTIAL_TYPES
from registry.criteria import criteria_for
from scenarios import newborn
from scenarios.personas import (
    NEWBORN_CHILD,
    NEWBORN_PARENT_1,
    NEWBORN_PARENT_1_EVIDENCE,
    NEWBORN_PARENT_2,
    NOT_A_PARENT,
)
from scenarios.steps import open_wallet, present, receive
from tests.support import free_port
from tests.test_cli import run

REF = ("given_name", "family_name", "birthdate")
BORN = "2026-11-20"
CHILD = {"given_name": NEWBORN_CHILD["given_name"], "family_name": NEWBORN_CHILD["family_name"], "birthdate": BORN}
AMIRA = {k: NEWBORN_PARENT_1[k] for k in REF}
JULIEN = {k: NEWBORN_PARENT_2[k] for k in REF}
BIRTH = {"child": {**CHILD, "place_of_birth": NEWBORN_CHILD["place_of_birth"]}, "parents": [AMIRA, JULIEN]}


@pytest.fixture
def env(tmp_path):
    return {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path / "data"),
        "PCTF_GOVERNANCE_TOKEN": "cli-test",
        "PCTF_PORT": str(free_port()),
    }


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _checks(verdict: dict) -> dict[tuple[str, str | None], list[bool]]:
    found: dict[tuple[str, str | None], list[bool]] = {}
    for c in verdict["checks"]:
        found.setdefault((c["check"], c.get("credential")), []).append(c["passed"])
    return found


def test_newborn_story_over_http(sandbox, http):
    result = newborn.run(sandbox.url, http, birthdate=BORN)
    assert result["ok"] is True, result
    registration = result["registration"]
    assert registration["registration_number"] == "2026-PROV1-000001"
    assert registration["child"] == {**CHILD, "place_of_birth": NEWBORN_CHILD["place_of_birth"]}
    assert registration["parents"] == [AMIRA, JULIEN]
    assert result["credentials"] == {
        "amira": ["BirthCertificate", "VerifiedPerson", "VerifiedRelationship"],
        "julien": ["BirthCertificate", "VerifiedPerson", "VerifiedRelationship"],
    }
    for service in ("fed-child-benefit", "fed-sin"):
        verdict = result["verdicts"][service]
        assert (verdict["accepted"], verdict["reasons"]) == (True, []), service
        checks = _checks(verdict)
        assert checks[("role_accepted", "relationship")] == [True]
        assert checks[("linked", "relationship")] == [True, True, True]  # given name, family name, birthdate
        assert checks[("loa", "person")] == [True] and checks[("loa", "relationship")] == [True]
    refusal = result["refusal"]
    assert (refusal["status"], refusal["reason"]) == (422, "not_on_birth_registration")
    assert refusal["person"] == NOT_A_PARENT

    # Each parent's birth certificate names the registration, the child and both parents.
    held = {c["type"]: c for c in checked_json(http.get(f"{sandbox.url}/wallet/julien/credentials"))}
    assert held["BirthCertificate"]["claims"] == {
        "registration_number": "2026-PROV1-000001",
        **CHILD,
        "place_of_birth": NEWBORN_CHILD["place_of_birth"],
        "parent_1": AMIRA,
        "parent_2": JULIEN,
        "assurance_level": 3,
    }
    assert held["VerifiedRelationship"]["claims"] == {
        "relationship_type": "parent",
        "person": JULIEN,
        "related_person": CHILD,
        "effective_date": BORN,
        "assurance_level": 3,
    }

    # The register decides: a parent it names needs no document; anyone else is refused, whatever
    # number or document he brings; a number must be this child's.
    relationships = f"{sandbox.url}/issuers/vitalstats/relationships"
    by_number = {"relationship_type": "parent", "related_person": CHILD, "registration_number": "2026-PROV1-000001"}
    assert http.post(relationships, json={**by_number, "person": JULIEN}).status_code == 200
    as_child = {"relationship_type": "child", "person": CHILD, "related_person": AMIRA}
    assert http.post(relationships, json=as_child).status_code == 200
    for body, status, reason in (
        ({**by_number, "person": NOT_A_PARENT}, 422, "not_on_birth_registration"),
        ({**as_child, "related_person": NOT_A_PARENT}, 422, "not_on_birth_registration"),
        ({**by_number, "person": JULIEN, "registration_number": "2026-PROV1-999999"}, 404, "not_found"),
        ({**by_number, "person": JULIEN, "registration_number": ""}, 400, "bad_request"),
        ({**by_number, "person": JULIEN, "registration_number": 7}, 400, "bad_request"),
        (
            {**by_number, "person": JULIEN, "related_person": {**CHILD, "given_name": "Zoé"}},
            422,
            "evidence_mismatch",
        ),
    ):
        answer = http.post(relationships, json=body)
        assert (answer.status_code, answer.json()["error"]) == (status, reason), body

    # A birth is registered once.
    again = http.post(f"{sandbox.url}/issuers/vitalstats/births", json={**BIRTH, "parents": [{**JULIEN}]})
    assert (again.status_code, again.json()["error"]) == (409, "conflict")


def test_bad_birth_registrations_are_refused_and_store_nothing(sandbox, settings, http, anonymous):
    births = f"{sandbox.url}/issuers/vitalstats/births"
    child = BIRTH["child"]
    staff = _bearer(settings.issuer_staff_token("vitalstats"))
    cases = [
        (anonymous, births, BIRTH, {}, 401, "unauthorized"),
        (anonymous, births, BIRTH, _bearer("not-a-token"), 401, "unauthorized"),
        (anonymous, births, BIRTH, _bearer(settings.issuer_staff_token("prov1")), 403, "forbidden"),
        (http, f"{sandbox.url}/issuers/prov1/births", BIRTH, {}, 400, "bad_request"),  # not vital statistics
        (anonymous, f"{sandbox.url}/issuers/nowhere/births", BIRTH, staff, 403, "forbidden"),  # not its own issuer
        (http, births, [BIRTH], {}, 400, "bad_request"),
        (http, births, {**BIRTH, "child": None}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "child": {**child, "given_name": ""}}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "child": {**child, "birthdate": "20/11/2026"}}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "child": {**child, "birthdate": "2099-01-01"}}, {}, 400, "bad_request"),  # future
        (http, births, {**BIRTH, "child": {**child, "place_of_birth": None}}, {}, 400, "bad_request"),
        (
            http,
            births,
            {**BIRTH, "child": {**child, "place_of_birth": {"locality": "Riverton", "planet": "Earth"}}},
            {},
            400,
            "bad_request",
        ),
        (
            http,
            births,
            {**BIRTH, "child": {**child, "place_of_birth": {"locality": "Riverton"}}},
            {},
            400,
            "bad_request",
        ),
        (
            http,
            births,
            {**BIRTH, "child": {**child, "given_name": "No\u202ee"}},
            {},
            422,
            "claims_invalid",
        ),  # a bidirectional override in a name
        (http, births, {**BIRTH, "parents": []}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "parents": [AMIRA, JULIEN, NOT_A_PARENT]}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "parents": AMIRA}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "parents": [AMIRA, {"given_name": "Julien"}]}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "parents": [AMIRA, {**AMIRA, "given_name": " amira "}]}, {}, 400, "bad_request"),
        (http, births, {**BIRTH, "parents": [AMIRA, {**JULIEN, "birthdate": BORN}]}, {}, 400, "bad_request"),
    ]
    for client, url, body, headers, status, reason in cases:
        answer = client.post(url, json=body, headers=headers)
        assert (answer.status_code, answer.json()["error"]) == (status, reason), body

    # A parent on the death register is refused (409) before anything is stored.
    dead = http.post(
        f"{sandbox.url}/issuers/vitalstats/deaths", json={**JULIEN, "date_of_death": "2026-11-01"}
    ).status_code
    assert dead == 201
    refused = http.post(births, json=BIRTH)
    assert (refused.status_code, refused.json()["error"]) == (409, "conflict")

    # Nothing was stored: the first registration that goes through is the register's first.
    registered = http.post(births, json={**BIRTH, "parents": [AMIRA]})
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert body["registration_number"] == "2026-PROV1-000001"
    assert [o["parent"] for o in body["offers"]] == [AMIRA] and body["offers"][0]["tx_code"]
    assert body["offers"][0]["credential_offer"]["credential_configuration_ids"] == [
        "BirthCertificate",
        "VerifiedRelationship",
    ]


def test_benefit_service_refuses_a_relationship_naming_another_parent(sandbox, http):
    """Amira's Verified Person beside the relationship issued to Julien (its offer redeemed in her
    wallet): the relationship is a parent one, but it names someone else."""
    url = sandbox.url
    open_wallet(http, url, "mixed")
    receive(
        http,
        url,
        "mixed",
        checked_json(
            http.post(f"{url}/issuers/prov1/proofing", json={**NEWBORN_PARENT_1, "evidence": NEWBORN_PARENT_1_EVIDENCE})
        ),
    )
    registered = checked_json(http.post(f"{url}/issuers/vitalstats/births", json=BIRTH))
    receive(http, url, "mixed", registered["offers"][1])  # Julien's
    verdict = present(http, url, url, "mixed", "fed-child-benefit")["verdict"]
    assert verdict["accepted"] is False and verdict["reasons"] == ["claims_not_linked"]
    checks = _checks(verdict)
    assert checks[("linked", "relationship")] == [False, False, False]
    assert checks[("role_accepted", "relationship")] == [True]

    # A child's relationship to her (the baby's, held by the baby) is not a parent's: refused for its role too.
    open_wallet(http, url, "other")
    receive(
        http,
        url,
        "other",
        checked_json(
            http.post(f"{url}/issuers/prov1/proofing", json={**NEWBORN_PARENT_1, "evidence": NEWBORN_PARENT_1_EVIDENCE})
        ),
    )
    child_of = {"relationship_type": "child", "person": CHILD, "related_person": AMIRA}
    receive(http, url, "other", checked_json(http.post(f"{url}/issuers/vitalstats/relationships", json=child_of)))
    refused = present(http, url, url, "other", "fed-sin")["verdict"]
    assert refused["accepted"] is False
    assert set(refused["reasons"]) == {"role_not_accepted", "claims_not_linked"}


def test_birth_certificate_is_vocabulary_data_with_assessment_criteria():
    assert CREDENTIAL_TYPES["BirthCertificate"] is BIRTH_CERTIFICATE
    paths = BIRTH_CERTIFICATE.disclosable_paths()
    for path in (("registration_number",), ("given_name",), ("parent_1", "given_name"), ("parent_2", "birthdate")):
        assert path in paths
    assert ("assurance_level",) not in paths
    ids = [c.id for c in criteria_for([BIRTH_CERTIFICATE.vct])]
    assert "birth_registration_establishment" in ids and "birth_registration_maintenance" in ids
    assert "privacy" in ids and not any(i.startswith("identity_") for i in ids)


@pytest.mark.slow
def test_demo_newborn_as_json_and_in_french(env, tmp_path):
    as_json = run(env, "demo", "newborn", "--json")
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["ok"] is True
    assert {s: (v["accepted"], v["reasons"]) for s, v in result["verdicts"].items()} == {
        "fed-child-benefit": (True, []),
        "fed-sin": (True, []),
    }
    assert result["refusal"]["reason"] == "not_on_birth_registration"
    assert result["registration"]["registration_number"].endswith("-PROV1-000001")
    told = run(env, "demo", "newborn", "--lang", "fr")
    assert told.returncode == 0, told.stdout + told.stderr
    flat = " ".join(told.stdout.split())
    for expected in (
        "L'état civil enregistre la naissance de Noé Fortin-Haddad",
        "Allocation canadienne pour enfants",
        "Numéro d'assurance sociale d'un nouveau-né",
        "not_on_birth_registration",
        "les deux services fédéraux les ont acceptés",
    ):
        assert expected in flat, expected
    assert not (tmp_path / "data").exists()  # the story ran in a sandbox of its own


def test_births_route_is_on_the_operator_keyring(settings):
    from scenarios.keyring import Keyring

    assert Keyring(settings).token_for("POST", "/issuers/vitalstats/births") == settings.issuer_staff_token(
        "vitalstats"
    )


@pytest.mark.slow
def test_demo_newborn_asks_each_parent_naming_the_service(env):
    """With -i each parent is asked before their wallet shares anything, the prompt naming the
    service asking; the second parent declining leaves the story not done (exit 1)."""
    told = run({**env, "COLUMNS": "200"}, "demo", "newborn", "-i", stdin="y\nn\n")
    assert told.returncode == 1, told.stdout + told.stderr
    flat = " ".join(told.stdout.split())
    assert told.stdout.count("[Y/n]") == 2  # each parent, once
    assert "Canada Child Benefit (federal benefits service): application accepted" in flat
    assert "Social Insurance Number for a newborn: application refused (consent_required)" in flat
    assert "The newborn story did not go as expected" in flat
