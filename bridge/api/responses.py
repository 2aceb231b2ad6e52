"""The error answers routes declare in the OpenAPI document (all with `{"detail": …}`; a failed
command's also with the `CommandResult`, `/set`'s the `CommandResult` alone)."""

from __future__ import annotations

from typing import Any

from bridge.api.commanding import CommandFailure
from bridge.api.schemas import ErrorResponse
from bridge.domain.commands import CommandResult

Responses = dict[int | str, dict[str, Any]]


def _answer(code: int, description: str) -> Responses:
    return {code: {"model": ErrorResponse, "description": description}}


BAD_REQUEST = _answer(400, "The body is not JSON, or a cursor is not one this API gave")
UNAUTHORIZED = _answer(401, "No token, or a wrong, expired or revoked one")
NOT_FOUND = _answer(404, "No such camera, event or token")
CONFLICT = _answer(
    409, "Conflicts with the current state (duplicate id, camera offline, refused command)"
)
RATE_LIMITED = _answer(429, "Too many requests: see Retry-After")
BAD_GATEWAY = _answer(502, "The camera answered with an error")
TIMEOUT = _answer(504, "The camera's instance did not answer in time (code `timeout`)")
UNAVAILABLE = _answer(503, "The store or the cache is unreachable")

CAMERA: Responses = {**NOT_FOUND}


def _result(code: int, description: str, *, or_error: bool = False) -> Responses:
    model: Any = CommandResult | ErrorResponse if or_error else CommandResult
    return {code: {"model": model, "description": description}}


def _failure(answers: Responses) -> Responses:
    """The same answers, each either `{"detail"}` or a failed command (`detail` + the result)."""
    model: Any = ErrorResponse | CommandFailure
    return {code: {**answer, "model": model} for code, answer in answers.items()}


ACTUATOR: Responses = {
    **_failure(
        {
            **NOT_FOUND,
            **CONFLICT,
            **_answer(422, "Not a command: a malformed body, or code `invalid`"),
            **RATE_LIMITED,
            **BAD_GATEWAY,
            **TIMEOUT,
        }
    ),
    **UNAVAILABLE,
}
"""A convenience command route (and config `PUT`): a failed command is `{"detail": …}` with the
result's fields, with the HTTP status of its code."""


COMMAND: Responses = {
    **_result(404, "No such camera (`{detail}` before anything ran)", or_error=True),
    **_result(409, "Refused (code `not_supported`, `offline`, `refused`)"),
    **_result(422, "Not a command (code `invalid`; a malformed body: `{detail}`)", or_error=True),
    **_result(
        429, "Too many commands (code `rate_limited`; the token's limit: `{detail}`)", or_error=True
    ),
    **_result(502, "The camera failed the command (code `camera_error`)"),
    **_result(504, "The camera's instance did not answer in time (code `timeout`)"),
}
"""`/set` and `/set/{attribute}`: the `CommandResult` with its code's status (an error the API
itself raises before the command is sent is `{"detail": …}`)."""
