"""Every error is JSON `{"detail": …}` with the right status; never a stack trace or a secret.

The bridge's own exceptions map to statuses here, once, so routes just let them rise:

| exception | status |
|---|---|
| `DuplicateCamera`, `ConfigFileCamera` | 409 |
| `InvalidCursor`, `RequestError` | 400 |
| `RateLimited` | 429 (with `Retry-After`) |
| `StoreUnavailable`, `CacheUnavailable` | 503 |
| `ReolinkError` (the camera answered badly) | 502 |
| any other `DomainError` (`UnknownCamera` 404, `CameraOffline` 409, …) | its code's status |
| `CommandFailed` (a failed command result) | its code's status, `{"detail": …}` with the result |
| anything else | 500 `internal error` (logged with its traceback, credentials masked) |

A code's status comes from `bridge.api.commanding.HTTP_STATUS`, the one table of command results.
Validation errors (422) keep `loc`, `msg` and `type` but never echo the input (it may be a
password). `CameraRejected` (a camera the registry's rules refuse: its address, a missing
password) is a 422 of the same shape, on the field at fault.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from bridge.api.commanding import HTTP_STATUS, CommandFailed, checked_response
from bridge.api.deps import WebSocketDenied
from bridge.api.ratelimit import RateLimited
from bridge.cache.base import CacheUnavailable
from bridge.domain.errors import DomainError
from bridge.pipeline.manager import DuplicateCamera
from bridge.registry import CameraRejected, ConfigFileCamera
from bridge.reolink import ReolinkError
from bridge.requests import RequestError
from bridge.store import InvalidCursor, StoreUnavailable

_LOGGER = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (DuplicateCamera, 409),
    (ConfigFileCamera, 409),
    (InvalidCursor, 400),
    (RequestError, 400),
    (StoreUnavailable, 503),
    (CacheUnavailable, 503),
    (ReolinkError, 502),
)


def error(status: int, detail: Any, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def validation_details(errors: Any) -> list[dict[str, Any]]:
    return [
        {"loc": list(item.get("loc", ())), "msg": item.get("msg", ""), "type": item.get("type")}
        for item in errors
    ]


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, exc.detail, exc.headers)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error(422, validation_details(exc.errors()))


async def _rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CameraRejected)
    return error(422, [{"loc": ["body", exc.field], "msg": str(exc), "type": "value_error"}])


async def _rate_limited(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RateLimited)
    return error(429, str(exc), {"Retry-After": str(exc.retry_after)})


async def _known(request: Request, exc: Exception) -> JSONResponse:
    for kind, status in _STATUS:
        if isinstance(exc, kind):
            detail = str(exc) or kind.__name__
            if kind is ReolinkError:
                detail = f"camera error: {detail}"
            return error(status, detail)
    if isinstance(exc, DomainError):
        return error(HTTP_STATUS[exc.code], str(exc) or type(exc).__name__)
    return await _unexpected(request, exc)


async def _command_failed(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CommandFailed)
    return checked_response(exc.result)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    _LOGGER.error(
        "API %s %s failed: %s",
        request.method,
        request.scope.get("route") and getattr(request.scope["route"], "path", "?"),
        type(exc).__name__,
        exc_info=exc,
    )
    return error(500, "internal error")


async def _ws_denied(connection: HTTPConnection, exc: Exception) -> None:
    return None  # the 401 answer has been sent already


async def _ws_validation(connection: HTTPConnection, exc: Exception) -> None:
    if isinstance(connection, WebSocket):
        await connection.close(code=1008, reason="invalid request")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(RateLimited, _rate_limited)
    app.add_exception_handler(CameraRejected, _rejected)
    app.add_exception_handler(WebSocketDenied, _ws_denied)
    app.add_exception_handler(WebSocketRequestValidationError, _ws_validation)
    app.add_exception_handler(CommandFailed, _command_failed)
    for kind in (*(kind for kind, _ in _STATUS), DomainError):
        app.add_exception_handler(kind, _known)
    app.add_exception_handler(Exception, _unexpected)
