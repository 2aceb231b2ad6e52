"""Snapshots: taken when a camera comes online, on a detection's start (when
`events.snapshot_on_event`) and on command.

A bus consumer on the camera side hands each detection to the camera's *lane*: one task per
camera with a small queue (`queue_size`, `media.snapshot_queue`), spawned in the bridge's
supervisor. The lane asks the device's client for a JPEG and announces it as `SnapshotTaken`; an
event's snapshot names the file the media dir keeps it in (`bridge.domain.media_paths`;
`bridge.media.event_media` writes it); MQTT publishes its URL, the API serves it. The bus worker
never waits for a camera, so one slow camera delays neither the bus nor another camera's
snapshot. A detection that finds its lane's queue full is dropped (the camera is still busy with
the previous ones). A snapshot asked for on command (`take`) goes through the same lane: a camera
takes one snapshot at a time. At most one picture per camera every `MIN_INTERVAL` seconds is
asked of the camera for events: an event within that time of the last picture gets that picture.
A battery camera is never woken for a picture: a detection's start means it is awake (it woke
to detect), so its event's picture is taken then, like any camera's.

When a camera comes online its picture is taken (kept under `m<time>`), so Home Assistant's
`image` entity has one before any event. A battery camera is asked only when it says it is
awake (`sleeping` false); asleep or not yet known, its online picture is the one kept in memory,
else the newest file the media dir keeps of it (from an earlier run), announced again under its
own path; with neither it has none until its first detection or a picture taken on command.

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
from dataclasses import dataclass
from pathlib import Path

from bridge.bus.messages import (
    Bus,
    BusMessage,
    DeviceRemoved,
    EventRaised,
    SnapshotTaken,
    Subscription,
)
from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.domain.events import Event
from bridge.domain.media_paths import MEDIA_PATH, SNAPSHOTS, snapshot_path
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError
from bridge.tasks import Supervisor

_LOGGER = logging.getLogger(__name__)

MIN_INTERVAL = 5.0
"""Seconds between two pictures asked of one camera for events."""
LANE_QUEUE = 4
"""Snapshots that may wait for one camera by default; past it, event snapshots are dropped."""

_NOT_DETECTIONS = frozenset({EventType.ONLINE, EventType.OFFLINE})


@dataclass(eq=False)
class _Request:
    event: Event | None
    """Set for an event's snapshot (nobody waits); None for `take`."""
    answer: asyncio.Future[bytes] | None = None
    """Set for `take` (someone waits)."""


@dataclass(eq=False)
class _Lane:
    camera_id: str
    queue: asyncio.Queue[_Request]
    task: asyncio.Task[None] | None = None


class Snapshots:
    def __init__(
        self,
        manager: CameraManager,
        bus: Bus,
        *,
        on_event: bool,
        queue_size: int = LANE_QUEUE,
        tasks: Supervisor | None = None,
        media_root: Path | None = None,
    ) -> None:
        self.manager = manager
        self.media_root = media_root
        """The media dir, where a battery camera's last picture is found (None: not looked at)."""
        self.bus = bus
        self.on_event = on_event
        self.queue_size = queue_size
        self.tasks = tasks or Supervisor()
        """Where the lanes run: the bridge's supervisor (a private one when not given)."""
        self.latest: dict[str, bytes] = {}
        self.dropped = 0
        """Event snapshots dropped because their camera's lane was full."""
        self._last_taken: dict[str, float] = {}
        self._lanes: dict[str, _Lane] = {}
        self._subscription: Subscription | None = None
        self._running = False

    async def start(self) -> None:
        self._running = True
        if self._subscription is None:
            self._subscription = self.bus.subscribe("snapshots", self._on_bus)

    async def stop(self) -> None:
        """Unsubscribe, end every lane, and fail the snapshots still waiting in them."""
        self._running = False
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None
        lanes, self._lanes = list(self._lanes.values()), {}
        for lane in lanes:
            await self._close_lane(lane)

    async def _close_lane(self, lane: _Lane) -> None:
        if lane.task is not None:
            await self.tasks.cancel(lane.task)
        while not lane.queue.empty():
            request = lane.queue.get_nowait()
            if request.answer is not None and not request.answer.done():
                request.answer.cancel()

    # -- the bus side (never waits for a camera) -------------------------------------------------

    async def _on_bus(self, message: BusMessage) -> None:
        if isinstance(message, DeviceRemoved):
            lane = self._lanes.pop(message.camera.id, None)
            if lane is not None:
                await self._close_lane(lane)
            return
        if not isinstance(message, EventRaised):
            return
        event = message.event
        if event.type is EventType.ONLINE:
            if not self._wanted_online(event.camera_id):
                return
        elif not self.on_event or event.type in _NOT_DETECTIONS or event.phase is EventPhase.END:
            return
        lane = self._lane(event.camera_id)
        if lane is None:
            return
        try:
            lane.queue.put_nowait(_Request(event))
        except asyncio.QueueFull:
            self.dropped += 1
            _LOGGER.debug("no snapshot for %s: its lane is full", event.camera_id)

    def _lane(self, camera_id: str) -> _Lane | None:
        if not self._running:
            return None
        lane = self._lanes.get(camera_id)
        if lane is None:
            lane = self._lanes[camera_id] = _Lane(camera_id, asyncio.Queue(self.queue_size))
            lane.task = self.tasks.spawn(
                f"snapshots:{camera_id}", lambda: self._serve(lane), restart=True
            )
        return lane

    # -- the camera side (one lane per camera) ---------------------------------------------------

    async def _serve(self, lane: _Lane) -> None:
        while True:
            request = await lane.queue.get()
            if request.event is not None:
                try:
                    await self._for_event(request.event)
                except (UnknownCamera, CameraOffline, ReolinkError) as err:
                    _LOGGER.debug("no snapshot for %s: %s", lane.camera_id, err)
                continue
            if request.answer is None or request.answer.done():
                continue  # the caller gave up waiting
            try:
                jpeg = await self._capture(lane.camera_id)
            except (UnknownCamera, CameraOffline, ReolinkError) as err:
                if not request.answer.done():
                    request.answer.set_exception(err)
            except BaseException as err:
                if not request.answer.done():
                    request.answer.set_exception(err)
                raise
            else:
                if not request.answer.done():
                    request.answer.set_result(jpeg)

    async def _for_event(self, event: Event) -> None:
        camera_id = event.camera_id
        now = time.monotonic()
        if event.type is EventType.ONLINE:
            if self._battery(camera_id) and not self._awake(camera_id):
                await self._announce_kept(camera_id)
                return
            self._last_taken[camera_id] = now
            await self._capture(camera_id, path=snapshot_path(camera_id, event.timestamp))
            return
        path = snapshot_path(camera_id, event.started_at or event.timestamp, event.event_id)
        only = event.phase is EventPhase.INSTANT
        kept = self.latest.get(camera_id)
        recent = now - self._last_taken.get(camera_id, -MIN_INTERVAL) < MIN_INTERVAL
        # A detection's start means the camera is awake (a battery one wakes to detect): asking
        # for its picture now wakes nothing.
        if kept is not None and recent:
            self._publish(SnapshotTaken(camera_id, kept, event.event_id, path, only))
            return
        self._last_taken[camera_id] = now
        await self._capture(camera_id, event_id=event.event_id, path=path, event_only=only)

    def _wanted_online(self, camera_id: str) -> bool:
        """A view that takes pictures (not an NVR's own view); a battery camera's only while none
        is kept in memory (then the media dir's is looked up: it is never asked)."""
        try:
            _, view = self.manager.resolve(camera_id)
        except UnknownCamera:  # run by another instance
            return False
        caps = view.capabilities
        if caps is None or not caps.has("snapshot"):
            return False
        return not (caps.has("battery") and camera_id in self.latest)

    async def _announce_kept(self, camera_id: str) -> None:
        """A battery camera's online picture: the newest one the media dir keeps, if any."""
        if self.media_root is None:
            return
        found = await asyncio.to_thread(newest_kept, self.media_root, camera_id)
        if found is None or camera_id in self.latest:
            return
        path, jpeg = found
        self.latest[camera_id] = jpeg
        self._publish(SnapshotTaken(camera_id, jpeg, None, path))

    def _awake(self, camera_id: str) -> bool:
        """The camera said it is not sleeping (a battery camera's `sleeping` state)."""
        with contextlib.suppress(UnknownCamera):
            runner, _ = self.manager.resolve(camera_id)
            tracker = runner.trackers.get(camera_id)
            return tracker is not None and tracker.state.get("sleeping") is False
        return False

    def _battery(self, camera_id: str) -> bool:
        with contextlib.suppress(UnknownCamera):
            _, view = self.manager.resolve(camera_id)
            return view.capabilities is not None and view.capabilities.has("battery")
        return False

    async def _capture(
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
        self._publish(SnapshotTaken(camera_id, jpeg, event_id, path, event_only))
        return jpeg

    def _publish(self, message: SnapshotTaken) -> None:
        """Publish, unless the camera's lease lapsed here meanwhile (fencing: a process paused
        while its lane waited for the camera wakes up after another instance took the camera
        over; the new owner publishes its pictures)."""
        with contextlib.suppress(UnknownCamera):
            runner, _ = self.manager.resolve(message.camera_id)
            if not self.manager.owns(runner.camera.id):
                _LOGGER.debug("snapshot of %s dropped: its lease is not ours", message.camera_id)
                return
        self.bus.publish(message)

    async def take(self, camera_id: str) -> bytes:
        """A snapshot now (on command), taken in the camera's lane. Raises `UnknownCamera`,
        `CameraOffline` or `ReolinkError` as the camera client does."""
        runner, _ = self.manager.resolve(camera_id)  # an unknown camera gets no lane
        runner.connected_client()  # nor does an offline one
        lane = self._lane(camera_id)
        if lane is None:  # not started (a bare unit in tests, or stopping): take it here
            return await self._capture(camera_id)
        answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        await lane.queue.put(_Request(None, answer))
        try:
            return await answer
        finally:
            if not answer.done():
                answer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                if answer.done() and not answer.cancelled():
                    answer.exception()  # retrieved: no "never retrieved" warning


def newest_kept(root: Path, camera_id: str) -> tuple[str, bytes] | None:
    """The newest snapshot file of `camera_id` under the media dir `root` (its media path and
    bytes), or None."""
    newest: tuple[float, str, Path] | None = None
    try:
        files = list((root / SNAPSHOTS / camera_id).glob("*/*.jpg"))
    except OSError:
        return None
    for file in files:
        rel = file.relative_to(root).as_posix()
        if not MEDIA_PATH.match(rel):
            continue
        try:
            mtime = file.stat().st_mtime
        except OSError:
            continue
        if newest is None or (mtime, rel) > newest[:2]:
            newest = (mtime, rel, file)
    if newest is None:
        return None
    try:
        return newest[1], newest[2].read_bytes()
    except OSError:
        return None
