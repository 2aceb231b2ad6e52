"""`CacheUpdater`: the bus consumer that keeps a `StateCache` up to date.

It handles `StateChanged` (latest state), `AvailabilityChanged`, `SnapshotTaken` (JPEG, with the
cache's TTL) and `DeviceRemoved` (forgets the device and, for an NVR, each of its channel views).
Every write is idempotent, so at-least-once delivery (the Redis Streams bus) is safe; a failing
write (Redis away) raises, and the Redis bus delivers the message again later.
"""

from __future__ import annotations

from bridge.bus.messages import (
    AvailabilityChanged,
    Bus,
    BusMessage,
    DeviceRemoved,
    SnapshotTaken,
    StateChanged,
    Subscription,
)
from bridge.cache.base import StateCache
from bridge.domain.views import camera_views

OWNER = "cache"
"""The consumer kind: with a shared (Redis) cache, one instance's update serves all."""


class CacheUpdater:
    """`start()` subscribes to the bus as `owner`; `stop()` unsubscribes."""

    def __init__(self, cache: StateCache, bus: Bus, *, owner: str = OWNER) -> None:
        self.cache = cache
        self.bus = bus
        self.owner = owner
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        if self._subscription is None:
            self._subscription = self.bus.subscribe(self.owner, self.handle)

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def handle(self, message: BusMessage) -> None:
        if isinstance(message, StateChanged):
            await self.cache.set_state(message.state)
        elif isinstance(message, AvailabilityChanged):
            await self.cache.set_availability(message.camera_id, message.online)
        elif isinstance(message, SnapshotTaken):
            await self.cache.set_snapshot(message.camera_id, message.jpeg)
        elif isinstance(message, DeviceRemoved):
            camera_ids = {message.camera.id}
            if message.capabilities is not None:
                views = camera_views(message.camera, message.capabilities)
                camera_ids.update(view.camera_id for view in views)
            for camera_id in sorted(camera_ids):
                await self.cache.remove(camera_id)
