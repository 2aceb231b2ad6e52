"""What an HLS session's ffmpeg reads and how it is told to: its feeds and its command line.

- `flv_input` + `pump_flv`: the camera's HTTP-FLV, pulled by the bridge and piped into stdin.
- `rtsp_input`: the camera's RTSP through the loopback relay (`bridge.media.rtsp_relay`).
- `hls_command`: the argv, with no URL holding a credential; video copied, or re-encoded to
  H.264 for a transcoded stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

from bridge.config import StreamSettings
from bridge.media.errors import UpstreamFailed

WINDOW = 6
"""Segments in the viewers' playlist (and in ffmpeg's)."""
MAX_KEYFRAME_INTERVAL = 2.0
"""Seconds between two keyframes of a transcoded stream, at most."""


@dataclass(frozen=True, slots=True)
class Feed:
    """What one ffmpeg run reads, and what feeds it."""

    input: Any
    """ffmpeg's input (an `ffmpeg.input` node): FLV on stdin, or the RTSP relay's URL."""
    transcode: bool
    """Re-encode the video to H.264 (else copy it)."""
    run: Callable[[asyncio.subprocess.Process], Awaitable[None]]
    """Feeds the running ffmpeg until the camera's stream ends (raises why) or ffmpeg goes
    (returns)."""


def flv_input() -> Any:
    """FLV on ffmpeg's stdin."""
    return ffmpeg.input("pipe:0", f="flv", analyzeduration=1_000_000, probesize=1_000_000)


def rtsp_input(url: str) -> Any:
    """RTSP over TCP (one connection, RTP interleaved), from the loopback relay."""
    return ffmpeg.input(
        url,
        rtsp_transport="tcp",
        analyzeduration=1_000_000,
        probesize=1_000_000,
        timeout=10_000_000,
    )


def hls_command(
    executable: str, run_dir: Path, settings: StreamSettings, feed: Feed | None = None
) -> list[str]:
    """ffmpeg's argv: the feed's input → HLS in `run_dir` (no credential in it). Video and audio
    copied as they are, or (`feed.transcode`) the video re-encoded to H.264 with a keyframe at
    least every `MAX_KEYFRAME_INTERVAL` seconds and every segment."""
    source = flv_input() if feed is None else feed.input
    codecs: dict[str, Any] = {"c": "copy"}
    if feed is not None and feed.transcode:
        keyframes = min(settings.segment_seconds, MAX_KEYFRAME_INTERVAL)
        codecs = {
            "c:v": "libx264",
            "preset": "veryfast",
            "tune": "zerolatency",
            "pix_fmt": "yuv420p",
            "force_key_frames": f"expr:gte(t,n_forced*{keyframes:g})",
            "sc_threshold": 0,
            "c:a": "copy",
        }
    output = ffmpeg.output(
        source["v"],
        source["a?"],
        str(run_dir / "index.m3u8"),
        f="hls",
        **codecs,
        hls_time=settings.segment_seconds,
        hls_list_size=WINDOW,
        hls_flags="temp_file+independent_segments",
        hls_segment_type="mpegts",
        hls_segment_filename=str(run_dir / "%d.ts"),
    )
    return [
        executable,
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostats",
        "-nostdin",
        *output.get_args(),
    ]


async def pump_flv(
    chunks: AsyncIterator[bytes], proc: asyncio.subprocess.Process, camera_id: str
) -> None:
    """Camera → ffmpeg's stdin, one chunk at a time (ffmpeg's pace is the camera's)."""
    assert proc.stdin is not None
    try:
        async for chunk in chunks:
            proc.stdin.write(chunk)
            await proc.stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        return  # ffmpeg is gone: its exit is the news
    raise UpstreamFailed(f"camera {camera_id} ended the stream")
