"""Commands from HTTP and WebSocket: through the one dispatcher, answered as MQTT answers them.

`POST /cameras/{id}/set` (the mirror) always answers 200 with the `CommandResult` MQTT's
`/response` carries, `status: "error"` included. The convenience routes (`/siren`, `/reboot`,
`/ptz/…`, `/led`, config `PUT`) answer the same object on success and, on failure, an HTTP
error whose status says what happened (`result_status`).

Every command counts against the caller's actuator rate limit (`server.actuator_rate_per_minute`,
per token) except a safety-off (`Command.is_safety_off`: siren off, PTZ stop, floodlight off),
which no rate limit may refuse: an owner silencing a siren after a burst must get through.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.responses import JSONResponse

from bridge.api.deps import ApiState
from bridge.api.security import Principal
from bridge.domain.commands import Command, CommandResult, CommandStatus
from bridge.store import CommandSource


def result_payload(result: CommandResult) -> dict[str, Any]:
    """The `/response` payload, byte for byte as MQTT publishes it."""
    return result.model_dump(mode="json", exclude_none=True)


def result_response(result: CommandResult) -> JSONResponse:
    return JSONResponse(result_payload(result))


async def dispatch(
    state: ApiState,
    camera_id: str,
    command: Command,
    principal: Principal,
    *,
    source: CommandSource = "rest",
) -> CommandResult:
    """Raises `UnknownCamera` (404) before anything is recorded, `RateLimited` (429)."""
    state.ctx.manager.resolve(camera_id)
    if not command.is_safety_off:
        state.actuator_limiter.hit(principal.key)
    return await state.ctx.dispatcher.dispatch(camera_id, command, source=source, who=principal.who)


def result_status(result: CommandResult) -> int:
    """The HTTP status for a failed result (the dispatcher reports failures as text)."""
    error = (result.error or "").lower()
    if error.startswith("rate limit"):
        return 429
    if error.startswith("camera error"):
        return 502
    if error.startswith("no camera"):
        return 404
    return 409


async def run_checked(
    state: ApiState, camera_id: str, command: Command, principal: Principal
) -> JSONResponse:
    """Dispatch; the result on success, an HTTP error (with the result's message) otherwise."""
    result = await dispatch(state, camera_id, command, principal)
    if result.status is CommandStatus.ERROR:
        raise HTTPException(result_status(result), result.error or "command failed")
    return result_response(result)
