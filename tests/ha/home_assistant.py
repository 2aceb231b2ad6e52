"""A real, headless Home Assistant 2025.4 (from .venv-ha) for the tests: started on 127.0.0.1 and a
free port with a throwaway config dir, onboarded and driven through its REST and WebSocket APIs.

    with running_home_assistant(tmp_path / "ha") as hass:
        hass.add_mqtt(broker)
        wait_for("the entity", lambda: "switch.x" in hass.states())

Used by tests/ha/test_real_home_assistant.py (a fake publisher) and
tests/ha/test_real_bridge_home_assistant.py (the real bridge against the simulator).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import free_port

from .common import HA_PYTHON

CONFIGURATION = """\
homeassistant:
  name: reolink-server test
  latitude: 0
  longitude: 0
  elevation: 0
  unit_system: metric
  time_zone: UTC
  country: US
http:
  server_host: 127.0.0.1
  server_port: {port}
api:
config:
onboarding:
logger:
  default: warning
"""

LOGBOOK = """\
logbook:
recorder:
  commit_interval: 0
"""
"""The logbook (it brings the frontend: a slower start) and a recorder that writes each change at
once, so `/api/logbook` has it without waiting for the next commit."""


def wait_for(
    what: str, probe: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2
) -> Any:
    """Poll `probe` until it returns something truthy (returned); an HTTP error or a missing key
    counts as not yet. AssertionError naming `what` and the last answer on timeout."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (httpx.HTTPError, KeyError, ValueError) as err:
            last = err
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


class HomeAssistant:
    def __init__(self, config_dir: Path, extra_config: str = "") -> None:
        """`extra_config`: more of configuration.yaml (e.g. `LOGBOOK`)."""
        self.config_dir = config_dir
        self.extra_config = extra_config
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.base, timeout=10)
        self.mqtt_entry_id: str | None = None

    @property
    def log(self) -> str:
        path = self.config_dir / "home-assistant.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            CONFIGURATION.format(port=self.port) + self.extra_config
        )
        hass = HA_PYTHON.parent / "hass"
        output = (self.config_dir / "stdout.log").open("wb")
        self.process = subprocess.Popen(
            [str(hass), "-c", str(self.config_dir)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as a whole in stop()
        )
        output.close()

        def up() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"hass exited with {self.process.returncode}:\n{self.log}")
            return self.http.get("/api/onboarding").status_code == 200

        wait_for("Home Assistant's HTTP API", up, timeout=120)

    def stop(self) -> None:
        """Kill its process group: nothing of a throwaway Home Assistant is kept, and a clean
        stop takes it 5-10 s."""
        process, self.process = self.process, None
        self.http.close()
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(20)

    def onboard(self) -> None:
        client_id = f"{self.base}/"
        user = self.http.post(
            "/api/onboarding/users",
            json={
                "client_id": client_id,
                "name": "Test",
                "username": "test",
                "password": "test-password-1234",
                "language": "en",
            },
        )
        user.raise_for_status()
        token = self.http.post(
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": user.json()["auth_code"],
                "client_id": client_id,
            },
        )
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    # -- MQTT --------------------------------------------------------------------------------

    def add_mqtt(self, broker: MosquittoBroker) -> None:
        flow = self.http.post("/api/config/config_entries/flow", json={"handler": "mqtt"})
        flow.raise_for_status()
        step = self.http.post(
            f"/api/config/config_entries/flow/{flow.json()['flow_id']}",
            json={"broker": broker.host, "port": broker.port},
        )
        step.raise_for_status()
        assert step.json()["type"] == "create_entry", step.json()
        self.mqtt_entry_id = step.json()["result"]["entry_id"]

    def reload_mqtt(self) -> None:
        """Reload the MQTT integration now (entities enabled in the registry appear)."""
        assert self.mqtt_entry_id is not None, "add_mqtt() first"
        reply = self.http.post(f"/api/config/config_entries/entry/{self.mqtt_entry_id}/reload")
        assert reply.status_code == 200, reply.text

    # -- reading -----------------------------------------------------------------------------

    def states(self) -> dict[str, dict[str, Any]]:
        response = self.http.get("/api/states")
        response.raise_for_status()
        return {s["entity_id"]: s for s in response.json()}

    def state(self, entity_id: str) -> dict[str, Any] | None:
        response = self.http.get(f"/api/states/{entity_id}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        state: dict[str, Any] = response.json()
        return state

    def logbook(self, since: datetime, entity_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """`/api/logbook/<since>`: the logbook entries from `since` on (of `entity_ids` only)."""
        params = {"entity": ",".join(entity_ids)} if entity_ids else {}
        response = self.http.get(f"/api/logbook/{since.isoformat()}", params=params)
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()
        return entries

    def image(self, entity_id: str) -> httpx.Response:
        """The picture of an `image` entity, as a dashboard loads it."""
        return self.http.get(f"/api/image_proxy/{entity_id}")

    def registry(self) -> dict[str, dict[str, Any]]:
        """The entity registry (disabled entities too), by entity id."""
        entries = self.websocket({"type": "config/entity_registry/list"})
        return {entry["entity_id"]: entry for entry in entries}

    def registry_entries(self, entity_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The registry's full entries (`original_device_class`, `capabilities`, …) by entity
        id; None for an id it does not know."""
        entries: dict[str, dict[str, Any]] = self.websocket(
            {"type": "config/entity_registry/get_entries", "entity_ids": entity_ids}
        )
        return entries

    def enable(self, entity_id: str) -> None:
        """Enable a disabled entity in the registry, as a user does. Home Assistant itself reloads
        the integration 30 s later; call `reload_mqtt()` to see the entity at once (and finish
        before those 30 s are over, or expect that second reload)."""
        self.websocket(
            {"type": "config/entity_registry/update", "entity_id": entity_id, "disabled_by": None}
        )

    # -- writing -----------------------------------------------------------------------------

    def websocket(self, command: dict[str, Any]) -> Any:
        """One command on Home Assistant's WebSocket API; its result."""
        token = self.http.headers["Authorization"].removeprefix("Bearer ")

        async def run() -> Any:
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(f"{self.base}/api/websocket") as ws,
            ):
                assert (await ws.receive_json())["type"] == "auth_required"
                await ws.send_json({"type": "auth", "access_token": token})
                assert (await ws.receive_json())["type"] == "auth_ok"
                await ws.send_json({"id": 1, **command})
                answer = await ws.receive_json()
                assert answer["success"], answer
                return answer["result"]

        return asyncio.run(run())

    def call(self, domain: str, service: str, **data: Any) -> None:
        response = self.http.post(f"/api/services/{domain}/{service}", json=data)
        assert response.status_code == 200, response.text


@contextlib.contextmanager
def running_home_assistant(config_dir: Path, extra_config: str = "") -> Iterator[HomeAssistant]:
    """A started and onboarded Home Assistant; stopped (its whole process group) on exit."""
    hass = HomeAssistant(config_dir, extra_config)
    try:
        hass.start()
        hass.onboard()
        yield hass
    finally:
        hass.stop()
