"""The API mirrors MQTT: the same state, the same command results, the same bridge answers."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from api_rig import ApiRig, recv_until

from bridge.simulator import PROFILE_NAMES


async def _camera_ids(rig: ApiRig) -> list[str]:
    cameras = (await rig.client().get("/cameras")).json()
    return sorted({cid for camera in cameras for cid in camera["cameras"]})


async def test_rest_state_equals_the_mqtt_retained_payload_for_every_camera(rig: ApiRig) -> None:
    assert rig.mqtt is not None
    client = rig.client()
    camera_ids = await _camera_ids(rig)
    assert set(PROFILE_NAMES) <= set(camera_ids)
    assert any(cid.startswith("nvr_ch") for cid in camera_ids)  # NVR channels too
    for camera_id in camera_ids:
        async with asyncio.timeout(10):
            while True:  # a poll may land between the two reads: compare the latest of each
                rest = await client.get(f"/cameras/{camera_id}/state")
                seen = rig.mqtt.on(f"reolink/{camera_id}")
                if rest.status_code == 200 and seen and rest.json() == seen[-1].json():
                    break
                await asyncio.sleep(0.2)
        assert rest.headers["content-type"] == "application/json"


async def test_a_command_by_rest_mqtt_and_websocket_has_the_same_effect_and_result(
    rig: ApiRig,
) -> None:
    assert rig.mqtt is not None
    client = rig.client()

    def brightness() -> int:
        channel = rig.sim.state("floodlight")["channel_states"][0]
        value: int = channel["floodlight"]["bright"]
        return value

    async def reset() -> None:
        result = await client.post(
            "/cameras/floodlight/set", json={"floodlight": {"brightness": 10}}
        )
        assert result.json()["status"] == "ok"
        assert brightness() == 10

    command = {"floodlight": {"brightness": 55}, "transaction": "same-1"}
    results: dict[str, Any] = {}

    await reset()
    rest = await client.post("/cameras/floodlight/set", json=command)
    assert rest.status_code == 200
    results["rest"] = rest.json()
    assert brightness() == 55

    await reset()
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/floodlight/set", command)
    results["mqtt"] = await rig.mqtt.wait_json(
        "reolink/floodlight/response", lambda p: p.get("transaction") == "same-1", since=mark
    )
    assert brightness() == 55

    await reset()
    async with await rig.ws() as ws:
        await ws.send(json.dumps({"topic": "floodlight/set", "payload": command}))
        frame = await recv_until(ws, lambda f: f["topic"] == "reolink/floodlight/response")
    results["ws"] = frame["payload"]
    assert brightness() == 55

    assert results["rest"] == results["mqtt"] == results["ws"]
    assert results["rest"] == {
        "status": "ok",
        "code": "ok",
        "camera_id": "floodlight",
        "transaction": "same-1",
    }
    # The audit has all three, each with its source.
    async with asyncio.timeout(5):  # the writer stores in batches
        while True:
            audit = (await client.get("/commands", params={"camera_id": "floodlight"})).json()
            sources = {c["source"]: c for c in audit["commands"]}
            if {"rest", "mqtt", "ws"} <= set(sources):
                break
            await asyncio.sleep(0.1)
    assert sources["rest"]["who"] == "token:tests"
    assert sources["ws"]["who"] == "token:tests"


async def test_a_failing_command_gives_the_same_error_object_everywhere(rig: ApiRig) -> None:
    assert rig.mqtt is not None
    command = {"ptz": "left", "transaction": "nope"}  # a fixed camera: no pan/tilt
    rest = (await rig.client().post("/cameras/floodlight/set", json=command)).json()
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/floodlight/set", command)
    mqtt = await rig.mqtt.wait_json(
        "reolink/floodlight/response", lambda p: p.get("transaction") == "nope", since=mark
    )
    async with await rig.ws() as ws:
        await ws.send(json.dumps({"topic": "reolink/floodlight/set", "payload": command}))
        ws_result = (await recv_until(ws, lambda f: f["topic"] == "reolink/floodlight/response"))[
            "payload"
        ]
    assert rest == mqtt == ws_result
    assert rest["status"] == "error"
    assert "ptz left" in rest["error"]


async def test_bridge_requests_and_info_mirror_mqtt(rig: ApiRig) -> None:
    assert rig.mqtt is not None
    client = rig.client()
    body = {"id": "no_such_camera", "transaction": "r-1"}
    rest = (await client.post("/bridge/request/camera/remove", json=body)).json()
    mark = rig.mqtt.mark()
    await rig.mqtt.publish("reolink/bridge/request/camera/remove", body)
    mqtt = await rig.mqtt.wait_json(
        "reolink/bridge/response/camera/remove", lambda p: p.get("transaction") == "r-1", since=mark
    )
    assert rest == mqtt
    assert rest["status"] == "error"

    async with await rig.ws() as ws:
        await ws.send(json.dumps({"topic": "bridge/request/camera/remove", "payload": body}))
        frame = await recv_until(
            ws, lambda f: f["topic"] == "reolink/bridge/response/camera/remove"
        )
    assert frame["payload"] == mqtt

    health = (await client.post("/bridge/request/health_check")).json()
    assert health["status"] == "ok"
    assert set(PROFILE_NAMES) <= set(health["data"]["cameras"])

    info = (await client.get("/bridge/info")).json()
    retained = rig.mqtt.on("reolink/bridge/info")[-1].json()
    assert info == retained
    assert info["installation_id"] == rig.bridge.installation_id != ""
    assert info["mqtt"]["discovery"] == "device"
