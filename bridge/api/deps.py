"""Dependencies: the app-wide authentication (secure by default), and `Annotated` aliases.

Every route requires a bearer token unless its endpoint is marked `@public`. The token comes in
`Authorization: Bearer <token>`, or, for browsers' WebSocket and EventSource (which cannot set
headers), in the `token` query parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, WebSocket, status
from fastapi.responses import JSONResponse
from starlette.requests import HTTPConnection

from bridge.api.context import ApiContext
from bridge.api.live import LiveHub
from bridge.api.metrics import ApiMetrics
from bridge.api.ratelimit import RateLimited, RateLimiter
from bridge.api.security import Authenticator, AuthError, Principal

F = TypeVar("F", bound=Callable[..., Any])

_PUBLIC = "__api_public__"
_SIGNED = "__api_signed_url__"
SIGNED_PREFIX = "rms_"
"""Signed media tokens (`bridge.api.signed_urls`): checked by the route, not here."""


PUBLIC_OPENAPI: dict[str, Any] = {"security": []}
"""`openapi_extra` of a public route: the document says it needs no token."""


def public(endpoint: F) -> F:
    """Mark an endpoint as reachable without a token (health, readiness, login)."""
    setattr(endpoint, _PUBLIC, True)
    return endpoint


def is_public(endpoint: Any) -> bool:
    return bool(getattr(endpoint, _PUBLIC, False))


def signed_url(endpoint: F) -> F:
    """Mark an endpoint that also takes a signed media token (`?token=rms_…`, or a media
    link's `?sig=`) instead of a bearer token; its scope dependency checks it
    (`bridge.api.stream_access`, `bridge.api.routers.media`)."""
    setattr(endpoint, _SIGNED, True)
    return endpoint


def takes_signed_url(connection: HTTPConnection) -> bool:
    """The request carries a signed media token to an endpoint that takes one."""
    token = connection.query_params.get("token") or ""
    endpoint = connection.scope.get("endpoint")
    signed = token.startswith(SIGNED_PREFIX) or bool(connection.query_params.get("sig"))
    return signed and bool(getattr(endpoint, _SIGNED, False))


@dataclass
class ApiState:
    """Everything the routes use, kept on `app.state.api`."""

    ctx: ApiContext
    auth: Authenticator
    hub: LiveHub
    metrics: ApiMetrics
    login_limiter: RateLimiter
    actuator_limiter: RateLimiter


def api_state(connection: HTTPConnection) -> ApiState:
    state: ApiState = connection.app.state.api
    return state


# Dependencies are coroutines: FastAPI runs a plain `def` dependency in a worker thread, which
# costs more than the whole lookup.
async def get_state(connection: HTTPConnection) -> ApiState:
    return api_state(connection)


async def get_context(connection: HTTPConnection) -> ApiContext:
    return api_state(connection).ctx


class WebSocketDenied(Exception):
    """A WebSocket handshake was refused with an HTTP response (already sent)."""


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return connection.query_params.get("token") or None


async def authenticate(connection: HTTPConnection) -> Principal | None:
    """The app-wide dependency: a valid token, or 401 (public endpoints pass with None).

    A WebSocket handshake without a valid token is refused with the same 401 JSON answer
    (the WebSocket denial response), before the connection is accepted.
    """
    if is_public(connection.scope.get("endpoint")) or takes_signed_url(connection):
        return None
    cached: Principal | None = getattr(connection.state, "principal", None)
    if cached is not None:
        return cached
    try:
        principal = await api_state(connection).auth.authenticate(bearer_token(connection))
    except AuthError as err:
        headers = {"WWW-Authenticate": "Bearer"}
        if isinstance(connection, WebSocket):
            denial = JSONResponse({"detail": str(err)}, status_code=401, headers=headers)
            await connection.send_denial_response(denial)
            raise WebSocketDenied from None
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(err), headers=headers) from None
    connection.state.principal = principal
    return principal


async def current_principal(connection: HTTPConnection) -> Principal:
    principal: Principal | None = getattr(connection.state, "principal", None)
    if principal is None:  # only if a route is public and asks for one anyway
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not authenticated")
    return principal


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


def _limit(limiter: RateLimiter, key: str) -> None:
    try:
        limiter.hit(key)
    except RateLimited as err:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(err),
            headers={"Retry-After": str(err.retry_after)},
        ) from None


async def actuator_rate_limit(request: Request) -> None:
    """Per token (or address) limit on commands; add to every route that moves a camera."""
    principal: Principal | None = getattr(request.state, "principal", None)
    key = principal.key if principal is not None else f"ip:{client_address(request)}"
    _limit(api_state(request).actuator_limiter, key)


async def login_rate_limit(request: Request) -> None:
    _limit(api_state(request).login_limiter, f"ip:{client_address(request)}")


Ctx = Annotated[ApiContext, Depends(get_context)]
State = Annotated[ApiState, Depends(get_state)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Actuator = Depends(actuator_rate_limit)
LoginLimit = Depends(login_rate_limit)
