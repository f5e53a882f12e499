"""OpenID for Verifiable Presentations 1.0, both roles: the request a verifier sends, the DCQL
query inside it, and the ``direct_post`` response a wallet sends back.

The sandbox speaks one profile of it: ``response_type=vp_token`` answered by ``direct_post``
to the request's ``response_uri``, the verifier identified with the ``redirect_uri`` client
identifier prefix (5.9.3), credentials asked for in DCQL (section 6) as ``dc+sd-jwt``.

The verifier writes a query and later checks that what came back satisfies it; the wallet
matches the same query against the credentials it holds. Both use these functions, so the two
sides cannot disagree on what a claim path means or what a request must hold.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from .jose import json_loads
from .links import parse_link
from .reasons import Reason, SandboxError
from .sdjwt import TYP_SD_JWT_VC

SCHEME = "openid4vp"
RESPONSE_TYPE = "vp_token"
RESPONSE_MODE = "direct_post"
CLIENT_ID_PREFIX = "redirect_uri:"

FORMAT = TYP_SD_JWT_VC  # the credential format DCQL queries name
# A DCQL claim path: object keys (str), array indexes (int) or None for every element.
ClaimPath = list[Any] | tuple[Any, ...]


def claim_values(claims: Any, path: ClaimPath) -> list[Any]:
    """Every value at ``path`` (strings select object keys, integers array indexes, None all elements)."""
    if not isinstance(path, (list, tuple)):
        raise SandboxError(Reason.BAD_REQUEST, "a DCQL claim path must be an array")
    current = [claims]
    for step in path:
        nxt = []
        for value in current:
            if step is None and isinstance(value, list):
                nxt.extend(value)
            elif (
                isinstance(step, int)
                and not isinstance(step, bool)
                and isinstance(value, list)
                and 0 <= step < len(value)
            ):
                nxt.append(value[step])
            elif isinstance(step, str) and isinstance(value, dict) and step in value:
                nxt.append(value[step])
        current = nxt
    return current


def has_claim(claims: Any, path: ClaimPath) -> bool:
    """Whether ``path`` holds a value; an object or array disclosed without any content does not
    count (nested selective disclosure can reveal an empty ``address``)."""
    return any(v != {} and v != [] for v in claim_values(claims, path))


def validate_query(query: Any) -> dict[str, Any]:
    """Check the parts of a DCQL query the sandbox relies on; ``bad_request`` otherwise."""
    if not isinstance(query, dict) or not isinstance(query.get("credentials"), list) or not query["credentials"]:
        raise SandboxError(Reason.BAD_REQUEST, "dcql_query must hold a non-empty credentials array")
    ids = set()
    for cq in query["credentials"]:
        validate_credential_query(cq)
        if cq["id"] in ids:
            raise SandboxError(Reason.BAD_REQUEST, f"DCQL credential query id {cq['id']!r} is repeated")
        ids.add(cq["id"])
    return query


def validate_credential_query(cq: Any) -> dict[str, Any]:
    """One credential query: an id, our format, ``meta.vct_values`` strings, claims with paths."""
    if not isinstance(cq, dict) or not isinstance(cq.get("id"), str) or not cq["id"]:
        raise SandboxError(Reason.BAD_REQUEST, "each DCQL credential query needs an id")
    if cq.get("format") != FORMAT:
        raise SandboxError(Reason.BAD_REQUEST, f"only format {FORMAT} is supported")
    meta = cq.get("meta")
    vcts = meta.get("vct_values") if isinstance(meta, dict) else None
    if not isinstance(vcts, list) or not all(isinstance(v, str) for v in vcts):
        raise SandboxError(Reason.BAD_REQUEST, "meta.vct_values must be an array of strings")
    claims = cq.get("claims")
    if claims is not None and not isinstance(claims, list):
        raise SandboxError(Reason.BAD_REQUEST, "claims must be an array")
    for claim in claims or []:
        path = claim.get("path") if isinstance(claim, dict) else None
        if not isinstance(path, list) or not path:
            raise SandboxError(Reason.BAD_REQUEST, "each DCQL claim needs a non-empty path array")
    return cq


def requested_paths(credential_query: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(c["path"]) for c in credential_query.get("claims", []) or []]


def matches(credential_query: dict[str, Any], vct: str, claims: dict[str, Any]) -> bool:
    """Whether a credential of ``vct`` with these ``claims`` can answer ``credential_query``
    (``bad_request`` when the credential query itself is malformed)."""
    validate_credential_query(credential_query)
    if vct not in credential_query["meta"]["vct_values"]:
        return False
    return all(has_claim(claims, p) for p in requested_paths(credential_query))


# -- the request (verifier side writes it, wallet side reads it) -------------------------------
def client_id_for(response_uri: str) -> str:
    """The verifier's client identifier under the ``redirect_uri`` prefix (5.9.3): no
    pre-registration, and the Key Binding JWT's ``aud`` is this whole value."""
    return CLIENT_ID_PREFIX + response_uri


def authorization_request(
    *, response_uri: str, nonce: str, state: str, dcql_query: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """A request by value and the same request as an ``openid4vp://`` link (for a QR code)."""
    request = {
        "response_type": RESPONSE_TYPE,
        "response_mode": RESPONSE_MODE,
        "client_id": client_id_for(response_uri),
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dcql_query,
    }
    link = f"{SCHEME}://?" + urlencode({**request, "dcql_query": json.dumps(dcql_query, separators=(",", ":"))})
    return request, link


def parse_request(value: str | dict[str, Any]) -> dict[str, Any]:
    """A request as a wallet receives it (link, JSON text or object), checked against the profile:
    every member present, ``vp_token`` by ``direct_post``, a client id that *is* the response URI
    (anything else would let a request send the holder's data elsewhere), a valid DCQL query."""
    req = dict(parse_link(value, SCHEME, "request"))
    if isinstance(req.get("dcql_query"), str):
        try:
            req["dcql_query"] = json_loads(req["dcql_query"])
        except (ValueError, RecursionError):
            raise SandboxError(Reason.BAD_REQUEST, "dcql_query is not valid JSON") from None
    for name in ("client_id", "nonce", "response_uri", "dcql_query"):
        if not req.get(name):
            raise SandboxError(Reason.BAD_REQUEST, f"the presentation request lacks {name}")
    if req.get("response_mode") != RESPONSE_MODE or req.get("response_type", RESPONSE_TYPE) != RESPONSE_TYPE:
        raise SandboxError(
            Reason.BAD_REQUEST, "only response_type=vp_token with response_mode=direct_post is supported"
        )
    if req["client_id"] != client_id_for(req["response_uri"]):
        raise SandboxError(Reason.BAD_REQUEST, "client_id must be redirect_uri:<response_uri>")
    validate_query(req["dcql_query"])
    return req


# -- the response (wallet side writes it, verifier side reads it) ------------------------------
def response_form(request: dict[str, Any], *, vp_token: dict[str, list[str]] | None = None) -> dict[str, str]:
    """The ``direct_post`` form answering ``request`` (8.2): the presentations keyed by DCQL
    credential query id, or, without them, the holder's refusal (``access_denied``)."""
    form: dict[str, str] = {"state": request["state"]} if request.get("state") else {}
    if vp_token is not None:
        form["vp_token"] = json.dumps(vp_token)
    else:
        form["error"] = "access_denied"
        form["error_description"] = "the holder declined"
    return form


def read_vp_token(form: dict[str, Any]) -> Any:
    """The ``vp_token`` of a ``direct_post`` response, parsed (its shape is the verifier's to judge)."""
    try:
        return json_loads(form.get("vp_token") or "")
    except (ValueError, RecursionError):
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "vp_token is not JSON") from None
