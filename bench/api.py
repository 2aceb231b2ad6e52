"""The API: requests/s and latency of the hot reads, and WebSocket fan-out latency.

The bridge runs in this process as in production (`Bridge` with the API inside, MQTT off, no
cameras; 20 camera states in the cache), on a SQLite file holding `--rows` events (bench/store.py's
generator: 20 cameras × 9 types over 90 days). The load comes from a separate process (raw
HTTP/1.1 keep-alive connections, one request in flight each), so the client's CPU is not the
server's. Same machine, same run:

- baseline: a bare FastAPI app (no middleware, no auth) answering a constant, served the same way
- `GET /api/v1/cameras/{id}/state` with an API token (the cached token check, metrics, body limit)
- `GET /api/v1/events?limit=50` over the events: newest page, and one camera + type + 7 days
- WebSocket fan-out: N clients (in one other process) each get every event; latency from the
  bus publish to each client's receipt (wall clock, same machine)

    .venv/bin/python bench/api.py [--rows 1000000] [--seconds 5] [--connections 16]
                                  [--clients 100,500,1000] [--events 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


# ---------------------------------------------------------------------------------------------
# The load process: raw keep-alive HTTP/1.1
# ---------------------------------------------------------------------------------------------


async def _http_load(url: str, token: str, connections: int, seconds: float) -> dict[str, Any]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        + (f"Authorization: Bearer {token}\r\n" if token else "")
        + "\r\n"
    ).encode()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                if not head.startswith(b"HTTP/1.1 200"):
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": pct(latencies, 0.5),
        "p99": pct(latencies, 0.99),
        "errors": errors,
    }


async def _ws_clients(url: str, count: int, events: int, timeout: float) -> dict[str, Any]:
    import websockets

    gate = asyncio.Semaphore(100)

    async def connect() -> Any:
        async with gate:
            return await websockets.connect(url, max_queue=None, ping_interval=None)

    sockets = await asyncio.gather(*(connect() for _ in range(count)))
    lags: list[float] = []
    per_client = [0] * count

    async def read(index: int, ws: Any) -> None:
        async for text in ws:
            now = time.time()
            frame = json.loads(text)
            data = frame["payload"].get("data") if isinstance(frame["payload"], dict) else None
            if frame["topic"].endswith("/event") and data and "sent" in data:
                lags.append(now - data["sent"])
                per_client[index] += 1
                if per_client[index] == events:
                    return

    print("ready", flush=True)
    try:
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(read(i, ws) for i, ws in enumerate(sockets)))
    except TimeoutError:
        pass
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return {
        "clients": count,
        "deliveries": len(lags),
        "expected": count * events,
        "p50": pct(lags, 0.5) if lags else None,
        "p99": pct(lags, 0.99) if lags else None,
        "max": max(lags) * 1000 if lags else None,
    }


# ---------------------------------------------------------------------------------------------
# The server side
# ---------------------------------------------------------------------------------------------


def _load(url: str, token: str, connections: int, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--_load", url, token, str(connections), str(seconds)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _fanout(bridge: Any, url: str, clients: int, events: int) -> dict[str, Any]:
    from bridge.bus.messages import EventRaised
    from bridge.domain.events import Event
    from bridge.domain.values import EventPhase, EventType

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--_ws",
        url,
        str(clients),
        str(events),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    async with asyncio.timeout(120):
        while (await process.stdout.readline()).strip() != b"ready":
            pass
    await asyncio.sleep(1.0 + clients / 500)  # every client past its retained frames
    for seq in range(events):
        event = Event(
            type=EventType.MOTION,
            phase=EventPhase.INSTANT,
            camera_id="cam00",
            data={"seq": seq, "sent": time.time()},
        )
        bridge.bus.publish(EventRaised(event))
        await asyncio.sleep(0.1)
    output, _ = await process.communicate()
    result: dict[str, Any] = json.loads(output.decode().strip().splitlines()[-1])
    return result


async def main(args: argparse.Namespace) -> None:
    import uvicorn  # noqa: F401  (fail early when the API's dependencies are missing)
    from fastapi import FastAPI
    from store import load_sqlite

    from bridge.api.security import create_api_token
    from bridge.api.server import serve
    from bridge.app import Bridge
    from bridge.config import load_settings
    from bridge.domain.state import CameraState

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        settings = load_settings(
            data_dir=data_dir,
            mqtt={"enabled": False},
            server={"port": 0, "live_queue_size": 10_000},
            auth={"admin_password": "bench-admin", "jwt_secret": "bench-secret-" + "x" * 32},
        )
        now = datetime.now(UTC)
        if args.rows:
            from bridge.storage.sqlite import SqliteStore

            store = SqliteStore(data_dir / "reolink.db")
            await store.open()
            await store.close()
            took = await asyncio.to_thread(load_sqlite, data_dir / "reolink.db", args.rows, now)
            print(f"loaded {args.rows:,} events into SQLite in {took:.1f} s", flush=True)
        async with Bridge(settings) as bridge:
            assert bridge.api is not None
            for n in range(20):
                await bridge.cache.set_state(CameraState(camera_id=f"cam{n:02d}", online=True))
            token = (await create_api_token(bridge.store, "bench", "admin")).secret
            bare = FastAPI()

            @bare.get("/const")
            async def const() -> dict[str, bool]:
                return {"ok": True}

            baseline = await serve(bare, "127.0.0.1", 0)
            api = bridge.api.url + "/api/v1"
            window = {
                "camera_id": "cam03",
                "type": "person",
                "since": (now - timedelta(days=30)).isoformat(),
                "until": (now - timedelta(days=23)).isoformat(),
                "limit": 50,
            }
            targets = [
                ("bare FastAPI, constant (baseline)", baseline.url + "/const", ""),
                ("GET /cameras/{id}/state", api + "/cameras/cam07/state", token),
                ("GET /events?limit=50 (newest page)", api + "/events?limit=50", token),
                (
                    "GET /events (camera, type, 7 days, 50)",
                    api + "/events?" + urlencode(window),
                    token,
                ),
            ]
            print(
                f"\nHTTP, {args.connections} keep-alive connections, {args.seconds:g} s each, "
                f"{args.rows:,} events:\n"
            )
            print("| endpoint | requests/s | p50 ms | p99 ms | vs baseline |")
            print("|---|---:|---:|---:|---:|")
            base_rps = 0.0
            for label, url, auth in targets:
                await asyncio.to_thread(_load, url, auth, args.connections, 1.0)  # warm up
                result = await asyncio.to_thread(_load, url, auth, args.connections, args.seconds)
                base_rps = base_rps or result["rps"]
                assert result["errors"] == 0, (label, result)
                print(
                    f"| {label} | {result['rps']:,.0f} | {result['p50']:.2f} | "
                    f"{result['p99']:.2f} | {result['rps'] / base_rps:.2f}× |",
                    flush=True,
                )
            await baseline.stop()
            ws_url = bridge.api.url.replace("http", "ws", 1) + f"/api/v1/ws/events?token={token}"
            print(f"\nWebSocket fan-out, {args.events} events 100 ms apart, publish → receipt:\n")
            print("| clients | delivered | p50 ms | p99 ms | max ms |\n|---:|---:|---:|---:|---:|")
            for clients in args.clients:
                result = await _fanout(bridge, ws_url, clients, args.events)
                print(
                    f"| {clients} | {result['deliveries']}/{result['expected']} | "
                    f"{result['p50']:.1f} | {result['p99']:.1f} | {result['max']:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--_load":
        url, token, conns, secs = sys.argv[2:6]
        print(json.dumps(asyncio.run(_http_load(url, token, int(conns), float(secs)))))
    elif len(sys.argv) > 1 and sys.argv[1] == "--_ws":
        url, count, events = sys.argv[2:5]
        print(json.dumps(asyncio.run(_ws_clients(url, int(count), int(events), 60.0))))
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
        parser.add_argument("--rows", type=int, default=1_000_000)
        parser.add_argument("--seconds", type=float, default=5.0)
        parser.add_argument("--connections", type=int, default=16)
        parser.add_argument(
            "--clients", type=lambda s: [int(x) for x in s.split(",")], default=[100, 500, 1000]
        )
        parser.add_argument("--events", type=int, default=20)
        asyncio.run(main(parser.parse_args()))
