"""Commands from HTTP and WebSocket: over the bus, answered as MQTT answers them.

Every REST command route answers with the HTTP status of the result's code (`HTTP_STATUS`, the
one table): `POST /cameras/{id}/set` and `…/set/{attribute}` with the `CommandResult` MQTT's
`/response` carries; the convenience routes (`/siren`, `/reboot`, `/ptz/…`, `/led`, config
`PUT`) with the same object on success and, on failure, `{"detail": <error>}` beside the
result's fields.

Every command counts against the caller's actuator rate limit (`server.actuator_rate_per_minute`,
per token) except a safety-off (`Command.is_safety_off`: siren off, PTZ stop, floodlight off),
which no rate limit may refuse: an owner silencing a siren after a burst must get through.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import ConfigDict

from bridge.api.deps import ApiState
from bridge.api.security import Principal
from bridge.domain.commands import Command, CommandResult, CommandStatus
from bridge.domain.errors import ResultCode
from bridge.store import CommandSource

HTTP_STATUS: MappingProxyType[ResultCode, int] = MappingProxyType(
    {
        ResultCode.OK: 200,
        ResultCode.INVALID: 422,
        ResultCode.UNKNOWN_CAMERA: 404,
        ResultCode.OFFLINE: 409,
        ResultCode.NOT_SUPPORTED: 409,
        ResultCode.RATE_LIMITED: 429,
        ResultCode.REFUSED: 409,
        ResultCode.TIMEOUT: 504,
        ResultCode.CAMERA_ERROR: 502,
        ResultCode.INTERNAL: 500,
    }
)
"""The HTTP status of every result code: the one table every REST command route answers from
(and the API's error handler, for a `DomainError` raised by a route)."""


def http_status(result: CommandResult) -> int:
    if result.status is CommandStatus.ERROR and result.code is ResultCode.OK:
        return HTTP_STATUS[ResultCode.INTERNAL]  # a failure that names no code
    return HTTP_STATUS[result.code]


class CommandFailure(CommandResult):
    """A convenience route's failed command: `detail` (as every API error) and the result."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "detail": "not supported by this camera: ptz left",
                    "status": "error",
                    "code": "not_supported",
                    "camera_id": "front_door",
                    "error": "not supported by this camera: ptz left",
                }
            ]
        }
    )
    detail: str


class CommandFailed(Exception):
    """Raised by a route whose success answer is not the result (config `PUT`): the error
    handler answers `checked_response(result)`."""

    def __init__(self, result: CommandResult) -> None:
        super().__init__(result.error)
        self.result = result


def result_payload(result: CommandResult) -> dict[str, Any]:
    """The `/response` payload, byte for byte as MQTT publishes it."""
    return result.model_dump(mode="json", exclude_none=True)


def result_response(result: CommandResult) -> JSONResponse:
    """The result, with its code's HTTP status (`/set`, `/set/{attribute}`)."""
    return JSONResponse(result_payload(result), status_code=http_status(result))


def checked_response(result: CommandResult) -> JSONResponse:
    """The result on success; on failure `{"detail": <error>, …the result}` (convenience
    routes: `detail` as every other API error), with its code's HTTP status."""
    body = result_payload(result)
    if result.status is CommandStatus.ERROR:
        body = {"detail": result.error or "command failed", **body}
    return JSONResponse(body, status_code=http_status(result))


async def dispatch(
    state: ApiState,
    camera_id: str,
    command: Command,
    principal: Principal,
    *,
    source: CommandSource = "rest",
) -> CommandResult:
    """The command over the bus. Raises `UnknownCamera` (404) before anything is recorded,
    `RateLimited` (429) past the caller's limit."""
    state.ctx.manager.resolve(camera_id)
    if not command.is_safety_off:
        state.actuator_limiter.hit(principal.key)
    return await state.ctx.commands.request(camera_id, command, source=source, who=principal.who)


async def run_checked(
    state: ApiState, camera_id: str, command: Command, principal: Principal
) -> JSONResponse:
    """Dispatch; the result, with its code's HTTP status (`checked_response`)."""
    return checked_response(await dispatch(state, camera_id, command, principal))
