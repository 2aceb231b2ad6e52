"""Faults: cameras going away or answering garbage, the broker or Home Assistant restarting."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from fixtures.bridge_rig import FAST_MQTT, POLL_INTERVAL, Rig, bridge_settings
from fixtures.mosquitto import BrokerFactory, MosquittoBroker
from fixtures.recorder import Recorder

from bridge.app import Bridge
from bridge.simulator import Simulator


def view_count(rig: Rig) -> int:
    return sum(len(runner.views) for runner in rig.bridge.manager.runners)


async def test_offline_camera_goes_unavailable_and_comes_back(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    await rig.sim.set_fault("floodlight", "offline")
    await rig.mqtt.wait_topic(
        "reolink/floodlight/availability", lambda m: m.text == "offline", since=mark
    )
    offline = await rig.mqtt.wait_json(
        "reolink/floodlight/event", lambda e: e["type"] == "offline", since=mark
    )
    assert offline["phase"] == "instant"
    await rig.mqtt.wait_json(
        "reolink/bridge/event",
        lambda e: e == {"type": "camera_offline", "data": {"id": "floodlight"}},
        since=mark,
    )
    state = await rig.mqtt.wait_json(
        "reolink/floodlight", lambda s: s["online"] is False, since=mark
    )
    assert state["camera_id"] == "floodlight"

    mark = rig.mqtt.mark()
    await rig.sim.set_fault("floodlight", "none")
    await rig.mqtt.wait_topic(
        "reolink/floodlight/availability", lambda m: m.text == "online", since=mark, timeout=15
    )
    await rig.mqtt.wait_json(
        "reolink/floodlight/event", lambda e: e["type"] == "online", since=mark
    )


async def test_nvr_going_offline_takes_its_channels_along(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    await rig.sim.set_fault("nvr", "offline")
    for camera_id in ("nvr", "nvr_ch0", "nvr_ch1", "nvr_ch2"):
        await rig.mqtt.wait_topic(
            f"reolink/{camera_id}/availability", lambda m: m.text == "offline", since=mark
        )
    await rig.sim.set_fault("nvr", "none")
    for camera_id in ("nvr", "nvr_ch0", "nvr_ch1", "nvr_ch2"):
        await rig.mqtt.wait_topic(
            f"reolink/{camera_id}/availability",
            lambda m: m.text == "online",
            since=mark,
            timeout=15,
        )


@pytest.mark.parametrize(
    "fault", ["garbage", "html", "slow", "drop", "token_expiry", "max_sessions"]
)
async def test_faults_never_disturb_other_cameras(rig: Rig, fault: str) -> None:
    """One camera misbehaves; the others' events still arrive on time and the bridge stays up."""
    await rig.sim.set_fault("ptz", fault)
    deadline = time.monotonic() + 3.0
    latencies = []
    while time.monotonic() < deadline:
        for active in (True, False):
            mark = rig.mqtt.mark()
            t0 = time.monotonic()
            rig.sim.trigger_event("floodlight", "motion", active)
            await rig.mqtt.wait_json(
                "reolink/floodlight", lambda s, a=active: s["motion"] is a, since=mark
            )
            latencies.append(time.monotonic() - t0)
    assert max(latencies) < POLL_INTERVAL + 0.25, latencies

    mark = rig.mqtt.mark()
    await rig.sim.set_fault("ptz", "none")
    if fault in ("garbage", "html", "slow", "drop"):
        # failure_threshold is 2 at 0.5 s: these faults have made the camera unavailable
        await rig.mqtt.wait_topic(
            "reolink/ptz/availability", lambda m: m.text == "online", timeout=20
        )
    rig.sim.trigger_event("ptz", "motion", True)
    await rig.mqtt.wait_json("reolink/ptz", lambda s: s["motion"] is True, since=mark, timeout=20)
    assert rig.bridge.mqtt is not None
    assert rig.bridge.mqtt.connected


async def test_token_expiry_is_invisible(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    await rig.sim.set_fault("doorbell", "token_expiry")
    rig.sim.trigger_event("doorbell", "person", True)
    await rig.mqtt.wait_json(
        "reolink/doorbell", lambda s: s["person"] is True, since=mark, timeout=3
    )
    assert not [
        m for m in rig.mqtt.on("reolink/doorbell/availability", mark) if m.text == "offline"
    ]


async def test_broker_restart_loses_nothing(
    sim: Simulator, mosquitto_factory: BrokerFactory, tmp_path: Path
) -> None:
    """Events raised while the broker is down are all delivered, in order, once it is back."""
    broker = mosquitto_factory(persistence=True)  # keeps the observer's session over the restart
    settings = bridge_settings(sim, broker, "reolink", tmp_path)
    async with (
        Recorder(broker.host, broker.port, persistent=True) as mqtt,
        Bridge(settings, mqtt_options=FAST_MQTT, republish_delay=(0.05, 0.1)) as bridge,
    ):
        await mqtt.wait_topic("reolink/legacy/availability", lambda m: m.text == "online")
        await check_broker_restart(Rig(sim, broker, bridge, mqtt, settings))


async def check_broker_restart(rig: Rig) -> None:
    await rig.mqtt.wait_json("reolink/legacy")
    assert rig.bridge.mqtt is not None
    await rig.broker.astop()
    starts = 0
    for _ in range(4):
        rig.sim.trigger_event("legacy", "motion", True)
        await asyncio.sleep(POLL_INTERVAL * 2.5)
        rig.sim.trigger_event("legacy", "motion", False)
        await asyncio.sleep(POLL_INTERVAL * 2.5)
        starts += 1
    rig.sim.trigger_event("floodlight", "person", True)
    await asyncio.sleep(POLL_INTERVAL * 2.5)
    assert not rig.bridge.mqtt.connected
    assert rig.bridge.mqtt.buffered_messages > 0

    # A fresh observer after the restart: retained topics (discovery, states) must all be back,
    # and the buffered events must be published after the reconnect.
    mark = rig.mqtt.mark()
    await rig.broker.astart()
    await rig.mqtt.wait_topic(
        "reolink/bridge/state", lambda m: m.text == "online", since=mark, timeout=15
    )
    events = []
    async with asyncio.timeout(10):
        while len(events) < 2 * starts:
            events = [
                m.json()
                for m in rig.mqtt.on("reolink/legacy/event", mark)
                if m.json()["type"] == "motion"
            ]
            await asyncio.sleep(0.1)
    assert [e["phase"] for e in events] == ["start", "end"] * starts
    for start, end in zip(events[::2], events[1::2], strict=True):
        assert start["event_id"] == end["event_id"]
    assert len({e["event_id"] for e in events}) == starts
    await rig.mqtt.wait_json(
        "reolink/floodlight/event", lambda e: e["type"] == "person", since=mark
    )
    await rig.mqtt.wait_json("reolink/floodlight", lambda s: s["person"] is True, since=mark)
    for camera_id in ("floodlight", "ptz", "doorbell", "legacy", "nvr", "nvr_ch0"):
        await rig.mqtt.wait_topic(f"reolink/{camera_id}/availability", since=mark)
    discovery = {
        m.topic for m in rig.mqtt.messages[mark:] if m.topic.startswith("homeassistant/device/")
    }
    assert len(discovery) == view_count(rig)  # one HA device per camera and per NVR channel
    assert rig.bridge.mqtt.dropped_messages == 0


async def test_home_assistant_birth_republishes_discovery_and_states(rig: Rig) -> None:
    await rig.mqtt.wait_json("reolink/nvr_ch2")
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("homeassistant/status", "online")
    discovery = set()
    async with asyncio.timeout(5):
        while len(discovery) < view_count(rig):
            await asyncio.sleep(0.05)
            discovery = {
                m.topic
                for m in rig.mqtt.messages[mark:]
                if m.topic.startswith("homeassistant/device/")
            }
    for camera_id in (
        "floodlight",
        "ptz",
        "doorbell",
        "legacy",
        "nvr",
        "nvr_ch0",
        "nvr_ch1",
        "nvr_ch2",
    ):
        await rig.mqtt.wait_json(f"reolink/{camera_id}", since=mark)
        await rig.mqtt.wait_topic(f"reolink/{camera_id}/availability", since=mark)
    # Discovery goes out before the states, so Home Assistant has the entities when states arrive:
    # every camera's state is published again after the last discovery message (a loaded
    # machine may see a second round, from a late connect: its states follow it too).
    seen = rig.mqtt.messages[mark:]
    last_discovery = mark + max(
        i for i, m in enumerate(seen) if m.topic.startswith("homeassistant/device/")
    )
    for camera_id in ("floodlight", "nvr_ch2", "legacy"):
        await rig.mqtt.wait_json(f"reolink/{camera_id}", since=last_discovery + 1)


async def test_nvr_channel_offline_stays_known_and_comes_back(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    """A camera unplugged from an NVR shows unavailable (its HA device stays), then online again."""
    settings = bridge_settings(sim, mosquitto, "reolink", tmp_path, health_check_interval=0.5)
    async with (
        Recorder(mosquitto.host, mosquitto.port) as mqtt,
        Bridge(settings, mqtt_options=FAST_MQTT),
    ):
        await mqtt.wait_topic("reolink/nvr_ch1/availability", lambda m: m.text == "online")
        discovery = await mqtt.wait_for(
            lambda m: (
                m.topic.startswith("homeassistant/device/") and m.topic.endswith("_ch1/config")
            )
        )
        mark = mqtt.mark()
        sim.set_channel_online("nvr", 1, False)
        await mqtt.wait_topic(
            "reolink/nvr_ch1/availability", lambda m: m.text == "offline", since=mark
        )
        await mqtt.wait_json("reolink/nvr_ch1/event", lambda e: e["type"] == "offline", since=mark)
        assert not [m for m in mqtt.on(discovery.topic, mark) if m.payload == b""]  # not removed
        assert [m.text for m in mqtt.on("reolink/nvr/availability", mark)] in ([], ["online"])
        assert not [m for m in mqtt.on("reolink/nvr_ch0/availability", mark) if m.text == "offline"]

        mark = mqtt.mark()
        sim.set_channel_online("nvr", 1, True)
        await mqtt.wait_topic(
            "reolink/nvr_ch1/availability", lambda m: m.text == "online", since=mark
        )
        sim.trigger_event("nvr", "motion", True, channel=1)
        await mqtt.wait_json("reolink/nvr_ch1", lambda s: s["motion"] is True, since=mark)
