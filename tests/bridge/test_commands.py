"""Commands over MQTT reach the camera (the simulator's command log) and answer on /response."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from rig import FAST_MQTT, Rig, bridge_settings

from bridge.app import Bridge
from bridge.simulator import Simulator


async def command(
    rig: Rig,
    topic: str,
    payload: Any,
    camera_id: str,
    transaction: str | None = None,
    *,
    retain: bool = False,
) -> dict[str, Any]:
    mark = rig.mqtt.mark()
    await rig.mqtt.publish(topic, payload, retain=retain)
    if transaction is None:
        return await rig.mqtt.wait_json(f"reolink/{camera_id}/response", since=mark)
    return await rig.mqtt.wait_json(
        f"reolink/{camera_id}/response", lambda r: r.get("transaction") == transaction, since=mark
    )


async def test_json_set_reaches_the_camera(rig: Rig) -> None:
    body = {"floodlight": {"state": "ON", "brightness": 80}, "transaction": "t-flood"}
    response = await command(rig, "reolink/floodlight/set", body, "floodlight", "t-flood")
    assert response["status"] == "ok", response
    (sent,) = rig.commands("floodlight", "SetWhiteLed")
    led = sent["param"]["WhiteLed"]
    assert (led["state"], led["bright"], led["channel"]) == (1, 80, 0)
    state = await rig.mqtt.wait_json(
        "reolink/floodlight", lambda s: s["floodlight"] == "ON" and s["floodlight_brightness"] == 80
    )
    assert state["online"] is True


@pytest.mark.parametrize(
    ("camera_id", "attribute", "value", "cmd", "check"),
    [
        ("floodlight", "siren", "ON", "AudioAlarmPlay", lambda p: p["manual_switch"] == 1),
        (
            "floodlight",
            "ir_lights",
            "Off",
            "SetIrLights",
            lambda p: p["IrLights"]["state"] == "Off",
        ),
        ("ptz", "ptz", "left", "PtzCtrl", lambda p: p["op"] == "Left"),
        ("ptz", "ptz_preset", "Gate", "PtzCtrl", lambda p: p["op"] == "ToPos"),
        (
            "ptz",
            "zoom",
            "10",
            "StartZoomFocus",
            lambda p: p["ZoomFocus"]["pos"] == 3,
        ),  # 10 % of 0-33
        ("doorbell", "status_led", "OFF", "SetPowerLed", lambda p: "PowerLed" in p),
        ("legacy", "motion_sensitivity", "30", "SetAlarm", lambda p: "Alarm" in p),
        ("floodlight", "recording", "OFF", "SetRecV20", lambda p: p["Rec"]["scheduleEnable"] == 0),
        ("floodlight", "day_night", "Color", "SetIsp", lambda p: p["Isp"]["dayNight"] == "Color"),
        ("nvr_ch0", "push", "OFF", "SetPushV20", lambda p: p["Push"]["scheduleEnable"] == 0),
    ],
)
async def test_plain_attribute_set(
    rig: Rig, camera_id: str, attribute: str, value: str, cmd: str, check: Any
) -> None:
    device_id = camera_id.split("_ch", maxsplit=1)[0]
    response = await command(
        rig,
        f"reolink/{camera_id}/set/{attribute}",
        json.dumps({"value": value, "transaction": f"t-{attribute}"}),
        camera_id,
        f"t-{attribute}",
    )
    assert response["status"] == "ok", response
    sent = rig.commands(device_id, cmd)
    assert sent, f"{cmd} never reached {device_id}"
    assert check(sent[-1]["param"]), sent[-1]


async def test_plain_value_without_transaction(rig: Rig) -> None:
    response = await command(rig, "reolink/ptz/set/ptz", "stop", "ptz")
    assert response["status"] == "ok"
    assert "transaction" not in response
    assert rig.commands("ptz", "PtzCtrl")[-1]["param"]["op"] == "Stop"


async def test_siren_stops_by_itself(rig: Rig) -> None:
    body = {"siren": {"state": "ON", "duration": 1}, "transaction": "s1"}
    response = await command(rig, "reolink/floodlight/set", body, "floodlight", "s1")
    assert response == {
        "status": "ok",
        "code": "ok",
        "camera_id": "floodlight",
        "data": {"siren_off_in": 1},
        "transaction": "s1",
    }
    on = await rig.mqtt.wait_for(
        lambda m: m.topic == "reolink/floodlight" and b'"siren":"ON"' in m.payload
    )
    since = rig.mqtt.messages.index(on)
    await rig.mqtt.wait_json(
        "reolink/floodlight", lambda s: s["siren"] == "OFF", since=since, timeout=5
    )
    switches = [c["param"]["manual_switch"] for c in rig.commands("floodlight", "AudioAlarmPlay")]
    assert switches == [1, 0]


async def test_bridge_request_adds_renames_and_removes(rig: Rig) -> None:
    extra = await rig.sim.add_device("ptz", device_id="extra")
    mark = rig.mqtt.mark()
    await rig.mqtt.publish(
        "reolink/bridge/request/camera/add",
        {
            "id": "extra",
            "host": extra.host,
            "port": extra.port,
            "username": extra.username,
            "password": extra.password,
            "transaction": "add-1",
        },
    )
    response = await rig.mqtt.wait_json("reolink/bridge/response/camera/add", since=mark)
    assert response["status"] == "ok", response
    assert response["transaction"] == "add-1"
    assert "password" not in response["data"]
    await rig.mqtt.wait_topic(
        "reolink/extra/availability", lambda m: m.text == "online", since=mark
    )
    discovery = await rig.mqtt.wait_for(
        lambda m: (
            m.topic.startswith("homeassistant/device/")
            and b"reolink/extra/availability" in m.payload
        ),
        since=mark,
    )

    reply = await command(
        rig,
        "reolink/extra/set",
        {"ptz": {"op": "up", "speed": 10}, "transaction": "x"},
        "extra",
        "x",
    )
    assert reply["status"] == "ok"
    assert rig.commands("extra", "PtzCtrl")[-1]["param"] == {"channel": 0, "op": "Up", "speed": 10}

    mark = rig.mqtt.mark()
    await rig.mqtt.publish(
        "reolink/bridge/request/camera/rename", {"id": "extra", "name": "Back Yard"}
    )
    renamed = await rig.mqtt.wait_json("reolink/bridge/response/camera/rename", since=mark)
    assert renamed["data"]["name"] == "Back Yard"
    await rig.mqtt.wait_for(
        lambda m: m.topic == discovery.topic and b"Back Yard" in m.payload, since=mark
    )

    mark = rig.mqtt.mark()
    await rig.mqtt.publish(
        "reolink/bridge/request/camera/remove", {"id": "extra", "transaction": "rm"}
    )
    removed = await rig.mqtt.wait_json("reolink/bridge/response/camera/remove", since=mark)
    assert removed == {"status": "ok", "data": {"id": "extra"}, "transaction": "rm"}
    await rig.mqtt.wait_for(lambda m: m.topic == discovery.topic and m.payload == b"", since=mark)
    await rig.mqtt.wait_for(lambda m: m.topic == "reolink/extra" and m.payload == b"", since=mark)
    logouts = rig.commands("extra", "Logout")
    assert logouts, "the bridge logs out of a removed camera"


@pytest.mark.parametrize(
    ("topic", "payload", "error"),
    [
        ("reolink/floodlight/set", "{not json", "not valid JSON"),
        ("reolink/floodlight/set", "[1, 2]", "JSON object"),
        ("reolink/floodlight/set", '{"warp": 9}', "warp"),
        (
            "reolink/floodlight/set",
            '{"floodlight": {"brightness": 900}}',
            "less than or equal to 100",
        ),
        ("reolink/floodlight/set", '{"siren": {"state": "ON", "duration": 3000}}', "siren"),
        ("reolink/floodlight/set", b"\xff\xfe\x00", "UTF-8"),
        ("reolink/floodlight/set/warp_drive", "ON", "unknown attribute"),
        ("reolink/floodlight/set/floodlight_brightness", "-5", "greater than or equal to 0"),
        ("reolink/floodlight/set/ptz", "left", "not supported"),
        ("reolink/ptz/set/ptz_preset", "Nowhere", "unknown PTZ preset"),
        ("reolink/legacy/set/siren", "ON", "not supported"),
        ("reolink/nobody/set/siren", "ON", "no camera"),
    ],
)
async def test_bad_commands_get_an_error_and_do_nothing(
    rig: Rig, topic: str, payload: Any, error: str
) -> None:
    camera_id = topic.split("/")[1]
    device_id = camera_id if camera_id in rig.sim.devices else "floodlight"
    before = rig.sim.state(device_id)["commands_total"]
    response = await command(rig, topic, payload, camera_id)
    assert response["status"] == "error"
    assert error in response["error"], response
    await asyncio.sleep(0.3)
    state = rig.sim.state(device_id)
    assert state["commands_total"] == before, state["commands"][-3:]


async def test_retained_command_is_never_executed(
    sim: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    # Stale commands left retained on the broker must not fire when the bridge subscribes.
    async with Recorder(mosquitto.host, mosquitto.port) as observer:
        await observer.publish("reolink/floodlight/set/siren", "ON", retain=True)
        await observer.publish("reolink/floodlight/set", {"siren": "ON"}, retain=True)
        await observer.publish("reolink/ptz/set", {"ptz": "left"}, retain=True)
        mark = observer.mark()
        settings = bridge_settings(sim, mosquitto, "reolink", tmp_path)
        async with Bridge(settings, mqtt_options=FAST_MQTT):
            await observer.wait_topic(
                "reolink/floodlight/availability", lambda m: m.text == "online", since=mark
            )
            await asyncio.sleep(1.0)
    assert [c for c in sim.state("floodlight")["commands"] if c["cmd"] == "AudioAlarmPlay"] == []
    assert [c for c in sim.state("ptz")["commands"] if c["cmd"] == "PtzCtrl"] == []
    assert not observer.on("reolink/floodlight/response", mark)


async def test_get_publishes_the_state_again(rig: Rig) -> None:
    await rig.mqtt.wait_json("reolink/ptz")
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/ptz/get", "")
    state = await rig.mqtt.wait_json("reolink/ptz", since=mark, timeout=3)
    assert state["camera_id"] == "ptz"


async def test_snapshot_button_and_event_snapshots(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    response = await command(rig, "reolink/ptz/set/snapshot", "PRESS", "ptz")
    assert response["status"] == "ok"
    jpeg = await rig.mqtt.wait_topic("reolink/ptz/snapshot", since=mark)
    assert jpeg.payload[:2] == b"\xff\xd8"
    assert jpeg.payload[-2:] == b"\xff\xd9"
    assert response["data"]["snapshot_bytes"] == len(jpeg.payload)
    assert rig.commands("ptz", "Snap") or rig.sim.state("ptz")["get_counts"].get("Snap")

    mark = rig.mqtt.mark()
    rig.sim.trigger_event("nvr", "person", True, channel=2)
    # an event's snapshot is kept on disk: its signed URL is published (docs/mqtt.md)
    shot = await rig.mqtt.wait_topic("reolink/nvr_ch2/snapshot/url", since=mark)
    assert "/api/v1/media/snapshots/nvr_ch2/" in shot.text
    assert "?sig=" in shot.text


async def test_reboot_and_back(rig: Rig) -> None:
    mark = rig.mqtt.mark()
    response = await command(rig, "reolink/legacy/set/reboot", "PRESS", "legacy")
    assert response["status"] == "ok"
    assert rig.commands("legacy", "Reboot")
    await rig.mqtt.wait_topic(
        "reolink/legacy/availability", lambda m: m.text == "online", since=mark, timeout=20
    )
    rig.sim.trigger_event("legacy", "motion", True)
    await rig.mqtt.wait_json(
        "reolink/legacy", lambda s: s["motion"] is True, since=mark, timeout=10
    )


@pytest.mark.parametrize(
    ("action", "payload", "error"),
    [
        ("camera/add", "{not json", "not valid JSON"),
        ("camera/add", "[1]", "JSON object"),
        ("camera/add", '{"id": "Bad Id", "host": "h"}', "id"),
        ("camera/add", '{"id": "floodlight", "host": "h"}', "exists already"),
        ("camera/remove", "{}", "'id' is required"),
        ("camera/remove", '{"id": "nobody"}', "no camera"),
        ("camera/rename", '{"id": "ptz"}', "'name' is required"),
        ("warp/drive", "{}", "unknown request"),
        ("camera/add", b"\xff\xfe", "UTF-8"),
    ],
)
async def test_bad_bridge_requests_get_an_error(
    rig: Rig, action: str, payload: str | bytes, error: str
) -> None:
    cameras_before = {c.id for c in rig.bridge.manager.cameras}
    mark = rig.mqtt.mark()
    await rig.mqtt.publish(f"reolink/bridge/request/{action}", payload)
    response = await rig.mqtt.wait_json(f"reolink/bridge/response/{action}", since=mark)
    assert response["status"] == "error"
    assert error in response["error"], response
    assert {c.id for c in rig.bridge.manager.cameras} == cameras_before
