"""Errors of the Baichuan client, placed in the camera client's tree (`bridge.reolink.errors`).

```
ReolinkError
├── AuthenticationError            login refused (status 401, or 400 / 406 to the login itself)
├── CameraConnectionError
│   ├── CameraUnreachableError
│   │   └── BaichuanConnectionClosed    the device (or the network) closed the connection
│   └── CameraTimeoutError
│       └── BaichuanTimeout             no answer in time: connect, a request, or the keepalive
├── ProtocolError
│   └── BaichuanProtocolError      garbage, a truncated or oversized frame, undecodable XML
└── ApiError
    └── BaichuanStatusError        the device answered a request with a status other than 200
```

A `BaichuanProtocolError` always ends the connection: once a frame is wrong, the byte stream
cannot be re-synchronised reliably.
"""

from __future__ import annotations

from bridge.reolink.errors import (
    ApiError,
    CameraTimeoutError,
    CameraUnreachableError,
    ProtocolError,
)


class BaichuanProtocolError(ProtocolError):
    """Bytes that are not the Baichuan protocol (bad magic, unknown class, oversized, bad XML)."""


class BaichuanConnectionClosed(CameraUnreachableError):
    """The connection ended (closed by the device, reset, or refused)."""


class BaichuanTimeout(CameraTimeoutError):
    """The device did not answer in time (connect, a request, or the keepalive)."""


class BaichuanStatusError(ApiError):
    """The device answered a request with a status code other than 200."""

    def __init__(self, status: int, cmd_id: int) -> None:
        super().__init__(status, f"status {status}", f"Baichuan message {cmd_id}")
        self.status = status
        self.cmd_id = cmd_id
