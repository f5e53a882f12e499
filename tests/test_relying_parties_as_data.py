"""Relying parties declared as data: in a YAML or TOML file (``PCTF_RELYING_PARTIES``) or created
over the API by the governance role, each served beside the built-in ones, over real HTTP.

A declared relying party asks for a Verified Person at LoA 3 with name and birthdate and accepts
Sasha's; one with a value rule refuses her with the reason it declared; every unusable
declaration is refused, naming the file, the relying party and the field; one created over the
API verifies a presentation, and only the token it was answered with reads its verdicts."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from pctf.clock import SystemClock
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all, engine_for
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_EVIDENCE
from scenarios.steps import open_wallet, present, receive
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import EXE, free_port, outlives_the_test, serve_sandbox
from verifier.declarations import load_file
from verifier.directory import RelyingParties

YAML = """\
relying_parties:
  - id: riverton-library
    name: {en: Riverton Public Library, fr: Bibliothèque publique de Riverton}
    purpose: {en: Get a library card, fr: Obtenir une carte de bibliothèque}
    requirements:
      - id: person
        credential: VerifiedPerson
        claims: [given_name, family_name, birthdate]
        min_loa: 3
  - id: prov2-residents
    name: {en: Province 2 Residents' Office, fr: Bureau des résidents de la Province 2}
    purpose: {en: Confirm you live in Province 2, fr: Confirmer que vous habitez la Province 2}
    requirements:
      - id: person
        credential: urn:pctf-sandbox:vct:verified-person:1
        claims: [given_name, family_name, birthdate, address.region]
        min_loa: 3
        rules:
          - claim: address.region
            accepted: [Prov2]
            reason: scope_not_covered
"""

TOML = """\
[[relying_parties]]
id = "riverton-library"
name = { en = "Riverton Public Library", fr = "Bibliothèque publique de Riverton" }
purpose = { en = "Get a library card", fr = "Obtenir une carte de bibliothèque" }

[[relying_parties.requirements]]
id = "person"
credential = "VerifiedPerson"
claims = ["given_name", "family_name", "birthdate"]
min_loa = 3

[[relying_parties]]
id = "prov2-residents"
name = { en = "Province 2 Residents' Office", fr = "Bureau des résidents de la Province 2" }
purpose = { en = "Confirm you live in Province 2", fr = "Confirmer que vous habitez la Province 2" }

[[relying_parties.requirements]]
id = "person"
credential = "urn:pctf-sandbox:vct:verified-person:1"
claims = ["given_name", "family_name", "birthdate", ["address", "region"]]
min_loa = 3

[[relying_parties.requirements.rules]]
claim = ["address", "region"]
accepted = ["Prov2"]
reason = "scope_not_covered"
"""

# What the API is given to create a relying party: the file's shape, one relying party.
CLINIC = {
    "id": "riverton-clinic",
    "name": {"en": "Riverton Walk-in Clinic", "fr": "Clinique sans rendez-vous de Riverton"},
    "purpose": {"en": "Register as a patient", "fr": "Vous inscrire comme patient"},
    "requirements": [
        {"id": "person", "credential": "VerifiedPerson", "claims": [["given_name"], ["birthdate"]], "min_loa": 3}
    ],
}
_BACK_END = re.compile(r"^/verifier/([a-z0-9_-]{1,64})/(requests|verify)(/|$)")


class _Operator(Keyring):
    """The operator's keyring, and the back-end tokens of relying parties it was not built with."""

    def __init__(self, settings: Settings, back_ends: dict[str, str]) -> None:
        super().__init__(settings)
        self.back_ends = back_ends

    def token_for(self, method: str, path: str) -> str | None:
        found = _BACK_END.match(path)
        if found is not None and found.group(1) in self.back_ends:
            return self.back_ends[found.group(1)]
        return super().token_for(method, path)


def _sandbox_with(directory: Path, declaration: Path):
    settings = Settings(
        data_dir=directory / "data", port=free_port(), governance_token=GOVERNANCE_TOKEN, relying_parties=declaration
    )
    served = outlives_the_test(serve_sandbox(settings, SystemClock()))
    back_ends = {rp: settings.relying_party_token(rp) for rp in ("riverton-library", "prov2-residents")}
    http = httpx.Client(timeout=30, auth=_Operator(settings, back_ends))
    base = settings.base_url
    open_wallet(http, base, "sasha")
    offered = http.post(f"{base}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
    assert offered.status_code == 200, offered.text
    receive(http, base, "sasha", offered.json())
    return settings, served, http


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The sandbox serving the relying parties a YAML file declares; Sasha's wallet holds a
    Verified Person from Province 1 at LoA 3."""
    directory = tmp_path_factory.mktemp("declared")
    declaration = directory / "relying-parties.yaml"
    declaration.write_text(YAML, encoding="utf-8")
    settings, served, http = _sandbox_with(directory, declaration)
    try:
        yield {"settings": settings, "http": http, "base": settings.base_url, "back_ends": http.auth.back_ends}
    finally:
        http.close()
        served.stop()
        dispose_all()


def _claims(verdict: dict) -> set[str]:
    return set(verdict["credentials"]["person"]["claims"])


# -- declared in a file ----------------------------------------------------------------------------
def test_a_relying_party_declared_in_yaml_accepts_a_verified_person_at_loa_3(world):
    done = present(world["http"], world["base"], world["base"], "sasha", "riverton-library")
    verdict = done["verdict"]
    assert verdict["accepted"] is True and verdict["reasons"] == [], verdict
    assert _claims(verdict) == {"given_name", "family_name", "birthdate", "assurance_level"}
    loa = next(c for c in verdict["checks"] if c["check"] == "loa")
    assert loa["passed"] and loa["params"]["required"] == 3


def test_a_declared_value_rule_refuses_with_the_reason_it_declares(world):
    verdict = present(world["http"], world["base"], world["base"], "sasha", "prov2-residents")["verdict"]
    assert verdict["accepted"] is False and verdict["reasons"] == [Reason.SCOPE_NOT_COVERED.value], verdict
    rule = next(c for c in verdict["checks"] if c["check"] == "scope_covered")
    assert rule["passed"] is False and rule["params"]["value"] == "Prov1" and rule["params"]["accepted"] == ["Prov2"]


def test_the_same_relying_parties_declared_in_toml_are_the_same_policies(tmp_path):
    (tmp_path / "a.yaml").write_text(YAML, encoding="utf-8")
    (tmp_path / "a.toml").write_text(TOML, encoding="utf-8")
    assert load_file(tmp_path / "a.toml") == load_file(tmp_path / "a.yaml")


def test_the_documented_examples_declare_the_same_relying_parties_in_yaml_and_toml(tmp_path):
    text = (Path(__file__).resolve().parent.parent / "docs" / "relying-parties.md").read_text(encoding="utf-8")
    blocks = {fmt: re.findall(rf"```{fmt}\n(.*?)```", text, re.S) for fmt in ("yaml", "toml")}
    assert len(blocks["yaml"]) == 2 and len(blocks["toml"]) == 1, blocks
    # The DCQL alternatives example declares a usable relying party too.
    (tmp_path / "alternatives.yaml").write_text(blocks["yaml"][0], encoding="utf-8")
    (post,) = load_file(tmp_path / "alternatives.yaml")
    assert post.policy.dcql_query()["credential_sets"][1] == {"options": [["organization"]], "required": False}
    assert post.policy.requirements[0].claim_sets[1] == (("given_name",), ("address", "region"))
    (tmp_path / "example.yaml").write_text(blocks["yaml"][1], encoding="utf-8")
    (tmp_path / "example.toml").write_text(blocks["toml"][0], encoding="utf-8")
    declared = load_file(tmp_path / "example.yaml")
    assert declared == load_file(tmp_path / "example.toml")
    supplies = next(rp for rp in declared if rp.id == "riverton-supplies").policy
    assert [r.type_name for r in supplies.requirements] == [
        "VerifiedPerson",
        "VerifiedOrganization",
        "VerifiedRelationship",
    ]
    assert len(supplies.links) == 4


def test_a_relying_party_declared_in_toml_runs_a_presentation_end_to_end(tmp_path):
    declaration = tmp_path / "relying-parties.toml"
    declaration.write_text(TOML, encoding="utf-8")
    settings, served, http = _sandbox_with(tmp_path, declaration)
    try:
        verdict = present(http, settings.base_url, settings.base_url, "sasha", "riverton-library")["verdict"]
        assert verdict["accepted"] is True and verdict["reasons"] == [], verdict
    finally:
        http.close()
        served.stop()


def test_the_back_end_of_a_declared_relying_party_alone_reads_its_verdicts(world):
    http, base = world["http"], world["base"]
    state = present(http, base, base, "sasha", "riverton-library")["state"]
    url = f"{base}/verifier/riverton-library/requests/{state}"
    own = httpx.get(url, headers={"Authorization": f"Bearer {world['back_ends']['riverton-library']}"}, timeout=15)
    assert own.status_code == 200 and own.json()["status"] == "accepted"
    other = httpx.get(url, headers={"Authorization": f"Bearer {world['back_ends']['prov2-residents']}"}, timeout=15)
    assert other.status_code == 403
    assert httpx.get(url, timeout=15).status_code == 401


def test_declared_relying_parties_are_listed_publicly_beside_the_built_in_ones(world):
    base = world["base"]
    listed = httpx.get(f"{base}/verifier/relying-parties", timeout=15).json()
    ids = [rp["id"] for rp in listed]
    assert {"bank", "riverton-library", "prov2-residents"} <= set(ids)
    assert not any("token" in rp for rp in listed)
    one = httpx.get(f"{base}/verifier/relying-parties/prov2-residents", timeout=15).json()
    assert one["name"]["fr"] == "Bureau des résidents de la Province 2"
    assert one["requirements"][0]["credential"] == "VerifiedPerson" and one["requirements"][0]["min_loa"] == 3
    assert one["requirements"][0]["rules"] == [
        {"claim": ["address", "region"], "accepted": ["Prov2"], "reason": "scope_not_covered"}
    ]
    assert one["dcql_query"]["credentials"][0]["claims"][-1] == {"path": ["address", "region"]}
    # The wallet-facing listing names it too, with the client id it asks under.
    assert "riverton-library" in [rp["id"] for rp in httpx.get(f"{base}/verifier", timeout=15).json()]
    missing = httpx.get(f"{base}/verifier/relying-parties/nobody", timeout=15)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


# -- declarations the sandbox refuses ------------------------------------------------------------
def _declaring(**changes) -> str:
    rp = {
        "id": "riverton-library",
        "name": {"en": "Riverton Public Library", "fr": "Bibliothèque publique de Riverton"},
        "purpose": {"en": "Get a library card", "fr": "Obtenir une carte de bibliothèque"},
        "requirements": [{"id": "person", "credential": "VerifiedPerson", "claims": ["given_name"], "min_loa": 3}],
    }
    requirement = rp["requirements"][0]
    for key, value in changes.items():
        in_requirement = key in ("credential", "claims", "min_loa", "rules", "claim_sets", "values")
        (requirement if in_requirement else rp)[key] = value
    return yaml.safe_dump({"relying_parties": [rp]}, allow_unicode=True)


BAD = {
    "unknown credential type": (
        _declaring(credential="VerifiedPet"),
        ["'riverton-library'", "requirements.0.credential", "unknown credential type 'VerifiedPet'"],
    ),
    "unknown reason code": (
        _declaring(rules=[{"claim": "given_name", "accepted": ["Sasha"], "reason": "not_a_reason"}]),
        ["'riverton-library'", "requirements.0.rules.0.reason", "unknown reason code 'not_a_reason'"],
    ),
    "built-in id": (_declaring(id="bank"), ["'bank'", "id", "built-in relying party"]),
    "API path as id": (_declaring(id="relying-parties"), ["'relying-parties'", "id", "path of the API"]),
    "level of assurance out of range": (_declaring(min_loa=5), ["requirements.0.min_loa", "less than or equal to 4"]),
    "no French name": (_declaring(name={"en": "Library"}), ["'riverton-library'", "name.fr", "Field required"]),
    "rule on a claim not asked for": (
        _declaring(rules=[{"claim": "birthdate", "accepted": ["x"], "reason": "scope_not_covered"}]),
        ["requirements.0", "rule on birthdate", "not among the claims asked for"],
    ),
    "link to no requirement": (
        _declaring(links=[{"left": "person", "left_claim": "given_name", "right": "org", "right_claim": "name"}]),
        ["'riverton-library'", "links", "'org'"],
    ),
    "claim set with a claim not asked for": (
        _declaring(claim_sets=[["given_name"], ["birthdate"]]),
        ["requirements.0.claim_sets", "claim set with birthdate", "not among the claims asked for"],
    ),
    "empty claim set": (_declaring(claim_sets=[[]]), ["requirements.0.claim_sets", "one claim or more"]),
    "values for a claim not asked for": (
        _declaring(values=[{"claim": "address.region", "values": ["Prov1"]}]),
        ["requirements.0.values", "values for address.region", "not among the claims asked for"],
    ),
    "values of no kind DCQL has": (
        _declaring(values=[{"claim": "given_name", "values": [{"a": 1}]}]),
        ["requirements.0.values.0.values.0"],
    ),
    "credential set naming no requirement": (
        _declaring(credential_sets=[{"options": [["person"], ["org"]]}]),
        ["'riverton-library'", "credential_sets", "'org', which is not a requirement id"],
    ),
    "unknown field": (_declaring(colour="blue"), ["'riverton-library'", "colour", "Extra inputs are not permitted"]),
    "duplicate id": (
        YAML + YAML.split("relying_parties:\n", 1)[1],
        ["'riverton-library'", "declared twice"],
    ),
    "not YAML": ("relying_parties: [\n", ["is not valid YAML"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_an_unusable_declaration_is_refused_naming_the_file_the_relying_party_and_the_field(case, tmp_path):
    text, expected = BAD[case]
    path = tmp_path / "relying-parties.yaml"
    path.write_text(text, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", port=free_port(), relying_parties=path)
    with pytest.raises(SandboxError) as refused:
        RelyingParties(settings, engine_for(settings, "verifier"))
    assert refused.value.reason == Reason.SETTING_INVALID
    assert f"PCTF_RELYING_PARTIES={path}" in refused.value.message
    for fragment in expected:
        assert fragment in refused.value.message, refused.value.message


def test_a_file_neither_yaml_nor_toml_is_refused(tmp_path):
    path = tmp_path / "relying-parties.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(SandboxError, match=r"ends in \.yaml, \.yml or \.toml"):
        load_file(path)


def test_the_verifier_refuses_to_start_with_an_unusable_declaration(tmp_path):
    path = tmp_path / "relying-parties.toml"
    path.write_text(TOML.replace('"VerifiedPerson"', '"VerifiedPet"'), encoding="utf-8")
    env = {
        **os.environ,
        "PCTF_DATA_DIR": str(tmp_path / "data"),
        "PCTF_RELYING_PARTIES": str(path),
        "PCTF_GOVERNANCE_TOKEN": GOVERNANCE_TOKEN,
    }
    port = str(free_port())
    done = subprocess.run(
        [EXE, "serve", "verifier", "--host", "127.0.0.1", "--port", port],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "setting_invalid" in done.stderr and "unknown credential type 'VerifiedPet'" in done.stderr


# -- created over the API --------------------------------------------------------------------------
def test_governance_creates_a_relying_party_that_verifies_and_only_its_token_reads_its_verdicts(world):
    http, base = world["http"], world["base"]
    governance = {"Authorization": f"Bearer {GOVERNANCE_TOKEN}"}
    created = httpx.post(f"{base}/verifier/relying-parties", json=CLINIC, headers=governance, timeout=15)
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    asks = created.json()["dcql_query"]["credentials"][0]["claims"]
    assert asks == [{"path": ["given_name"]}, {"path": ["birthdate"]}]
    # Public from now on, without its token.
    shown = httpx.get(f"{base}/verifier/relying-parties/riverton-clinic", timeout=15).json()
    assert shown["purpose"]["fr"] == "Vous inscrire comme patient" and "token" not in shown

    world["back_ends"]["riverton-clinic"] = token
    done = present(http, base, base, "sasha", "riverton-clinic")
    assert done["verdict"]["accepted"] is True, done["verdict"]
    assert _claims(done["verdict"]) == {"given_name", "birthdate", "assurance_level"}

    url = f"{base}/verifier/riverton-clinic/requests/{done['state']}"
    assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=15).status_code == 200
    bank = world["settings"].relying_party_token("bank")
    assert httpx.get(url, headers={"Authorization": f"Bearer {bank}"}, timeout=15).status_code == 403
    assert httpx.get(url, headers=governance, timeout=15).status_code == 403
    assert httpx.get(url, timeout=15).status_code == 401
    # Its token opens nothing of another relying party's.
    asked = httpx.post(f"{base}/verifier/bank/requests", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert asked.status_code == 403
    # Kept in the verifier's database: another verifier sharing it serves it too, and knows its token.
    again = RelyingParties(world["settings"], engine_for(world["settings"], "verifier"))
    assert again.get("riverton-clinic").policy.requirements[0].min_loa == 3
    principal = again.identify()(token)
    assert principal is not None and principal.subject == "riverton-clinic"


def test_a_stranger_cannot_create_a_relying_party(world):
    url = f"{world['base']}/verifier/relying-parties"
    stranger = {**CLINIC, "id": "stranger-service"}
    assert httpx.post(url, json=stranger, timeout=15).status_code == 401
    wrong = httpx.post(url, json=stranger, headers={"Authorization": "Bearer not-a-token"}, timeout=15)
    assert wrong.status_code == 401
    back_end = {"Authorization": f"Bearer {world['settings'].relying_party_token('bank')}"}
    assert httpx.post(url, json=stranger, headers=back_end, timeout=15).status_code == 403
    assert httpx.get(f"{url}/stranger-service", timeout=15).status_code == 404


def test_an_id_taken_is_a_conflict_and_a_bad_declaration_a_bad_request(world):
    url = f"{world['base']}/verifier/relying-parties"
    governance = {"Authorization": f"Bearer {GOVERNANCE_TOKEN}"}
    first = httpx.post(url, json={**CLINIC, "id": "twice-clinic"}, headers=governance, timeout=15)
    assert first.status_code == 201
    for taken in ("twice-clinic", "bank", "riverton-library"):
        again = httpx.post(url, json={**CLINIC, "id": taken}, headers=governance, timeout=15)
        assert again.status_code == 409 and again.json()["error"] == "conflict", taken
    bad = {**CLINIC, "id": "bad-clinic", "requirements": [{**CLINIC["requirements"][0], "credential": "Pet"}]}
    refused = httpx.post(url, json=bad, headers=governance, timeout=15)
    assert refused.status_code == 400 and refused.json()["error"] == "bad_request"
    assert "'bad-clinic'" in refused.json()["error_description"]
    assert "requirements.0.credential" in refused.json()["error_description"]
    assert httpx.get(f"{url}/bad-clinic", timeout=15).status_code == 404


def test_the_operators_keyring_and_init_secrets_know_the_declared_relying_parties(tmp_path):
    """A file-declared relying party's back end is one of the roles: the operator's keyring acts
    for it with the token the settings hold, and ``init-secrets`` writes it a token of its own."""
    declaration = tmp_path / "rps.yaml"
    declaration.write_text(YAML, encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", governance_token=GOVERNANCE_TOKEN, relying_parties=declaration)
    keyring = Keyring(settings)
    assert keyring.token_for("POST", "/verifier/riverton-library/requests") == settings.relying_party_token(
        "riverton-library"
    )
    assert keyring.token_for("POST", "/verifier/not-declared/requests") is None
    env = {**os.environ, "PCTF_RELYING_PARTIES": str(declaration), "PCTF_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "deploy.env"
    done = subprocess.run([EXE, "init-secrets", "--out", str(out)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    line = next(x for x in out.read_text().splitlines() if x.startswith("PCTF_RELYING_PARTY_TOKENS="))
    tokens = yaml.safe_load(line.split("=", 1)[1].strip("'"))
    assert {"bank", "riverton-library", "prov2-residents"} <= set(tokens)
    assert len(set(tokens.values())) == len(tokens)  # each its own


# -- DCQL alternatives and values, declared ---------------------------------------------------------
def _create(world, declaration: dict) -> dict:
    governance = {"Authorization": f"Bearer {GOVERNANCE_TOKEN}"}
    created = httpx.post(f"{world['base']}/verifier/relying-parties", json=declaration, headers=governance, timeout=15)
    assert created.status_code == 201, created.text
    world["back_ends"][declaration["id"]] = created.json()["token"]
    return created.json()


def _declared(rp_id: str, requirements: list[dict], **more) -> dict:
    return {
        "id": rp_id,
        "name": {"en": "Riverton Post Office", "fr": "Bureau de poste de Riverton"},
        "purpose": {"en": "Pick up a parcel", "fr": "Retirer un colis"},
        "requirements": requirements,
        **more,
    }


def test_declared_claim_sets_let_the_holder_disclose_the_first_alternative_it_can(world):
    """The post office asks for the name and birthdate, or else the name and region: Sasha's
    credential holds the first, so she discloses it and nothing of the second."""
    shown = _create(
        world,
        _declared(
            "riverton-post",
            [
                {
                    "id": "person",
                    "credential": "VerifiedPerson",
                    "claims": ["given_name", "family_name", "birthdate", "address.region"],
                    "claim_sets": [["given_name", "family_name", "birthdate"], ["given_name", "address.region"]],
                }
            ],
        ),
    )
    query = shown["dcql_query"]["credentials"][0]
    assert query["claim_sets"] == [
        ["given_name", "family_name", "birthdate"],
        ["given_name", "address-region"],
    ]
    assert all("id" in claim for claim in query["claims"])
    assert shown["requirements"][0]["claim_sets"][1] == [["given_name"], ["address", "region"]]
    verdict = present(world["http"], world["base"], world["base"], "sasha", "riverton-post")["verdict"]
    assert verdict["accepted"] is True, verdict
    assert _claims(verdict) == {"given_name", "family_name", "birthdate", "assurance_level"}


def test_declared_values_ask_only_for_a_credential_holding_one_of_them(world):
    """A claim declared with ``values`` travels in the DCQL query; Sasha's Province 1 credential
    answers an office that accepts Prov1 or Prov2, and gives nothing to one that accepts Prov2 only."""
    both = _create(
        world,
        _declared(
            "west-office",
            [
                {
                    "id": "person",
                    "credential": "VerifiedPerson",
                    "claims": ["given_name", "address.region"],
                    "values": [{"claim": "address.region", "values": ["Prov1", "Prov2"]}],
                }
            ],
        ),
    )
    assert both["dcql_query"]["credentials"][0]["claims"][1] == {
        "path": ["address", "region"],
        "values": ["Prov1", "Prov2"],
    }
    assert both["requirements"][0]["values"] == [{"claim": ["address", "region"], "values": ["Prov1", "Prov2"]}]
    verdict = present(world["http"], world["base"], world["base"], "sasha", "west-office")["verdict"]
    assert verdict["accepted"] is True and _claims(verdict) == {"given_name", "address", "assurance_level"}, verdict

    _create(
        world,
        _declared(
            "prov2-office",
            [
                {
                    "id": "person",
                    "credential": "VerifiedPerson",
                    "claims": ["given_name", "address.region"],
                    "values": [{"claim": "address.region", "values": ["Prov2"]}],
                }
            ],
        ),
    )
    http, base = world["http"], world["base"]
    request = http.post(f"{base}/verifier/prov2-office/requests").json()
    review = http.post(f"{base}/wallet/sasha/presentations", json={"request": request["request_uri"]})
    assert review.status_code == 409, review.text
    assert review.json()["error"] == "no_matching_credential" and "person" in review.json()["error_description"]


def test_declared_credential_sets_make_a_credential_optional(world):
    """A person is required and an organization optional: Sasha, holding no Verified Organization
    in this world, is accepted on her Verified Person alone."""
    shown = _create(
        world,
        _declared(
            "riverton-market",
            [
                {"id": "person", "credential": "VerifiedPerson", "claims": ["given_name", "family_name"]},
                {"id": "organization", "credential": "VerifiedOrganization", "claims": ["legal_name"]},
            ],
            credential_sets=[{"options": [["person"]]}, {"options": [["organization"]], "required": False}],
        ),
    )
    assert shown["dcql_query"]["credential_sets"] == [
        {"options": [["person"]], "required": True},
        {"options": [["organization"]], "required": False},
    ]
    assert shown["credential_sets"][1] == {"options": [["organization"]], "required": False}
    verdict = present(world["http"], world["base"], world["base"], "sasha", "riverton-market")["verdict"]
    assert verdict["accepted"] is True, verdict
    assert set(verdict["credentials"]) == {"person"}, verdict["credentials"]
