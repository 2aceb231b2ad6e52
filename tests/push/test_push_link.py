"""`PushLink` alone: its backoff policy. A device that drops every connection right after the
subscription is not reconnected (and reconciled) every second."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from typing import Any

from bridge.domain.camera import Camera
from bridge.pipeline.push import PushLink, PushState
from bridge.reolink.baichuan import BaichuanConnectionClosed, DetectionEvent


class _Dropping:
    """Logs in and subscribes, then the connection ends at once (as a flaky device's)."""

    def __init__(self) -> None:
        self.closed = False

    async def connect(self) -> None:
        return None

    async def subscribe(self) -> None:
        return None

    async def events(self) -> AsyncIterator[DetectionEvent]:
        raise BaichuanConnectionClosed("Baichuan 127.0.0.1:9000: connection reset")
        yield  # pragma: no cover  (an async generator)

    async def close(self) -> None:
        self.closed = True


async def test_a_connection_dropped_at_once_backs_off() -> None:
    changes: list[bool] = []
    clients: list[_Dropping] = []
    connected_at: list[float] = []
    loop = asyncio.get_running_loop()

    def factory(*_: Any) -> Any:
        clients.append(_Dropping())
        connected_at.append(loop.time())
        return clients[-1]

    camera = Camera(id="flaky", host="127.0.0.1")
    link = PushLink(
        camera,
        on_event=lambda event: None,
        on_change=changes.append,
        timeout=1.0,
        keepalive=10.0,
        retry_max=60.0,
        client_factory=factory,
    )
    link.start(lambda: None)
    async with asyncio.timeout(15):
        while len(clients) < 3:
            await asyncio.sleep(0.05)
    await link.stop()
    # The delays between connections are drawn from [0.5, 1], [0.5, 2], [0.5, 4]: never under
    # 0.5 s (a loaded machine only makes them longer), where no backoff would reconnect at once;
    # and a connection dropped at once does not reset the backoff, so the ceiling keeps growing.
    gaps = [b - a for a, b in itertools.pairwise(connected_at)]
    assert all(gap >= 0.5 - 0.01 for gap in gaps), gaps
    assert link._backoff.attempts >= len(gaps)
    assert all(c.closed for c in clients)
    assert link.connects == len(clients)
    assert changes == [True, False] * len(clients)
    assert link.state is PushState.CONNECTING  # stopped quietly
    assert link.port == 9000  # nothing reported, nothing configured
