"""What every FastAPI service of the sandbox shares: error mapping, input limits, access logs.

Errors are answered as OAuth-style JSON (``{"error": <reason code>, "error_description": ...}``)
with a 4xx status, never a 500 with a traceback: bad input is the caller's to fix and must say
exactly what is wrong. Before any route sees a request:

* a body over ``PCTF_MAX_BODY_BYTES`` is refused with 413 (:class:`BodyLimit`), by its declared
  length or, for a chunked body, as soon as it grows past the limit, never read whole;
* a JSON body is parsed strictly (:func:`parse_json_body`): UTF-8 only, no ``NaN``, at most
  :data:`MAX_JSON_DEPTH` levels deep, and no string a database cannot store (a NUL character, a
  lone surrogate), so what a route receives can always be written;
* the access log (:class:`pctf.observability.RequestContext`, logger ``pctf.access``) records the route's *template*
  (``/wallet/{wallet_id}/offers``), the status and the time: never a path's identifiers, a
  query string, a header or a body, so codes, tokens and claims never reach a log; every
  request has an id (``X-Request-ID``), and is counted in the service's metrics;
* ``<prefix>/healthz``, ``<prefix>/readyz`` and ``<prefix>/metrics`` answer on every service
  (:func:`pctf.observability.install_endpoints`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .observability import RequestContext, install_endpoints
from .reasons import Reason, SandboxError

log = logging.getLogger("pctf")
access_log = logging.getLogger("pctf.access")

MAX_JSON_DEPTH = 32


class ErrorOut(BaseModel):
    """Every error answer of every service."""

    error: str
    error_description: str


def _error_doc(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# Documented on every route: what any request may get wrong whatever its owner.
COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error_doc("Malformed or invalid input, with its reason code"),
    404: _error_doc("No such resource"),
    413: _error_doc("The request body is larger than the service accepts"),
    422: _error_doc("Well-formed but unacceptable input (evidence, personal data)"),
    429: _error_doc("Too many failed attempts from this client: wait and retry"),
}
# Documented on guarded routes (pctf.access.owner).
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error_doc("No bearer token, or one this service does not know"),
    403: _error_doc("A known token whose holder may not do this"),
}


def error_response(
    reason: Reason | str, message: str, status_code: int = 400, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": str(reason), "error_description": message},
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


class RejectedBody(StarletteHTTPException):
    """A body refused before any route saw it. An HTTPException, because FastAPI re-raises those
    from body parsing as they are (any other exception there becomes a vague 400)."""

    def __init__(self, reason: Reason, message: str, status_code: int = 400) -> None:
        super().__init__(status_code, message)
        self.reason = reason


def _storable(value: Any, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise RejectedBody(Reason.BAD_REQUEST, f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    if isinstance(value, str):
        if "\x00" in value:
            raise RejectedBody(Reason.BAD_REQUEST, "the JSON body holds a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise RejectedBody(Reason.BAD_REQUEST, "the JSON body holds a lone surrogate (\\ud800-\\udfff)") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, depth + 1)
            _storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable(item, depth + 1)


def _no_constant(name: str) -> Any:
    raise RejectedBody(Reason.BAD_REQUEST, f"{name} is not a JSON value")


def parse_json_body(body: bytes) -> Any:
    """A request body as strict JSON (RFC 8259), refused with ``bad_request`` when it is not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RejectedBody(Reason.BAD_REQUEST, "the JSON body is not UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise RejectedBody(
            Reason.BAD_REQUEST, f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep"
        ) from None
    except ValueError as exc:
        raise RejectedBody(Reason.BAD_REQUEST, f"the body is not JSON ({getattr(exc, 'msg', exc)})") from None
    _storable(value)
    return value


def check_form_value(name: str, value: str) -> str:
    """A form field as a database can store it (form decoding turns ``%00`` into NUL)."""
    if "\x00" in value:
        raise SandboxError(Reason.BAD_REQUEST, f"form field {name!r} holds a NUL character")
    return value


class _StrictRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json_body(await self.body())
        return self._json


class StrictRoute(APIRoute):
    """Every route's JSON body goes through :func:`parse_json_body`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(_StrictRequest(request.scope, request.receive))

        return strict


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, without reading them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                too_large = False
            if too_large:
                response = error_response(
                    Reason.REQUEST_TOO_LARGE,
                    f"the request body is larger than {self.max_bytes} bytes",
                    413,
                    {"Connection": "close"},
                )
                return await response(scope, receive, send)
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise RejectedBody(
                        Reason.REQUEST_TOO_LARGE, f"the request body is larger than {self.max_bytes} bytes", 413
                    )
            return message

        await self.app(scope, counted, send)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SandboxError)
    async def _sandbox_error(_request: Request, exc: SandboxError) -> JSONResponse:
        return error_response(exc.reason, exc.message, exc.status_code, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(Reason.BAD_REQUEST, f"{where or 'request'}: {first.get('msg', 'invalid input')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = getattr(exc, "reason", None) or {
            404: Reason.NOT_FOUND,
            401: Reason.UNAUTHORIZED,
            403: Reason.FORBIDDEN,
            405: Reason.BAD_REQUEST,
            413: Reason.REQUEST_TOO_LARGE,
        }.get(exc.status_code, Reason.BAD_REQUEST)
        return error_response(reason, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: log it (without request data, which may be personal) and say so.
        log.exception("internal error: %s", exc.__class__.__name__)
        return error_response("internal_error", "the service failed to handle this request", 500)


def _declare_bearer_scheme(app: FastAPI) -> None:
    """Guarded routes name the ``bearer`` security scheme (pctf.access.owner); declare it once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "The bearer token of the route's owner (x-pctf-owner): a role token, an "
                "applicant's, an issuer's staff, a wallet's holder or a relying party's back end",
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def service_app(prefix: str, title: str, description: str = "", *, max_body_bytes: int) -> FastAPI:
    """A FastAPI app for one service: its docs under its own path prefix, errors mapped to reasons,
    bodies limited and parsed strictly, an access log without identifiers, a request id on every
    request, and health, readiness and metrics under its prefix."""
    app = FastAPI(
        title=title,
        version="1.0",
        description=description,
        docs_url=None,  # served by _offline_docs
        openapi_url=f"{prefix}/openapi.json",
        redoc_url=None,
        responses=COMMON_ERRORS,
    )
    app.router.route_class = StrictRoute
    _declare_bearer_scheme(app)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestContext, service=prefix.strip("/") or "dashboard", access_log=access_log)
    _offline_docs(app, prefix, title)
    install_endpoints(app, prefix)
    return app


# Files the services serve themselves (vendored, with their licences), so pages work offline.
STATIC_DIR = Path(__file__).resolve().parent / "static"


def _offline_docs(app: FastAPI, prefix: str, title: str) -> None:
    """Interactive API docs at ``<prefix>/docs`` that work without internet access: Swagger UI's
    script, style and icon come from ``<prefix>/static/`` (``pctf/static/swagger-ui``), not from a
    CDN. Public, like the OpenAPI document they read, and outside it."""
    static = f"{prefix}/static"
    app.mount(static, StaticFiles(directory=STATIC_DIR), name="static")

    @app.get(f"{prefix}/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or f"{prefix}/openapi.json",
            title=f"{title}: API",
            swagger_js_url=f"{static}/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url=f"{static}/swagger-ui/swagger-ui.css",
            swagger_favicon_url=f"{static}/swagger-ui/favicon-32x32.png",
            # No online validator badge: it would call validator.swagger.io from the page.
            swagger_ui_parameters={"validatorUrl": None},
        )
