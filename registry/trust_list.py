"""The registry's signed snapshot (trust list), and a trust source that answers from it.

The registry publishes its whole state (every entity record with keys, key events,
authorizations and status histories, plus its recognitions) as one compact JWS, header
``typ: trust-list+jwt``, signed with the registry's own key. A verifier keeps the latest one it
could verify: when the registry cannot be reached it answers from the snapshot through
:class:`SnapshotTrust`, which runs the very same :mod:`registry.rules` as the registry, until
the snapshot's ``exp``; after that it fails closed with ``trust_list_expired``.

Trust in the snapshot rests on the registry's public key (the *anchor*): configured
(``PCTF_REGISTRY_ANCHOR_JWKS``) or pinned at the verifier's first contact with the registry.
A snapshot signed by another key, or altered in any byte, is ``trust_list_invalid``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pctf import trqp
from pctf.clock import Clock, as_utc, from_timestamp
from pctf.jose import Jws, SigningKey, brief
from pctf.reasons import Reason, SandboxError
from pctf.sdjwt_vc import is_numeric_date
from pctf.vocab import credential_type

from . import rules

TYP = "trust-list+jwt"
MEDIA_TYPE = "application/trust-list+jwt"


def sign_trust_list(
    key: SigningKey,
    *,
    authority_id: str,
    entities: list[dict[str, Any]],
    recognitions: list[dict[str, Any]],
    issued_at: datetime,
    lifetime: timedelta,
) -> str:
    """The snapshot as a signed JWT: ``iss`` (the authority), ``iat``, ``exp`` and the records."""
    iat = int(as_utc(issued_at).timestamp())
    payload = {
        "iss": authority_id,
        "iat": iat,
        "exp": iat + int(lifetime.total_seconds()),
        "entities": entities,
        "recognitions": recognitions,
    }
    return key.sign(payload, typ=TYP)


def _invalid(message: str) -> SandboxError:
    return SandboxError(Reason.TRUST_LIST_INVALID, message, status_code=502)


@dataclass(frozen=True)
class TrustList:
    """A verified snapshot: who signed it, when, until when, and what it says."""

    authority_id: str
    issued_at: datetime
    expires_at: datetime
    entities: dict[str, dict[str, Any]]
    recognitions: list[dict[str, Any]]
    token: str

    def expired(self, now: datetime) -> bool:
        return as_utc(now) >= self.expires_at


def verify_trust_list(token: str, anchor_jwks: dict[str, Any], *, authority_id: str) -> TrustList:
    """Check a snapshot's header, signature (with a key of the anchor), issuer and shape.

    Expiry is not checked here: an expired snapshot is still genuine, and the caller decides
    what that means at the time it would use it (:meth:`TrustList.expired`).
    """
    jws = Jws.parse(token, malformed=Reason.TRUST_LIST_INVALID)
    jws.check_header((TYP,), typ_reason=Reason.TRUST_LIST_INVALID, alg_reason=Reason.TRUST_LIST_INVALID)
    jws.verify_with_any(
        anchor_jwks.get("keys", []),
        whose="the registry's keys",
        reason=Reason.TRUST_LIST_INVALID,
        unknown=Reason.TRUST_LIST_INVALID,
    )
    p = jws.payload
    if p.get("iss") != authority_id:
        raise _invalid(f"the trust list was issued by {brief(p.get('iss'))}, not by {authority_id}")
    if (
        not all(is_numeric_date(p.get(n)) for n in ("iat", "exp"))
        or not isinstance(p.get("entities"), list)
        or not isinstance(p.get("recognitions"), list)
    ):
        raise _invalid("the trust list lacks iat, exp (NumericDates between 1970 and 9999), entities or recognitions")
    if not all(isinstance(e, dict) and isinstance(e.get("entity_id"), str) for e in p["entities"]):
        raise _invalid("an entity record in the trust list has no entity_id")
    entities = {e["entity_id"]: e for e in p["entities"]}
    return TrustList(
        authority_id=authority_id,
        issued_at=from_timestamp(p["iat"]),
        expires_at=from_timestamp(p["exp"]),
        entities=entities,
        recognitions=p["recognitions"],
        token=token,
    )


class SnapshotTrust:
    """A :class:`pctf.trust.TrustSource` answering from a verified snapshot, as the registry would.

    Every call first checks the snapshot has not expired at ``clock.now()``: past ``exp`` the
    verifier no longer knows who may issue what, and refuses with ``trust_list_expired``.
    """

    def __init__(self, trust_list: TrustList, clock: Clock) -> None:
        self.trust_list = trust_list
        self.clock = clock

    def _now(self) -> datetime:
        now = self.clock.now()
        if self.trust_list.expired(now):
            raise SandboxError(
                Reason.TRUST_LIST_EXPIRED,
                f"the trust registry cannot be reached and its last trust list expired at "
                f"{trqp.iso_z(self.trust_list.expires_at)}",
                status_code=503,
            )
        return now

    def issuer_jwks(self, entity_id: str) -> dict[str, Any] | None:
        self._now()
        record = self.trust_list.entities.get(entity_id)
        return None if record is None else record["jwks"]

    def key_state(self, entity_id: str, kid: str | None, *, at: datetime) -> tuple[str, str]:
        now = self._now()
        record = self.trust_list.entities.get(entity_id)
        if record is None:
            return "compromised", f"{entity_id} is not registered"
        return rules.key_state(record, kid, as_utc(at), now)

    def authorization(
        self, entity_id: str, action: str, resource: str, *, at: datetime, assurance_level: int | None = None
    ) -> trqp.AuthorizationAnswer:
        now = self._now()
        query = trqp.Query(
            entity_id,
            self.trust_list.authority_id,
            action,
            resource,
            as_utc(at).replace(microsecond=0),
            assurance_level,
        )
        try:
            vct = credential_type(resource).vct
        except SandboxError:
            vct = None
        answer = rules.answer_authorization(
            self.trust_list.entities.get(entity_id), query, vct, now, self.trust_list.authority_id
        )
        answer["source"] = "trust_list"
        return trqp.read_authorization_answer(answer)
