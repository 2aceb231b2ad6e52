"""The API test rig: the simulator, a throwaway Mosquitto, the whole `Bridge`, and the API app
served by uvicorn on a free port of the same loop — wired as `bridge/app.py` will wire it."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.api import ApiContext, ApiServer
from bridge.app import Bridge
from bridge.config import Settings, load_settings
from bridge.domain.camera import Camera
from bridge.simulator import Simulator

PASSWORD = "p@ss w#rd%^é-SIM"  # the cameras' password: must show up nowhere
ADMIN_PASSWORD = "admin-secret-pw"
JWT_SECRET = "test-jwt-secret-0123456789abcdef0123456789"
POLL_INTERVAL = 0.5
FAST_MQTT = {"reconnect_min": 0.1, "reconnect_max": 0.5}
LOOPBACK = {"camera_networks": ["127.0.0.0/8", "::1/128"]}
"""`security` of the rigs: the simulator is on loopback, which run-time cameras may not use by
default."""


def api_settings(
    sim: Simulator,
    broker: MosquittoBroker | None,
    data_dir: Path,
    *,
    database_url: str | None = None,
    **extra: Any,
) -> Settings:
    cameras = [
        Camera(
            id=device_id,
            host=device.host,
            port=device.port,
            username=device.username,
            password=device.password,
        )
        for device_id, device in sim.devices.items()
    ]
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "cameras": cameras,
        "mqtt": {"url": broker.url} if broker is not None else {"enabled": False},
        "polling": {"interval": POLL_INTERVAL, "failure_threshold": 2, "timeout": 2.0},
        "server": {"host": "127.0.0.1", "port": 0, **extra.pop("server", {})},
        "security": extra.pop("security", LOOPBACK),
        "auth": {
            "admin_password": ADMIN_PASSWORD,
            "jwt_secret": JWT_SECRET,
            "token_cache_seconds": 0,
            **extra.pop("auth", {}),
        },
    }
    if database_url is not None:
        overrides["database"] = {"url": database_url}
    overrides.update(extra)
    return load_settings(**overrides)


def api_context(bridge: Bridge) -> ApiContext:
    """What `bridge/app.py` hands the API (for tests that build an app of their own)."""
    return ApiContext(
        settings=bridge.settings,
        store=bridge.store,
        bus=bridge.bus,
        cache=bridge.cache,
        manager=bridge.manager,
        registry=bridge.registry,
        commands=bridge.commands,
        requests=bridge.requests,
        snapshots=bridge.snapshots,
        topics=bridge.topics,
        mqtt=bridge.mqtt,
        stats={"writer": bridge.writer.stats},
    )


@dataclass
class ApiRig:
    sim: Simulator
    bridge: Bridge
    api: ApiServer
    settings: Settings
    mqtt: Recorder | None
    token: str
    """An API token (`rbt_…`, scope admin) made through the API."""
    admin_jwt: str
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.api.url + "/api/v1"

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://", 1)

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.url, headers=self.headers(token), timeout=10)
        self.clients.append(client)
        return client

    async def ws(self, path: str = "/ws/events", **kwargs: Any) -> Any:
        # max_queue None: a client that stops reading early still sees the server's close frame
        # at once (websockets stops reading the socket when its queue is full).
        kwargs.setdefault("max_queue", None)
        return await websockets.connect(
            self.ws_url + path, additional_headers=self.headers(), **kwargs
        )

    def commands(self, device_id: str, cmd: str) -> list[dict[str, Any]]:
        log = self.sim.state(device_id)["commands"]
        assert isinstance(log, list)
        return [entry for entry in log if entry["cmd"] == cmd]


@contextlib.asynccontextmanager
async def running_api(
    sim: Simulator,
    settings: Settings,
    *,
    recorder: Recorder | None = None,
    wait_online: list[str] | None = None,
) -> AsyncIterator[ApiRig]:
    bridge = Bridge(settings, mqtt_options=FAST_MQTT, republish_delay=(0.05, 0.1))
    async with bridge:
        api = bridge.api  # the composition root serves the API (server.port 0: a free port)
        assert api is not None
        async with httpx.AsyncClient(base_url=api.url + "/api/v1", timeout=10) as http:
            login = await http.post(
                "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            login.raise_for_status()
            jwt = login.json()["access_token"]
            made = await http.post(
                "/auth/tokens",
                json={"name": "tests", "scope": "admin"},
                headers={"Authorization": f"Bearer {jwt}"},
            )
            made.raise_for_status()
        rig = ApiRig(sim, bridge, api, settings, recorder, made.json()["token"], jwt)
        for camera_id in wait_online or []:
            await wait_until(lambda cid=camera_id: _has_state(bridge, cid))  # type: ignore[misc]
        try:
            yield rig
        finally:
            for client in rig.clients:
                await client.aclose()


def _has_state(bridge: Bridge, camera_id: str) -> bool:
    states = getattr(bridge.cache, "_states", None)
    return bool(states and camera_id in states and states[camera_id].online)


async def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def recv_json(ws: Any, timeout: float = 5.0) -> Any:
    async with asyncio.timeout(timeout):
        return json.loads(await ws.recv())


async def recv_until(ws: Any, predicate: Callable[[Any], bool], timeout: float = 5.0) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if predicate(frame):
                return frame


async def bridge_request_everywhere(
    rig: ApiRig, action: str, body: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """The answer to one bridge request over REST, MQTT and the WebSocket, by interface (a
    message the WebSocket refuses outright, `{"error": …}`, counts as an error answer)."""
    assert rig.mqtt is not None, "the rig needs MQTT"
    answers = {"rest": (await rig.client().post(f"/bridge/request/{action}", json=body)).json()}
    transaction = f"everywhere-{action}"
    mark = rig.mqtt.mark()
    await rig.mqtt.publish(f"reolink/bridge/request/{action}", {**body, "transaction": transaction})
    answers["mqtt"] = await rig.mqtt.wait_json(  # too large to be read: no transaction
        f"reolink/bridge/response/{action}",
        lambda p: p.get("transaction", None) in (transaction, None),
        since=mark,
    )
    async with await rig.ws() as ws:
        await ws.send(json.dumps({"topic": f"bridge/request/{action}", "payload": body}))
        frame = await recv_until(
            ws, lambda f: "error" in f or f["topic"] == f"reolink/bridge/response/{action}"
        )
    answers["ws"] = {"status": "error", **frame} if "error" in frame else frame["payload"]
    return answers
