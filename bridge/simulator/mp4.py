"""Playable MP4 files of any whole number of seconds, for the simulated recordings.

ffmpeg encodes one 10 s base clip once (320x180 H.264, 10 fps, a keyframe every second, 16 kHz
AAC tone; about 5 kB/s, under the byte rate of every simulated file), then each duration is that
clip looped and copied (no re-encoding, milliseconds). Files are cached on disk (shared by every
process and run: `cache_dir()`) and the most recent ones in memory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections import OrderedDict
from pathlib import Path
from typing import ClassVar

from .media import FALLBACK_MP4_PREFIX, _reap, ffmpeg_path

_LOGGER = logging.getLogger(__name__)

VERSION = "v1"
BASE_SECONDS = 10
GOP_SECONDS = 1
MAX_SECONDS = 3600
KEPT_IN_MEMORY = 16

_BASE_ARGS = [
    "-f", "lavfi", "-t", str(BASE_SECONDS), "-i", "testsrc=size=320x180:rate=10",
    "-f", "lavfi", "-t", str(BASE_SECONDS), "-i", "sine=frequency=440:sample_rate=16000",
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
    "-g", str(10 * GOP_SECONDS), "-b:v", "16k", "-maxrate", "24k", "-bufsize", "24k",
    "-c:a", "aac", "-b:a", "16k", "-ac", "1", "-movflags", "+faststart",
]  # fmt: skip


def cache_dir() -> Path:
    """Where the rendered files are kept (`REOLINK_SIM_CACHE`, else the temp dir)."""
    root = os.environ.get("REOLINK_SIM_CACHE") or tempfile.gettempdir()
    return Path(root) / f"reolink-sim-mp4-{VERSION}"


async def _ffmpeg(args: list[str], out: Path, limit: float = 60.0) -> None:
    exe = ffmpeg_path()
    if exe is None:
        raise FileNotFoundError("ffmpeg is not installed")
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.name}.{os.getpid()}.part")
    proc = await asyncio.create_subprocess_exec(
        exe, "-hide_banner", "-loglevel", "error", "-y", *args, "-f", "mp4", str(part),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), limit)
    except BaseException:
        await _reap(proc)
        part.unlink(missing_ok=True)
        raise
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {err.decode(errors='replace')}")
    part.replace(out)


class Mp4Clips:
    """`await clips.get(seconds)` → the bytes of a playable MP4 that long."""

    _memory: ClassVar[OrderedDict[int, bytes]] = OrderedDict()
    _locks: ClassVar[dict[int, asyncio.Lock]] = {}

    async def get(self, seconds: float) -> bytes:
        length = min(MAX_SECONDS, max(1, round(seconds)))
        kept = Mp4Clips._memory.get(length)
        if kept is not None:
            Mp4Clips._memory.move_to_end(length)
            return kept
        if ffmpeg_path() is None:
            return FALLBACK_MP4_PREFIX
        lock = Mp4Clips._locks.setdefault(length, asyncio.Lock())
        try:
            async with lock:
                data = await self._render(length)
        except Exception as exc:  # pragma: no cover - depends on the host's ffmpeg
            _LOGGER.warning("simulator: ffmpeg recording failed, using fallback: %s", exc)
            return FALLBACK_MP4_PREFIX
        finally:
            Mp4Clips._locks.pop(length, None)
        Mp4Clips._memory[length] = data
        while len(Mp4Clips._memory) > KEPT_IN_MEMORY:
            Mp4Clips._memory.popitem(last=False)
        return data

    @staticmethod
    async def _render(length: int) -> bytes:
        root = cache_dir()
        path = root / f"rec-{length}s.mp4"
        if not path.exists():
            base = root / "base.mp4"
            if not base.exists():
                await _ffmpeg(list(_BASE_ARGS), base)
            loop = ["-stream_loop", "-1", "-i", str(base), "-t", str(length), "-c", "copy"]
            await _ffmpeg([*loop, "-movflags", "+faststart"], path)
        return await asyncio.to_thread(path.read_bytes)
