"""What the services' OpenAPI descriptions say about their answers, beyond :mod:`pctf.web`.

Answer models are *records*: the members they declare are always there with these types, and a
record may carry more (a service adds members without breaking a client, as TRQP and OpenID
answers do). They document and check what a route returns; they never drop a member of it.

:func:`documented` adds the error statuses a route can answer beyond the ones every route
documents (:data:`pctf.web.COMMON_ERRORS`) and the ones its owner declares
(:func:`pctf.access.owner`), so a route's OpenAPI lists every status it may answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from .web import ErrorOut

ERRORS = {
    401: "No access token, or one that is unknown or expired (a protocol's own token, RFC 6750)",
    409: "The request conflicts with the resource's current state (already decided, exists, revoked)",
    502: "Another service, or a party's endpoint, answered with something unusable",
    503: "Another service, or a party's endpoint, could not be reached",
}


class Record(BaseModel):
    """An answer object: its declared members, and possibly more."""

    model_config = ConfigDict(extra="allow")


def documented(route: dict[str, Any], *statuses: int) -> dict[str, Any]:
    """``route`` (the keyword arguments of :func:`pctf.access.owner`) with error ``statuses`` added
    to its OpenAPI responses, each answered with an :class:`pctf.web.ErrorOut` body."""
    responses = dict(route.get("responses", {}))
    responses.update({status: {"model": ErrorOut, "description": ERRORS[status]} for status in statuses})
    return {**route, "responses": responses}


def media(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route whose 200 answer is not JSON."""
    return {200: {"content": {media_type: {"schema": {"type": "string"}}}, "description": description}}
