"""OpenID for Verifiable Presentations 1.0, both roles: the request a verifier sends, the DCQL
query inside it, and the ``direct_post`` response a wallet sends back.

The sandbox speaks one profile of it: ``response_type=vp_token`` answered by ``direct_post``
to the request's ``response_uri``, or by ``direct_post.jwt``, the same answer encrypted to the
verifier (8.3, :mod:`pctf.jwe`); the verifier identified with the ``redirect_uri`` client
identifier prefix (5.9.3), so its metadata travels in the request's ``client_metadata`` (5.1:
``vp_formats_supported``, and ``jwks`` with its response encryption key), or with
``x509_san_dns`` / ``x509_hash``, the request then signed and sent by reference (5.10,
:mod:`pctf.jar`: the signature and the certificate are checked there, the request read here);
credentials asked for
in DCQL (section 6) as ``dc+sd-jwt``: credential queries with claims, their ``claim_sets`` and
``values``, and ``credential_sets`` over them.

The verifier writes a query and later checks that what came back satisfies it; the wallet
matches the same query against the credentials it holds (:func:`select` decides which
credentials and which of their claims it discloses). Both use these functions, so the two sides
cannot disagree on what a claim path means, which alternative a claim set offers, or what a
request must hold.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from . import jwe
from .jose import ALLOWED_ALGS, json_loads
from .links import parse_link
from .reasons import Reason, SandboxError
from .sdjwt import TYP_SD_JWT_VC

SCHEME = "openid4vp"
RESPONSE_TYPE = "vp_token"
RESPONSE_MODE = "direct_post"
RESPONSE_MODE_JWT = "direct_post.jwt"  # 8.3.1: the response encrypted to the verifier's key
RESPONSE_MODES = (RESPONSE_MODE, RESPONSE_MODE_JWT)
CLIENT_ID_PREFIX = "redirect_uri:"

FORMAT = TYP_SD_JWT_VC  # the credential format DCQL queries name
# A DCQL claim path: object keys (str), array indexes (int) or None for every element.
ClaimPath = list[Any] | tuple[Any, ...]
# Credential query and claim ids (6.1, 6.3): non-empty, letters, digits, underscore or hyphen.
_ID = re.compile(r"[A-Za-z0-9_-]+")


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
    """Check a DCQL query (section 6) as the sandbox reads it; ``bad_request`` naming what is wrong.

    Both sides rely on this: a wallet never answers a query it would misread, and a relying party
    never sends one a wallet would refuse."""
    if not isinstance(query, dict) or not isinstance(query.get("credentials"), list) or not query["credentials"]:
        raise SandboxError(Reason.BAD_REQUEST, "dcql_query must hold a non-empty credentials array")
    ids: set[str] = set()
    for cq in query["credentials"]:
        validate_credential_query(cq)
        if cq["id"] in ids:
            raise SandboxError(Reason.BAD_REQUEST, f"DCQL credential query id {cq['id']!r} is repeated")
        ids.add(cq["id"])
    if "credential_sets" in query:
        _validate_credential_sets(query["credential_sets"], ids)
    return query


def _validate_credential_sets(sets: Any, ids: set[str]) -> None:
    """``credential_sets`` (6.2): options naming credential queries that exist, ``required`` a boolean."""
    if not isinstance(sets, list) or not sets:
        raise SandboxError(Reason.BAD_REQUEST, "credential_sets must be a non-empty array")
    for credential_set in sets:
        options = credential_set.get("options") if isinstance(credential_set, dict) else None
        if not isinstance(options, list) or not options:
            raise SandboxError(Reason.BAD_REQUEST, "each credential set needs a non-empty options array")
        for option in options:
            if not isinstance(option, list) or not option or not all(isinstance(i, str) for i in option):
                raise SandboxError(
                    Reason.BAD_REQUEST, "each credential set option is a non-empty array of credential query ids"
                )
            unknown = next((i for i in option if i not in ids), None)
            if unknown is not None:
                raise SandboxError(
                    Reason.BAD_REQUEST, f"a credential set option names {unknown!r}, which no credential query has"
                )
        if not isinstance(credential_set.get("required", True), bool):
            raise SandboxError(Reason.BAD_REQUEST, "a credential set's required must be a boolean")


def validate_credential_query(cq: Any) -> dict[str, Any]:
    """One credential query (6.1): an id, our format, ``meta.vct_values`` strings, claims with
    paths (6.3), and the optional members checked for their shape: ``multiple``, ``claim_sets``
    (which need every claim to have an id), ``trusted_authorities``,
    ``require_cryptographic_holder_binding``."""
    if not isinstance(cq, dict) or not _is_id(cq.get("id")):
        raise SandboxError(Reason.BAD_REQUEST, "each DCQL credential query needs an id of letters, digits, '_' or '-'")
    if cq.get("format") != FORMAT:
        raise SandboxError(Reason.BAD_REQUEST, f"only format {FORMAT} is supported")
    meta = cq.get("meta")
    vcts = meta.get("vct_values") if isinstance(meta, dict) else None
    if not isinstance(vcts, list) or not all(isinstance(v, str) for v in vcts):
        raise SandboxError(Reason.BAD_REQUEST, "meta.vct_values must be an array of strings")
    for flag in ("multiple", "require_cryptographic_holder_binding"):
        if not isinstance(cq.get(flag, False), bool):
            raise SandboxError(Reason.BAD_REQUEST, f"{flag} must be a boolean")
    if "trusted_authorities" in cq:
        _validate_trusted_authorities(cq["trusted_authorities"])
    claims = cq.get("claims")
    if claims is not None and (not isinstance(claims, list) or not claims):
        raise SandboxError(Reason.BAD_REQUEST, "claims must be a non-empty array")
    claim_ids: set[str] = set()
    for claim in claims or []:
        _validate_claim(claim)
        if "id" in claim:
            if claim["id"] in claim_ids:
                raise SandboxError(Reason.BAD_REQUEST, f"DCQL claim id {claim['id']!r} is repeated")
            claim_ids.add(claim["id"])
    if "claim_sets" in cq:
        claim_sets = cq["claim_sets"]
        if claims is None:
            raise SandboxError(Reason.BAD_REQUEST, "claim_sets needs claims to choose from")
        if len(claim_ids) != len(claims):
            raise SandboxError(Reason.BAD_REQUEST, "with claim_sets, every claim needs an id")
        if not isinstance(claim_sets, list) or not claim_sets:
            raise SandboxError(Reason.BAD_REQUEST, "claim_sets must be a non-empty array")
        for claim_set in claim_sets:
            if not isinstance(claim_set, list) or not claim_set or not all(isinstance(i, str) for i in claim_set):
                raise SandboxError(Reason.BAD_REQUEST, "each claim set is a non-empty array of claim ids")
            unknown = next((i for i in claim_set if i not in claim_ids), None)
            if unknown is not None:
                raise SandboxError(Reason.BAD_REQUEST, f"a claim set names {unknown!r}, which no claim has")
    return cq


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def _validate_claim(claim: Any) -> None:
    """One claims query (6.3): a path of keys, non-negative indexes or null; an optional id;
    optional ``values``, strings, integers or booleans (no floats: they do not compare exactly)."""
    if not isinstance(claim, dict) or not isinstance(claim.get("path"), list) or not claim["path"]:
        raise SandboxError(Reason.BAD_REQUEST, "each DCQL claim needs a non-empty path array")
    for step in claim["path"]:
        if not (step is None or isinstance(step, str) or (type(step) is int and step >= 0)):
            raise SandboxError(
                Reason.BAD_REQUEST, "a claim path holds strings, non-negative integers or null, nothing else"
            )
    if "id" in claim and not _is_id(claim["id"]):
        raise SandboxError(Reason.BAD_REQUEST, "a DCQL claim id is letters, digits, '_' or '-'")
    if "values" in claim:
        values = claim["values"]
        if not isinstance(values, list) or not values or not all(type(v) in (str, int, bool) for v in values):
            raise SandboxError(
                Reason.BAD_REQUEST, "a claim's values must be a non-empty array of strings, integers or booleans"
            )


def _validate_trusted_authorities(authorities: Any) -> None:
    """6.1.1: a non-empty array of ``{type, values}``. Shape only: the sandbox's trust is its
    registry, which a wallet does not consult, so these narrow nothing on the wallet side."""
    if not isinstance(authorities, list) or not authorities:
        raise SandboxError(Reason.BAD_REQUEST, "trusted_authorities must be a non-empty array")
    for authority in authorities:
        kind = authority.get("type") if isinstance(authority, dict) else None
        values = authority.get("values") if isinstance(authority, dict) else None
        if (
            not isinstance(kind, str)
            or not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise SandboxError(
                Reason.BAD_REQUEST, "each trusted authority is a type string and a non-empty array of values"
            )


def requested_paths(credential_query: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Every path ``credential_query`` names, whichever claim set it ends up answered with."""
    return [tuple(c["path"]) for c in credential_query.get("claims", []) or []]


# -- what satisfies a query (the wallet chooses with it, the verifier checks with it) ---------
def value_accepted(values: list[Any], accepted: list[Any]) -> bool:
    """Whether every value a claim path selected is among ``accepted``, of the same JSON type
    (``true`` is not ``1``). All of them, not one: a wallet reveals every element a path selects,
    and a relying party accepts none it did not ask for."""
    return bool(values) and all(any(type(v) is type(a) and v == a for a in accepted) for v in values)


def claim_matches(claims: Any, claim: dict[str, Any]) -> bool:
    """Whether ``claims`` hold the claim a claims query names, with an accepted value when it
    lists ``values`` (6.4.1: a claim of another value counts as absent)."""
    values = [v for v in claim_values(claims, claim["path"]) if v != {} and v != []]
    if not values:
        return False
    return "values" not in claim or value_accepted(values, claim["values"])


def claim_alternatives(credential_query: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The ways to answer ``credential_query``, in the verifier's order of preference: each claim
    set's claims (6.4.1), else all its claims, else none at all (no selectively disclosable claim)."""
    claims = credential_query.get("claims") or []
    if not credential_query.get("claim_sets"):
        return [list(claims)]
    by_id = {c["id"]: c for c in claims}
    return [[by_id[i] for i in claim_set] for claim_set in credential_query["claim_sets"]]


def chosen_claims(credential_query: dict[str, Any], claims: Any) -> list[dict[str, Any]] | None:
    """The claims queries a credential holding ``claims`` answers ``credential_query`` with: the
    first alternative all of whose claims match; None when none does."""
    for alternative in claim_alternatives(credential_query):
        if all(claim_matches(claims, c) for c in alternative):
            return alternative
    return None


def matches(credential_query: dict[str, Any], vct: str, claims: dict[str, Any]) -> bool:
    """Whether a credential of ``vct`` with these ``claims`` can answer ``credential_query``
    (``bad_request`` when the credential query itself is malformed)."""
    validate_credential_query(credential_query)
    if vct not in credential_query["meta"]["vct_values"]:
        return False
    return chosen_claims(credential_query, claims) is not None


def credential_sets(query: dict[str, Any]) -> list[tuple[list[list[str]], bool]]:
    """The query's credential sets as ``(options, required)``, in order; without
    ``credential_sets``, every credential query is a required set of its own (6.4.2)."""
    if "credential_sets" not in query:
        return [([[cq["id"]]], True) for cq in query["credentials"]]
    return [(s["options"], s.get("required", True)) for s in query["credential_sets"]]


def describe_options(options: list[list[str]]) -> str:
    """A credential set's options in words: ``person, or licence and passport``."""
    return ", or ".join(" and ".join(option) for option in options)


@dataclass(frozen=True)
class Held:
    """A credential a holder could present: ``key`` is the holder's own handle on it (a row id)."""

    key: Any
    vct: str
    claims: dict[str, Any]


@dataclass(frozen=True)
class Pick:
    """One presentation to make: of the credential ``key``, for ``query_id``, revealing ``paths``."""

    query_id: str
    key: Any
    paths: tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Selection:
    """What answers a query: ``picks`` in the query's order, and ``unmet``, the options of every
    required credential set none of whose options the holder can satisfy (empty: it can answer)."""

    picks: tuple[Pick, ...]
    unmet: tuple[list[list[str]], ...]


def select(query: dict[str, Any], held: list[Held]) -> Selection:
    """Which credentials, and which of their claims, answer ``query``; ``held`` in the holder's
    order of preference (the wallet: most recently received first).

    A credential query is answered by its first claim alternative (:func:`claim_alternatives`)
    that a held credential of an accepted ``vct`` satisfies, by the first such credential, or by
    every such credential when it allows ``multiple``. Each credential set takes its first option
    all of whose credential queries can be answered; a required set that has none is ``unmet``,
    an optional one is left out. This is the one place a wallet decides what it discloses."""
    validate_query(query)
    answers = {cq["id"]: _answer(cq, held) for cq in query["credentials"]}
    chosen: set[str] = set()
    unmet = []
    for options, required in credential_sets(query):
        option = next((o for o in options if all(answers[i] for i in o)), None)
        if option is not None:
            chosen.update(option)
        elif required:
            unmet.append(options)
    picks = tuple(p for cq in query["credentials"] if cq["id"] in chosen for p in answers[cq["id"]])
    return Selection(picks, tuple(unmet))


def _answer(cq: dict[str, Any], held: list[Held]) -> list[Pick]:
    """The presentations that answer one credential query (none: it cannot be answered)."""
    candidates = [h for h in held if h.vct in cq["meta"]["vct_values"]]

    def pick(h: Held, alternative: list[dict[str, Any]]) -> Pick:
        return Pick(cq["id"], h.key, tuple(tuple(c["path"]) for c in alternative))

    if cq.get("multiple"):
        return [pick(h, alt) for h in candidates if (alt := chosen_claims(cq, h.claims)) is not None]
    # The verifier's preference among claim sets comes before the holder's among credentials.
    for alternative in claim_alternatives(cq):
        for h in candidates:
            if all(claim_matches(h.claims, c) for c in alternative):
                return [pick(h, alternative)]
    return []


# -- the request (verifier side writes it, wallet side reads it) -------------------------------
def client_id_for(response_uri: str) -> str:
    """The verifier's client identifier under the ``redirect_uri`` prefix (5.9.3): no
    pre-registration, and the Key Binding JWT's ``aud`` is this whole value."""
    return CLIENT_ID_PREFIX + response_uri


def verifier_metadata(
    response_mode: str = RESPONSE_MODE, encryption_jwk: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The verifier's ``client_metadata`` (5.1), which the ``redirect_uri`` prefix passes by value
    (5.9.3): the format it reads with the algorithms it accepts for the issuer-signed JWT and the
    KB-JWT (B.3.4: those of :data:`pctf.jose.ALLOWED_ALGS`, the one allow-list verification uses),
    and, with ``encryption_jwk``, the key a wallet encrypts its response to. The content
    encryptions it decrypts are named only when the response must be encrypted (5.1: otherwise
    the member SHOULD be absent)."""
    algs = list(ALLOWED_ALGS)
    metadata: dict[str, Any] = {
        "vp_formats_supported": {FORMAT: {"sd-jwt_alg_values": algs, "kb-jwt_alg_values": algs}}
    }
    if encryption_jwk is not None:
        metadata["jwks"] = {"keys": [encryption_jwk]}
    if response_mode == RESPONSE_MODE_JWT:
        metadata["encrypted_response_enc_values_supported"] = list(jwe.ENC_VALUES)
    return metadata


def authorization_request(
    *,
    response_uri: str,
    nonce: str,
    state: str,
    dcql_query: dict[str, Any],
    response_mode: str = RESPONSE_MODE,
    encryption_jwk: dict[str, Any] | None = None,
    client_id: str | None = None,
) -> tuple[dict[str, Any], str]:
    """A request by value and the same request as an ``openid4vp://`` link (for a QR code); objects
    travel in the link as JSON text (5.1). ``direct_post.jwt`` needs ``encryption_jwk``.
    ``client_id`` defaults to the ``redirect_uri`` one; another (``x509_san_dns``, ``x509_hash``)
    is for a request sent signed, by reference (:mod:`pctf.jar`, :func:`reference_link`)."""
    if response_mode not in RESPONSE_MODES:
        raise SandboxError(Reason.BAD_REQUEST, f"response_mode is one of {', '.join(RESPONSE_MODES)}")
    if response_mode == RESPONSE_MODE_JWT and encryption_jwk is None:
        raise SandboxError(Reason.BAD_REQUEST, "an encrypted response needs a key to encrypt to")
    request = {
        "response_type": RESPONSE_TYPE,
        "response_mode": response_mode,
        "client_id": client_id or client_id_for(response_uri),
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
        "dcql_query": dcql_query,
        "client_metadata": verifier_metadata(response_mode, encryption_jwk),
    }
    link = f"{SCHEME}://?" + urlencode(
        {k: json.dumps(v, separators=(",", ":")) if isinstance(v, dict) else v for k, v in request.items()}
    )
    return request, link


def reference_link(client_id: str, request_uri: str) -> str:
    """The ``openid4vp://`` link of a request sent by reference (5.10): the client identifier and
    where the wallet fetches the signed request object, nothing else."""
    return f"{SCHEME}://?" + urlencode({"client_id": client_id, "request_uri": request_uri})


def request_reference(value: str | dict[str, Any]) -> tuple[str, str] | None:
    """``(client_id, request_uri)`` of a request sent by reference, None for one sent by value.
    RFC 9101 5: a link with ``request_uri`` carries ``client_id`` too, and no ``request`` beside it."""
    req = parse_link(value, SCHEME, "request")
    if "request_uri" not in req:
        if "request" in req:
            raise SandboxError(Reason.BAD_REQUEST, "a request object by value (request) is not read: use request_uri")
        return None
    client_id, request_uri = req.get("client_id"), req["request_uri"]
    if not isinstance(client_id, str) or not client_id or not isinstance(request_uri, str) or not request_uri:
        raise SandboxError(Reason.BAD_REQUEST, "a request by reference names its client_id and request_uri")
    return client_id, request_uri


def parse_request(value: str | dict[str, Any], *, signed: bool = False) -> dict[str, Any]:
    """A request as a wallet receives it (link, JSON text or object), checked against the profile:
    every member present, ``vp_token`` by ``direct_post`` or ``direct_post.jwt``, a client id that
    *is* the response URI (anything else would let a request send the holder's data elsewhere),
    well-formed verifier metadata (:func:`check_verifier_metadata`), a valid DCQL query.

    ``signed``: ``value`` is the content of a request object :func:`pctf.jar.verify` verified, so
    its ``x509_san_dns`` or ``x509_hash`` client identifier was checked against the certificate
    that signed it. An unsigned request may only use the ``redirect_uri`` prefix: another prefix
    is a claim nobody vouched for.

    A request without ``client_metadata`` is still read (the wallet then assumes the verifier
    reads the one format it presents), unless it asks for an encrypted answer, which needs the
    verifier's key from it: 5.9.3 has a ``redirect_uri`` verifier send its metadata, and this
    sandbox's verifier always does, but a wallet gains nothing by refusing one that forgot."""
    req = dict(parse_link(value, SCHEME, "request"))
    for name in ("dcql_query", "client_metadata"):
        if isinstance(req.get(name), str):
            try:
                req[name] = json_loads(req[name])
            except (ValueError, RecursionError):
                raise SandboxError(Reason.BAD_REQUEST, f"{name} is not valid JSON") from None
    for name in ("client_id", "nonce", "response_uri", "dcql_query"):
        if not req.get(name):
            raise SandboxError(Reason.BAD_REQUEST, f"the presentation request lacks {name}")
    if req.get("response_mode") not in RESPONSE_MODES or req.get("response_type", RESPONSE_TYPE) != RESPONSE_TYPE:
        raise SandboxError(
            Reason.BAD_REQUEST,
            "only response_type=vp_token with response_mode=direct_post or direct_post.jwt is supported",
        )
    if not signed and req["client_id"] != client_id_for(req["response_uri"]):
        raise SandboxError(Reason.BAD_REQUEST, "client_id must be redirect_uri:<response_uri>")
    if "client_metadata" in req:
        check_verifier_metadata(req["client_metadata"])
    if req["response_mode"] == RESPONSE_MODE_JWT:
        response_encryption(req)
    validate_query(req["dcql_query"])
    return req


def check_verifier_metadata(metadata: Any) -> dict[str, Any]:
    """``client_metadata`` as a wallet relies on it (5.1, 11.1): an object whose
    ``vp_formats_supported`` names ``dc+sd-jwt`` (with arrays of algorithm names, when it lists
    them); ``jwks``, when present, a key set each of whose keys has a ``kid`` of its own; and
    ``encrypted_response_enc_values_supported``, when present, a non-empty array of strings.
    Other members are ignored, as 5.1 says."""
    if not isinstance(metadata, dict):
        raise SandboxError(Reason.BAD_REQUEST, "client_metadata must be a JSON object")
    formats = metadata.get("vp_formats_supported")
    if not isinstance(formats, dict) or not isinstance(formats.get(FORMAT), dict):
        raise SandboxError(Reason.BAD_REQUEST, f"client_metadata.vp_formats_supported must name {FORMAT}")
    for name in ("sd-jwt_alg_values", "kb-jwt_alg_values"):
        if name in formats[FORMAT] and not _strings(formats[FORMAT][name]):
            raise SandboxError(Reason.BAD_REQUEST, f"{name} must be a non-empty array of algorithm names")
    if "jwks" in metadata:
        keys = metadata["jwks"].get("keys") if isinstance(metadata["jwks"], dict) else None
        if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
            raise SandboxError(Reason.BAD_REQUEST, "client_metadata.jwks must be a JWK set with a non-empty keys array")
        kids = [k.get("kid") for k in keys]
        if not all(isinstance(kid, str) and kid for kid in kids) or len(set(kids)) != len(kids):
            raise SandboxError(Reason.BAD_REQUEST, "each key of client_metadata.jwks needs a kid of its own")
    enc_values = "encrypted_response_enc_values_supported"
    if enc_values in metadata and not _strings(metadata[enc_values]):
        raise SandboxError(Reason.BAD_REQUEST, f"{enc_values} must be a non-empty array of strings")
    return metadata


def _strings(value: Any) -> bool:
    """Whether ``value`` is a non-empty array of strings."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def response_encryption(request: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The key and the content encryption a wallet encrypts its answer to ``request`` with (8.3):
    the first key of ``client_metadata.jwks`` it can use (:func:`pctf.jwe.usable`: ``use`` absent
    or ``enc``, ``alg`` ECDH-ES, P-256), and the verifier's first ``enc`` it supports (A128GCM
    when it names none). ``bad_request`` when there is none: the wallet cannot answer it."""
    metadata = request.get("client_metadata") or {}
    keys = (metadata.get("jwks") or {}).get("keys") or []
    key = next((k for k in keys if jwe.usable(k)), None)
    if key is None:
        raise SandboxError(
            Reason.BAD_REQUEST,
            f"client_metadata.jwks holds no {jwe.CURVE} key for {jwe.ALG} to encrypt the response to",
        )
    offered = metadata.get("encrypted_response_enc_values_supported", [jwe.DEFAULT_ENC])
    enc = next((e for e in offered if e in jwe.ENC_VALUES), None)
    if enc is None:
        raise SandboxError(
            Reason.BAD_REQUEST,
            f"the verifier offers no content encryption the wallet has ({', '.join(jwe.ENC_VALUES)})",
        )
    return key, enc


# -- the response (wallet side writes it, verifier side reads it) ------------------------------
def response_form(request: dict[str, Any], *, vp_token: dict[str, list[str]] | None = None) -> dict[str, str]:
    """The form answering ``request`` (8.2): the presentations keyed by DCQL credential query id,
    or, without them, the holder's refusal (``access_denied``). For ``direct_post.jwt`` the same
    parameters are the members of a JSON object encrypted to the verifier (8.3), posted as ``response``."""
    params: dict[str, Any] = {"state": request["state"]} if request.get("state") else {}
    if vp_token is not None:
        params["vp_token"] = vp_token
    else:
        params["error"] = "access_denied"
        params["error_description"] = "the holder declined"
    if request.get("response_mode") == RESPONSE_MODE_JWT:
        key, enc = response_encryption(request)
        return {"response": jwe.encrypt(params, key, enc=enc)}
    return {k: json.dumps(v) if k == "vp_token" else v for k, v in params.items()}


@dataclass(frozen=True)
class Response:
    """A response as the verifier reads it: its parameters (``vp_token`` still as sent: JSON text
    in a plain form, a JSON object inside an encrypted one) and whether it came encrypted."""

    params: dict[str, Any]
    encrypted: bool


def read_response(form: dict[str, Any], key: jwe.EncryptionKey) -> Response:
    """What a wallet posted to the response URI: a plain ``direct_post`` form, or a
    ``direct_post.jwt`` one whose only member is ``response``, a JWE to ``key`` (decrypted and
    checked by :func:`pctf.jwe.decrypt`, with the content encryptions the verifier offers)."""
    if "response" not in form:
        return Response(dict(form), encrypted=False)
    if set(form) != {"response"}:
        raise SandboxError(Reason.BAD_REQUEST, "an encrypted response carries its parameters inside the JWE only")
    params = jwe.decrypt(form["response"], key, enc_values=jwe.ENC_VALUES)
    return Response(params, encrypted=True)


def read_vp_token(form: dict[str, Any]) -> Any:
    """The ``vp_token`` of a response, parsed from a plain form's JSON text (its shape is the
    verifier's to judge); inside an encrypted response it is already JSON (8.3)."""
    value = form.get("vp_token")
    if not isinstance(value, str):
        if value is None:
            raise SandboxError(Reason.MALFORMED_PRESENTATION, "the response has no vp_token")
        return value
    try:
        return json_loads(value)
    except (ValueError, RecursionError):
        raise SandboxError(Reason.MALFORMED_PRESENTATION, "vp_token is not JSON") from None
