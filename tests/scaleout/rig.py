"""Several in-process bridges sharing one Redis key prefix, one PostgreSQL database, one MQTT
base topic and one simulator: the scale-out's units under test (the 3-process chaos suite is
tests/scaleout/test_chaos*.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography.fernet import Fernet
from fixtures.api_rig import ADMIN_PASSWORD, JWT_SECRET, api_settings
from fixtures.bridge_rig import FAST_MQTT, FAST_REPUBLISH, LOOPBACK, POLL_INTERVAL
from fixtures.mosquitto import MosquittoBroker

from bridge.app import Bridge
from bridge.config import Settings
from bridge.domain.camera import PushMode
from bridge.secrets import KEY_FILE
from bridge.simulator import Simulator

STOP_TIMEOUT = 30.0
"""Seconds one bridge may take to stop at the end of a test (then its tasks are dumped)."""
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
    push: PushMode = "off"
    """The cameras' `push`: off by default, so that the simulator's request counters show who
    polls (with push on, polls are rare)."""
    bridges: dict[str, Bridge] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _stack: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    def settings(self, name: str, **extra: Any) -> Settings:
        settings = self._settings(name, **extra)
        settings.cameras = [c.model_copy(update={"push": self.push}) for c in settings.cameras]
        return settings

    def _settings(self, name: str, **extra: Any) -> Settings:
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
        self._share_key(self.root / name)
        bridge = Bridge(
            self.settings(name, **extra), mqtt_options=FAST_MQTT, republish_delay=FAST_REPUBLISH
        )
        await bridge.start()
        self.bridges[name] = bridge
        return bridge

    def _share_key(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        shared = self.root / KEY_FILE
        if not shared.exists():
            shared.write_bytes(Fernet.generate_key())
        (data_dir / KEY_FILE).write_bytes(shared.read_bytes())

    async def stop(self, name: str) -> None:
        await self.bridges.pop(name).stop()

    def process(self, name: str, **extra: Any) -> subprocess.Popen[bytes]:
        """Instance `name` as a `reolink-bridge run` process of its own (to kill -9 or stop)."""
        data_dir = self.root / name
        self._share_key(data_dir)
        config = {
            "data_dir": str(data_dir),
            "instance": name,
            "log_level": "INFO",
            "server": {"host": "127.0.0.1", "port": 0},
            "database": {"url": self.database_url},
            "redis": {"url": self.redis_url, "key_prefix": self.prefix, "lease_ttl": LEASE_TTL},
            "mqtt": {"url": self.broker.url, "base_topic": self.base},
            "polling": {"interval": POLL_INTERVAL, "failure_threshold": 2, "timeout": 2.0},
            "security": LOOPBACK,
            "auth": {"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET},
            "cameras": [
                {
                    "id": device_id,
                    "host": device.host,
                    "port": device.port,
                    "username": device.username,
                    "password": device.password,
                    "push": self.push,
                }
                for device_id, device in self.sim.devices.items()
            ],
            **extra,
        }
        path = self.root / f"{name}.yaml"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        log = (self.root / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "bridge", "run", "--config", str(path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if not k.startswith("REOLINK_")},
        )
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def running(self) -> dict[str, set[str]]:
        return {name: set(b.manager.running()) for name, b in self.bridges.items()}

    async def balanced(self, cameras: int, timeout: float = 20.0) -> dict[str, set[str]]:
        """Wait until every camera runs on exactly one bridge, connected, and the split is fair."""
        share = -(-cameras // max(1, len(self.bridges)))

        def done() -> bool:
            held = self.running().values()
            every = [c for cams in held for c in cams]
            fair = all(len(cams) <= share for cams in held)
            online = all(
                bridge.manager.runner(camera_id).online
                for bridge in self.bridges.values()
                for camera_id in bridge.manager.running()
            )
            return len(every) == len(set(every)) == cameras and fair and online

        await until(done, timeout)
        return self.running()

    async def pair(self, cameras: int, **extra: Any) -> tuple[Bridge, Bridge, str]:
        """Instances a and b (`extra`: settings of both), the `cameras` shared between them;
        returns (a, b, the first camera a runs) once b knows where a's API listens (media
        relayed from b to a)."""
        a = await self.start("a", **extra)
        b = await self.start("b", **extra)
        split = await self.balanced(cameras)
        theirs = sorted(split["a"])[0]
        await announced(b, "a")
        return a, b, theirs

    async def aclose(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
            process.wait()
        for name in list(self.bridges):
            try:
                async with asyncio.timeout(30):
                    await self.stop(name)
            except TimeoutError:
                import sys as _s

                for t in asyncio.all_tasks():
                    print("TASK", t.get_name(), file=_s.stderr)
                    t.print_stack(file=_s.stderr)
                raise
            except Exception:
                pass


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


async def announced(bridge: Bridge, other: str) -> None:
    """Wait until `other` has announced where its API listens (its keeper's next round)."""
    assert bridge.keeper is not None
    leases = bridge.keeper.leases

    async def listed() -> bool:
        return any(
            e["instance"] == other and e.get("internal_url") for e in await leases.directory()
        )

    async with asyncio.timeout(10):
        while not await listed():
            await asyncio.sleep(0.1)


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
