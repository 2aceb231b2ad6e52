"""On MQTT: the event payload's `snapshot_url` and `clip_url`, and the latest snapshot's signed
URL retained on `reolink/<camera>/snapshot/url` (what Home Assistant's image entity fetches)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fixtures.api_rig import ApiRig, api_settings, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from rec_helpers import MEDIA, local_path

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
