"""Commands are bus messages: MQTT, REST and WebSocket publish a `CommandRequested` and await the
`CommandCompleted` of the same request id — on the in-process bus and on Redis Streams alike.

Each test runs once per bus (a fresh Redis key prefix and a fresh MQTT base topic each time):
the same command gives the same result and code from every face; a camera that does not
answer (the simulator delays every reply past the command timeout) gives `timeout`; a REST
command route answers with the status the code table gives.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api_rig import PASSWORD, ApiRig, api_settings, recv_until, running_api
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.api.commanding import HTTP_STATUS
from bridge.bus.messages import BusMessage, CommandCompleted, CommandRequested
from bridge.domain.errors import ResultCode
from bridge.simulator import Simulator

COMMAND_TIMEOUT = 1.0
"""`safety.command_timeout` of these rigs: short, so a camera that never answers is quick."""


@dataclass
class BusRig:
    api: ApiRig
    mqtt: Recorder
    base: str
    seen: list[BusMessage]
    """Every command message on the bus, as a consumer of its own sees them."""

    async def by_mqtt(self, camera_id: str, body: dict[str, Any]) -> dict[str, Any]:
        transaction = body["transaction"]
        mark = self.mqtt.mark()
        await self.mqtt.publish(f"{self.base}/{camera_id}/set", body)
        result: dict[str, Any] = await self.mqtt.wait_json(
            f"{self.base}/{camera_id}/response",
            lambda p: p.get("transaction") == transaction,
            since=mark,
        )
        return result

    async def by_rest(self, camera_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        answer = await self.api.client().post(f"/cameras/{camera_id}/set", json=body)
        return answer.status_code, answer.json()

    async def by_ws(self, camera_id: str, body: dict[str, Any]) -> dict[str, Any]:
        async with await self.api.ws() as ws:
            await ws.send(json.dumps({"topic": f"{camera_id}/set", "payload": body}))
            frame = await recv_until(
                ws, lambda f: f.get("topic") == f"{self.base}/{camera_id}/response"
            )
        result: dict[str, Any] = frame["payload"]
        return result


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(password=PASSWORD, control_port=None) as simulator:
        for profile in ("floodlight", "ptz"):
            await simulator.add_device(profile, device_id=profile)
        yield simulator


@pytest.fixture(params=["inprocess", "redis"])
async def bus_rig(
    request: pytest.FixtureRequest,
    sim: Simulator,
    mosquitto: MosquittoBroker,
    tmp_path: Path,
) -> AsyncIterator[BusRig]:
    base = f"t{secrets.token_hex(4)}"
    extra: dict[str, Any] = {
        "mqtt": {"url": mosquitto.url, "base_topic": base},
        "safety": {"command_timeout": COMMAND_TIMEOUT},
    }
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        extra["redis"] = {"url": redis_url, "key_prefix": request.getfixturevalue("redis_prefix")}
    settings = api_settings(sim, mosquitto, tmp_path / "data", **extra)
    async with (
        Recorder(mosquitto.host, mosquitto.port, (f"{base}/#",)) as recorder,
        running_api(sim, settings, recorder=recorder) as api,
    ):
        seen: list[BusMessage] = []

        async def spy(message: BusMessage) -> None:
            if isinstance(message, CommandRequested | CommandCompleted):
                seen.append(message)

        subscription = api.bridge.bus.subscribe("test-spy", spy)
        wait_ready = getattr(subscription, "wait_ready", None)
        if wait_ready is not None:  # the Redis bus makes its consumer group in the background
            await wait_ready()
        for camera_id in sim.devices:
            await recorder.wait_topic(
                f"{base}/{camera_id}/availability", lambda m: m.text == "online"
            )
        try:
            yield BusRig(api, recorder, base, seen)
        finally:
            subscription.close()


def _floodlight_brightness(rig: BusRig) -> int:
    value: int = rig.api.sim.state("floodlight")["channel_states"][0]["floodlight"]["bright"]
    return value


async def _travelled(rig: BusRig, source: str, transaction: str) -> None:
    """A request from `source` and its answer (same request id) crossed the bus."""

    def pair() -> bool:
        requests = {
            m.request_id
            for m in rig.seen
            if isinstance(m, CommandRequested)
            and m.source == source
            and m.command.transaction == transaction
        }
        return any(isinstance(m, CommandCompleted) and m.request_id in requests for m in rig.seen)

    async with asyncio.timeout(5):
        while not pair():
            await asyncio.sleep(0.02)


async def test_every_face_gets_the_same_result_and_code_over_the_bus(bus_rig: BusRig) -> None:
    rig = bus_rig
    results: dict[str, dict[str, Any]] = {}
    for face, brightness in (("mqtt", 21), ("rest", 42), ("ws", 63)):
        body = {"floodlight": {"brightness": brightness}, "transaction": f"ok-{face}"}
        if face == "mqtt":
            results[face] = await rig.by_mqtt("floodlight", body)
        elif face == "rest":
            status, results[face] = await rig.by_rest("floodlight", body)
            assert status == 200
        else:
            results[face] = await rig.by_ws("floodlight", body)
        assert _floodlight_brightness(rig) == brightness  # it reached the camera
        await _travelled(rig, face, f"ok-{face}")
    for face, result in results.items():
        assert result == {
            "status": "ok",
            "code": "ok",
            "camera_id": "floodlight",
            "transaction": f"ok-{face}",
        }

    # A refusal (a fixed camera has no pan/tilt): the same object everywhere, the same code,
    # and REST's status is the one the table gives for it.
    refused = {"ptz": "left", "transaction": "no-ptz"}
    mqtt = await rig.by_mqtt("floodlight", refused)
    status, rest = await rig.by_rest("floodlight", refused)
    ws = await rig.by_ws("floodlight", refused)
    assert mqtt == rest == ws
    assert rest["code"] == ResultCode.NOT_SUPPORTED
    assert status == HTTP_STATUS[ResultCode.NOT_SUPPORTED] == 409
    for face in ("mqtt", "rest", "ws"):
        await _travelled(rig, face, "no-ptz")


async def test_a_camera_that_never_answers_gives_timeout(bus_rig: BusRig) -> None:
    rig = bus_rig
    sim_server = rig.api.sim.server("ptz")
    assert sim_server is not None
    await sim_server.set_fault("slow", delay=30.0)  # every reply held back: the camera hangs
    try:
        body = {"status_led": "OFF", "transaction": "hangs"}
        mqtt = await rig.by_mqtt("ptz", {**body, "transaction": "hangs-mqtt"})
        status, rest = await rig.by_rest("ptz", {**body, "transaction": "hangs-rest"})
        ws = await rig.by_ws("ptz", {**body, "transaction": "hangs-ws"})
    finally:
        await sim_server.set_fault("none")
    for face, result in (("mqtt", mqtt), ("rest", rest), ("ws", ws)):
        assert result["status"] == "error", (face, result)
        assert result["code"] == ResultCode.TIMEOUT, (face, result)
        assert result["transaction"] == f"hangs-{face}"
        assert "did not answer in time" in result["error"]
    assert status == HTTP_STATUS[ResultCode.TIMEOUT] == 504


async def test_rest_command_routes_answer_with_the_code_table(bus_rig: BusRig) -> None:
    client = bus_rig.api.client()
    cases: list[tuple[str, dict[str, Any], ResultCode]] = [
        ("/cameras/floodlight/set", {"status_led": "ON"}, ResultCode.OK),
        ("/cameras/floodlight/set", {"ptz": "left"}, ResultCode.NOT_SUPPORTED),
        ("/cameras/floodlight/set/warp_drive", {"value": "ON"}, ResultCode.INVALID),
        ("/cameras/floodlight/set/ptz", {"value": "left"}, ResultCode.NOT_SUPPORTED),
        ("/cameras/floodlight/ptz/move", {"op": "up"}, ResultCode.NOT_SUPPORTED),
        ("/cameras/ptz/ptz/preset", {"preset": "Nowhere"}, ResultCode.REFUSED),
        ("/cameras/floodlight/led", {"state": "OFF"}, ResultCode.OK),
    ]
    for path, body, code in cases:
        answer = await client.post(path, json=body)
        assert answer.json()["code"] == code, (path, answer.json())
        assert answer.status_code == HTTP_STATUS[code], (path, answer.json())
    # A convenience route's failure keeps `detail` (as every API error) beside the result.
    fixed = (await client.post("/cameras/floodlight/ptz/move", json={"op": "up"})).json()
    assert fixed["detail"] == fixed["error"]
    assert fixed["status"] == "error"


async def test_a_camera_added_at_run_time_is_announced_on_mqtt(
    bus_rig: BusRig, sim: Simulator
) -> None:
    """Regression: on the Redis bus `DeviceAdded` was not encodable, so `camera_added` never
    reached MQTT."""
    device = await sim.add_device("doorbell", device_id="late")
    mark = bus_rig.mqtt.mark()
    added = await bus_rig.api.client().post(
        "/cameras",
        json={
            "id": "late",
            "host": device.host,
            "port": device.port,
            "username": device.username,
            "password": device.password,
        },
    )
    assert added.status_code == 201, added.text
    event = await bus_rig.mqtt.wait_json(
        f"{bus_rig.base}/bridge/event", lambda p: p.get("type") == "camera_added", since=mark
    )
    assert event["data"]["id"] == "late"
    assert "password" not in event["data"]
