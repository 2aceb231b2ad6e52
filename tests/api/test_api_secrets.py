"""Camera passwords appear in no API response, no WebSocket frame, no MQTT message, no log line."""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import quote

import pytest
from fixtures.api_rig import ADMIN_PASSWORD, ApiRig
from fixtures.simulator import PASSWORD

SECRETS = (PASSWORD, quote(PASSWORD), json.dumps(PASSWORD)[1:-1], ADMIN_PASSWORD)


def _clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a secret in {where}"


async def test_passwords_appear_nowhere(rig: ApiRig, caplog: pytest.LogCaptureFixture) -> None:
    assert rig.mqtt is not None
    caplog.set_level(logging.DEBUG)
    client = rig.client()
    bodies: list[tuple[str, str]] = []
    async with await rig.ws() as ws:
        device = await rig.sim.add_device("doorbell", device_id="porch")
        camera = {
            "id": "porch",
            "host": device.host,
            "port": device.port,
            "password": PASSWORD,
        }
        created = await client.post("/cameras", json=camera)
        bodies.append(("POST /cameras", created.text))
        assert created.status_code == 201
        added = await client.post(
            "/bridge/request/camera/add", json={**camera, "id": "porch2", "transaction": "x"}
        )
        bodies.append(("camera/add", added.text))
        assert added.json()["status"] == "ok"
        too_long = await client.post("/cameras", json={**camera, "password": PASSWORD * 3})
        assert too_long.status_code == 422
        bodies.append(("422", too_long.text))
        put = await client.put("/cameras/porch", json={"password": PASSWORD * 3})
        assert put.status_code == 422
        bodies.append(("422 put", put.text))
        async with asyncio.timeout(10):
            while not (await client.get("/cameras/porch/status")).json()["online"]:
                await asyncio.sleep(0.1)
        for path in (
            "/cameras",
            "/cameras/porch",
            "/cameras/porch/status",
            "/cameras/porch/state",
            "/bridge/info",
            "/events",
            "/commands",
            "/auth/tokens",
            "/metrics",
        ):
            response = await client.get(path)
            assert response.status_code == 200, path
            bodies.append((path, response.text))
        bodies.append(("openapi", (await client.get(rig.api.url + "/openapi.json")).text))
        health = await client.post("/bridge/request/health_check")
        bodies.append(("health_check", health.text))
        # Wrong camera credentials: the errors that follow must not carry them either.
        await client.post(
            "/cameras", json={**camera, "id": "wrong", "password": PASSWORD[::-1] + "x"}
        )
        await asyncio.sleep(1.5)
        bodies.append(("status", (await client.get("/cameras/wrong/status")).text))
        frames = []
        try:
            async with asyncio.timeout(1):
                async for text in ws:
                    frames.append(text)
        except TimeoutError:
            pass
    assert any('"camera_added"' in frame for frame in frames)
    for where, text in bodies:
        _clean(text, where)
    for frame in frames:
        _clean(frame, "a WebSocket frame")
    for message in rig.mqtt.messages:
        _clean(message.payload.decode("utf-8", "replace"), f"MQTT {message.topic}")
    for record in caplog.records:
        _clean(record.getMessage(), f"log line {record.name}")
        if record.exc_text:
            _clean(record.exc_text, f"log traceback {record.name}")
