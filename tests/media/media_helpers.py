"""Helpers of the live-video tests: ffmpeg processes, ffprobe, playlists."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

IDLE_TIMEOUT = 3.0
"""The HLS idle timeout the media tests run with (seconds)."""


def processes_with(marker: str, name: str = "ffmpeg") -> list[int]:
    """Pids of running `name` processes whose command line contains `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state == "Z" or not argv or not argv[0]:
            continue
        if Path(argv[0].decode(errors="replace")).name == name and marker.encode() in b" ".join(
            argv
        ):
            found.append(int(entry))
    return found


def bridge_ffmpegs(data_dir: Path) -> list[int]:
    """The bridge's ffmpeg processes (their files live under `<data_dir>/streams`)."""
    return processes_with(str((data_dir / "streams").resolve()))


def command_line(pid: int) -> str:
    """One process's command line, as `ps` shows it."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def command_lines() -> str:
    """Every process's command line, as `ps` shows them."""
    lines = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                raw = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            lines.append(raw.replace(b"\0", b" ").decode(errors="replace"))
    return "\n".join(lines)


def password_forms(password: str) -> list[str]:
    """The password as written and as URLs encode it."""
    return [password, quote(password, safe=""), quote(password)]


async def wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(step)


async def run(*argv: str, stdin: bytes | None = None, limit: float = 30) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def probe(source: str, *, seconds: float = 3, stdin: bytes | None = None) -> dict[str, Any]:
    """ffprobe's streams of `source` (a URL, or `pipe:0` with `stdin`), frames counted over the
    first `seconds` (a live playlist never ends)."""
    code, out, err = await run(
        "ffprobe",
        "-v",
        "error",
        "-read_intervals",
        f"%+{seconds}",
        "-count_frames",
        "-show_entries",
        "stream=codec_type,codec_name,width,height,nb_read_frames",
        "-of",
        "json",
        source,
        stdin=stdin,
    )
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def frames(probed: dict[str, Any], kind: str = "video") -> int:
    return sum(
        int(s.get("nb_read_frames") or 0) for s in probed["streams"] if s["codec_type"] == kind
    )


def codecs(probed: dict[str, Any]) -> dict[str, str]:
    return {s["codec_type"]: s["codec_name"] for s in probed["streams"]}


_SEGMENT = re.compile(r"^(\d+)\.ts", re.MULTILINE)


def segments(playlist: str) -> list[int]:
    """The sequence numbers of the playlist's segments."""
    return [int(n) for n in _SEGMENT.findall(playlist)]


def media_sequence(playlist: str) -> int:
    found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", playlist)
    assert found is not None, playlist
    return int(found.group(1))
