"""`POST /cameras/test`: the settings page's connection test, a dry run against the simulator.

It reports what it found or which stage failed, never adds the camera, applies
`security.camera_networks` like adding a camera does (127.0.0.2 is the allowed "LAN" here,
127.0.0.1 the refused one), and reuses a stored password only for the camera's own login target.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from api_rig import PASSWORD, api_settings, running_api
from fixtures.process import free_port

from bridge.simulator import Simulator

ONLY_127_0_0_2 = {"camera_networks": ["127.0.0.2/32"]}


@pytest.fixture
async def lan() -> AsyncIterator[Simulator]:
    async with Simulator(host="127.0.0.2", password=PASSWORD, control_port=None) as simulator:
        await simulator.add_device("floodlight", device_id="lan")
        await simulator.add_device("nvr", device_id="recorder")
        yield simulator


async def test_the_connection_test_reports_what_it_finds_and_adds_nothing(
    sim: Simulator, lan: Simulator, tmp_path: Path
) -> None:
    settings = api_settings(sim, None, tmp_path / "data", security=ONLY_127_0_0_2)
    settings = settings.model_copy(
        update={"cameras": [c for c in settings.cameras if c.id == "floodlight"]}
    )
    port = lan.devices["lan"].port
    async with running_api(sim, settings, wait_online=["floodlight"]) as rig:
        client = rig.client()

        found = await client.post(
            "/cameras/test", json={"host": "127.0.0.2", "port": port, "password": PASSWORD}
        )
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["ok"] is True, body
        assert body["address"] == f"127.0.0.2:{port}"
        assert body["device"]["model"] == "RLC-811A"
        assert body["device"]["kind"] == "camera"
        assert [c["channel"] for c in body["device"]["channels"]] == [0]
        assert lan.state("lan")["logins"] >= 1
        assert lan.state("lan")["sessions"] == 0  # logged out again
        nvr = await client.post(
            "/cameras/test",
            json={"host": "127.0.0.2", "port": lan.devices["recorder"].port, "password": PASSWORD},
        )
        assert nvr.json()["device"]["kind"] == "nvr"
        assert len(nvr.json()["device"]["channels"]) > 1
        cameras = (await client.get("/cameras")).json()
        assert [c["id"] for c in cameras] == ["floodlight"]  # nothing was added

        wrong = await client.post(
            "/cameras/test", json={"host": "127.0.0.2", "port": port, "password": "nope"}
        )
        assert wrong.json()["ok"] is False
        assert wrong.json()["stage"] == "login", wrong.json()
        assert "nope" not in wrong.text

        closed = await client.post(
            "/cameras/test",
            json={"host": "127.0.0.2", "port": free_port(), "password": PASSWORD},
        )
        assert closed.json()["stage"] == "connect", closed.json()
        assert closed.json()["error"]

        before = sim.devices["floodlight"].requests
        refused = await client.post(
            "/cameras/test",
            json={"host": "127.0.0.1", "port": sim.devices["floodlight"].port, "password": "x"},
        )
        assert refused.json()["stage"] == "address", refused.json()
        assert "security.camera_networks" in refused.json()["error"]
        assert sim.devices["floodlight"].requests == before  # never contacted

        # editing: the stored password, for the camera's own target only
        own = sim.devices["floodlight"]
        reused = await client.post(
            "/cameras/test",
            json={"camera_id": "floodlight", "host": own.host, "port": own.port},
        )
        assert reused.status_code == 200
        assert reused.json()["stage"] == "address"  # 127.0.0.1 is refused for a test too
        elsewhere = await client.post(
            "/cameras/test", json={"camera_id": "floodlight", "host": "127.0.0.2", "port": port}
        )
        assert elsewhere.status_code == 422, elsewhere.text
        assert "password" in elsewhere.text
        missing = await client.post("/cameras/test", json={"host": "127.0.0.2", "port": port})
        assert missing.status_code == 422
        unknown = await client.post(
            "/cameras/test", json={"camera_id": "nobody", "host": "127.0.0.2"}
        )
        assert unknown.status_code == 404

        read_token = await client.post("/auth/tokens", json={"name": "ro", "scope": "read"})
        reader = rig.client(read_token.json()["token"])
        forbidden = await reader.post(
            "/cameras/test", json={"host": "127.0.0.2", "port": port, "password": PASSWORD}
        )
        assert forbidden.status_code == 403
