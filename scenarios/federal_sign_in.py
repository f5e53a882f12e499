"""Signing in to a federal service with a provincial or territorial digital ID (Sign in Canada;
CRA's My Account accepting provincial digital IDs), over the services' public HTTP APIs only.

The federal account service accepts a Verified Person from any province or territory the trust
registry authorizes for that type at the level of assurance it needs (LoA 3), and no other; it
asks for the name and birthdate only, never the address. Three people try:

1. Sasha, with Province 1's Verified Person: accepted, and she is signed in: the service's
   verifier opens a session naming her by a subject of its own (pairwise: another service gets
   another one for her), with an expiry.
2. Priya, with Province 2's: refused with ``loa_too_low``: the registry authorizes Province 2
   for Verified Person at LoA 2 only, and Province 2 issues at that level.
3. Nora, with Territory 1's: refused with ``issuer_unknown`` while the pan-Canadian registry
   does not know Territory 1's issuer, which Territory 1's own trust framework accredits; once
   the pan-Canadian framework recognizes Territory 1's (TRQP recognition), the same credential
   is accepted and she is signed in. The recognition steps are the cross-jurisdiction story's.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pctf.http import checked_json

from .cross_jurisdiction import accredit_in_framework, ask_authorization, home_registry, recognize_framework
from .deployment import Deployment
from .personas import PROV2_RESIDENT, SASHA, SASHA_EVIDENCE, TERR1_RESIDENT
from .steps import Narrate, open_wallet, present, quiet, receive

SERVICE = "fed-my-account"
# Each person: (wallet id, issuer, person, evidence).
PEOPLE = {
    "prov1": ("sasha", "prov1", SASHA, SASHA_EVIDENCE),
    "prov2": ("priya", "prov2", *PROV2_RESIDENT),
    "terr1": ("nora", "terr1", *TERR1_RESIDENT),
}


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    framework_api: str,
    framework_token: str,
    governance_token: str,
    approve: bool | Callable[[dict], bool] = True,
    wallet_suffix: str = "",
) -> dict:
    """Run the story against the deployment ``where`` (or the one base URL of every service),
    where Territory 1's issuer is not in the registry and no framework is recognized yet
    (else it is refused at once: :func:`~scenarios.cross_jurisdiction.home_registry`), and
    Territory 1's framework registry at ``framework_api``. Returns the service's request, each
    verdict, the sessions opened, and ``ok``.

    ``http`` acts with the operator's keyring (:mod:`scenarios.keyring`); ``framework_token`` and
    ``governance_token`` are the two registries' governance tokens. ``approve`` is each holder's
    decision, or a function shown the wallet's review that returns it. ``wallet_suffix`` ends
    each person's wallet id, so a run never reopens another run's wallets.
    """
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier
    terr1 = at.issuer_id("terr1")
    home = home_registry(http, at, terr1, "federal sign-in")

    # What the service asks for: its policy's DCQL query, from its public listing.
    listed = next(rp for rp in checked_json(http.get(f"{verifier}/verifier")) if rp["id"] == SERVICE)
    query = listed["policy"]["dcql_query"]
    narrate("signin.policy", claims=[c["path"] for cq in query["credentials"] for c in cq.get("claims", [])])

    # Territory 1's own framework accredits its identity program; the pan-Canadian one does not.
    accredit_in_framework(http, terr1, framework_api, framework_token)
    narrate("signin.framework", framework=framework_api, status=ask_authorization(http, home, terr1)["status"])

    shown: set[str] = set()

    def sign_in(key: str) -> dict:
        """The person presents their Verified Person; returns the verdict and the session opened.
        The service's request is narrated once: it is the same for everyone."""
        wallet_id, _issuer, person, _evidence = PEOPLE[key]
        wallet_id += wallet_suffix

        def told(event: str, **data) -> None:
            if event != "request" or event not in shown:
                shown.add(event)
                narrate(event, **data)

        exchange = present(http, wallet, verifier, wallet_id, SERVICE, approve=approve, narrate=told)
        # The service's back end reads the outcome of that request: with it, the session it opened.
        result = checked_json(http.get(f"{verifier}/verifier/{SERVICE}/requests/{exchange['state']}"))
        narrate("signin.presented", person=person["given_name"], issuer=key, verdict=result["verdict"])
        narrate("signin.session", person=person["given_name"], session=result.get("session"))
        return {"verdict": result["verdict"], "session": result.get("session")}

    # Each person's wallet receives a Verified Person from their own province or territory.
    proofed: dict[str, int] = {}
    for key, (wallet_id, issuer, person, evidence) in PEOPLE.items():
        wallet_id += wallet_suffix
        open_wallet(http, wallet, wallet_id)
        offer = checked_json(
            http.post(f"{at.issuer(issuer)}/issuers/{issuer}/proofing", json={**person, "evidence": evidence})
        )
        receive(http, wallet, wallet_id, offer)
        proofed[key] = offer["assurance_level"]
        narrate("signin.proofed", person=person["given_name"], issuer=issuer, loa=offer["assurance_level"])

    prov1 = sign_in("prov1")
    prov2 = sign_in("prov2")
    terr1_before = sign_in("terr1")

    # The pan-Canadian framework recognizes Territory 1's; Nora tries again, with the same credential.
    recognition = recognize_framework(http, home, framework_api, governance_token)
    narrate("signin.recognized", recognized=recognition["recognized"])
    terr1_after = sign_in("terr1")

    ok = (
        prov1["verdict"]["accepted"] is True
        and prov1["session"] is not None
        and prov2["verdict"]["reasons"] == ["loa_too_low"]
        and prov2["session"] is None
        and terr1_before["verdict"]["reasons"] == ["issuer_unknown"]
        and terr1_before["session"] is None
        and recognition["recognized"] is True
        and terr1_after["verdict"]["accepted"] is True
        and terr1_after["session"] is not None
    )
    return {
        "ok": ok,
        "relying_party": SERVICE,
        "request": query,
        "assurance_levels": proofed,
        "verdicts": {
            "prov1": prov1["verdict"],
            "prov2": prov2["verdict"],
            "terr1_before_recognition": terr1_before["verdict"],
            "terr1_after_recognition": terr1_after["verdict"],
        },
        "recognition": recognition,
        "session": prov1["session"],
        "sessions": {
            "prov1": prov1["session"],
            "prov2": prov2["session"],
            "terr1_before_recognition": terr1_before["session"],
            "terr1_after_recognition": terr1_after["session"],
        },
    }
