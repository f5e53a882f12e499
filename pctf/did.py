"""did:web, both sides: what a ``did:web`` DID may look like, where its DID document lives, and
resolving it to the keys its controller issues with.

The trust registry accepts a ``did:web`` DID as an entity identifier beside an https URL. It
learns a DID entity's keys here, as it learns an https issuer's from its SD-JWT VC issuer
metadata: :func:`resolve` reads the DID document over HTTPS and keeps the ``publicKeyJwk`` of
each verification method the document lists under ``assertionMethod`` (the relationship for
issuing credentials, DID Core 5.3.2), with ``kid`` set to the method's DID URL
(``did:web:example.ca#key-1``): the value a credential signed with it carries as its header
``kid`` (:func:`did_key_id`). A verifier never resolves a DID itself: it gets those keys from the
registry, as it gets any issuer's.

The rules follow the W3C CCG "did:web Method Specification" (method-specific identifier, Read):

* ``did:web:example.ca`` is read at ``https://example.ca/.well-known/did.json``,
  ``did:web:example.ca:issuers:terr3`` at ``https://example.ca/issuers/terr3/did.json``, and a
  port is written ``%3A`` (``did:web:example.ca%3A8443``);
* only HTTPS, and the document's ``id`` must be the DID resolved.

Stricter than the specification asks, so that one document has one spelling and a DID cannot
point elsewhere than it says (:func:`parse_did_web`): the host is a lowercase DNS name, never an
IP address; no percent-encoding but the port's ``%3A`` (uppercase); path segments hold letters,
digits, ``.``, ``-`` and ``_`` only, and are never ``.`` or ``..``; no userinfo, query or
fragment. The document is read without following redirects, through the caller's client (the
vetted outbound client of :mod:`pctf.outbound`, which trusts the sandbox's root beside the
system's), within :data:`MAX_DOCUMENT_BYTES` and a timeout.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from .http import unreachable_message
from .jose import brief, has_private_parts, json_loads
from .reasons import Reason, SandboxError

DID_WEB = "did:web:"
MAX_DID_LENGTH = 2048
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_METHODS = 32  # verification methods and assertionMethod entries, each
DEFAULT_TIMEOUT_SECONDS = 10.0
# How DID documents are served: application/json most often, as the method specification notes.
MEDIA_TYPES = ("application/did+json", "application/did+ld+json", "application/json", "application/ld+json")
# The service type that names an OpenID4VCI Credential Issuer (DID Extensions, "OpenID4 Verifiable
# Credential Issuance"): its serviceEndpoint is the Credential Issuer Identifier.
OID4VCI_SERVICE = "OID4VCI"

# DID Core's idchar and the segment separator: no userinfo (@), path (/), query (?), fragment (#).
_CHARACTERS = re.compile(r"[A-Za-z0-9._:%-]*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_PORT = re.compile(r"[1-9][0-9]{0,4}")
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
# A DID URL's fragment (RFC 3986 fragment characters, no percent-encoding): "key-1", a thumbprint.
_FRAGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/?-]+")


@dataclass(frozen=True)
class DidWeb:
    """A ``did:web`` DID taken apart: its host, port and path, and where its document is read."""

    did: str
    host: str
    port: int | None
    path: tuple[str, ...]

    @property
    def document_url(self) -> str:
        """The did:web method's Read, steps 1-5: colons become slashes, ``%3A`` the port's colon,
        ``/.well-known`` when there is no path, then ``/did.json``."""
        authority = self.host if self.port is None else f"{self.host}:{self.port}"
        return f"https://{authority}/{'/'.join(self.path) if self.path else '.well-known'}/did.json"


@dataclass(frozen=True)
class DidDocument:
    """A resolved DID document: the keys it lists for issuing, and its services."""

    did: str
    url: str
    keys: list[dict[str, Any]]  # assertionMethod public JWKs, each with kid = its DID URL
    services: list[dict[str, Any]] = field(default_factory=list)

    def service_endpoints(self, service_type: str) -> list[str]:
        """The string endpoints of the services of ``service_type``, in document order."""
        found = []
        for service in self.services:
            types = service.get("type")
            types = types if isinstance(types, list) else [types]
            endpoint = service.get("serviceEndpoint")
            if service_type in types and isinstance(endpoint, str):
                found.append(endpoint)
        return found


def is_did(value: object) -> bool:
    """Whether ``value`` is written as a DID (``did:`` and a method), whether or not it is valid."""
    return isinstance(value, str) and value.startswith("did:")


def _invalid(did: object, why: str) -> SandboxError:
    return SandboxError(Reason.DID_INVALID, f"{brief(did)} is not a did:web DID the sandbox accepts: {why}")


def parse_did_web(did: object) -> DidWeb:
    """``did`` taken apart, or ``did_invalid`` saying which rule it breaks (see the module docstring)."""
    if not isinstance(did, str) or not did.startswith(DID_WEB):
        raise _invalid(did, "it must begin with did:web:")
    if len(did) > MAX_DID_LENGTH:
        raise _invalid(did, f"it is longer than {MAX_DID_LENGTH} characters")
    if not _CHARACTERS.fullmatch(did[len(DID_WEB) :]):
        raise _invalid(did, "it may hold letters, digits, '.', '-', '_', ':' and the port's %3A only")
    segments = did[len(DID_WEB) :].split(":")
    if any(not s for s in segments):
        raise _invalid(did, "it has an empty host or path segment")
    host, colon, port_text = segments[0].partition("%3A")
    if "%" in host or "%" in port_text or (colon and not port_text):
        raise _invalid(did, "only the port's colon may be percent-encoded, as %3A")
    if host != host.lower():
        raise _invalid(did, "the host must be written in lowercase")
    if _is_ip_address(host):
        raise _invalid(did, "the host must be a domain name, never an IP address")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        raise _invalid(did, "the host must be a DNS name (letters, digits and hyphens, dot-separated)")
    port = None
    if port_text:
        if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
            raise _invalid(did, "the port must be a number from 1 to 65535")
        port = int(port_text)
    path = tuple(segments[1:])
    for segment in path:
        if "%" in segment:
            raise _invalid(did, "a path segment may not be percent-encoded (only the port's colon is, as %3A)")
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise _invalid(did, "a path segment may hold letters, digits, '.', '-' and '_' only, and not be . or ..")
    return DidWeb(did, host, port, path)


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def did_key_id(kid: object, did: str) -> str:
    """The absolute DID URL a JWS header ``kid`` names among ``did``'s keys: the ``kid`` itself when
    it is ``<did>#<fragment>``, or ``did`` joined to a relative ``#<fragment>`` (draft-ietf-oauth-
    sd-jwt-vc-01, "DID Document Resolution": a relative or absolute DID URL of the DID in ``iss``).
    Anything else names no key of that DID: ``issuer_key_unknown``."""
    if isinstance(kid, str):
        reference, hash_sign, fragment = kid.partition("#")
        if hash_sign and reference in ("", did) and _FRAGMENT.fullmatch(fragment):
            return f"{did}#{fragment}"
    raise SandboxError(Reason.ISSUER_KEY_UNKNOWN, f"kid {brief(kid)} is not a DID URL of {did}, the issuer")


def resolve(did: str, http: httpx.Client, *, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> DidDocument:
    """Read and check the DID document of ``did`` with ``http``.

    ``did_invalid`` for a DID outside :func:`parse_did_web`'s rules; ``did_unresolvable`` when the
    document cannot be read (unreachable, refused by the outbound policy, redirected, any answer
    but 200); ``did_document_invalid`` when what was read is not a DID document of ``did`` with at
    least one usable ``assertionMethod`` key (wrong media type, too large, not JSON, ``id`` not the
    DID, a private key, a malformed or dangling verification method).
    """
    url = parse_did_web(did).document_url
    try:
        with http.stream(
            "GET",
            url,
            headers={"Accept": ", ".join(MEDIA_TYPES[:3])},
            follow_redirects=False,
            timeout=timeout,
        ) as response:
            if response.status_code != 200:
                redirected = (
                    " (a redirect: a did:web document is read where the DID says)" if response.is_redirect else ""
                )
                raise _unresolvable(f"{url} answered HTTP {response.status_code}{redirected}")
            media_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type not in MEDIA_TYPES:
                raise _bad_document(did, f"it is served as {media_type or 'no media type'!r}, not JSON")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise _bad_document(did, f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    except (httpx.HTTPError, httpx.InvalidURL):
        raise _unresolvable(unreachable_message(url)) from None
    except SandboxError as exc:
        if exc.reason in (Reason.DID_UNRESOLVABLE, Reason.DID_DOCUMENT_INVALID):
            raise
        if exc.reason == Reason.URL_NOT_ALLOWED:  # the outbound policy: not https, or not a public address
            raise _unresolvable(exc.message) from None
        raise _bad_document(did, exc.message) from None  # the outbound client's own cap on answers
    try:
        document = json_loads(bytes(body))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise _bad_document(did, "it is not JSON") from None
    return _read_document(did, url, document)


def _unresolvable(message: str) -> SandboxError:
    return SandboxError(Reason.DID_UNRESOLVABLE, message, status_code=502)


def _bad_document(did: str, why: str) -> SandboxError:
    return SandboxError(Reason.DID_DOCUMENT_INVALID, f"the DID document of {did} is not usable: {why}", status_code=502)


def _read_document(did: str, url: str, document: object) -> DidDocument:
    """DID Core 5: the ``id``, the verification methods, and the public JWKs ``assertionMethod`` lists."""
    if not isinstance(document, dict):
        raise _bad_document(did, "it is not a JSON object")
    if document.get("id") != did:
        # The method's Read, step 7: a document for another DID says nothing about this one.
        raise _bad_document(did, f"its id is {brief(document.get('id'))}, not the DID resolved")
    methods = _list(did, document, "verificationMethod")
    by_id: dict[str, dict[str, Any]] = {}
    for method in methods:
        if not isinstance(method, dict):
            raise _bad_document(did, "a verificationMethod entry is not an object")
        by_id[_method_id(did, method.get("id"))] = method
    keys: list[dict[str, Any]] = []
    for entry in _list(did, document, "assertionMethod"):
        if isinstance(entry, str):  # a reference to a verification method
            method = by_id.get(_method_id(did, entry))
            if method is None:
                raise _bad_document(did, f"assertionMethod names {brief(entry)}, which no verificationMethod defines")
        elif isinstance(entry, dict):  # a method embedded where it is used
            method = entry
        else:
            raise _bad_document(did, "an assertionMethod entry is neither a DID URL nor an object")
        kid = _method_id(did, method.get("id"))
        jwk = method.get("publicKeyJwk")
        if jwk is None:
            continue  # a key in another encoding (publicKeyMultibase): not one the sandbox reads
        if not isinstance(jwk, dict):
            raise _bad_document(did, f"{kid}: publicKeyJwk is not a JSON object")
        if has_private_parts(jwk):
            raise _bad_document(did, f"{kid}: publicKeyJwk holds private key material")
        if kid not in (k["kid"] for k in keys):
            keys.append({**jwk, "kid": kid})
    if not keys:
        raise _bad_document(did, "no assertionMethod key has a publicKeyJwk: it names no key to issue with")
    services = [s for s in _list(did, document, "service") if isinstance(s, dict)]
    return DidDocument(did, url, keys, services)


def _list(did: str, document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise _bad_document(did, f"{name} is not a list")
    if len(value) > MAX_METHODS:
        raise _bad_document(did, f"{name} holds more than {MAX_METHODS} entries")
    return value


def _method_id(did: str, value: object) -> str:
    """A verification method's id as an absolute DID URL of ``did`` (DID Core 5.2 allows a relative one)."""
    try:
        return did_key_id(value, did)
    except SandboxError:
        raise _bad_document(did, f"verification method id {brief(value)} is not a DID URL of the DID") from None
