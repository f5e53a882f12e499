"""A verdict as people read it, in English or French (:func:`scenarios.narration.verdict_rows`,
used by the command line and the dashboard alike): each check's ``params`` give its detail in
the reader's language, a failed check its reason's description, and the credential column the
credential type's label, while the verdict's JSON keeps its English ``detail`` for programs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from pctf.reasons import Reason
from pctf.storage import dispose_all
from scenarios.narration import verdict_rows
from tests.test_french_everywhere import english_left
from tests.test_verifier_engine import (
    ORG_CLAIMS,
    World,
    bank,
    hand_issue,
    make_world,
    payload_for,
    present,
    sasha_presentations,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The verification engine's test world: issuers, registry and engine, in process."""
    yield make_world(tmp_path_factory.mktemp("verdict-words") / "data")
    dispose_all()


LABELS = {"person": "Personne vérifiée", "organization": "Organisation vérifiée", "relationship": "Relation vérifiée"}


def test_every_check_carries_the_values_of_its_detail(world):
    verdict = bank(world, sasha_presentations(world)).as_dict()
    assert verdict["accepted"]
    for check in verdict["checks"]:
        assert set(check) == {"check", "credential", "passed", "reason", "detail", "params"}
        assert check["params"], check  # every check the engine and the policy make says its values
        json.dumps(check["params"])  # and they are JSON, like the rest of the verdict
    signature = next(c for c in verdict["checks"] if c["check"] == "signature")
    assert signature["detail"] == f"issuer signature verified with key {signature['params']['kid']}"
    loa = next(c for c in verdict["checks"] if c["check"] == "loa")
    assert loa["params"] == {"type": "VerifiedPerson", "loa": 3, "required": 3}


def test_an_accepted_verdict_reads_in_french(world):
    verdict = bank(world, sasha_presentations(world)).as_dict()
    rows = verdict_rows(verdict, "fr")
    assert len(rows) == len(verdict["checks"])
    assert {r["credential"] for r in rows} == set(LABELS.values()) | {"—"}
    text = "\n".join(f"{r['label']} {r['credential']} {r['detail']}" for r in rows)
    assert english_left(text) == [], text
    details = {r["label"]: r["detail"] for r in rows}
    assert details["Niveau d'assurance"] == "niveau d'assurance 3, la politique exige 3"
    assert "divulgation(s) conforme(s) aux empreintes signées par l'émetteur" in text
    assert "Relation vérifiée › Personne › Prénom correspond à Personne vérifiée › Prénom" in text
    english = verdict_rows(verdict, "en")
    assert any(r["detail"].endswith("disclosure(s) match digests signed by the issuer") for r in english)


def test_a_refused_check_reads_as_its_reason_in_french(world):
    payload = payload_for(world, "VerifiedOrganization", ORG_CLAIMS, iss=world.iss("prov1"))
    forged = hand_issue(payload, world.issuers.signing_key("prov1"))
    presented = {**sasha_presentations(world), "organization": present(world, forged, query_id="organization")}
    verdict = bank(world, presented).as_dict()
    assert verdict["reasons"] == [Reason.ISSUER_NOT_AUTHORIZED.value]
    failed = [r for r in verdict_rows(verdict, "fr") if not r["passed"]]
    assert failed == [
        {
            "label": "Émetteur autorisé pour ce type et ce niveau",
            "credential": "Organisation vérifiée",
            "passed": False,
            "reason": "issuer_not_authorized",
            "phrase": "L'émetteur n'est pas autorisé pour ce type ou ce niveau",
            "detail": "",
        }
    ]


def test_a_credential_not_presented_is_named_by_its_type(world):
    presented = sasha_presentations(world)
    del presented["relationship"]
    verdict = bank(world, presented).as_dict()
    missing = [r for r in verdict_rows(verdict, "fr") if not r["passed"]]
    assert [(r["credential"], r["reason"]) for r in missing] == [("Relation vérifiée", "credential_not_presented")]
    assert missing[0]["phrase"] == "Un justificatif exigé n'a pas été présenté"
