"""Errors of the camera client, split by what the caller has to do about them.

```
ReolinkError                      anything the camera client raises on purpose
├── AuthenticationError           bad user/password or account locked (-7 -27 -501 -502 -503 -506):
│                                 stop polling, ask the user for new credentials
├── NotSupportedError             the device cannot do it (-9, "Unknown" command, or the
│                                 capabilities say no: then nothing was sent): hide it, never retry
├── BusyError                     sessions exhausted (-5, -507), device busy (-31), login throttled
│                                 (-105): wait `retry_after` seconds, then try again
├── CameraConnectionError         no usable HTTP exchange: back off, count towards "offline"
│   ├── CameraUnreachableError    connection refused / reset / dropped before an answer
│   └── CameraTimeoutError        no answer within the client's timeout
├── ProtocolError                 an answer, but not the Reolink API (garbage, an HTML page, not
│                                 JSON, wrong number of replies): back off; check host and port
└── ApiError                      the device refused this one command (-4 param error, -99 channel
                                  offline, -48 snapshot failed, …): report it, the session is fine
```

`rsp_code`, `detail` and `cmd` are set whenever the device gave them. No message ever contains a
password or a token (the client redacts URLs before they reach an error).
"""

from __future__ import annotations

from typing import Final

from bridge.reolink.const import (
    RETRY_AFTER_BUSY,
    RETRY_AFTER_FREQUENT_LOGINS,
    RETRY_AFTER_MAX_SESSION,
)

AUTH_CODES: Final = frozenset({-7, -27, -501, -502, -503, -506})
"""login failed, invalid user, user not exist, password err, login deny, login locked."""

MAX_SESSION_CODES: Final = frozenset({-5, -507})
"""max session, logins reached upper limit."""

BUSY_CODE: Final = -31
FREQUENT_LOGINS_CODE: Final = -105
NOT_SUPPORTED_CODE: Final = -9
LOGIN_FIRST_CODE: Final = -6
"""'please login first': the token expired or was dropped; the session logs in again once."""

BATCH_FAILURE_CODES: Final = frozenset({-8, -10})
"""timeout / protocol: some firmwares collapse a whole batch into one error with these."""


class ReolinkError(Exception):
    """Base of every error the camera client raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        rsp_code: int | None = None,
        detail: str | None = None,
        cmd: str | None = None,
    ) -> None:
        super().__init__(message)
        self.rsp_code = rsp_code
        self.detail = detail
        self.cmd = cmd


class AuthenticationError(ReolinkError):
    """The device refused the credentials (or locked the account): ask for new ones."""


class NotSupportedError(ReolinkError):
    """The device or channel does not have this feature."""


class BusyError(ReolinkError):
    """The device cannot take this now; `retry_after` is a hint in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        rsp_code: int | None = None,
        detail: str | None = None,
        cmd: str | None = None,
    ) -> None:
        super().__init__(message, rsp_code=rsp_code, detail=detail, cmd=cmd)
        self.retry_after = retry_after


class CameraConnectionError(ReolinkError):
    """No usable HTTP exchange with the device."""


class CameraUnreachableError(CameraConnectionError):
    """Connection refused, reset, or closed before the device answered."""


class CameraTimeoutError(CameraConnectionError):
    """The device did not answer within the timeout."""


class ProtocolError(ReolinkError):
    """The device answered, but not in the Reolink API's shape."""


class ApiError(ReolinkError):
    """The device refused one command with a negative `rsp_code`."""

    def __init__(self, rsp_code: int | None, detail: str | None, cmd: str | None) -> None:
        super().__init__(
            f"{cmd or 'command'} failed: {detail or 'error'} ({rsp_code})",
            rsp_code=rsp_code,
            detail=detail,
            cmd=cmd,
        )


def error_for(rsp_code: int | None, detail: str | None, cmd: str | None) -> ReolinkError:
    """The typed error for a device's error answer to `cmd` (returned, not raised)."""
    what = f"{cmd or 'command'}: {detail or 'error'} ({rsp_code})"
    if rsp_code in AUTH_CODES:
        return AuthenticationError(
            f"login refused: {detail or 'error'} ({rsp_code})",
            rsp_code=rsp_code,
            detail=detail,
            cmd=cmd,
        )
    if rsp_code == NOT_SUPPORTED_CODE:
        return NotSupportedError(
            f"not supported by the device: {what}", rsp_code=rsp_code, detail=detail, cmd=cmd
        )
    busy = {
        **dict.fromkeys(MAX_SESSION_CODES, ("no free session", RETRY_AFTER_MAX_SESSION)),
        FREQUENT_LOGINS_CODE: ("login throttled", RETRY_AFTER_FREQUENT_LOGINS),
        BUSY_CODE: ("device busy", RETRY_AFTER_BUSY),
    }
    if rsp_code in busy:
        reason, retry_after = busy[rsp_code]
        return BusyError(
            f"{reason}: {what}", retry_after=retry_after, rsp_code=rsp_code, detail=detail, cmd=cmd
        )
    if rsp_code is None:
        return ProtocolError(
            f"malformed reply to {cmd or 'command'}: {detail or '?'}", detail=detail, cmd=cmd
        )
    return ApiError(rsp_code, detail, cmd)
