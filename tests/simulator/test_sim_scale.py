"""Hundreds of devices in one process: quick to start, each answers a poll."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bridge.simulator import Simulator


async def test_many_devices_start_fast_and_answer() -> None:
    n = 300
    t0 = time.monotonic()
    async with Simulator(n, password="pw") as sim:
        started = time.monotonic() - t0
        assert len(sim.devices) == n
        assert len({d.port for d in sim.devices.values()}) == n
        assert 9000 not in {d.port for d in sim.devices.values()}
        connector = aiohttp.TCPConnector(limit=100)
        async with aiohttp.ClientSession(connector=connector) as http:

            async def poll(port: int) -> int:
                url = f"http://127.0.0.1:{port}/cgi-bin/api.cgi"
                params = {"user": "admin", "password": "pw"}
                body = [{"cmd": "GetMdState", "action": 0, "param": {"channel": 0}}]
                async with http.post(url, params=params, json=body) as resp:
                    data = await resp.json(content_type=None)
                    return int(data[0]["code"])

            t1 = time.monotonic()
            codes = await asyncio.gather(*(poll(d.port) for d in sim.devices.values()))
            polled = time.monotonic() - t1
        assert codes == [0] * n
    stopped = time.monotonic() - t0 - started
    assert started < 10, started
    assert polled < 5, polled
    assert stopped < 10, stopped
