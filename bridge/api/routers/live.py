"""`WS /ws/events`, `WS /ws/cameras/{id}/events`, `GET /sse/events`: MQTT messages, live.

A client first gets the retained availability and state of every camera (from the state cache),
then every live message. A WebSocket client may also send what it would publish on MQTT:

- `{"topic": "<camera_id>/set", "payload": {…Command…}}` (or `<camera_id>/set/<attribute>` with
  a plain value) → `{"topic": "<base>/<camera_id>/response", "payload": {…CommandResult…}}`
- `{"topic": "<camera_id>/get"}` → the camera's state frame again
- `{"topic": "bridge/request/<action>", "payload": {…}}` → `<base>/bridge/response/<action>`

Topics may carry the base topic (`reolink/front_door/set`) or not (`front_door/set`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from bridge.api.commanding import dispatch, result_payload
from bridge.api.deps import ApiState, CurrentPrincipal, State, api_state
from bridge.api.live import LiveClient, encode_frame
from bridge.api.routers.cameras import CameraIdPath
from bridge.api.routers.system import handle_request
from bridge.api.security import Principal
from bridge.models import Command, CommandResult
from bridge.mqtt.topics import CameraTopic

router = APIRouter(tags=["live"])

SEND_TIMEOUT = 10.0
"""Seconds one WebSocket send may take before the client counts as stuck and is dropped."""
SSE_KEEPALIVE = 15.0
"""Seconds between SSE comment lines when nothing happens (keeps proxies from closing)."""
MAX_INBOUND = 16_384
"""Bytes of one inbound WebSocket message (as MQTT's command limit)."""


@router.websocket("/ws/events")
async def ws_events(websocket: WebSocket, principal: CurrentPrincipal) -> None:
    await _serve_ws(websocket, principal, None)


@router.websocket("/ws/cameras/{camera_id}/events")
async def ws_camera_events(
    websocket: WebSocket, camera_id: CameraIdPath, principal: CurrentPrincipal
) -> None:
    await _serve_ws(websocket, principal, camera_id)


async def _serve_ws(websocket: WebSocket, principal: Principal, camera_id: str | None) -> None:
    state = api_state(websocket)
    hub = state.hub
    await websocket.accept()
    client = hub.connect("ws", camera_id)
    receiver = asyncio.get_running_loop().create_task(_receive(websocket, state, principal, client))
    try:
        for text in await hub.retained(camera_id):
            client.offer(text)
        while client.closed is None:
            batch = await client.next_batch()
            for text in batch:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await websocket.send_text(text)
                client.sent += 1
        if client.closed == "overflow":
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await websocket.close(code=1013, reason="too slow: reconnect")
        elif client.closed == "shutdown":
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await websocket.close(code=1001, reason="server shutting down")
    except (WebSocketDisconnect, TimeoutError, RuntimeError, OSError):
        pass  # gone or stuck: nothing to tell it
    finally:
        receiver.cancel()
        hub.disconnect(client)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


async def _receive(
    websocket: WebSocket, state: ApiState, principal: Principal, client: LiveClient
) -> None:
    tasks: set[asyncio.Task[None]] = set()
    try:
        while True:
            text = await websocket.receive_text()
            if len(text) > MAX_INBOUND:
                client.offer(json.dumps({"error": f"message larger than {MAX_INBOUND} bytes"}))
                continue
            task = asyncio.get_running_loop().create_task(
                _handle_inbound(state, principal, client, text)
            )
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    except (WebSocketDisconnect, RuntimeError, KeyError):
        client.close("disconnected")
    finally:
        for task in tasks:
            task.cancel()


async def _handle_inbound(
    state: ApiState, principal: Principal, client: LiveClient, text: str
) -> None:
    topics = state.ctx.topics
    try:
        message = json.loads(text)
        if not isinstance(message, dict) or not isinstance(message.get("topic"), str):
            raise ValueError('send {"topic": "<camera_id>/set", "payload": {…}}')
    except ValueError as err:
        client.offer(json.dumps({"error": str(err)}))
        return
    topic: str = message["topic"].strip("/")
    if not topic.startswith(topics.base + "/"):
        topic = f"{topics.base}/{topic}"
    payload = message.get("payload")
    action = topics.bridge_request_action(topic)
    if action is not None:
        body = payload if isinstance(payload, dict) else {}
        response = await handle_request(state.ctx, action, dict(body))
        client.offer(encode_frame(topics.bridge_response(action), response))
        return
    parsed = topics.parse_command(topic)
    if parsed is None:
        client.offer(json.dumps({"error": f"cannot publish to {message['topic']!r}"}))
        return
    camera_id = parsed.camera_id
    if parsed.kind is CameraTopic.GET:
        cached = await state.ctx.cache.get_state(camera_id)
        if cached is not None:
            client.offer(encode_frame(topics.state(camera_id), cached.payload()))
        return
    result = await _command(state, principal, camera_id, parsed.attribute, payload)
    client.offer(encode_frame(topics.response(camera_id), result_payload(result)))


async def _command(
    state: ApiState, principal: Principal, camera_id: str, attribute: str | None, payload: Any
) -> CommandResult:
    """Parse as MQTT parses `/set` and `/set/<attribute>`, then the one dispatcher."""
    transaction: str | None = None
    try:
        if attribute is None:
            if not isinstance(payload, dict):
                raise ValueError("the command must be a JSON object")
            raw = payload.get("transaction")
            transaction = raw if isinstance(raw, str) else None
            command = Command.model_validate(payload)
        else:
            if isinstance(payload, dict):
                raw = payload.get("transaction")
                transaction = raw if isinstance(raw, str) else None
                payload = payload.get("value")
            command = Command.from_attribute(attribute, str(payload), transaction)
    except ValidationError as err:
        parts = [
            f"{'.'.join(str(p) for p in item['loc']) or 'command'}: {item['msg']}"
            for item in err.errors(include_url=False)
        ]
        return CommandResult.failed(camera_id, transaction, "invalid command: " + "; ".join(parts))
    except ValueError as err:
        return CommandResult.failed(camera_id, transaction, str(err))
    try:
        state.actuator_limiter.hit(principal.key)
        return await dispatch(state.ctx, camera_id, command, principal, source="ws")
    except Exception as err:  # unknown camera, rate limit: answered like MQTT answers them
        return CommandResult.failed(camera_id, command.transaction, str(err))


@router.get(
    "/sse/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`data:` frames"}},
    summary="Server-sent events: retained states, then live MQTT messages",
    description='Each event\'s `data` is one JSON frame `{"topic", "payload"}`, the MQTT '
    "message. Browsers' EventSource cannot send headers: pass the token as `?token=`.",
)
async def sse_events(
    state: State,
    camera_id: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="One camera only")
    ] = None,
) -> StreamingResponse:
    hub = state.hub

    async def stream() -> AsyncIterator[str]:
        client = hub.connect("sse", camera_id)
        try:
            retained = await hub.retained(camera_id)
            yield "retry: 2000\n\n" + "".join(f"data: {text}\n\n" for text in retained)
            while client.closed is None:
                batch = await client.next_batch(SSE_KEEPALIVE)
                if batch:
                    client.sent += len(batch)
                    yield "".join(f"data: {text}\n\n" for text in batch)
                elif client.closed is None:
                    yield ": keep-alive\n\n"
        finally:
            hub.disconnect(client)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
