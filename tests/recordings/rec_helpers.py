"""Helpers of the event-media tests: waiting for rows and files, ffprobe, direct downloads."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from api_rig import ApiRig

from bridge.simulator import SimulatedDevice

T = TypeVar("T")

MEDIA = {
    "index_interval": 3600,
    "index_after_event": 0.1,
    "index_days": 1,
    "clip_pre": 1,
    "clip_post": 1,
}
"""`media:` of the bridge under test: a pass 5 s after the start, then one after each event."""


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 30.0) -> T:
    """The first non-empty answer of `probe`, asked every 0.1 s (a time-based condition)."""
    async with asyncio.timeout(timeout):
        while True:
            found = await probe()
            if found:
                return found
            await asyncio.sleep(0.1)


async def event_with(rig: ApiRig, camera_id: str, field: str, phase: str | None = None) -> Any:
    client = rig.client()

    async def probe() -> Any:
        page = (await client.get("/events", params={"camera_id": camera_id})).json()
        for event in page["events"]:
            if event["type"] != "online" and event.get(field) and phase in (None, event["phase"]):
                return event
        return None

    return await eventually(probe)


def local_path(url: str) -> str:
    """An absolute bridge URL as a path+query for the rig's client (prefix /api/v1 cut)."""
    parts = urlsplit(url)
    path = parts.path.removeprefix("/api/v1")
    return f"{path}?{parts.query}" if parts.query else path


async def ffprobe(path: Path) -> dict[str, Any]:
    exe = shutil.which("ffprobe")
    assert exe is not None
    proc = await asyncio.create_subprocess_exec(
        exe, "-v", "error", "-show_entries", "format=duration,format_name:stream=codec_name",
        "-of", "json", str(path), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 0
    data: dict[str, Any] = json.loads(out)
    return data


async def direct_download(
    dev: SimulatedDevice, name: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    params = {"cmd": "Download", "source": name, "user": dev.username, "password": dev.password}
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.get(
            f"http://{dev.host}:{dev.port}/cgi-bin/api.cgi", params=params, headers=headers
        )
