"""Recording downloads relayed from the camera: byte ranges, a bounded number per camera, and the
camera connection released the moment the client goes away (the relay is an async generator
closed by whoever stops reading it).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from bridge.domain.errors import CameraOffline, UnknownCamera
from bridge.media.errors import CameraUnavailable, StreamError
from bridge.pipeline.manager import CameraManager
from bridge.reolink import ReolinkClient
from bridge.store import StoredRecording

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class TooManyDownloads(StreamError):
    """`media.downloads_per_camera` downloads of this camera are running."""

    status = 429


class RangeNotSatisfiable(StreamError):
    """The range is outside the file."""

    status = 416


@dataclass(frozen=True, slots=True)
class ByteRange:
    first: int
    last: int
    size: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    @property
    def content_range(self) -> str:
        return f"bytes {self.first}-{self.last}/{self.size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one range of a `Range` header; None for the whole file (no header, several ranges
    or a form this does not read — the whole file is a valid answer to those)."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None
    start, end = match.groups()
    if not start and not end:
        return None
    if not start:  # the last N bytes
        length = int(end)
        if length == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - length), size - 1, size)
    first = int(start)
    last = size - 1 if not end else min(int(end), size - 1)
    if first >= size or last < first:
        raise RangeNotSatisfiable
    return ByteRange(first, last, size)


class Downloads:
    def __init__(self, manager: CameraManager, per_camera: int) -> None:
        self.manager = manager
        self.per_camera = per_camera
        self.active: dict[str, int] = {}
        self.total = 0
        self.bytes = 0

    def _client(self, recording: StoredRecording) -> ReolinkClient:
        try:
            return self.manager.runner(recording.camera_id).connected_client()
        except (UnknownCamera, CameraOffline) as err:
            raise CameraUnavailable(str(err)) from None

    def open(
        self, recording: StoredRecording, span: ByteRange | None
    ) -> AsyncGenerator[bytes, None]:
        """The relay (a slot taken now: `TooManyDownloads` when there is none)."""
        client = self._client(recording)
        device = recording.camera_id
        if self.active.get(device, 0) >= self.per_camera:
            raise TooManyDownloads(
                f"{self.per_camera} download(s) of camera {device} are running; try again later"
            )
        self.active[device] = self.active.get(device, 0) + 1
        self.total += 1
        first, last = (span.first, span.last) if span is not None else (0, None)
        return self._relay(client.download_recording(recording.name, first, last), device)

    async def _relay(
        self, source: AsyncGenerator[bytes, None], device: str
    ) -> AsyncGenerator[bytes, None]:
        try:
            async with contextlib.aclosing(source) as chunks:
                async for chunk in chunks:
                    self.bytes += len(chunk)
                    yield chunk
                    # A turn of the loop per piece: once the client is gone the server's send
                    # returns at once, and while the camera's bytes are already buffered nothing
                    # here would wait — the relay would read the rest of the file and throw it
                    # away before the response's cancellation got in.
                    await asyncio.sleep(0)
        finally:
            self.active[device] -= 1
            if not self.active[device]:
                del self.active[device]
