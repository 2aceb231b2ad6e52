"""`/sim/stats`: requests per login session, Set commands by name (who polls which device)."""

from __future__ import annotations

import aiohttp
from sim_helpers import Api

from bridge.simulator import Simulator


async def stats(http: aiohttp.ClientSession, sim: Simulator) -> dict[str, dict[str, object]]:
    async with http.get(f"{sim.control_url}/sim/stats") as resp:
        assert resp.status == 200
        body = await resp.json()
    devices: dict[str, dict[str, object]] = body["devices"]
    return devices


async def test_two_sessions_show_as_two_clients_and_sets_are_counted(
    sim: Simulator, api: Api, http: aiohttp.ClientSession
) -> None:
    dev = sim.devices["cam-001"]  # floodlight
    first = await api.login(dev)
    second = await api.login(dev)
    for _ in range(3):
        await api.cmds(dev, first, {"cmd": "GetMdState", "action": 0, "param": {"channel": 0}})
    await api.cmds(dev, second, {"cmd": "GetMdState", "action": 0, "param": {"channel": 0}})
    ir = {"cmd": "SetIrLights", "action": 0, "param": {"IrLights": {"channel": 0, "state": "Off"}}}
    assert (await api.cmds(dev, second, ir))[0]["code"] == 0
    await api.post(dev, [ir], token="not-a-token")  # refused: counted for nobody

    devices = await stats(http, sim)
    assert set(devices) == set(sim.devices)
    mine = devices["cam-001"]
    clients = mine["clients"]
    assert isinstance(clients, list)
    assert [(c["session"], c["requests"]) for c in clients] == [(1, 3), (2, 2)]
    assert all(0 <= c["idle"] <= c["age"] < 30 for c in clients)
    assert first not in str(mine)
    assert second not in str(mine)
    assert mine["set_counts"] == {"SetIrLights": 1}
    assert mine["logins"] == 2
    assert devices["cam-002"]["clients"] == []
    assert sim.state("cam-001")["set_counts"] == {"SetIrLights": 1}  # /sim/state shows it too
    assert dev.clients.active(within=30) == 2

    async with http.post(f"{sim.control_url}/sim/devices/cam-001/reset") as resp:
        assert resp.status == 200
    after = (await stats(http, sim))["cam-001"]
    assert (after["clients"], after["set_counts"]) == ([], {})
