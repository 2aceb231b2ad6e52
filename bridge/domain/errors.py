"""The errors of the domain, each with the `ResultCode` a command result carries for it.

Every interface reports a failed command with the same code (`CommandResult.code`), and the API
turns the code into its HTTP status from one table (`bridge.api.commanding`), never from the
wording of a message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ResultCode(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    """The command is malformed or names nothing the table knows."""
    UNKNOWN_CAMERA = "unknown_camera"
    OFFLINE = "offline"
    """The camera is offline, disabled, or has not connected yet."""
    NOT_SUPPORTED = "not_supported"
    """The camera lacks the feature; nothing was sent."""
    RATE_LIMITED = "rate_limited"
    REFUSED = "refused"
    """Valid, but may not run (a safety rail: the siren's maximum duration, an NVR itself …)."""
    TIMEOUT = "timeout"
    """No instance answered in time (the camera's runner, over the bus)."""
    CAMERA_ERROR = "camera_error"
    """The camera refused or failed the command."""
    INTERNAL = "internal"


class DomainError(Exception):
    """The root of the errors a command (or a bridge request) can end in; `code` says which.

    Every error of the bridge's own rules derives from it (`InvalidCommand`, `UnknownCamera`,
    `CameraOffline`, `CommandRefused` and theirs; outside the domain: `DuplicateCamera`,
    `CameraRejected`, `ConfigFileCamera`, `RequestError`), so a face turns any of them into a
    result code, and the API into the HTTP status of that code."""

    code: ClassVar[ResultCode] = ResultCode.INTERNAL


class InvalidCommand(DomainError, ValueError):
    code = ResultCode.INVALID


class UnknownCamera(DomainError, LookupError):
    code = ResultCode.UNKNOWN_CAMERA


class CameraOffline(DomainError):
    code = ResultCode.OFFLINE


class CommandRefused(DomainError):
    """The command is valid but may not run now (a safety rail)."""

    code = ResultCode.REFUSED


class FeatureNotSupported(CommandRefused):
    """The camera's capabilities lack what the command needs; nothing was sent."""

    code = ResultCode.NOT_SUPPORTED


class RateLimited(CommandRefused):
    code = ResultCode.RATE_LIMITED


class CommandTimeout(DomainError, TimeoutError):
    code = ResultCode.TIMEOUT
