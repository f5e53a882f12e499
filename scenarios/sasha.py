"""Sasha's journey, driven over HTTP like a person using her wallet and the services' web pages.

The journey only ever calls the services' public HTTP APIs (issuer proofing and registration,
wallet, bank), so the same function drives the embedded sandbox, a docker-compose deployment
or a test server. It reports each step through ``narrate(event, **data)`` and returns the
bank's verdict.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pctf.http import checked_json

from .deployment import Deployment
from .personas import SASHA, SASHA_BUSINESS, SASHA_EVIDENCE
from .steps import Narrate, open_wallet, present, quiet, receive


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    wallet_id: str = "sasha",
    bank: str = "bank",
    approve: bool | Callable[[dict], bool] = True,
) -> dict:
    """Run the whole story; returns ``{"verdict": ..., "business_number": ..., "state": ...}``.

    ``where`` is the deployment (:class:`~scenarios.deployment.Deployment`), or the one base URL
    every service answers at. ``approve`` is the holder's decision, or a function that shows her
    the wallet's review and returns it.
    """
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier

    holder = open_wallet(http, wallet, wallet_id)
    narrate("wallet", kid=holder["holder_jwk"]["kid"])

    # 1. Prov1 proofs Sasha from her evidence and offers a Verified Person credential.
    narrate("proofing", issuer="prov1", evidence=[e["type"] for e in SASHA_EVIDENCE])
    proofed = checked_json(
        http.post(f"{at.issuer('prov1')}/issuers/prov1/proofing", json={**SASHA, "evidence": SASHA_EVIDENCE})
    )
    narrate("proofed", loa=proofed["assurance_level"], tx_code=proofed["tx_code"])
    receive(http, wallet, wallet_id, proofed, narrate)

    # 2. She incorporates federally; the registrar offers the organization and her relationship.
    narrate("incorporate", legal_name=SASHA_BUSINESS["legal_name"])
    director = {k: SASHA[k] for k in ("given_name", "family_name", "birthdate")}
    registered = checked_json(
        http.post(
            f"{at.issuer('fed')}/issuers/fed/incorporations",
            json={**SASHA_BUSINESS, "director": director, "role": "director"},
        )
    )
    narrate("incorporated", business_number=registered["business_number"])
    receive(http, wallet, wallet_id, registered, narrate)

    # 3-5. The bank asks for exactly what its policy needs; her wallet shows what would be
    # disclosed; she decides; the bank gives its verdict, with every check it made.
    result = present(http, wallet, verifier, wallet_id, bank, approve=approve, narrate=narrate)
    return {
        "verdict": result["verdict"],
        "business_number": registered["business_number"],
        "state": result["state"],
        "legal_name": SASHA_BUSINESS["legal_name"],
    }
