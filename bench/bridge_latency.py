"""Sim trigger → MQTT state message latency, and the bridge's CPU per camera at a 1 s poll.

Three processes, as in production: the simulator (`python -m bridge.simulator`), the bridge
(`python -m bridge run`) and this one (MQTT subscriber + event trigger). A throwaway Mosquitto runs
on a free port. For each N it measures, over `--seconds`:

- latency p50/p99 from a `/sim/devices/{id}/event` call to the `reolink/<id>` state message;
- the bridge process's CPU seconds per second (from /proc), per camera;
- baseline, same run: the same N cameras polled by bare `ReolinkClient.poll_detections` loops in
  one process (no bus, no MQTT, no state tracking) — what polling alone costs.

    .venv/bin/python bench/bridge_latency.py --cameras 10 100 500 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from _measure import cpu_seconds, percentile, start_simulator, terminate  # noqa: E402
from fixtures.mosquitto import MosquittoBroker  # noqa: E402
from fixtures.process import free_port  # noqa: E402

from bridge.domain.camera import Camera  # noqa: E402
from bridge.reolink import ReolinkClient  # noqa: E402


class Subscriber:
    """paho in its own thread: timestamps each state message for the cameras under test."""

    def __init__(self, port: int) -> None:
        self.arrivals: dict[str, list[tuple[float, bool]]] = {}
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe("bench/+", qos=1)
        self.client.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        now = time.monotonic()
        camera_id = message.topic.split("/", 1)[1]
        with contextlib.suppress(ValueError):
            motion = json.loads(message.payload).get("motion")
            self.arrivals.setdefault(camera_id, []).append((now, bool(motion)))

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


async def wait_arrival(
    sub: Subscriber, camera_id: str, motion: bool, after: float, timeout: float
) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for at, value in sub.arrivals.get(camera_id, []):
            if at >= after and value is motion:
                return at
        await asyncio.sleep(0.005)
    return None


async def measure_bridge(
    n: int, seconds: float, broker: MosquittoBroker, workdir: Path
) -> dict[str, float]:
    control = free_port()
    sim, devices = start_simulator(n, "--profile", "floodlight", "--control-port", str(control))
    config = workdir / f"bridge-{n}.yaml"
    cameras = [
        {
            "id": f"c{i}",
            "host": d["host"],
            "port": d["port"],
            "username": d["username"],
            "password": d["password"],
        }
        for i, d in enumerate(devices)
    ]
    config.write_text(
        json.dumps(
            {
                "data_dir": str(workdir / "data"),
                "log_level": "WARNING",
                "mqtt": {"url": broker.url, "base_topic": "bench", "discovery": "off"},
                "polling": {"interval": 1.0, "settings_interval": 60, "timeout": 5},
                "cameras": cameras,
            }
        )
    )
    bridge = subprocess.Popen(
        [sys.executable, "-m", "bridge", "run", "--config", str(config)], cwd=ROOT
    )
    sub = Subscriber(broker.port)
    latencies: list[float] = []
    missed = 0
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{control}", timeout=10) as http:
            # Wait until every camera has published its first state.
            deadline = time.monotonic() + 60 + n * 0.1
            while len(sub.arrivals) < n and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)  # settle: first connects and settings reads are done
            cpu0, t0 = cpu_seconds(bridge.pid), time.monotonic()
            end = t0 + seconds
            motion = [False] * n
            while time.monotonic() < end:
                camera = random.randrange(n)
                device_id = devices[camera]["id"]
                motion[camera] = active = not motion[camera]
                before = time.monotonic()
                await http.post(
                    f"/sim/devices/{device_id}/event", json={"type": "motion", "active": active}
                )
                arrived = await wait_arrival(sub, f"c{camera}", active, before, timeout=5)
                if arrived is None:
                    missed += 1
                else:
                    latencies.append(arrived - before)
                await asyncio.sleep(random.uniform(0.0, 0.1))
            cpu = (cpu_seconds(bridge.pid) - cpu0) / (time.monotonic() - t0)
    finally:
        sub.stop()
        terminate(bridge)
        terminate(sim)
    return {
        "events": len(latencies),
        "missed": missed,
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "cpu_per_s": cpu,
        "cpu_ms_per_camera_s": 1000 * cpu / n,
    }


def baseline_worker(devices: list[dict[str, Any]], seconds: float) -> None:
    """Child process: bare polling loops at 1 s, printing its CPU seconds per second."""

    async def poll(device: dict[str, Any], stop: float) -> None:
        camera = Camera(
            id="b",
            host=device["host"],
            port=device["port"],
            username=device["username"],
            password=device["password"],
        )
        async with ReolinkClient.from_camera(camera, timeout=5) as client:
            caps = await client.get_capabilities()
            await asyncio.sleep(random.uniform(0, 1))
            next_tick = time.monotonic()
            while time.monotonic() < stop:
                with contextlib.suppress(Exception):
                    await client.poll_detections(caps)
                next_tick += 1.0
                await asyncio.sleep(max(0.0, next_tick - time.monotonic()))

    async def main() -> None:
        settle = time.monotonic() + 3 + len(devices) * 0.01
        stop = settle + seconds
        tasks = [asyncio.create_task(poll(d, stop)) for d in devices]
        await asyncio.sleep(max(0.0, settle - time.monotonic()))
        cpu0, t0 = time.process_time(), time.monotonic()
        await asyncio.gather(*tasks)
        print(json.dumps({"cpu_per_s": (time.process_time() - cpu0) / (time.monotonic() - t0)}))

    asyncio.run(main())


def measure_baseline(n: int, seconds: float) -> dict[str, float]:
    sim, devices = start_simulator(n, "--profile", "floodlight", "--control-port", str(free_port()))
    try:
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--baseline-worker",
                json.dumps(devices),
                "--seconds",
                str(seconds),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
    finally:
        terminate(sim)
    cpu = json.loads(done.stdout.strip().splitlines()[-1])["cpu_per_s"]
    return {"cpu_per_s": cpu, "cpu_ms_per_camera_s": 1000 * cpu / n}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cameras", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--baseline-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_worker:
        baseline_worker(json.loads(args.baseline_worker), args.seconds)
        return
    asyncio.run(run_all(args))


async def run_all(args: argparse.Namespace) -> None:
    print(
        f"bridge latency and CPU at a 1 s poll; {args.seconds:.0f} s per size; "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'cameras':>7} {'events':>6} {'missed':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'bridge CPU':>10} {'ms CPU/cam/s':>12} {'baseline ms/cam/s':>17} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp, MosquittoBroker(Path(tmp) / "broker") as broker:
        for n in args.cameras:
            result = await measure_bridge(n, args.seconds, broker, Path(tmp))
            base = measure_baseline(n, args.seconds)
            ratio = result["cpu_ms_per_camera_s"] / base["cpu_ms_per_camera_s"]
            print(
                f"{n:>7} {result['events']:>6} {result['missed']:>6} {result['p50_ms']:>7.0f} "
                f"{result['p99_ms']:>7.0f} {100 * result['cpu_per_s']:>9.1f}% "
                f"{result['cpu_ms_per_camera_s']:>12.2f} "
                f"{base['cpu_ms_per_camera_s']:>17.2f} {ratio:>6.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
