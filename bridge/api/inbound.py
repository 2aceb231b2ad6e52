"""What a WebSocket client sends: MQTT-like publishes, and the renewal of its session's token.

- `{"topic": "<camera_id>/set", "payload": {…Command…}}` (or `<camera_id>/set/<attribute>` with
  a plain value) → `{"topic": "<base>/<camera_id>/response", "payload": {…CommandResult…}}`;
  needs `control`.
- `{"topic": "<camera_id>/get"}` → the camera's state frame again.
- `{"topic": "bridge/request/<action>", "payload": {…}}` → `<base>/bridge/response/<action>`;
  needs `request_scope(action)` and counts against the rate limit, as over REST.
- `{"auth": "<token>"}` → `{"auth": "ok", "scope", "expires_at"}` or
  `{"auth": "refused", "error"}`: the session goes on with a fresh token of the same holder.

Topics may carry the base topic (`reolink/front_door/set`) or not (`front_door/set`). The token is
re-checked before every message is acted on; a session whose token no longer holds is closed.
At most `MAX_IN_FLIGHT` messages of one connection are handled at once: while that many run, the
connection is not read (backpressure), so a flood queues nowhere but in the client's socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from bridge import safejson
from bridge.api.commanding import dispatch, result_payload
from bridge.api.deps import ApiState
from bridge.api.live import LiveClient, encode_frame
from bridge.api.ratelimit import RateLimited
from bridge.api.routers.system import handle_request, refused_request
from bridge.api.scopes import allows, refusal, request_scope
from bridge.api.security import AuthError, Principal
from bridge.api.sessions import LiveSession
from bridge.domain.commands import CommandResult, parse_command, transaction_of
from bridge.domain.errors import DomainError, ResultCode
from bridge.store import StoreError
from bridge.topics.tree import CameraTopic

_LOGGER = logging.getLogger(__name__)

MAX_INBOUND = 16_384
"""Bytes of one inbound WebSocket message (as MQTT's command limit)."""
MAX_IN_FLIGHT = 8
"""Messages of one connection handled at once; the connection is not read while this many run."""


def _error(text: str) -> str:
    return json.dumps({"error": text})


async def receive(
    websocket: WebSocket, state: ApiState, session: LiveSession, client: LiveClient
) -> None:
    """Read the client's messages until it goes, handling up to `MAX_IN_FLIGHT` at once."""
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()

    def finished(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        slots.release()

    try:
        while True:
            await slots.acquire()
            try:
                message = await websocket.receive()
            except BaseException:
                slots.release()
                raise
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            text = message.get("text")
            if text is None:
                slots.release()
                client.offer(_error("send JSON in text frames"))
                continue
            task = asyncio.get_running_loop().create_task(handle(state, session, client, text))
            tasks.add(task)
            task.add_done_callback(finished)
    except (WebSocketDisconnect, RuntimeError):
        client.close("disconnected")
    finally:
        for task in tasks:
            task.cancel()


async def handle(state: ApiState, session: LiveSession, client: LiveClient, text: str) -> None:
    """One inbound message; every failure becomes an error frame (never a lost task error)."""
    try:
        await _handle(state, session, client, text)
    except Exception:
        _LOGGER.exception("WebSocket message failed")
        client.offer(_error("internal error"))


async def _handle(state: ApiState, session: LiveSession, client: LiveClient, text: str) -> None:
    if len(text) > MAX_INBOUND:
        client.offer(_error(f"message larger than {MAX_INBOUND} bytes"))
        return
    try:
        message = safejson.loads(text)
    except ValueError as err:  # not JSON, or nested too deep
        client.offer(_error(str(err)))
        return
    if isinstance(message, dict) and "auth" in message:
        await _renew(session, client, message["auth"])
        return
    if not isinstance(message, dict) or not isinstance(message.get("topic"), str):
        client.offer(_error('send {"topic": "<camera_id>/set", "payload": {…}}'))
        return
    if not await session.check():
        client.close("unauthorized", session.ended)
        return
    await _publish(state, session.principal, client, message["topic"], message.get("payload"))


async def _renew(session: LiveSession, client: LiveClient, token: Any) -> None:
    if not isinstance(token, str) or not token:
        client.offer(json.dumps({"auth": "refused", "error": 'send {"auth": "<token>"}'}))
        return
    try:
        principal = await session.renew(token)
    except (AuthError, StoreError) as err:
        client.offer(json.dumps({"auth": "refused", "error": str(err)}))
        return
    expires = principal.expires_at
    answer = {
        "auth": "ok",
        "scope": principal.scope,
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat() if expires else None,
    }
    client.offer(json.dumps(answer))


async def _publish(
    state: ApiState, principal: Principal, client: LiveClient, raw_topic: str, payload: Any
) -> None:
    topics = state.ctx.topics
    topic = raw_topic.strip("/")
    if not topic.startswith(topics.base + "/"):
        topic = f"{topics.base}/{topic}"
    action = topics.bridge_request_action(topic)
    if action is not None:
        body = dict(payload) if isinstance(payload, dict) else {}
        response = await _bridge_request(state, principal, action, body)
        client.offer(encode_frame(topics.bridge_response(action), response))
        return
    parsed = topics.parse_command(topic)
    if parsed is None:
        client.offer(_error(f"cannot publish to {raw_topic!r}"))
        return
    camera_id = parsed.camera_id
    if parsed.kind is CameraTopic.GET:
        cached = await state.ctx.cache.get_state(camera_id)
        if cached is not None:
            client.offer(encode_frame(topics.state(camera_id), cached.payload()))
        return
    result = await _command(state, principal, camera_id, parsed.attribute, payload)
    client.offer(encode_frame(topics.response(camera_id), result_payload(result)))


async def _bridge_request(
    state: ApiState, principal: Principal, action: str, body: dict[str, Any]
) -> dict[str, Any]:
    """As `POST /bridge/request/{action}`: the action's scope, the rate limit, the handler."""
    need = request_scope(action)
    if not allows(principal.scope, need):
        return refused_request(body, refusal(f"bridge request {action}", need, principal.scope))
    try:
        state.actuator_limiter.hit(principal.key)
    except RateLimited as err:
        return refused_request(body, str(err))
    return await handle_request(state.ctx, action, body)


async def _command(
    state: ApiState, principal: Principal, camera_id: str, attribute: str | None, payload: Any
) -> CommandResult:
    """Parse as every face parses `/set` and `/set/<attribute>`, then over the bus."""
    transaction = transaction_of(payload)
    if not allows(principal.scope, "control"):
        return CommandResult.failed(
            camera_id,
            transaction,
            refusal("a command", "control", principal.scope),
            ResultCode.REFUSED,
        )
    try:
        command = parse_command(payload, attribute)
        return await dispatch(state, camera_id, command, principal, source="ws")
    except DomainError as err:  # invalid, unknown camera: answered like MQTT answers them
        return CommandResult.failed(camera_id, transaction, str(err), err.code)
    except RateLimited as err:
        return CommandResult.failed(camera_id, transaction, str(err), ResultCode.RATE_LIMITED)
