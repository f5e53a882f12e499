"""ToIP Trust Registry Query Protocol (TRQP) v2, both roles: the queries a verifier sends and
the answers a trust registry gives, as the sandbox writes and reads them.

Two questions are asked. ``POST /authorization``: may ``entity_id`` ``action`` ``resource``
under ``authority_id``? ``POST /recognition``: does ``authority_id`` recognize ``entity_id``,
another framework's authority, for ``action`` on ``resource``? Both carry the four identifiers
and a ``context``: the ``time`` asked about (RFC 3339) and, beyond TRQP, the minimum PCTF
``assurance_level``. An answer repeats the four identifiers, says which time it answers for and
when it was evaluated, and gives ``authorized`` (or ``recognized``) with a ``message``. Beyond
TRQP an authorization answer carries ``status``, the authorization's ``assurance_level`` and
its validity period, so a verifier can say why.

The registry reads a query with :func:`read_query` and starts its answer from
:func:`authorization_answer` or :func:`recognition_answer`; a client writes a query with
:func:`authorization_query` or :func:`recognition_query` and reads the answer with
:func:`read_authorization_answer` or :func:`read_recognition_answer`. The two sides share these
functions, so they cannot disagree on a field's name or a time's format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from .clock import as_utc
from .reasons import Reason, SandboxError
from .vocab import LEVELS_OF_ASSURANCE

# The identifiers every query names and every answer repeats.
QUERY_FIELDS = ("entity_id", "authority_id", "action", "resource")
MAX_IDENTIFIER = 2048


@overload
def iso_z(value: datetime) -> str: ...


@overload
def iso_z(value: None) -> None: ...


@overload
def iso_z(value: datetime | None) -> str | None: ...


def iso_z(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a ``Z`` (TRQP times); sub-second digits only when there are any."""
    if value is None:
        return None
    value = as_utc(value)
    return value.isoformat(timespec="seconds" if value.microsecond == 0 else "microseconds").replace("+00:00", "Z")


def parse_time(value: object, field: str) -> datetime:
    """An aware UTC datetime from a datetime (naive means UTC, the kernel's convention) or an
    RFC 3339 string, which must carry its offset: a wire time without one is ambiguous."""
    if isinstance(value, datetime):
        return as_utc(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return as_utc(parsed)
    raise SandboxError(
        Reason.BAD_REQUEST, f"{field} must be an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z"
    )


# -- queries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    """A TRQP query as the registry evaluates it: the four identifiers, the time asked about
    and the minimum level of assurance (None: any)."""

    entity_id: str
    authority_id: str
    action: str
    resource: str
    at: datetime
    assurance_level: int | None = None

    @property
    def echo(self) -> dict[str, Any]:
        """The identifiers as asked, which the answer repeats."""
        return {
            "entity_id": self.entity_id,
            "authority_id": self.authority_id,
            "action": self.action,
            "resource": self.resource,
        }


def authorization_query(
    entity_id: str, authority_id: str, action: str, resource: str, *, at: datetime, assurance_level: int | None = None
) -> dict[str, Any]:
    """An authorization query body. ``at`` is sent to the whole second: the registry stores
    validity periods at that precision, so the verdict is the same and answers can be cached per second."""
    context: dict[str, Any] = {"time": iso_z(as_utc(at).replace(microsecond=0))}
    if assurance_level is not None:
        context["assurance_level"] = assurance_level
    return {
        "entity_id": entity_id,
        "authority_id": authority_id,
        "action": action,
        "resource": resource,
        "context": context,
    }


def recognition_query(entity_id: str, authority_id: str, action: str, resource: str, *, at: datetime) -> dict[str, Any]:
    """A recognition query body: may ``authority_id`` count on ``entity_id``'s framework at ``at``?"""
    return authorization_query(entity_id, authority_id, action, resource, at=at)


def read_query(body: object, *, now: datetime) -> Query:
    """A query body as the registry evaluates it; ``bad_request`` when it is not one.

    The identifiers are kept as asked (trimmed): an unknown entity or resource is a question
    with a plain answer, not an error. Without ``context.time`` the question is about ``now``.
    """
    if not isinstance(body, dict):
        raise SandboxError(Reason.BAD_REQUEST, "the query must be a JSON object")
    ids = {name: _identifier(body.get(name), name) for name in QUERY_FIELDS}
    context = body.get("context")
    if context is None:
        context = {}
    if not isinstance(context, dict):
        raise SandboxError(Reason.BAD_REQUEST, "context must be a JSON object")
    at = parse_time(context["time"], "context.time") if context.get("time") is not None else now
    loa = context.get("assurance_level")
    if loa is not None and (isinstance(loa, bool) or not isinstance(loa, int) or loa not in LEVELS_OF_ASSURANCE):
        raise SandboxError(
            Reason.BAD_REQUEST, "context.assurance_level must be a PCTF level of assurance, an integer from 1 to 4"
        )
    return Query(**ids, at=at, assurance_level=loa)


def _identifier(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SandboxError(Reason.BAD_REQUEST, f"{name} must be a non-empty string")
    if len(value) > MAX_IDENTIFIER:
        raise SandboxError(Reason.BAD_REQUEST, f"{name} is longer than {MAX_IDENTIFIER} characters")
    return value.strip()


# -- answers ----------------------------------------------------------------------------------
def authorization_answer(query: Query, now: datetime) -> dict[str, Any]:
    """The registry's answer before evaluation: not authorized, no authorization found."""
    return {
        **query.echo,
        "authorized": False,
        "time_requested": iso_z(query.at),
        "time_evaluated": iso_z(now),
        "message": "",
        "status": "not_found",
        "assurance_level": None,
        "valid_from": None,
        "valid_until": None,
    }


def recognition_answer(query: Query, now: datetime) -> dict[str, Any]:
    """The registry's recognition answer before evaluation: not recognized."""
    return {
        **query.echo,
        "recognized": False,
        "time_requested": iso_z(query.at),
        "time_evaluated": iso_z(now),
        "message": "",
    }


@dataclass(frozen=True)
class AuthorizationAnswer:
    """A TRQP authorization answer, reduced to what a verifier decides on."""

    entity_id: str
    action: str
    resource: str
    authorized: bool
    status: str  # active | suspended | revoked | expired | not_found | unknown_entity | ...
    assurance_level: int | None = None
    valid_from: str | None = None
    valid_until: str | None = None
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


def read_authorization_answer(answer: object) -> AuthorizationAnswer:
    """Reduce an authorization answer to what a verifier decides on.

    Tolerates a registry that speaks plain TRQP without the sandbox's extensions (``status``,
    ``assurance_level``, validity period); refuses anything that is not an answer at all.
    """
    if not isinstance(answer, dict) or not isinstance(answer.get("authorized"), bool):
        raise SandboxError(
            Reason.REGISTRY_UNAVAILABLE, "the registry's reply is not a TRQP authorization answer", status_code=502
        )
    authorized: bool = answer["authorized"]
    return AuthorizationAnswer(
        entity_id=str(answer.get("entity_id", "")),
        action=str(answer.get("action", "")),
        resource=str(answer.get("resource", "")),
        authorized=authorized,
        status=answer.get("status") or ("active" if authorized else "not_found"),
        assurance_level=answer.get("assurance_level"),
        valid_from=answer.get("valid_from"),
        valid_until=answer.get("valid_until"),
        message=answer.get("message") or "",
        raw=answer,
    )


def read_recognition_answer(answer: object) -> bool:
    """Whether a recognition answer recognizes: only an explicit ``recognized: true`` does."""
    return isinstance(answer, dict) and answer.get("recognized") is True
