"""Event snapshots on disk: the file, its path in the row, REST (also after a restart), the
signed URL in the WebSocket event payload; the disk budget, retention, an unwritable media dir."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from fixtures.api_rig import ApiRig, api_settings, recv_until, running_api
from rec_helpers import event_with, local_path

from bridge.bus.messages import SnapshotTaken
from bridge.domain.base import utcnow
from bridge.domain.events import Event
from bridge.domain.media_paths import snapshot_path
from bridge.domain.values import EventPhase, EventType
from bridge.simulator import Simulator
from bridge.storage.sqlite import SqliteStore
from bridge.store import EventQuery

JPEG = b"\xff\xd8" + bytes(1000)


async def test_event_snapshot_on_disk_rest_ws_and_after_restart(
    rig: ApiRig, sim: Simulator, tmp_path: Path
) -> None:
    async with await rig.ws() as ws:
        sim.device("floodlight").trigger_event("person", True, 0, duration=1.0)
        frame = await recv_until(
            ws,
            lambda f: (
                f["topic"] == "reolink/floodlight/event"
                and f["payload"]["type"] == "person"
                and f["payload"]["phase"] == "start"
            ),
            timeout=10,
        )
    payload = frame["payload"]
    assert payload["snapshot_url"].startswith(rig.api.url + "/api/v1/media/snapshots/floodlight/")
    assert "clip_url" not in payload  # offered once the event has ended

    event = await event_with(rig, "floodlight", "snapshot_url")
    event_id = event["event_id"]
    stored = await rig.bridge.store.get_event(event_id)
    assert stored is not None
    assert stored.snapshot_path is not None
    file = rig.settings.media.root(rig.settings.data_dir) / stored.snapshot_path
    assert file.read_bytes().startswith(b"\xff\xd8")
    assert local_path(event["snapshot_url"]) == local_path(payload["snapshot_url"])

    client = rig.client()
    by_rest = await client.get(f"/events/{event_id}/snapshot")
    assert by_rest.status_code == 200
    assert by_rest.content == file.read_bytes()
    # the signed URL opens without a token; a wrong signature does not
    async with rig.client() as bare:
        bare.headers.pop("Authorization")
        signed = await bare.get(local_path(payload["snapshot_url"]))
        assert signed.status_code == 200
        assert signed.content == file.read_bytes()
        forged = await bare.get(local_path(payload["snapshot_url"])[:-3] + "AAA")
        assert forged.status_code == 401
        assert (await bare.get(f"/events/{event_id}/snapshot")).status_code == 401

    # a new bridge on the same data dir still serves it
    await rig.bridge.stop()
    settings = api_settings(sim, None, rig.settings.data_dir, media=rig.settings.media.model_dump())
    async with running_api(sim, settings) as again:
        answer = await again.client().get(f"/events/{event_id}/snapshot")
        assert answer.status_code == 200
        assert answer.content == file.read_bytes()
        record = (await again.client().get(f"/events/{event_id}")).json()
        assert record["has_snapshot"] is True
        assert local_path(record["snapshot_url"]) == local_path(payload["snapshot_url"])


async def _store(tmp_path: Path) -> SqliteStore:
    store = SqliteStore(tmp_path / "media.db")
    await store.open()
    return store


def _start(event_id: str, camera: str = "cam") -> Event:
    return Event(event_id=event_id, type=EventType.PERSON, phase=EventPhase.START, camera_id=camera)


async def test_disk_budget_deletes_oldest_and_clears_paths(tmp_path: Path) -> None:
    from bridge.bus.inprocess import InProcessBus
    from bridge.config import load_settings
    from bridge.media.event_media import EventMedia

    store = await _store(tmp_path)
    bus = InProcessBus()
    settings = load_settings(data_dir=tmp_path, media={"max_disk_mb": 0.0025})  # 2621 bytes
    media = EventMedia(settings, store, bus)
    await media.start()
    try:
        events = [_start(f"e{i}") for i in range(4)]
        await store.write_events(events)
        paths = []
        for event in events:
            rel = snapshot_path("cam", event.timestamp, event.event_id)
            paths.append(rel)
            bus.publish(SnapshotTaken("cam", JPEG, event.event_id, rel))
            await bus.drain()
            await asyncio.gather(*(lane.join() for lane in media._lanes.values()))
        root = settings.media.root(tmp_path)
        kept = [p for p in paths if (root / p).exists()]
        assert kept == paths[-2:]  # 2 × 1002 bytes fit in the budget: the 2 oldest went
        rows = {e.event_id: e for e in (await store.query_events(EventQuery())).events}
        assert rows["e0"].snapshot_path is None
        assert rows["e1"].snapshot_path is None
        assert rows["e3"].snapshot_path == paths[3]
        assert media.deleted == 2
        # retention removes files with their rows (same cutoff)
        cutoff = utcnow() + timedelta(seconds=1)
        assert await media.purge_before(cutoff) == 2
        assert await store.purge_events(cutoff) == 4
        assert not any((root / p).exists() for p in paths)
    finally:
        await media.stop()
        await store.close()


async def test_unwritable_media_dir_warns_once_and_events_are_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bridge.bus.inprocess import InProcessBus
    from bridge.config import load_settings
    from bridge.media.event_media import EventMedia

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the media dir should be")
    store = await _store(tmp_path)
    bus = InProcessBus()
    settings = load_settings(data_dir=tmp_path, media={"dir": str(blocker)})
    media = EventMedia(settings, store, bus)
    await media.start()
    caplog.set_level(logging.WARNING, logger="bridge.media.event_media")
    try:
        for i in range(3):
            event = _start(f"x{i}")
            await store.write_events([event])
            rel = snapshot_path("cam", event.timestamp, event.event_id)
            bus.publish(SnapshotTaken("cam", JPEG, event.event_id, rel))
            await bus.drain()
            await asyncio.gather(*(lane.join() for lane in media._lanes.values()))
        warnings = [r for r in caplog.records if "cannot write" in r.getMessage()]
        assert len(warnings) == 1
        assert media.failed == 3
        stored = (await store.query_events(EventQuery())).events
        assert len(stored) == 3
        assert all(e.snapshot_path is None for e in stored)
    finally:
        await media.stop()
        await store.close()


async def test_battery_camera_is_asked_only_when_awake(rig: ApiRig, sim: Simulator) -> None:
    """Not when it comes online (asleep or not yet known, nothing kept: no picture), but at a
    detection's start, when it is awake (it woke to detect): its event gets that picture, and an
    event within `MIN_INTERVAL` of it gets the same one."""
    battery = sim.device("battery")
    await _known(rig, "battery_ch0")
    assert battery.get_counts.get("Snap", 0) == 0
    assert "battery_ch0" not in rig.bridge.snapshots.latest
    battery.trigger_event("person", True, 0, duration=1.0)
    event = await event_with(rig, "battery_ch0", "snapshot_url")
    assert event["type"] == "person"
    await _lanes_idle(rig)
    assert battery.get_counts.get("Snap", 0) == 1
    await event_with(rig, "battery_ch0", "snapshot_url", phase="end")  # the person ended
    battery.trigger_event("motion", True, 0, duration=0.5)
    client = rig.client()
    async with asyncio.timeout(10):
        while True:
            page = (await client.get("/events", params={"camera_id": "battery_ch0"})).json()
            motion = [e for e in page["events"] if e["type"] == "motion"]
            if motion and motion[0]["phase"] == "end" and motion[0].get("snapshot_url"):
                break
            await asyncio.sleep(0.1)
    await _lanes_idle(rig)
    assert battery.get_counts.get("Snap", 0) == 1  # within MIN_INTERVAL: the same picture


async def _known(rig: ApiRig, camera_id: str) -> None:
    async with asyncio.timeout(10):
        while not rig.bridge.manager.resolve(camera_id)[1].capabilities:
            await asyncio.sleep(0.05)


async def _lanes_idle(rig: ApiRig) -> None:
    lanes = rig.bridge.snapshots._lanes.values()
    async with asyncio.timeout(5):
        while any(not lane.queue.empty() for lane in lanes):
            await asyncio.sleep(0.05)
