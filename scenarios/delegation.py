"""An adult child acting for an elderly parent, over the services' public HTTP APIs only.

Province 1 proofs Sasha and her father Gilles; each receives a Verified Person. Gilles consents
to Sasha acting for him on his health information: Province 1's health authority records his
consent and offers Sasha a delegation (a Verified Relationship of type ``delegate`` naming her as
the delegate and him as the person represented, with its scope, its period and the consent). The
Province 1 Health Portal asks for her Verified Person and the delegation, checks that the
delegation covers health information and names her, and lets her act for him.

Then each way a delegation stops working, on the same services:

- Gilles withdraws his consent: the health authority's staff revoke the delegation (its status
  list entry) and the portal refuses the same credentials (``credential_revoked``), once its
  cached status list is older than the list's ttl (draft-ietf-oauth-status-list 13.7): the portal
  is asked again until it refuses, and each answer it gave from its cached list is counted;
- he grants her only the booking of his appointments: the portal refuses it for his health
  record (``scope_not_covered``);
- he grants her his health information again, from next month: until then the portal refuses it
  (``credential_not_yet_valid``), because the credential's own validity follows the delegation's.

Her wallet presents its most recently received delegation, so each refusal is about the newest one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx

from pctf.http import checked_json

from .deployment import Deployment
from .personas import SASHA, SASHA_EVIDENCE, sashas_father
from .steps import Narrate, open_wallet, present, quiet, receive, status_list_ttl

SERVICE = "prov1-health"
AUTHORITY = "prov1health"
DELEGATE_WALLET, PARENT_WALLET = "sasha", "gilles"
PERSON_REF = ("given_name", "family_name", "birthdate")
SCOPE = "health_information"
NARROWER_SCOPE = "appointments"
# A delegation runs for a year: its last day is the eve of the anniversary of its first.
TERM = timedelta(days=365)
# The status list ttl assumed when neither the caller nor the portal's evidence gives one (the default).
DEFAULT_TTL_SECONDS = 300
# How far ahead the second grant of his health information takes effect.
DEFERRED_START = timedelta(days=30)


def _ref(persona: dict) -> dict:
    return {k: persona[k] for k in PERSON_REF}


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    ttl_seconds: int | None,
    approve: bool | Callable[[dict], bool] = True,
    retry_every: float = 0.2,
    max_attempts: int | None = None,
    pause: Callable[[float], None] = time.sleep,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    father_born: str | None = None,
    wallet_suffix: str = "",
) -> dict:
    """Run the story; returns each verdict of the portal, the consent record and ``ok``.

    ``http`` acts with the operator's keyring (:mod:`scenarios.keyring`): Province 1 and its
    health authority's staff, and both wallets' holders. ``approve`` is Sasha's decision, or a
    function that shows her the wallet's review and returns it; when the portal is asked again
    after the revocation, her first answer stands for the repeats. ``pause`` lets time pass
    between two of those presentations (a test hands in a frozen clock's ``advance``), at most
    ``max_attempts`` of them (default: enough for the ttl, plus margin). ``now`` is the time the
    health authority's staff record a consent at (the sandbox's clock).

    ``ttl_seconds`` is the deployment's status list ttl; None reads it from the Status List
    Token the portal checked the first delegation against (its verdict's evidence).
    ``father_born`` and ``wallet_suffix`` make a run's father and wallets its own
    (:func:`~scenarios.personas.sashas_father`), so the story can be told again against the same
    deployment, even one where another story registered his death.
    """
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier
    prov1, health = at.issuer("prov1"), at.issuer(AUTHORITY)
    father, father_evidence, _ = sashas_father(father_born)
    delegate, parent = SASHA["given_name"], father["given_name"]
    delegate_wallet, parent_wallet = f"{DELEGATE_WALLET}{wallet_suffix}", f"{PARENT_WALLET}{wallet_suffix}"

    # 1. Province 1 proofs both of them; each wallet receives a Verified Person.
    holder = open_wallet(http, wallet, delegate_wallet)
    open_wallet(http, wallet, parent_wallet)
    for persona, evidence, wallet_id in (
        (SASHA, SASHA_EVIDENCE, delegate_wallet),
        (father, father_evidence, parent_wallet),
    ):
        proofed = checked_json(http.post(f"{prov1}/issuers/prov1/proofing", json={**persona, "evidence": evidence}))
        for cred in receive(http, wallet, wallet_id, proofed):
            narrate("delegation.received", person=persona["given_name"], credential=cred)

    def grant(scope: str, valid_from: date) -> dict:
        """Gilles signs a consent form; the health authority records it and offers Sasha the delegation."""
        moment = now().astimezone(UTC).replace(microsecond=0)
        granted = checked_json(
            http.post(
                f"{health}/issuers/{AUTHORITY}/delegations",
                json={
                    "delegate": _ref(SASHA),
                    "represented_person": _ref(father),
                    "scope": scope,
                    "valid_from": valid_from.isoformat(),
                    "valid_until": (valid_from + TERM - timedelta(days=1)).isoformat(),
                    "consent": {
                        "granted_by": _ref(father),
                        "granted_at": moment.isoformat(),
                        "reference": f"P1H-CONSENT-{secrets.token_hex(4).upper()}",
                    },
                },
            )
        )
        narrate("delegation.granted", person=parent, delegate=delegate, consent=granted["consent"])
        for cred in receive(http, wallet, delegate_wallet, granted):
            narrate("delegation.received", person=delegate, credential=cred)
        return granted

    def act(decide: bool | Callable[[dict], bool] = approve, tell: Narrate = narrate) -> dict:
        """Sasha asks the portal to act for her father: its request, her consent, its verdict."""
        return present(http, wallet, verifier, delegate_wallet, SERVICE, approve=decide, narrate=tell)

    # 2. With his consent, she acts for him on his health record.
    today = now().astimezone(UTC).date()
    first = grant(SCOPE, today)
    first_exchange = act()
    accepted = first_exchange["verdict"]
    if ttl_seconds is None:
        ttl_seconds = status_list_ttl(first_exchange["evidence"]) or DEFAULT_TTL_SECONDS
    narrate("delegation.presented", case="accepted", person=delegate, parent=parent, verdict=accepted)

    # 3. He withdraws his consent; the health authority's staff revoke the delegation.
    # Staff find it in their register: the newest delegation in force bound to her wallet's key.
    issued = checked_json(http.get(f"{health}/issuers/{AUTHORITY}/issuances"))
    mine = [i for i in issued if i["holder_kid"] == holder["holder_jwk"]["kid"] and i["status"] == "valid"]
    revoked_id = mine[-1]["id"]
    checked_json(
        http.post(
            f"{health}/issuers/{AUTHORITY}/issuances/{revoked_id}/status",
            json={"status": "revoked", "reason": "consent withdrawn by the represented person"},
        )
    )
    narrate("delegation.revoked", person=parent, issuance=revoked_id)
    decisions: list[bool] = []

    def remembered(review: dict) -> bool:
        decisions.append(approve(review) if callable(approve) else approve)
        return decisions[-1]

    again = act(remembered)
    attempts = max_attempts or int(ttl_seconds / retry_every) + 25
    cached = 0
    if again["verdict"]["accepted"]:
        narrate("delegation.cached", person=delegate, ttl=ttl_seconds)
    while again["verdict"]["accepted"] and cached < attempts:
        cached += 1
        pause(retry_every)
        again = act(decisions[0], quiet)
    after_revocation = again["verdict"]
    if cached:  # the refusal came from a repeat nobody watched: show its checks
        narrate("verdict", verdict=after_revocation, rp=SERVICE, status=None, evidence=again["evidence"])
    narrate(
        "delegation.presented",
        case="revoked",
        person=delegate,
        parent=parent,
        verdict=after_revocation,
        cached=cached,
        ttl=ttl_seconds,
    )

    # 4. He grants her only the booking of his appointments: not his health record.
    grant(NARROWER_SCOPE, today)
    out_of_scope = act()["verdict"]
    narrate("delegation.presented", case="out_of_scope", person=delegate, parent=parent, verdict=out_of_scope)

    # 5. He grants her his health information again, from next month: not yet.
    grant(SCOPE, today + DEFERRED_START)
    not_yet = act()["verdict"]
    narrate("delegation.presented", case="not_yet_in_effect", person=delegate, parent=parent, verdict=not_yet)

    ok = (
        accepted["accepted"]
        and after_revocation["reasons"] == ["credential_revoked"]
        and out_of_scope["reasons"] == ["scope_not_covered"]
        and not_yet["reasons"] == ["credential_not_yet_valid"]
    )
    return {
        "ok": ok,
        "delegate": _ref(SASHA),
        "represented_person": _ref(father),
        "consent": first["consent"],
        "accepted": accepted,
        "refused_after_revocation": after_revocation,
        "refused_out_of_scope": out_of_scope,
        "refused_not_yet_in_effect": not_yet,
        "revoked_issuance": revoked_id,
        "accepted_from_cached_status_list": cached,
        "status_list_ttl_seconds": ttl_seconds,
    }
