"""OpenID4VCI 1.0, both roles: the pre-authorized code flow as the wallet runs it and as the
issuer answers it.

The client side keeps no storage. :class:`wallet.service.WalletService` uses it to fill a
persona's wallet; the registry's conformance checks use it, with a throwaway holder key, to
obtain a test credential from an applicant issuer. It reads the offer, the issuer's metadata
and the authorization server's metadata, redeems the pre-authorized code (with the
transaction code), fetches a ``c_nonce``, proves possession of the holder key and asks for
each offered credential. It returns the credentials as received: checking them (signature,
``iss``, ``cnf``) is the caller's business.

Every request can be recorded in ``trace`` (``"POST <url> -> 200"``), so a caller can show
what was fetched; every failure is a :class:`~pctf.reasons.SandboxError` naming the step.

The issuer side (the last section) keeps no storage either: it writes offers and authorization
server metadata, reads pushed authorization requests (the wallet-initiated authorization code
flow with PAR and PKCE), token and credential requests, and checks PKCE verifiers and key proofs. What an issuer
keeps (offers, codes, tokens, nonces) and how it looks them up stays with the issuer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard
from urllib.parse import quote, urlencode, urlsplit

import httpx

from pctf.clock import Clock
from pctf.http import checked_json, send, well_known_url
from pctf.jose import Jws, SigningKey, b64u_encode, brief, has_private_parts, json_loads
from pctf.links import parse_link
from pctf.reasons import Reason, SandboxError

PRE_AUTH_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
AUTHORIZATION_CODE_GRANT = "authorization_code"
# RFC 9126 2.2: what a pushed authorization request's request_uri begins with.
REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
# OpenID4VCI 5.1.1: the authorization details type (RFC 9396) that asks for a credential.
CREDENTIAL_DETAILS_TYPE = "openid_credential"
PKCE_METHOD = "S256"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer"


def parse_offer(value: str | dict[str, Any]) -> dict[str, Any]:
    """A credential offer (OpenID4VCI 4.1) by value: a link, JSON text or object; syntax only.

    An offer by reference (``credential_offer_uri``) comes back as is; :func:`resolve_offer`
    fetches it.
    """
    return parse_link(value, OFFER_SCHEME, "credential_offer")


@dataclass(frozen=True)
class ReceivedCredential:
    configuration_id: str
    credential: str


@dataclass
class Redemption:
    """What one run of the flow read and received."""

    issuer: str
    offer: dict[str, Any]
    issuer_metadata: dict[str, Any]
    authorization_server_metadata: dict[str, Any]
    credentials: list[ReceivedCredential] = field(default_factory=list)


def _call(
    http: httpx.Client, trace: list[str] | None, method: str, url: object, what: str, **kwargs: Any
) -> dict[str, Any]:
    """One request whose answer must be a JSON object; ``what`` names it in errors."""
    if not _is_http_url(url):
        raise SandboxError(Reason.BAD_REQUEST, f"the {what} URL {brief(url)} is not an http(s) URL")
    response = send(http, method, url, **kwargs)
    if trace is not None:
        trace.append(f"{method} {url} -> {response.status_code}")
    body = checked_json(response)
    if not isinstance(body, dict):
        raise SandboxError(Reason.BAD_REQUEST, f"the {what} at {url} is not a JSON object")
    return body


def _is_http_url(url: object) -> TypeGuard[str]:
    try:
        return isinstance(url, str) and urlsplit(url).scheme in ("http", "https")
    except ValueError:  # urlsplit refuses some malformed hosts
        return False


def resolve_offer(http: httpx.Client, value: str | dict[str, Any], *, trace: list[str] | None = None) -> dict[str, Any]:
    """The offer by value, fetching it when given by reference, with the members the flow needs."""
    offer = parse_offer(value)
    if "credential_offer_uri" in offer:
        offer = _call(http, trace, "GET", offer["credential_offer_uri"], "credential offer")
    issuer = offer.get("credential_issuer")
    config_ids = offer.get("credential_configuration_ids")
    grant = (offer.get("grants") or {}).get(PRE_AUTH_GRANT) if isinstance(offer.get("grants"), dict) else None
    if (
        not isinstance(issuer, str)
        or not isinstance(config_ids, list)
        or not config_ids
        or not all(isinstance(c, str) for c in config_ids)
        or not isinstance(grant, dict)
        or not isinstance(grant.get("pre-authorized_code"), str)
    ):
        raise SandboxError(
            Reason.BAD_REQUEST,
            "the offer needs credential_issuer, credential_configuration_ids and a pre-authorized_code grant",
        )
    return offer


def issuer_metadata(http: httpx.Client, issuer: str, *, trace: list[str] | None = None) -> dict[str, Any]:
    """The credential issuer metadata (12.2), which must name ``issuer`` as its ``credential_issuer``."""
    metadata = _call(
        http, trace, "GET", well_known_url(issuer, "openid-credential-issuer"), "credential issuer metadata"
    )
    if metadata.get("credential_issuer") != issuer:
        raise SandboxError(Reason.BAD_REQUEST, "the issuer metadata names another credential_issuer")
    return metadata


def fresh_nonce(http: httpx.Client, metadata: dict[str, Any], *, trace: list[str] | None = None) -> str | None:
    """A ``c_nonce`` from the issuer's nonce endpoint (7), or None when the issuer has none."""
    if metadata.get("nonce_endpoint") is None:
        return None
    nonce = _call(http, trace, "POST", metadata["nonce_endpoint"], "nonce endpoint").get("c_nonce")
    if not isinstance(nonce, str):
        raise SandboxError(Reason.BAD_REQUEST, "the nonce response has no c_nonce")
    return nonce


def redeem(
    http: httpx.Client,
    offer: dict[str, Any],
    holder: SigningKey,
    *,
    clock: Clock,
    tx_code: str | None = None,
    trace: list[str] | None = None,
) -> Redemption:
    """Run the pre-authorized code flow (OpenID4VCI 3.5) for a resolved ``offer``, binding every
    credential to ``holder``: metadata (12.2), token (6), nonce (7), credential with a JWT proof (8, F.1)."""
    issuer = offer["credential_issuer"]
    grant = offer["grants"][PRE_AUTH_GRANT]
    if grant.get("tx_code") and not tx_code:
        raise SandboxError(Reason.BAD_REQUEST, "this offer needs the transaction code the issuer sent you")
    metadata = issuer_metadata(http, issuer, trace=trace)
    configurations = metadata.get("credential_configurations_supported")
    unknown = [
        c
        for c in offer["credential_configuration_ids"]
        if not isinstance(configurations, dict) or c not in configurations
    ]
    if unknown:
        raise SandboxError(
            Reason.UNKNOWN_CREDENTIAL_CONFIGURATION,
            f"the issuer metadata does not describe the offered configuration(s) {', '.join(unknown)}",
        )
    servers = metadata.get("authorization_servers") or [issuer]
    if not isinstance(servers, list) or not isinstance(servers[0], str):
        raise SandboxError(Reason.BAD_REQUEST, "authorization_servers must be a list of identifiers")
    auth_server = _call(
        http, trace, "GET", well_known_url(servers[0], "oauth-authorization-server"), "authorization server metadata"
    )
    form = {"grant_type": PRE_AUTH_GRANT, "pre-authorized_code": grant["pre-authorized_code"]}
    if tx_code:
        form["tx_code"] = tx_code
    token = _call(http, trace, "POST", auth_server.get("token_endpoint"), "token endpoint", data=form)
    if not isinstance(token.get("access_token"), str):
        raise SandboxError(Reason.BAD_REQUEST, "the token response has no access_token")
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    result = Redemption(issuer, offer, metadata, auth_server)
    for config_id in offer["credential_configuration_ids"]:
        claims = {"aud": issuer, "iat": clock.timestamp()}
        # Without a nonce endpoint the issuer asks for no c_nonce, and the proof carries none (F.1).
        nonce = fresh_nonce(http, metadata, trace=trace)
        if nonce is not None:
            claims["nonce"] = nonce
        proof = holder.sign(claims, typ=PROOF_TYP, header={"jwk": holder.public_jwk}, include_kid=False)
        answer = _call(
            http,
            trace,
            "POST",
            metadata.get("credential_endpoint"),
            "credential endpoint",
            headers=headers,
            json={"credential_configuration_id": config_id, "proofs": {"jwt": [proof]}},
        )
        items = answer.get("credentials")
        if not isinstance(items, list) or not items:
            kind = "deferred issuance (transaction_id)" if "transaction_id" in answer else "no credentials"
            raise SandboxError(
                Reason.BAD_REQUEST,
                f"the credential response for {config_id} holds {kind}; an immediate credentials array is expected",
            )
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("credential"), str):
                raise SandboxError(Reason.BAD_REQUEST, 'each credentials[] item must be {"credential": <string>}')
            result.credentials.append(ReceivedCredential(config_id, item["credential"]))
    return result


# ==============================================================================================
# The issuer side: the protocol's rules as a credential issuer applies them
# ==============================================================================================
def credential_offer(
    credential_issuer: str,
    configuration_ids: Iterable[str],
    pre_authorized_code: str,
    *,
    tx_code_length: int | None = None,
    tx_code_description: str = "",
) -> dict[str, Any]:
    """A credential offer by value for the pre-authorized code grant (4.1.1). With
    ``tx_code_length``, the holder is told to expect a numeric transaction code of that length,
    sent out of band, which the token endpoint will ask for (6.1)."""
    grant: dict[str, Any] = {"pre-authorized_code": pre_authorized_code}
    if tx_code_length is not None:
        grant["tx_code"] = {"input_mode": "numeric", "length": tx_code_length, "description": tx_code_description}
    return {
        "credential_issuer": credential_issuer,
        "credential_configuration_ids": list(configuration_ids),
        "grants": {PRE_AUTH_GRANT: grant},
    }


def offer_link(offer: dict[str, Any]) -> str:
    """The offer as an ``openid-credential-offer://`` link carrying it by value (4.1), for a QR
    code or a same-device hand-off; :func:`parse_offer` reads it back."""
    return f"{OFFER_SCHEME}://?credential_offer=" + quote(json.dumps(offer, separators=(",", ":")), safe="")


def offer_reference_link(offer_url: str) -> str:
    """The offer by reference (4.1.3): an ``openid-credential-offer://`` link carrying only the
    URL the wallet fetches the offer from (``credential_offer_uri``), short enough for any QR
    code; :func:`resolve_offer` follows it."""
    return f"{OFFER_SCHEME}://?credential_offer_uri=" + quote(offer_url, safe="")


def authorization_server_metadata(
    issuer: str,
    token_endpoint: str,
    *,
    authorization_endpoint: str | None = None,
    par_endpoint: str | None = None,
    scopes: Iterable[str] = (),
) -> dict[str, Any]:
    """Authorization server metadata (RFC 8414) for an issuer that is its own authorization
    server. Pre-authorized codes are redeemed without client authentication (OpenID4VCI 12.3).
    With an ``authorization_endpoint`` and a ``par_endpoint`` it also grants authorization codes
    to public clients: pushed requests only (RFC 9126 5), PKCE with S256 only (RFC 7636 4.3),
    ``authorization_details`` of type ``openid_credential`` (RFC 9396 10, OpenID4VCI 5.1.1) or
    the configurations' scopes, and ``iss`` in the authorization response (RFC 9207 3)."""
    metadata: dict[str, Any] = {
        "issuer": issuer,
        "token_endpoint": token_endpoint,
        "grant_types_supported": [PRE_AUTH_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
    }
    if authorization_endpoint is None or par_endpoint is None:
        return metadata
    return {
        **metadata,
        "authorization_endpoint": authorization_endpoint,
        "pushed_authorization_request_endpoint": par_endpoint,
        "require_pushed_authorization_requests": True,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": [AUTHORIZATION_CODE_GRANT, PRE_AUTH_GRANT],
        "code_challenge_methods_supported": [PKCE_METHOD],
        "token_endpoint_auth_methods_supported": ["none"],
        "authorization_details_types_supported": [CREDENTIAL_DETAILS_TYPE],
        "scopes_supported": list(scopes),
        "authorization_response_iss_parameter_supported": True,
    }


def pkce_challenge(verifier: str) -> str:
    """The S256 ``code_challenge`` of a PKCE ``code_verifier`` (RFC 7636 4.2): what a wallet
    pushes, and what the token endpoint recomputes."""
    return b64u_encode(hashlib.sha256(verifier.encode("ascii")).digest())


# RFC 7636 4.1: 43 to 128 unreserved characters. An S256 challenge is 43 base64url characters (4.2).
_PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
# Schemes a browser must never be sent to with a code (a script or a local file, not a client).
_UNSAFE_SCHEMES = {"javascript", "data", "vbscript", "file", "blob", "about"}
_MAX_PARAMETER = 2048


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization request (RFC 6749 4.1.1) as pushed (RFC 9126 2.1) and read: who asks,
    where the code goes, the PKCE challenge, the client's ``state``, and the credential
    configurations asked for. ``detailed`` are those asked for by ``authorization_details``; the
    token response names them again with their credential identifiers (OpenID4VCI 6.2)."""

    client_id: str
    redirect_uri: str
    code_challenge: str
    state: str | None
    configuration_ids: tuple[str, ...]
    detailed: tuple[str, ...]


def _parameter(form: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        if required:
            raise SandboxError(Reason.INVALID_REQUEST, f"{name} is required")
        return None
    if not isinstance(value, str) or len(value) > _MAX_PARAMETER or not value.isprintable():
        raise SandboxError(Reason.INVALID_REQUEST, f"{name} is not a printable string of at most {_MAX_PARAMETER}")
    return value


def _redirect_uri(value: str) -> str:
    """An absolute URI without a fragment (RFC 6749 3.1.2), of a scheme a client can listen on:
    an https (or loopback http) page, or a wallet's own scheme (RFC 8252 7.1)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    scheme = parts.scheme.lower() if parts else ""
    if (
        parts is None
        or not scheme
        or parts.fragment
        or "#" in value
        or scheme in _UNSAFE_SCHEMES
        or (scheme in ("http", "https") and not parts.hostname)
    ):
        raise SandboxError(
            Reason.INVALID_REQUEST,
            "redirect_uri must be an absolute URI without a fragment, of an https, http or private-use scheme",
        )
    return value


def _authorization_details(text: str, offered: Mapping[str, str]) -> tuple[str, ...]:
    """The configurations an ``authorization_details`` parameter asks for (RFC 9396 2, OpenID4VCI
    5.1.1): a JSON array of ``openid_credential`` objects, each naming one ``offered`` configuration."""
    try:
        details = json_loads(text)
    except ValueError:
        details = None
    if not isinstance(details, list) or not details or not all(isinstance(d, dict) for d in details):
        raise SandboxError(
            Reason.INVALID_AUTHORIZATION_DETAILS, "authorization_details must be a JSON array of objects"
        )
    wanted: list[str] = []
    for detail in details:
        if detail.get("type") != CREDENTIAL_DETAILS_TYPE:
            raise SandboxError(
                Reason.INVALID_AUTHORIZATION_DETAILS,
                f"authorization_details of type {brief(detail.get('type'))}: "
                f"only {CREDENTIAL_DETAILS_TYPE} is supported",
            )
        config_id = detail.get("credential_configuration_id")
        if not isinstance(config_id, str) or config_id not in offered:
            raise SandboxError(
                Reason.INVALID_AUTHORIZATION_DETAILS,
                f"credential_configuration_id {brief(config_id)} is not one this authorization server grants "
                f"(it grants: {', '.join(offered) or 'none'})",
            )
        if config_id not in wanted:
            wanted.append(config_id)
    return tuple(wanted)


def _scoped(scope: str, offered: Mapping[str, str]) -> tuple[str, ...]:
    """The configurations whose ``scope`` (12.2.4) a space-separated ``scope`` names (RFC 6749 3.3)."""
    by_scope = {s: c for c, s in offered.items()}
    unknown = [s for s in scope.split(" ") if s and s not in by_scope]
    if unknown:
        raise SandboxError(
            Reason.INVALID_SCOPE,
            f"unknown scope {brief(unknown[0])} (this authorization server grants: {', '.join(by_scope) or 'none'})",
        )
    return tuple(dict.fromkeys(by_scope[s] for s in scope.split(" ") if s))


def pushed_authorization_request(form: Mapping[str, Any], offered: Mapping[str, str]) -> AuthorizationRequest:
    """Read a pushed authorization request (RFC 9126 2.1) of a public client; ``offered`` maps each
    configuration it may ask for to its scope. ``response_type`` must be ``code``
    (``unsupported_response_type``); ``client_id`` and ``redirect_uri`` are required, and a
    ``request_uri`` is refused (RFC 9126 2.1) (``invalid_request``); PKCE is required, with S256
    only: ``plain`` or no challenge at all is ``invalid_request`` (RFC 7636 4.4.1); the
    configurations come from ``authorization_details`` (``invalid_authorization_details``)
    and/or ``scope`` (``invalid_scope``), and at least one is asked for."""
    if form.get("request_uri") is not None:
        raise SandboxError(Reason.INVALID_REQUEST, "a pushed authorization request carries no request_uri")
    if form.get("response_type") != "code":
        raise SandboxError(Reason.UNSUPPORTED_RESPONSE_TYPE, "only response_type=code is supported")
    client_id = _parameter(form, "client_id")
    redirect_uri = _redirect_uri(str(_parameter(form, "redirect_uri")))
    method = form.get("code_challenge_method")
    challenge = _parameter(form, "code_challenge", required=False)
    if challenge is None:
        raise SandboxError(
            Reason.INVALID_REQUEST, "PKCE is required: send code_challenge with code_challenge_method S256"
        )
    if method != PKCE_METHOD:
        raise SandboxError(
            Reason.INVALID_REQUEST, f"code_challenge_method must be {PKCE_METHOD} (plain is not accepted)"
        )
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise SandboxError(Reason.INVALID_REQUEST, "an S256 code_challenge is 43 base64url characters")
    state = _parameter(form, "state", required=False)
    details = _parameter(form, "authorization_details", required=False)
    scope = _parameter(form, "scope", required=False)
    detailed = _authorization_details(details, offered) if details is not None else ()
    scoped = _scoped(scope, offered) if scope is not None else ()
    configuration_ids = tuple(dict.fromkeys((*detailed, *scoped)))
    if not configuration_ids:
        raise SandboxError(
            Reason.INVALID_SCOPE, "ask for a credential: authorization_details of type openid_credential, or a scope"
        )
    return AuthorizationRequest(str(client_id), redirect_uri, challenge, state, configuration_ids, detailed)


def authorization_response_uri(redirect_uri: str, code: str, state: str | None, issuer: str) -> str:
    """Where the browser goes with the code (RFC 6749 4.1.2): ``redirect_uri`` with ``code``, the
    client's ``state`` and this authorization server's identifier as ``iss`` (RFC 9207 2) added
    to the query it may already have."""
    params = {"code": code, **({"state": state} if state is not None else {}), "iss": issuer}
    parts = urlsplit(redirect_uri)
    query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
    return parts._replace(query=query).geturl()


def check_pkce(code_verifier: str, code_challenge: str) -> None:
    """The token request's ``code_verifier`` must be the one whose S256 challenge was pushed
    (RFC 7636 4.6): ``invalid_grant`` otherwise."""
    if not _PKCE_VERIFIER.fullmatch(code_verifier) or not hmac.compare_digest(
        pkce_challenge(code_verifier), code_challenge
    ):
        raise SandboxError(Reason.INVALID_GRANT, "the code_verifier does not match the code_challenge")


def token_authorization_details(configuration_ids: Iterable[str]) -> list[dict[str, Any]]:
    """The ``authorization_details`` of a token response (OpenID4VCI 6.2): each configuration asked
    for by ``authorization_details``, with its credential identifiers. The issuer's one credential
    dataset per configuration is identified by the configuration's id, which the credential
    request then names as its ``credential_identifier`` (8.2)."""
    return [
        {"type": CREDENTIAL_DETAILS_TYPE, "credential_configuration_id": c, "credential_identifiers": [c]}
        for c in configuration_ids
    ]


@dataclass(frozen=True)
class TokenRequest:
    """A token request of the pre-authorized code grant (6.1), as read from its form."""

    pre_authorized_code: str
    tx_code: str | None


@dataclass(frozen=True)
class CodeTokenRequest:
    """A token request of the authorization code grant (RFC 6749 4.1.3, RFC 7636 4.5) from a
    public client, as read from its form."""

    code: str
    redirect_uri: str
    client_id: str
    code_verifier: str


def token_request(form: Mapping[str, Any]) -> TokenRequest | CodeTokenRequest:
    """Read a token request form: ``unsupported_grant_type`` for any grant but the pre-authorized
    code and the authorization code; ``bad_request`` without the pre-authorized code;
    ``invalid_request`` when the authorization code grant lacks its ``code``, ``redirect_uri``,
    ``client_id`` or ``code_verifier``. Whether the code (and transaction code or verifier) is good
    is the issuer's to look up."""
    if form.get("grant_type") == AUTHORIZATION_CODE_GRANT:
        code, redirect_uri, client_id, verifier = (
            str(_parameter(form, name)) for name in ("code", "redirect_uri", "client_id", "code_verifier")
        )
        return CodeTokenRequest(code, redirect_uri, client_id, verifier)
    if form.get("grant_type") != PRE_AUTH_GRANT:
        raise SandboxError(
            Reason.UNSUPPORTED_GRANT_TYPE,
            f"only the {PRE_AUTH_GRANT} and {AUTHORIZATION_CODE_GRANT} grants are supported",
        )
    pre_authorized_code = form.get("pre-authorized_code")
    if not pre_authorized_code:
        raise SandboxError(Reason.BAD_REQUEST, "pre-authorized_code is required")
    tx_code = form.get("tx_code")
    return TokenRequest(str(pre_authorized_code), None if tx_code is None else str(tx_code))


@dataclass(frozen=True)
class CredentialRequest:
    """A credential request (8.2) as read: the configuration asked for (None when the body names
    none) and the JWT key proofs it carries. Reading it refuses nothing, so an issuer answers in
    the order its checks mean: what the access token covers first, then the proof
    (:func:`check_key_proof`)."""

    configuration_id: str | None
    proofs: tuple[str, ...]


def credential_request(body: object) -> CredentialRequest:
    """Read a credential request body: ``credential_configuration_id`` (or the
    ``credential_identifier`` a token response named, which is this issuer's configuration id:
    :func:`token_authorization_details`) and ``proofs.jwt``."""
    if not isinstance(body, dict):
        return CredentialRequest(None, ())
    config_id = body.get("credential_configuration_id", body.get("credential_identifier"))
    proofs = body.get("proofs")
    jwts = proofs.get("jwt") if isinstance(proofs, dict) else None
    readable: tuple[str, ...] = ()
    if isinstance(jwts, list) and all(isinstance(j, str) for j in jwts):
        readable = tuple(jwts)
    return CredentialRequest(config_id if isinstance(config_id, str) else None, readable)


@dataclass(frozen=True)
class KeyProof:
    """A key proof that passed :func:`check_key_proof`: the holder's public key, and the
    ``c_nonce`` it carries (None when it carries none), which the issuer must still use up."""

    jwk: dict[str, Any]
    nonce: str | None


def check_key_proof(
    request: CredentialRequest, *, credential_issuer: str, now: int, leeway: int, max_age: int
) -> KeyProof:
    """Check the request's one ``openid4vci-proof+jwt`` key proof (F.1): its ``typ``, an accepted
    ``alg``, a public ``jwk`` in its header that verifies its signature, ``aud`` this credential
    issuer, and an ``iat`` neither in the future (beyond ``leeway``) nor older than ``max_age``
    seconds. Every failure is ``invalid_proof``."""
    if len(request.proofs) != 1:
        raise SandboxError(Reason.INVALID_PROOF, "send exactly one proof in proofs.jwt")
    proof = Jws.parse(request.proofs[0], malformed=Reason.INVALID_PROOF)
    proof.check_header((PROOF_TYP,), typ_reason=Reason.INVALID_PROOF, alg_reason=Reason.INVALID_PROOF)
    jwk = proof.header.get("jwk")
    if not isinstance(jwk, dict) or has_private_parts(jwk):
        raise SandboxError(Reason.INVALID_PROOF, "the proof header must carry the holder's public jwk")
    proof.verify(jwk, reason=Reason.INVALID_PROOF)
    claims = proof.payload
    if claims.get("aud") != credential_issuer:
        raise SandboxError(Reason.INVALID_PROOF, "the proof's aud is not this credential issuer")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int) or iat > now + leeway or now - iat > max_age:
        raise SandboxError(Reason.INVALID_PROOF, "the proof's iat is missing or not fresh")
    nonce = claims.get("nonce")
    return KeyProof(jwk, nonce if isinstance(nonce, str) else None)
