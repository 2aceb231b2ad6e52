"""Recordings: download throughput through the bridge against the simulator directly, and the
cost of the recordings indexer per camera per pass.

Throughput — separate processes, as in production: the simulator (`python -m bridge.simulator`,
floodlight cameras), the bridge (`python -m bridge run`) and curl (the client, one process per
download). The largest recording is downloaded `--repeat` times in each of these ways, in turn,
in the same run, by the same curl, the same bytes, all over loopback HTTP:

- directly from the simulator (the baseline);
- through a plain TCP relay in this process (`os.splice`, zero-copy: the kernel moves the bytes,
  no HTTP, no Python per byte) — what any relay costs on this machine, the ceiling for the bridge;
- through the bridge, `GET /api/v1/recordings/{id}/download`; target ≥ 0.9 × directly;
- the same two at a camera's pace: the simulator behind a pacing relay (`--pace` MB/s, gigabit
  Ethernet's line rate by default), the bridge polling and downloading through that relay too.

Also the bridge's CPU per download (from /proc) and the load average before and after.

Indexer — in this process, against the same simulator: a `CameraManager` runs `--cameras`
cameras (polling every 60 s, so it stays out of the way) and `RecordingsIndexer.index_device`
indexes each (one `Search` per channel and stream, the last `--days` days, into a SQLite store);
reported per camera per pass — wall time (median, p95) and this process's CPU (the indexer and
the store, no camera) — and for a whole pass over every camera; the simulator's CPU per camera
per pass (the camera's side) alongside.

    .venv/bin/python bench/recordings.py [--cameras 20] [--repeat 9] [--days 1] [--pace 117]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from fixtures.process import free_port  # noqa: E402

from bridge.bus.inprocess import InProcessBus  # noqa: E402
from bridge.config import load_settings  # noqa: E402
from bridge.domain.base import utcnow  # noqa: E402
from bridge.domain.camera import Camera  # noqa: E402
from bridge.media.indexer import RecordingsIndexer  # noqa: E402
from bridge.pipeline.manager import CameraManager  # noqa: E402
from bridge.storage.sqlite import SqliteStore  # noqa: E402

PASSWORD = "bench-pass"
ADMIN = "bench-admin-password"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def curl(url: str, headers: list[str]) -> tuple[int, float, float]:
    """Bytes, seconds and seconds to the first byte of one download (curl: a client in its own
    process, the same for every path)."""
    out_format = "%{size_download} %{time_total} %{time_starttransfer}"
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", out_format, url]
    for header in headers:
        argv += ["-H", header]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1]), float(out[2])


class Relay:
    """A TCP relay on loopback to `target`, a thread per direction: zero-copy (`os.splice`
    through a pipe; the kernel moves the pages, nothing is parsed) or, with `pace` (bytes/s),
    paced like a camera's uplink (a token bucket with a 256 KiB burst)."""

    def __init__(self, target: int, pace: float | None = None) -> None:
        self.target = target
        self.pace = pace
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                return
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            if self.pace is not None:
                self._paced(src, dst, self.pace)
            else:
                self._splice(src, dst)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    @staticmethod
    def _splice(src: socket.socket, dst: socket.socket) -> None:
        r, w = os.pipe()
        try:
            with contextlib.suppress(OSError):
                fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 1 << 20)
            while moved := os.splice(src.fileno(), w, 1 << 20):
                while moved:
                    moved -= os.splice(r, dst.fileno(), moved)
        finally:
            os.close(r)
            os.close(w)

    @staticmethod
    def _paced(src: socket.socket, dst: socket.socket, pace: float) -> None:
        burst = allowance = 256 * 1024
        last = time.monotonic()
        while data := src.recv(64 * 1024):
            dst.sendall(data)
            now = time.monotonic()
            allowance = min(burst, allowance + (now - last) * pace) - len(data)
            last = now
            if allowance < 0:
                time.sleep(-allowance / pace)

    def close(self) -> None:
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


async def _largest(http: httpx.AsyncClient, api: str, camera: str) -> dict[str, Any]:
    for _ in range(150):
        answer = await http.post(
            f"{api}/recordings/search",
            json={
                "camera_id": camera,
                "start": "2000-01-01T00:00:00Z",
                "end": utcnow().isoformat(),
            },
        )
        if answer.status_code == 200:
            return max(answer.json()["recordings"], key=lambda r: r["size"])  # type: ignore[no-any-return]
        await asyncio.sleep(0.2)
    raise RuntimeError(f"no recordings from {camera}")


def _row(scenario: str, samples: list[tuple[int, float, float]], **extra: Any) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "median": statistics.median(size / total / 1e6 for size, total, _ in samples),
        "ttfb_ms": statistics.median(first for _, _, first in samples) * 1000,
        **extra,
    }


async def throughput(
    devices: list[dict[str, Any]], args: argparse.Namespace, workdir: Path
) -> list[dict[str, Any]]:
    device = devices[0]
    relay = Relay(device["port"])
    paced = Relay(device["port"], pace=args.pace * 1e6)
    port = free_port()
    config = {
        "data_dir": str(workdir / "data"),
        "log_level": "WARNING",
        "server": {"port": port},
        "mqtt": {"enabled": False},
        "auth": {"admin_password": ADMIN},
        "media": {"index_interval": 86400},
        "cameras": [
            {"id": "cam", "host": device["host"], "port": device["port"], "password": PASSWORD},
            {"id": "paced", "host": "127.0.0.1", "port": paced.port, "password": PASSWORD},
        ],
    }
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    bridge = subprocess.Popen(
        [sys.executable, "-m", "bridge", "run", "--config", str(workdir / "config.yaml")],
        cwd=ROOT,
    )
    api = f"http://127.0.0.1:{port}/api/v1"
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(150):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{api}/health")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            login = await http.post(
                f"{api}/auth/login", json={"username": "admin", "password": ADMIN}
            )
            token = login.json()["access_token"]
            http.headers["Authorization"] = f"Bearer {token}"
            largest = await _largest(http, api, "cam")
            largest_paced = await _largest(http, api, "paced")
        assert largest_paced["name"] == largest["name"]
        query = (
            f"/cgi-bin/api.cgi?cmd=Download&source={largest['name']}&user=admin&password={PASSWORD}"
        )
        bearer = [f"Authorization: Bearer {token}"]
        paths: dict[str, tuple[str, list[str]]] = {
            "direct": (f"http://{device['host']}:{device['port']}{query}", []),
            "relay": (f"http://127.0.0.1:{relay.port}{query}", []),
            "bridge": (f"{api}/recordings/{largest['id']}/download", bearer),
            "paced direct": (f"http://127.0.0.1:{paced.port}{query}", []),
            "paced bridge": (f"{api}/recordings/{largest_paced['id']}/download", bearer),
        }
        for url, headers in paths.values():  # warm every path (the simulator renders once)
            curl(url, headers)
        samples: dict[str, list[tuple[int, float, float]]] = {name: [] for name in paths}
        bridge_cpu = 0.0
        load_before = os.getloadavg()
        for _ in range(args.repeat):
            for name, (url, headers) in paths.items():  # in turn: every path sees the same load
                before = cpu_seconds(bridge.pid)
                got = curl(url, headers)
                if name == "bridge":
                    bridge_cpu += cpu_seconds(bridge.pid) - before
                assert got[0] == largest["size"], (name, got)
                samples[name].append(got)
        load_after = os.getloadavg()
    finally:
        bridge.terminate()
        bridge.wait(20)
        relay.close()
        paced.close()
    rates = {name: _row(name, got)["median"] for name, got in samples.items()}

    def paired(path: str, base: str) -> list[float]:
        """Quartiles of the ratio of each round (its downloads a moment apart: the same load)."""
        ratios = [
            seconds_base / seconds
            for (_, seconds, _), (_, seconds_base, _) in zip(
                samples[path], samples[base], strict=True
            )
        ]
        return [round(q, 2) for q in statistics.quantiles(ratios, n=4)]

    d = rates["direct"]
    size_mb = largest["size"] / 1e6
    cpu_ms = bridge_cpu / args.repeat * 1000
    return [
        {"scenario": "load average (1, 5 min) before, after", "before": load_before[:2],
         "after": load_after[:2]},
        _row("download, simulator directly (MB/s)", samples["direct"], size_mb=size_mb),
        _row("download through a zero-copy TCP relay (MB/s)", samples["relay"],
             ratio=rates["relay"] / d, rounds=paired("relay", "direct")),
        _row("download through the bridge (MB/s)", samples["bridge"], ratio=rates["bridge"] / d,
             rounds=paired("bridge", "direct"), of_relay=rates["bridge"] / rates["relay"],
             bridge_cpu_ms=cpu_ms, bridge_cpu_ms_per_mb=cpu_ms / size_mb),
        _row(f"download, simulator paced at {args.pace:g} MB/s, directly (MB/s)",
             samples["paced direct"]),
        _row(f"download, simulator paced at {args.pace:g} MB/s, through the bridge (MB/s)",
             samples["paced bridge"], ratio=rates["paced bridge"] / rates["paced direct"],
             rounds=paired("paced bridge", "paced direct")),
    ]  # fmt: skip


async def indexer_cost(
    devices: list[dict[str, Any]], args: argparse.Namespace, workdir: Path, sim_pid: int
) -> list[dict[str, Any]]:
    settings = load_settings(
        data_dir=workdir / "index", polling={"interval": 60}, media={"index_days": args.days}
    )
    bus = InProcessBus()
    manager = CameraManager(settings.polling, bus)
    store = SqliteStore(workdir / "index.db")
    await store.open()
    cameras = [
        Camera(id=f"cam{i}", host=d["host"], port=d["port"], password=PASSWORD)
        for i, d in enumerate(devices)
    ]
    await manager.start(cameras)
    indexer = RecordingsIndexer(settings.media, manager, store, bus)
    try:
        async with asyncio.timeout(60):
            while not all(r.online for r in manager.runners):
                await asyncio.sleep(0.1)
        per_camera: list[float] = []
        per_camera_cpu: list[float] = []
        passes: list[float] = []
        passes_cpu: list[float] = []
        sim_cpu = 0.0
        for _ in range(args.repeat):
            for runner in manager.runners:
                start, cpu, sim = time.perf_counter(), time.process_time(), cpu_seconds(sim_pid)
                await indexer.index_device(runner)
                per_camera.append(time.perf_counter() - start)
                per_camera_cpu.append(time.process_time() - cpu)
                sim_cpu += cpu_seconds(sim_pid) - sim
            start, cpu = time.perf_counter(), time.process_time()
            await indexer.run_all()
            passes.append(time.perf_counter() - start)
            passes_cpu.append(time.process_time() - cpu)
    finally:
        await manager.stop()
        await store.close()
    per_camera.sort()
    per_camera_cpu.sort()
    n = len(devices)
    return [
        {
            "scenario": f"indexer, one camera ({args.days:g} day(s), main + sub), wall (ms)",
            "median": statistics.median(per_camera) * 1000,
            "p95": per_camera[int(0.95 * (len(per_camera) - 1))] * 1000,
        },
        {
            "scenario": "indexer, one camera, the bridge's CPU per pass (ms)",
            "median": statistics.median(per_camera_cpu) * 1000,
            "p95": per_camera_cpu[int(0.95 * (len(per_camera_cpu) - 1))] * 1000,
            "simulator_cpu_ms": sim_cpu / len(per_camera) * 1000,
        },
        {
            "scenario": f"indexer, a pass over {n} cameras (ms)",
            "median": statistics.median(passes) * 1000,
            "per_camera": statistics.median(passes) * 1000 / n,
            "cpu_per_camera": statistics.median(passes_cpu) * 1000 / n,
        },
    ]


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-recordings-"))
    sim = subprocess.Popen(
        [sys.executable, "-m", "bridge.simulator", "--cameras", str(args.cameras),
         "--port", "0", "--profile", "floodlight", "--password", PASSWORD],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert sim.stdout is not None
    devices = [json.loads(sim.stdout.readline()) for _ in range(args.cameras)]
    try:
        results = await throughput(devices, args, workdir)
        results += await indexer_cost(devices, args, workdir, sim.pid)
    finally:
        sim.terminate()
        sim.wait(20)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument(
        "--pace", type=float, default=117.0, help="MB/s of the paced simulator (gigabit: 117)"
    )
    args = parser.parse_args()

    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 3)
        if isinstance(value, (list, tuple)):
            return [rounded(v) for v in value]
        return value

    for row in asyncio.run(run(args)):
        print(json.dumps({k: rounded(v) for k, v in row.items()}))


if __name__ == "__main__":
    main()
