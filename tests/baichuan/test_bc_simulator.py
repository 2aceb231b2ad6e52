"""The simulator's Baichuan ports: allocation, announcement (JSON line, GetNetPort), control API."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import aiohttp
import pytest
from bc_helpers import by_profile, client_for
from fixtures.process import free_port_run

from bridge.reolink.baichuan import Encryption
from bridge.simulator import Simulator


async def test_consecutive_baichuan_ports_do_not_collide_with_http_ports() -> None:
    base = free_port_run(8)
    # HTTP from base, Baichuan from base + 1: the two runs interleave without collisions
    async with Simulator(3, port=base, baichuan_port=base + 1, profiles=["doorbell"]) as sim:
        devices = list(sim.devices.values())
        http_ports = [d.port for d in devices]
        bc_ports = [d.baichuan_port for d in devices]
        assert http_ports == [base, base + 2, base + 4]
        assert bc_ports == [base + 1, base + 3, base + 5]
        for dev in devices:
            async with client_for(dev) as client:
                assert client.device_info is not None


async def test_free_ports_are_announced_everywhere(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    for dev in sim.devices.values():
        assert dev.baichuan_port not in (0, dev.port)
        line = sim.device_line(dev.id)
        assert line["baichuan_port"] == dev.baichuan_port
        url = f"http://{dev.host}:{dev.port}/cgi-bin/api.cgi"
        body = [{"cmd": "GetNetPort", "action": 0, "param": {}}]
        params = {"user": dev.username, "password": dev.password}
        async with http.post(url, params=params, json=body) as resp:
            reply = json.loads(await resp.text())
        assert reply[0]["value"]["NetPort"]["mediaPort"] == dev.baichuan_port
    async with http.get(f"{sim.control_url}/sim/devices") as resp:
        lines = await resp.json()
    assert {line["id"]: line["baichuan_port"] for line in lines} == {
        d.id: d.baichuan_port for d in sim.devices.values()
    }


async def test_control_api_adds_devices_with_an_encryption(
    sim: Simulator, http: aiohttp.ClientSession
) -> None:
    url = f"{sim.control_url}/sim/devices"
    spec = {"profile": "ptz", "id": "old-ptz", "baichuan_encryption": "bc"}
    async with http.post(url, json=spec) as resp:
        assert resp.status == 201, await resp.text()
        line = await resp.json()
    dev = sim.devices["old-ptz"]
    assert line["baichuan_port"] == dev.baichuan_port
    async with client_for(dev) as client:
        assert client.encryption is Encryption.BC
    bad = {"profile": "ptz", "baichuan_encryption": "rot13"}
    async with http.post(url, json=bad) as resp:
        assert resp.status == 400
        assert "baichuan_encryption" in (await resp.json())["error"]


async def test_fault_modes_are_listed(sim: Simulator, http: aiohttp.ClientSession) -> None:
    dev = by_profile(sim, "floodlight")
    url = f"http://{dev.host}:{dev.port}/sim/fault"
    async with http.post(url, json={"mode": "baichuan_nap"}) as resp:
        assert resp.status == 400
        error = (await resp.json())["error"]
    assert "baichuan_close" in error
    assert "baichuan_stall" in error
    for mode in ("baichuan_stall", "baichuan_close", "slow", "none"):
        async with http.post(url, json={"mode": mode, "delay": 0}) as resp:
            assert resp.status == 200
    async with client_for(dev) as client:  # "none" brought the port back
        assert client.connected


@pytest.mark.timeout(30)
def test_cli_baichuan_port_option() -> None:
    base = free_port_run(4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge.simulator", "--cameras", "2", "--profile", "nvr",
         "--baichuan-port", str(base)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert [line["baichuan_port"] for line in lines] == [base, base + 1]
        with socket.create_connection(("127.0.0.1", base), timeout=5):
            pass  # listening
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
