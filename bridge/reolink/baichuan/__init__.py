"""Baichuan: Reolink's native TCP protocol (port 9000), the subset that pushes alarms.

```python
from bridge.reolink.baichuan import BaichuanClient

async with BaichuanClient(host, port, username="admin", password=pw) as client:
    await client.subscribe()
    async for event in client.events():  # DetectionEvent(channel, detection, active)
        ...
```

Modules: `const` (numbers), `header` (the 20/24-byte header), `framing` (messages on a
stream, the length bound), `crypto` (BC XOR, AES-128-CFB, the login hashes), `xmlbody` (the
XML documents), `handshake` (the login), `events` (alarm pushes → detection events),
`client` (the asyncio client), `errors`. The simulator's device side uses the same codec.
See docs/baichuan.md.
"""

from bridge.reolink.baichuan.client import BaichuanClient
from bridge.reolink.baichuan.const import DEFAULT_PORT, MessageId
from bridge.reolink.baichuan.crypto import Encryption
from bridge.reolink.baichuan.errors import (
    BaichuanConnectionClosed,
    BaichuanProtocolError,
    BaichuanStatusError,
    BaichuanTimeout,
)
from bridge.reolink.baichuan.events import ChannelAlarm, DetectionEvent
from bridge.reolink.baichuan.xmlbody import DeviceInfo

__all__ = [
    "DEFAULT_PORT",
    "BaichuanClient",
    "BaichuanConnectionClosed",
    "BaichuanProtocolError",
    "BaichuanStatusError",
    "BaichuanTimeout",
    "ChannelAlarm",
    "DetectionEvent",
    "DeviceInfo",
    "Encryption",
    "MessageId",
]
