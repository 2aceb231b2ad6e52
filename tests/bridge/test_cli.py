"""`reolink-bridge demo` and `run` as a user runs them: a subprocess, a real broker, Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import httpx
from fixtures.mosquitto import MosquittoBroker
from fixtures.recorder import Recorder

from bridge.simulator import PROFILE_NAMES


async def test_demo_runs_and_stops_cleanly_on_ctrl_c(
    mosquitto: MosquittoBroker, tmp_path: Path
) -> None:
    async with Recorder(mosquitto.host, mosquitto.port) as mqtt:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bridge",
            "demo",
            "--event-every",
            "1",
            env={
                **os.environ,
                "REOLINK_MQTT__URL": mosquitto.url,
                "REOLINK_DATA_DIR": str(tmp_path),
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        printed = b""
        try:
            for profile in PROFILE_NAMES:
                await mqtt.wait_topic(
                    f"reolink/{profile}/availability", lambda m: m.text == "online", timeout=20
                )
            await mqtt.wait_for(
                lambda m: m.topic.endswith("/event") and b'"phase":"start"' in m.payload, timeout=20
            )
            assert any(m.topic.startswith("homeassistant/device/") for m in mqtt.messages)
            assert process.stdout is not None
            async with asyncio.timeout(10):
                while b"token for this run:" not in printed:
                    printed += await process.stdout.read(1024)
            match = re.search(rb"REST API: (\S+)/docs  \(token for this run: (\S+)\)", printed)
            assert match is not None, printed
            api, token = match.group(1).decode(), match.group(2).decode()
            async with httpx.AsyncClient(base_url=api) as http:
                refused = await http.get("/api/v1/cameras/floodlight/state")
                assert refused.status_code == 401
                state = await http.get(
                    "/api/v1/cameras/floodlight/state",
                    headers={"Authorization": f"Bearer {token}"},
                )
                me = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            assert state.status_code == 200
            assert me.json()["scope"] == "admin"  # the demo's token may do everything
            retained = await mqtt.wait_json("reolink/floodlight")
            assert state.json()["camera_id"] == retained["camera_id"] == "floodlight"
        finally:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(15):
                output, _ = await process.communicate()
        text = (printed + output).decode()
        assert process.returncode == 0, text
        assert "Traceback" not in text
        assert f"mosquitto_sub -h 127.0.0.1 -p {mosquitto.port}" in text
        await mqtt.wait_topic("reolink/bridge/state", lambda m: m.text == "offline")
        assert "demo-password" in text  # the simulated password is printed on purpose …
        leaked = [m.topic for m in mqtt.messages if b"demo-password" in m.payload]
        assert leaked == []  # … but never published


async def test_run_refuses_a_broken_config(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("cameras:\n  - id: a\n    host: h\n    port: nope\n", encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bridge",
        "run",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(20):
        _, err = await process.communicate()
    assert process.returncode == 2
    assert b"line 4" in err
    assert b"cameras.0.port" in err
    assert b"Traceback" not in err
