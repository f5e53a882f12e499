"""Safe return to school: an immunization record that tells the school only what it needs.

Léa, a secondary school student in Province 1, is proofed by Province 1 and receives a Verified
Person. Province 1's health authority offers her entries of its immunization register as
*Immunization* credentials. Riverton Secondary School asks, by DCQL, for her name, birthdate and
the disease an immunization targets, and accepts only measles: the vaccine, the date, the dose,
the lot and the clinic stay in her wallet.

- With only her flu shot record in her wallet, the school refuses it (``immunization_not_accepted``).
- With her measles record, the school accepts; the story lists what the wallet disclosed and what
  it withheld, from what the school's verdict says it received.
- The health authority revokes the measles record (entered in error); once the school's cached
  status list is older than its ttl (draft-ietf-oauth-status-list 13.7), the same record is
  refused (``credential_revoked``).

The wallet presents, for a DCQL credential query, the most recently received credential that
answers it (:meth:`wallet.service.WalletService.review_request`); it cannot be told which of two
immunization records to use. One wallet holds both records here, and the order in which they
are received decides which is presented: the flu shot record first (alone), then the measles
record (the most recent, also once revoked: the wallet presents it and the school refuses it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from pctf.http import checked_json
from pctf.vocab import IMMUNIZATION

from .deployment import Deployment
from .personas import LEA, LEA_EVIDENCE, LEA_INFLUENZA, LEA_MEASLES
from .steps import Narrate, open_wallet, present, quiet, receive, status_list_ttl

SCHOOL = "school"
HEALTH = "prov1health"
WALLET = "lea"
QUERY_ID = "immunization"
# What the school asks for, and nothing more: the story fails if its DCQL query asks otherwise.
EXPECTED_REQUEST = [["given_name"], ["family_name"], ["birthdate"], ["target_disease"]]
# The status list ttl assumed when neither the caller nor the school's evidence gives one (the default).
DEFAULT_TTL_SECONDS = 300


def _immunization_issuances(http: httpx.Client, health: str) -> dict[int, dict]:
    """The health authority's Immunization issuances, by id, as its staff see them (``health``:
    the base URL of the process serving the health authority)."""
    listed = checked_json(http.get(f"{health}/issuers/{HEALTH}/issuances"))
    return {i["id"]: i for i in listed if i["vct"] == IMMUNIZATION.vct}


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    ttl_seconds: int | None,
    approve: bool | Callable[[dict], bool] = True,
    retry_every: float = 0.2,
    max_attempts: int = 25,
    pause: Callable[[float], None] = time.sleep,
    wallet_suffix: str = "",
) -> dict:
    """Run the story; returns ``ok``, the school's verdicts, what was asked for, disclosed and
    withheld, and each refusal with its reasons.

    ``http`` acts with the operator's keyring (:mod:`scenarios.keyring`): identity proofing and
    health authority staff, Léa's wallet, the school's back end. ``ttl_seconds`` is the sandbox's
    status list ttl: after the revocation the story lets that much time pass (``pause``; a test
    hands in a frozen clock's ``advance``) before presenting again, then asks at most
    ``max_attempts`` times, ``retry_every`` apart, until the school refuses. ``approve`` is Léa's
    decision at each presentation, or a function that shows her the wallet's review.

    ``ttl_seconds`` None reads the ttl from the Status List Token the school checked her measles
    record against (its verdict's evidence). ``wallet_suffix`` ends her wallet's id, so a run
    against a long-running deployment has a wallet of its own (the school sees only the records
    that run received).
    """
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier
    prov1, health = at.issuer("prov1"), at.issuer(HEALTH)
    name = LEA["given_name"]
    wallet_id = f"{WALLET}{wallet_suffix}"

    open_wallet(http, wallet, wallet_id)
    narrate("immunization.wallet", person=name)

    # 1. Province 1 proofs her from her evidence and offers a Verified Person.
    proofed = checked_json(http.post(f"{prov1}/issuers/prov1/proofing", json={**LEA, "evidence": LEA_EVIDENCE}))
    for cred in receive(http, wallet, wallet_id, proofed):
        narrate("immunization.received", person=name, credential=cred)

    # 2. The health authority offers last autumn's flu shot from its register; the school refuses it.
    flu = checked_json(http.post(f"{health}/issuers/{HEALTH}/immunizations", json=LEA_INFLUENZA))
    for cred in receive(http, wallet, wallet_id, flu):
        narrate("immunization.received", person=name, credential=cred)
    wrong = present(http, wallet, verifier, wallet_id, SCHOOL, approve=approve, narrate=narrate)["verdict"]
    narrate("immunization.presented_flu", person=name, verdict=wrong)

    # 3. Her measles record: the school's request, her wallet's review, her decision, the verdict.
    before = set(_immunization_issuances(http, health))
    measles = checked_json(http.post(f"{health}/issuers/{HEALTH}/immunizations", json=LEA_MEASLES))
    for cred in receive(http, wallet, wallet_id, measles):
        narrate("immunization.received", person=name, credential=cred)
    issued = sorted(set(_immunization_issuances(http, health)) - before)
    seen: dict[str, Any] = {}

    def watch(event: str, **data: Any) -> None:
        if event == "request":
            seen["request"] = data["request"]
        narrate(event, **data)

    exchange = present(http, wallet, verifier, wallet_id, SCHOOL, approve=approve, narrate=watch)
    accepted = exchange["verdict"]
    if ttl_seconds is None:
        ttl_seconds = status_list_ttl(exchange["evidence"]) or DEFAULT_TTL_SECONDS
    asked = [c["path"] for cq in seen["request"]["request"]["dcql_query"]["credentials"] for c in cq.get("claims", [])]
    received = accepted.get("credentials", {}).get(QUERY_ID, {}).get("claims", {})
    disclosed = [
        c.name for c in IMMUNIZATION.claims if c.name in received and c.name not in IMMUNIZATION.always_visible
    ]
    withheld = [c.name for c in IMMUNIZATION.claims if c.name not in received]
    narrate("immunization.disclosure", person=name, disclosed=disclosed, withheld=withheld)

    # 4. The health authority revokes the measles record; once the school's cached status list
    # has outlived its ttl, the same record is refused.
    revoked_record = None
    if len(issued) == 1:
        revoked_record = checked_json(
            http.post(
                f"{health}/issuers/{HEALTH}/issuances/{issued[0]}/status",
                json={"status": "revoked", "reason": "entered in error"},
            )
        )
        narrate("immunization.revoked", person=name, issuance=issued[0])
    pause(ttl_seconds)
    after = None
    for attempt in range(max_attempts):
        if attempt:
            pause(retry_every)
        after = present(http, wallet, verifier, wallet_id, SCHOOL, approve=approve, narrate=narrate)["verdict"]
        if not after["accepted"]:
            break
    narrate("immunization.presented_revoked", person=name, verdict=after, ttl=ttl_seconds)

    refusals = [
        {
            "case": case,
            "presented": presented,
            "reasons": verdict["reasons"] if verdict else [],
            "verdict": verdict,
        }
        for case, presented, verdict in (
            ("wrong_disease", LEA_INFLUENZA["target_disease"], wrong),
            ("revoked", LEA_MEASLES["target_disease"], after),
        )
    ]
    ok = (
        not wrong["accepted"]
        and wrong["reasons"] == ["immunization_not_accepted"]
        and accepted["accepted"]
        and asked == EXPECTED_REQUEST
        and disclosed == [p[0] for p in EXPECTED_REQUEST]
        and withheld == ["vaccine", "vaccination_date", "dose_number", "lot_number", "administering_clinic"]
        and revoked_record is not None
        and revoked_record["status"] == "revoked"
        and after is not None
        and not after["accepted"]
        and after["reasons"] == ["credential_revoked"]
    )
    return {
        "ok": ok,
        "person": {k: LEA[k] for k in ("given_name", "family_name", "birthdate")},
        "requested": asked,
        "accepted": accepted,
        "disclosed": disclosed,
        "withheld": withheld,
        "revoked_issuance": issued[0] if len(issued) == 1 else None,
        "refusals": refusals,
        "status_list_ttl_seconds": ttl_seconds,
    }
