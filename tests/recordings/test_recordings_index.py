"""The recordings index equals the simulator's own list — every channel of the NVR (in Berlin
time: local time with DST to UTC) and a camera — after events and after the camera drops old
files; on SQLite and on PostgreSQL. Events are linked to the recording that covers them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from rec_helpers import MEDIA, event_with, eventually

from bridge.domain.base import utcnow
from bridge.media.indexer import channels_of
from bridge.simulator import Simulator
from bridge.store import RecordingQuery


@pytest.fixture(params=["sqlite", "postgres"])
async def db_rig(
    request: pytest.FixtureRequest, sim: Simulator, tmp_path: Path
) -> AsyncIterator[ApiRig]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    settings = api_settings(sim, None, tmp_path / "data", media=MEDIA, database_url=url)
    async with running_api(sim, settings, wait_online=["floodlight", "nvr_ch0"]) as api:
        yield api


async def index_matches(rig: ApiRig, sim: Simulator, device: str) -> None:
    runner = rig.bridge.manager.runner(device)
    since, until = utcnow() - timedelta(hours=30), utcnow()
    await rig.bridge.media.indexer.index_device(runner, (since, until))
    dev = sim.device(device)
    zone = ZoneInfo(dev.clock.name)
    local_since = since.astimezone(zone).replace(tzinfo=None)
    local_until = until.astimezone(zone).replace(tzinfo=None)
    channels = channels_of(runner)
    assert channels, device
    for channel in channels:
        for stream in ("main", "sub"):
            expected = {
                f.name: (f.start, f.end, f.size, f.triggers)
                for f in dev.sdcard.files(channel, stream, local_since, local_until)
            }
            query = RecordingQuery(camera_id=device, channel=channel, stream=stream, limit=500)
            page = await rig.bridge.store.query_recordings(query)
            indexed = {
                r.name: (
                    r.start.astimezone(zone).replace(tzinfo=None),
                    r.end.astimezone(zone).replace(tzinfo=None),
                    r.size,
                    r.triggers,
                )
                for r in page.recordings
            }
            assert indexed == expected, (device, channel, stream)


async def test_index_equals_the_cameras_list_after_events_and_drops(
    db_rig: ApiRig, sim: Simulator
) -> None:
    nvr = sim.device("nvr")
    # 2 s: the file (no post-record here) must outlast the poll that sees the start, and its end
    # is to the second (a start seen 0.6 s late missed a 1 s file ending at a second's start)
    nvr.trigger_event("vehicle", True, 1, duration=2.0)
    sim.device("floodlight").trigger_event("person", True, 0, duration=2.0)
    # the event's end triggers an index pass of its camera, which links the event
    event = await event_with(db_rig, "floodlight", "recording_id", phase="end")
    linked = await db_rig.bridge.store.get_recording(event["recording_id"])
    assert linked is not None
    assert "person" in linked.triggers
    await eventually(lambda: _found(db_rig, "nvr", 1, "vehicle"))
    for device in ("nvr", "floodlight"):
        await index_matches(db_rig, sim, device)

    # the NVR overwrites its oldest files: they are marked gone, the index follows
    files = nvr.sdcard.files(0, "main", nvr.now() - timedelta(hours=30), nvr.now())
    nvr.sdcard.drop_before(files[len(files) // 2].start)
    await index_matches(db_rig, sim, "nvr")
    gone = await db_rig.bridge.store.query_recordings(
        RecordingQuery(camera_id="nvr", channel=0, stream="main", include_gone=True, limit=500)
    )
    assert sum(1 for r in gone.recordings if r.gone_at is not None) == len(files) // 2


async def _found(rig: ApiRig, device: str, channel: int, trigger: str) -> bool | None:
    runner = rig.bridge.manager.runner(device)
    await rig.bridge.media.indexer.index_device(runner)
    page = await rig.bridge.store.query_recordings(
        RecordingQuery(camera_id=device, channel=channel, triggers=[trigger])
    )
    return bool(page.recordings) or None


async def test_rest_pages_filters_and_live_search(rig: ApiRig, sim: Simulator) -> None:
    client = rig.client()
    window = {"start": (utcnow() - timedelta(hours=20)).isoformat(), "end": utcnow().isoformat()}
    found = (
        await client.post("/recordings/search", json={"camera_id": "nvr_ch1", **window})
    ).json()["recordings"]
    assert found
    assert {r["camera_id"] for r in found} == {"nvr_ch1"}
    assert {(r["device_id"], r["channel"], r["stream"]) for r in found} == {("nvr", 1, "main")}
    names = [r["name"] for r in found]
    seen: list[str] = []
    params: dict[str, str | int] = {
        "camera_id": "nvr_ch1",
        "stream": "main",
        "since": window["start"],
        "until": window["end"],
        "limit": 3,
    }
    while True:
        page = (await client.get("/recordings", params=params)).json()
        seen += [r["name"] for r in page["recordings"]]
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted(names)
    one = found[0]
    detail = (await client.get(f"/recordings/{one['id']}")).json()
    assert detail["name"] == one["name"]
    assert detail["duration"] == pytest.approx(
        (_iso(detail["end"]) - _iso(detail["start"])).total_seconds()
    )
    timers = (await client.get("/recordings", params={"trigger": "timer"})).json()
    assert all("timer" in r["triggers"] for r in timers["recordings"])
    assert (await client.get("/recordings", params={"cursor": "junk"})).status_code == 400
    missing = await client.post(
        "/recordings/search",
        json={"camera_id": "nope", "start": utcnow().isoformat(), "end": utcnow().isoformat()},
    )
    assert missing.status_code == 404


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
