"""Helpers shared by the simulator tests (a raw api.cgi client, device lookup)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bridge.simulator import SimulatedDevice, Simulator

PASSWORD = "Sim-pass_1"


@dataclass
class Reply:
    status: int
    content_type: str
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


class Api:
    """A tiny raw client for a simulated device's api.cgi."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    @staticmethod
    def url(dev: SimulatedDevice, path: str = "/cgi-bin/api.cgi") -> str:
        return f"http://{dev.host}:{dev.port}{path}"

    async def post(
        self,
        dev: SimulatedDevice,
        body: Any,
        *,
        path: str = "/cgi-bin/api.cgi",
        **query: str,
    ) -> Reply:
        async with self.session.post(self.url(dev, path), json=body, params=query) as resp:
            return Reply(resp.status, resp.content_type, await resp.text())

    async def get(
        self, dev: SimulatedDevice, path: str = "/cgi-bin/api.cgi", **query: str
    ) -> Reply:
        async with self.session.get(self.url(dev, path), params=query) as resp:
            return Reply(resp.status, resp.content_type, await resp.text())

    async def login(self, dev: SimulatedDevice, password: str | None = None) -> str:
        reply = await self.post(
            dev,
            [
                {
                    "cmd": "Login",
                    "action": 0,
                    "param": {
                        "User": {
                            "Version": "0",
                            "userName": dev.username,
                            "password": dev.password if password is None else password,
                        }
                    },
                }
            ],
            cmd="Login",
            token="null",
        )
        data = reply.json
        assert data[0]["code"] == 0, data
        return str(data[0]["value"]["Token"]["name"])

    async def cmds(self, dev: SimulatedDevice, token: str, *commands: dict[str, Any]) -> list[Any]:
        reply = await self.post(dev, list(commands), token=token)
        assert reply.status == 200
        assert reply.content_type == "text/html"
        result: list[Any] = reply.json
        return result


def by_profile(sim: Simulator, profile: str) -> SimulatedDevice:
    for dev in sim.devices.values():
        if dev.profile.key == profile:
            return dev
    raise LookupError(profile)
