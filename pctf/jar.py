"""Signed request objects (JAR, RFC 9101) for OpenID4VP 1.0, both roles, under the ``x509_san_dns``
and ``x509_hash`` client identifier prefixes (OpenID4VP 5.9.3).

A verifier that identifies itself by a certificate sends its request *by reference* (5.10): the
``openid4vp://`` link carries only ``client_id`` and ``request_uri``, and ``request_uri`` answers
``application/oauth-authz-req+jwt``, a JWS (``typ: oauth-authz-req+jwt``) over every request
parameter, signed with the key of the certificate in its ``x5c`` header (the leaf first, the
root left out: the wallet holds it). Its ``aud`` is ``https://self-issued.me/v2`` (5.8: the
verifier knows nothing of the wallet's metadata) and its ``iss`` the client identifier (RFC 9101
4); ``iat`` and ``exp`` bound it to the request's lifetime.

The wallet trusts the request only once all of these hold, each with a reason of its own:

* the header: ``typ`` (``typ_invalid``), an asymmetric algorithm of :data:`pctf.jose.ALLOWED_ALGS`
  (``alg_not_allowed``: never ``none`` nor HMAC), no ``crit``;
* the chain in ``x5c`` validates, at the wallet's time, to a root the wallet trusts, with
  ``cryptography``'s path validation (:func:`trusted_chain`; ``request_object_untrusted``: another
  authority, or a leaf that has expired or is not yet valid);
* the signature verifies with the leaf's key (``request_object_invalid``, as for a malformed
  object, a wrong ``aud`` or an ``iat`` in the future); ``exp`` has not passed (``request_expired``);
* the ``client_id`` the link names is the object's, and the prefix's rule holds for the leaf:
  for ``x509_san_dns`` the name is one of its ``dNSName`` SANs and the ``response_uri`` is on
  that host (5.9.3: a wallet that has no list of trusted client identifiers lets the verifier
  answer nowhere else); for ``x509_hash`` the value is the SHA-256 of its DER
  (``client_id_mismatch``).

Only then does :func:`pctf.oid4vp.parse_request` read the request as it reads one by value.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from .ca import Leaf, x509_hash
from .http import checked_json, send
from .jose import Jws, SigningKey, brief
from .reasons import Reason, SandboxError

TYP = "oauth-authz-req+jwt"
MEDIA_TYPE = f"application/{TYP}"
# 5.8: the audience of a request object sent to a wallet whose metadata the verifier has not read.
AUDIENCE = "https://self-issued.me/v2"
X509_SAN_DNS = "x509_san_dns"
X509_HASH = "x509_hash"
PREFIXES = (X509_SAN_DNS, X509_HASH)
# The longest chain accepted in x5c (leaf and intermediates), and the longest object fetched.
MAX_CHAIN = 4
MAX_OBJECT_BYTES = 256 * 1024
# Members of the object that are about the JWT, not parameters of the request.
JWT_CLAIMS = ("iss", "aud", "iat", "exp", "nbf", "jti")


def prefix_of(client_id: object) -> str | None:
    """The client identifier prefix (5.9.1) when it is one this module serves, else None."""
    if not isinstance(client_id, str):
        return None
    prefix = client_id.split(":", 1)[0]
    return prefix if prefix in PREFIXES and ":" in client_id else None


def dns_name(url: str) -> str | None:
    """The host of ``url`` when it is a DNS name (not an IP address): what ``x509_san_dns`` can name."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host
    return None


def client_id_for(prefix: str, certificate: x509.Certificate, name: str | None) -> str:
    """The client identifier of a verifier holding ``certificate``: ``x509_san_dns:<name>`` or
    ``x509_hash:<base64url SHA-256 of its DER>``."""
    if prefix == X509_HASH:
        return f"{X509_HASH}:{x509_hash(certificate)}"
    if prefix == X509_SAN_DNS and name:
        return f"{X509_SAN_DNS}:{name}"
    raise SandboxError(Reason.BAD_REQUEST, f"no {prefix} client identifier for {brief(name)}")


def check_client(client_id: str, certificate: x509.Certificate, response_uri: object) -> None:
    """The prefix's rule (5.9.3) between the client identifier, the leaf and where the answer
    goes; ``client_id_mismatch`` when it does not hold. Both roles check it: the verifier before
    it signs, the wallet before it believes."""
    prefix = prefix_of(client_id)
    value = client_id.split(":", 1)[1] if prefix else ""
    if prefix == X509_HASH:
        if value != x509_hash(certificate):
            raise SandboxError(Reason.CLIENT_ID_MISMATCH, "the x509_hash client_id is not the hash of the certificate")
        return
    if prefix != X509_SAN_DNS:
        raise SandboxError(Reason.BAD_REQUEST, f"client_id {brief(client_id)} has no prefix a signed request uses")
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        names = x509.SubjectAlternativeName([])
    if value.lower() not in [n.lower().rstrip(".") for n in names.get_values_for_type(x509.DNSName)]:
        raise SandboxError(Reason.CLIENT_ID_MISMATCH, f"{brief(value)} is not a DNS name of the certificate")
    if not isinstance(response_uri, str) or dns_name(response_uri) != value.lower():
        raise SandboxError(Reason.CLIENT_ID_MISMATCH, f"the response_uri is not on {brief(value)}, the client's host")


# -- the verifier's side ------------------------------------------------------------------------
def sign(request: dict[str, Any], leaf: Leaf, *, iat: int, exp: int) -> str:
    """The request object of ``request`` (its parameters, ``client_id`` one of the leaf's),
    signed ES256 with the leaf's key, its chain without the root in ``x5c``."""
    check_client(request["client_id"], leaf.certificate, request.get("response_uri"))
    key = SigningKey(private_jwk=ECAlgorithm.to_jwk(leaf.key, as_dict=True))
    payload = {**request, "iss": request["client_id"], "aud": AUDIENCE, "iat": iat, "exp": exp}
    return key.sign(payload, typ=TYP, header={"x5c": leaf.x5c(root=False)}, include_kid=False)


# -- the wallet's side --------------------------------------------------------------------------
def fetch(http: httpx.Client, request_uri: str) -> str:
    """``GET request_uri`` (5.10; a wallet that does not speak ``request_uri_method=post`` uses
    GET): the compact JWS it answers as ``application/oauth-authz-req+jwt``. The verifier's own
    refusal keeps its reason (an unknown or expired request); anything else that is not a request
    object is ``request_object_invalid``."""
    response = send(http, "GET", request_uri, headers={"Accept": MEDIA_TYPE})
    if response.status_code >= 300:
        checked_json(response)
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, f"{request_uri} answered HTTP {response.status_code}")
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != MEDIA_TYPE:
        answered = content_type or "no content type"
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, f"{request_uri} answered {answered}, not {MEDIA_TYPE}")
    if len(response.content) > MAX_OBJECT_BYTES:
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, f"{request_uri} answered more than {MAX_OBJECT_BYTES} bytes")
    try:
        return response.content.decode("ascii").strip()
    except UnicodeDecodeError:
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, "a request object is ASCII text (a compact JWS)") from None


def chain_of(header: dict[str, Any]) -> list[x509.Certificate]:
    """The certificates of the ``x5c`` header, the leaf first (RFC 7515 4.1.6: base64 DER)."""
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c or len(x5c) > MAX_CHAIN or not all(isinstance(c, str) for c in x5c):
        raise SandboxError(
            Reason.REQUEST_OBJECT_INVALID, f"x5c must hold the signing certificate and at most {MAX_CHAIN - 1} more"
        )
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except (ValueError, binascii.Error):
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, "an x5c entry is not a base64 DER certificate") from None


def trusted_chain(
    chain: Sequence[x509.Certificate], roots: Sequence[x509.Certificate], now: dt.datetime
) -> x509.Certificate:
    """The leaf of ``chain`` once it validates to one of ``roots`` at ``now`` (RFC 5280 path
    validation by ``cryptography``: signatures, validity, CA constraints); ``request_object_untrusted``
    when it does not."""
    leaf = chain[0]
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise SandboxError(
            Reason.REQUEST_OBJECT_UNTRUSTED,
            f"the signing certificate is valid from {leaf.not_valid_before_utc:%Y-%m-%d} "
            f"to {leaf.not_valid_after_utc:%Y-%m-%d}, not now",
        )
    if not roots:
        raise SandboxError(Reason.REQUEST_OBJECT_UNTRUSTED, "the wallet trusts no certificate authority")
    verifier = PolicyBuilder().store(Store(list(roots))).time(now).max_chain_depth(MAX_CHAIN).build_client_verifier()
    try:
        verifier.verify(leaf, list(chain[1:]))
    except VerificationError as exc:
        raise SandboxError(
            Reason.REQUEST_OBJECT_UNTRUSTED, f"the signing certificate does not lead to a trusted root ({exc})"
        ) from None
    return leaf


def _public_jwk(certificate: x509.Certificate) -> dict[str, Any]:
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECAlgorithm.to_jwk(key, as_dict=True)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return OKPAlgorithm.to_jwk(key, as_dict=True)
    raise SandboxError(Reason.REQUEST_OBJECT_INVALID, "the signing certificate holds neither an EC nor an Ed25519 key")


def verify(
    token: str,
    *,
    client_id: str,
    roots: Sequence[x509.Certificate],
    now: dt.datetime,
    leeway: int = 0,
) -> dict[str, Any]:
    """The request parameters of the request object ``token`` that the link named ``client_id``
    brought, once every check of the module docstring passed; the JWT's own claims left out."""
    jws = Jws.parse(token, malformed=Reason.REQUEST_OBJECT_INVALID)
    jws.check_header([TYP])
    leaf = trusted_chain(chain_of(jws.header), roots, now)
    jws.verify(_public_jwk(leaf), reason=Reason.REQUEST_OBJECT_INVALID)
    payload = jws.payload
    if payload.get("client_id") != client_id:
        raise SandboxError(
            Reason.CLIENT_ID_MISMATCH,
            f"the link names client_id {brief(client_id)}, the request object {brief(payload.get('client_id'))}",
        )
    check_client(client_id, leaf, payload.get("response_uri"))
    aud = payload.get("aud", AUDIENCE)
    if aud != AUDIENCE and not (isinstance(aud, list) and AUDIENCE in aud):
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, f"the request object is for {brief(aud)}, not {AUDIENCE}")
    moment = now.timestamp()
    for claim in ("iat", "exp"):
        if claim in payload and (isinstance(payload[claim], bool) or not isinstance(payload[claim], int | float)):
            raise SandboxError(Reason.REQUEST_OBJECT_INVALID, f"{claim} must be a number of seconds")
    if "exp" in payload and payload["exp"] + leeway < moment:
        raise SandboxError(Reason.REQUEST_EXPIRED, "the request object has expired")
    if "iat" in payload and payload["iat"] - leeway > moment:
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, "the request object is issued in the future")
    if "request" in payload or "request_uri" in payload:
        raise SandboxError(Reason.REQUEST_OBJECT_INVALID, "a request object holds neither request nor request_uri")
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
