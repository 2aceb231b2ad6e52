"""Push against polling: event → MQTT latency, and the bridge's CPU and memory per camera.

For each N in `--cameras` and each mode in `--modes` (interleaved: poll, push, poll, push … for
`--repeat` rounds), a fresh simulator (`python -m bridge.simulator`, N floodlight cameras, each
with its own HTTP and Baichuan port) and a fresh bridge (`python -m bridge run`, its own process)
on a throwaway Mosquitto, with a fresh base topic per run:

- **poll**: every camera `push: off`, detection poll every `polling.interval` = 1 s;
- **push**: every camera `push: on` with its `baichuan_port` (from the simulator's JSON line);
  while push is healthy the detection poll drops to `polling.settings_interval`.

Once every camera has published its state and a settle time has passed (`--settle` + 10 ms per
camera: settings reads, push logins and the poll after each), two windows:

1. **quiet** (`--seconds`, by default one `--settings-interval`): no events. The bridge
   process's CPU seconds per second and RSS (from /proc), the simulator's CPU and the HTTP
   requests it answered per second: what N cameras cost at rest.
2. **events** (`--event-seconds`): `/sim/devices/{id}/event` (motion on/off, alternating per
   camera) on random cameras at a steady `--rate` per second (a camera gets its next event only
   after the last one arrived); latency from just before the trigger's POST to the
   `<base>/<camera>` state message that shows it (paho in a thread, timestamped on arrival);
   more than 5 s = missed. "After the POST" leaves out the simulator's answer to the trigger
   (the push is sent before it answers): the bridge's and the broker's share, plus the push.

An empty bridge (no cameras, same settings) is measured once first: its CPU and RSS are
subtracted to give the cost *per camera*. Targets (issue 14): p99 ≤ 100 ms with push at every
size; push ≥ 5× cheaper per camera than polling at 1 s.

Each run waits for the bridge's first recordings index pass (60 s after its start), so the
default takes 10–15 minutes on an idle 2-core machine, more on a loaded one.

    .venv/bin/python bench/push.py          # 10 100 500 cameras, quiet 30 s, events 15 s
    .venv/bin/python bench/push.py --cameras 500 --event-seconds 30 --rate 20 --repeat 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from _measure import (  # noqa: E402
    TICK,
    cpu_seconds,
    load_average,
    percentile,
    rss_bytes,
    start_simulator,
    terminate,
)
from fixtures.mosquitto import MosquittoBroker  # noqa: E402
from fixtures.process import free_port  # noqa: E402

from bridge.domain.camera import Camera  # noqa: E402

MODES = ("poll", "push")
MISSED_AFTER = 5.0  # seconds without the state message: the event counts as missed
PASSWORD = "bench-camera-pw"
ADMIN = "bench-admin-pw"


@dataclass
class Run:
    """One bridge run (N cameras, one mode)."""

    cameras: int
    mode: str
    cpu_quiet: float = 0.0  # bridge CPU s per s, no events
    cpu_events: float = 0.0  # bridge CPU s per s, events at --rate
    rss: int = 0  # bridge RSS, bytes (largest sample over both windows)
    sim_cpu: float = 0.0  # simulator CPU s per s, quiet window
    sim_requests: float = 0.0  # HTTP requests/s the simulator answered, quiet window
    startup: float = 0.0  # s from the bridge's start to every camera's first state
    latencies: list[float] = field(default_factory=list)
    posts: list[float] = field(default_factory=list)  # s the trigger's POST itself took
    trace: list[tuple[float, str, float, float]] = field(default_factory=list)
    """Per event: (sent, camera, latency, POST) in s; `sent` from the events window's start."""
    missed: int = 0
    skipped: int = 0  # ticks with no camera free to fire on
    load: tuple[float, float] = (0.0, 0.0)  # 1-min load average at start and end
    pushed: tuple[int, int] = (0, 0)  # cameras with `event_source: push` at start and end
    index_seconds: float = math.nan  # the recordings indexer's first pass, waited for


class Subscriber:
    """paho in its own thread: every camera's state, and the arrival of expected ones."""

    def __init__(self, port: int, base: str, loop: asyncio.AbstractEventLoop) -> None:
        self.base = base
        self.loop = loop
        self.seen: set[str] = set()
        self.sources: dict[str, str] = {}  # camera → its state's `event_source` (push, polling)
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[bool, asyncio.Future[float]]] = {}
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(f"{base}/+", qos=0)
        self.client.loop_start()

    def expect(self, camera_id: str, motion: bool) -> asyncio.Future[float]:
        """A future of the arrival time of `camera_id`'s next state with `motion`."""
        future: asyncio.Future[float] = self.loop.create_future()
        with self._lock:
            self._pending[camera_id] = (motion, future)
        return future

    def forget(self, camera_id: str) -> None:
        with self._lock:
            self._pending.pop(camera_id, None)

    def _on_message(self, _client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        now = time.monotonic()
        camera_id = message.topic[len(self.base) + 1 :]
        try:
            payload = json.loads(message.payload)
        except ValueError:
            return
        if not isinstance(payload, dict) or "motion" not in payload:
            return
        with self._lock:
            self.seen.add(camera_id)
            if "event_source" in payload:
                self.sources[camera_id] = str(payload["event_source"])
            pending = self._pending.get(camera_id)
            if pending is None or bool(payload["motion"]) is not pending[0]:
                return
            del self._pending[camera_id]
        self.loop.call_soon_threadsafe(_resolve, pending[1], now)

    def pushed(self) -> int:
        """Cameras whose last state says their events are pushed."""
        with self._lock:
            return sum(1 for source in self.sources.values() if source == "push")

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def _resolve(future: asyncio.Future[float], at: float) -> None:
    if not future.done():
        future.set_result(at)


def camera_entry(index: int, device: dict[str, Any], mode: str) -> dict[str, Any]:
    entry = {
        "id": f"c{index}",
        "host": device["host"],
        "port": device["port"],
        "username": device["username"],
        "password": device["password"],
    }
    if mode == "push":
        entry |= {"push": "on", "baichuan_port": device["baichuan_port"]}
    elif "push" in Camera.model_fields:
        entry["push"] = "off"
    return entry


def start_bridge(
    workdir: Path,
    name: str,
    broker: MosquittoBroker,
    base: str,
    cameras: list[dict[str, Any]],
    settings_interval: float,
    health_check_interval: float,
) -> tuple[subprocess.Popen[str], int]:
    """The bridge in its own process; (process, its API port)."""
    config = workdir / f"{name}.yaml"
    port = free_port()
    config.write_text(
        json.dumps(
            {
                "data_dir": str(workdir / name),
                "log_level": "WARNING",
                "server": {"port": port},
                "auth": {"admin_password": ADMIN},
                "mqtt": {"url": broker.url, "base_topic": base, "discovery": "off"},
                "polling": {
                    "interval": 1.0,
                    "settings_interval": settings_interval,
                    "health_check_interval": health_check_interval,
                    "timeout": 5,
                },
                "events": {"snapshot_on_event": False},
                "cameras": cameras,
            }
        )
    )
    command = [sys.executable, "-m", "bridge", "run", "--config", str(config)]
    return subprocess.Popen(command, cwd=ROOT, text=True), port


async def wait_ready(bridge: subprocess.Popen[str], port: int, timeout: float) -> None:
    """Until the bridge's API answers `/ready` (started: store, bus, MQTT, cameras begun)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() < deadline:
            if bridge.poll() is not None:
                raise RuntimeError(f"the bridge exited with {bridge.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(f"http://127.0.0.1:{port}/api/v1/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the bridge was not ready within {timeout:.0f} s")


async def sample_window(
    seconds: float, bridge: int, sim: int | None, run: Run
) -> tuple[float, float]:
    """CPU s per s of the bridge and the simulator over `seconds`; RSS sampled into `run`."""
    b0, s0 = cpu_seconds(bridge), cpu_seconds(sim) if sim else 0.0
    t0 = time.monotonic()
    while (left := t0 + seconds - time.monotonic()) > 0:
        run.rss = max(run.rss, rss_bytes(bridge))
        await asyncio.sleep(min(0.5, left))
    run.rss = max(run.rss, rss_bytes(bridge))
    wall = time.monotonic() - t0
    sim_cpu = (cpu_seconds(sim) - s0) / wall if sim else 0.0
    return (cpu_seconds(bridge) - b0) / wall, sim_cpu


async def sim_requests(http: httpx.AsyncClient, devices: list[dict[str, Any]]) -> int:
    """HTTP requests the simulated devices have answered so far (all devices)."""
    semaphore = asyncio.Semaphore(20)

    async def one(device: dict[str, Any]) -> int:
        async with semaphore:
            return int((await http.get(f"{device['control_url']}/state")).json()["requests"])

    return sum(await asyncio.gather(*(one(d) for d in devices)))


async def fire_events(
    http: httpx.AsyncClient,
    sub: Subscriber,
    devices: list[dict[str, Any]],
    seconds: float,
    rate: float,
    run: Run,
) -> None:
    """Events on random free cameras at `rate` per second for `seconds`; latencies into `run`."""
    motion = [False] * len(devices)
    busy: set[int] = set()

    async def one(index: int) -> None:
        motion[index] = active = not motion[index]
        camera_id = f"c{index}"
        arrival = sub.expect(camera_id, active)
        sent = time.monotonic()
        try:
            answer = await http.post(
                f"{devices[index]['control_url']}/event", json={"type": "motion", "active": active}
            )
            answer.raise_for_status()
            posted = time.monotonic() - sent
            run.posts.append(posted)
            latency = await asyncio.wait_for(arrival, MISSED_AFTER) - sent
            run.latencies.append(latency)
            run.trace.append((sent - start, camera_id, latency, posted))
        except (TimeoutError, httpx.HTTPError):
            run.missed += 1
            sub.forget(camera_id)
        finally:
            busy.discard(index)

    tasks: list[asyncio.Task[None]] = []
    start = time.monotonic()
    for tick in range(int(seconds * rate)):
        await asyncio.sleep(max(0.0, start + tick / rate - time.monotonic()))
        free = [i for i in range(len(devices)) if i not in busy]
        if not free:
            run.skipped += 1
            continue
        index = random.choice(free)
        busy.add(index)
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.sleep(max(0.0, start + seconds - time.monotonic()))
    await asyncio.gather(*tasks)


async def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.2)


async def index_stats(http: httpx.AsyncClient, port: int) -> dict[str, float]:
    """The recordings indexer's `index_*` stats from the bridge's /metrics."""
    api = f"http://127.0.0.1:{port}/api/v1"
    if "Authorization" not in http.headers:
        login = await http.post(f"{api}/auth/login", json={"username": "admin", "password": ADMIN})
        http.headers["Authorization"] = f"Bearer {login.raise_for_status().json()['access_token']}"
    text = (await http.get(f"{api}/metrics")).raise_for_status().text
    found = re.findall(r'component="media",stat="(index_\w+)"} (\S+)', text)
    return {stat: float(value) for stat, value in found}


async def wait_index_pass(port: int, timeout: float) -> float:
    """Until the recordings indexer's first pass is over; how long that pass took (s)."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=10) as http:
        while (stats := await index_stats(http, port)).get("index_runs", 0) < 1:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no recordings index pass within {timeout:.0f} s")
            await asyncio.sleep(1.0)
    return stats.get("index_last_seconds", math.nan)


def py_spy(
    directory: Path | None, name: str, pid: int, seconds: float
) -> subprocess.Popen[str] | None:
    """`py-spy record` of `pid` for `seconds` into DIR/NAME.txt (collapsed stacks), if asked."""
    if directory is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    command = ["py-spy", "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", "50", "--format", "raw", "--output", str(directory / f"{name}.txt")]
    return subprocess.Popen(
        [str(Path(sys.executable).parent / command[0]), *command[1:]], text=True
    )


async def measure(
    n: int, mode: str, args: argparse.Namespace, broker: MosquittoBroker, workdir: Path
) -> Run:
    run = Run(n, mode)
    base = f"bench{secrets.token_hex(4)}"
    control = free_port()
    sim, devices = start_simulator(
        n, "--profile", "floodlight", "--control-port", str(control), "--password", PASSWORD
    )
    loop = asyncio.get_running_loop()
    sub = Subscriber(broker.port, base, loop)
    cameras = [camera_entry(i, d, mode) for i, d in enumerate(devices)]
    started = time.monotonic()
    name = f"{mode}-{n}-{base}"
    bridge, port = start_bridge(
        workdir, name, broker, base, cameras, args.settings_interval, args.health_check_interval
    )
    limits = httpx.Limits(max_connections=50)
    try:
        async with httpx.AsyncClient(timeout=10, limits=limits) as http:
            await wait_for(
                lambda: len(sub.seen) >= n or bridge.poll() is not None,
                60 + n * 0.5,
                f"{n} cameras' first state",
            )
            if bridge.poll() is not None:
                raise RuntimeError(f"the bridge exited with {bridge.returncode}")
            if mode == "push":
                await wait_for(lambda: sub.pushed() >= n, 60 + n * 0.5, "push on every camera")
            run.startup = time.monotonic() - started
            if args.wait_index:  # its first pass (60 s after the start) is not the steady state
                run.index_seconds = await wait_index_pass(port, 120 + n * 0.5)
            # the first settings reads, push logins and the poll after each
            await asyncio.sleep(args.settle + n * 0.01)
            run.load = (load_average()[0], 0.0)
            pushed = sub.pushed()
            requests0, t0 = await sim_requests(http, devices), time.monotonic()
            spy = py_spy(args.py_spy, f"{mode}-{n}", bridge.pid, args.seconds)
            run.cpu_quiet, run.sim_cpu = await sample_window(args.seconds, bridge.pid, sim.pid, run)
            if spy is not None:
                spy.wait(30)
            requests1, t1 = await sim_requests(http, devices), time.monotonic()
            run.sim_requests = (requests1 - requests0) / (t1 - t0)
            window = asyncio.create_task(sample_window(args.event_seconds, bridge.pid, None, run))
            await fire_events(http, sub, devices, args.event_seconds, args.rate, run)
            run.cpu_events, _ = await window
            run.load = (run.load[0], load_average()[0])
            run.pushed = (pushed, sub.pushed())
    finally:
        sub.stop()
        terminate(bridge)
        terminate(sim)
    return run


async def measure_empty(args: argparse.Namespace, broker: MosquittoBroker, workdir: Path) -> Run:
    """The bridge with no cameras: its fixed CPU and RSS, subtracted per camera."""
    run = Run(0, "empty")
    base = f"bench{secrets.token_hex(4)}"
    bridge, port = start_bridge(
        workdir, "empty", broker, base, [], args.settings_interval, args.health_check_interval
    )
    try:
        await wait_ready(bridge, port, 60)
        await asyncio.sleep(args.settle)
        run.cpu_quiet, _ = await sample_window(args.seconds, bridge.pid, None, run)
    finally:
        terminate(bridge)
    return run


def per_camera_ms(run: Run, empty: Run) -> float:
    """Bridge CPU ms per camera per second at rest, the empty bridge's subtracted."""
    return 1000 * (run.cpu_quiet - empty.cpu_quiet) / run.cameras


def per_camera_kb(run: Run, empty: Run) -> float:
    return (run.rss - empty.rss) / 1024 / run.cameras


def fmt(value: float, digits: int = 0) -> str:
    return "–" if math.isnan(value) else f"{value:,.{digits}f}"


def run_rows(runs: Sequence[Run], empty: Run) -> list[str]:
    rows = [
        "| cameras | mode | events | missed | p50 ms | p99 ms | max ms | p99 after the POST ms | "
        "bridge CPU, quiet | "
        "with events | ms CPU / camera / s | RSS MB | KB / camera | sim CPU | sim HTTP req/s | "
        "pushed | load 1 min |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        f"| 0 | empty bridge | | | | | | | {100 * empty.cpu_quiet:.1f} % | | | "
        f"{empty.rss / 1e6:.0f} | | | | | |",
    ]
    for r in runs:
        lat = [1000 * x for x in r.latencies]
        after = [1000 * (latency - posted) for _, _, latency, posted in r.trace]
        rows.append(
            f"| {r.cameras} | {r.mode} | {len(lat)} | {r.missed} | {fmt(percentile(lat, 0.5))} | "
            f"{fmt(percentile(lat, 0.99))} | {fmt(max(lat) if lat else float('nan'))} | "
            f"{fmt(percentile(after, 0.99))} | "
            f"{100 * r.cpu_quiet:.1f} % | {100 * r.cpu_events:.1f} % | "
            f"{per_camera_ms(r, empty):.3f} | {r.rss / 1e6:.0f} | {per_camera_kb(r, empty):.0f} | "
            f"{100 * r.sim_cpu:.1f} % | {r.sim_requests:,.1f} | {r.pushed[0]} → {r.pushed[1]} | "
            f"{r.load[0]:.1f} → {r.load[1]:.1f} |"
        )
    return rows


def summary(runs: Sequence[Run], empty: Run, args_seconds: float) -> list[str]:
    """Per size: medians over rounds, push's p99 against 100 ms, poll/push CPU per camera."""
    lines = [
        "| cameras | push p50 ms | push p99 ms (≤ 100) | poll p50 ms | poll p99 ms | "
        "push ms CPU/cam/s | poll ms CPU/cam/s | poll ÷ push per camera (≥ 5) | "
        "poll ÷ push, whole bridge | push KB/cam | poll KB/cam |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sorted({r.cameras for r in runs}):
        by_mode: dict[str, list[Run]] = {}
        for r in runs:
            if r.cameras == n:
                by_mode.setdefault(r.mode, []).append(r)

        def med(
            mode: str, f: Callable[[Run], float], rounds: dict[str, list[Run]] = by_mode
        ) -> float:
            values = [f(r) for r in rounds.get(mode, [])]
            return statistics.median(values) if values else math.nan

        def lat(mode: str, q: float) -> float:
            return med(mode, lambda run: percentile([1000 * x for x in run.latencies], q))

        push_cpu = med("push", lambda r: per_camera_ms(r, empty))
        poll_cpu = med("poll", lambda r: per_camera_ms(r, empty))
        # /proc counts CPU in ticks: each figure is ±1 tick over the window, the empty bridge's too
        floor = 1000 * 2 / TICK / args_seconds / n
        if push_cpu > floor:
            ratio = f"{poll_cpu / push_cpu:.1f}×"
        else:  # push's cost is within the counting resolution: the ratio is at least this
            ratio = f"≥ {poll_cpu / floor:.0f}× (push ≤ {floor:.3f})"
        push_whole = med("push", lambda r: r.cpu_quiet)
        whole = med("poll", lambda r: r.cpu_quiet) / push_whole if push_whole > 0 else math.nan
        lines.append(
            f"| {n} | {fmt(lat('push', 0.5))} | {fmt(lat('push', 0.99))} | "
            f"{fmt(lat('poll', 0.5))} | {fmt(lat('poll', 0.99))} | {fmt(push_cpu, 3)} | "
            f"{fmt(poll_cpu, 3)} | {ratio} | {fmt(whole, 1)}× | "
            f"{fmt(med('push', lambda r: per_camera_kb(r, empty)))} | "
            f"{fmt(med('poll', lambda r: per_camera_kb(r, empty)))} |"
        )
    return lines


async def amain(args: argparse.Namespace) -> None:
    if "push" in args.modes and "push" not in Camera.model_fields:
        raise SystemExit("this bridge has no `push` camera setting: push cannot be measured")
    print(
        f"push against polling at 1 s: quiet {args.seconds:g} s, events {args.event_seconds:g} s "
        f"at {args.rate:g}/s, settings every {args.settings_interval:g} s, "
        f"{args.repeat} round(s), {os.cpu_count()} cores, load average "
        + " ".join(f"{x:.1f}" for x in load_average()),
        flush=True,
    )
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp, MosquittoBroker(Path(tmp) / "broker") as broker:
        empty = await measure_empty(args, broker, Path(tmp))
        print(f"empty bridge: CPU {100 * empty.cpu_quiet:.1f} %, RSS {empty.rss / 1e6:.0f} MB")
        for _ in range(args.repeat):
            for n in args.cameras:
                for mode in args.modes:
                    try:
                        run = await measure(n, mode, args, broker, Path(tmp))
                    except RuntimeError as err:  # the others' figures still count
                        print(f"  {n:4d} {mode:4}: failed: {err}", flush=True)
                        continue
                    runs.append(run)
                    lat = [1000 * x for x in run.latencies]
                    print(
                        f"  {n:4d} {mode:4}: {len(lat)} events, {run.missed} missed, "
                        f"p50 {fmt(percentile(lat, 0.5))} ms, p99 {fmt(percentile(lat, 0.99))} ms;"
                        f" bridge CPU {100 * run.cpu_quiet:.1f} % quiet, "
                        f"{100 * run.cpu_events:.1f} % with events, RSS {run.rss / 1e6:.0f} MB; "
                        f"sim {100 * run.sim_cpu:.1f} %, {run.sim_requests:.1f} req/s; "
                        f"startup {run.startup:.1f} s; index pass {run.index_seconds:.1f} s; "
                        f"pushed {run.pushed[0]} → {run.pushed[1]}; "
                        f"trigger POST p50 {1000 * percentile(run.posts, 0.5):.0f} ms, "
                        f"p99 {1000 * percentile(run.posts, 0.99):.0f} ms",
                        flush=True,
                    )
    if args.trace is not None:
        with args.trace.open("w") as out:
            for r in runs:
                for sent, camera, latency, posted in r.trace:
                    line = {"cameras": r.cameras, "mode": r.mode, "sent": round(sent, 4)}
                    line |= {"camera": camera, "latency": round(latency, 4)}
                    out.write(json.dumps(line | {"post": round(posted, 4)}) + "\n")
    print()
    print("\n".join(run_rows(runs, empty)))
    print()
    print("\n".join(summary(runs, empty, args.seconds)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cameras", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="the quiet window (CPU, RSS); keep it a multiple of --settings-interval",
    )
    parser.add_argument(
        "--event-seconds", type=float, default=15.0, help="the window with events (latency)"
    )
    parser.add_argument(
        "--settings-interval",
        type=float,
        default=30.0,
        help="polling.settings_interval (the bridge's default 30 s): settings reads, and the "
        "detection poll while push is healthy",
    )
    parser.add_argument("--rate", type=float, default=10.0, help="events per second")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over sizes and modes")
    parser.add_argument(
        "--health-check-interval",
        type=float,
        default=30.0,
        help="polling.health_check_interval (default 30 s): the capability re-read, and half "
        "of it the Baichuan keepalive",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="profile the bridge in the quiet window with py-spy (collapsed stacks into DIR; "
        "py-spy's sampling costs CPU: not for the figures)",
    )
    parser.add_argument(
        "--wait-index",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure after the recordings indexer's first pass (60 s after the start, then "
        "every 15 min), not during it (default: wait)",
    )
    parser.add_argument(
        "--trace", type=Path, metavar="FILE", help="every event's timing as JSON lines"
    )
    parser.add_argument(
        "--settle", type=float, default=5.0, help="seconds after the first states before measuring"
    )
    args = parser.parse_args()
    asyncio.run(amain(args))


if __name__ == "__main__":
    main()
