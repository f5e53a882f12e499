"""Cross-jurisdiction: a Territory 1 resident uses her Territory 1 Verified Person at a Province 2 service.

Territory 1 runs a trust framework of its own, with its own registry, which accredits its
identity program. The pan-Canadian registry the Province 2 health portal relies on does not
list Terr1's issuer; it *recognizes* Terr1's framework instead (TRQP recognition), and the
portal's verifier, finding the issuer unknown at home, asks the recognized framework. Before
the recognition the same credential is refused; after it, accepted, with the verdict saying
under which framework.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from pctf.http import checked_json, well_known_url
from pctf.reasons import Reason, SandboxError
from pctf.vocab import VERIFIED_PERSON

from .deployment import Deployment
from .personas import TERR1_RESIDENT
from .steps import Narrate, open_wallet, present, quiet, receive

PORTAL = "prov2-health"


def accredit_in_framework(http: httpx.Client, entity_id: str, framework_api: str, framework_token: str) -> None:
    """Territory 1's own framework accredits its identity program (``entity_id``) for Verified
    Person at LoA 3, with the keys the issuer publishes."""
    terr1_gov = {"Authorization": f"Bearer {framework_token}"}
    keys = checked_json(http.get(well_known_url(entity_id, "jwt-vc-issuer")))["jwks"]
    checked_json(
        http.post(
            f"{framework_api}/entities",
            headers=terr1_gov,
            json={
                "entity_id": entity_id,
                "name": "Territory 1 Digital Identity Program",
                "jurisdiction": "Terr1",
                "role": "issuer",
                "jwks": keys,
            },
        )
    )
    checked_json(
        http.post(
            f"{framework_api}/authorizations",
            headers=terr1_gov,
            json={"entity_id": entity_id, "resource": "VerifiedPerson", "assurance_level": 3},
        )
    )


def ask_authorization(http: httpx.Client, home: str, entity_id: str) -> dict:
    """The registry ``home``'s own TRQP answer: may ``entity_id`` issue Verified Person?"""
    return checked_json(
        http.post(
            f"{home}/authorization",
            json={"entity_id": entity_id, "authority_id": home, "action": "issue", "resource": "VerifiedPerson"},
        )
    )


def recognize_framework(http: httpx.Client, home: str, framework_api: str, governance_token: str) -> dict:
    """The pan-Canadian framework (the registry ``home``) recognizes the framework at
    ``framework_api`` for Verified Person for a year; returns the home registry's TRQP
    recognition answer for it."""
    until = (datetime.now(UTC) + timedelta(days=365)).replace(microsecond=0).isoformat()
    checked_json(
        http.post(
            f"{home}/recognitions",
            headers={"Authorization": f"Bearer {governance_token}"},
            json={"recognized_authority_id": framework_api, "resource": "VerifiedPerson", "valid_until": until},
        )
    )
    return checked_json(
        http.post(
            f"{home}/recognition",
            json={"entity_id": framework_api, "authority_id": home, "action": "issue", "resource": "VerifiedPerson"},
        )
    )


def home_registry(http: httpx.Client, at: Deployment, entity_id: str, story: str) -> str:
    """The pan-Canadian registry's authority id, once it is known to be as the story needs it:
    ``entity_id`` (Territory 1's issuer) unknown to it, and no framework recognized for Verified
    Person yet (an earlier run of this story, or of the federal sign-in, leaves one). Otherwise
    the story is refused at once (``conflict``), saying what the deployment needs."""
    home = checked_json(http.get(f"{at.registry}/registry/metadata"))["authority_id"]
    fresh = f"the {story} story needs a fresh deployment, started with PCTF_UNACCREDITED_ISSUERS=terr1"
    status = ask_authorization(http, home, entity_id)["status"]
    if status != "unknown_entity":
        raise SandboxError(
            Reason.CONFLICT, f"the registry already knows {entity_id} ({status}): {fresh}", status_code=409
        )
    recognized = [
        r["recognized_authority_id"]
        for r in checked_json(http.get(f"{at.registry}/registry/recognitions"))
        if r.get("resource") in ("VerifiedPerson", VERIFIED_PERSON.vct)
    ]
    if recognized:
        raise SandboxError(
            Reason.CONFLICT,
            f"the registry already recognizes {recognized[0]} for Verified Person (an earlier run): {fresh}",
            status_code=409,
        )
    return str(home)


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    framework_api: str,
    framework_token: str,
    governance_token: str,
    issuer: str = "terr1",
    wallet_suffix: str = "",
) -> dict:
    """Run the story against the deployment ``where`` (or the one base URL of every service)
    and Terr1's framework registry, whose TRQP endpoints live under ``framework_api`` (its
    authority id). Returns what each party saw. A deployment that is not as the story needs it
    is refused at once (:func:`home_registry`); ``wallet_suffix`` ends Nora's wallet id."""
    at = Deployment.of(where)
    entity_id = at.issuer_id(issuer)
    home = home_registry(http, at, entity_id, "cross-jurisdiction")
    wallet_id = f"nora{wallet_suffix}"

    # 1. Territory 1's own framework accredits its identity program, with the keys it publishes.
    accredit_in_framework(http, entity_id, framework_api, framework_token)
    narrate("cross.framework", framework=framework_api)

    narrate("cross.unknown", status=ask_authorization(http, home, entity_id)["status"])

    # 2. Nora gets her Verified Person from Territory 1.
    person, evidence = TERR1_RESIDENT
    open_wallet(http, at.wallet, wallet_id)
    receive(
        http,
        at.wallet,
        wallet_id,
        checked_json(
            http.post(f"{at.issuer(issuer)}/issuers/{issuer}/proofing", json={**person, "evidence": evidence})
        ),
    )
    before = present(http, at.wallet, at.verifier, wallet_id, PORTAL)["verdict"]
    narrate("cross.portal", person=person["given_name"], verdict=before)

    # 3. The pan-Canadian framework recognizes Territory 1's framework for Verified Person.
    recognized = recognize_framework(http, home, framework_api, governance_token)
    narrate("cross.recognized", recognized=recognized["recognized"])

    # 4. The same credential, presented again to the same, unchanged portal.
    after = present(http, at.wallet, at.verifier, wallet_id, PORTAL)["verdict"]
    narrate("cross.portal", person=person["given_name"], verdict=after)
    ok = before["reasons"] == ["issuer_unknown"] and recognized["recognized"] is True and after["accepted"] is True
    return {
        "ok": ok,
        "issuer": entity_id,
        "framework": framework_api,
        "before_recognition": before,
        "recognition": recognized,
        "after_recognition": after,
    }
