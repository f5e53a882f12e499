"""How the registry answers: TRQP evaluation over plain records, shared by every way of asking.

The registry's store, the signed snapshot a verifier caches and the snapshot's offline reader
all hold the same JSON-able *entity records* (see :func:`registry.records.entity_record`):
the entity, its keys, the key events, its authorizations and the status history of each. The
functions here are the one place an answer is derived from such a record, so a verifier gets
the same verdict live or from its snapshot.

Time-awareness (the question a verifier asks is "was this issuer authorized *when it issued*
this credential?"):

* A status change (suspension, reinstatement, revocation) takes effect at its
  ``effective_from``. A query about an earlier time is answered as things stood then, so a
  credential issued while the issuer was accredited stays acceptable after a later suspension.
* A change marked ``retroactive`` also reaches back: once it is in force (``effective_from`` is
  past at evaluation time), it covers every earlier time too, until a later reinstatement
  lifts it. Revocation is retroactive unless governance says otherwise.
* Key events work the same way per key: a key ``retired`` at R still verifies what it signed
  before R; a key ``compromised`` from C rejects everything it signed from C on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, overload

from pctf.clock import as_utc
from pctf.trqp import Query, authorization_answer, recognition_answer

# When several authorizations match, the answer describes the one closest to being usable.
RANK = {"active": 0, "loa_exceeded": 1, "suspended": 2, "not_yet_valid": 3, "expired": 4, "revoked": 5}

MESSAGES = {
    "active": "authorized",
    "loa_exceeded": "authorized only up to level of assurance {loa}, below the level asked for",
    "suspended": "the authorization is suspended",
    "revoked": "the authorization was revoked",
    "not_yet_valid": "the authorization is not yet valid at the time asked about",
    "expired": "the authorization had expired at the time asked about",
}


@overload
def when(value: str | datetime) -> datetime: ...


@overload
def when(value: None) -> None: ...


@overload
def when(value: str | datetime | None) -> datetime | None: ...


def when(value: str | datetime | None) -> datetime | None:
    """A record's time (RFC 3339 text in records, datetimes in the store) as aware UTC."""
    if value is None or isinstance(value, datetime):
        return None if value is None else as_utc(value)
    return as_utc(datetime.fromisoformat(value))


def status_at(history: list[dict], at: datetime, now: datetime) -> dict | None:
    """The status event that governs time ``at`` as seen at ``now``, or None (active).

    ``history`` is in recording order; each event has ``status``, ``effective_from`` and
    ``retroactive``. Events not yet in force at ``now`` are ignored for retroactive reach but do
    govern times after their date (a scheduled suspension answers queries about later times).
    """
    ordered = sorted(enumerate(history), key=lambda p: (when(p[1]["effective_from"]), p[0]))
    governing = None
    for _, event in ordered:
        if when(event["effective_from"]) <= at:
            governing = event
    if governing is not None and governing["status"] == "active":
        governing = None
    for i, (_, event) in enumerate(ordered):
        start = when(event["effective_from"])
        if not event.get("retroactive") or event["status"] == "active" or start > now or at >= start:
            continue
        lifted = any(e["status"] == "active" and when(e["effective_from"]) <= now for _, e in ordered[i + 1 :])
        if not lifted:
            return event
    return governing


def judge(auth: dict, at: datetime, now: datetime, loa: int | None) -> tuple[str, dict | None]:
    """The status of one authorization for a query about time ``at`` and LoA ``loa``, with the
    status event behind it (if a decision, not the validity window, is the reason)."""
    event = status_at(auth.get("status_history", []), at, now)
    if event is not None:
        return event["status"], event
    if at < when(auth["valid_from"]):
        return "not_yet_valid", None
    until = when(auth.get("valid_until"))
    if until is not None and at >= until:
        return "expired", None
    if loa is not None and auth["assurance_level"] < loa:
        return "loa_exceeded", None
    return "active", None


def _because(event: dict | None) -> str:
    if event is None:
        return ""
    text = f" (from {event['effective_from']}"
    return text + (f": {event['reason']})" if event.get("reason") else ")")


def answer_authorization(
    record: dict[str, Any] | None, query: Query, vct: str | None, now: datetime, authority_id: str
) -> dict[str, Any]:
    """A TRQP v2 authorization answer to ``query`` (see :func:`pctf.trqp.authorization_answer`).

    ``vct`` is the resource as a credential type's ``vct`` (None when it names no known type).
    Beyond TRQP the answer carries ``status``, the authorization's maximum ``assurance_level``
    and its validity period, so a verifier can say *why*.
    """
    answer = authorization_answer(query, now)
    at, loa = query.at, query.assurance_level
    if query.authority_id != authority_id:
        answer["message"] = f"this registry answers for authority {authority_id} only"
        return answer
    if record is None:
        answer.update(status="unknown_entity", message="the registry does not know this entity")
        return answer
    rows = (
        []
        if vct is None
        else [a for a in record.get("authorizations", []) if a["action"] == query.action and a["resource"] == vct]
    )
    judged = sorted(
        ((*judge(a, at, now, loa), a) for a in rows), key=lambda p: (RANK[p[0]], -p[2]["assurance_level"], p[2]["id"])
    )
    if judged:
        status, event, best = judged[0]
        answer.update(
            status=status,
            assurance_level=best["assurance_level"],
            valid_from=best["valid_from"],
            valid_until=best.get("valid_until"),
            message=MESSAGES[status].format(loa=best["assurance_level"]) + _because(event),
        )
    else:
        answer["message"] = (
            f"unknown resource {query.resource!r}" if vct is None else "no authorization for this action and resource"
        )
    entity_event = status_at(record.get("status_history", []), at, now)
    if entity_event is not None:
        answer.update(
            status=entity_event["status"], message=f"the entity is {entity_event['status']}" + _because(entity_event)
        )
    answer["authorized"] = answer["status"] == "active"
    return answer


def answer_recognition(
    recognitions: list[dict[str, Any]], query: Query, resource: str, now: datetime, authority_id: str
) -> dict[str, Any]:
    """A TRQP v2 recognition answer: do we (``authority_id``) recognize ``query.entity_id``,
    another framework's authority, for ``action`` on ``resource`` at the time asked about?"""
    answer = recognition_answer(query, now)
    at = query.at
    if query.authority_id != authority_id:
        answer["message"] = f"this registry answers for authority {authority_id} only"
        return answer
    rows = [
        r
        for r in recognitions
        if r["recognized_authority_id"] == query.entity_id and r["action"] == query.action and r["resource"] == resource
    ]
    usable = [
        r
        for r in rows
        if r.get("status", "active") == "active"
        and when(r["valid_from"]) <= at
        and (r.get("valid_until") is None or at < when(r["valid_until"]))
    ]
    answer["recognized"] = bool(usable)
    if usable:
        answer["message"] = "recognized"
    else:
        answer["message"] = (
            "the recognition is not in force at the time asked about" if rows else "no recognition of this authority"
        )
    return answer


def key_state(record: dict, kid: str | None, at: datetime, now: datetime) -> tuple[str, str]:
    """Whether the entity's key ``kid`` could sign at time ``at``: ``active``, ``retired`` or
    ``compromised``, with a sentence saying why. A compromise in force at ``now`` reaches back to
    its declared date; a retirement only stops what is signed after it. When both apply (a
    retired key later found compromised), the compromise is the answer: it is the graver finding."""
    events = [e for e in record.get("key_events", []) if e["kid"] == kid]
    for event in events:
        start = when(event["effective_from"])
        if event["event"] == "compromised" and start <= now and at >= start:
            why = f": {event['reason']}" if event.get("reason") else ""
            return "compromised", f"key {kid} was declared compromised from {event['effective_from']}{why}"
    for event in events:
        if event["event"] == "retired" and at >= when(event["effective_from"]):
            return "retired", f"key {kid} was retired at {event['effective_from']}, before this credential was signed"
    return "active", f"key {kid} was in service when the credential was signed"
