"""A recording as fragmented MP4 for a browser's `<video>`: the camera's file relayed through
ffmpeg, remuxed without re-encoding (`-c copy`, `frag_keyframe+empty_moov`), as it is read.

ffmpeg reads the file from a pipe, which needs the `moov` box before the media (as the
simulator's files have it); a file with its index at the end is better downloaded.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import ffmpeg

from bridge.media.errors import UpstreamFailed
from bridge.media.processes import ProcessRegistry

CHUNK = 64 * 1024


def remux_argv(ffmpeg_bin: str) -> list[str]:
    argv: list[str] = (
        ffmpeg.input("pipe:0", f="mp4")
        .output("pipe:1", c="copy", f="mp4", movflags="frag_keyframe+empty_moov+default_base_moof")
        .global_args("-hide_banner", "-loglevel", "error")
        .compile(cmd=ffmpeg_bin)
    )
    return argv


async def fragmented_mp4(
    processes: ProcessRegistry, ffmpeg_bin: str, source: AsyncGenerator[bytes, None]
) -> AsyncGenerator[bytes, None]:
    """Fragmented MP4 bytes as ffmpeg makes them; ffmpeg and the camera connection end with
    the generator (closed by the response, however it ends)."""
    try:
        proc = await processes.spawn(remux_argv(ffmpeg_bin), stdout=asyncio.subprocess.PIPE)
    except OSError as err:
        await source.aclose()
        raise UpstreamFailed(f"ffmpeg cannot start: {err.strerror}") from None
    assert proc.stdin is not None
    assert proc.stdout is not None
    stdin = proc.stdin

    async def feed() -> None:
        try:
            async for chunk in source:
                stdin.write(chunk)
                await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with contextlib.suppress(Exception):
                stdin.close()

    feeder = asyncio.get_running_loop().create_task(feed())
    try:
        while chunk := await proc.stdout.read(CHUNK):
            yield chunk
    finally:
        feeder.cancel()
        await asyncio.gather(feeder, return_exceptions=True)
        await source.aclose()
        await processes.kill(proc)
