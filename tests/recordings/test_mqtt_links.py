"""On MQTT: the event payload's `snapshot_url` and `clip_url`, and the latest snapshot's signed
URL retained on `reolink/<camera>/snapshot/url` (what Home Assistant's image entity fetches)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from rec_helpers import MEDIA, event_with, local_path

from bridge.domain.values import EventPhase
from bridge.simulator import Simulator


@pytest.fixture
async def mqtt_rig(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> AsyncIterator[ApiRig]:
    settings = api_settings(sim, mosquitto, tmp_path / "data", media=MEDIA)
    async with (
        Recorder(mosquitto.host, mosquitto.port) as recorder,
        running_api(sim, settings, recorder=recorder, wait_online=["floodlight"]) as api,
    ):
        await recorder.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
        yield api


async def test_event_and_snapshot_urls_on_mqtt(
    mqtt_rig: ApiRig, sim: Simulator, mosquitto: MosquittoBroker
) -> None:
    mqtt = mqtt_rig.mqtt
    assert mqtt is not None
    mark = mqtt.mark()
    sim.device("floodlight").trigger_event("person", True, 0, duration=1.0)
    start = await mqtt.wait_json(
        "reolink/floodlight/event",
        lambda p: p["type"] == "person" and p["phase"] == "start",
        since=mark,
    )
    # The picture taken when the camera came online may be announced after `mark` on a loaded
    # machine: wait for the event's own URL (a timeout if it never comes).
    url = await mqtt.wait_topic(
        "reolink/floodlight/snapshot/url", lambda m: m.text == start["snapshot_url"], since=mark
    )
    async with Recorder(mosquitto.host, mosquitto.port) as late:  # it is retained
        kept = await late.wait_topic("reolink/floodlight/snapshot/url")
        assert kept.retain
        assert kept.text == url.text
    async with httpx.AsyncClient(base_url=mqtt_rig.url, timeout=10) as bare:  # no token
        picture = await bare.get(local_path(url.text))
    assert picture.status_code == 200
    assert picture.content.startswith(b"\xff\xd8")
    end = await mqtt.wait_json(
        "reolink/floodlight/event",
        lambda p: p["type"] == "person" and p["phase"] == "end",
        since=mark,
    )
    assert end["snapshot_url"] == start["snapshot_url"]
    assert end["clip_url"].endswith(f"/events/{end['event_id']}/clip?sig=" + end["clip_url"][-24:])
    # the raw JPEG is only for pictures taken on command (media.snapshot_jpeg_topic is off)
    assert not mqtt.on("reolink/floodlight/snapshot", since=mark)


async def test_battery_camera_online_picture_is_the_kept_one_after_a_restart(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    """A battery camera is never asked for its online picture: after a restart Home Assistant's
    image URL is the newest picture kept on disk of it (from the run before)."""
    battery = sim.device("battery")
    base = f"links{uuid.uuid4().hex[:8]}"
    settings = api_settings(
        sim,
        mosquitto,
        tmp_path / "data",
        media=MEDIA,
        mqtt={"url": mosquitto.url, "base_topic": base},
    )
    url_topic = f"{base}/battery_ch0/snapshot/url"
    async with (
        Recorder(mosquitto.host, mosquitto.port, (f"{base}/#",)) as recorder,
        running_api(sim, settings, recorder=recorder, wait_online=["battery_ch0"]) as first,
    ):
        assert battery.get_counts.get("Snap", 0) == 0  # online: nothing kept, nothing asked
        battery.trigger_event("person", True, 0, duration=1.0)
        event = await event_with(first, "battery_ch0", "snapshot_url")
        kept = await recorder.wait_topic(url_topic, lambda m: m.text == event["snapshot_url"])
        stored = await first.bridge.store.get_event(event["event_id"])
        assert stored is not None
        assert stored.snapshot_path is not None
        file = settings.media.root(settings.data_dir) / stored.snapshot_path
        async with asyncio.timeout(10):
            while not file.is_file():
                await asyncio.sleep(0.05)
            # The detection ends before this run stops: one still going at the next start
            # would be a new event there, whose start may ask for a picture.
            while stored is None or stored.phase is not EventPhase.END:
                await asyncio.sleep(0.05)
                stored = await first.bridge.store.get_event(event["event_id"])
    snaps = battery.get_counts.get("Snap", 0)
    assert snaps == 1

    async with (
        Recorder(mosquitto.host, mosquitto.port, (f"{base}/#",)) as recorder,
        running_api(sim, settings, recorder=recorder, wait_online=["battery_ch0"]) as again,
    ):
        # sent again by this run (not only the broker's retained copy of the last run's)
        url = await recorder.wait_topic(url_topic, lambda m: not m.retain, timeout=20)
        assert local_path(url.text) == local_path(kept.text)
        assert again.bridge.snapshots.latest["battery_ch0"] == file.read_bytes()
        async with httpx.AsyncClient(base_url=again.url, timeout=10) as bare:  # no token
            picture = await bare.get(local_path(url.text))
        assert picture.status_code == 200
        assert picture.content == file.read_bytes()
        await asyncio.sleep(1.0)  # whatever else comes online settles
    assert battery.get_counts.get("Snap", 0) == snaps
