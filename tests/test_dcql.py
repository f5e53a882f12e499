"""DCQL in full (OpenID4VP 1.0 section 6): credential sets, claim sets and values.

The query's shape is checked (each malformed case refused with ``bad_request``); the one function
a wallet decides its answer with (:func:`pctf.oid4vp.select`) is exercised on its own; then, over
real HTTP, a wallet discloses only the claim set it chose, and the verifier refuses a response
that meets no option of a required credential set or discloses a value the query does not accept.
"""

from __future__ import annotations

import copy

import httpx
import pytest

from pctf import oid4vp, sdjwt
from pctf.clock import SystemClock
from pctf.reasons import Reason, SandboxError
from pctf.settings import Settings
from pctf.storage import dispose_all
from pctf.vocab import credential_type
from scenarios.keyring import Keyring
from scenarios.personas import SASHA, SASHA_BUSINESS, SASHA_EVIDENCE
from scenarios.steps import open_wallet, present, receive
from tests.conftest import GOVERNANCE_TOKEN
from tests.support import free_port, outlives_the_test, serve_sandbox
from verifier.policy import ClaimValues, CredentialSet, Policy, Requirement
from verifier.relying_parties import BUSINESS_ACCOUNT, RELYING_PARTIES, RelyingParty
from wallet.service import WalletService

PID, OTHER = "urn:pid", "urn:other-pid"


def cq(id_: str, vct: str = PID, **members) -> dict:
    return {"id": id_, "format": oid4vp.FORMAT, "meta": {"vct_values": [vct]}, **members}


def claim(*path, **members) -> dict:
    return {"path": list(path), **members}


# A query with every member the sandbox reads (after the specification's examples).
FULL = {
    "credentials": [
        cq(
            "pid",
            claims=[
                claim("given_name", id="a"),
                claim("family_name", id="b"),
                claim("address", "region", id="c", values=["Prov1", "Prov2"]),
                claim("birthdate", id="d"),
            ],
            claim_sets=[["a", "b", "c"], ["a", "b", "d"]],
            multiple=False,
            require_cryptographic_holder_binding=True,
            trusted_authorities=[{"type": "aki", "values": ["s9tIpPmhxdiuNkHMEWNpYim8S8Y"]}],
        ),
        cq("other_pid", OTHER, claims=[claim("given_name"), claim("family_name")]),
        cq("licence", "urn:licence", claims=[claim("licence_class", values=["5", 5, True])]),
    ],
    "credential_sets": [
        {"options": [["pid"], ["other_pid"]]},
        {"options": [["licence"]], "required": False},
    ],
}


def test_a_full_query_is_valid():
    assert oid4vp.validate_query(copy.deepcopy(FULL)) == FULL


def _with(change) -> dict:
    query = copy.deepcopy(FULL)
    change(query)
    return query


def _pid(query: dict) -> dict:
    return query["credentials"][0]


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda q: q.update(credential_sets=[]), "credential_sets must be a non-empty array"),
        (lambda q: q.update(credential_sets={"options": [["pid"]]}), "credential_sets must be a non-empty array"),
        (lambda q: q["credential_sets"].append("pid"), "non-empty options"),
        (lambda q: q["credential_sets"][0].pop("options"), "non-empty options"),
        (lambda q: q["credential_sets"][0].update(options=[]), "non-empty options"),
        (lambda q: q["credential_sets"][0].update(options=[[]]), "option is a non-empty array"),
        (lambda q: q["credential_sets"][0].update(options=["pid"]), "option is a non-empty array"),
        (lambda q: q["credential_sets"][0].update(options=[["pid", 3]]), "option is a non-empty array"),
        (lambda q: q["credential_sets"][0].update(options=[[["pid"]]]), "option is a non-empty array"),
        (lambda q: q["credential_sets"][0].update(options=[["passport"]]), "'passport', which no credential query"),
        (lambda q: q["credential_sets"][1].update(required="no"), "required must be a boolean"),
        (lambda q: q["credential_sets"][1].update(required=None), "required must be a boolean"),
        (lambda q: _pid(q).update(id="p i d"), "needs an id"),
        (lambda q: _pid(q).update(id=""), "needs an id"),
        (lambda q: _pid(q).update(multiple="yes"), "multiple must be a boolean"),
        (lambda q: _pid(q).update(require_cryptographic_holder_binding=1), "holder_binding must be a boolean"),
        (lambda q: _pid(q).update(trusted_authorities=[]), "trusted_authorities must be a non-empty array"),
        (lambda q: _pid(q).update(trusted_authorities=[{"type": "aki", "values": []}]), "trusted authority"),
        (lambda q: _pid(q).update(trusted_authorities=[{"values": ["x"]}]), "trusted authority"),
        (lambda q: q["credentials"][1].update(claims=[]), "claims must be a non-empty array"),
        (lambda q: q["credentials"][1].update(claims={"path": ["given_name"]}), "claims must be a non-empty array"),
        (lambda q: _pid(q)["claims"][0].update(path=["given_name", 1.5]), "a claim path holds"),
        (lambda q: _pid(q)["claims"][0].update(path=["names", -1]), "a claim path holds"),
        (lambda q: _pid(q)["claims"][0].update(path=["names", True]), "a claim path holds"),
        (lambda q: _pid(q)["claims"][0].update(path=[]), "non-empty path"),
        (lambda q: _pid(q)["claims"][0].update(id="a.b"), "claim id is letters"),
        (lambda q: _pid(q)["claims"][1].update(id="a"), "claim id 'a' is repeated"),
        (lambda q: _pid(q)["claims"][2].update(values=[]), "values must be a non-empty array"),
        (lambda q: _pid(q)["claims"][2].update(values="Prov1"), "values must be a non-empty array"),
        (lambda q: _pid(q)["claims"][2].update(values=[1.5]), "strings, integers or booleans"),
        (lambda q: _pid(q)["claims"][2].update(values=[None]), "strings, integers or booleans"),
        (lambda q: _pid(q)["claims"][2].update(values=[{"region": "Prov1"}]), "strings, integers or booleans"),
        (lambda q: _pid(q).pop("claims"), "claim_sets needs claims"),
        (lambda q: _pid(q)["claims"][3].pop("id"), "every claim needs an id"),
        (lambda q: _pid(q).update(claim_sets=[]), "claim_sets must be a non-empty array"),
        (lambda q: _pid(q).update(claim_sets=[[]]), "claim set is a non-empty array"),
        (lambda q: _pid(q).update(claim_sets=["a"]), "claim set is a non-empty array"),
        (lambda q: _pid(q).update(claim_sets=[["a", "z"]]), "'z', which no claim has"),
    ],
)
def test_each_malformed_query_is_refused_with_what_is_wrong(change, words):
    with pytest.raises(SandboxError) as caught:
        oid4vp.validate_query(_with(change))
    assert caught.value.reason == Reason.BAD_REQUEST
    assert words in caught.value.message, caught.value.message


# -- what answers a query ------------------------------------------------------------------------
PERSON = {"given_name": "Sasha", "family_name": "Tremblay", "birthdate": "1988-06-14", "address": {"region": "Prov1"}}


def held(key, vct=PID, **claims) -> oid4vp.Held:
    return oid4vp.Held(key, vct, {**PERSON, **claims})


def picks(selection: oid4vp.Selection) -> list[tuple]:
    return [(p.query_id, p.key, [list(path) for path in p.paths]) for p in selection.picks]


def test_a_credential_set_takes_its_first_option_the_holder_can_satisfy():
    query = {
        "credentials": [cq("pid", claims=[claim("given_name")]), cq("other_pid", OTHER, claims=[claim("given_name")])],
        "credential_sets": [{"options": [["pid"], ["other_pid"]]}],
    }
    assert picks(oid4vp.select(query, [held(2, OTHER), held(1)])) == [("pid", 1, [["given_name"]])]
    assert picks(oid4vp.select(query, [held(2, OTHER)])) == [("other_pid", 2, [["given_name"]])]
    nothing = oid4vp.select(query, [held(3, "urn:licence")])
    assert nothing.picks == () and nothing.unmet == ([["pid"], ["other_pid"]],)
    assert oid4vp.describe_options(nothing.unmet[0]) == "pid, or other_pid"


def test_an_option_needs_every_one_of_its_credentials():
    query = {
        "credentials": [cq("pid"), cq("licence", "urn:licence"), cq("passport", "urn:passport")],
        "credential_sets": [{"options": [["pid", "licence"], ["passport"]]}],
    }
    assert [p.query_id for p in oid4vp.select(query, [held(1), held(2, "urn:passport")]).picks] == ["passport"]
    both = oid4vp.select(query, [held(1), held(2, "urn:licence"), held(3, "urn:passport")])
    assert [(p.query_id, p.key) for p in both.picks] == [("pid", 1), ("licence", 2)]


def test_an_optional_set_is_answered_when_it_can_be_and_left_out_when_not():
    query = {
        "credentials": [cq("pid", claims=[claim("given_name")]), cq("licence", "urn:licence")],
        "credential_sets": [{"options": [["pid"]]}, {"options": [["licence"]], "required": False}],
    }
    assert [p.query_id for p in oid4vp.select(query, [held(1), held(2, "urn:licence")]).picks] == ["pid", "licence"]
    without = oid4vp.select(query, [held(1)])
    assert [p.query_id for p in without.picks] == ["pid"] and without.unmet == ()
    only_optional = oid4vp.select(query, [held(2, "urn:licence")])
    assert only_optional.unmet == ([["pid"]],)


def test_without_credential_sets_every_credential_query_is_required():
    query = {"credentials": [cq("pid"), cq("licence", "urn:licence")]}
    assert oid4vp.select(query, [held(1)]).unmet == ([["licence"]],)
    assert [p.key for p in oid4vp.select(query, [held(1), held(2, "urn:licence")]).picks] == [1, 2]


CLAIM_SETS = cq(
    "pid",
    claims=[
        claim("given_name", id="given"),
        claim("family_name", id="family"),
        claim("address", "region", id="region", values=["Prov2"]),
        claim("birthdate", id="birth"),
    ],
    claim_sets=[["given", "family", "region"], ["given", "family", "birth"]],
)


def test_a_claim_set_the_credential_cannot_meet_falls_back_to_the_next():
    selection = oid4vp.select({"credentials": [CLAIM_SETS]}, [held(1)])
    # Sasha lives in Prov1: the first set (Prov2 residents) counts her region as absent.
    assert picks(selection) == [("pid", 1, [["given_name"], ["family_name"], ["birthdate"]])]
    prov2 = held(2, address={"region": "Prov2"})
    assert picks(oid4vp.select({"credentials": [CLAIM_SETS]}, [prov2])) == [
        ("pid", 2, [["given_name"], ["family_name"], ["address", "region"]])
    ]
    nameless = oid4vp.select({"credentials": [CLAIM_SETS]}, [oid4vp.Held(3, PID, {"given_name": "S"})])
    assert nameless.unmet == ([["pid"]],)


def test_the_verifiers_preferred_claim_set_comes_before_the_holders_preferred_credential():
    # The holder's newest credential (first) meets only the second set; an older one meets the first.
    selection = oid4vp.select({"credentials": [CLAIM_SETS]}, [held(9), held(1, address={"region": "Prov2"})])
    assert picks(selection) == [("pid", 1, [["given_name"], ["family_name"], ["address", "region"]])]


@pytest.mark.parametrize(
    "values, value, matches",
    [
        (["active"], "active", True),
        (["active", "inactive"], "inactive", True),
        (["active"], "dissolved", False),
        ([3], 3, True),
        ([3], "3", False),
        (["3"], 3, False),
        ([1], True, False),
        ([True], 1, False),
        ([True], True, True),
    ],
)
def test_values_match_exactly_in_value_and_type(values, value, matches):
    query = {"credentials": [cq("org", claims=[claim("corporate_status", values=values)])]}
    selection = oid4vp.select(query, [oid4vp.Held(1, PID, {"corporate_status": value})])
    assert bool(selection.picks) is matches and bool(selection.unmet) is not matches


def test_a_path_selecting_several_values_needs_every_one_accepted():
    query = {"credentials": [cq("pid", claims=[claim("nationalities", None, values=["CA", "FR"])])]}
    assert oid4vp.select(query, [oid4vp.Held(1, PID, {"nationalities": ["CA", "FR"]})]).picks
    assert not oid4vp.select(query, [oid4vp.Held(1, PID, {"nationalities": ["CA", "US"]})]).picks


def test_multiple_answers_with_every_matching_credential_and_otherwise_with_the_first():
    one = cq("pid", claims=[claim("given_name")])
    many = {**one, "multiple": True}
    wallet = [held(3), held(2, OTHER), held(1), oid4vp.Held(0, PID, {"family_name": "T"})]
    assert [p.key for p in oid4vp.select({"credentials": [one]}, wallet).picks] == [3]
    assert [p.key for p in oid4vp.select({"credentials": [many]}, wallet).picks] == [3, 1]


def test_a_credential_query_without_claims_discloses_none():
    assert picks(oid4vp.select({"credentials": [cq("pid")]}, [held(1)])) == [("pid", 1, [])]


def test_select_refuses_a_malformed_query():
    with pytest.raises(SandboxError) as caught:
        oid4vp.select({"credentials": [cq("pid", claim_sets=[["a"]])]}, [held(1)])
    assert caught.value.reason == Reason.BAD_REQUEST


# -- a relying party's alternatives, as a query --------------------------------------------------
def _person(**alternatives) -> Requirement:
    return Requirement(
        "person",
        "VerifiedPerson",
        (("given_name",), ("family_name",), ("address", "region"), ("birthdate",)),
        min_loa=3,
        claim_sets=(
            (("given_name",), ("family_name",), ("address", "region")),
            (("given_name",), ("family_name",), ("birthdate",)),
        ),
        values=(ClaimValues(("address", "region"), ("Prov2",)),),
        **alternatives,
    )


# Prov2 residents by their region, anyone else by birthdate; or an immunization record instead;
# and the business, if the holder has it, which must be active and name a director or signing officer.
LAB = Policy(
    id="dcql-lab",
    purpose_en="Try DCQL alternatives",
    purpose_fr="Essayer les variantes DCQL",
    requirements=(
        Requirement("immunization", "Immunization", (("target_disease",),)),
        _person(),
        Requirement(
            "organization",
            "VerifiedOrganization",
            (("legal_name",), ("corporate_status",)),
            values=(ClaimValues(("corporate_status",), ("active",)),),
        ),
        Requirement(
            "relationship",
            "VerifiedRelationship",
            (("relationship_type",), ("organization", "legal_name")),
            values=(ClaimValues(("relationship_type",), ("director", "signing_officer")),),
        ),
    ),
    credential_sets=(
        CredentialSet((("immunization",), ("person",))),
        CredentialSet((("organization", "relationship"),), required=False),
    ),
)
# Only a dissolved organization will do: Sasha's, active, is not one.
DISSOLVED = Policy(
    id="dcql-dissolved",
    purpose_en="Wind up a dissolved business",
    purpose_fr="Liquider une entreprise dissoute",
    requirements=(
        Requirement(
            "organization",
            "VerifiedOrganization",
            (("legal_name",), ("corporate_status",)),
            values=(ClaimValues(("corporate_status",), ("dissolved",)),),
        ),
    ),
)


def test_a_policy_states_its_alternatives_in_its_query():
    query = oid4vp.validate_query(LAB.dcql_query())
    assert query["credential_sets"] == [
        {"options": [["immunization"], ["person"]], "required": True},
        {"options": [["organization", "relationship"]], "required": False},
    ]
    person = query["credentials"][1]
    assert person["claims"][2] == {"path": ["address", "region"], "id": "address-region", "values": ["Prov2"]}
    assert person["claim_sets"] == [
        ["given_name", "family_name", "address-region"],
        ["given_name", "family_name", "birthdate"],
    ]
    # A policy without alternatives asks as before: claims by path, no ids, no sets.
    bank = BUSINESS_ACCOUNT.dcql_query()
    assert set(bank) == {"credentials"}
    assert all(set(c) == {"path"} for cred in bank["credentials"] for c in cred["claims"])


def test_a_requirement_refuses_alternatives_outside_its_claims():
    with pytest.raises(ValueError, match="not among the claims"):
        Requirement("person", "VerifiedPerson", (("given_name",),), claim_sets=((("birthdate",),),))
    with pytest.raises(ValueError, match="not among the claims"):
        Requirement("person", "VerifiedPerson", (("given_name",),), values=(ClaimValues(("region",), ("x",)),))
    with pytest.raises(ValueError, match="names no requirement"):
        Policy(
            "p", "", "", (Requirement("person", "VerifiedPerson", ()),), credential_sets=(CredentialSet((("pid",),)),)
        )


# -- over HTTP: Sasha's wallet and the verifier --------------------------------------------------
@pytest.fixture(scope="module")
def lab(tmp_path_factory, _module_database):
    """One sandbox on loopback serving the two relying parties above beside the built-in ones,
    with Sasha's Verified Person, Organization and Relationship in her wallet."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("dcql") / "data",
        port=free_port(),
        governance_token=GOVERNANCE_TOKEN,
        database_url=_module_database,
    )
    with pytest.MonkeyPatch.context() as patch:
        for policy in (LAB, DISSOLVED):
            patch.setitem(RELYING_PARTIES, policy.id, RelyingParty(policy.id, policy.id, policy.id, policy))
        served = outlives_the_test(serve_sandbox(settings, SystemClock()))
        try:
            with httpx.Client(timeout=15, auth=Keyring(settings)) as http:
                url = served.url
                open_wallet(http, url, "sasha")
                proofed = http.post(f"{url}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
                receive(http, url, "sasha", proofed.json())
                director = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
                registered = http.post(
                    f"{url}/issuers/fed/incorporations",
                    json={**SASHA_BUSINESS, "director": director, "role": "director"},
                )
                receive(http, url, "sasha", registered.json())
                yield settings, url, http
        finally:
            served.stop()
            dispose_all()


def test_the_wallet_discloses_only_the_claim_set_it_chose(lab):
    settings, url, http = lab
    result = present(http, url, url, "sasha", "dcql-lab")
    shown = {c["query_id"]: [d["path"] for d in c["disclose"]] for c in result["review"]["credentials"]}
    # No immunization record: the person answers the required set; Prov1 is not Prov2, so by birthdate.
    assert shown == {
        "person": [["given_name"], ["family_name"], ["birthdate"]],
        "organization": [["legal_name"], ["corporate_status"]],
        "relationship": [["relationship_type"], ["organization", "legal_name"]],
    }
    verdict = result["verdict"]
    assert verdict["accepted"] is True, verdict["reasons"]
    # The relying party received exactly what the holder was shown, and nothing of her address.
    assert set(verdict["credentials"]["person"]["claims"]) == {
        "given_name",
        "family_name",
        "birthdate",
        "assurance_level",
    }
    presented = [c for c in verdict["checks"] if c["check"] == "presented"]
    assert [(c["passed"], c["params"]) for c in presented] == [(True, {"option": ["person"]})]
    values = {(c["credential"], c["params"]["value"]) for c in verdict["checks"] if c["check"] == "claim_value"}
    assert values == {("organization", "active"), ("relationship", "director")}
    consent = http.get(f"{url}/wallet/sasha/consents").json()[-1]
    assert {c["type"]: c["paths"] for c in consent["disclosed"]}["VerifiedPerson"] == shown["person"]


def test_a_values_mismatch_leaves_the_wallet_nothing_to_present(lab):
    settings, url, http = lab
    request = http.post(f"{url}/verifier/dcql-dissolved/requests").json()
    review = http.post(f"{url}/wallet/sasha/presentations", json={"request": request["request_uri"]})
    assert review.status_code == 409
    assert review.json()["error"] == Reason.NO_MATCHING_CREDENTIAL
    assert "organization" in review.json()["error_description"]


def _answer_by_hand(settings, url, http, rp: str, reveal: dict[str, list[tuple]]) -> dict:
    """A wallet that ignores the query's alternatives and values: Sasha's credentials presented
    with her key as ``reveal`` says (query id -> paths), posted to the relying party; its verdict."""
    request = http.post(f"{url}/verifier/{rp}/requests").json()["request"]
    wallet = WalletService(settings, SystemClock(), http)
    holder = wallet.holder_key("sasha")
    by_vct = {r.vct: r.credential for r in wallet._rows("sasha")}
    types = {r.query_id: r.type_name for r in RELYING_PARTIES[rp].policy.requirements}
    vp_token = {
        q: [
            sdjwt.present(
                by_vct[credential_type(types[q]).vct],
                holder,
                reveal=paths,
                aud=request["client_id"],
                nonce=request["nonce"],
                iat=SystemClock().timestamp(),
            )
        ]
        for q, paths in reveal.items()
    }
    answered = http.post(request["response_uri"], data=oid4vp.response_form(request, vp_token=vp_token))
    assert answered.status_code == 200, answered.text
    return http.get(f"{url}/verifier/{rp}/requests/{request['state']}").json()["verdict"]


def test_the_verifier_refuses_a_value_the_query_does_not_accept(lab):
    verdict = _answer_by_hand(*lab, "dcql-dissolved", {"organization": [("legal_name",), ("corporate_status",)]})
    assert verdict["accepted"] is False
    assert verdict["reasons"] == [Reason.CLAIM_VALUE_NOT_ACCEPTED]
    failed = [c for c in verdict["checks"] if not c["passed"]]
    assert [(c["check"], c["credential"], c["params"]["value"]) for c in failed] == [
        ("claim_value", "organization", "active")
    ]


def test_the_verifier_refuses_a_response_that_meets_no_option_of_a_required_set(lab):
    reveal = {
        "organization": [("legal_name",), ("corporate_status",)],
        "relationship": [("relationship_type",), ("organization", "legal_name")],
    }
    verdict = _answer_by_hand(*lab, "dcql-lab", reveal)
    assert verdict["accepted"] is False
    assert verdict["reasons"] == [Reason.CREDENTIAL_NOT_PRESENTED]
    failed = [c for c in verdict["checks"] if not c["passed"]]
    assert [(c["check"], c["params"]) for c in failed] == [("presented", {"options": [["immunization"], ["person"]]})]


def test_the_verifier_refuses_a_claim_set_left_incomplete(lab):
    # Given and family name only: neither of the person's claim sets is disclosed whole.
    reveal = {"person": [("given_name",), ("family_name",)]}
    verdict = _answer_by_hand(*lab, "dcql-lab", reveal)
    assert verdict["reasons"] == [Reason.CLAIMS_NOT_DISCLOSED]
    failed = next(c for c in verdict["checks"] if not c["passed"])
    assert failed["check"] == "claims_disclosed" and failed["params"]["missing"] == [["address", "region"]]
