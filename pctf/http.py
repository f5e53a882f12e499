"""The one way services call each other: an ``httpx`` client and error translation.

A 4xx answer from another sandbox service carries ``{"error": <reason>, ...}``; it is raised
again here as a :class:`SandboxError` with the same reason, so a failure keeps its cause across
process boundaries.
"""

from __future__ import annotations

from typing import Any

import httpx

from .ca import trust_context
from .jose import brief, json_loads
from .observability import outbound_hooks
from .reasons import Reason, SandboxError
from .settings import Settings


def make_client(settings: Settings, **kwargs: Any) -> httpx.Client:
    """A client for the sandbox's own services; it carries the current request's id (X-Request-ID),
    and trusts the sandbox's root certificate beside the system's (:func:`pctf.ca.trust_context`):
    the services call each other over HTTPS when ``pctf-sandbox up --tls`` serves them."""
    kwargs["event_hooks"] = outbound_hooks(kwargs.get("event_hooks"))
    kwargs.setdefault("verify", trust_context(settings.data_dir))
    return httpx.Client(timeout=settings.http_timeout_seconds, follow_redirects=False, **kwargs)


def unreachable_message(url: object) -> str:
    """The one message for a URL that could not be fetched, whatever went wrong: telling refused
    from timed out, or a DNS from a TLS failure, would let whoever chose the URL map the network."""
    return f"{url} could not be fetched"


def send(http: httpx.Client, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """``http.request`` with transport failures (refused, reset, timed out, DNS, TLS, too many
    redirects, a malformed URL) raised as ``endpoint_unreachable`` (502) with
    :func:`unreachable_message`: a caller handles one kind of error, and learns nothing about the
    network behind the URL."""
    try:
        return http.request(method, url, **kwargs)
    except (httpx.HTTPError, httpx.InvalidURL):
        raise SandboxError(Reason.ENDPOINT_UNREACHABLE, unreachable_message(url), status_code=502) from None


def checked_json(response: httpx.Response) -> Any:
    """The JSON body of a successful answer (an object or an array, as the route answers); a
    :class:`SandboxError` for anything else."""
    if response.status_code >= 400:
        try:
            body = json_loads(response.content)
        except (ValueError, UnicodeDecodeError, RecursionError):
            body = None
        if isinstance(body, dict):
            reason, message = body.get("error", "bad_request"), body.get("error_description", response.text[:200])
        else:
            reason, message = Reason.BAD_REQUEST, response.text[:200]
        try:
            reason = Reason(reason)
        except (ValueError, TypeError):
            reason = Reason.BAD_REQUEST
        if not isinstance(message, str):
            message = brief(message)
        raise SandboxError(
            reason,
            f"{response.request.url.path}: {message}",
            status_code=response.status_code if response.status_code < 500 else 502,
        )
    try:
        return json_loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SandboxError(Reason.BAD_REQUEST, f"{response.request.url} did not answer JSON") from None


def well_known_url(identifier: str, suffix: str) -> str:
    """Insert ``/.well-known/<suffix>`` between host and path (RFC 8615 usage in OpenID4VCI 12.2.2
    and SD-JWT VC 4.1): ``https://h/issuers/prov1`` -> ``https://h/.well-known/<suffix>/issuers/prov1``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(identifier)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SandboxError(Reason.BAD_REQUEST, f"{identifier!r} is not an http(s) identifier")
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, f"/.well-known/{suffix}{path}", "", ""))


def fetch_text(
    http: httpx.Client,
    url: str,
    media_type: str,
    *,
    unavailable: Reason,
    malformed: Reason,
    max_bytes: int,
    follow_redirects: bool = False,
) -> str:
    """The body of ``GET url`` sent with ``Accept: media_type``, as ASCII text (compact JWS and the like).

    Anything that keeps the resource from being read (no connection, a timeout, a non-2xx answer,
    a redirect loop) is ``unavailable`` (503), transport failures all with :func:`unreachable_message`;
    an answer of another media type, too large or not ASCII is ``malformed``. The body is read in
    chunks so an oversized answer is refused, not buffered. Redirects are followed only when asked
    (httpx stops after 20).
    """
    try:
        with http.stream("GET", url, headers={"Accept": media_type}, follow_redirects=follow_redirects) as response:
            if not 200 <= response.status_code < 300:
                raise SandboxError(unavailable, f"{url} answered HTTP {response.status_code}", status_code=503)
            content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if content_type != media_type:
                raise SandboxError(malformed, f"{url} answered {content_type or 'no content type'}, not {media_type}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > max_bytes:
                    raise SandboxError(malformed, f"{url} answered more than {max_bytes} bytes")
    except (httpx.HTTPError, httpx.InvalidURL):
        raise SandboxError(unavailable, unreachable_message(url), status_code=503) from None
    try:
        return body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise SandboxError(malformed, f"{url} answered something other than ASCII text") from None
