"""Snapshots: taken on a detection's start (when `events.snapshot_on_event`) and on command.

A bus consumer on the camera side: it asks the device's client for a JPEG and announces it as
`SnapshotTaken`; the MQTT face publishes it, the API will serve it. At most one snapshot per camera
every `MIN_INTERVAL` seconds for events, so a burst of detections does not hammer the camera.
"""

from __future__ import annotations

import logging
import time

from bridge.bus.messages import Bus, BusMessage, EventRaised, SnapshotTaken, Subscription
from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError

_LOGGER = logging.getLogger(__name__)

MIN_INTERVAL = 5.0
"""Seconds between two event snapshots of one camera."""

_NOT_DETECTIONS = frozenset({EventType.ONLINE, EventType.OFFLINE})


class Snapshots:
    def __init__(self, manager: CameraManager, bus: Bus, *, on_event: bool) -> None:
        self.manager = manager
        self.bus = bus
        self.on_event = on_event
        self.latest: dict[str, bytes] = {}
        self._last_taken: dict[str, float] = {}
        self._subscription: Subscription | None = None

    def start(self) -> None:
        if self.on_event:
            self._subscription = self.bus.subscribe("snapshots", self._on_bus)

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()

    async def _on_bus(self, message: BusMessage) -> None:
        if not isinstance(message, EventRaised):
            return
        event = message.event
        if event.type in _NOT_DETECTIONS or event.phase is EventPhase.END:
            return
        now = time.monotonic()
        if now - self._last_taken.get(event.camera_id, -MIN_INTERVAL) < MIN_INTERVAL:
            return
        self._last_taken[event.camera_id] = now
        try:
            await self.take(event.camera_id, event_id=event.event_id)
        except (UnknownCamera, CameraOffline, ReolinkError) as err:
            _LOGGER.debug("no snapshot for %s: %s", event.camera_id, err)

    async def take(self, camera_id: str, *, event_id: str | None = None) -> bytes:
        runner, view = self.manager.resolve(camera_id)
        client = runner.connected_client()
        jpeg = await client.snapshot(view.channel or 0)
        self.latest[camera_id] = jpeg
        self.bus.publish(SnapshotTaken(camera_id, jpeg, event_id))
        return jpeg
