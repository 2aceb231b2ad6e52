"""Messages per second through `MqttConnection.publish()` at QoS 1, against baselines, same run.

Starts a throwaway Mosquitto on a free port (tests/fixtures/mosquitto.py), then publishes N
non-retained ~100-byte JSON events at QoS 1 and times until every PUBACK is in:

- paho-mqtt (threaded network loop, its default 20 in flight)  — the raw client underneath
- aiomqtt, one `await publish()` at a time                      — the naive async way
- aiomqtt, K concurrent `publish()` calls                       — async without an outbox
- MqttConnection.publish() + flush(), with 1..64 in flight      — ours

    .venv/bin/python bench/mqtt_publish.py [--messages 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import aiomqtt  # noqa: E402
import paho.mqtt.client as paho  # noqa: E402
from fixtures.mosquitto import MosquittoBroker  # noqa: E402

from bridge.config import MqttSettings  # noqa: E402
from bridge.mqtt.connection import MqttConnection  # noqa: E402

PAYLOAD = json.dumps(
    {"event_id": "0190c8a2-7d4e-7c3b-9f1a-5b2e8d4c6a10", "type": "person", "phase": "start"}
).encode()


def topic(i: int) -> str:
    return f"bench/cam{i % 20}/event"


def paho_threaded(broker: MosquittoBroker, n: int) -> float:
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id="bench-paho")
    acked = threading.Event()
    count = 0

    def on_publish(*_: object) -> None:
        nonlocal count
        count += 1
        if count == n:
            acked.set()

    client.on_publish = on_publish
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        started = time.perf_counter()
        for i in range(n):
            client.publish(topic(i), PAYLOAD, qos=1)
        if not acked.wait(120):
            raise TimeoutError("paho: not every PUBACK arrived")
        return time.perf_counter() - started
    finally:
        client.disconnect()
        client.loop_stop()


async def aiomqtt_sequential(broker: MosquittoBroker, n: int) -> float:
    async with aiomqtt.Client(broker.host, broker.port) as client:
        started = time.perf_counter()
        for i in range(n):
            await client.publish(topic(i), PAYLOAD, qos=1)
        return time.perf_counter() - started


async def aiomqtt_concurrent(broker: MosquittoBroker, n: int, window: int) -> float:
    async with aiomqtt.Client(broker.host, broker.port, max_inflight_messages=window) as client:
        client.pending_calls_threshold = window + 10
        queue = iter(range(n))

        async def worker() -> None:
            for i in queue:
                await client.publish(topic(i), PAYLOAD, qos=1)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(window)))
        return time.perf_counter() - started


async def ours(broker: MosquittoBroker, n: int, window: int) -> tuple[float, float]:
    settings = MqttSettings(url=broker.url, base_topic="bench", max_buffered_messages=n)
    async with MqttConnection(settings, max_inflight=window) as connection:
        await connection.wait_connected()
        started = time.perf_counter()
        for i in range(n):
            connection.publish(topic(i), PAYLOAD)
        enqueued = time.perf_counter() - started
        await connection.flush()
        total = time.perf_counter() - started
        assert connection.published_messages == n, connection.stats()
        return total, enqueued


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.messages

    with tempfile.TemporaryDirectory() as tmp, MosquittoBroker(Path(tmp)) as broker:
        runs: dict[str, Callable[[], Awaitable[float]]] = {
            "paho-mqtt, threaded loop (20 in flight)": lambda: asyncio.to_thread(
                paho_threaded, broker, n
            ),
            "aiomqtt, await publish() one at a time": lambda: aiomqtt_sequential(broker, n),
            "aiomqtt, 16 concurrent publish()": lambda: aiomqtt_concurrent(broker, n, 16),
        }
        enqueue: dict[str, list[float]] = {}
        for window in (1, 4, 16, 64):
            name = f"MqttConnection, max_inflight={window}"
            enqueue[name] = []

            async def run(window: int = window, costs: list[float] = enqueue[name]) -> float:
                total, enqueued = await ours(broker, n, window)
                costs.append(enqueued / n)
                return total

            runs[name] = run

        # Rounds interleave the variants, so a noisy neighbour hits them all alike.
        rates: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, run in runs.items():
                rates[name].append(n / await run())

        print(
            f"QoS 1, {n} messages of {len(PAYLOAD)} bytes to {broker.url}, median of {args.repeat}"
        )
        print(f"{'variant':<42} {'msg/s':>9} {'vs 1-at-a-time':>15} {'publish() µs':>13}")
        base = statistics.median(rates["aiomqtt, await publish() one at a time"])
        for name, values in rates.items():
            rate = statistics.median(values)
            cost = f"{statistics.median(enqueue[name]) * 1e6:.1f}" if name in enqueue else "-"
            print(f"{name:<42} {rate:>9,.0f} {rate / base:>14.2f}x {cost:>13}")
            print(f"{'':<42} runs: {', '.join(f'{v:,.0f}' for v in values)}")


if __name__ == "__main__":
    asyncio.run(main())
