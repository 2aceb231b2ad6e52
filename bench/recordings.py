"""Recordings: download throughput through the bridge against the simulator directly, and the
cost of the recordings indexer per camera per pass.

Throughput — three processes, as in production: the simulator (`python -m bridge.simulator`,
floodlight cameras), the bridge (`python -m bridge run`) and curl (the client). The largest
recording of the last day is downloaded `--repeat` times directly from the simulator and through
`GET /api/v1/recordings/{id}/download`, alternately, in the same run; target: through the bridge
≥ 0.9 × direct.

Indexer — in this process, against the same simulator: a `CameraManager` runs `--cameras`
cameras (polling every 60 s, so it stays out of the way) and `RecordingsIndexer.index_device`
indexes each (one `Search` per channel and stream, the last `--days` days, into a SQLite store);
reported per camera per pass (median, p95) and for a whole pass over every camera.

    .venv/bin/python bench/recordings.py [--cameras 20] [--repeat 5] [--days 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
from _measure import start_simulator, terminate  # noqa: E402
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


def curl(url: str, headers: list[str]) -> tuple[int, float]:
    """Bytes and seconds of one download (curl: a client in its own process)."""
    argv = ["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download} %{time_total}", url]
    for header in headers:
        argv += ["-H", header]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1])


async def throughput(
    devices: list[dict[str, Any]], args: argparse.Namespace, workdir: Path
) -> list[dict[str, Any]]:
    port = free_port()
    device = devices[0]
    config = {
        "data_dir": str(workdir / "data"),
        "log_level": "WARNING",
        "server": {"port": port},
        "mqtt": {"enabled": False},
        "auth": {"admin_password": ADMIN},
        "media": {"index_interval": 86400},
        "cameras": [{"id": "cam", "host": device["host"], "port": device["port"],
                     "password": PASSWORD}],
    }  # fmt: skip
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
            found: list[dict[str, Any]] = []
            for _ in range(150):
                answer = await http.post(
                    f"{api}/recordings/search",
                    json={"camera_id": "cam", "start": "2000-01-01T00:00:00Z",
                          "end": utcnow().isoformat()},
                )  # fmt: skip
                if answer.status_code == 200:
                    found = answer.json()["recordings"]
                    break
                await asyncio.sleep(0.2)
        largest = max(found, key=lambda r: r["size"])
        direct_url = (
            f"http://{device['host']}:{device['port']}/cgi-bin/api.cgi?cmd=Download"
            f"&source={largest['name']}&user=admin&password={PASSWORD}"
        )
        bridge_url = f"{api}/recordings/{largest['id']}/download"
        curl(direct_url, [])  # warm both: the simulator renders the MP4 once
        curl(bridge_url, [f"Authorization: Bearer {token}"])
        direct, through = [], []
        for _ in range(args.repeat):
            size, seconds = curl(direct_url, [])
            direct.append(size / seconds / 1e6)
            size_b, seconds_b = curl(bridge_url, [f"Authorization: Bearer {token}"])
            assert size_b == size == largest["size"]
            through.append(size_b / seconds_b / 1e6)
    finally:
        terminate(bridge)
    d, b = statistics.median(direct), statistics.median(through)
    return [
        {"scenario": "download, simulator directly (MB/s)", "median": d, "size_mb": size / 1e6},
        {"scenario": "download through the bridge (MB/s)", "median": b, "ratio": b / d},
    ]


async def indexer_cost(
    devices: list[dict[str, Any]], args: argparse.Namespace, workdir: Path
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
        passes: list[float] = []
        for _ in range(args.repeat):
            for runner in manager.runners:
                start = time.perf_counter()
                await indexer.index_device(runner)
                per_camera.append(time.perf_counter() - start)
            start = time.perf_counter()
            await indexer.run_all()
            passes.append(time.perf_counter() - start)
    finally:
        await manager.stop()
        await store.close()
    per_camera.sort()
    return [
        {
            "scenario": f"indexer, one camera ({args.days} day(s), main + sub) (ms)",
            "median": statistics.median(per_camera) * 1000,
            "p95": per_camera[int(0.95 * (len(per_camera) - 1))] * 1000,
        },
        {
            "scenario": f"indexer, a pass over {len(devices)} cameras (ms)",
            "median": statistics.median(passes) * 1000,
            "per_camera": statistics.median(passes) * 1000 / len(devices),
        },
    ]


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-recordings-"))
    sim, devices = start_simulator(args.cameras, "--profile", "floodlight", "--password", PASSWORD)
    try:
        results = await throughput(devices, args, workdir)
        results += await indexer_cost(devices, args, workdir)
    finally:
        terminate(sim)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days", type=float, default=1.0)
    args = parser.parse_args()
    for row in asyncio.run(run(args)):
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}))


if __name__ == "__main__":
    main()
