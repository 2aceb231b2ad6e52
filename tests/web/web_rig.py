"""The dashboard's test rig: real processes, as a user runs them.

A throwaway Mosquitto, the simulator (`python -m bridge.simulator`, one device per profile, with
its control API) and the bridge (`python -m bridge run --config …`) serving the built dashboard;
Debian's Chromium driven by Playwright. `bench/web.py` uses the same pieces.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fixtures.mosquitto import MosquittoBroker
from fixtures.process import free_port
from playwright.sync_api import Browser, Playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium's own connections out are refused by a closed
# network and may show up as failed requests.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN_PASSWORD = "dashboard-admin-pw"
SIM_PASSWORD = "sim-pw-web"
NAMES = {
    "floodlight": "Driveway",
    "ptz": "Garden",
    "doorbell": "Front door",
    "legacy": "Garage",
    "nvr": "Recorder",
    "battery": "Back gate",
}
"""The cameras of the rig: a simulator profile each (its id), and a name as a user gives one."""


@dataclass
class Bridge:
    url: str
    """http://127.0.0.1:<port>, where the dashboard is."""
    control_url: str
    """The simulator's control API (`/sim/devices/{id}/…`)."""
    devices: dict[str, dict[str, Any]]
    """The simulator's devices by camera id: host, port, username, password, profile, …"""
    broker: MosquittoBroker
    data_dir: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def api(self) -> str:
        return self.url + "/api/v1"

    def token(self) -> str:
        """A login access token, for checks made beside the browser."""
        answer = httpx.post(
            self.api + "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
        answer.raise_for_status()
        return str(answer.json()["access_token"])

    def sim_event(self, camera_id: str, kind: str, active: bool = True) -> None:
        device = self.devices[camera_id]["id"]
        answer = httpx.post(
            f"{self.control_url}/sim/devices/{device}/event", json={"type": kind, "active": active}
        )
        answer.raise_for_status()

    def sim_state(self, camera_id: str) -> dict[str, Any]:
        device = self.devices[camera_id]["id"]
        answer = httpx.get(f"{self.control_url}/sim/devices/{device}/state")
        answer.raise_for_status()
        state: dict[str, Any] = answer.json()
        return state


def start_simulator(
    profiles: list[str], control_port: int
) -> tuple[subprocess.Popen[str], list[dict[str, Any]]]:
    command = [sys.executable, "-m", "bridge.simulator", "--cameras", str(len(profiles))]
    for profile in profiles:
        command += ["--profile", profile]
    command += ["--password", SIM_PASSWORD, "--control-port", str(control_port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    lines = [json.loads(process.stdout.readline()) for _ in profiles]
    return process, lines


def bridge_config(
    data_dir: Path,
    broker: MosquittoBroker,
    cameras: list[dict[str, Any]],
    port: int,
    interval: float = 0.5,
) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "log_level": "WARNING",
        "mqtt": {"url": broker.url},
        "polling": {"interval": interval, "failure_threshold": 2, "timeout": 2.0},
        # every test signs in: the login limit (10 a minute per address) is for people
        "server": {"host": "127.0.0.1", "port": port, "login_rate_per_minute": 6000},
        "auth": {"admin_password": ADMIN_PASSWORD, "token_cache_seconds": 0},
        # the simulated cameras (and the ones the tests add through the form) are on loopback
        "security": {"camera_networks": ["127.0.0.0/8"]},
        "cameras": cameras,
    }


def wait_ready(api: str, process: subprocess.Popen[str], cameras: int, timeout: float) -> None:
    """Until the API answers ready and `cameras` devices are online."""
    deadline = time.monotonic() + timeout
    headers: dict[str, str] = {}
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the bridge exited with {process.returncode}")
        try:
            if not headers:
                login = httpx.post(
                    api + "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
                )
                if login.status_code == 200:
                    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            if headers and httpx.get(api + "/ready").status_code == 200:
                devices = httpx.get(api + "/cameras", headers=headers).json()
                if sum(1 for d in devices if d["online"]) >= cameras:
                    return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the bridge was not ready with {cameras} cameras online in {timeout} s")


@contextmanager
def running_bridge(
    workdir: Path,
    profiles: list[str],
    *,
    ids: list[str] | None = None,
    timeout: float = 60.0,
    interval: float = 0.5,
) -> Iterator[Bridge]:
    """Mosquitto, the simulator (one device per profile) and the bridge; all stopped after."""
    ids = ids or profiles
    with MosquittoBroker(workdir / "mosquitto") as broker:
        control_port = free_port()
        sim, lines = start_simulator(profiles, control_port)
        processes: list[subprocess.Popen[str]] = [sim]
        try:
            cameras = [
                {
                    "id": camera_id,
                    "name": NAMES.get(camera_id, ""),
                    "host": line["host"],
                    "port": line["port"],
                    "username": line["username"],
                    "password": line["password"],
                }
                for camera_id, line in zip(ids, lines, strict=True)
            ]
            port = free_port()
            config = workdir / "bridge.json"
            settings = bridge_config(workdir / "data", broker, cameras, port, interval)
            config.write_text(json.dumps(settings))
            log = (workdir / "bridge.log").open("w")
            bridge = subprocess.Popen(
                [sys.executable, "-m", "bridge", "run", "--config", str(config)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
            log.close()
            processes.append(bridge)
            url = f"http://127.0.0.1:{port}"
            wait_ready(url + "/api/v1", bridge, len(cameras), timeout)
            yield Bridge(
                url=url,
                control_url=f"http://127.0.0.1:{control_port}",
                devices=dict(zip(ids, lines, strict=True)),
                broker=broker,
                data_dir=workdir / "data",
                processes=processes,
            )
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in reversed(processes):
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def launch_chromium(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
