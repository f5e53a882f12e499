"""The newborn bundle (register a birth once), over the services' public HTTP APIs only.

Two Province 1 parents each hold a Verified Person from Province 1. Vital statistics registers
their baby's birth in one act, and in the same answer offers each parent the child's Birth
Certificate and a parent–child Verified Relationship; each wallet redeems its offer with the
transaction code sent to that parent. With no new paperwork, one parent applies for the Canada
Child Benefit and the other for the baby's Social Insurance Number: each federal service asks, by
DCQL, for the parent's Verified Person and the relationship, and checks that the relationship is
a ``parent`` one naming the same person. Someone the registration does not name as a parent then
asks vital statistics for a parent–child relationship to the baby, and is refused
(``not_on_birth_registration``): the register, not a document he brings, says who the parents are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

import httpx

from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError

from .deployment import Deployment
from .personas import (
    NEWBORN_CHILD,
    NEWBORN_PARENT_1,
    NEWBORN_PARENT_1_EVIDENCE,
    NEWBORN_PARENT_2,
    NEWBORN_PARENT_2_EVIDENCE,
    NOT_A_PARENT,
)
from .steps import Narrate, open_wallet, present, quiet, receive

# Each parent's wallet, who they are, their proofing evidence, and the service they apply to.
PARENTS = (
    ("amira", NEWBORN_PARENT_1, NEWBORN_PARENT_1_EVIDENCE, "fed-child-benefit"),
    ("julien", NEWBORN_PARENT_2, NEWBORN_PARENT_2_EVIDENCE, "fed-sin"),
)
SERVICES = tuple(service for *_, service in PARENTS)
PERSON_REF = ("given_name", "family_name", "birthdate")
# What each parent's wallet holds once the birth is registered.
EXPECTED_CREDENTIALS = ["BirthCertificate", "VerifiedPerson", "VerifiedRelationship"]
# The story registers a birth this many days before it runs (a birth is registered within days).
AGE_DAYS = 3
# A birth is registered within this many days; a run told again against the same deployment
# registers its baby born a day earlier than the one already on the register.
REGISTRATION_DAYS = 30


def _ref(person: dict) -> dict:
    return {k: person[k] for k in PERSON_REF}


def _name(person: dict) -> str:
    return f"{person['given_name']} {person['family_name']}"


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    approve: bool | Callable[[dict], bool] | Mapping[str, bool | Callable[[dict], bool]] = True,
    birthdate: str | None = None,
    wallet_suffix: str = "",
) -> dict:
    """Run the story; returns the registration, what each parent's wallet received, both services'
    verdicts, the refusal, and ``ok`` (both accepted, and the refusal's reason the expected one).

    ``http`` acts with the operator's keyring (:mod:`scenarios.keyring`): Province 1 and vital
    statistics staff, and each parent's wallet holder. ``approve`` is each parent's consent
    (a callable is asked with the wallet's review), or one per relying party (by id), so a prompt
    can name the service asking. ``birthdate`` defaults to :data:`AGE_DAYS` days ago (UTC), or,
    when the deployment has registered that baby already (an earlier run), the day before, and
    so on within :data:`REGISTRATION_DAYS`. ``wallet_suffix`` ends each parent's wallet id, so a
    run never reopens another run's wallets.
    """
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier
    prov1, vitalstats = at.issuer("prov1"), at.issuer("vitalstats")
    today = datetime.now(UTC).date()
    ages: list[int | None] = [None] if birthdate else list(range(AGE_DAYS, REGISTRATION_DAYS + 1))

    # 1. Each parent's wallet, and their Verified Person from Province 1.
    parents = [(f"{w}{wallet_suffix}", person, evidence, service) for w, person, evidence, service in PARENTS]
    received: dict[str, list[str]] = {}
    for wallet_id, person, evidence, _service in parents:
        open_wallet(http, wallet, wallet_id)
        proofed = checked_json(http.post(f"{prov1}/issuers/prov1/proofing", json={**person, "evidence": evidence}))
        held = receive(http, wallet, wallet_id, proofed)
        narrate("newborn.proofed", person=_name(person), loa=proofed["assurance_level"])
        received[wallet_id] = [c["type"] for c in held]

    # 2. Vital statistics registers the birth once, and offers each parent their credentials.
    for age in ages:
        born = birthdate or (today - timedelta(days=age or AGE_DAYS)).isoformat()
        child = {
            "given_name": NEWBORN_CHILD["given_name"],
            "family_name": NEWBORN_CHILD["family_name"],
            "birthdate": born,
        }
        try:
            registered = checked_json(
                http.post(
                    f"{vitalstats}/issuers/vitalstats/births",
                    json={
                        "child": {**child, "place_of_birth": NEWBORN_CHILD["place_of_birth"]},
                        "parents": [_ref(p) for _, p, _, _ in parents],
                    },
                )
            )
            break
        except SandboxError as exc:
            if exc.reason is not Reason.CONFLICT or age == ages[-1]:
                raise
    narrate(
        "newborn.registered",
        child=_name(registered["child"]),
        birthdate=registered["child"]["birthdate"],
        place=registered["child"]["place_of_birth"]["locality"],
        number=registered["registration_number"],
    )

    # 3. Each parent's wallet redeems its own offer with the code sent to that parent.
    for (wallet_id, person, _, _), offer in zip(parents, registered["offers"], strict=True):
        narrate("newborn.offer", person=_name(person), tx=offer["tx_code"])
        for cred in receive(http, wallet, wallet_id, offer):
            narrate("newborn.received", person=_name(person), credential=cred)
            received[wallet_id].append(cred["type"])

    # 4. No new paperwork: each parent applies with what their wallet holds.
    verdicts: dict[str, dict] = {}
    for wallet_id, person, _, service in parents:
        narrate("newborn.apply", person=_name(person), service=service, child=child["given_name"])
        verdicts[service] = present(
            http,
            wallet,
            verifier,
            wallet_id,
            service,
            approve=approve.get(service, False) if isinstance(approve, Mapping) else approve,
            narrate=narrate,
        )["verdict"]
        narrate("newborn.verdict", person=_name(person), service=service, verdict=verdicts[service])

    # 5. Someone the registration does not name as a parent asks for a parent–child relationship,
    # bringing a certificate that names him: the register decides.
    refusal: dict = {"person": NOT_A_PARENT, "status": None, "reason": None, "message": None}
    try:
        checked_json(
            http.post(
                f"{vitalstats}/issuers/vitalstats/relationships",
                json={
                    "relationship_type": "parent",
                    "person": NOT_A_PARENT,
                    "related_person": child,
                    "evidence": [
                        {
                            "type": "birth_certificate",
                            "number": registered["registration_number"],
                            **child,
                            "parents": [NOT_A_PARENT],
                        }
                    ],
                },
            )
        )
    except SandboxError as exc:
        refusal.update(status=exc.status_code, reason=exc.reason.value, message=exc.message)
    narrate("newborn.refused", person=_name(NOT_A_PARENT), child=child["given_name"], reason=refusal["reason"])

    credentials = {w: sorted(types) for w, types in received.items()}
    ok = (
        all(v["accepted"] and not v["reasons"] for v in verdicts.values())
        and all(types == EXPECTED_CREDENTIALS for types in credentials.values())
        and refusal["reason"] == Reason.NOT_ON_BIRTH_REGISTRATION.value
    )
    return {
        "ok": ok,
        "registration": {k: registered[k] for k in ("registration_number", "registered_at", "child", "parents")},
        "credentials": credentials,
        "verdicts": verdicts,
        "refusal": refusal,
    }
