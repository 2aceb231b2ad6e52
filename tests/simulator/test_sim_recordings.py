"""The virtual SD card: a file per event (with its triggers), old files dropped, real MP4 of the
recording's duration on `Download` (with Range), local time with a DST rule in `GetTime`."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from reolink_aio.typings import Reolink_timezone, VOD_trigger, parse_file_name
from sim_helpers import Api, by_profile

from bridge.simulator import SimulatedDevice, Simulator
from bridge.simulator.recordings import Recording


async def wait_for_event_file(dev: SimulatedDevice, channel: int = 0) -> Recording:
    async with asyncio.timeout(10):
        while True:
            now = dev.now()
            files = dev.sdcard.files(channel, "main", now - timedelta(minutes=5), now)
            found = [f for f in files if set(f.triggers) & {"person", "vehicle", "visitor"}]
            if found:
                return found[-1]
            await asyncio.sleep(0.1)


def window(dev: SimulatedDevice) -> dict[str, dict[str, int]]:
    now = dev.now()

    def t(d: datetime) -> dict[str, int]:
        return {
            "year": d.year,
            "mon": d.month,
            "day": d.day,
            "hour": d.hour,
            "min": d.minute,
            "sec": d.second,
        }

    return {"StartTime": t(now - timedelta(hours=1)), "EndTime": t(now)}


async def ffprobe_duration(path: Path) -> float:
    exe = shutil.which("ffprobe")
    assert exe is not None
    proc = await asyncio.create_subprocess_exec(
        exe, "-v", "error", "-show_entries", "format=duration:stream=codec_name",
        "-of", "json", str(path), stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await proc.communicate()
    data = json.loads(out)
    codecs = {s["codec_name"] for s in data["streams"]}
    assert codecs == {"h264", "aac"}
    return float(data["format"]["duration"])


async def test_event_file_search_download_and_range(
    sim: Simulator, api: Api, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    dev = by_profile(sim, "floodlight")
    dev.sdcard.post_record = 0.0
    dev.trigger_event("person", True, 0, duration=1.5)
    rec = await wait_for_event_file(dev)
    assert rec.triggers == ("person",)
    # the flags are the firmware's: reolink_aio decodes the trigger from the name
    parsed = parse_file_name(rec.name)
    assert parsed is not None
    assert VOD_trigger.PERSON in parsed.triggers

    token = await api.login(dev)
    search = {"channel": 0, "onlyStatus": 0, "streamType": "main", **window(dev)}
    out = await api.cmds(dev, token, {"cmd": "Search", "action": 0, "param": {"Search": search}})
    names = [f["name"] for f in out[0]["value"]["SearchResult"]["File"]]
    assert rec.name in names

    params = {"cmd": "Download", "source": rec.name, "output": "x.mp4", "token": token}
    async with http.get(Api.url(dev), params=params) as resp:
        assert resp.status == 200
        body = await resp.read()
    assert len(body) == rec.size
    path = tmp_path / "rec.mp4"
    path.write_bytes(body)
    assert abs(await ffprobe_duration(path) - rec.duration) <= 1.0
    async with http.get(Api.url(dev), params=params, headers={"Range": "bytes=100-199"}) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == f"bytes 100-199/{rec.size}"
        assert await resp.read() == body[100:200]


async def test_nvr_channels_keep_their_own_files(sim: Simulator) -> None:
    nvr = by_profile(sim, "nvr")
    nvr.sdcard.post_record = 0.0
    nvr.trigger_event("vehicle", True, 1, duration=1.0)
    rec = await wait_for_event_file(nvr, channel=1)
    assert rec.channel == 1
    assert "_RecM02_" not in rec.name
    assert "/RecM02_" in rec.name
    now = nvr.now()
    on_0 = nvr.sdcard.files(0, "main", now - timedelta(hours=1), now)
    assert rec.name not in [f.name for f in on_0]
    assert nvr.sdcard.find(rec.name) == rec


async def test_the_card_is_listed_as_it_is_at_one_moment(
    sim: Simulator, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`POST /sim/recordings` reads the clock once: a file that closes while the list is being
    made is listed on both streams or on neither (the dashboard test takes the first new file
    of the list and expects the main stream's, which the page asks the camera for)."""
    dev = by_profile(sim, "floodlight")
    dev.sdcard.post_record = 0.0
    dev.trigger_event("person", True, 0, duration=1.0)
    main = await wait_for_event_file(dev)
    now = dev.now()
    sub = next(
        f
        for f in dev.sdcard.files(0, "sub", now - timedelta(minutes=5), now)
        if f.start == main.start
    )
    # time runs on while the list is made: 1 ms each time the clock is read, from a little
    # before the file closes (its end, whole seconds) to a little after
    for before_ms in range(160, -20, -4):
        start = main.end - timedelta(milliseconds=before_ms)
        reads = itertools.count()
        monkeypatch.setattr(
            dev.clock, "now", lambda s=start, r=reads: s + timedelta(milliseconds=next(r))
        )
        async with http.post(Api.url(dev, "/sim/recordings"), json={}) as resp:
            assert resp.status == 200
            names = set((await resp.json())["files"])
        assert (main.name in names) == (sub.name in names), (before_ms, main.name in names)


async def test_drop_old_files(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    now = dev.now()
    before = dev.sdcard.files(0, "main", now - timedelta(days=3), now)
    assert before
    cut = before[len(before) // 2].start
    url = Api.url(dev, "/sim/recordings")
    async with http.post(url, json={"drop_before": cut.isoformat()}) as resp:
        assert resp.status == 200
        left = (await resp.json())["files"]
    after = dev.sdcard.files(0, "main", now - timedelta(days=3), now)
    assert [f.name for f in after] == [f.name for f in before if f.start >= cut]
    assert all(f.name in left for f in after)
    assert dev.sdcard.find(before[0].name) is None
    async with http.post(url, json={"drop_before": "yesterday"}) as resp:
        assert resp.status == 400


async def test_get_time_dst_rule_matches_the_zone(
    sim: Simulator, api: Api, http: aiohttp.ClientSession
) -> None:
    dev = by_profile(sim, "floodlight")
    async with http.post(Api.url(dev, "/sim/clock"), json={"timezone": "Europe/Berlin"}) as resp:
        assert resp.status == 200
    token = await api.login(dev)
    out = await api.cmds(dev, token, {"cmd": "GetTime", "action": 0, "param": {}})
    value = out[0]["value"]
    assert value["Time"]["timeZone"] == -3600  # seconds west of UTC
    assert value["Dst"]["enable"] == 1
    assert value["Dst"]["offset"] == 1
    assert (value["Dst"]["startMon"], value["Dst"]["startWeek"]) == (3, 5)
    assert (value["Dst"]["endMon"], value["Dst"]["endWeek"], value["Dst"]["endHour"]) == (10, 5, 3)
    # reolink_aio's reading of the rule agrees with the zone all year
    tz = Reolink_timezone.create_or_get(value)
    berlin = ZoneInfo("Europe/Berlin")
    year = value["Time"]["year"]
    for month in range(1, 13):
        moment = datetime(year, month, 15, 12)
        assert tz.utcoffset(moment) == moment.replace(tzinfo=berlin).utcoffset()
    local = dev.now()
    utc = datetime.now(UTC).replace(tzinfo=None)
    assert abs((local - utc) - berlin.utcoffset(utc)) < timedelta(seconds=5)  # type: ignore[operator]
    async with http.post(Api.url(dev, "/sim/clock"), json={"timezone": "Mars/Base"}) as resp:
        assert resp.status == 400
