"""A runner's bus, closed the moment its camera's lease is no longer this instance's.

With several instances (leases), each `DeviceRunner` publishes through a `FencedBus`: `publish`
asks `valid()` (the `LeaseKeeper`'s fencing check: held, and renewed recently enough by the
monotonic clock) and drops the message when it says no, calling `on_stale` once per lost lease
so the manager stops the runner at once. A paused process that wakes past its lease's TTL thus
publishes nothing about a camera another instance owns now, not even before its keeper notices.
It also stamps the runner's `DeviceReady` with the instance it runs on (`owner`: its MQTT
availability names that instance's state topic). Everything else (subscribe, drain, close) is
the shared bus's.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from bridge.bus.messages import (
    DEFAULT_QUEUE_SIZE,
    Bus,
    BusMessage,
    DeviceReady,
    Handler,
    Subscription,
)

_LOGGER = logging.getLogger(__name__)


class FencedBus:
    def __init__(
        self,
        bus: Bus,
        name: str,
        valid: Callable[[str], bool],
        *,
        on_stale: Callable[[str], None] | None = None,
        instance: Callable[[], str] | None = None,
    ) -> None:
        """`instance`: this instance's name, read when a `DeviceReady` is published (it is
        settled once the app has started, after the manager was made)."""
        self.bus = bus
        self.name = name
        self._instance = instance
        self._valid = valid
        self._on_stale = on_stale
        self.dropped = 0
        self._warned = False

    @property
    def open(self) -> bool:
        return self._valid(self.name)

    def check(self) -> bool:
        """The lease is valid; when it is not, say so once (log, `on_stale`)."""
        if self._valid(self.name):
            self._warned = False
            return True
        if not self._warned:
            self._warned = True
            _LOGGER.warning(
                "camera %s: its lease is not ours (any more): its runner is fenced", self.name
            )
            if self._on_stale is not None:
                self._on_stale(self.name)
        return False

    def publish(self, message: BusMessage) -> None:
        if self.check():
            if isinstance(message, DeviceReady) and self._instance is not None:
                message = dataclasses.replace(message, owner=self._instance())
            self.bus.publish(message)
        else:
            self.dropped += 1

    def subscribe(
        self, owner: str, handler: Handler, *, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> Subscription:
        return self.bus.subscribe(owner, handler, maxsize=maxsize)

    async def drain(self) -> None:
        await self.bus.drain()

    async def aclose(self) -> None:
        """The shared bus is closed by its owner, not by one runner."""
