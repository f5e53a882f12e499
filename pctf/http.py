"""The one way services call each other: an ``httpx`` client and error translation.

A 4xx answer from another sandbox service carries ``{"error": <reason>, ...}``; it is raised
again here as a :class:`SandboxError` with the same reason, so a failure keeps its cause across
process boundaries.
"""
from __future__ import annotations

import httpx

from .reasons import Reason, SandboxError
from .settings import Settings


def make_client(settings: Settings, **kwargs) -> httpx.Client:
    return httpx.Client(timeout=settings.http_timeout_seconds, follow_redirects=False, **kwargs)


def send(http: httpx.Client, method: str, url: str, **kwargs) -> httpx.Response:
    """``http.request`` with transport failures (refused, timed out, DNS, TLS, a malformed URL) raised
    as ``endpoint_unreachable`` (502): a caller handles one kind of error, whatever went wrong."""
    try:
        return http.request(method, url, **kwargs)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise SandboxError(Reason.ENDPOINT_UNREACHABLE, f"{method} {url}: {exc.__class__.__name__}: {exc}",
                           status_code=502) from None


def checked_json(response: httpx.Response) -> dict:
    """The JSON body of a successful answer; a :class:`SandboxError` for anything else."""
    if response.status_code >= 400:
        try:
            body = response.json()
            reason, message = body.get("error", "bad_request"), body.get("error_description", response.text)
        except ValueError:
            reason, message = Reason.BAD_REQUEST, response.text[:200]
        try:
            reason = Reason(reason)
        except ValueError:
            reason = Reason.BAD_REQUEST
        raise SandboxError(reason, f"{response.request.url.path}: {message}",
                           status_code=response.status_code if response.status_code < 500 else 502)
    try:
        return response.json()
    except ValueError:
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
