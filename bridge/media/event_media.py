"""Event snapshots on disk: every `SnapshotTaken` that names a media path is written there and its
path recorded in the event row; the disk budget and retention keep the media dir bounded.

Each camera has its own lane (a bounded queue and one task): a camera whose pictures pile up
never delays another's. A media dir that cannot be written (read-only, full) stops the writing
with one warning — events are stored as before — and the next write that works says so.
Until a picture is on disk it is served from memory (`read`), so a URL published at once works.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from bridge.bus.messages import Bus, BusMessage, SnapshotTaken, Subscription
from bridge.config import Settings
from bridge.media.disk import MediaDir
from bridge.store import Store, StoreError

_LOGGER = logging.getLogger(__name__)

ROW_ATTEMPTS = 40
ROW_RETRY = 0.25
"""The event row is written by the batched writer: its path is set once the row exists."""


class EventMedia:
    def __init__(self, settings: Settings, store: Store, bus: Bus) -> None:
        media = settings.media
        self.dir = MediaDir(media.root(settings.data_dir), int(media.max_disk_mb * 1024 * 1024))
        self.store = store
        self.bus = bus
        self.queue_size = media.snapshot_queue
        self.pending: dict[str, bytes] = {}
        self._lanes: dict[str, asyncio.Queue[SnapshotTaken]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._subscription: Subscription | None = None
        self._failing = False
        self.written = 0
        self.failed = 0
        self.dropped = 0
        self.deleted = 0

    async def start(self) -> None:
        await asyncio.to_thread(self.dir.scan)
        self._subscription = self.bus.subscribe("event-media", self._on_bus)

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        # what is queued is written before the store closes
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await asyncio.gather(*(lane.join() for lane in self._lanes.values()))
        for task in self._workers.values():
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        self._workers.clear()

    def stats(self) -> dict[str, Any]:
        return {
            "used_bytes": self.dir.used,
            "max_bytes": self.dir.max_bytes,
            "written": self.written,
            "failed": self.failed,
            "dropped": self.dropped,
            "deleted": self.deleted,
        }

    async def _on_bus(self, message: BusMessage) -> None:
        if not isinstance(message, SnapshotTaken) or message.path is None:
            return
        lane = self._lanes.get(message.camera_id)
        if lane is None:
            lane = self._lanes[message.camera_id] = asyncio.Queue(self.queue_size)
            task = asyncio.get_running_loop().create_task(self._work(lane))
            self._workers[message.camera_id] = task
        try:
            lane.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1
            return
        self.pending[message.path] = message.jpeg

    async def _work(self, lane: asyncio.Queue[SnapshotTaken]) -> None:
        while True:
            message = await lane.get()
            try:
                await self._keep(message)
            except Exception:
                _LOGGER.exception("event media: keeping %s failed", message.path)
            finally:
                lane.task_done()

    async def _keep(self, message: SnapshotTaken) -> None:
        assert message.path is not None
        try:
            await asyncio.to_thread(self.dir.write, message.path, message.jpeg)
        except OSError as err:
            self.failed += 1
            if not self._failing:
                self._failing = True
                _LOGGER.warning(
                    "event media: cannot write to %s (%s); snapshots are not kept on disk "
                    "until it can (events are stored as before)",
                    self.dir.root,
                    err.strerror or err,
                )
            return
        finally:
            self.pending.pop(message.path, None)
        if self._failing:
            self._failing = False
            _LOGGER.warning("event media: writing to %s works again", self.dir.root)
        self.written += 1
        if message.event_id is not None:
            await self._record(message.event_id, message.path)
        await self.enforce_budget()

    async def _record(self, event_id: str, path: str) -> None:
        for _ in range(ROW_ATTEMPTS):
            try:
                if await self.store.set_event_media(event_id, "snapshot_path", path):
                    return
            except StoreError as err:
                _LOGGER.debug("event media: the store refused %s: %s", event_id, err)
            await asyncio.sleep(ROW_RETRY)
        _LOGGER.debug("event media: no row for event %s; its snapshot stays unnamed", event_id)

    async def enforce_budget(self) -> None:
        """Oldest files first, until the budget holds; their paths are cleared in the rows."""
        if not self.dir.over_budget():
            return
        deleted = await asyncio.to_thread(self.dir.enforce)
        if not deleted:
            return
        self.deleted += len(deleted)
        _LOGGER.info("event media: disk budget reached, %d oldest file(s) deleted", len(deleted))
        try:
            await self.store.clear_media_paths(deleted)
        except StoreError as err:
            _LOGGER.warning("event media: clearing deleted paths failed: %s", err)

    def read(self, rel: str) -> bytes | None:
        """A kept file's bytes (in memory while being written); None when there is none."""
        data = self.pending.get(rel)
        if data is not None:
            return data
        path = self.dir.resolve(rel)
        if path is None or not path.is_file():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    async def purge_before(self, cutoff: datetime) -> int:
        """Retention (with the events' rows): media files and recordings index rows."""
        removed = await asyncio.to_thread(self.dir.purge_before, cutoff)
        await self.store.purge_recordings(cutoff)
        if removed:
            _LOGGER.info("retention: removed %d media file(s)", removed)
        return removed
