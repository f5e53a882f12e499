"""An adult child acting for an elderly parent: the delegation story, its issuer endpoint and the
portal's policy, over real HTTP on loopback.

The story runs on a frozen clock the test moves (the portal's cached status list runs out when
the clock says so); the endpoint's refusals run against one sandbox shared by this module, each
test with its own people or consent references.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from issuers.ledger import validity
from pctf.clock import FrozenClock
from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all
from scenarios import delegation
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_EVIDENCE, SASHA_FATHER, SASHA_FATHER_EVIDENCE
from scenarios.steps import open_wallet, present, receive
from tests.support import free_port, serve_sandbox
from tests.test_cli import run

REF = ("given_name", "family_name", "birthdate")
SASHA_REF = {k: SASHA[k] for k in REF}
GILLES = {k: SASHA_FATHER[k] for k in REF}
TTL = 60
URL = "/issuers/prov1health/delegations"


def _people(given: str, family: str, birthdate: str, documents: int = 2) -> tuple[dict, list[dict]]:
    """A person and their evidence: two documents for level of assurance 3, one for level 2."""
    person = {"given_name": given, "family_name": family, "birthdate": birthdate}
    evidence = [
        {"type": "drivers_licence", "number": f"DL-{given}", **person},
        {"type": "birth_certificate", "number": f"BC-{given}", **person},
    ]
    return {**person, "address": SASHA_FATHER["address"]}, evidence[:documents]


# ==============================================================================================
# The story
# ==============================================================================================
@pytest.fixture
def live(settings):
    """The whole sandbox on a real server, with a frozen clock the test moves."""
    settings = settings.model_copy(update={"status_list_ttl_seconds": TTL})
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    with serve_sandbox(settings, clock) as server, httpx.Client(timeout=15, auth=Keyring(settings)) as http:
        yield clock, server.url, http


def _failed(verdict: dict) -> list[tuple[str, str | None, str]]:
    return [(c["check"], c["credential"], c["reason"]) for c in verdict["checks"] if not c["passed"]]


def test_the_portal_accepts_the_delegation_then_refuses_each_way_it_stops_working(live):
    clock, url, http = live
    today = clock.now().date()
    result = delegation.run(url, http, ttl_seconds=TTL, retry_every=15, pause=clock.advance, now=clock.now)
    assert result["ok"] is True, result

    accepted = result["accepted"]
    assert accepted["accepted"] is True and accepted["reasons"] == []
    passed = {(c["check"], c["credential"]) for c in accepted["checks"] if c["passed"]}
    assert {("role_accepted", "delegation"), ("scope_covered", "delegation"), ("same_holder", None)} <= passed
    assert [c["check"] for c in accepted["checks"] if c["check"] == "linked"] == ["linked"] * 3
    assert ("loa", "person") in passed and ("loa", "delegation") in passed

    # Consent withdrawn: the portal answered from its cached list until the ttl ran out.
    revoked = result["refused_after_revocation"]
    assert revoked["reasons"] == ["credential_revoked"]
    assert _failed(revoked) == [("credential_status", "delegation", "credential_revoked")]
    assert result["accepted_from_cached_status_list"] == TTL // 15

    out_of_scope = result["refused_out_of_scope"]
    assert out_of_scope["reasons"] == ["scope_not_covered"]
    assert _failed(out_of_scope) == [("scope_covered", "delegation", "scope_not_covered")]

    not_yet = result["refused_not_yet_in_effect"]
    assert not_yet["reasons"] == ["credential_not_yet_valid"]
    assert _failed(not_yet) == [("validity", "delegation", "credential_not_yet_valid")]

    consent = result["consent"]
    assert consent["granted_by"] == GILLES and consent["represented_person"] == GILLES
    assert consent["delegate"] == SASHA_REF and consent["scope"] == "health_information"
    assert (consent["valid_from"], consent["valid_until"]) == (str(today), str(today + timedelta(days=364)))
    assert consent["reference"].startswith("P1H-CONSENT-")

    # Each delegation in her wallet expires at the end of its last day: its exp follows valid_until.
    held = checked_json(http.get(f"{url}/wallet/sasha/credentials"))
    delegations = [c for c in held if c["type"] == "VerifiedRelationship"]
    assert [c["claims"]["scope"] for c in delegations] == ["health_information", "appointments", "health_information"]
    for cred in delegations:
        end = date.fromisoformat(cred["claims"]["valid_until"]) + timedelta(days=1)
        assert cred["expires_at"] == datetime.combine(end, datetime.min.time(), UTC).isoformat()
        assert cred["claims"]["consent"]["granted_by"] == "Gilles Tremblay"
    assert delegations[-1]["claims"]["valid_from"] == str(today + timedelta(days=30))


# ==============================================================================================
# The health authority's endpoint
# ==============================================================================================
@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    """One sandbox for the endpoint's tests, where Sasha and her father are proofed (LoA 3)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("delegation"), port=free_port(), local_mode=True)
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    server = serve_sandbox(settings, clock)
    try:
        with httpx.Client(base_url=server.url, timeout=15, auth=Keyring(settings)) as http:
            for persona, evidence, wallet_id in (
                (SASHA, SASHA_EVIDENCE, "sasha"),
                (SASHA_FATHER, SASHA_FATHER_EVIDENCE, "gilles"),
            ):
                open_wallet(http, server.url, wallet_id)
                proofed = checked_json(http.post("/issuers/prov1/proofing", json={**persona, "evidence": evidence}))
                receive(http, server.url, wallet_id, proofed)
            yield {"settings": settings, "clock": clock, "http": http, "url": server.url}
    finally:
        server.stop()
        dispose_all()


def _application(clock: FrozenClock, reference: str, **changes) -> dict:
    today = clock.now().date()
    application = {
        "delegate": SASHA_REF,
        "represented_person": GILLES,
        "scope": "health_information",
        "valid_from": str(today),
        "valid_until": str(today + timedelta(days=364)),
        "consent": {"granted_by": GILLES, "granted_at": clock.now().isoformat(), "reference": reference},
    }
    consent = changes.pop("consent", {})
    merged = None if consent is None else {**application["consent"], **consent}  # None: no consent at all
    return {**application, **changes, "consent": merged}


def test_the_offer_carries_the_delegation_and_the_recorded_consent(authority):
    http, clock = authority["http"], authority["clock"]
    answer = http.post(URL, json=_application(clock, "T-OFFER"))
    assert answer.status_code == 200, answer.text
    granted = answer.json()
    assert granted["tx_code"] and granted["credential_offer_uri"].startswith("openid-credential-offer://")
    assert granted["consent"]["reference"] == "T-OFFER" and granted["consent"]["granted_by"] == GILLES
    assert granted["consent"]["granted_at"] == clock.now().isoformat()
    open_wallet(http, authority["url"], "sasha_offer")
    (cred,) = receive(http, authority["url"], "sasha_offer", granted)
    claims = cred["claims"]
    assert (claims["relationship_type"], claims["person"], claims["related_person"]) == ("delegate", SASHA_REF, GILLES)
    assert claims["consent"] == {
        "granted_by": "Gilles Tremblay",
        "granted_at": clock.now().isoformat(),
        "reference": "T-OFFER",
    }
    assert claims["assurance_level"] == 3


def test_only_the_health_authoritys_staff_may_record_a_delegation(authority, anonymous):
    settings, url = authority["settings"], authority["url"]
    body = _application(authority["clock"], "T-AUTH")
    assert anonymous.post(url + URL, json=body).status_code == 401
    other = {"Authorization": f"Bearer {settings.issuer_staff_token('prov1')}"}
    denied = anonymous.post(url + URL, json=body, headers=other)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    # Province 1's own staff, at Province 1: an identity program is no health authority.
    refused = anonymous.post(f"{url}/issuers/prov1/delegations", json=body, headers=other)
    assert refused.status_code == 400 and refused.json()["error"] == "bad_request"


def _in(days: int, clock: FrozenClock) -> str:
    return str(clock.now().date() + timedelta(days=days))


@pytest.mark.parametrize(
    "changes,status,reason",
    [
        (lambda c: {"scope": "financial_affairs"}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"scope": ["health_information"]}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"delegate": GILLES}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"valid_until": _in(-1, c), "valid_from": _in(-10, c)}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"valid_from": _in(10, c), "valid_until": _in(5, c)}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"valid_until": _in(6 * 366, c)}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"valid_from": "01/12/2026"}, 400, Reason.CLAIMS_INVALID),
        (lambda c: {"valid_from": _in(-1, c)}, 422, Reason.CLAIMS_INVALID),  # before the consent
        (lambda c: {"consent": {"granted_at": (c.now() + timedelta(hours=1)).isoformat()}}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"consent": {"granted_at": "2026-01-01T10:00:00"}}, 422, Reason.CLAIMS_INVALID),  # no offset
        (lambda c: {"consent": {"granted_at": "0001-01-01T00:00:00+23:59"}}, 422, Reason.CLAIMS_INVALID),
        (lambda c: {"consent": {"granted_by": SASHA_REF}}, 422, Reason.EVIDENCE_MISMATCH),
        (lambda c: {"consent": {"reference": "x" * 65}}, 400, Reason.BAD_REQUEST),
        (lambda c: {"consent": None}, 400, Reason.BAD_REQUEST),
        (lambda c: {"delegate": {"given_name": "Sasha"}}, 400, Reason.BAD_REQUEST),
        (
            lambda c: {"delegate": {"given_name": "Zoé", "family_name": "Tremblay", "birthdate": _in(-10 * 365, c)}},
            422,
            Reason.CLAIMS_INVALID,
        ),  # a child
        (
            lambda c: {"delegate": {"given_name": "Nora", "family_name": "Kusugak", "birthdate": "1985-09-30"}},
            422,
            Reason.EVIDENCE_INSUFFICIENT,
        ),  # never proofed
        (
            lambda c: {
                "represented_person": {"given_name": "Nora", "family_name": "Kusugak", "birthdate": "1985-09-30"},
                "consent": {"granted_by": {"given_name": "Nora", "family_name": "Kusugak", "birthdate": "1985-09-30"}},
            },
            422,
            Reason.EVIDENCE_INSUFFICIENT,
        ),
    ],
    ids=[
        "scope-elsewhere",
        "scope-not-text",
        "own-delegate",
        "period-over",
        "period-reversed",
        "period-too-long",
        "date-malformed",
        "before-consent",
        "consent-in-future",
        "consent-time-without-offset",
        "consent-time-out-of-range",
        "consent-by-delegate",
        "reference-too-long",
        "no-consent",
        "delegate-incomplete",
        "delegate-a-child",
        "delegate-not-proofed",
        "represented-not-proofed",
    ],
)
def test_a_bad_application_is_refused_with_its_reason_and_changes_nothing(authority, changes, status, reason, request):
    http, clock = authority["http"], authority["clock"]
    reference = f"T-BAD-{request.node.callspec.id}"
    refused = http.post(URL, json=_application(clock, reference, **changes(clock)))
    assert refused.status_code == status, refused.text
    assert refused.json()["error"] == reason.value
    # Nothing was recorded: the same consent reference is still free for a good application.
    assert http.post(URL, json=_application(clock, reference)).status_code == 200


def test_a_body_that_is_not_an_object_is_a_bad_request(authority):
    refused = authority["http"].post(URL, json=["delegate"])
    assert refused.status_code == 400 and refused.json()["error"] == "bad_request"


def test_one_consent_backs_one_delegation(authority):
    http, clock = authority["http"], authority["clock"]
    assert http.post(URL, json=_application(clock, "T-ONCE")).status_code == 200
    again = http.post(URL, json=_application(clock, "T-ONCE", scope="appointments"))
    assert again.status_code == 409 and again.json()["error"] == "conflict"


def test_a_verified_person_below_the_delegations_level_of_assurance_is_not_enough(authority):
    http, clock, url = authority["http"], authority["clock"], authority["url"]
    person, evidence = _people("Hugo", "Tremblay", "1990-04-12", documents=1)
    open_wallet(http, url, "hugo")
    proofed = checked_json(http.post("/issuers/prov1/proofing", json={**person, "evidence": evidence}))
    assert proofed["assurance_level"] == 2
    receive(http, url, "hugo", proofed)
    refused = http.post(URL, json=_application(clock, "T-LOA2", delegate=person))
    assert refused.status_code == 422 and refused.json()["error"] == "evidence_insufficient"


def test_nobody_delegates_for_a_person_on_the_death_register(authority):
    http, clock, url = authority["http"], authority["clock"], authority["url"]
    person, evidence = _people("Rose", "Tremblay", "1930-05-20")
    open_wallet(http, url, "rose")
    proofed = checked_json(http.post("/issuers/prov1/proofing", json={**person, "evidence": evidence}))
    receive(http, url, "rose", proofed)
    death = {**person, "date_of_death": str(clock.now().date())}
    assert http.post("/issuers/vitalstats/deaths", json=death).status_code == 201
    refused = http.post(
        URL, json=_application(clock, "T-DEAD", represented_person=person, consent={"granted_by": person})
    )
    assert refused.status_code == 422 and refused.json()["error"] == "person_deceased"


def test_someone_elses_verified_person_with_the_delegation_is_not_linked(authority):
    """Sasha's tablet holds her father's Verified Person (proofed into it) and her delegation: both
    are bound to the tablet's key, but the delegation names her, not the person presented."""
    http, clock, url = authority["http"], authority["clock"], authority["url"]
    open_wallet(http, url, "sasha_tablet")
    his = checked_json(http.post("/issuers/prov1/proofing", json={**SASHA_FATHER, "evidence": SASHA_FATHER_EVIDENCE}))
    receive(http, url, "sasha_tablet", his)
    receive(http, url, "sasha_tablet", checked_json(http.post(URL, json=_application(clock, "T-LINK"))))
    verdict = present(http, url, url, "sasha_tablet", "prov1-health")["verdict"]
    assert verdict["accepted"] is False and verdict["reasons"] == ["claims_not_linked"]
    assert {(c["check"], c["credential"]) for c in verdict["checks"] if not c["passed"]} == {("linked", "delegation")}
    assert [c for c in verdict["checks"] if c["check"] == "same_holder"][0]["passed"] is True


# ==============================================================================================
# The credential's validity follows the delegation's period
# ==============================================================================================
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


def test_a_credential_without_a_period_lasts_the_sandboxs_lifetime():
    assert validity({"given_name": "Sasha"}, NOW, timedelta(days=365)) == (None, NOW + timedelta(days=365))


def test_a_delegations_period_is_its_credentials_nbf_and_exp():
    start, end = validity({"valid_from": "2026-04-01", "valid_until": "2027-03-31"}, NOW, timedelta(days=10))
    assert start == datetime(2026, 4, 1, tzinfo=UTC) and end == datetime(2027, 4, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "claims", [{"valid_from": "2026-01-01", "valid_until": "2026-03-09"}, {"valid_until": "2026-03-09"}]
)
def test_a_period_already_over_is_not_issued(claims):
    with pytest.raises(SandboxError) as refused:
        validity(claims, NOW, timedelta(days=365))
    assert refused.value.reason == Reason.CLAIMS_INVALID


# ==============================================================================================
# The command line
# ==============================================================================================
@pytest.fixture
def env(tmp_path):
    import os

    return {**os.environ, "PCTF_DATA_DIR": str(tmp_path / "data"), "PCTF_PORT": str(free_port())}


@pytest.mark.slow
def test_demo_delegation_as_json_and_in_french(env, tmp_path):
    as_json = run(env, "demo", "delegation", "--json")
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    result = json.loads(as_json.stdout)
    assert result["ok"] is True and result["accepted"]["accepted"] is True
    assert result["refused_after_revocation"]["reasons"] == ["credential_revoked"]
    assert result["refused_out_of_scope"]["reasons"] == ["scope_not_covered"]
    assert result["refused_not_yet_in_effect"]["reasons"] == ["credential_not_yet_valid"]
    assert result["consent"]["granted_by"] == GILLES and result["status_list_ttl_seconds"] == 1
    assert not (tmp_path / "data").exists()  # the story ran in a sandbox of its own
    told = run({**env, "COLUMNS": "200"}, "demo", "delegation", "--lang", "fr")
    assert told.returncode == 0, told.stdout + told.stderr
    text = " ".join(told.stdout.split())
    for expected in (
        "Gilles donne son consentement",
        "l'Autorité sanitaire de la Province 1 le consigne",
        "Gilles retire son consentement",
        "demande refusée (credential_revoked)",
        "demande refusée (scope_not_covered)",
        "demande refusée (credential_not_yet_valid)",
        "Le portail a permis à Sasha d'agir pour son père",
    ):
        assert expected in text, expected
