"""Snapshots, recordings and the HTTP-FLV stream (ffmpeg is installed by the project's setup)."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timedelta

import aiohttp
import pytest
from sim_helpers import Api, by_profile

from bridge.simulator import SimulatedDevice, Simulator
from bridge.simulator.media import FALLBACK_JPEG


async def decodes(data: bytes, fmt: str | None = None) -> bool:
    """Whether ffmpeg decodes ``data`` without an error."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg must be installed for the simulator tests"
    args = [ffmpeg, "-v", "error", "-xerror"]
    if fmt:
        args += ["-f", fmt]
    args += ["-i", "pipe:0", "-f", "null", "-"]
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await proc.communicate(data)
    return proc.returncode == 0 and not err.strip()


def test_fallback_jpeg_is_a_jpeg() -> None:
    assert FALLBACK_JPEG[:3] == b"\xff\xd8\xff"
    assert FALLBACK_JPEG[-2:] == b"\xff\xd9"


async def test_fallback_jpeg_decodes() -> None:
    assert await decodes(FALLBACK_JPEG, "jpeg_pipe")


async def test_snap_is_a_decodable_jpeg(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    url = Api.url(dev)
    params = {"cmd": "Snap", "channel": "0", "rs": "abc", "user": "admin", "password": dev.password}
    for _ in range(40):  # the first answers may be the small built-in JPEG while ffmpeg renders
        async with http.get(url, params=params) as resp:
            assert resp.status == 200
            assert resp.content_type == "image/jpeg"
            jpeg = await resp.read()
        if jpeg != FALLBACK_JPEG:
            break
        await asyncio.sleep(0.1)
    assert jpeg != FALLBACK_JPEG
    assert jpeg[:2] == b"\xff\xd8"
    assert jpeg[-2:] == b"\xff\xd9"
    assert await decodes(jpeg, "jpeg_pipe")
    # sub stream with an explicit size, by token
    token = await Api(http).login(dev)
    params = {"cmd": "Snap", "channel": "0", "snapType": "sub", "width": "640", "height": "360"}
    async with http.get(url, params={**params, "token": token}) as resp:
        small = await resp.read()
    assert small[:2] == b"\xff\xd8"
    assert await decodes(small, "jpeg_pipe")


async def test_snap_errors_are_json(sim: Simulator, http: aiohttp.ClientSession) -> None:
    nvr = by_profile(sim, "nvr")
    url = Api.url(nvr)
    async with http.get(url, params={"cmd": "Snap", "channel": "0", "token": "x"}) as resp:
        assert resp.content_type == "text/html"
        assert (await resp.json(content_type=None))[0]["error"]["rspCode"] == -6
    params = {"cmd": "Snap", "channel": "6", "user": "admin", "password": nvr.password}
    async with http.get(url, params=params) as resp:
        assert (await resp.json(content_type=None))[0]["error"]["rspCode"] == -99


async def first_recording(api: Api, dev: SimulatedDevice, token: str) -> dict[str, object]:
    end = datetime.now()
    start = end - timedelta(days=5)

    def t(d: datetime) -> dict[str, int]:
        return {
            "year": d.year,
            "mon": d.month,
            "day": d.day,
            "hour": d.hour,
            "min": d.minute,
            "sec": d.second,
        }

    out = await api.cmds(
        dev,
        token,
        {
            "cmd": "Search",
            "action": 0,
            "param": {
                "Search": {
                    "channel": 0,
                    "onlyStatus": 0,
                    "streamType": "main",
                    "StartTime": t(start),
                    "EndTime": t(end),
                }
            },
        },
    )
    result = out[0]["value"]["SearchResult"]
    assert result["channel"] == 0
    assert result["Status"][-1]["year"] == end.year
    files = result["File"]
    assert files
    for f in files:
        assert f["type"] == "main"
        assert f["name"].startswith("Mp4Record/")
        assert f"_{f['size']:X}.mp4" in f["name"]
    first: dict[str, object] = files[0]
    return first


async def test_search_is_deterministic_and_status_only(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    a = await first_recording(api, dev, token)
    b = await first_recording(api, dev, token)
    assert a == b
    now = datetime.now()
    out = await api.cmds(
        dev,
        token,
        {
            "cmd": "Search",
            "param": {
                "Search": {
                    "channel": 0,
                    "onlyStatus": 1,
                    "streamType": "sub",
                    "StartTime": {
                        "year": now.year,
                        "mon": now.month,
                        "day": 1,
                        "hour": 0,
                        "min": 0,
                        "sec": 0,
                    },
                    "EndTime": {
                        "year": now.year,
                        "mon": now.month,
                        "day": 1,
                        "hour": 0,
                        "min": 5,
                        "sec": 0,
                    },
                }
            },
        },
    )
    result = out[0]["value"]["SearchResult"]
    assert "File" not in result
    table = result["Status"][0]["table"]
    assert table[now.day - 1] == "1"  # today always has recordings
    assert set(table[now.day :]) <= {"0"}  # the future has none


async def test_download_with_range(sim: Simulator, api: Api, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    rec = await first_recording(api, dev, token)
    name = str(rec["name"])
    size = rec["size"]
    params = {"cmd": "Download", "source": name, "output": "out.mp4", "token": token}
    async with http.get(Api.url(dev), params=params) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/octet-stream"
        assert resp.headers["Content-Disposition"] == "attachment;filename=out.mp4"
        assert resp.headers["Accept-Ranges"] == "bytes"
        assert resp.content_length == size
        data = await resp.read()
    assert len(data) == size
    assert data[4:8] == b"ftyp"
    assert await decodes(data)  # a real, decodable MP4 padded with a free box
    async with http.get(Api.url(dev), params=params, headers={"Range": "bytes=100-199"}) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == f"bytes 100-199/{size}"
        assert await resp.read() == data[100:200]
    async with http.get(Api.url(dev), params=params, headers={"Range": "bytes=-10"}) as resp:
        assert resp.status == 206
        assert await resp.read() == data[-10:]
    async with http.get(Api.url(dev), params=params, headers={"Range": f"bytes={size}-"}) as resp:
        assert resp.status == 416
    playback = {"cmd": "Playback", "source": name, "output": "x.mp4", "start": "20240101000000"}
    async with http.get(
        Api.url(dev), params={**playback, "user": "admin", "password": dev.password}
    ) as resp:
        assert resp.status == 200
        assert resp.content_length == size
    missing = {
        **params,
        "source": "Mp4Record/2020-01-01/RecM01_20200101_000000_000100_6D28808_40000.mp4",
    }
    async with http.get(Api.url(dev), params=missing) as resp:
        assert resp.content_type == "text/html"
        assert (await resp.json(content_type=None))[0]["error"]["rspCode"] == -222


async def test_flv_stream(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "ptz")
    url = f"http://{dev.host}:{dev.port}/flv"
    params = {
        "port": "1935",
        "app": "bcs",
        "stream": "channel0_sub.bcs",
        "user": "admin",
        "password": dev.password,
    }
    async with http.get(url, params=params) as resp:
        assert resp.status == 200
        assert resp.content_type == "video/x-flv"
        head = await resp.content.readexactly(3)
        assert head == b"FLV"
        more = await asyncio.wait_for(resp.content.read(4096), 10)
        assert more
        assert sim.flv.active == 1
    for _ in range(50):  # the client went away: ffmpeg is killed
        if sim.flv.active == 0:
            break
        await asyncio.sleep(0.1)
    assert sim.flv.active == 0
    async with http.get(url, params={**params, "password": "wrong"}) as resp:
        assert resp.status == 401
    async with http.get(url, params={**params, "stream": "channel3_main.bcs"}) as resp:
        assert resp.status == 404


@pytest.mark.parametrize("path", ["/flv"])
async def test_flv_killed_on_shutdown(path: str) -> None:
    async with Simulator(1, profiles=["floodlight"]) as sim, aiohttp.ClientSession() as http:
        dev = next(iter(sim.devices.values()))
        params = {
            "app": "bcs",
            "stream": "channel0_main.bcs",
            "user": "admin",
            "password": dev.password,
        }
        resp = await http.get(f"http://{dev.host}:{dev.port}{path}", params=params)
        assert await resp.content.readexactly(3) == b"FLV"
        assert sim.flv.active == 1
        await sim.stop()
        assert sim.flv.active == 0
        resp.close()


async def test_without_ffmpeg(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ffmpeg on the PATH: built-in JPEG, synthetic recordings, FLV answers 503."""
    monkeypatch.setenv("PATH", "/nonexistent")
    async with Simulator(1, profiles=["floodlight"]) as sim, aiohttp.ClientSession() as http:
        dev = next(iter(sim.devices.values()))
        auth = {"user": "admin", "password": dev.password}
        async with http.get(Api.url(dev), params={"cmd": "Snap", "channel": "0", **auth}) as resp:
            assert resp.content_type == "image/jpeg"
            assert await resp.read() == FALLBACK_JPEG
        params = {"app": "bcs", "stream": "channel0_main.bcs", **auth}
        async with http.get(f"http://{dev.host}:{dev.port}/flv", params=params) as resp:
            assert resp.status == 503
            assert "ffmpeg" in await resp.text()
        token = await Api(http).login(dev)
        rec = await first_recording(Api(http), dev, token)
        dl = {"cmd": "Download", "source": str(rec["name"]), "token": token}
        async with http.get(Api.url(dev), params=dl, headers={"Range": "bytes=0-31"}) as resp:
            head = await resp.read()
        assert head[4:8] == b"ftyp"
