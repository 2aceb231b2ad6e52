"""Token scopes: `read` < `control` < `admin`, each including the ones before it.

- `read`: every `GET`, and receiving on the WebSocket and SSE streams.
- `control`: also commands (`/set`, the control routes, taking a snapshot, config `PUT`,
  acknowledging events, WebSocket command frames).
- `admin`: also what changes the bridge (cameras CRUD, API tokens, bridge requests other than
  `health_check`). The admin's login is `admin`.

Every non-public route declares its scope once, with one scope dependency: `Read`, `Control`,
`Admin`, or a rule whose need depends on the request (`scoped`). A test walks the app's routes to
prove none lacks one, and the OpenAPI document shows each route's (`x-scope`). A token whose scope
is too narrow gets 403 `{"detail": "… needs the control scope; this token has read"}`.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, WebSocket, params, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, APIWebSocketRoute, RouteContext, iter_route_contexts
from starlette.requests import HTTPConnection

from bridge.api.deps import WebSocketDenied
from bridge.api.security import SCOPES, Principal
from bridge.store import TokenScope

READ_REQUESTS = frozenset({"health_check"})
"""Bridge requests that only look; every other one (known or not) changes the bridge: admin."""

_RULE = "__api_scope__"

ScopeCheck = Callable[..., Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class ScopeRule:
    """What a route declares: the scope it needs, and when less is enough (for the docs)."""

    scope: TokenScope
    relaxed: str | None = None
    """When a narrower scope suffices, e.g. "`read` with `cached=true`"."""


def allows(have: TokenScope, need: TokenScope) -> bool:
    return SCOPES.index(have) >= SCOPES.index(need)


def refusal(what: str, need: TokenScope, have: TokenScope) -> str:
    return f"{what} needs the {need} scope; this token has {have}"


def request_scope(action: str) -> TokenScope:
    """The scope a bridge request needs (REST and WebSocket alike)."""
    return "read" if action in READ_REQUESTS else "admin"


async def enforce(connection: HTTPConnection, need: TokenScope) -> None:
    """403 (a refused WebSocket handshake) unless the caller's token has `need`."""
    principal: Principal | None = getattr(connection.state, "principal", None)
    have: TokenScope = principal.scope if principal is not None else SCOPES[0]
    if principal is not None and allows(have, need):
        return
    method = "WS" if isinstance(connection, WebSocket) else connection.scope.get("method", "")
    detail = refusal(f"{method} {connection.url.path}", need, have)
    if isinstance(connection, WebSocket):
        await connection.send_denial_response(JSONResponse({"detail": detail}, status_code=403))
        raise WebSocketDenied
    raise HTTPException(status.HTTP_403_FORBIDDEN, detail)


def scoped(rule: ScopeRule) -> Callable[[ScopeCheck], params.Depends]:
    """A route's scope dependency from a check that decides the need per request."""

    def wrap(check: ScopeCheck) -> params.Depends:
        setattr(check, _RULE, rule)
        dependency: params.Depends = Depends(check)
        return dependency

    return wrap


def requires(scope: TokenScope) -> params.Depends:
    """The scope dependency of routes that always need `scope`."""

    @scoped(ScopeRule(scope))
    async def check(connection: HTTPConnection) -> None:
        await enforce(connection, scope)

    return check


Read = requires("read")
Control = requires("control")
Admin = requires("admin")


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every HTTP and WebSocket route of the app, as served (with its routers' dependencies)."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute | APIWebSocketRoute):
            yield context


def route_rules(route: RouteContext) -> list[ScopeRule]:
    """The scope rules a route declares (exactly one for every non-public route)."""
    dependencies: Sequence[params.Depends] = route.dependencies
    return [
        rule
        for dependency in dependencies
        if (rule := getattr(dependency.dependency, _RULE, None)) is not None
    ]
