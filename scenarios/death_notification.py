"""Death notification, over the services' public HTTP APIs only, and how long it takes.

Sasha's father is proofed by Province 1 and receives a Verified Person; vital statistics issues
him a parent–child relationship naming Sasha, from her birth certificate. The federal benefits
service accepts his Verified Person. Vital statistics registers his death: the ``person.died``
event reaches every issuer, which revokes what it issued about him. The benefits service is
asked again, with the same credential, until it refuses (``credential_revoked``); his wallet
shows both credentials revoked.

The propagation time is measured from the services' own records, never estimated: when the
death was registered (vital statistics), when each issuer received the event and committed its
revocations (each issuer's event record: from then on its status list says revoked), and when
the benefits service gave its first refusal (its verdict's ``checked_at``). A verifier may
reuse a Status List Token for its ``ttl`` (draft-ietf-oauth-status-list 13.7), so the last leg
is bounded by that ttl: the service keeps being asked, as a live service would be, and each
answer it gave from its cached list before the refusal is counted.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from pctf.http import checked_json

from .deployment import Deployment
from .personas import SASHA, sashas_father
from .steps import Narrate, open_wallet, present, quiet, receive, status_list_ttl

SERVICE = "fed-benefits"
WALLET = "gilles"
PERSON_REF = ("given_name", "family_name", "birthdate")
# The status list ttl assumed when neither the caller nor the service's evidence gives one (the default).
DEFAULT_TTL_SECONDS = 300
# How long to wait for the event to reach every issuer before calling the story failed.
DELIVERY_TIMEOUT_SECONDS = 30.0


def _ms(start: str, end: str | None) -> float | None:
    if end is None:
        return None
    return round((datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000, 1)


def run(
    where: str | Deployment,
    http: httpx.Client,
    narrate: Narrate = quiet,
    *,
    ttl_seconds: int | None,
    retry_every: float = 0.2,
    max_attempts: int | None = None,
    pause: Callable[[float], None] = time.sleep,
    wait: Callable[[float], None] = time.sleep,
    date_of_death: str | None = None,
    father_born: str | None = None,
    wallet_suffix: str = "",
) -> dict:
    """Run the story; returns what each party saw, the propagation figures, and ``ok``.

    ``http`` acts with the operator's keyring (:mod:`scenarios.keyring`): vital statistics staff
    register the death, and each issuer's staff report what their issuer did with the event.

    ``pause`` lets time pass between two presentations to the benefits service (a test hands in
    a frozen clock's ``advance``); ``wait`` is the real-time pause while polling the issuers for
    the event (a thread is waited for, not a clock). The service is asked at most
    ``max_attempts`` times after the death (default: enough for the ttl, plus margin).
    ``date_of_death`` defaults to today (UTC).

    ``ttl_seconds`` is the deployment's status list ttl; None reads it from the Status List Token
    the benefits service checked his credential against (the ``ttl`` of its first verdict's
    evidence). ``father_born`` and ``wallet_suffix`` make a run's father and wallet its own
    (:func:`~scenarios.personas.sashas_father`), so the story can be told again against the
    same deployment.
    """
    at = Deployment.of(where)
    wallet, verifier = at.wallet, at.verifier
    father, father_evidence, birth_certificate = sashas_father(father_born)
    name = father["given_name"]
    wallet_id = f"{WALLET}{wallet_suffix}"
    prov1, vitalstats = at.issuer("prov1"), at.issuer("vitalstats")

    open_wallet(http, wallet, wallet_id)
    narrate("death.wallet", person=name)
    # 1. Province 1 proofs him; vital statistics issues his relationship to Sasha.
    proofed = checked_json(http.post(f"{prov1}/issuers/prov1/proofing", json={**father, "evidence": father_evidence}))
    held = receive(http, wallet, wallet_id, proofed)
    related = checked_json(
        http.post(
            f"{vitalstats}/issuers/vitalstats/relationships",
            json={
                "relationship_type": "parent",
                "person": {k: father[k] for k in PERSON_REF},
                "related_person": {k: SASHA[k] for k in PERSON_REF},
                "evidence": [birth_certificate],
            },
        )
    )
    held += receive(http, wallet, wallet_id, related)
    for cred in held:
        narrate("death.received", person=name, credential=cred)

    # 2. The federal benefits service accepts his Verified Person.
    accepted = present(http, wallet, verifier, wallet_id, SERVICE)
    before = accepted["verdict"]
    narrate("death.presented", person=name, verdict=before)
    if ttl_seconds is None:
        ttl_seconds = status_list_ttl(accepted["evidence"]) or DEFAULT_TTL_SECONDS

    # 3. Vital statistics registers his death; the event goes out to every issuer.
    registered = checked_json(
        http.post(
            f"{vitalstats}/issuers/vitalstats/deaths",
            json={
                **{k: father[k] for k in PERSON_REF},
                "date_of_death": date_of_death or datetime.now(UTC).date().isoformat(),
            },
        )
    )
    t0 = registered["registered_at"]
    narrate("death.registered", person=name, date=registered["date_of_death"], event_id=registered["event_id"])

    # 4. Each issuer's record of the event: when it arrived, when its revocations were committed.
    # Every issuer, wherever each runs: each issuers process lists those it serves.
    ids = [
        i["id"]
        for base in at.issuer_bases()
        for i in checked_json(http.get(f"{base}/issuers"))
        if at.issuer(i["id"]) == base
    ]
    deliveries: dict[str, dict] = {}
    deadline = time.monotonic() + DELIVERY_TIMEOUT_SECONDS
    while len(deliveries) < len(ids) and time.monotonic() < deadline:
        for issuer in ids:
            if issuer not in deliveries:
                answer = http.get(f"{at.issuer(issuer)}/issuers/{issuer}/events/{registered['event_id']}")
                if answer.status_code == 200:
                    deliveries[issuer] = answer.json()
        if len(deliveries) < len(ids):
            wait(0.02)
    for issuer in ids:
        got = deliveries.get(issuer)
        narrate(
            "death.delivered",
            issuer=issuer,
            delivered=got is not None,
            ms=_ms(t0, got["received_at"]) if got else None,
            revoked=len(got["revoked"]) if got else 0,
        )

    # 5. The benefits service is asked again, with the same credential, until it refuses.
    attempts = max_attempts or int(ttl_seconds / retry_every) + 25
    cached, after = 0, None
    for _ in range(attempts):
        after = present(http, wallet, verifier, wallet_id, SERVICE)["verdict"]
        if not after["accepted"]:
            break
        cached += 1
        pause(retry_every)
    narrate("death.presented_after", person=name, verdict=after, cached=cached, ttl=ttl_seconds)

    # 6. His wallet reads the issuers' status lists.
    statuses = {c["type"]: c["status"] for c in checked_json(http.get(f"{wallet}/wallet/{wallet_id}/credentials"))}
    narrate("death.wallet_view", person=name, statuses=statuses)

    revoking = [d for d in deliveries.values() if d["revoked"]]
    delivered_at = max((d["received_at"] for d in deliveries.values()), default=None)
    revoked_at = max((d["processed_at"] for d in revoking), default=None)
    rejected_at = after["checked_at"] if after is not None and not after["accepted"] else None
    propagation = {
        "registered_at": t0,
        "delivered_to_every_issuer_at": delivered_at if len(deliveries) == len(ids) else None,
        "revoked_in_status_lists_at": revoked_at,
        "first_rejected_verification_at": rejected_at,
        "delivery_ms": _ms(t0, delivered_at) if len(deliveries) == len(ids) else None,
        "revocation_ms": _ms(t0, revoked_at),
        "rejection_ms": _ms(t0, rejected_at),
        "status_list_ttl_seconds": ttl_seconds,
        "accepted_from_cached_status_list": cached,
        "per_issuer": {
            i: {
                "received_ms": _ms(t0, d["received_at"]),
                "processed_ms": _ms(t0, d["processed_at"]),
                "revoked": len(d["revoked"]),
            }
            for i, d in deliveries.items()
        },
    }
    narrate("death.propagation", propagation=propagation)
    ok = (
        before["accepted"]
        and after is not None
        and not after["accepted"]
        and after["reasons"] == ["credential_revoked"]
        and len(deliveries) == len(ids)
        and {d["issuer"] for d in revoking} == {"prov1", "vitalstats"}
        and statuses == {"VerifiedPerson": "revoked", "VerifiedRelationship": "revoked"}
    )
    return {
        "ok": ok,
        "person": {k: father[k] for k in PERSON_REF},
        "registration": registered,
        "accepted_before": before,
        "rejected_after": after,
        "wallet": statuses,
        "propagation": propagation,
    }
