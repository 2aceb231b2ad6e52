"""Snapshots: taken when a camera comes online, on a detection's start (when
`events.snapshot_on_event`) and on command.

A bus consumer on the camera side: it asks the device's client for a JPEG and announces it as
`SnapshotTaken`; an event's snapshot names the file the media dir keeps it in
(`bridge.domain.media_paths`; `bridge.media.event_media` writes it); MQTT publishes its URL.

Each camera has its own lane (a bounded queue and one task), so a slow camera never delays
another's snapshots; past `queue_size` waiting events a camera's newest are dropped. At most one
picture per camera every `MIN_INTERVAL` seconds is asked of the camera: an event within that time
of the last picture gets that picture. A battery camera is never woken for an event's snapshot:
its event gets the latest picture kept, if any.

When a camera comes online its picture is taken (kept under `m<time>`), so Home Assistant's
`image` entity has one before any event; a battery camera's only while none is kept (once per
run: that picture wakes it, and its events get it afterwards).

A doorbell press (an `instant` event) keeps its picture for its event only (`event_only`): the
event's payload links it, but the camera's latest picture on MQTT stays, so a press leaves three
lines in Home Assistant's logbook (visitor detected, visitor cleared, the ring), not a fourth
from the `image` entity. The visitor is usually pictured already, by the motion or person
detection that saw them come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bridge.bus.messages import Bus, BusMessage, EventRaised, SnapshotTaken, Subscription
from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.domain.events import Event
from bridge.domain.media_paths import snapshot_path
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError

_LOGGER = logging.getLogger(__name__)

MIN_INTERVAL = 5.0
"""Seconds between two pictures asked of one camera for events."""

_NOT_DETECTIONS = frozenset({EventType.ONLINE, EventType.OFFLINE})


class Snapshots:
    def __init__(
        self, manager: CameraManager, bus: Bus, *, on_event: bool, queue_size: int = 4
    ) -> None:
        self.manager = manager
        self.bus = bus
        self.on_event = on_event
        self.queue_size = queue_size
        self.latest: dict[str, bytes] = {}
        self.dropped = 0
        self._last_taken: dict[str, float] = {}
        self._lanes: dict[str, asyncio.Queue[Event]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._subscription: Subscription | None = None

    def start(self) -> None:
        self._subscription = self.bus.subscribe("snapshots", self._on_bus)

    def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        for task in self._workers.values():
            task.cancel()
        self._workers.clear()
        self._lanes.clear()

    async def _on_bus(self, message: BusMessage) -> None:
        if not isinstance(message, EventRaised):
            return
        event = message.event
        if event.type is EventType.ONLINE:
            if not self._wanted_online(event.camera_id):
                return
        elif not self.on_event or event.type in _NOT_DETECTIONS or event.phase is EventPhase.END:
            return
        lane = self._lanes.get(event.camera_id)
        if lane is None:
            lane = self._lanes[event.camera_id] = asyncio.Queue(self.queue_size)
            worker = asyncio.get_running_loop().create_task(self._work(lane))
            self._workers[event.camera_id] = worker
        try:
            lane.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            _LOGGER.debug(
                "snapshot lane of %s is full: %s dropped", event.camera_id, event.event_id
            )

    async def _work(self, lane: asyncio.Queue[Event]) -> None:
        while True:
            event = await lane.get()
            try:
                await self._for_event(event)
            except (UnknownCamera, CameraOffline, ReolinkError) as err:
                _LOGGER.debug("no snapshot for %s: %s", event.camera_id, err)
            except Exception:
                _LOGGER.exception("snapshot for %s failed", event.camera_id)

    async def _for_event(self, event: Event) -> None:
        camera_id = event.camera_id
        now = time.monotonic()
        if event.type is EventType.ONLINE:
            self._last_taken[camera_id] = now
            await self.take(camera_id, path=snapshot_path(camera_id, event.timestamp))
            return
        path = snapshot_path(camera_id, event.started_at or event.timestamp, event.event_id)
        only = event.phase is EventPhase.INSTANT
        kept = self.latest.get(camera_id)
        recent = now - self._last_taken.get(camera_id, -MIN_INTERVAL) < MIN_INTERVAL
        if kept is not None and (recent or self._battery(camera_id)):
            self.bus.publish(SnapshotTaken(camera_id, kept, event.event_id, path, only))
            return
        if self._battery(camera_id):
            return  # never woken; nothing kept yet
        self._last_taken[camera_id] = now
        await self.take(camera_id, event_id=event.event_id, path=path, event_only=only)

    def _wanted_online(self, camera_id: str) -> bool:
        """A view that takes pictures (not an NVR's own view); a battery camera's only while none
        is kept."""
        try:
            _, view = self.manager.resolve(camera_id)
        except UnknownCamera:  # run by another instance
            return False
        caps = view.capabilities
        if caps is None or not caps.has("snapshot"):
            return False
        return not (caps.has("battery") and camera_id in self.latest)

    def _battery(self, camera_id: str) -> bool:
        with contextlib.suppress(UnknownCamera):
            _, view = self.manager.resolve(camera_id)
            return view.capabilities is not None and view.capabilities.has("battery")
        return False

    async def take(
        self,
        camera_id: str,
        *,
        event_id: str | None = None,
        path: str | None = None,
        event_only: bool = False,
    ) -> bytes:
        runner, view = self.manager.resolve(camera_id)
        client = runner.connected_client()
        jpeg = await client.snapshot(view.channel or 0)
        self.latest[camera_id] = jpeg
        self.bus.publish(SnapshotTaken(camera_id, jpeg, event_id, path, event_only))
        return jpeg
