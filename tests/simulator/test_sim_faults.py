"""Every fault mode, offline and back, reboot, and the simulator-wide control port."""

from __future__ import annotations

import asyncio
import errno
import json
import socket
import time

import aiohttp
import pytest
from sim_helpers import Api, by_profile

from bridge.simulator import FaultMode, Simulator


async def set_fault(http: aiohttp.ClientSession, url: str, **body: object) -> None:
    async with http.post(url, json=body) as resp:
        assert resp.status == 200, await resp.text()


def device_url(sim: Simulator, device_id: str) -> str:
    assert sim.control_url is not None
    return f"{sim.control_url}/sim/devices/{device_id}"


async def test_offline_refuses_connections_and_comes_back(
    sim: Simulator, api: Api, http: aiohttp.ClientSession
) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    # a kept-alive connection exists now; going offline must cut it too
    await set_fault(http, f"http://{dev.host}:{dev.port}/sim/fault", mode="offline")
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.cmds(dev, token, {"cmd": "GetDevInfo"})
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(aiohttp.ClientConnectorError):
            await Api(fresh).cmds(dev, token, {"cmd": "GetDevInfo"})
    # the control port still answers for the offline device
    async with http.get(f"{device_url(sim, dev.id)}/state") as resp:
        state = await resp.json()
    assert state["online"] is False
    assert state["fault"] == "offline"
    await set_fault(http, f"{device_url(sim, dev.id)}/fault", mode="none")
    out = await api.cmds(dev, token, {"cmd": "GetDevInfo"})
    assert out[0]["code"] == 0  # same port, tokens survive a network outage


async def test_an_offline_device_keeps_its_ports_for_when_it_comes_back(
    sim: Simulator, api: Api
) -> None:
    """Away, a device's ports refuse connections but stay its own: no other socket (an outgoing
    connection's ephemeral port, another server) takes one before the device listens again."""
    dev = by_profile(sim, "floodlight")
    ports = {
        "http": dev.port,
        "baichuan": dev.baichuan_port,
        "rtsp": int(dev.host_state.net_port["rtspPort"]),
    }
    assert all(ports.values()), ports
    await sim.set_fault(dev.id, "offline")
    for name, port in ports.items():
        other = socket.socket()
        with pytest.raises(OSError, match="in use") as taken:
            other.bind((dev.host, port))  # as an outgoing connection's implicit bind would
        other.close()
        assert taken.value.errno == errno.EADDRINUSE, name
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((dev.host, port), timeout=2).close()
    await sim.set_fault(dev.id, "none")
    token = await api.login(dev)
    out = await api.cmds(dev, token, {"cmd": "GetDevInfo"})
    assert out[0]["code"] == 0
    assert dev.port == ports["http"]
    assert dev.baichuan_port == ports["baichuan"]


async def test_slow(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "ptz")
    token = await api.login(dev)
    await sim.set_fault(dev.id, "slow", delay=0.4)
    t0 = time.monotonic()
    out = await api.cmds(dev, token, {"cmd": "GetMdState", "param": {"channel": 0}})
    assert time.monotonic() - t0 >= 0.4
    assert out[0]["code"] == 0
    await sim.set_fault(dev.id, FaultMode.NONE)


async def test_garbage(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "ptz")
    await sim.set_fault(dev.id, "garbage")
    async with api.session.post(Api.url(dev), json=[{"cmd": "GetDevInfo"}]) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        raw = await resp.read()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # what reolink_aio does first (and then retries)
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw.decode("latin-1"))


@pytest.mark.parametrize(
    ("status", "marker"), [(502, b"502 Bad Gateway"), (200, b"<!DOCTYPE html>")]
)
async def test_html(sim: Simulator, api: Api, status: int, marker: bytes) -> None:
    dev = by_profile(sim, "doorbell")
    await sim.set_fault(dev.id, "html", status=status)
    async with api.session.post(Api.url(dev), json=[{"cmd": "GetDevInfo"}]) as resp:
        assert resp.status == status
        assert resp.content_type == "text/html"
        assert marker in await resp.read()


async def test_token_expiry(sim: Simulator, api: Api, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "nvr")
    token = await api.login(dev)
    await set_fault(http, f"http://{dev.host}:{dev.port}/sim/fault", mode="token_expiry")
    out = await api.cmds(dev, token, {"cmd": "GetDevInfo"})
    assert out[0]["error"] == {"detail": "please login first", "rspCode": -6}
    assert dev.fault is FaultMode.NONE  # one-shot
    token = await api.login(dev)
    assert (await api.cmds(dev, token, {"cmd": "GetDevInfo"}))[0]["code"] == 0


async def test_max_sessions(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "legacy")
    token = await api.login(dev)
    await sim.set_fault(dev.id, "max_sessions")
    body = [{"cmd": "Login", "param": {"User": {"userName": "admin", "password": dev.password}}}]
    reply = await api.post(dev, body, cmd="Login", token="null")
    assert reply.json[0]["error"] == {"detail": "max session", "rspCode": -5}
    assert (await api.cmds(dev, token, {"cmd": "GetDevInfo"}))[0]["code"] == 0  # old token fine
    await sim.set_fault(dev.id, "none")
    await api.login(dev)


async def test_drop(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "floodlight")
    await sim.set_fault(dev.id, "drop")
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post(dev, [{"cmd": "GetDevInfo"}])
    assert sim.state(dev.id)["online"] is True  # the port is open, answers are not
    await sim.set_fault(dev.id, "none")
    assert (await api.post(dev, [{"cmd": "GetDevInfo"}])).json[0]["error"]["rspCode"] == -6


async def test_fault_validation(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    async with http.post(f"http://{dev.host}:{dev.port}/sim/fault", json={"mode": "melt"}) as resp:
        assert resp.status == 400
        assert "melt" in (await resp.json())["error"]


async def test_reboot_takes_the_device_away_briefly(sim: Simulator, api: Api) -> None:
    dev = by_profile(sim, "ptz")
    token = await api.login(dev)
    out = await api.cmds(dev, token, {"cmd": "Reboot"})
    assert out == [{"cmd": "Reboot", "code": 0, "value": {"rspCode": 200}}]
    await asyncio.sleep(0.15)
    assert sim.state(dev.id)["rebooting"] is True
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(aiohttp.ClientConnectorError):
            await Api(fresh).login(dev)
    await asyncio.sleep(dev.reboot_downtime)
    state = sim.state(dev.id)
    assert state["online"] is True
    assert state["settings"]["reboots"] == 1
    out = await api.cmds(dev, token, {"cmd": "GetDevInfo"})
    assert out[0]["error"]["rspCode"] == -6  # tokens do not survive a reboot
    await api.login(dev)


async def test_control_port_lists_adds_and_removes(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    assert sim.control_url is not None
    async with http.get(f"{sim.control_url}/sim/devices") as resp:
        lines = await resp.json()
    profiles = ["floodlight", "ptz", "doorbell", "legacy", "nvr", "battery"]
    assert [line["profile"] for line in lines] == profiles
    assert lines[0]["control_url"] == f"{sim.control_url}/sim/devices/cam-001"
    body = {"profile": "doorbell", "id": "porch", "password": "other1"}
    async with http.post(f"{sim.control_url}/sim/devices", json=body) as resp:
        assert resp.status == 201
        line = await resp.json()
    assert line["id"] == "porch"
    assert line["password"] == "other1"
    assert line["port"] > 0
    assert sim.devices["porch"].name == "Front Door 2"
    async with http.post(
        f"{sim.control_url}/sim/devices/porch/event", json={"type": "visitor"}
    ) as resp:
        assert resp.status == 200
    assert sim.devices["porch"].channels[0].visitor
    async with http.delete(f"{sim.control_url}/sim/devices/porch") as resp:
        assert resp.status == 200
    assert "porch" not in sim.devices
    async with http.get(f"{sim.control_url}/sim/devices/porch/state") as resp:
        assert resp.status == 404
    async with http.post(f"{sim.control_url}/sim/devices", json={"profile": "toaster"}) as resp:
        assert resp.status == 400


async def test_consecutive_ports_skip_9000() -> None:
    base = 8998
    async with Simulator(4, port=base, profiles=["legacy"]) as sim:
        ports = [d.port for d in sim.devices.values()]
    assert ports == [8998, 8999, 9001, 9002]


async def test_reset(sim: Simulator, api: Api, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    token = await api.login(dev)
    await api.cmds(
        dev, token, {"cmd": "SetIrLights", "param": {"IrLights": {"channel": 0, "state": "Off"}}}
    )
    sim.trigger_event(dev.id, "motion")
    async with http.post(f"http://{dev.host}:{dev.port}/sim/reset") as resp:
        assert resp.status == 200
    state = sim.state(dev.id)
    assert state["channel_states"][0]["ir_lights"] == "Auto"
    assert state["channel_states"][0]["motion"] is False
    assert state["commands"] == []
