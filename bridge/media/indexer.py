"""The recordings index: the camera's `Search`, per device, channel and stream, over a sliding
window (`media.index_days`), upserted into `recordings` every `media.index_interval` seconds and
`media.index_after_event` seconds after a detection on the camera ends (then the event is linked
to the recording that covers it).

A pass costs one `GetTime` an hour and one `Search` per channel and stream (main, sub); devices
are indexed concurrently (`CONCURRENCY`), so a slow camera never holds up another's pass. A
channel that fails (offline, an error) is skipped: nothing of it is marked gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bridge.bus.messages import Bus, BusMessage, EventRaised, Subscription
from bridge.config import MediaSettings
from bridge.domain.base import utcnow
from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.device import DeviceRunner
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError
from bridge.store import RecordingSync, Store, StoreError

_LOGGER = logging.getLogger(__name__)

CONCURRENCY = 4
FIRST_PASS = 60.0
"""Seconds from the start to the first periodic pass (then every `media.index_interval`)."""
LINK_ATTEMPTS = 3
LINK_RETRY = 5.0
"""An event no file covers yet is looked for again after 5, 10, 15 s (then the clip route's
own search finds it, when asked)."""
STREAMS: tuple[Literal["main", "sub"], ...] = ("main", "sub")
_NOT_DETECTIONS = frozenset({EventType.ONLINE, EventType.OFFLINE})


@dataclass(slots=True)
class IndexStats:
    runs: int = 0
    device_passes: int = 0
    failures: int = 0
    last_seconds: float = 0.0
    seconds_per_device: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds of the last pass per device."""


def channels_of(runner: DeviceRunner) -> list[int]:
    """The channels a device records: an NVR's online channels, a camera's own."""
    found = []
    for view in runner.views:
        if view.channel is None:
            continue
        caps = view.capabilities
        if caps is not None and not caps.online:
            continue
        found.append(view.channel)
    return sorted(set(found))


class RecordingsIndexer:
    def __init__(
        self,
        settings: MediaSettings,
        manager: CameraManager,
        store: Store,
        bus: Bus,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.manager = manager
        self.store = store
        self.bus = bus
        self.clock = clock
        self.stats = IndexStats()
        self._task: asyncio.Task[None] | None = None
        self._subscription: Subscription | None = None
        self._after_event: dict[str, asyncio.Task[None]] = {}
        self._waiting: dict[str, list[Event]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._limit = asyncio.Semaphore(CONCURRENCY)

    def start(self) -> None:
        self._subscription = self.bus.subscribe("recordings-index", self._on_bus)
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="recordings-index")

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        tasks = [t for t in (self._task, *self._after_event.values()) if t is not None]
        self._task = None
        self._after_event.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def info(self) -> dict[str, Any]:
        return {
            "runs": self.stats.runs,
            "device_passes": self.stats.device_passes,
            "failures": self.stats.failures,
            "last_seconds": self.stats.last_seconds,
        }

    async def _loop(self) -> None:
        # the first pass once the cameras are connected and the start's work is done
        await asyncio.sleep(min(FIRST_PASS, self.settings.index_interval))
        while True:
            try:
                await self.run_all()
            except Exception:
                _LOGGER.exception("recordings index: the pass failed")
            await asyncio.sleep(self.settings.index_interval)

    async def run_all(self) -> None:
        start = time.perf_counter()
        runners = [r for r in self.manager.runners if r.online]
        await asyncio.gather(*(self.index_device(r) for r in runners))
        self.stats.runs += 1
        self.stats.last_seconds = time.perf_counter() - start

    def window(self) -> tuple[datetime, datetime]:
        now = self.clock()
        return now - timedelta(days=self.settings.index_days), now

    async def index_device(
        self, runner: DeviceRunner, window: tuple[datetime, datetime] | None = None
    ) -> list[RecordingSync]:
        """One pass over a device's channels and streams; what each sync changed."""
        device = runner.camera.id
        lock = self._locks.setdefault(device, asyncio.Lock())
        since, until = window or self.window()
        done: list[RecordingSync] = []
        async with self._limit, lock:
            started = time.perf_counter()
            try:
                client = runner.connected_client()
            except CameraOffline:
                return done
            for channel in channels_of(runner):
                for stream in STREAMS:
                    try:
                        found = await client.recordings(channel, since, until, stream)
                        done.append(
                            await self.store.sync_recordings(
                                device, channel, stream, since, until, found, self.clock()
                            )
                        )
                    except (ReolinkError, StoreError, ValueError) as err:
                        self.stats.failures += 1
                        _LOGGER.debug(
                            "recordings index: %s ch%d %s: %s", device, channel, stream, err
                        )
            self.stats.device_passes += 1
            self.stats.seconds_per_device[device] = time.perf_counter() - started
        return done

    # -- after an event ----------------------------------------------------------------------

    async def _on_bus(self, message: BusMessage) -> None:
        if not isinstance(message, EventRaised):
            return
        event = message.event
        if event.type in _NOT_DETECTIONS or event.phase is EventPhase.START:
            return
        try:
            runner, _ = self.manager.resolve(event.camera_id)
        except UnknownCamera:
            return
        device = runner.camera.id
        if not self.manager.runs(device):
            return  # another instance runs it: its indexer (every instance hears every event)
        self._waiting.setdefault(device, []).append(event)
        if device not in self._after_event:
            task = asyncio.get_running_loop().create_task(self._index_after(runner))
            self._after_event[device] = task

    async def _index_after(self, runner: DeviceRunner, attempt: int = 0) -> None:
        device = runner.camera.id
        try:
            await asyncio.sleep(self.settings.index_after_event + LINK_RETRY * attempt)
        finally:
            self._after_event.pop(device, None)
        events = self._waiting.pop(device, [])
        await self.index_device(runner)
        unlinked = []
        for event in events:
            with contextlib.suppress(StoreError):
                if await self.link(event, device) is None:
                    unlinked.append(event)
        if unlinked and attempt < LINK_ATTEMPTS:
            # the camera may close the file a little after the event: look again later
            self._waiting.setdefault(device, []).extend(unlinked)
            if device not in self._after_event:
                retry = self._index_after(runner, attempt + 1)
                self._after_event[device] = asyncio.get_running_loop().create_task(retry)

    async def link(self, event: Event, device: str) -> int | None:
        """Set the event's `recording_id` to the main-stream file that covers its start."""
        started = event.started_at or event.timestamp
        found = await self.store.recording_at(device, event.channel, started)
        if found is None:
            return None
        await self.store.set_event_media(event.event_id, "recording_id", found.id)
        return found.id
