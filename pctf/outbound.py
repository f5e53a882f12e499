"""The one HTTP client for URLs that strangers supply (offers, requests, metadata, status lists).

A wallet or the registry's conformance checker fetches whatever URL it is handed. Without rules,
that turns the service into a proxy into its own network: cloud metadata at 169.254.169.254,
databases and admin consoles on private addresses, loopback ports. :func:`outbound_client`
returns an ``httpx.Client`` whose transport applies :class:`OutboundPolicy` to every request it
sends, each redirect hop included, connects only to the address it checked, and caps what it
reads. Calls between the sandbox's own services keep using :func:`pctf.http.make_client`.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, cast

import httpx

from .ca import trust_context
from .observability import outbound_hooks
from .reasons import Reason, SandboxError
from .settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Iterable[str]]

MAX_REDIRECTS = 3
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
SERVICES = ("registry", "issuers", "wallet", "verifier")
DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 prefixes that carry an IPv4 address a gateway may deliver to: IPv4-compatible (::/96)
# and NAT64 (64:ff9b::/96, RFC 6052). IPv4-mapped and 6to4 have their own ipaddress accessors.
EMBEDDING_PREFIXES = (ipaddress.IPv6Network("::/96"), ipaddress.IPv6Network("64:ff9b::/96"))


def system_resolver(host: str) -> list[str]:
    """Every address ``getaddrinfo`` gives for ``host``, in its order."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def origin(url: httpx.URL | str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in: two spellings of one origin compare equal."""
    url = httpx.URL(url)
    return url.scheme, url.raw_host.decode("ascii").lower(), url.port or DEFAULT_PORTS.get(url.scheme)


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, 6to4, NAT64), if any."""
    if address.version == 4:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if any(address in prefix for prefix in EMBEDDING_PREFIXES):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_loopback(address: IPAddress) -> bool:
    embedded = _embedded_ipv4(address)
    return address.is_loopback or (embedded is not None and embedded.is_loopback)


def _is_public(address: IPAddress) -> bool:
    """Globally routable unicast. ``is_global`` already excludes RFC 1918, loopback, link-local,
    shared 100.64.0.0/10, reserved, unspecified, documentation and fc00::/7; multicast is
    "global" to ``ipaddress`` but never a server, so it is excluded here."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and not address.is_unspecified and address != ipaddress.IPv6Address("::1"):
        return _is_public(embedded)
    return address.is_global and not address.is_multicast


class OutboundPolicy:
    """Which URLs this service may fetch for a stranger, and at which addresses.

    * Only ``https``: a plain-http answer can be rewritten by anyone on the path, and "http" is
      how internal admin endpoints are usually spoken to. ``http`` is allowed in local mode to a
      loopback address (the developer's own machine, where everything listens on plain http).
    * Every address the host resolves to must be public. One private answer among public ones is
      enough to refuse: which one the connection would use is not ours to predict. Private,
      loopback, link-local (cloud metadata at 169.254.169.254), shared (100.64.0.0/10),
      unique-local, multicast, reserved and unspecified addresses, and IPv6 forms that embed
      such an IPv4 address, are the service's own network, not the stranger's.
    * The sandbox's own configured services (``service_url`` of each, and each issuer served
      apart at its ``PCTF_ISSUER_URLS`` entry) are trusted as they are: the operator chose them,
      and in a container deployment they are private names such as ``http://issuers:8600``.
    """

    def __init__(
        self,
        *,
        local: bool,
        trusted_origins: Iterable[tuple[str, str, int | None]] = (),
        resolver: Resolver = system_resolver,
    ) -> None:
        self.local = local
        self.trusted_origins = frozenset(trusted_origins)
        self.resolver = resolver

    @classmethod
    def from_settings(cls, settings: Settings, *, resolver: Resolver | None = None) -> OutboundPolicy:
        return cls(
            local=settings.is_local,
            trusted_origins={origin(settings.service_url(s)) for s in SERVICES}
            | {origin(url) for url in settings.issuer_urls.values()},
            resolver=resolver or system_resolver,
        )

    def is_trusted(self, url: httpx.URL) -> bool:
        return origin(url) in self.trusted_origins

    def address_allowed(self, address: IPAddress) -> bool:
        return _is_public(address) or (self.local and _is_loopback(address))

    def vetted_addresses(self, request: httpx.Request) -> list[IPAddress]:
        """The addresses ``request`` may be sent to; :class:`SandboxError` (``url_not_allowed``)
        when the URL breaks a rule, ``httpx.ConnectError`` when its host does not resolve."""
        url = request.url
        if url.scheme not in DEFAULT_PORTS or not url.raw_host or (url.scheme == "http" and not self.local):
            raise _refused(url)
        addresses = self._resolve(request)
        if not all(self.address_allowed(a) for a in addresses):
            raise _refused(url)
        if url.scheme == "http" and not all(_is_loopback(a) for a in addresses):
            raise _refused(url)
        return addresses

    def _resolve(self, request: httpx.Request) -> list[IPAddress]:
        host = request.url.raw_host.decode("ascii")
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            addresses = list(dict.fromkeys(ipaddress.ip_address(a) for a in self.resolver(host)))
        except (OSError, UnicodeError, ValueError):
            addresses = []
        if not addresses:
            raise httpx.ConnectError(f"{host} does not resolve", request=request)
        return addresses


def _refused(url: httpx.URL | str) -> SandboxError:
    return SandboxError(
        Reason.URL_NOT_ALLOWED, f"{url} is not a URL this service may fetch (https, or a public address)"
    )


class _CappedStream(httpx.SyncByteStream):
    """A response body that raises once more than ``limit`` bytes arrived, instead of buffering them."""

    def __init__(self, stream: httpx.SyncByteStream, url: httpx.URL, limit: int) -> None:
        self._stream, self._url, self._limit = stream, url, limit

    def __iter__(self) -> Iterator[bytes]:
        received = 0
        for chunk in self._stream:
            received += len(chunk)
            if received > self._limit:
                raise _too_large(self._url, self._limit)
            yield chunk

    def close(self) -> None:
        self._stream.close()


def _too_large(url: httpx.URL, limit: int) -> SandboxError:
    return SandboxError(Reason.BAD_REQUEST, f"{url} answered more than {limit} bytes", status_code=502)


class OutboundTransport(httpx.BaseTransport):
    """Applies an :class:`OutboundPolicy` to each request (so to each redirect hop), sends it to
    the address that was checked, and caps the body of each answer."""

    def __init__(self, policy: OutboundPolicy, inner: httpx.BaseTransport, max_body_bytes: int) -> None:
        self.policy, self.inner, self.max_body_bytes = policy, inner, max_body_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.policy.is_trusted(request.url):
            response = self.inner.handle_request(request)
        else:
            response = self._send_pinned(request, self.policy.vetted_addresses(request))
        return self._capped(request.url, response)

    def _send_pinned(self, request: httpx.Request, addresses: list[IPAddress]) -> httpx.Response:
        """Send to the checked addresses in turn, never to a fresh DNS answer: a name that resolved
        to a public address for the check cannot then send the connection somewhere private (DNS
        rebinding). The Host header and, for https, the TLS server name and certificate check stay
        on the original host name. The connection is closed after the answer: pooled connections
        are keyed by address, and one whose certificate was checked for one host name must never
        carry a request for another name at the same address."""
        headers = request.headers.copy()
        headers["Connection"] = "close"
        extensions = {**request.extensions, "sni_hostname": request.url.raw_host.decode("ascii")}
        failure: httpx.ConnectError | None = None
        for address in addresses:
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=str(address)),
                headers=headers,
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return self.inner.handle_request(pinned)
            except httpx.ConnectError as exc:  # e.g. an IPv6 address on a host without IPv6: try the next
                failure = exc
        if failure is None:  # vetted_addresses never gives an empty list
            raise httpx.ConnectError(f"{request.url.host} has no address to connect to", request=request)
        raise failure

    def _capped(self, url: httpx.URL, response: httpx.Response) -> httpx.Response:
        """Refuse a body announced as oversized, or compressed (a small compressed body can expand
        to gigabytes after the cap counted it), at once; cut off one that grows past the cap."""
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            response.close()
            raise SandboxError(
                Reason.BAD_REQUEST, f"{url} answered a {encoding}-encoded body it was not asked for", status_code=502
            )
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            response.close()
            raise _too_large(url, self.max_body_bytes)
        # A synchronous transport's answer streams synchronously.
        response.stream = _CappedStream(cast(httpx.SyncByteStream, response.stream), url, self.max_body_bytes)
        return response

    def close(self) -> None:
        self.inner.close()


def outbound_client(
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    transport: httpx.BaseTransport | None = None,
    **kwargs: Any,
) -> httpx.Client:
    """The client for fetching URLs that strangers supply, under :meth:`OutboundPolicy.from_settings`.

    ``resolver`` (host -> addresses) replaces ``getaddrinfo``, ``transport`` the connection
    transport under the policy (tests observe where requests go with both). Redirects are followed,
    at most :data:`MAX_REDIRECTS` hops. No environment proxy, no .netrc credentials, and no cookies:
    a shared client must not carry one stranger's cookie into another's request. ``verify`` and
    other ``kwargs`` go to ``httpx.HTTPTransport`` and ``httpx.Client``.
    """
    for bypass in ("mounts", "proxy"):
        if bypass in kwargs:
            raise TypeError(f"outbound_client does not take {bypass!r}: it would route around the policy")
    policy = OutboundPolicy.from_settings(settings, resolver=resolver)
    # The system's roots and the sandbox's own (pctf.ca): its services may be served over HTTPS
    # with a certificate from the sandbox CA. Only an explicit ``verify`` replaces that.
    verify = kwargs.pop("verify") if "verify" in kwargs else trust_context(settings.data_dir)
    inner = transport or httpx.HTTPTransport(verify=verify)
    headers = {"Accept-Encoding": "identity", **dict(kwargs.pop("headers", None) or {})}
    kwargs.setdefault("timeout", settings.http_timeout_seconds)
    kwargs.setdefault("follow_redirects", True)
    kwargs["event_hooks"] = outbound_hooks(kwargs.get("event_hooks"))
    return httpx.Client(
        transport=OutboundTransport(policy, inner, max_body_bytes),
        max_redirects=MAX_REDIRECTS,
        trust_env=False,
        headers=headers,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        **kwargs,
    )
