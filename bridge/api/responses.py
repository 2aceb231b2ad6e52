"""The error answers routes declare in the OpenAPI document (all `{"detail": …}`)."""

from __future__ import annotations

from typing import Any

from bridge.api.schemas import ErrorResponse

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
UNAVAILABLE = _answer(503, "The store or the cache is unreachable")

CAMERA: Responses = {**NOT_FOUND}
ACTUATOR: Responses = {**NOT_FOUND, **CONFLICT, **RATE_LIMITED, **BAD_GATEWAY, **UNAVAILABLE}
