"""`security.camera_networks`: a camera added or changed at run time must be in it, over REST,
MQTT and the WebSocket, and again at every connection after name resolution. Loopback addresses
all reach simulators bound there: 127.0.0.2 is the allowed "LAN", 127.0.0.1 the refused one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import pytest
from fixtures.api_rig import api_settings, bridge_request_everywhere, running_api, wait_until
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder
from fixtures.simulator import PASSWORD

from bridge.config import Settings
from bridge.reolink.network import IPAddress
from bridge.simulator import Simulator

ONLY_127_0_0_2 = {"camera_networks": ["127.0.0.2/32"]}
REFUSED_HOSTS = ["127.0.0.1", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "localhost", "127.1"]


@pytest.fixture
async def lan() -> AsyncIterator[Simulator]:
    """A simulator on 127.0.0.2: the address `ONLY_127_0_0_2` allows."""
    async with Simulator(host="127.0.0.2", password=PASSWORD, control_port=None) as simulator:
        await simulator.add_device("floodlight", device_id="lan")
        yield simulator


def settings_with(sim: Simulator, broker: MosquittoBroker | None, data: Path) -> Settings:
    """Only `floodlight` (on 127.0.0.1) in the config file; run-time cameras only on 127.0.0.2."""
    settings = api_settings(sim, broker, data, security=ONLY_127_0_0_2)
    configured = [c for c in settings.cameras if c.id == "floodlight"]
    return settings.model_copy(update={"cameras": configured})


def camera(camera_id: str, host: str, port: int, **extra: Any) -> dict[str, Any]:
    return {"id": camera_id, "host": host, "port": port, "password": PASSWORD, **extra}


async def test_refused_everywhere_accepted_on_an_allowed_address(
    sim: Simulator, lan: Simulator, mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    stray = await sim.add_device("doorbell", device_id="stray")  # on 127.0.0.1: refused
    settings = settings_with(sim, mosquitto, tmp_path / "data")
    async with (
        Recorder(mosquitto.host, mosquitto.port) as recorder,
        running_api(sim, settings, recorder=recorder, wait_online=["floodlight"]) as rig,
    ):
        client = rig.client()
        for host in REFUSED_HOSTS:
            refused = await client.post("/cameras", json=camera("stray", host, stray.port))
            assert refused.status_code == 422, (host, refused.text)
            (problem,) = refused.json()["detail"]
            assert problem["loc"] == ["body", "host"]
            assert "security.camera_networks" in problem["msg"]
        answers = await bridge_request_everywhere(
            rig, "camera/add", camera("stray", "127.0.0.1", stray.port)
        )
        for interface, answer in answers.items():
            assert answer["status"] == "error", interface
            assert "security.camera_networks" in answer["error"], interface

        port = lan.devices["lan"].port
        added = await client.post("/cameras", json=camera("lan", "127.0.0.2", port))
        assert added.status_code == 201, added.text
        await wait_until(lambda: rig.bridge.manager.runner("lan").online)
        assert lan.state("lan")["requests"] > 0

        moved = await client.put(
            "/cameras/lan", json={"host": "127.0.0.1", "port": stray.port, "password": PASSWORD}
        )
        assert moved.status_code == 422, moved.text
        assert rig.bridge.manager.runner("lan").camera.host == "127.0.0.2"  # unchanged
        record = await rig.bridge.store.get_camera("lan")
        assert record is not None
        assert record.host == "127.0.0.2"

        listed = {c["id"] for c in (await client.get("/cameras")).json()}
        assert listed == {"floodlight", "lan"}
        assert rig.bridge.manager.runner("floodlight").online  # the config file is trusted
        assert sim.state("stray")["requests"] == 0


async def test_a_name_that_resolves_elsewhere_later_is_refused_at_reconnect(
    sim: Simulator, lan: Simulator, tmp_path: Path
) -> None:
    port = lan.devices["lan"].port
    await sim.add_device("doorbell", device_id="trap", port=port)  # 127.0.0.1, the same port
    names: dict[str, list[IPAddress]] = {"camera.test": [IPv4Address("127.0.0.2")]}

    async def dns(host: str, port: int) -> list[IPAddress]:
        if host not in names:
            raise OSError(f"unknown host {host}")
        return list(names[host])

    settings = settings_with(sim, None, tmp_path / "data")
    async with running_api(sim, settings, wait_online=["floodlight"]) as rig:
        rig.bridge.networks.resolver = dns
        client = rig.client()
        added = await client.post("/cameras", json=camera("named", "camera.test", port))
        assert added.status_code == 201, added.text
        runner = rig.bridge.manager.runner("named")
        await wait_until(lambda: runner.online)

        names["camera.test"] = [IPv4Address("127.0.0.1")]
        await lan.remove_device("lan")  # its connection breaks: the bridge reconnects
        await wait_until(
            lambda: not runner.online and "camera_networks" in (runner.last_error or ""), 15
        )
        status = (await client.get("/cameras/named/status")).json()
        assert status["online"] is False
        assert "resolves to 127.0.0.1" in status["last_error"]
        assert sim.state("trap")["requests"] == 0

        names["localhost.test"] = [IPv4Address("127.0.0.2"), IPv4Address("127.0.0.1")]
        mixed = await client.post("/cameras", json=camera("mixed", "localhost.test", port))
        assert mixed.status_code == 422, mixed.text


async def test_camera_replies_are_never_echoed_in_status_or_health(
    sim: Simulator, tmp_path: Path
) -> None:
    settings = api_settings(sim, None, tmp_path / "data")
    async with running_api(sim, settings, wait_online=["floodlight"]) as rig:
        runner = rig.bridge.manager.runner("floodlight")
        await sim.set_fault("floodlight", "html", status=502)
        runner.request_refresh()  # polled now (with push active, the next poll is 30 s away)
        await wait_until(lambda: "unexpected reply" in (runner.last_error or ""), 15)
        client = rig.client()
        status = (await client.get("/cameras/floodlight/status")).json()
        health = (await client.post("/bridge/request/health_check")).json()
        shown = [status["last_error"], health["data"]["cameras"]["floodlight"]["last_error"]]
        for text in shown:
            assert "Bad Gateway" not in text
            assert "<" not in text
            assert "bytes, text/html" in text
