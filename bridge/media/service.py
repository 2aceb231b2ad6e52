"""`StreamService`: the live-video unit the composition root builds, starts and stops.

It resolves a camera id to its device and channel, reads the channel's streams (`GetEnc`, cached
briefly), relays HTTP-FLV to viewers (one camera connection per viewer, with backpressure: the
bridge reads from the camera only as fast as the viewer takes it) and runs the HLS sessions.
The camera URLs it builds hold the password and never leave this unit except in the admin-only
`direct` URLs of the catalogue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from bridge.config import Settings
from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.domain.views import CameraView
from bridge.media.catalogue import DIRECT_PROTOCOLS, ChannelStreams, StreamOffer, offer
from bridge.media.errors import (
    CameraUnavailable,
    NotPlayable,
    StreamsDisabled,
    UnknownStream,
    UpstreamFailed,
)
from bridge.media.feeds import Feed, flv_input, pump_flv, rtsp_input
from bridge.media.hls import HlsSession, HlsSessions
from bridge.media.processes import ProcessRegistry
from bridge.media.rtsp_relay import open_relay
from bridge.media.upstream import open_flv, upstream_http
from bridge.pipeline.device import DeviceRunner
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkError
from bridge.reolink.encoding import STREAM_NAMES, StreamEncoding

_LOGGER = logging.getLogger(__name__)

ENCODING_TTL = 60.0
"""Seconds a channel's `GetEnc` answer is reused."""
STREAMS_DIR = "streams"


class StreamService:
    def __init__(self, settings: Settings, manager: CameraManager) -> None:
        self.settings = settings.streams
        self._timeout = settings.polling.timeout
        self._manager = manager
        self.directory = (settings.data_dir / STREAMS_DIR).resolve()
        self.processes = ProcessRegistry(self.directory)
        self.hls = HlsSessions(self.settings, self.directory / "hls", self.processes)
        self._http: dict[tuple[bool, bool], httpx.AsyncClient] = {}
        self._encodings: dict[tuple[str, int], tuple[float, list[StreamEncoding]]] = {}
        self._viewers = 0
        self._closing = False
        self.flv_viewers_total = 0
        self.flv_bytes = 0

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Kill what a previous run left behind, clear its files, start the idle reaper."""
        killed = await asyncio.to_thread(self.processes.sweep)
        if killed:
            _LOGGER.warning("killed %d ffmpeg process(es) of a previous run", killed)
        await asyncio.to_thread(_clear, self.directory / "hls")
        self.hls.start()

    def close_viewers(self) -> None:
        """End every FLV stream at its next chunk (at shutdown, before the API stops)."""
        self._closing = True

    async def stop(self) -> None:
        self.close_viewers()
        await self.hls.stop()
        await self.processes.kill_all()
        for http in self._http.values():
            await http.aclose()
        self._http.clear()

    def stats(self) -> Mapping[str, float]:
        return {
            "hls_sessions": float(len(self.hls)),
            "hls_sessions_started": float(self.hls.started),
            "ffmpeg_processes": float(len(self.processes.running)),
            "flv_viewers": float(self._viewers),
            "flv_viewers_started": float(self.flv_viewers_total),
            "flv_bytes": float(self.flv_bytes),
        }

    # -- the catalogue -----------------------------------------------------------------------

    def views(self, camera_id: str) -> tuple[DeviceRunner, list[CameraView]]:
        """The device and the views with video of a camera id (an NVR: each channel)."""
        try:
            runner, view = self._manager.resolve(camera_id)
        except UnknownCamera:
            raise UnknownStream(f"no camera {camera_id!r}") from None
        if view.channel is not None:
            return runner, [view]
        return runner, [v for v in runner.views if v.channel is not None]

    async def catalogue(self, camera_id: str, *, credentials: bool) -> list[ChannelStreams]:
        """The streams of a camera (or of each channel of an NVR). `credentials`: add the
        camera's own URLs, password included (admins only)."""
        runner, views = self.views(camera_id)
        return [await self._channel_streams(runner, v, credentials=credentials) for v in views]

    async def _channel_streams(
        self, runner: DeviceRunner, view: CameraView, *, credentials: bool
    ) -> ChannelStreams:
        assert view.channel is not None
        online = runner.online and (view.capabilities is None or view.capabilities.online)
        if not online:
            return ChannelStreams(view.camera_id, view.channel, False, [])
        encodings = await self._read_encodings(runner, view.channel)
        return ChannelStreams(
            view.camera_id,
            view.channel,
            True,
            [self._offer(runner, view.channel, e, credentials=credentials) for e in encodings],
        )

    def _offer(
        self, runner: DeviceRunner, channel: int, encoding: StreamEncoding, *, credentials: bool
    ) -> StreamOffer:
        ports = runner.capabilities.ports if runner.capabilities is not None else None
        direct: dict[str, str] = {}
        if credentials and runner.client is not None:
            for protocol in DIRECT_PROTOCOLS:
                with contextlib.suppress(ReolinkError):
                    direct[protocol] = runner.client.stream_url(channel, protocol, encoding.name)  # type: ignore[arg-type]
        return offer(
            encoding,
            http_flv=ports is not None and ports.http_flv,
            rtsp=ports is not None and ports.rtsp is not None,
            transcode=self.settings.transcode_h265,
            direct=direct,
        )

    async def _read_encodings(self, runner: DeviceRunner, channel: int) -> list[StreamEncoding]:
        key = (runner.camera.id, channel)
        cached = self._encodings.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            encodings = await runner.connected_client().get_encodings(channel)
        except CameraOffline as err:
            raise CameraUnavailable(str(err)) from None
        except ReolinkError as err:
            raise UpstreamFailed(
                f"camera {runner.camera.id} did not say what it streams: {err}"
            ) from None
        self._encodings[key] = (time.monotonic() + ENCODING_TTL, encodings)
        return encodings

    async def stream_offer(
        self, camera_id: str, stream: str
    ) -> tuple[DeviceRunner, int, StreamOffer]:
        """The device, channel and offer of one stream; raises the `StreamError` that says why
        it cannot be had (unknown 404, offline 503)."""
        if self._closing or not self.settings.enabled:
            raise StreamsDisabled("live streams are not served now")
        if stream not in STREAM_NAMES:
            raise UnknownStream(f"no stream {stream!r}: one of {', '.join(STREAM_NAMES)}")
        runner, views = self.views(camera_id)
        if len(views) != 1 or views[0].camera_id != camera_id:
            names = ", ".join(v.camera_id for v in views)
            raise UnknownStream(f"{camera_id} is an NVR: its channels stream ({names})")
        view = views[0]
        assert view.channel is not None
        channel = await self._channel_streams(runner, view, credentials=False)
        if not channel.online:
            raise CameraUnavailable(f"camera {camera_id} is offline")
        found = channel.offer(stream)
        if found is None:
            raise UnknownStream(f"camera {camera_id} has no {stream} stream")
        return runner, view.channel, found

    async def direct_url(self, camera_id: str, stream: str, protocol: str) -> str:
        """The camera's own URL of a stream, PASSWORD INCLUDED (admins only)."""
        runner, channel, found = await self.stream_offer(camera_id, stream)
        try:
            return runner.connected_client().stream_url(channel, protocol, found.name)  # type: ignore[arg-type]
        except CameraOffline:
            raise CameraUnavailable(f"camera {camera_id} is offline") from None
        except ReolinkError as err:
            raise NotPlayable(f"{protocol}: {err}") from None

    async def default_stream(self, camera_id: str) -> str:
        runner, views = self.views(camera_id)
        if len(views) != 1 or views[0].camera_id != camera_id:
            raise UnknownStream(f"{camera_id} is an NVR: ask for one of its channels")
        channel = await self._channel_streams(runner, views[0], credentials=False)
        if not channel.online:
            raise CameraUnavailable(f"camera {camera_id} is offline")
        return channel.default or "sub"

    # -- the camera's stream -----------------------------------------------------------------

    def _client_http(self, runner: DeviceRunner) -> httpx.AsyncClient:
        verify, networks = runner.camera.verify_tls, runner.networks
        key = (verify, networks is not None)
        http = self._http.get(key)
        if http is None:
            http = self._http[key] = upstream_http(
                self._timeout, verify_tls=verify, networks=networks
            )
        return http

    @asynccontextmanager
    async def _camera_flv(
        self, runner: DeviceRunner, channel: int, stream: str, camera_id: str
    ) -> AsyncIterator[AsyncIterator[bytes]]:
        try:
            client = runner.connected_client()
        except CameraOffline:
            raise CameraUnavailable(f"camera {camera_id} is offline") from None
        url = client.stream_url(channel, "flv", stream)  # type: ignore[arg-type]
        async with open_flv(self._client_http(runner), url, camera_id) as chunks:
            yield chunks

    @asynccontextmanager
    async def _flv_feed(
        self, runner: DeviceRunner, channel: int, stream: str, camera_id: str
    ) -> AsyncIterator[Feed]:
        """HLS from HTTP-FLV: piped into ffmpeg, copied."""
        async with self._camera_flv(runner, channel, stream, camera_id) as chunks:
            yield Feed(flv_input(), False, lambda proc: pump_flv(chunks, proc, camera_id))

    @asynccontextmanager
    async def _rtsp_feed(
        self, runner: DeviceRunner, channel: int, stream: str, camera_id: str
    ) -> AsyncIterator[Feed]:
        """HLS from RTSP (H.265): ffmpeg reads it through the loopback relay and re-encodes."""
        try:
            url = runner.connected_client().stream_url(channel, "rtsp", stream)  # type: ignore[arg-type]
        except CameraOffline:
            raise CameraUnavailable(f"camera {camera_id} is offline") from None
        except ReolinkError as err:
            raise NotPlayable(f"rtsp: {err}") from None
        async with open_relay(
            url, camera_id, wait=self._timeout, networks=runner.networks
        ) as relay:
            yield Feed(rtsp_input(relay.url), True, lambda _proc: relay.run())

    @asynccontextmanager
    async def open_flv(self, camera_id: str, stream: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """A viewer's FLV stream: opened (and checked) before the first byte goes out, so that
        failures are clear HTTP errors; the camera connection closes when the viewer leaves."""
        runner, channel, found = await self.stream_offer(camera_id, stream)
        if not found.flv:
            raise NotPlayable(found.note or f"{stream} cannot be served as FLV")
        async with self._camera_flv(runner, channel, stream, camera_id) as chunks:
            self._viewers += 1
            self.flv_viewers_total += 1
            try:
                yield self._count(chunks)
            finally:
                self._viewers -= 1

    async def _count(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if self._closing:
                return
            self.flv_bytes += len(chunk)
            yield chunk

    async def hls_session(self, camera_id: str, stream: str) -> HlsSession:
        """The running HLS session of the stream (started if need be), with a first segment."""
        existing = self.hls.get((camera_id, stream))
        if existing is not None and not existing.ended.is_set():
            existing.touch()
            if existing.ready.is_set():
                return existing
        else:
            runner, channel, found = await self.stream_offer(camera_id, stream)
            if not found.hls:
                raise NotPlayable(found.note or f"{stream} cannot be served as HLS")

            def source() -> contextlib.AbstractAsyncContextManager[Feed]:
                if found.transcoded:
                    return self._rtsp_feed(runner, channel, stream, camera_id)
                return self._flv_feed(runner, channel, stream, camera_id)

            existing = self.hls.open((camera_id, stream), source)
        await existing.wait_ready(self.settings.start_timeout)
        existing.touch()  # idle counts from here, not from the start
        return existing

    def hls_segment(self, camera_id: str, stream: str, sequence: int) -> Path:
        session = self.hls.get((camera_id, stream))
        if session is None or session.ended.is_set():
            raise UnknownStream(f"no live HLS session of {camera_id}/{stream}: load the playlist")
        session.touch()
        path = session.segment(sequence)
        if path is None:
            raise UnknownStream(f"segment {sequence} of {camera_id}/{stream} is gone")
        return path


def _clear(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
