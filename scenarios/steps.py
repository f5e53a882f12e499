"""The steps every story is made of, over the services' public HTTP APIs only.

A person's wallet redeems an offer; a relying party asks, the wallet shows what it would
disclose, the person decides, and the relying party gives its verdict. Stories (Sasha's
account, a jurisdiction's onboarding) chain these with their own narration.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pctf.http import checked_json
from pctf.reasons import Reason, SandboxError

Narrate = Callable[..., None]


def quiet(_event: str, **_data) -> None:
    return None


def open_wallet(http: httpx.Client, wallet: str, wallet_id: str) -> dict:
    """Open a persona's wallet, or reopen one opened before; returns its public holder key.

    ``http`` acts with the operator's keyring (:mod:`scenarios.keyring`), which keeps the holder
    token a new wallet answers with, and presents it to reopen the wallet later."""
    created = http.put(f"{wallet}/wallet/{wallet_id}")
    if created.status_code == 409:
        reopened = http.get(f"{wallet}/wallet/{wallet_id}")
        if reopened.status_code == 401:
            raise SandboxError(
                Reason.CONFLICT,
                f"wallet {wallet_id!r} exists, and its holder token is not kept under this PCTF_DATA_DIR",
                status_code=409,
            )
        return checked_json(reopened)
    return checked_json(created)


def receive(http: httpx.Client, wallet: str, wallet_id: str, offered: dict, narrate: Narrate = quiet) -> list[dict]:
    """The wallet redeems an issuer's offer (``credential_offer_uri`` and ``tx_code``) over OpenID4VCI."""
    received = checked_json(
        http.post(
            f"{wallet}/wallet/{wallet_id}/offers",
            json={"offer": offered["credential_offer_uri"], "tx_code": offered["tx_code"]},
        )
    )
    for cred in received:
        narrate("received", credential=cred, holder=wallet_id)
    return received


def present(
    http: httpx.Client,
    wallet: str,
    verifier: str,
    wallet_id: str,
    rp: str,
    *,
    approve: bool | Callable[[dict], bool] = True,
    narrate: Narrate = quiet,
) -> dict:
    """One OpenID4VP exchange: the relying party's request, the wallet's review, the holder's
    decision, and the relying party's verdict. Returns ``{"verdict", "state", "review", "evidence"}``
    (``evidence``: what the relying party asked others while verifying, None when it does not say)."""
    request = checked_json(http.post(f"{verifier}/verifier/{rp}/requests"))
    narrate("request", request=request, rp=rp, holder=wallet_id)
    review = checked_json(
        http.post(f"{wallet}/wallet/{wallet_id}/presentations", json={"request": request["request_uri"]})
    )
    narrate("consent", review=review, rp=rp, holder=wallet_id)
    if callable(approve):
        approve = approve(review)
    decision = checked_json(
        http.post(
            f"{wallet}/wallet/{wallet_id}/presentations/{review['request_id']}/decision",
            json={"approve": approve, "review_hash": review["review_hash"]},
        )
    )
    narrate("consented" if approve else "declined", decision=decision, rp=rp, holder=wallet_id)
    result = checked_json(http.get(f"{verifier}/verifier/{rp}/requests/{request['state']}"))
    # What the relying party asked others while verifying (KB-JWT, TRQP, status list), when it says.
    evidence = result.get("evidence")
    narrate(
        "verdict", verdict=result["verdict"], rp=rp, holder=wallet_id, status=result.get("status"), evidence=evidence
    )
    return {"verdict": result["verdict"], "state": request["state"], "review": review, "evidence": evidence}


def status_list_ttl(evidence: object) -> int | None:
    """The ``ttl`` of the Status List Token a relying party checked a credential against, as its
    verdict's evidence shows it (None when it does not say): how long that relying party may go
    on answering from the list it holds, so how long a story waits for a revocation to show."""
    entries = evidence.get("entries") if isinstance(evidence, dict) else evidence
    for entry in entries if isinstance(entries, list) else []:
        answer = entry.get("answer") if isinstance(entry, dict) else None
        if entry.get("kind") == "status_list" and isinstance(answer, dict):
            ttl = answer.get("ttl")
            if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0:
                return ttl
    return None
