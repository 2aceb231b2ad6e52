"""HLS through the bridge, against the simulator with real ffmpeg: playable, shared by viewers,
restarted when ffmpeg dies, bounded, and clear when the camera is away."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx
import pytest
from fixtures.api_rig import ApiRig
from media_helpers import (
    IDLE_TIMEOUT,
    bridge_ffmpegs,
    codecs,
    frames,
    media_sequence,
    probe,
    segments,
    wait_for,
)

from bridge.simulator import Simulator

PLAYLIST = "/cameras/{camera}/streams/{stream}/index.m3u8"


async def playlist_with(
    client: httpx.AsyncClient, camera: str, stream: str, count: int, limit: float = 20
) -> str:
    """The playlist, once it lists at least `count` segments (fetched as a player does)."""
    async with asyncio.timeout(limit):
        while True:
            answer = await client.get(PLAYLIST.format(camera=camera, stream=stream))
            assert answer.status_code == 200, answer.text
            if len(segments(answer.text)) >= count:
                return answer.text
            await asyncio.sleep(0.5)


async def test_the_playlist_plays_with_video_and_audio(rig: ApiRig) -> None:
    client = rig.client()
    started = time.monotonic()
    first = await client.get(PLAYLIST.format(camera="doorbell", stream="sub"))
    waited = time.monotonic() - started
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert segments(first.text), "the first answer waits for a segment"
    assert waited < rig.settings.streams.start_timeout
    text = await playlist_with(client, "doorbell", "sub", 3)
    assert "#EXT-X-TARGETDURATION:2" in text  # cut at the simulator's 2 s keyframes
    url = f"{rig.url}{PLAYLIST.format(camera='doorbell', stream='sub')}?token={rig.token}"
    probed = await probe(url, seconds=3)
    assert codecs(probed) == {"video": "h264", "audio": "aac"}  # remuxed, audio passed through
    assert frames(probed) >= 20  # 10 fps
    last = segments(text)[-1]
    segment = await client.get(f"/cameras/doorbell/streams/sub/{last}.ts")
    assert segment.status_code == 200
    assert segment.headers["content-type"] == "video/mp2t"
    assert frames(await probe("pipe:0", stdin=segment.content)) >= 10
    alias = f"{rig.url}/cameras/doorbell/stream/hls?token={rig.token}"  # docs' ffplay line
    assert codecs(await probe(alias, seconds=2)) == {"video": "h264", "audio": "aac"}
    gone = await client.get("/cameras/doorbell/streams/sub/999999.ts")
    assert gone.status_code == 404


async def test_ten_viewers_share_one_ffmpeg_which_stops_when_they_leave(rig: ApiRig) -> None:
    data_dir = rig.settings.data_dir
    viewers = [rig.client() for _ in range(10)]
    path = PLAYLIST.format(camera="legacy", stream="sub")
    answers = await asyncio.gather(*(v.get(path) for v in viewers))
    assert [a.status_code for a in answers] == [200] * 10
    for _ in range(4):  # they keep watching for a while
        await asyncio.gather(*(v.get(path) for v in viewers))
        assert len(bridge_ffmpegs(data_dir)) == 1
        await asyncio.sleep(0.5)
    metrics = (await viewers[0].get("/metrics")).text
    assert 'reolink_component_stat{component="streams",stat="hls_sessions"} 1' in metrics
    left = time.monotonic()
    await wait_for(lambda: not bridge_ffmpegs(data_dir), IDLE_TIMEOUT + 5)
    assert time.monotonic() - left >= IDLE_TIMEOUT - 1  # not before the idle timeout
    hls_dir = data_dir / "streams" / "hls"
    await wait_for(lambda: not list(hls_dir.iterdir()), 2)  # its files go right after


async def test_a_killed_ffmpeg_is_restarted_and_the_playlist_goes_on(rig: ApiRig) -> None:
    client = rig.client()
    before = await playlist_with(client, "doorbell", "sub", 2)
    (pid,) = bridge_ffmpegs(rig.settings.data_dir)
    os.kill(pid, signal.SIGKILL)
    last = segments(before)[-1]
    async with asyncio.timeout(20):
        while True:  # the viewer keeps watching
            text = (await client.get(PLAYLIST.format(camera="doorbell", stream="sub"))).text
            assert media_sequence(text) >= media_sequence(before)
            if "#EXT-X-DISCONTINUITY" in text and segments(text)[-1] > last + 1:
                break
            await asyncio.sleep(0.5)
    (new_pid,) = bridge_ffmpegs(rig.settings.data_dir)
    assert new_pid != pid
    numbers = segments(text)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # no gap, no reset
    newest = await client.get(f"/cameras/doorbell/streams/sub/{numbers[-1]}.ts")
    assert frames(await probe("pipe:0", stdin=newest.content)) > 0


@pytest.mark.parametrize("streams_settings", [{"idle_timeout": 60, "max_sessions": 2}])
async def test_past_max_sessions_a_clear_503(rig: ApiRig) -> None:
    client = rig.client()
    for camera in ("doorbell", "legacy"):
        assert (await client.get(PLAYLIST.format(camera=camera, stream="sub"))).status_code == 200
    refused = await client.get(PLAYLIST.format(camera="nvr_ch1", stream="sub"))
    assert refused.status_code == 503
    assert "max_sessions" in refused.json()["detail"]
    assert refused.headers["retry-after"]
    assert len(bridge_ffmpegs(rig.settings.data_dir)) == 2
    # the same stream again is no new session
    assert (await client.get(PLAYLIST.format(camera="legacy", stream="sub"))).status_code == 200


async def test_an_offline_camera_gets_a_quick_clear_error(rig: ApiRig, sim: Simulator) -> None:
    client = rig.client()
    await sim.set_fault("legacy", "offline")
    await wait_for(lambda: not rig.bridge.manager.runner("legacy").online, 10)
    for path in (PLAYLIST.format(camera="legacy", stream="sub"), "/cameras/legacy/streams/sub.flv"):
        started = time.monotonic()
        answer = await client.get(path)
        assert time.monotonic() - started < 2
        assert answer.status_code == 503
        assert answer.json() == {"detail": "camera legacy is offline"}
    assert bridge_ffmpegs(rig.settings.data_dir) == []


async def test_a_camera_that_goes_offline_ends_its_session(rig: ApiRig, sim: Simulator) -> None:
    client = rig.client()
    path = PLAYLIST.format(camera="legacy", stream="sub")
    await playlist_with(client, "legacy", "sub", 1)
    assert len(bridge_ffmpegs(rig.settings.data_dir)) == 1
    await sim.set_fault("legacy", "offline")
    async with asyncio.timeout(15):
        while True:  # the viewer keeps asking; every answer comes at once
            started = time.monotonic()
            answer = await client.get(path)
            assert time.monotonic() - started < 2
            if answer.status_code != 200:
                break
            await asyncio.sleep(0.5)
    assert answer.status_code in (502, 503)
    assert "legacy" in answer.json()["detail"]
    assert bridge_ffmpegs(rig.settings.data_dir) == []
    assert rig.bridge.streams is not None
    assert len(rig.bridge.streams.hls) == 0
