"""What a camera added at run time keeps across a restart (SQLite and PostgreSQL): `verify_tls`,
and `enabled: false` (listed, never contacted); a config-file camera's `enabled: false` too."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fixtures.bridge_rig import FAST_MQTT, POLL_INTERVAL, bridge_settings
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD

from bridge.app import Bridge
from bridge.config import Settings
from bridge.pipeline.device import DeviceRunner
from bridge.simulator import Simulator


async def polled(runner: DeviceRunner, *, seconds: float) -> None:
    """Wait `seconds` (several polling intervals: time enough to contact any enabled camera)
    while another camera runs. (With push active that one is not polled meanwhile.)"""
    assert seconds >= 2 * POLL_INTERVAL
    await asyncio.sleep(seconds)
    assert runner.online


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bridge.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


def only_floodlight(sim: Simulator, broker: MosquittoBroker, data: Path, url: str) -> Settings:
    settings = bridge_settings(sim, broker, "reolink", data, database={"url": url})
    return settings.model_copy(
        update={"cameras": [c for c in settings.cameras if c.id == "floodlight"]}
    )


async def add_over_mqtt(mqtt: Recorder, body: dict[str, object]) -> None:
    mark = mqtt.mark()
    await mqtt.publish("reolink/bridge/request/camera/add", {**body, "password": PASSWORD})
    answer = await mqtt.wait_json("reolink/bridge/response/camera/add", since=mark)
    assert answer["status"] == "ok", answer


async def test_verify_tls_survives_a_restart(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, store_url: str
) -> None:
    strict = await sim.add_device("doorbell", device_id="strict")
    settings = only_floodlight(sim, mosquitto, tmp_path, store_url)
    async with Recorder(mosquitto.host, mosquitto.port) as mqtt:
        async with Bridge(settings, mqtt_options=FAST_MQTT):
            await mqtt.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
            await add_over_mqtt(
                mqtt, {"id": "strict", "host": strict.host, "port": strict.port, "verify_tls": True}
            )
            await mqtt.wait_topic("reolink/strict/availability", lambda m: m.text == "online")

        mark = mqtt.mark()
        async with Bridge(settings, mqtt_options=FAST_MQTT) as bridge:
            await mqtt.wait_topic(
                "reolink/strict/availability", lambda m: m.text == "online", since=mark
            )
            assert bridge.manager.runner("strict").camera.verify_tls is True
            cameras = await mqtt.wait_json(
                "reolink/bridge/cameras",
                lambda cams: "strict" in {c["id"] for c in cams},
                since=mark,
            )
            listed = {c["id"]: c for c in cameras}
            assert listed["strict"]["verify_tls"] is True
            assert listed["floodlight"]["verify_tls"] is False


async def test_a_disabled_runtime_camera_stays_disabled_after_a_restart(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path, store_url: str
) -> None:
    idle = await sim.add_device("floodlight", device_id="idle")
    settings = only_floodlight(sim, mosquitto, tmp_path, store_url)
    async with Recorder(mosquitto.host, mosquitto.port) as mqtt:
        async with Bridge(settings, mqtt_options=FAST_MQTT) as bridge:
            await mqtt.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
            await add_over_mqtt(
                mqtt, {"id": "idle", "host": idle.host, "port": idle.port, "enabled": False}
            )
            await polled(bridge.manager.runner("floodlight"), seconds=1.0)

        mark = mqtt.mark()
        async with Bridge(settings, mqtt_options=FAST_MQTT) as bridge:
            cameras = await mqtt.wait_json(
                "reolink/bridge/cameras", lambda cams: "idle" in {c["id"] for c in cams}, since=mark
            )
            assert next(c for c in cameras if c["id"] == "idle")["enabled"] is False
            assert bridge.manager.runner("idle").camera.enabled is False
            await polled(bridge.manager.runner("floodlight"), seconds=2.0)
    assert sim.state("idle")["requests"] == 0  # in neither run
    assert not mqtt.on("reolink/idle/availability")


async def test_a_disabled_config_file_camera_is_listed_and_never_contacted(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    settings = bridge_settings(sim, mosquitto, "reolink", tmp_path)
    cameras = [
        c.model_copy(update={"enabled": False}) if c.id == "doorbell" else c
        for c in settings.cameras
        if c.id in ("doorbell", "floodlight")
    ]
    settings = settings.model_copy(update={"cameras": cameras})
    before = sim.state("doorbell")["requests"]
    async with (
        Recorder(mosquitto.host, mosquitto.port) as mqtt,
        Bridge(settings, mqtt_options=FAST_MQTT) as bridge,
    ):
        await mqtt.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
        listed = await mqtt.wait_json(
            "reolink/bridge/cameras", lambda cams: "doorbell" in {c["id"] for c in cams}
        )
        assert next(c for c in listed if c["id"] == "doorbell")["enabled"] is False
        await polled(bridge.manager.runner("floodlight"), seconds=2.0)
    assert sim.state("doorbell")["requests"] == before
