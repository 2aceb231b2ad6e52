"""Hostile or misplaced MQTT input against the running bridge (simulator, Mosquitto): JSON nested
thousands deep gets an error response, and a command published *retained* while the bridge is
connected is not executed (MQTT 5 retain-as-published); behind a broker that only speaks MQTT
3.1.1 the bridge still works, with the documented limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fixtures.bridge_rig import FAST_MQTT, Rig, bridge_settings
from fixtures.mosquitto import MosquittoBroker
from fixtures.mqtt311 import Mqtt311Front
from fixtures.recorder import Recorder
from test_commands import command

from bridge.app import Bridge
from bridge.simulator import Simulator

DEEP = 8000


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "payload",
    [
        '{"siren": ' + nested(DEEP) + "}",
        nested(DEEP),
        '{"siren": "ON", "transaction": "x", "x": ' + "{" * DEEP,  # deep and unfinished
    ],
    ids=["value", "body", "unfinished"],
)
async def test_deeply_nested_json_on_set_gets_an_error_response(rig: Rig, payload: str) -> None:
    response = await command(rig, "reolink/floodlight/set", payload, "floodlight")
    assert response["status"] == "error"
    assert "nested deeper" in response["error"], response
    plain = await command(
        rig, "reolink/floodlight/set/siren", '{"value": ' + nested(DEEP) + "}", "floodlight"
    )
    assert plain["status"] == "error"
    assert "nested deeper" in plain["error"], plain
    assert rig.commands("floodlight", "AudioAlarmPlay") == []
    # still serving
    ok = await command(rig, "reolink/floodlight/set/status_led", "OFF", "floodlight")
    assert ok["status"] == "ok", ok


async def test_deeply_nested_json_bridge_request_gets_an_error_response(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/bridge/request/camera/add", '{"id": ' + nested(DEEP) + "}")
    response = await rig.mqtt.wait_json("reolink/bridge/response/camera/add", since=mark)
    assert response["status"] == "error"
    assert "nested deeper" in response["error"], response


async def test_an_oversized_bridge_request_gets_an_error_response(rig: Rig) -> None:
    """Bridge requests have the commands' size limit (16 KiB)."""
    big = {"transaction": "big", "padding": "x" * 200_000}
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/bridge/request/health_check", big)
    response = await rig.mqtt.wait_json("reolink/bridge/response/health_check", since=mark)
    assert response["status"] == "error", response
    assert "larger than 16384 bytes" in response["error"], response
    # just under the limit is still a request
    mark = rig.mqtt.mark()
    await rig.mqtt.publish(
        "reolink/bridge/request/health_check", {"transaction": "ok", "padding": "x" * 16_000}
    )
    response = await rig.mqtt.wait_json("reolink/bridge/response/health_check", since=mark)
    assert response["status"] == "ok", response


async def test_a_command_retained_while_the_bridge_is_connected_is_not_executed(rig: Rig) -> None:
    assert rig.bridge.mqtt is not None
    assert rig.bridge.mqtt.protocol == "5"
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/floodlight/set", {"siren": "ON"}, retain=True)
    await rig.mqtt.publish("reolink/floodlight/set/siren", "ON", retain=True)
    await rig.mqtt.publish("reolink/ptz/set", {"ptz": "left"}, retain=True)
    await rig.mqtt.publish("reolink/bridge/request/camera/remove", {"id": "ptz"}, retain=True)
    # a live command after them is executed: the retained ones had their turn
    ok = await command(rig, "reolink/floodlight/set/status_led", "OFF", "floodlight")
    assert ok["status"] == "ok", ok
    await asyncio.sleep(0.5)
    assert rig.commands("floodlight", "AudioAlarmPlay") == []
    assert rig.commands("ptz", "PtzCtrl") == []
    assert "ptz" in {c.id for c in rig.bridge.manager.cameras}
    assert not rig.mqtt.on("reolink/bridge/response/camera/remove", mark)
    responses = [m.json() for m in rig.mqtt.on("reolink/floodlight/response", mark)]
    assert responses == [ok]
    for topic in ("reolink/floodlight/set", "reolink/floodlight/set/siren", "reolink/ptz/set"):
        await rig.mqtt.publish(topic, "", retain=True)  # clear them from the broker


async def test_a_broker_with_only_mqtt_3_1_1_still_runs_the_bridge(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with Mqtt311Front(mosquitto) as front, Recorder(mosquitto.host, mosquitto.port) as mqtt:
        settings = bridge_settings(sim, mosquitto, "reolink", tmp_path)
        settings.mqtt.url = front.url
        async with Bridge(settings, mqtt_options=FAST_MQTT) as bridge:
            await mqtt.wait_topic("reolink/floodlight/availability", lambda m: m.text == "online")
            assert bridge.mqtt is not None
            assert bridge.mqtt.protocol == "3.1.1"
            assert front.refused == 1
            rig = Rig(sim, mosquitto, bridge, mqtt, settings)
            ok = await command(rig, "reolink/floodlight/set/status_led", "OFF", "floodlight")
            assert ok["status"] == "ok", ok
