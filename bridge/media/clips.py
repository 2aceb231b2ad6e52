"""Event clips: the part of the camera's recording that covers an event, `media.clip_pre` seconds
before its start to `media.clip_post` after its end, cut without re-encoding (ffmpeg `-c copy`
built with ffmpeg-python, so the cut falls on keyframes: ± one GOP) and cached in the media dir
(`clips/<camera>/<day>/<event id>.mp4`, counted in the disk budget, its path in the event row).

The recording is the indexed main-stream file that covers the event's start; when none is
indexed yet, the device is indexed around the event first. It is downloaded to a temporary file
under the media dir (streamed, never in memory) and removed once the clip is cut.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from datetime import timedelta
from pathlib import Path

import ffmpeg

from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.domain.media_paths import clip_path
from bridge.media.errors import CameraUnavailable, StreamError, UpstreamFailed
from bridge.media.event_media import EventMedia
from bridge.media.indexer import RecordingsIndexer
from bridge.media.processes import ProcessRegistry
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError
from bridge.store import Store, StoredEvent, StoredRecording

_LOGGER = logging.getLogger(__name__)

CUT_TIMEOUT = 120.0


class NoRecording(StreamError):
    """No recording of the camera covers the event (yet)."""

    status = 404


class Clips:
    def __init__(
        self,
        *,
        media: EventMedia,
        indexer: RecordingsIndexer,
        manager: CameraManager,
        store: Store,
        pre: float,
        post: float,
        ffmpeg_bin: str = "ffmpeg",
    ) -> None:
        self.media = media
        self.indexer = indexer
        self.manager = manager
        self.store = store
        self.pre = timedelta(seconds=pre)
        self.post = timedelta(seconds=post)
        self.ffmpeg = ffmpeg_bin
        self.work = media.dir.root / ".work"
        self.processes = ProcessRegistry(self.work)
        self._locks: dict[str, asyncio.Lock] = {}
        self.cut = 0

    async def start(self) -> None:
        await asyncio.to_thread(self.processes.sweep)
        await asyncio.to_thread(shutil.rmtree, self.work, True)

    async def stop(self) -> None:
        await self.processes.kill_all()

    async def clip(self, event: StoredEvent) -> Path:
        """The clip file of the event (cut now if it is not cached)."""
        rel = event.clip or clip_path(event.camera_id, event.started_at, event.event_id)
        lock = self._locks.setdefault(event.event_id, asyncio.Lock())
        async with lock:
            path = self.media.dir.resolve(rel)
            if path is not None and path.is_file():
                return path
            recording = await self._recording(event)
            path = await self._cut(event, recording, rel)
        self._locks.pop(event.event_id, None)
        await self.store.set_event_media(event.event_id, "clip", rel)
        await self.store.set_event_media(event.event_id, "recording_id", recording.id)
        await self.media.enforce_budget()
        return path

    async def _recording(self, event: StoredEvent) -> StoredRecording:
        try:
            runner, _ = self.manager.resolve(event.camera_id)
        except UnknownCamera:
            raise NoRecording(f"camera {event.camera_id!r} is not known any more") from None
        device = runner.camera.id
        found = await self.store.recording_at(device, event.channel, event.started_at)
        if found is None:
            if not runner.online:
                raise CameraUnavailable(f"camera {event.camera_id} is offline")
            around = (event.started_at - timedelta(hours=1), event.started_at + timedelta(hours=1))
            await self.indexer.index_device(runner, around)
            found = await self.store.recording_at(device, event.channel, event.started_at)
        if found is None:
            raise NoRecording(f"no recording of {event.camera_id} covers event {event.event_id}")
        return found

    async def _cut(self, event: StoredEvent, recording: StoredRecording, rel: str) -> Path:
        target = self.media.dir.resolve(rel)
        if target is None:
            raise NoRecording(f"event {event.event_id!r} has no valid clip path")
        try:
            client = self.manager.runner(recording.camera_id).connected_client()
        except (UnknownCamera, CameraOffline) as err:
            raise CameraUnavailable(str(err)) from None
        self.work.mkdir(parents=True, exist_ok=True)
        source = self.work / f"{event.event_id}.src.mp4"
        part = self.work / f"{event.event_id}.cut.mp4"
        try:
            try:
                with source.open("wb") as out:
                    async with contextlib.aclosing(client.download_recording(recording.name)) as s:
                        async for chunk in s:
                            await asyncio.to_thread(out.write, chunk)
            except ReolinkError as err:
                raise UpstreamFailed(f"downloading the recording failed: {err}") from None
            ended = event.ended_at or event.started_at
            begin = max(event.started_at - self.pre, recording.start)
            until = min(ended + self.post, recording.end)
            offset = max(0.0, (begin - recording.start).total_seconds())
            length = max(1.0, (until - begin).total_seconds())
            await self._ffmpeg(source, part, offset, length)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(part, target)
        finally:
            source.unlink(missing_ok=True)
            part.unlink(missing_ok=True)
        self.media.dir.added(rel, target.stat().st_size)
        self.cut += 1
        return target

    async def _ffmpeg(self, source: Path, out: Path, offset: float, length: float) -> None:
        argv = (
            ffmpeg.input(str(source), ss=f"{offset:.3f}")
            .output(str(out), t=f"{length:.3f}", c="copy", movflags="+faststart", f="mp4")
            .global_args("-hide_banner", "-loglevel", "error", "-y", "-nostdin")
            .compile(cmd=self.ffmpeg)
        )
        try:
            proc = await self.processes.spawn(argv)
        except OSError as err:
            raise UpstreamFailed(f"ffmpeg cannot start: {err.strerror}") from None
        try:
            _, err_text = await asyncio.wait_for(proc.communicate(), CUT_TIMEOUT)
        except TimeoutError:
            raise UpstreamFailed("ffmpeg took too long to cut the clip") from None
        finally:
            await self.processes.kill(proc)
        if proc.returncode != 0:
            detail = err_text.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
            raise UpstreamFailed(f"ffmpeg could not cut the clip: {detail[0]}")
