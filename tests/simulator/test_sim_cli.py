"""``python -m bridge.simulator``: JSON lines out, polls answered, clean exit on SIGINT."""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

from bridge.simulator import cli


def _post(url: str, body: Any) -> Any:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.headers["Content-Type"].startswith("text/html")
        return json.loads(resp.read())


def test_cli_runs_devices_and_stops_on_sigint() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge.simulator", "--cameras", "3", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [json.loads(proc.stdout.readline()) for _ in range(3)]
        assert [line["profile"] for line in lines] == ["floodlight", "ptz", "doorbell"]
        keys = {"id", "host", "port", "baichuan_port", "model", "channels", "username"}
        keys |= {"password", "profile"}
        assert keys | {"control_url"} == set(lines[0])
        dev = lines[1]
        assert dev["model"] == "RLC-823A"
        assert dev["channels"] == 1
        url = f"http://{dev['host']}:{dev['port']}/cgi-bin/api.cgi"
        login = _post(
            f"{url}?cmd=Login&token=null",
            [
                {
                    "cmd": "Login",
                    "param": {"User": {"userName": dev["username"], "password": dev["password"]}},
                }
            ],
        )
        token = login[0]["value"]["Token"]["name"]
        out = _post(f"{url}?token={token}", [{"cmd": "GetMdState", "param": {"channel": 0}}])
        assert out == [{"cmd": "GetMdState", "code": 0, "value": {"state": 0}}]
        with urllib.request.urlopen(f"{lines[0]['control_url']}/state", timeout=5) as resp:
            assert json.loads(resp.read())["id"] == lines[0]["id"]
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - t0 < 5
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_cli_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bridge.simulator", "--cameras", "2", "--profile", "nvr"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [json.loads(proc.stdout.readline()) for _ in range(2)]
        assert [line["model"] for line in lines] == ["RLN8-410", "RLN8-410"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_cli_arguments() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(
        [
            "--cameras",
            "4",
            "--port",
            "8100",
            "--profile",
            "nvr",
            "--profile",
            "ptz",
            "--password",
            "x y",
        ]
    )
    assert (args.cameras, args.port, args.profiles, args.password) == (
        4,
        8100,
        ["nvr", "ptz"],
        "x y",
    )
    assert args.host == "127.0.0.1"
    assert args.lease_time == 3600.0
    assert args.control_port == 0
