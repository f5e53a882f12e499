"""A jurisdiction's onboarding, told over the registry's public HTTP API, as its roles would live it.

Territory 2 applies to the trust registry; the registry runs its automated conformance checks
against Terr2's live issuer endpoints (with a test offer Terr2 supplies); an assessor marks the
PCTF criteria with evidence; governance accredits. The bank, already running and never
reconfigured, then accepts a Verified Person credential from Terr2. Governance suspends Terr2:
a credential Terr2 issues afterwards is refused with ``issuer_suspended``, while one it issued
while accredited is still accepted, because the registry answers for the time of issuance.
Finally the audit log's hash chain is checked.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError

from .deployment import Deployment
from .personas import TERR2_RESIDENTS, TERR2_TEST_SUBJECT
from .steps import Narrate, open_wallet, present, quiet, receive

BANK = "bank-personal"


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _next_second() -> None:
    """Sleep to the next whole second. Registry decisions and credential ``iat`` are whole
    seconds: this keeps "issued before the suspension" and "issued after it" apart."""
    time.sleep(1.0 - (time.time() % 1.0) + 0.01)


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    governance_token: str,
    assessor_token: str,
    issuer: str = "terr2",
    wallet_suffix: str = "",
) -> dict:
    """Run the story; returns what each party saw, and ``ok`` when every outcome was the expected one.

    The registry must not know ``issuer`` yet: a deployment where it is already accredited, or
    was onboarded (and suspended) by an earlier run, is refused at once (``conflict``), saying
    what the deployment needs. ``wallet_suffix`` ends each resident's wallet id, so a run never
    reopens another run's wallets."""
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier
    issuers = at.issuer(issuer)
    metadata = checked_json(http.get(f"{at.registry}/registry/metadata"))
    api = metadata["authority_id"]
    entity_id = at.issuer_id(issuer)
    maya_wallet, lucas_wallet = f"maya{wallet_suffix}", f"lucas{wallet_suffix}"
    governance, assessor = _bearer(governance_token), _bearer(assessor_token)

    def may_issue() -> dict:
        return checked_json(
            http.post(
                f"{api}/authorization",
                json={"entity_id": entity_id, "authority_id": api, "action": "issue", "resource": "VerifiedPerson"},
            )
        )

    before = may_issue()
    if before["status"] != "unknown_entity":
        raise SandboxError(
            Reason.CONFLICT,
            f"the registry already knows {entity_id} ({before['status']}): the onboarding story needs a "
            f"deployment where {issuer} is not accredited yet; start a fresh one with "
            f"PCTF_UNACCREDITED_ISSUERS={issuer}",
            status_code=409,
        )
    narrate("onboarding.unknown", issuer=entity_id, status=before["status"])

    # 1. Terr2 applies, with a test credential offer for a test subject of its own.
    test_offer = checked_json(http.post(f"{issuers}/issuers/{issuer}/proofing", json=TERR2_TEST_SUBJECT))
    application = checked_json(
        http.post(
            f"{api}/applications",
            json={
                "entity_id": entity_id,
                "name": "Territory 2 Digital Identity Program",
                "jurisdiction": "Terr2",
                "contacts": ["digital.identity@terr2.example"],
                "requested": [{"resource": "VerifiedPerson", "assurance_level": 2}],
            },
        )
    )
    app_id, applicant = application["application_id"], _bearer(application["applicant_token"])
    narrate("onboarding.applied", application=app_id, state=application["state"])

    # 2. The registry's automated technical conformance checks, against Terr2's live endpoints.
    checked = checked_json(
        http.post(
            f"{api}/applications/{app_id}/conformance",
            headers=applicant,
            json={"offer": test_offer["credential_offer_uri"], "tx_code": test_offer["tx_code"]},
        )
    )
    narrate("onboarding.conformance", checks=checked["conformance"]["checks"], passed=checked["conformance"]["passed"])

    # 3. The assessor marks each PCTF criterion, with the evidence looked at.
    for criterion in checked["assessment"]:
        checked_json(
            http.put(
                f"{api}/applications/{app_id}/assessment/{criterion['id']}",
                headers=assessor,
                json={
                    "met": True,
                    "evidence": f"Reviewed Terr2's documented process for {criterion['id']} and sampled its records",
                },
            )
        )
    narrate("onboarding.assessed", criteria=len(checked["assessment"]))

    # 4. Governance accredits, for one year.
    until = (datetime.now(UTC) + timedelta(days=365)).replace(microsecond=0).isoformat()
    decided = checked_json(
        http.post(
            f"{api}/applications/{app_id}/decision",
            headers=governance,
            json={"decision": "accredit", "types": ["VerifiedPerson"], "assurance_level": 2, "valid_until": until},
        )
    )
    narrate("onboarding.accredited", state=decided["state"], status=may_issue()["status"])

    # 5. A Terr2 resident opens an account at the bank, which was never told about Terr2.
    (maya, maya_evidence), (lucas, lucas_evidence) = TERR2_RESIDENTS
    open_wallet(http, wallet, maya_wallet)
    receive(
        http,
        wallet,
        maya_wallet,
        checked_json(http.post(f"{issuers}/issuers/{issuer}/proofing", json={**maya, "evidence": maya_evidence})),
    )
    accepted = present(http, wallet, verifier, maya_wallet, BANK)["verdict"]
    narrate("onboarding.bank", person=maya["given_name"], verdict=accepted)

    # 6. Governance suspends Terr2 from now on.
    _next_second()
    checked_json(
        http.patch(
            f"{api}/entity/status",
            params={"entity_id": entity_id},
            headers=governance,
            json={"status": "suspended", "reason": "Audit finding: proofing records incomplete"},
        )
    )
    narrate("onboarding.suspended", status=may_issue()["status"])

    # 7. A credential Terr2 issues after the suspension is refused...
    open_wallet(http, wallet, lucas_wallet)
    receive(
        http,
        wallet,
        lucas_wallet,
        checked_json(http.post(f"{issuers}/issuers/{issuer}/proofing", json={**lucas, "evidence": lucas_evidence})),
    )
    refused = present(http, wallet, verifier, lucas_wallet, BANK)["verdict"]
    narrate("onboarding.bank", person=lucas["given_name"], verdict=refused)
    # ...while the one it issued while accredited still counts.
    still = present(http, wallet, verifier, maya_wallet, BANK)["verdict"]
    narrate("onboarding.bank_again", person=maya["given_name"], verdict=still)

    audit = checked_json(http.get(f"{api}/audit/verify"))
    narrate("onboarding.audit", entries=audit["entries"], valid=audit["valid"])
    ok = (
        before["status"] == "unknown_entity"
        and checked["conformance"]["passed"]
        and decided["state"] == "accredited"
        and accepted["accepted"]
        and not refused["accepted"]
        and refused["reasons"] == ["issuer_suspended"]
        and still["accepted"]
        and audit["valid"]
    )
    return {
        "ok": ok,
        "issuer": entity_id,
        "application_id": app_id,
        "conformance": checked["conformance"],
        "accepted_after_accreditation": accepted,
        "issued_after_suspension": refused,
        "issued_before_suspension": still,
        "audit": audit,
    }
