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
│   ├── CameraTimeoutError        no answer within the client's timeout
│   └── CameraRefusedError        the address is outside security.camera_networks: not contacted
├── ProtocolError                 an answer, but not the Reolink API (garbage, an HTML page, not
│                                 JSON, wrong number of replies): back off; check host and port
└── ApiError                      the device refused this one command (-4 param error, -99 channel
                                  offline, -48 snapshot failed, …): report it, the session is fine
```

`rsp_code`, `detail` and `cmd` are set whenever the device gave them. No message ever contains a
password or a token (the client redacts URLs before they reach an error), nor anything the device
sent: a message names a code by our own words (`RSP_CODES`), a bad reply by its size and type.
Messages reach `/cameras/{id}/status`, `health_check` and command results, and a camera added at
run time is whatever address its author chose: quoting replies would read internal services back.
`detail` keeps the device's own text for code that needs it; it is never put in a message.
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

RSP_CODES: Final[dict[int, str]] = {
    -1: "missing parameter",
    -4: "parameter error",
    -5: "max session",
    -6: "please login first",
    -7: "login failed",
    -8: "timeout",
    -9: "not supported",
    -10: "protocol error",
    -12: "get config failed",
    -13: "set config failed",
    -16: "send failed",
    -17: "receive failed",
    -21: "token error",
    -26: "no permission",
    -27: "invalid user",
    -31: "device busy",
    -48: "snapshot failed",
    -49: "channel invalid",
    -99: "device offline",
    -105: "frequent logins",
    -220: "download error",
    -221: "busy recording task",
    -222: "file does not exist",
    -501: "user does not exist",
    -502: "wrong password",
    -503: "login denied",
    -506: "login locked",
    -507: "logins reached the upper limit",
}
"""What a response code means, in our words: messages use these, never the device's `detail`."""


def meaning(rsp_code: int | None) -> str:
    return RSP_CODES.get(rsp_code, "error") if rsp_code is not None else "error"


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


class CameraRefusedError(CameraConnectionError):
    """The host is (or now resolves to) an address the bridge may not connect to."""


class ProtocolError(ReolinkError):
    """The device answered, but not in the Reolink API's shape."""


class ApiError(ReolinkError):
    """The device refused one command with a negative `rsp_code`."""

    def __init__(self, rsp_code: int | None, detail: str | None, cmd: str | None) -> None:
        super().__init__(
            f"{cmd or 'command'} failed: {meaning(rsp_code)} ({rsp_code})",
            rsp_code=rsp_code,
            detail=detail,
            cmd=cmd,
        )


def error_for(rsp_code: int | None, detail: str | None, cmd: str | None) -> ReolinkError:
    """The typed error for a device's error answer to `cmd` (returned, not raised)."""
    what = f"{cmd or 'command'}: {meaning(rsp_code)} ({rsp_code})"
    if rsp_code in AUTH_CODES:
        return AuthenticationError(
            f"login refused: {meaning(rsp_code)} ({rsp_code})",
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
        return ProtocolError(f"malformed reply to {cmd or 'command'}", detail=detail, cmd=cmd)
    return ApiError(rsp_code, detail, cmd)
