"""Pictures and video: snapshots, recordings (search, download) and live stream URLs (a mixin)."""

from __future__ import annotations

import re
import secrets
import time
from abc import abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Literal

import httpx

from bridge.domain.recordings import Recording
from bridge.reolink import streams
from bridge.reolink._base import ClientBase
from bridge.reolink._json import JsonObject, int_or_none, obj, objects
from bridge.reolink.clock import CameraClock, file_flags
from bridge.reolink.const import DEFAULT_PORTS, MAX_SNAPSHOT_BYTES
from bridge.reolink.encoding import StreamEncoding, StreamName, parse_enc
from bridge.reolink.errors import NotSupportedError, ProtocolError
from bridge.reolink.wire import Request, describe_body

_JPEG_MAGIC = b"\xff\xd8"
CLOCK_MAX_AGE = 3600.0
"""Seconds the camera's clock settings (`GetTime`) are reused."""
_FILE_NAME = re.compile(r"Rec\w{3}(?:_|_DST)(\d{8})_(\d{6})_(\d{6})_")
"""Recording file names: Rec<M|S><chan>_<yyyymmdd>_<hhmmss>_<hhmmss>_<hex>_<hexsize>.mp4."""


class Media(ClientBase):
    """Snapshots, recordings and stream URLs of `ReolinkClient`."""

    host: str
    port: int
    username: str
    _password: str
    _clock_kept: tuple[float, CameraClock] | None = None

    @abstractmethod
    def _open(
        self, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> AbstractAsyncContextManager[httpx.Response]:
        """A streamed, authenticated GET of the API; device errors raised before it opens."""

    @abstractmethod
    def _open_bulk(
        self, params: Mapping[str, str], headers: Mapping[str, str] | None = None
    ) -> AbstractAsyncContextManager[tuple[int, AsyncIterator[bytes]]]:
        """A file GET on the fast connection: (HTTP status, body chunks); device errors raised
        before it opens."""

    @abstractmethod
    async def _aread(self, response: httpx.Response, limit: int) -> bytes:
        """The whole body; `ProtocolError` past `limit` bytes."""

    @abstractmethod
    def _iter_bytes(self, response: httpx.Response, limit: int) -> AsyncIterator[bytes]:
        """The body as it arrives; `ProtocolError` past `limit` bytes."""

    @property
    @abstractmethod
    def base_url(self) -> str: ...

    async def snapshot(self, channel: int = 0, stream: Literal["main", "sub"] = "main") -> bytes:
        """A JPEG of the channel now (`Snap`). Device errors (-48 snap failed, …) → `ApiError`."""
        self._require(channel, "snapshots", lambda c: c.has("snapshot"))
        params = {
            "cmd": "Snap",
            "channel": str(channel),
            "rs": secrets.token_hex(8),  # defeats caches; the guide calls it mandatory
            "snapType": stream,
        }
        async with self._open(params) as response:
            kind = response.headers.get("content-type", "")
            body = await self._aread(response, MAX_SNAPSHOT_BYTES)
        if not kind.lower().startswith("image/jpeg") or not body.startswith(_JPEG_MAGIC):
            raise ProtocolError(f"Snap answered {describe_body(len(body), kind)}, not a JPEG")
        return body

    async def search_recordings(
        self,
        channel: int,
        start: datetime,
        end: datetime,
        stream: Literal["main", "sub"] = "main",
    ) -> list[Recording]:
        """Recorded files overlapping [start, end] (`Search`).

        Times are the device's local wall-clock time: the fields of `start`/`end` are sent as
        they are (any tzinfo is ignored) and the results are naive datetimes.
        """
        if end < start:
            raise ValueError("end is before start")
        self._channel(channel)
        search = {
            "channel": channel,
            "onlyStatus": 0,
            "streamType": stream,
            "StartTime": _wire_time(start),
            "EndTime": _wire_time(end),
        }
        answer = await self._run(Request("Search", {"Search": search}))
        found = []
        for item in objects(obj(answer.value, "SearchResult"), "File"):
            recording = _recording(item, channel, stream)
            if recording is not None:
                found.append(recording)
        return sorted(found, key=lambda r: r.start)

    async def clock(self) -> CameraClock:
        """The camera's time zone and DST rule (`GetTime`), read at most once an hour."""
        kept = self._clock_kept
        if kept is not None and time.monotonic() - kept[0] < CLOCK_MAX_AGE:
            return kept[1]
        answer = await self._run(Request("GetTime", {}))
        value = answer.value if isinstance(answer.value, dict) else {}
        try:
            clock = CameraClock.from_get_time(value)
        except ValueError as err:
            raise ProtocolError(str(err)) from None
        self._clock_kept = (time.monotonic(), clock)
        return clock

    async def recordings(
        self,
        channel: int,
        start: datetime,
        end: datetime,
        stream: Literal["main", "sub"] = "main",
    ) -> list[Recording]:
        """`search_recordings` in UTC: aware `start`/`end` in, aware UTC times out (the camera's
        local times converted with its zone and DST rule; a file's DST flag settles a repeated
        hour)."""
        clock = await self.clock()
        found = await self.search_recordings(
            channel, clock.to_local(start), clock.to_local(end), stream
        )
        out = []
        for rec in found:
            dst = file_flags(rec.name).dst
            begin = clock.to_utc(rec.start, dst)
            until = clock.to_utc(rec.end, dst)
            if until < begin:  # it ended after a fall-back: the end is standard time
                until = clock.to_utc(rec.end, False)
            out.append(rec.model_copy(update={"start": begin, "end": until}))
        return out

    async def download_recording(
        self, name: str, first: int = 0, last: int | None = None
    ) -> AsyncGenerator[bytes, None]:
        """The file's bytes as they arrive (`Download`), from byte `first` to `last` (inclusive;
        None: the end) — asked with `Range`, and cut here if the device sends the whole file.
        Use with `contextlib.aclosing` when you may stop early, so that the connection is
        released at once."""
        if not name or "\n" in name:
            raise ValueError(f"bad recording name {name!r}")
        if first < 0 or (last is not None and last < first):
            raise ValueError(f"bad byte range {first}-{last}")
        output = name.rsplit("/", 1)[-1]
        params = {"cmd": "Download", "source": name, "output": output}
        ranged = first > 0 or last is not None
        headers = {"Range": f"bytes={first}-{'' if last is None else last}"} if ranged else None
        async with self._open_bulk(params, headers) as (status, body):
            skip = first if ranged and status != 206 else 0
            left = None if last is None else last - first + 1
            async for received in body:
                cut = min(skip, len(received))
                skip -= cut
                piece = received[cut:] if left is None else received[cut : cut + left]
                if left is not None:
                    left -= len(piece)
                if piece:
                    yield piece
                if left == 0:
                    return

    async def get_encodings(self, channel: int = 0) -> list[StreamEncoding]:
        """The channel's streams with codec, size, frame rate and bit rate (`GetEnc`)."""
        self._channel(channel)
        answer = await self._run(Request("GetEnc", {"channel": channel}))
        return parse_enc(answer.value)

    def stream_url(
        self,
        channel: int = 0,
        protocol: Literal["rtsp", "rtmp", "flv"] = "rtsp",
        stream: StreamName = "main",
    ) -> str:
        """The live stream URL. IT CONTAINS THE PASSWORD: for internal use only (ffmpeg, the
        stream proxy); never log it or return it to an API client."""
        self._channel(channel)
        ports = self.capabilities.ports if self.capabilities is not None else None
        user, password = self.username, self._password
        if protocol == "rtsp":
            port = ports.rtsp if ports is not None else DEFAULT_PORTS["rtsp"]
            if port is None:
                raise NotSupportedError("RTSP is disabled on the device")
            return streams.rtsp_url(self.host, port, user, password, channel, stream)
        rtmp = ports.rtmp if ports is not None else DEFAULT_PORTS["rtmp"]
        if rtmp is None:
            raise NotSupportedError("RTMP (and with it HTTP-FLV) is disabled on the device")
        if protocol == "rtmp":
            return streams.rtmp_url(self.host, rtmp, user, password, channel, stream)
        if ports is not None and not ports.http_flv:
            raise NotSupportedError("the device does not serve HTTP-FLV")
        return streams.flv_url(self.base_url, rtmp, user, password, channel, stream)


def _wire_time(moment: datetime) -> dict[str, int]:
    return {
        "year": moment.year,
        "mon": moment.month,
        "day": moment.day,
        "hour": moment.hour,
        "min": moment.minute,
        "sec": moment.second,
    }


def _from_wire(value: JsonObject) -> datetime | None:
    year, mon, day, hour, minute, sec = (
        int_or_none(value.get(k)) for k in ("year", "mon", "day", "hour", "min", "sec")
    )
    if year is None or mon is None or day is None or hour is None or minute is None:
        return None
    try:
        return datetime(year, mon, day, hour, minute, sec or 0)  # device local time: naive
    except ValueError:
        return None


def _recording(item: JsonObject, channel: int, stream: str) -> Recording | None:
    name = item.get("name")
    if not isinstance(name, str) or not name:
        return None
    start, end = _from_wire(obj(item, "StartTime")), _from_wire(obj(item, "EndTime"))
    if start is None or end is None:
        match = _FILE_NAME.search(name)
        if match is None:
            return None
        day, begin, until = match.groups()
        start = datetime.strptime(day + begin, "%Y%m%d%H%M%S")
        end = datetime.strptime(day + until, "%Y%m%d%H%M%S")
    kind = item.get("type")
    return Recording(
        triggers=file_flags(name).triggers,
        name=name,
        channel=channel,
        start=start,
        end=end,
        size=max(int_or_none(item.get("size")) or 0, 0),
        stream="sub" if (kind if kind in ("main", "sub") else stream) == "sub" else "main",
    )
