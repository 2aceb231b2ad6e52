"""Several in-process bridges sharing one Redis key prefix, one PostgreSQL database, one MQTT
base topic and one simulator: the scale-out's units under test (the 3-process chaos suite is
tests/scaleout/test_chaos*.py)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from fixtures.api_rig import ADMIN_PASSWORD, api_settings
from fixtures.bridge_rig import FAST_MQTT, FAST_REPUBLISH
from fixtures.mosquitto import MosquittoBroker

from bridge.app import Bridge
from bridge.config import Settings
from bridge.secrets import KEY_FILE
from bridge.simulator import Simulator

LEASE_TTL = 3.0
"""Short, so a lost lease shows within seconds (renewed every second)."""


@dataclass
class Fleet:
    sim: Simulator
    broker: MosquittoBroker
    base: str
    redis_url: str
    prefix: str
    database_url: str
    root: Path
    bridges: dict[str, Bridge] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    def settings(self, name: str, **extra: Any) -> Settings:
        return api_settings(
            self.sim,
            self.broker,
            self.root / name,
            database_url=self.database_url,
            instance=name,
            redis={"url": self.redis_url, "key_prefix": self.prefix, "lease_ttl": LEASE_TTL},
            mqtt={"url": self.broker.url, "base_topic": self.base},
            **extra,
        )

    async def start(self, name: str, **extra: Any) -> Bridge:
        """Start instance `name`; it shares the first instance's secret key (the stored camera
        passwords are encrypted with it), as every instance of one installation must."""
        data_dir = self.root / name
        data_dir.mkdir(parents=True, exist_ok=True)
        shared = self.root / KEY_FILE
        if not shared.exists():
            shared.write_bytes(Fernet.generate_key())
        (data_dir / KEY_FILE).write_bytes(shared.read_bytes())
        bridge = Bridge(
            self.settings(name, **extra), mqtt_options=FAST_MQTT, republish_delay=FAST_REPUBLISH
        )
        await bridge.start()
        self.bridges[name] = bridge
        return bridge

    async def stop(self, name: str) -> None:
        await self.bridges.pop(name).stop()

    def running(self) -> dict[str, set[str]]:
        return {name: set(b.manager.running()) for name, b in self.bridges.items()}

    async def balanced(self, cameras: int, timeout: float = 20.0) -> dict[str, set[str]]:
        """Wait until every camera runs on exactly one bridge and the split is fair."""
        share = -(-cameras // max(1, len(self.bridges)))

        def done() -> bool:
            held = self.running().values()
            every = [c for cams in held for c in cams]
            return len(every) == len(set(every)) == cameras and all(
                len(cams) <= share for cams in held
            )

        await until(done, timeout)
        return self.running()

    async def aclose(self) -> None:
        for name in list(self.bridges):
            with contextlib.suppress(Exception):
                await self.stop(name)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def token(bridge: Bridge) -> str:
    """An admin API token made through this bridge's API (valid on every instance)."""
    assert bridge.api is not None
    async with httpx.AsyncClient(base_url=bridge.api.url + "/api/v1", timeout=10) as http:
        login = await http.post(
            "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        login.raise_for_status()
        jwt = login.json()["access_token"]
        made = await http.post(
            "/auth/tokens",
            json={"name": f"t-{secrets.token_hex(3)}", "scope": "admin"},
            headers={"Authorization": f"Bearer {jwt}"},
        )
        made.raise_for_status()
        value: str = made.json()["token"]
        return value


def client(bridge: Bridge, api_token: str) -> httpx.AsyncClient:
    assert bridge.api is not None
    return httpx.AsyncClient(
        base_url=bridge.api.url + "/api/v1",
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=15,
    )


@contextlib.asynccontextmanager
async def fleet(
    sim: Simulator,
    broker: MosquittoBroker,
    redis_url: str,
    prefix: str,
    database_url: str,
    root: Path,
) -> AsyncIterator[Fleet]:
    made = Fleet(sim, broker, f"s{secrets.token_hex(4)}", redis_url, prefix, database_url, root)
    try:
        yield made
    finally:
        await made.aclose()
