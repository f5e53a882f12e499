"""What every FastAPI service of the sandbox shares: error mapping and the governance guard.

Errors are answered as OAuth-style JSON (``{"error": <reason code>, "error_description": ...}``)
with a 4xx status, never a 500 with a traceback: bad input is the caller's to fix and must say
exactly what is wrong.
"""
from __future__ import annotations

import hmac
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .reasons import Reason, SandboxError

log = logging.getLogger("pctf")


def error_response(reason: Reason | str, message: str, status_code: int = 400) -> JSONResponse:
    return JSONResponse({"error": str(reason), "error_description": message}, status_code=status_code,
                        headers={"Cache-Control": "no-store"})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SandboxError)
    async def _sandbox_error(_request: Request, exc: SandboxError) -> JSONResponse:
        return error_response(exc.reason, exc.message, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(Reason.BAD_REQUEST, f"{where or 'request'}: {first.get('msg', 'invalid input')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = {404: Reason.NOT_FOUND, 401: Reason.UNAUTHORIZED, 403: Reason.UNAUTHORIZED,
                  405: Reason.BAD_REQUEST}.get(exc.status_code, Reason.BAD_REQUEST)
        return error_response(reason, str(exc.detail), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        # A bug, not bad input: log it (without request data, which may be personal) and say so.
        log.exception("internal error: %s", exc.__class__.__name__)
        return error_response("internal_error", "the service failed to handle this request", 500)


def service_app(prefix: str, title: str, description: str = "") -> FastAPI:
    """A FastAPI app for one service: its docs under its own path prefix, errors mapped to reasons."""
    app = FastAPI(title=title, version="1.0", description=description, docs_url=f"{prefix}/docs",
                  openapi_url=f"{prefix}/openapi.json", redoc_url=None)
    install_error_handlers(app)
    return app


def bearer_token(request: Request) -> str | None:
    """The request's ``Authorization: Bearer`` token, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def require_bearer(request: Request, expected: str, *, role: str = "the governance role") -> None:
    """Refuse unless the request carries ``Authorization: Bearer <expected>`` (constant-time compare,
    as bytes: a token with non-ASCII characters is a wrong token, not a server error)."""
    token = bearer_token(request)
    if not token or not hmac.compare_digest(token.encode(), expected.encode()):
        raise SandboxError(Reason.UNAUTHORIZED, f"this operation needs {role}'s bearer token", status_code=401)
