"""The bridge itself: health, readiness, metrics, `bridge/info` and bridge requests.

A bridge request needs the scope `request_scope(action)` gives: `read` for `health_check`,
`admin` for everything that changes the bridge.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bridge import __version__
from bridge.api import responses
from bridge.api.deps import PUBLIC_OPENAPI, Actuator, Ctx, State, public
from bridge.api.schemas import BridgeInfo, BridgeResponse, Health, Readiness
from bridge.api.scopes import READ_REQUESTS, Read, ScopeRule, enforce, request_scope, scoped
from bridge.reports import bridge_info
from bridge.requests import pop_transaction, reply

router = APIRouter(tags=["bridge"])

READY_TIMEOUT = 2.0
"""Seconds the store gets to answer a readiness probe."""


@router.get(
    "/health", summary="The process answers (no token needed)", openapi_extra=PUBLIC_OPENAPI
)
@public
async def health() -> Health:
    return Health(version=__version__)


@router.get(
    "/ready",
    responses={503: {"model": Readiness, "description": "Not ready: the store or MQTT is away"}},
    summary="The store answers and MQTT is connected (no token needed)",
    openapi_extra=PUBLIC_OPENAPI,
)
@public
async def ready(ctx: Ctx) -> JSONResponse:
    store_ok = True
    detail: list[str] = []
    try:
        async with asyncio.timeout(READY_TIMEOUT):
            await ctx.store.get_camera("-")
    except Exception:  # any failure means "not ready"; the reason is in the store's own logs
        store_ok = False
        detail.append("the store does not answer")
    mqtt_ok = None if ctx.mqtt is None else ctx.mqtt.connected
    if mqtt_ok is False:
        detail.append("MQTT broker not connected")
    body = Readiness(
        ready=store_ok and mqtt_ok is not False,
        store=store_ok,
        mqtt=mqtt_ok,
        detail="; ".join(detail) or None,
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
    dependencies=[Read],
    summary="Prometheus metrics",
)
async def metrics(state: State) -> Response:
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/bridge/info",
    response_model=BridgeInfo,
    dependencies=[Read],
    summary="As reolink/bridge/info",
)
async def get_bridge_info(ctx: Ctx) -> JSONResponse:
    dropped = ctx.mqtt.dropped_messages if ctx.mqtt is not None else 0
    return JSONResponse(bridge_info(ctx.settings, len(ctx.manager.cameras), dropped))


RequestAction = Annotated[str, Path(min_length=1, max_length=128, examples=["health_check"])]


async def _request_scope(request: Request, action: RequestAction) -> None:
    await enforce(request, request_scope(action))


RequestScope = scoped(ScopeRule("admin", relaxed=f"`read` for {', '.join(sorted(READ_REQUESTS))}"))(
    _request_scope
)


@router.post(
    "/bridge/request/{action:path}",
    response_model=BridgeResponse,
    responses=responses.RATE_LIMITED,
    dependencies=[RequestScope, Actuator],
    summary="As reolink/bridge/request/<action> (camera/add, camera/remove, health_check, …)",
    description="Answers 200 with what `reolink/bridge/response/<action>` carries, also when "
    'the request failed (`"status": "error"`).',
)
async def bridge_request(
    ctx: Ctx,
    action: RequestAction,
    body: Annotated[dict[str, Any] | None, Body(examples=[{"id": "garage"}])] = None,
) -> JSONResponse:
    return JSONResponse(await handle_request(ctx, action, dict(body or {})))


async def handle_request(ctx: Ctx, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """The answer MQTT gives on `bridge/response/<action>` (shared with the WebSocket)."""
    return await ctx.requests.answer(action, body)


def refused_request(body: dict[str, Any], error: str) -> dict[str, Any]:
    """The answer to a request refused before it was handled (scope, rate limit)."""
    return reply(pop_transaction(body), error=error)
