"""`RecordingsMedia`: the event-media and recordings unit the composition root builds, starts and
stops — snapshots on disk (`EventMedia`), the index (`RecordingsIndexer`), downloads
(`Downloads`), clips (`Clips`) and the links they hand out (`MediaLinks`).

The API reaches it through `ApiContext.media`. Camera ids in and out are the API's (an NVR
channel is `<nvr>_ch<N>`); the index keeps the device and the channel.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any, Literal

from bridge.bus.messages import Bus
from bridge.config import Settings
from bridge.domain.errors import UnknownCamera
from bridge.domain.views import channel_camera_id
from bridge.media.clips import Clips
from bridge.media.downloads import Downloads
from bridge.media.errors import CameraUnavailable
from bridge.media.event_media import EventMedia
from bridge.media.indexer import RecordingsIndexer, channels_of
from bridge.media.links import MediaLinks
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError
from bridge.store import RecordingQuery, Store, StoredRecording


class RecordingsMedia:
    def __init__(self, settings: Settings, manager: CameraManager, store: Store, bus: Bus) -> None:
        media = settings.media
        self.settings = media
        self.manager = manager
        self.store = store
        self.links = MediaLinks.from_settings(settings)
        self.event_media = EventMedia(settings, store, bus)
        self.indexer = RecordingsIndexer(media, manager, store, bus)
        self.downloads = Downloads(manager, media.downloads_per_camera)
        self.clips = Clips(
            media=self.event_media,
            indexer=self.indexer,
            manager=manager,
            store=store,
            pre=media.clip_pre,
            post=media.clip_post,
            ffmpeg_bin=settings.streams.ffmpeg,
        )

    async def start(self) -> None:
        await self.event_media.start()
        await self.clips.start()
        self.indexer.start()

    async def stop(self) -> None:
        await self.indexer.stop()
        await self.clips.stop()
        await self.event_media.stop()

    def stats(self) -> dict[str, Any]:
        return {
            **self.event_media.stats(),
            **{f"index_{k}": v for k, v in self.indexer.info().items()},
            "downloads_total": self.downloads.total,
            "downloads_bytes": self.downloads.bytes,
            "downloads_active": sum(self.downloads.active.values()),
            "clips_cut": self.clips.cut,
        }

    async def purge_before(self, cutoff: datetime) -> int:
        return await self.event_media.purge_before(cutoff)

    # -- camera ids --------------------------------------------------------------------------

    def device_of(self, camera_id: str) -> tuple[str, int | None]:
        """An API camera id → (device id, channel); an NVR's own id → (nvr, None). A camera no
        longer running: its id, channel None."""
        with contextlib.suppress(UnknownCamera):
            runner, view = self.manager.resolve(camera_id)
            return runner.camera.id, view.channel
        return camera_id, None

    def view_id(self, device_id: str, channel: int) -> str:
        """The API's camera id of a device's channel."""
        with contextlib.suppress(UnknownCamera):
            runner = self.manager.runner(device_id)
            for view in runner.views:
                if view.channel == channel:
                    return view.camera_id
        return device_id if channel == 0 else channel_camera_id(device_id, channel)

    # -- live search ---------------------------------------------------------------------------

    async def search(
        self,
        camera_id: str,
        start: datetime,
        end: datetime,
        stream: Literal["main", "sub"],
    ) -> list[StoredRecording]:
        """Ask the camera now (its channel's files in the window), index them, return them."""
        runner, view = self.manager.resolve(camera_id)
        if not runner.online:
            raise CameraUnavailable(f"camera {camera_id} is offline")
        channels = [view.channel] if view.channel is not None else None
        device = runner.camera.id
        now = self.indexer.clock()
        found: list[StoredRecording] = []
        for channel in channels if channels is not None else channels_of(runner):
            client = runner.connected_client()
            try:
                files = await client.recordings(channel, start, end, stream)
            except ReolinkError as err:
                raise CameraUnavailable(f"the camera did not answer the search: {err}") from None
            await self.store.sync_recordings(device, channel, stream, start, end, files, now)
            query = RecordingQuery(
                camera_id=device, channel=channel, stream=stream, since=start, until=end, limit=2000
            )
            page = await self.store.query_recordings(query)
            names = {f.name for f in files}
            found += [r for r in page.recordings if r.name in names]
        return sorted(found, key=lambda r: (r.start, r.id))
