"""No ffmpeg outlives the bridge (SIGTERM; SIGKILL, then a restart), none is left behind by a
previous run, and no camera password shows in a command line, a response or a log line.

The bridge runs as `python -m bridge run` (its own process, its own signal handling, its own
logging with the access log on) against an in-process simulator.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import yaml
from fixtures.api_rig import ADMIN_PASSWORD, JWT_SECRET
from fixtures.process import free_port
from fixtures.simulator import PASSWORD, running_simulator
from media_helpers import bridge_ffmpegs, command_lines, password_forms, wait_for

from bridge.media.processes import ProcessRegistry, _start_time
from bridge.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"doorbell": "doorbell"}, password=PASSWORD) as simulator:
        yield simulator


class BridgeProcess:
    def __init__(self, sim: Simulator, workdir: Path) -> None:
        self.data_dir = workdir / "data"
        self.port = free_port()
        self.log = workdir / "bridge.log"
        dev = sim.devices["doorbell"]
        config = {
            "data_dir": str(self.data_dir),
            "log_level": "DEBUG",
            "server": {"host": "127.0.0.1", "port": self.port, "access_log": True},
            "mqtt": {"enabled": False},
            "auth": {"admin_password": ADMIN_PASSWORD, "jwt_secret": JWT_SECRET},
            "polling": {"interval": 0.5},
            "streams": {"idle_timeout": 60},
            "cameras": [
                {"id": "doorbell", "host": dev.host, "port": dev.port, "password": PASSWORD}
            ],
        }
        self.config = workdir / "config.yaml"
        self.config.write_text(yaml.safe_dump(config))
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"http://127.0.0.1:{self.port}/api/v1"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: ASYNC220 - a child that outlives this call
                [sys.executable, "-m", "bridge", "run", "--config", str(self.config)],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        async with httpx.AsyncClient(timeout=2) as http:
            async with asyncio.timeout(30):
                while True:
                    try:
                        if (await http.get(f"{self.url}/health")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert self.proc.poll() is None, self.log.read_text()[-3000:]
                    await asyncio.sleep(0.2)

    async def stop(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = await asyncio.to_thread(self.proc.wait, 20)
        self.proc = None
        return code

    async def watch(self) -> tuple[str, str]:
        """Log in, start an HLS session through a signed URL; the JWT and the signed URL."""
        async with httpx.AsyncClient(base_url=self.url, timeout=20) as http:
            login = await http.post(
                "/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
            )
            jwt = login.json()["access_token"]
            catalogue = await http.get(
                "/cameras/doorbell/streams", headers={"Authorization": f"Bearer {jwt}"}
            )
            assert catalogue.status_code == 200, catalogue.text
            for form in password_forms(PASSWORD):  # an admin gets the direct URLs: encoded
                assert form not in catalogue.text or form == password_forms(PASSWORD)[1]
            url = catalogue.json()["cameras"][0]["streams"][1]["urls"]["hls"]
            playlist = await http.get(url)
            assert playlist.status_code == 200, playlist.text
        return jwt, url


@pytest.fixture
async def bridge(sim: Simulator, tmp_path: Path) -> AsyncIterator[BridgeProcess]:
    process = BridgeProcess(sim, tmp_path)
    try:
        yield process
    finally:
        if process.proc is not None:
            process.proc.kill()
            process.proc.wait()
        for pid in bridge_ffmpegs(process.data_dir):  # never leave one to the next test
            os.kill(pid, signal.SIGKILL)


async def test_sigterm_ends_every_ffmpeg_and_nothing_leaks(bridge: BridgeProcess) -> None:
    await bridge.start()
    jwt, signed = await bridge.watch()
    pids = bridge_ffmpegs(bridge.data_dir)
    assert len(pids) == 1
    shown = command_lines()
    for form in password_forms(PASSWORD):
        assert form not in shown  # ffmpeg reads the camera's stream from the bridge's pipe
    assert await bridge.stop(signal.SIGTERM) == 0
    assert bridge_ffmpegs(bridge.data_dir) == []
    assert not any(os.path.exists(f"/proc/{pid}") for pid in pids)  # noqa: ASYNC240
    log = bridge.log.read_text()
    assert "GET /api/v1/cameras/doorbell/streams/sub/index.m3u8?token=***" in log  # access log
    token = signed.split("token=")[1]
    for secret in (token, jwt, *password_forms(PASSWORD)):
        assert secret not in log


async def test_sigkill_takes_ffmpeg_along_and_a_restart_finds_none(
    bridge: BridgeProcess,
) -> None:
    await bridge.start()
    await bridge.watch()
    (pid,) = bridge_ffmpegs(bridge.data_dir)
    assert await bridge.stop(signal.SIGKILL) == -signal.SIGKILL
    await wait_for(lambda: not Path(f"/proc/{pid}").exists() or _zombie(pid), 5)
    await bridge.start()
    assert bridge_ffmpegs(bridge.data_dir) == []


async def test_start_up_kills_what_a_previous_run_left(bridge: BridgeProcess) -> None:
    # An ffmpeg of a previous run that survived (a crash before it could die with its parent):
    # started here, outside the bridge, and listed in the pid file as the bridge lists its own.
    streams = (bridge.data_dir / "streams").resolve()
    out = streams / "hls" / "leftover"
    out.mkdir(parents=True)
    argv = ["ffmpeg", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=rate=5"]
    argv += ["-f", "hls", str(out / "index.m3u8")]
    leftover = subprocess.Popen(argv, start_new_session=True, stdin=subprocess.DEVNULL)  # noqa: ASYNC220
    stranger = subprocess.Popen(["sleep", "60"], start_new_session=True)  # noqa: ASYNC220
    try:
        await wait_for(lambda: bool(_start_time(leftover.pid)), 5)
        registry = ProcessRegistry(streams)
        registry.pid_file.write_text(
            f"{leftover.pid} {_start_time(leftover.pid)}\n"
            f"{stranger.pid} {_start_time(stranger.pid)}\n"
        )
        await bridge.start()
        assert await asyncio.to_thread(leftover.wait, 5) == -signal.SIGKILL
        assert stranger.poll() is None  # in the file, but its command line is not ours
        assert not out.exists()
    finally:
        for proc in (leftover, stranger):
            proc.kill()
            proc.wait()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return True
