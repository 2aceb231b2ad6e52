"""Snapshots, recordings (search and streamed download) and stream URLs."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import pytest
from reolink_helpers import by_profile, connect

from bridge.reolink import ApiError, NotSupportedError
from bridge.simulator import PROFILE_NAMES, Simulator


@pytest.mark.parametrize("profile", PROFILE_NAMES)
async def test_snapshot(sim: Simulator, profile: str) -> None:
    dev = by_profile(sim, profile)
    async with connect(dev) as client:
        await client.get_capabilities()
        main = await client.snapshot(0)
        sub = await client.snapshot(0, stream="sub")
    assert main.startswith(b"\xff\xd8")
    assert sub.startswith(b"\xff\xd8")
    assert sim.state(dev.id)["get_counts"]["Snap"] == 2


async def test_snapshot_of_an_offline_nvr_channel(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        await client.get_capabilities()
        assert (await client.snapshot(2)).startswith(b"\xff\xd8")
        with pytest.raises(ApiError) as caught:
            await client.snapshot(5)
    assert (caught.value.rsp_code, caught.value.cmd) == (-99, "Snap")


@pytest.mark.parametrize(("profile", "channel"), [("floodlight", 0), ("nvr", 2)])
async def test_search_and_download(sim: Simulator, profile: str, channel: int) -> None:
    dev = by_profile(sim, profile)
    now = dev.now()
    start = (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    async with connect(dev) as client:
        await client.get_capabilities()
        found = await client.search_recordings(channel, start, now)
        assert found, "the simulator records every day"
        assert all(r.channel == channel and r.stream == "main" for r in found)
        assert all(start - timedelta(hours=2) <= r.start <= r.end <= now for r in found)
        assert [r.start for r in found] == sorted(r.start for r in found)
        assert found[0].name.endswith(".mp4")
        subs = await client.search_recordings(channel, start, now, stream="sub")
        assert subs
        assert all(r.stream == "sub" for r in subs)

        recording = min(found, key=lambda r: r.size)
        chunks = [chunk async for chunk in client.download_recording(recording.name)]
        assert len(chunks) > 1  # streamed, not read in one piece
        assert sum(len(c) for c in chunks) == recording.size
        assert b"ftyp" in chunks[0][:16]

        # Stopping early releases the connection at once.
        async with contextlib.aclosing(client.download_recording(recording.name)) as stream:
            async for _ in stream:
                break
        assert await client.poll_detections()


async def test_search_with_nothing_recorded(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        await client.get_capabilities()
        future = datetime.now() + timedelta(days=3)
        assert await client.search_recordings(0, future, future + timedelta(hours=1)) == []
        with pytest.raises(ValueError, match="before"):
            await client.search_recordings(0, future, future - timedelta(hours=1))


async def test_download_of_a_missing_file(sim: Simulator) -> None:
    dev = by_profile(sim, "floodlight")
    async with connect(dev) as client:
        name = "Mp4Record/2020-01-01/RecM01_20200101_000000_000100_6D28808_100000.mp4"
        with pytest.raises(ApiError) as caught:
            async for _ in client.download_recording(name):
                pass
    assert caught.value.rsp_code == -222


async def test_stream_urls_follow_the_ports(sim: Simulator) -> None:
    dev = by_profile(sim, "nvr")
    async with connect(dev) as client:
        caps = await client.get_capabilities()
        rtsp = client.stream_url(2, "rtsp", "main")
        port = dev.host_state.net_port["rtspPort"]  # the simulator's RTSP server, a free port
        assert port != 554
        assert rtsp.startswith(f"rtsp://admin:{dev.password}@{dev.host}:{port}/Preview_03_main")
        assert client.stream_url(1, "rtmp", "sub").startswith(
            f"rtmp://{dev.host}:1935/bcs/channel1_sub.bcs?channel=1&stream=1&"
        )
        assert client.stream_url(0, "flv").startswith(
            f"http://{dev.host}:{dev.port}/flv?port=1935&app=bcs&stream=channel0_main.bcs&"
        )
        client.capabilities = caps.model_copy(
            update={"ports": caps.ports.model_copy(update={"rtsp": None, "http_flv": False})}
        )
        with pytest.raises(NotSupportedError, match="RTSP"):
            client.stream_url(0, "rtsp")
        with pytest.raises(NotSupportedError, match="FLV"):
            client.stream_url(0, "flv")
