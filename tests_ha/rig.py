"""A real bridge process with the simulator, on loopback free ports, for the integration's tests.

Both run from the bridge's own virtualenv (`.venv`, Python 3.11+: `python -m bridge.simulator`
and `python -m bridge run`); these tests run in `.venv-ha` (Python 3.13, Home Assistant). Nothing
of the bridge is imported here: the tests talk to it over HTTP, as Home Assistant does.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BRIDGE_PYTHON = Path(os.environ.get("REOLINK_BRIDGE_PYTHON", ROOT / ".venv" / "bin" / "python"))
PROFILES = ("floodlight", "ptz", "doorbell", "legacy", "nvr", "battery")
"""Every simulator profile, one camera each, whose camera id is the profile's name."""
SIM_PASSWORD = "sim-Pässword-canary-7"
ADMIN_PASSWORD = "admin-pw-canary-9"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class BridgeRig:
    workdir: Path
    port: int = 0
    """The bridge's; picked once the simulator's devices hold their ports."""
    control_port: int = field(default_factory=free_port)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The simulator's devices by camera id (the profile): id, host, port, control_url, …"""
    installation_id: str = ""
    simulator: subprocess.Popen[str] | None = None
    bridge: subprocess.Popen[bytes] | None = None
    _admin: str = ""
    _record: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        command = [str(BRIDGE_PYTHON), "-m", "bridge.simulator", "--cameras", str(len(PROFILES))]
        for profile in PROFILES:
            command += ["--profile", profile]
        command += ["--password", SIM_PASSWORD, "--control-port", str(self.control_port)]
        self.simulator = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True
        )
        assert self.simulator.stdout is not None
        for _ in PROFILES:
            line = json.loads(self.simulator.stdout.readline())
            self.devices[line["profile"]] = line
        taken = {p for d in self.devices.values() for p in (d["port"], d.get("baichuan_port"))}
        while self.port == 0 or self.port in taken:
            self.port = free_port()
        cameras = [
            {
                "id": profile,
                "name": profile.title(),
                "host": line["host"],
                "port": line["port"],
                "password": SIM_PASSWORD,
            }
            for profile, line in self.devices.items()
        ]
        config = {
            "data_dir": str(self.workdir / "data"),
            "log_level": "WARNING",
            "mqtt": {"enabled": False},
            "polling": {
                "interval": 0.5,
                "settings_interval": 1.0,
                "failure_threshold": 2,
                "timeout": 2.0,
            },
            "server": {"host": HOST, "port": self.port, "login_rate_per_minute": 6000},
            "auth": {"admin_password": ADMIN_PASSWORD, "token_cache_seconds": 0},
            "security": {"camera_networks": ["127.0.0.0/8"]},
            "streams": {"idle_timeout": 10},
            "cameras": cameras,
        }
        (self.workdir / "config.yaml").write_text(json.dumps(config))  # JSON is YAML
        self.start_bridge()
        self.installation_id = self.get("/bridge/info")["installation_id"]

    def start_bridge(self, timeout: float = 60.0) -> None:
        """Start (or start again, on the same port and data) and wait until every camera has
        answered once (each view has its entity descriptions)."""
        log = (self.workdir / "bridge.log").open("ab")
        self.bridge = subprocess.Popen(
            [str(BRIDGE_PYTHON), "-m", "bridge", "run", "--config", "config.yaml"],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.bridge.poll() is not None:
                raise RuntimeError(f"the bridge exited: {self.log()[-3000:]}")
            try:
                self._admin = ""
                views = self.get("/views")
                if len(views) >= len(PROFILES) and all(
                    v["online"] and self.get(f"/cameras/{v['camera_id']}/entities")["entities"]
                    for v in views
                ):
                    return
            except (httpx.HTTPError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the bridge did not get ready: {self.log()[-3000:]}")

    def stop_bridge(self) -> None:
        bridge, self.bridge = self.bridge, None
        if bridge is not None and bridge.poll() is None:
            os.killpg(bridge.pid, signal.SIGTERM)
            try:
                bridge.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(bridge.pid, signal.SIGKILL)
                bridge.wait()

    def stop(self) -> None:
        self.stop_bridge()
        simulator, self.simulator = self.simulator, None
        if simulator is not None and simulator.poll() is None:
            os.killpg(simulator.pid, signal.SIGTERM)
            simulator.wait(20)

    def log(self) -> str:
        path = self.workdir / "bridge.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- the bridge's API, as its admin --------------------------------------------------------

    def admin(self) -> str:
        if not self._admin:
            answer = httpx.post(
                self.api + "/auth/login",
                json={"username": "admin", "password": ADMIN_PASSWORD},
                timeout=10,
            )
            answer.raise_for_status()
            self._admin = answer.json()["access_token"]
        return self._admin

    def get(self, path: str) -> Any:
        answer = httpx.get(
            self.api + path, headers={"Authorization": f"Bearer {self.admin()}"}, timeout=10
        )
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        answer = httpx.post(
            self.api + path,
            json=body,
            headers={"Authorization": f"Bearer {self.admin()}"},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()

    def token(self, scope: str = "control", name: str = "home-assistant") -> tuple[str, str]:
        """A new API token: (its id, its secret)."""
        answer = httpx.post(
            self.api + "/auth/tokens",
            json={"name": name, "scope": scope},
            headers={"Authorization": f"Bearer {self.admin()}"},
            timeout=10,
        )
        answer.raise_for_status()
        body = answer.json()
        return body["id"], body["token"]

    def add_camera(self, camera_id: str, profile: str) -> None:
        """A new simulator device, added to the running bridge as `camera_id`."""
        line = httpx.post(
            f"http://{HOST}:{self.control_port}/sim/devices",
            json={"profile": profile, "id": f"{camera_id}-dev", "password": SIM_PASSWORD},
            timeout=10,
        ).json()
        added = httpx.post(
            self.api + "/cameras",
            json={
                "id": camera_id,
                "name": camera_id.title(),
                "host": line["host"],
                "port": line["port"],
                "password": SIM_PASSWORD,
            },
            headers={"Authorization": f"Bearer {self.admin()}"},
            timeout=10,
        )
        assert added.status_code == 201, added.text

    def remove_camera(self, camera_id: str) -> None:
        httpx.delete(
            f"{self.api}/cameras/{camera_id}",
            headers={"Authorization": f"Bearer {self.admin()}"},
            timeout=10,
        )
        httpx.delete(f"http://{HOST}:{self.control_port}/sim/devices/{camera_id}-dev", timeout=10)

    def revoke(self, token_id: str) -> None:
        answer = httpx.delete(
            f"{self.api}/auth/tokens/{token_id}",
            headers={"Authorization": f"Bearer {self.admin()}"},
            timeout=10,
        )
        answer.raise_for_status()

    # -- the simulator -------------------------------------------------------------------------

    def sim_event(self, camera_id: str, kind: str, active: bool = True) -> None:
        answer = httpx.post(
            self.devices[camera_id]["control_url"] + "/event",
            json={"type": kind, "active": active},
            timeout=10,
        )
        answer.raise_for_status()

    def sim_state(self, camera_id: str) -> dict[str, Any]:
        answer = httpx.get(self.devices[camera_id]["control_url"] + "/state", timeout=10)
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        return state

    def zeroconf_record(self) -> dict[str, Any]:
        """The record the bridge's announcer builds for this bridge (`bridge.api.zeroconf`)."""
        if self._record is None:
            self._record = self._build_record()
        return dict(self._record, properties=dict(self._record["properties"]))

    def _build_record(self) -> dict[str, Any]:
        code = (
            "import json, sys; from bridge.api.zeroconf import describe, service_info; "
            "print(json.dumps(describe(service_info(installation_id=sys.argv[1], "
            "host=sys.argv[2], port=int(sys.argv[3]), version='test'))))"
        )
        out = subprocess.run(
            [str(BRIDGE_PYTHON), "-c", code, self.installation_id, HOST, str(self.port)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        record: dict[str, Any] = json.loads(out)
        return record
