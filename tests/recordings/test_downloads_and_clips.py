"""Downloads through the bridge (byte-identical, Range, a bounded number per camera, no camera
connection left open by a client that goes away), event clips (ffprobe: the expected duration
± 1 s + one GOP), and malformed or hostile ids on every media route."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from fixtures.api_rig import ApiRig
from rec_helpers import direct_download, event_with, eventually, ffprobe, local_path

from bridge.domain.base import utcnow
from bridge.simulator import Simulator
from bridge.simulator.mp4 import GOP_SECONDS


async def some_recording(rig: ApiRig, camera_id: str = "floodlight") -> dict[str, object]:
    found = (
        await rig.client().post(
            "/recordings/search",
            json={
                "camera_id": camera_id,
                "start": (utcnow() - timedelta(hours=20)).isoformat(),
                "end": utcnow().isoformat(),
            },
        )
    ).json()["recordings"]
    assert found
    return min(found, key=lambda r: r["size"])  # type: ignore[no-any-return]


async def test_download_is_byte_identical_with_ranges(rig: ApiRig, sim: Simulator) -> None:
    rec = await some_recording(rig)
    direct = await direct_download(sim.device("floodlight"), str(rec["name"]))
    assert direct.status_code == 200
    client = rig.client()
    whole = await client.get(f"/recordings/{rec['id']}/download")
    assert whole.status_code == 200
    assert whole.content == direct.content
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("attachment; filename=")
    assert whole.headers["content-type"] == "video/mp4"

    size = len(direct.content)
    for header, first, last in (
        ("bytes=100-1099", 100, 1099),
        (f"bytes={size - 10}-", size - 10, size - 1),
        ("bytes=-50", size - 50, size - 1),
    ):
        part = await client.get(f"/recordings/{rec['id']}/download", headers={"Range": header})
        assert part.status_code == 206, header
        assert part.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert part.content == direct.content[first : last + 1]
    outside = await client.get(
        f"/recordings/{rec['id']}/download", headers={"Range": f"bytes={size}-"}
    )
    assert outside.status_code == 416
    assert outside.headers["content-range"] == f"bytes */{size}"

    # the signed download URL opens without a bearer token, for this recording only
    signed = local_path(str(rec["download_url"]))
    async with httpx.AsyncClient(base_url=rig.url, timeout=10) as bare:
        assert (await bare.get(signed)).content == direct.content
        other = signed.replace(f"/recordings/{rec['id']}/", f"/recordings/{int(rec['id']) + 1}/")
        assert (await bare.get(other)).status_code == 403
        assert (await bare.get(f"/recordings/{rec['id']}/download")).status_code == 401


async def test_a_client_that_goes_away_leaves_no_camera_connection(
    rig: ApiRig, sim: Simulator
) -> None:
    """An hour-long recording (144 MB: far more than the socket buffers and the bridge's
    read-ahead hold), one chunk read, the client hangs up: the camera's answer ends at once
    (it cannot have been sent to the end) and the bridge relayed a small part of the file."""
    dev = sim.device("floodlight")
    server = sim.server(dev.id)
    assert server is not None
    dev.sdcard.pre_record = 3600.0
    dev.trigger_event("person", True, 0, duration=0.5)

    async def long_one() -> dict[str, Any] | None:
        found = (
            await rig.client().post(
                "/recordings/search",
                json={
                    "camera_id": "floodlight",
                    "start": (utcnow() - timedelta(hours=2)).isoformat(),
                    "end": utcnow().isoformat(),
                },
            )
        ).json()["recordings"]
        return next((r for r in found if r["size"] >= 100_000_000), None)

    rec = await eventually(long_one)
    downloads = rig.bridge.media.downloads
    relayed = downloads.bytes
    async with (
        httpx.AsyncClient(base_url=rig.url, headers=rig.headers(), timeout=10) as client,
        client.stream("GET", f"/recordings/{rec['id']}/download") as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-length"] == str(rec["size"])
        async for _ in response.aiter_bytes():
            break  # one chunk, then hang up
    async with asyncio.timeout(5):
        while server.downloads_active or downloads.active:
            await asyncio.sleep(0.05)
    assert downloads.bytes - relayed < rec["size"] // 4

    # at most `downloads_per_camera` at once (2): the third gets 429
    async with httpx.AsyncClient(base_url=rig.url, headers=rig.headers(), timeout=10) as client:
        url = f"/recordings/{rec['id']}/download"
        async with client.stream("GET", url) as one, client.stream("GET", url) as two:
            assert (one.status_code, two.status_code) == (200, 200)
            third = await client.get(url)
            assert third.status_code == 429
            assert third.headers["retry-after"]


async def test_event_clip_has_the_expected_duration(
    rig: ApiRig, sim: Simulator, tmp_path: Path
) -> None:
    sim.device("floodlight").trigger_event("vehicle", True, 0, duration=4.0)
    event = await event_with(rig, "floodlight", "recording_id", phase="end")
    assert event["clip_url"]
    async with httpx.AsyncClient(base_url=rig.url, timeout=60) as bare:
        answer = await bare.get(local_path(event["clip_url"]))  # signed: no token needed
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "video/mp4"
        path = tmp_path / "clip.mp4"
        path.write_bytes(answer.content)
        cached = await bare.get(local_path(event["clip_url"]))
        assert cached.content == answer.content
    probe = await ffprobe(path)
    assert {s["codec_name"] for s in probe["streams"]} == {"h264", "aac"}
    rec = await rig.bridge.store.get_recording(event["recording_id"])
    assert rec is not None
    stored = await rig.bridge.store.get_event(event["event_id"])
    assert stored is not None
    assert stored.ended_at is not None
    assert stored.clip is not None
    media = rig.settings.media
    begin = max(stored.started_at - timedelta(seconds=media.clip_pre), rec.start)
    until = min(stored.ended_at + timedelta(seconds=media.clip_post), rec.end)
    expected = (until - begin).total_seconds()
    assert abs(float(probe["format"]["duration"]) - expected) <= 1 + GOP_SECONDS


async def test_hostile_and_malformed_ids(rig: ApiRig, tmp_path: Path) -> None:
    secret = rig.settings.data_dir / "secret.txt"
    secret.write_text("never served")
    client = rig.client()
    for path in (
        "/media/snapshots/floodlight/2026-01-01/..%2F..%2F..%2Fsecret.txt",
        "/media/snapshots/floodlight/2026-01-01/x.txt",
        "/media/snapshots/..%2F..%2F/2026-01-01/x.jpg",
        "/media/clips/floodlight/..%2F..%2F/x.mp4",
        "/media/snapshots/floodlight/2026-01-01/nothing.jpg",
        "/media/other/floodlight/2026-01-01/x.jpg",
        "/media/..%2Fsecret.txt/a/b/c",
        "/recordings/99999999",
        "/recordings/99999999/download",
        "/recordings/99999999/play.mp4",
        "/recordings/..%2F..%2Fsecret.txt/download",
        "/events/..%2F..%2Fsecret/clip",
        "/events/nope/clip",
        "/events/nope/snapshot",
    ):
        answer = await client.get(path)
        assert answer.status_code in (404, 422), (path, answer.status_code)
        assert "never served" not in answer.text
    for path in (
        "/recordings/abc",
        "/recordings/0",
        "/recordings/-1/download",
        "/recordings/abc/play.mp4",
        f"/recordings/{2**64}",
    ):
        assert (await client.get(path)).status_code == 422, path
    assert (await client.get("/media/snapshots/a/b/c.jpg?sig=forged")).status_code == 401


async def test_play_as_fragmented_mp4(rig: ApiRig, tmp_path: Path) -> None:
    rec = await some_recording(rig)
    async with httpx.AsyncClient(base_url=rig.url, timeout=30) as bare:
        answer = await bare.get(local_path(str(rec["play_url"])))  # signed
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "video/mp4"
    assert b"moof" in answer.content  # fragmented
    path = tmp_path / "play.mp4"
    path.write_bytes(answer.content)
    probe = await ffprobe(path)
    assert {s["codec_name"] for s in probe["streams"]} == {"h264", "aac"}
    assert abs(float(probe["format"]["duration"]) - float(rec["duration"])) <= 1 + GOP_SECONDS
    processes = rig.bridge.media.clips.processes
    async with asyncio.timeout(5):
        while processes.running or rig.bridge.media.downloads.active:
            await asyncio.sleep(0.05)
