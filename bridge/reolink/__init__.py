"""The Reolink camera client: HTTP(S) JSON API, sessions, capabilities, polling and controls.

```python
async with ReolinkClient("192.168.1.10", username="admin", password=pw) as camera:
    caps = await camera.get_capabilities()
    detections = await camera.poll_detections(caps)
    await camera.set_floodlight(0, on=True, brightness=80)
```
Errors: see `bridge.reolink.errors` (the tree is drawn there).
"""

from bridge.reolink.client import ReolinkClient
from bridge.reolink.errors import (
    ApiError,
    AuthenticationError,
    BusyError,
    CameraConnectionError,
    CameraRefusedError,
    CameraTimeoutError,
    CameraUnreachableError,
    NotSupportedError,
    ProtocolError,
    ReolinkError,
)
from bridge.reolink.wire import Reply, Request

__all__ = [
    "ApiError",
    "AuthenticationError",
    "BusyError",
    "CameraConnectionError",
    "CameraRefusedError",
    "CameraTimeoutError",
    "CameraUnreachableError",
    "NotSupportedError",
    "ProtocolError",
    "ReolinkClient",
    "ReolinkError",
    "Reply",
    "Request",
]
