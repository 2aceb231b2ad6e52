"""Media the simulated camera serves: JPEG snapshots, MP4 recordings, HTTP-FLV live streams.

ffmpeg (when installed) renders a test pattern per device; without it, ``Snap`` falls back to a
small JPEG embedded below and recordings to synthetic bytes, and the FLV stream answers 503.
Everything ffmpeg renders once is cached per process.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import shutil
from collections.abc import AsyncGenerator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from .state import ChannelState

_LOGGER = logging.getLogger(__name__)

#: A 96x54 baseline JPEG of ffmpeg's test pattern, used when ffmpeg is not installed.
FALLBACK_JPEG: bytes = base64.b64decode(
    "".join(
        [
            "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgQEBMQExYWFhYWFhoYGhsbGxoaGhob"
            "GxsdHR0iIiIdHR0bGx0dICAiIiUmJSMjIiMmJigoKDAwLi44ODpFRVP/xAC6AAADAQEBAQEAAAAAAAAAAAAABgcI"
            "BQQCAwEAAgMBAQEAAAAAAAAAAAAAAAcFBggDBAEQAAAFAAcCCAsFCQEAAAAAAAACAxEBQ4IhEsEEBRMxslFBcdGB"
            "BiKhsWJhFJJCFVKTMoPDs3PSRHQjkTU04VNUMxEAAQIDAwcGCAwGAwEAAAAAAQIABAMRMSEFEkODgcFCwhPRk3Ei"
            "UbHSkVNSQQYUFZKhszWCVHJhsmIy4fHiRKN0IzQzY//AABEIADYAYAMBEgACEgADEgD/2gAMAwEAAhEDEQA/AM/g"
            "AxjGzadSVcR7dFS26sk3PJX5ovTLWTa24RUVu69j9S5fLTJSO8mvULz330sbAwLP6Pjdfh434OgY+JplGWmXkilR"
            "lqKkoqKp7OURlUNaVo6bp2TplC8WzieE3B/nxBxiIiIiIaIsiI5B64CFzqx9wH81PB5e52oAAUFwHqdf9q8dtgYW"
            "Z6QiVJ+aCq9fKgDuTX9waDWtUxSlKUVKUSpSlEkqJvJJN5JNpc3ALUx7nY1nUaOtgDUaOtgJaF3tW1kLvatrX+O5"
            "jScDMdzGk4GsgEqxr9j2KAYAY7UxrOo0dbAGo0dbAS0LvatrIXe1bWv8dzGk4GY7mNJwNZAJZjX7GuafnNkbZnN3"
            "J3P7JufkieXz9YWAyYKK5M5Cz2DZXdOwHwuvvRXtRgXvsv3qGl1iEUywm2bLA9GnamJuybCU1F5yQ3A9G6dSVcRx"
            "+z60roHmd5bpZnjZ7d88jP5wwYrd17HFJmmdJlk2pqknvpS+3ut/F5AwLP6Pjd8n4enDsRi0ooJc0SpyEinZCzMB"
            "TQJSAAoKyQK0TS+rfgD4x9GPAAAMYx1XsuSJPmTcsQnHrSacB+vZf9q+x+8EjDJBUVesCnl/k+sLvatrpeNz1Jky"
            "5NBkrmcoTfWstJSKX0pSYa3dz8eO5jScDrIBKsa/Y5qAWlj3WxrOo0dbAGo0dbAS0LvatrIXe1bWv8dzGk4GY7mN"
            "JwNZAJVjX7HsUAwAx2pjWdRo62ANRo62AloXe1bWQu9q2tf47mNJwMx3MaTgayASzGv2OdnlEqi2XKdScwjC18sp"
            "lhF0CmMpBVdoY8wxDXJlKL0s8FezinIb3tny7Q7x7yc7EvGuoru/cud9mNdLG+brWC/+6/q+T+LlXqv4d/8Ah/k/"
            "oa/da7MrmLm1UWi6dGVJm13TOQsNazMpL2cQ8fZv+oz+6q/ioiKhd7VtZC72ra2BjuY0nAzHcxpOB3kAlWNfseAB"
            "X8tmUCs6yUc5y9IHSZsqYbELP1TzMbbnxMg2TZR+unnfh7MKQVTME+KCTFvw3rG5bJfqFVymdys7swhLb/4hLPCG"
            "LDrAXkekCRf6Pq+WuppKdInDNzPiq5nnjGYVUyFEQKkSZiUKASSAJoPbKt0AoCbxeVC9uBYM6vJjlKW5HapXvpV+"
            "0dlRQhocpizE2xMTEuNEvOMuCiiAfd59D6+TXzPJbd0XESUqUkzZYUklKklaQQRcQRWoINoccD0qsnO45PWjpGt3"
            "mFGHxn2WI6KZ4rfrzHEQEYbIaIPVKmeK4/qNHWwFO9IRJ9SqZX4zljxyNaQu9q2vOMNAxf2af0S/Fbcx3MaTgeeJ"
            "sFFSqZcPPRWzKlLFad1Q4WL4XOZX/ej8wnSNRtLw8LEC2TNHWhXM2O1OYaf5qZ8RXM6SJzmUFTOyak8xTdAzQ9TS"
            "sQghbFQ400vxnoJpKRCRAtkTho1czYNRo62AjGbyuYjeirD7u4a3wDN8Lvatr1xJxKBP93DdNL8Z23HcxpOB8UDk"
            "acp/x1sy+zWndWjoIkiWWXjekr6hugZdesV4jA/a4bppfjOityQ8VDi2dKHWtPO+2ZdY6WxMooZJil2cmNKbFa7F"
            "yZutDQ0NYw+EpbeM+cov0leUt6rjIbz8npEc7e3ukN5iT0aOZ16HlTBahQ60l0Tszl5NmFcw7QRPZM2/aGKZ7z+z"
            "s9ze0Fr0XMH+lFUzcRDT4oCchgaKPquvbIiVp9IeUONxxaSqSnKGUApRTUVAVQAkW0JSaH10LnZUfBza5ETDrpbk"
            "zZZpXvop6NGajZDOf82Y+Uf9Ipb4RArZf1NTN1iKh/PSukTzuKgHdjSjGzadSVcQadSVcRFRW7r2Mit3XsbAwLP6"
            "PjZgWf0fG6npmZmDbGXmDPJfJmImZ6p8fOOZp/8AdJ1uBIkMPnkK5I1IP7fwIqTqPhcfA/8AYR9b8pdO9sMJRMk+"
            "/wAvIQuVRM641mpUpKEGouykE0vFSk29kB3D2p+horQ/Py39gDpY7YxrOo0dbAGo0dbAS0LvatrIXe1bWv8AHcxp"
            "OBmO5jScDWQCVY1+x7FAMAMdqY1nUaOtgDUaOtgJaF3tW1kLvatrX+O5jScDMdzGk4GsgEsxr9j4WmZaDzKxmmCy"
            "xY8qyb3Vyf4HT0r/AMDfmTwShn4fICiZqqHJNAP1XGur1OQw3/xV98+BLfXthiy5CEwMrLQqakLmrBABlEqTyff2"
            "iO1ZcKXgl1D21+kZP+qj52a6bp1JVxBp1JVxHrit3XsZFbuvY6/gWf0fGzAs/o+NswBEsbAY/wD/2Q=="
        ]
    )
)

#: What recordings start with when ffmpeg cannot make a real clip: a bare ``ftyp`` box.
FALLBACK_MP4_PREFIX = (24).to_bytes(4, "big") + b"ftypisom" + bytes(4) + b"isomiso2"

MAX_SNAPSHOT_EDGE = 1280
HUE_BUCKETS = 6


def live_shape(ch: ChannelState, kind: str) -> tuple[int, int, int, int]:
    """(width, height, fps, GOP seconds) of a live stream the simulator renders (FLV, RTSP):
    smaller than the camera's (a 4K test pattern would only burn CPU) — 1280x720 main (960x720
    for 4:3), 640x360 sub and ext; the sub stream at the frame rate GetEnc reports, main at
    15 fps (cheaper than 25); keyframes every `gop` seconds, as GetEnc says."""
    w, h = (640, 360) if kind in ("sub", "ext") else (1280, 720)
    if kind == "main" and ch.profile.main_size[0] * 3 == ch.profile.main_size[1] * 4:
        w, h = 960, 720
    enc = ch.enc.get("subStream" if kind == "sub" else "mainStream", {})
    fps = int(enc.get("frameRate", 15)) if kind == "sub" else 15
    return w, h, fps, max(int(enc.get("gop", 2)), 1)


def ffmpeg_path() -> str | None:
    """The ffmpeg binary, if installed."""
    return shutil.which("ffmpeg")


async def _reap(proc: asyncio.subprocess.Process) -> None:
    """Kill ``proc`` (if running), wait for it and close its pipes."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
    try:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), 5)
    finally:
        transport = getattr(proc, "_transport", None)  # asyncio keeps the pipes open otherwise
        if transport is not None:
            transport.close()


async def run_ffmpeg(args: Sequence[str], limit: float | None = 20.0) -> bytes:
    """What ffmpeg writes to stdout for ``args`` (within ``limit`` seconds; None: no limit); a
    failure, an empty output or the limit raise (the process is reaped)."""
    exe = ffmpeg_path()
    if exe is None:
        raise FileNotFoundError("ffmpeg is not installed")
    proc = await asyncio.create_subprocess_exec(
        exe,
        "-hide_banner",
        "-loglevel",
        "error",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except BaseException:
        await _reap(proc)
        raise
    if proc.returncode != 0 or not out:
        detail = err.decode(errors="replace")[-300:]
        raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {detail}")
    return out


def snapshot_size(
    main: tuple[int, int], sub: tuple[int, int], stream: str, width: int | None, height: int | None
) -> tuple[int, int]:
    """The size of the JPEG to serve (the requested size, capped, even numbers)."""
    if width and height:
        w, h = width, height
    else:
        w, h = sub if stream == "sub" else main
    scale = min(1.0, MAX_SNAPSHOT_EDGE / max(w, h, 1))
    w, h = max(16, int(w * scale)), max(16, int(h * scale))
    return w - w % 2, h - h % 2


class MediaCache:
    """Cache of rendered snapshots and the recording clip.

    Finished renders are shared by every instance in the process (plain bytes); renders in
    progress belong to the instance (and its event loop).
    """

    _done: ClassVar[dict[tuple[int, int, int], bytes]] = {}
    _clip_done: ClassVar[bytes | None] = None

    def __init__(self) -> None:
        self._jpegs: dict[tuple[int, int, int], asyncio.Task[bytes]] = {}
        self._clip: asyncio.Task[bytes] | None = None
        self._warming: asyncio.Task[None] | None = None

    def _render(self, key: tuple[int, int, int]) -> asyncio.Task[bytes]:
        task = self._jpegs.get(key)
        if task is None and key in MediaCache._done:
            data = MediaCache._done[key]

            async def cached() -> bytes:
                return data

            task = asyncio.get_running_loop().create_task(cached())
            self._jpegs[key] = task
            return task
        if task is None:
            task = asyncio.get_running_loop().create_task(self._render_jpeg(*key))
            self._jpegs[key] = task
        return task

    @staticmethod
    async def _render_jpeg(bucket: int, width: int, height: int) -> bytes:
        hue = bucket * (360 // HUE_BUCKETS)
        try:
            data = await run_ffmpeg(
                [
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc2=size={width}x{height}:rate=1",
                    "-frames:v",
                    "1",
                    "-vf",
                    f"hue=h={hue}",
                    "-c:v",
                    "mjpeg",
                    "-q:v",
                    "5",
                    "-f",
                    "image2pipe",
                    "pipe:1",
                ]
            )
        except Exception as exc:  # pragma: no cover - depends on the host's ffmpeg
            _LOGGER.warning("simulator: ffmpeg snapshot failed, using fallback: %s", exc)
            return FALLBACK_JPEG
        MediaCache._done[(bucket, width, height)] = data
        return data

    async def snapshot(self, seed: int, width: int, height: int, wait: float = 0.25) -> bytes:
        """A JPEG of the test pattern, tinted per device (``seed``), ``width`` x ``height``.

        A size not rendered yet is rendered in the background; if that takes longer than
        ``wait`` seconds, this answer is the small built-in JPEG (a camera answers quickly).
        """
        if ffmpeg_path() is None:
            return FALLBACK_JPEG
        task = self._render((seed % HUE_BUCKETS, width, height))
        try:
            return await asyncio.wait_for(asyncio.shield(task), wait)
        except TimeoutError:
            return FALLBACK_JPEG

    def warm(self, snapshots: list[tuple[int, int, int]]) -> None:
        """Render the clip and these (seed, width, height) snapshots in the background."""
        if ffmpeg_path() is None or self._warming is not None:
            return
        keys = sorted({(seed % HUE_BUCKETS, w, h) for seed, w, h in snapshots})
        keys = [k for k in keys if k not in MediaCache._done]
        if not keys and MediaCache._clip_done is not None:
            return

        async def run() -> None:
            await self.clip()
            for key in keys:
                await self._render(key)

        self._warming = asyncio.get_running_loop().create_task(run())

    async def close(self) -> None:
        """Stop background rendering."""
        # one cancellation per task: the warm-up first (it passes its cancel on to the render
        # it waits for), then whatever renders are still running
        if self._warming is not None and not self._warming.done():
            self._warming.cancel()
            await asyncio.gather(self._warming, return_exceptions=True)
        tasks: list[asyncio.Task[Any]] = [t for t in self._jpegs.values() if not t.done()]
        if self._clip is not None and not self._clip.done():
            tasks.append(self._clip)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def clip(self) -> bytes:
        """A 2-second H.264 MP4 test clip (the start of every recording)."""
        if MediaCache._clip_done is not None:
            return MediaCache._clip_done
        if ffmpeg_path() is None:
            return FALLBACK_MP4_PREFIX
        if self._clip is None:
            self._clip = asyncio.get_running_loop().create_task(self._render_clip())
        return await asyncio.shield(self._clip)

    @staticmethod
    async def _render_clip() -> bytes:
        try:
            data = await run_ffmpeg(
                [
                    "-f",
                    "lavfi",
                    "-i",
                    "testsrc=size=320x180:rate=10",
                    "-t",
                    "2",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-movflags",
                    "+frag_keyframe+empty_moov",
                    "-f",
                    "mp4",
                    "pipe:1",
                ]
            )
        except Exception as exc:  # pragma: no cover - depends on the host's ffmpeg
            _LOGGER.warning("simulator: ffmpeg clip failed, using fallback: %s", exc)
            return FALLBACK_MP4_PREFIX
        MediaCache._clip_done = data
        return data


class FlvStreams:
    """Live HTTP-FLV test-pattern streams, one ffmpeg process per connected client."""

    def __init__(self) -> None:
        self._procs: set[asyncio.subprocess.Process] = set()

    @property
    def active(self) -> int:
        return len(self._procs)

    @staticmethod
    def available() -> bool:
        return ffmpeg_path() is not None

    async def stream(
        self, width: int, height: int, fps: int = 15, *, gop: int = 2, audio: bool = False
    ) -> AsyncGenerator[bytes, None]:
        """FLV bytes as ffmpeg produces them (real time); the process dies with the iterator.

        H.264 with a keyframe every `gop` seconds and, for a camera with a microphone, AAC audio
        (a 440 Hz tone, 16 kHz mono, as Reolink cameras send).
        """
        exe = ffmpeg_path()
        if exe is None:
            raise FileNotFoundError("ffmpeg is not installed")
        inputs = ["-re", "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}"]
        encode = ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"]
        encode += ["-pix_fmt", "yuv420p", "-g", str(fps * max(gop, 1))]
        if audio:
            inputs += ["-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000"]
            encode += ["-c:a", "aac", "-b:a", "32k", "-ac", "1"]
        proc = await asyncio.create_subprocess_exec(
            exe,
            "-hide_banner",
            "-loglevel",
            "error",
            *inputs,
            *encode,
            "-f",
            "flv",
            "pipe:1",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self._procs.add(proc)
        try:
            assert proc.stdout is not None
            while True:
                chunk = await proc.stdout.read(64 * 1024)
                if not chunk:
                    break
                yield chunk
        finally:
            await self._kill(proc)

    async def _kill(self, proc: asyncio.subprocess.Process) -> None:
        # forgotten only once reaped: if this is interrupted, close() reaps it again
        await _reap(proc)
        self._procs.discard(proc)

    async def close(self) -> None:
        """Kill every running ffmpeg."""
        await asyncio.gather(*(self._kill(p) for p in list(self._procs)))
