"""Snapshots: taken when a camera comes online, on a detection's start (when
`events.snapshot_on_event`) and on command.

A bus consumer on the camera side: it asks the device's client for a JPEG and announces it as
`SnapshotTaken`; the MQTT face publishes it (retained, so Home Assistant's `image` entity has a
picture before the first event), the API serves it. Captures run in one task per camera, never
inside the bus worker: a slow camera delays only its own pictures. While a capture runs, one more
request per camera is kept (the newest), so a burst never queues up. At most one event snapshot
per camera every `MIN_INTERVAL` seconds, so a burst of detections does not hammer the camera.

A doorbell press (an `instant` event) is photographed for its event only (`event_only`): the
event's media, not the camera's newest picture on MQTT, so a press leaves three lines in Home
Assistant's logbook (visitor detected, visitor cleared, the ring) and not a fourth from the
`image` entity. The visitor is usually photographed already, by the motion or person detection
that saw them come.

A battery camera is photographed when it comes online only while the bridge keeps no picture of
it (once per run): each picture wakes it.
"""

from __future__ import annotations

import asyncio
import contextlib
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
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._pending: dict[str, tuple[str | None, bool]] = {}
        """Per camera: the capture asked for while one runs (event id or None, event only)."""

    def start(self) -> None:
        self._subscription = self.bus.subscribe("snapshots", self._on_bus)

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        self._pending.clear()
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _on_bus(self, message: BusMessage) -> None:
        if not isinstance(message, EventRaised):
            return
        event = message.event
        if event.type is EventType.ONLINE:
            if self._wanted_online(event.camera_id):
                self._request(event.camera_id, None, event_only=False)
            return
        if not self.on_event or event.type in _NOT_DETECTIONS or event.phase is EventPhase.END:
            return
        now = time.monotonic()
        if now - self._last_taken.get(event.camera_id, -MIN_INTERVAL) < MIN_INTERVAL:
            return
        self._last_taken[event.camera_id] = now
        self._request(event.camera_id, event.event_id, event_only=event.phase is EventPhase.INSTANT)

    def _wanted_online(self, camera_id: str) -> bool:
        """A view that takes pictures (not an NVR's own view); a battery camera only once."""
        try:
            _, view = self.manager.resolve(camera_id)
        except UnknownCamera:  # run by another instance
            return False
        caps = view.capabilities
        if caps is None or not caps.has("snapshot"):
            return False
        return not (caps.has("battery") and camera_id in self.latest)

    def _request(self, camera_id: str, event_id: str | None, *, event_only: bool) -> None:
        """Capture in the camera's own task (started when none runs)."""
        self._pending[camera_id] = (event_id, event_only)
        if camera_id not in self._tasks:
            self._tasks[camera_id] = asyncio.get_running_loop().create_task(
                self._capture(camera_id), name=f"snapshot:{camera_id}"
            )

    async def _capture(self, camera_id: str) -> None:
        try:
            while camera_id in self._pending:
                event_id, event_only = self._pending.pop(camera_id)
                try:
                    await self.take(camera_id, event_id=event_id, event_only=event_only)
                except (UnknownCamera, CameraOffline, ReolinkError) as err:
                    _LOGGER.debug("no snapshot for %s: %s", camera_id, err)
                except Exception:
                    _LOGGER.exception("snapshot of %s failed", camera_id)
        finally:
            self._tasks.pop(camera_id, None)

    async def take(
        self, camera_id: str, *, event_id: str | None = None, event_only: bool = False
    ) -> bytes:
        runner, view = self.manager.resolve(camera_id)
        client = runner.connected_client()
        jpeg = await client.snapshot(view.channel or 0)
        self.latest[camera_id] = jpeg
        self.bus.publish(SnapshotTaken(camera_id, jpeg, event_id, event_only))
        return jpeg
