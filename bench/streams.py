"""Live video: time to the first playable HLS segment, and CPU for HLS and FLV viewers.

Three processes, as in production: the simulator (`python -m bridge.simulator`, one `doorbell`
camera), the bridge (`python -m bridge run`) and this one (the viewers). For each scenario, over
`--seconds`, the CPU seconds per second of the bridge process, of the bridge's ffmpeg children and
of the simulator (which encodes the camera's stream: one ffmpeg per camera connection):

- time from the first playlist request to a playlist whose first segment ffprobe decodes
  (target ≤ 3 s on the simulator); measured `--repeat` times, a fresh session each time;
- 1, 10, 50 HLS viewers of the sub stream (each fetches the playlist and new segments every
  second, as hls.js does);
- 10 FLV viewers of the sub stream (one camera connection each);
- baseline, same run: one ffmpeg reading the simulator's FLV directly and remuxing it to HLS,
  as the bridge's ffmpeg does (what the remux alone costs);
- transcoding (`streams.transcode_h265`), same run: one HLS viewer of a `floodlight` camera's
  H.265 main stream (1280x720 at 15 fps on the simulator, read over RTSP through the relay and
  re-encoded to H.264) against one HLS viewer of the `doorbell`'s H.264 main stream (960x720 at
  15 fps, remuxed), and the time to its first playable segment.

    .venv/bin/python bench/streams.py --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
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
sys.path.insert(0, str(ROOT / "tests" / "media"))
from _measure import Meter, children, start_simulator, terminate  # noqa: E402
from fixtures.process import free_port  # noqa: E402
from media_helpers import bridge_ffmpegs  # noqa: E402

PASSWORD = "bench-camera-pw"
ADMIN = "bench-admin-pw"


async def measure(seconds: float, meters: dict[str, Meter]) -> dict[str, float]:
    start = {name: m.sample() for name, m in meters.items()}
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        await asyncio.sleep(0.5)
        for m in meters.values():
            m.sample()
    elapsed = time.monotonic() - began
    return {name: (m.sample() - start[name]) / elapsed for name, m in meters.items()}


async def hls_viewer(http: httpx.AsyncClient, url: str, stop: asyncio.Event) -> None:
    seen: set[str] = set()
    base = url.rsplit("/", 1)[0]
    while not stop.is_set():
        playlist = await http.get(url)
        for line in playlist.text.splitlines():
            if line and not line.startswith("#") and line not in seen:
                seen.add(line)
                await http.get(f"{base}/{line}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def flv_viewer(http: httpx.AsyncClient, url: str, stop: asyncio.Event) -> None:
    async with http.stream("GET", url) as response:
        async for _ in response.aiter_raw():
            if stop.is_set():
                return


async def first_segment(http: httpx.AsyncClient, url: str) -> float:
    """Seconds from the first playlist request to a decodable first segment."""
    began = time.monotonic()
    playlist = (await http.get(url)).text
    name = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    segment = (await http.get(f"{url.rsplit('/', 1)[0]}/{name}")).content
    elapsed = time.monotonic() - began
    probe = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames",
        "-of", "json", "pipe:0",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await probe.communicate(segment)
    frames = sum(int(s.get("nb_read_frames", 0)) for s in json.loads(out)["streams"])
    assert frames > 0, "the first segment does not decode"
    return elapsed


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-streams-"))
    sim, (device, h265) = start_simulator(
        2, "--profile", "doorbell", "--profile", "floodlight", "--password", PASSWORD
    )
    port = free_port()
    data_dir = workdir / "data"
    config = {
        "data_dir": str(data_dir),
        "log_level": "WARNING",
        "server": {"port": port},
        "mqtt": {"enabled": False},
        "auth": {"admin_password": ADMIN},
        "streams": {"idle_timeout": 3, "max_sessions": 4, "transcode_h265": True},
        "cameras": [{"id": "cam", "host": device["host"], "port": device["port"],
                     "password": PASSWORD},
                    {"id": "cam4k", "host": h265["host"], "port": h265["port"],
                     "password": PASSWORD}],
    }  # fmt: skip
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    bridge = subprocess.Popen(
        [sys.executable, "-m", "bridge", "run", "--config", str(workdir / "config.yaml")],
        cwd=ROOT,
    )
    api = f"http://127.0.0.1:{port}/api/v1"
    results: list[dict[str, Any]] = []
    meters = {
        "bridge": Meter(lambda: [bridge.pid]),
        "bridge_ffmpeg": Meter(lambda: bridge_ffmpegs(data_dir)),
        "simulator": Meter(lambda: [sim.pid, *children(sim.pid)]),
    }
    try:
        async with httpx.AsyncClient(timeout=20, limits=httpx.Limits(max_connections=200)) as http:
            for _ in range(100):
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{api}/health")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            login = await http.post(
                f"{api}/auth/login", json={"username": "admin", "password": ADMIN}
            )
            http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            for camera in ("cam", "cam4k"):
                for _ in range(100):
                    if (await http.get(f"{api}/cameras/{camera}/streams")).status_code == 200:
                        break
                    await asyncio.sleep(0.2)
            hls = f"{api}/cameras/cam/streams/sub/index.m3u8"
            flv = f"{api}/cameras/cam/streams/sub.flv"

            times = []
            for _ in range(args.repeat):
                times.append(await first_segment(http, hls))
                await asyncio.sleep(5)  # idle timeout 3 s: the next one is a fresh session
            results.append({"scenario": "first playable HLS segment (s)",
                            "min": min(times), "max": max(times),
                            "median": sorted(times)[len(times) // 2]})  # fmt: skip

            for kind, count in [("hls", 1), ("hls", 10), ("hls", 50), ("flv", 10)]:
                stop = asyncio.Event()
                viewer = hls_viewer if kind == "hls" else flv_viewer
                tasks = [asyncio.ensure_future(viewer(http, hls if kind == "hls" else flv, stop))
                         for _ in range(count)]  # fmt: skip
                await asyncio.sleep(3)  # warm up
                cpu = await measure(args.seconds, meters)
                stop.set()
                await asyncio.gather(*tasks, return_exceptions=True)
                results.append({"scenario": f"{count} {kind.upper()} viewers", **cpu,
                                "ffmpeg_processes": len(bridge_ffmpegs(data_dir))})  # fmt: skip
                await asyncio.sleep(5)

            # baseline: one ffmpeg reading the simulator directly, remuxing to HLS
            out = workdir / "baseline"
            out.mkdir()
            source = (f"http://{device['host']}:{device['port']}/flv?port=1935&app=bcs"
                      f"&stream=channel0_sub.bcs&user=admin&password={PASSWORD}")  # fmt: skip
            direct = subprocess.Popen(
                ["ffmpeg", "-loglevel", "error", "-i", source, "-c", "copy", "-f", "hls",
                 "-hls_time", "1", str(out / "index.m3u8")],
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            await asyncio.sleep(3)
            baseline = {"ffmpeg": Meter(lambda: [direct.pid]), "simulator": meters["simulator"]}
            cpu = await measure(args.seconds, baseline)
            direct.terminate()
            direct.wait()
            results.append({"scenario": "baseline: ffmpeg reads the simulator directly", **cpu})

            # transcoding: one viewer of the H.265 main stream vs one of an H.264 main (remux)
            transcoded = f"{api}/cameras/cam4k/streams/main/index.m3u8"
            remuxed = f"{api}/cameras/cam/streams/main/index.m3u8"
            await asyncio.sleep(5)
            times = []
            for _ in range(args.repeat):
                times.append(await first_segment(http, transcoded))
                await asyncio.sleep(5)
            results.append({"scenario": "first playable HLS segment, H.265 transcoded (s)",
                            "min": min(times), "max": max(times),
                            "median": sorted(times)[len(times) // 2]})  # fmt: skip
            for name, url in [
                ("H.264 main remuxed", remuxed),
                ("H.265 main transcoded", transcoded),
            ]:
                stop = asyncio.Event()
                task = asyncio.ensure_future(hls_viewer(http, url, stop))
                await asyncio.sleep(4)  # warm up
                cpu = await measure(args.seconds, meters)
                stop.set()
                await asyncio.gather(task, return_exceptions=True)
                results.append({"scenario": f"1 HLS viewer, {name}", **cpu})
                await asyncio.sleep(5)
    finally:
        terminate(bridge)
        terminate(sim)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for row in asyncio.run(run(args)):
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}))


if __name__ == "__main__":
    main()
