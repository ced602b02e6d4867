"""The one JSON error shape at the API edge, for every error: ours, FastAPI's and the rest.

Every answer that is not a success is ``{"error": {"code", "message", "context"}}``
(:meth:`northline.model.NorthlineError.to_dict`): our own errors by their class, FastAPI's
validation errors as ``invalid_input``, Starlette's HTTP errors (unknown route, wrong
method) by their status, and anything unexpected as ``internal`` without a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..model import (
    Conflict,
    DataUnavailable,
    InvalidInput,
    NorthlineError,
    NotFound,
    PermissionDenied,
    TransportError,
)

__all__ = [
    "ERROR_RESPONSES",
    "STATUS",
    "ErrorBody",
    "Unauthenticated",
    "error_body",
    "install_error_handlers",
    "status_of",
]

_log = logging.getLogger("northline.api")


class Unauthenticated(NorthlineError):
    """No token, an unknown or expired token, or a wrong password."""

    code = "unauthenticated"


STATUS: tuple[tuple[type[NorthlineError], int], ...] = (
    (Unauthenticated, 401),
    (PermissionDenied, 403),
    (NotFound, 404),
    (DataUnavailable, 404),
    (Conflict, 409),
    (InvalidInput, 422),
    (TransportError, 503),
)
"""HTTP status by error class (the first match wins); anything else is 500."""

_HTTP_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_input",
}


class ErrorDetail(BaseModel):
    code: str
    message: str
    context: dict[str, Any]


class ErrorBody(BaseModel):
    """The one error shape: ``{"error": {"code", "message", "context"}}``."""

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": description}
    for status, description in (
        (401, "unauthenticated: no token, or an unknown or expired one"),
        (403, "permission_denied: the role may not use this route"),
        (404, "not_found (also for records not releasable to the caller), data_unavailable"),
        (409, "conflict"),
        (422, "invalid_input"),
        (500, "internal"),
    )
}
"""The error answers, documented in the OpenAPI document for every route."""


def status_of(exc: NorthlineError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def error_body(code: str, message: str, **context: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "context": context}}


def _northline(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NorthlineError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
    return JSONResponse(exc.to_dict(), status_code=status_of(exc), headers=headers)


def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    return JSONResponse(error_body("invalid_input", message, errors=problems), status_code=422)


def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = str(exc.detail) if exc.detail else code.replace("_", " ")
    return JSONResponse(
        error_body(code, message),
        status_code=exc.status_code,
        headers=dict(exc.headers) if exc.headers else None,
    )


def _internal(_: Request, exc: Exception) -> JSONResponse:
    _log.error("internal error", exc_info=exc)
    return JSONResponse(error_body("internal", "internal error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NorthlineError, _northline)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _internal)
