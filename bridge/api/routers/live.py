"""`WS /ws/events`, `WS /ws/cameras/{id}/events`, `GET /sse/events`: MQTT messages, live.

A client first gets the retained availability and state of every camera (from the state cache),
then every live message. A WebSocket client may also publish as on MQTT and renew its token
(`bridge.api.inbound`). Receiving needs the `read` scope.

The token behind a connection is re-checked for as long as it is open (`bridge.api.sessions`):
when it is revoked or expires, a WebSocket is closed with code 1008 (the reason says why) and an
SSE stream ends with an `event: closed` whose data is `{"detail": …}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

from bridge.api import inbound
from bridge.api.deps import ApiState, CurrentPrincipal, State, api_state, bearer_token
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.scopes import Read
from bridge.api.security import Principal
from bridge.api.sessions import LiveSession, next_frames

router = APIRouter(tags=["live"])

SEND_TIMEOUT = 10.0
"""Seconds one WebSocket send may take before the client counts as stuck and is dropped."""
SSE_KEEPALIVE = 15.0
"""Seconds between SSE comment lines when nothing happens (keeps proxies from closing)."""

_WS_CLOSE: dict[str, tuple[int, str]] = {
    "overflow": (1013, "too slow: reconnect"),
    "shutdown": (1001, "server shutting down"),
    "unauthorized": (1008, "the token no longer holds"),
}
"""Why a client was closed → the WebSocket close code and default reason."""


def _session(connection: Request | WebSocket, state: ApiState, principal: Principal) -> LiveSession:
    return LiveSession(
        state.auth,
        bearer_token(connection) or "",
        principal,
        recheck=state.ctx.settings.auth.session_recheck_seconds,
    )


@router.websocket("/ws/events", dependencies=[Read])
async def ws_events(websocket: WebSocket, principal: CurrentPrincipal) -> None:
    await _serve_ws(websocket, principal, None)


@router.websocket("/ws/cameras/{camera_id}/events", dependencies=[Read])
async def ws_camera_events(
    websocket: WebSocket, camera_id: CameraIdPath, principal: CurrentPrincipal
) -> None:
    await _serve_ws(websocket, principal, camera_id)


async def _serve_ws(websocket: WebSocket, principal: Principal, camera_id: str | None) -> None:
    state = api_state(websocket)
    hub = state.hub
    session = _session(websocket, state, principal)
    await websocket.accept()
    client = hub.connect("ws", camera_id, token_id=principal.token_id)
    receiver = asyncio.get_running_loop().create_task(
        inbound.receive(websocket, state, session, client)
    )
    try:
        for text in await hub.retained(camera_id):
            client.offer(text)
        while client.closed is None:
            for text in await next_frames(client, session):
                async with asyncio.timeout(SEND_TIMEOUT):
                    await websocket.send_text(text)
                client.sent += 1
        if client.closed in _WS_CLOSE:
            code, reason = _WS_CLOSE[client.closed]
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await websocket.close(code=code, reason=(client.detail or reason)[:120])
    except (WebSocketDisconnect, TimeoutError, RuntimeError, OSError):
        pass  # gone or stuck: nothing to tell it
    finally:
        receiver.cancel()
        hub.disconnect(client)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


@router.get(
    "/sse/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`data:` frames"}},
    summary="Server-sent events: retained states, then live MQTT messages",
    description='Each event\'s `data` is one JSON frame `{"topic", "payload"}`, the MQTT '
    "message. Browsers' EventSource cannot send headers: pass the token as `?token=`. When the "
    'token is revoked or expires, an `event: closed` with `{"detail": …}` ends the stream.',
    dependencies=[Read],
)
async def sse_events(
    request: Request,
    state: State,
    principal: CurrentPrincipal,
    camera_id: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="One camera only")
    ] = None,
) -> StreamingResponse:
    hub = state.hub
    session = _session(request, state, principal)

    async def stream() -> AsyncIterator[str]:
        client = hub.connect("sse", camera_id, token_id=principal.token_id)
        try:
            retained = await hub.retained(camera_id)
            yield "retry: 2000\n\n" + "".join(f"data: {text}\n\n" for text in retained)
            yield_by = time.monotonic() + SSE_KEEPALIVE
            while client.closed is None:
                batch = await next_frames(client, session, max(0.0, yield_by - time.monotonic()))
                if batch:
                    client.sent += len(batch)
                    yield "".join(f"data: {text}\n\n" for text in batch)
                elif client.closed is None and time.monotonic() >= yield_by:
                    yield ": keep-alive\n\n"
                else:
                    continue
                yield_by = time.monotonic() + SSE_KEEPALIVE
            if client.closed == "unauthorized":
                yield f"event: closed\ndata: {json.dumps({'detail': client.detail})}\n\n"
        finally:
            hub.disconnect(client)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
