"""A runner's bus, closed the moment its camera's lease is no longer this instance's.

With several instances (leases), each `DeviceRunner` publishes through a `FencedBus`: `publish`
asks `valid()` (the `LeaseKeeper`'s fencing check: held, and renewed recently enough by the
monotonic clock) and drops the message when it says no, calling `on_stale` once per lost lease
so the manager stops the runner at once. A paused process that wakes past its lease's TTL thus
publishes nothing about a camera another instance owns now, not even before its keeper notices.
It also stamps the runner's `DeviceReady` with the instance it runs on (`owner`: its MQTT
availability names that instance's state topic). Everything else (subscribe, drain, close) is
the shared bus's.

Each event it lets through is stamped with the lease's generation (`generation(name)`, the
keeper's: `EventFence`), so that a `start` that reaches the store only after another instance
took the camera over (it waited in this instance's outbox or spool) is refused there.
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
    EventRaised,
    Handler,
    Subscription,
)
from bridge.domain.events import EventFence

_LOGGER = logging.getLogger(__name__)


class FencedBus:
    def __init__(
        self,
        bus: Bus,
        name: str,
        valid: Callable[[str], bool],
        *,
        on_stale: Callable[[str], None] | None = None,
        generation: Callable[[str], int | None] | None = None,
        instance: Callable[[], str] | None = None,
    ) -> None:
        """`instance`: this instance's name, read when a `DeviceReady` is published (it is
        settled once the app has started, after the manager was made)."""
        self.bus = bus
        self.name = name
        self._instance = instance
        self._valid = valid
        self._on_stale = on_stale
        self._generation = generation
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
            self.bus.publish(self._stamped(message))
        else:
            self.dropped += 1

    def _stamped(self, message: BusMessage) -> BusMessage:
        """A `DeviceReady` with this instance's name, an event with the lease's generation."""
        if isinstance(message, DeviceReady) and self._instance is not None:
            return dataclasses.replace(message, owner=self._instance())
        if not isinstance(message, EventRaised) or self._generation is None:
            return message
        generation = self._generation(self.name)
        if generation is None or message.event.fence is not None:
            return message
        fence = EventFence(lease=self.name, generation=generation)
        return EventRaised(message.event.model_copy(update={"fence": fence}))

    def subscribe(
        self, owner: str, handler: Handler, *, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> Subscription:
        return self.bus.subscribe(owner, handler, maxsize=maxsize)

    async def drain(self) -> None:
        await self.bus.drain()

    async def aclose(self) -> None:
        """The shared bus is closed by its owner, not by one runner."""
