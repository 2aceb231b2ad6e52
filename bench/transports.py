"""Which HTTP transport for the camera client's JSON API: each option against reolink_aio, same run.

Starts the simulator (like bench/poll.py) and polls every device back to back with
`ReolinkClient` whose JSON POST (`_send`) goes over each transport option in turn, interleaved
with reolink_aio's `get_states()` in the same process, rounds repeated (median kept):

- httpx      `httpx.AsyncClient` (the client before this benchmark)
- httpcore   `httpcore.AsyncConnectionPool` directly (httpx's own pool, without httpx)
- aiohttp    `aiohttp.ClientSession` (what reolink_aio and the simulator use)
- http11     `bridge.reolink.http11.Http11Client`, keep-alive HTTP/1.1 on asyncio streams

For each it measures a detection poll and the like-for-like read (the commands one reolink_aio
`get_states()` sends) and prints CPU s per 1000 polls and the ratio to reolink_aio's.

    .venv/bin/python bench/transports.py --cameras 50 --seconds 4 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

import aiohttp
import httpcore
from poll import Poll, Result, learn_get_states, median, run_for, simulator
from reolink_aio.api import Host
from reolink_aio.enums import ConnectionEnum

from bridge.domain.capabilities import Capabilities
from bridge.reolink import ReolinkClient
from bridge.reolink.http11 import HttpReply

OPTIONS = ("httpx", "httpcore", "aiohttp", "http11")


class Option(ReolinkClient):
    """`ReolinkClient` whose JSON POSTs go over `option` (http11 = the client unchanged)."""

    def __init__(self, option: str, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.option = option
        self._pool = httpcore.AsyncConnectionPool(max_connections=4)
        self._aio: aiohttp.ClientSession | None = None

    async def _send(self, params: Mapping[str, str], body: bytes) -> HttpReply:
        target = self._target(params)
        headers = {"Content-Type": "application/json"}
        if self.option == "httpx":
            response = await self._http.post(target, content=body, headers=headers)
            return HttpReply(response.status_code, dict(response.headers), response.content)
        if self.option == "httpcore":
            url = f"{self.base_url}{target}"
            got = await self._pool.request("POST", url, headers=headers, content=body)
            return HttpReply(got.status, {}, got.content)
        if self.option == "aiohttp":
            if self._aio is None:
                self._aio = aiohttp.ClientSession(
                    self.base_url, connector=aiohttp.TCPConnector(limit=4), trust_env=False
                )
            async with self._aio.post(target, data=body, headers=headers) as response:
                return HttpReply(response.status, {}, await response.read())
        return await super()._send(params, body)

    async def aclose(self) -> None:
        await super().aclose()
        await self._pool.aclose()
        if self._aio is not None:
            await self._aio.close()


async def bench(cameras: int, seconds: float, repeat: int) -> list[Result]:
    with simulator(cameras, "floodlight") as lines:
        hosts = [
            Host(
                x["host"],
                x["username"],
                x["password"],
                port=x["port"],
                use_https=False,
                bc_connection=ConnectionEnum.tcp,
            )
            for x in lines
        ]
        clients = {
            option: [
                Option(option, x["host"], x["port"], x["username"], x["password"], timeout=30.0)
                for x in lines
            ]
            for option in OPTIONS
        }
        try:
            await asyncio.gather(*(h.get_host_data() for h in hosts))
            same = await learn_get_states(hosts[0], lines[0])
            caps: list[Capabilities] = await asyncio.gather(
                *(c.get_capabilities() for c in clients["http11"])
            )
            for option in OPTIONS:
                for client, k in zip(clients[option], caps, strict=True):
                    client.capabilities = k
            variants: dict[str, tuple[list[Poll], float]] = {
                "reolink_aio": ([h.get_states for h in hosts], len(same))
            }
            for option, group in clients.items():
                variants[f"{option}/detections"] = ([c.poll_detections for c in group], 1)
                variants[f"{option}/get_states"] = (
                    [partial(c.execute, same) for c in group],
                    len(same),
                )
            samples: dict[str, list[Result]] = {name: [] for name in variants}
            for _ in range(repeat):
                for name, (polls, per_poll) in variants.items():
                    count, wall, cpu = await run_for(polls, seconds)
                    samples[name].append(Result(name, cameras, count, wall, cpu, per_poll))
        finally:
            await asyncio.gather(*(h.logout() for h in hosts), return_exceptions=True)
            for group in clients.values():
                await asyncio.gather(*(c.aclose() for c in group), return_exceptions=True)
    return [median(runs) for runs in samples.values()]


async def amain(args: argparse.Namespace) -> None:
    rows = [
        "| cameras | transport | detection poll CPU s/1000 | vs get_states | "
        "18-command read CPU s/1000 | vs get_states |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for n in args.cameras:
        print(f"== {n} camera(s), {args.repeat} round(s) of {args.seconds:g} s per variant")
        got = {r.variant: r for r in await bench(n, args.seconds, args.repeat)}
        base = got["reolink_aio"].cpu_per_1000
        rows.append(f"| {n} | reolink_aio get_states() | – | – | {base:.3f} | 1.00× |")
        for option in OPTIONS:
            det, full = got[f"{option}/detections"], got[f"{option}/get_states"]
            rows.append(
                f"| {n} | {option} | {det.cpu_per_1000:.3f} | {det.cpu_per_1000 / base:.2f}× | "
                f"{full.cpu_per_1000:.3f} | {full.cpu_per_1000 / base:.2f}× |"
            )
        print("\n".join(rows[-1 - len(OPTIONS) :]))
    print()
    print("\n".join(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, nargs="+", default=[50])
    parser.add_argument("--seconds", type=float, default=4.0, help="per variant and round")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (median)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
