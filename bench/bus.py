"""Messages per second and publish→handler latency through the buses, same run.

10,000 `EventRaised` messages (~400 bytes of JSON each) through:

- `InProcessBus`, one subscriber                      — the baseline
- `RedisStreamsBus`, one consumer kind (one group)     — the local Redis, a fresh key prefix
- `RedisStreamsBus`, three consumer kinds
- the same two with `ack_batch=50` (one XACK per 50 handled entries instead of one each)

Two ways to publish: a **burst** (all messages as fast as `publish()` goes, yielding to the loop
every 100 like a busy poller) gives the throughput, and its latency is mostly queueing; a
**paced** run (a steady rate, default 2,000 msg/s) gives the latency of a live system. The
handlers do nothing but record the time, so this is the cost of the bus itself. Publisher and
consumers share one process and one event loop, as in a single bridge instance.

    .venv/bin/python bench/bus.py [--messages 10000] [--rate 2000] [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402
from fixtures.redis import delete_prefix  # noqa: E402

from bridge.bus.inprocess import InProcessBus  # noqa: E402
from bridge.bus.messages import BusMessage, EventRaised  # noqa: E402
from bridge.bus.redis_streams import RedisStreamsBus  # noqa: E402
from bridge.domain.events import Event  # noqa: E402
from bridge.domain.values import EventPhase, EventType  # noqa: E402

BusFactory = Callable[[], InProcessBus | RedisStreamsBus]


def make_events(count: int) -> list[EventRaised]:
    return [
        EventRaised(
            Event(
                type=EventType.PERSON,
                phase=EventPhase.START,
                camera_id=f"cam{i % 50:02d}",
                camera_name=f"Camera {i % 50}",
                channel=0,
                data={"seq": i, "score": 0.93, "zone": "driveway"},
            )
        )
        for i in range(count)
    ]


@dataclass
class Result:
    name: str
    mode: str
    messages: int
    kinds: int
    seconds: float
    publish_us: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def run(
    name: str, make: BusFactory, events: list[EventRaised], kinds: int, rate: float | None
) -> Result:
    bus = make()
    sent: dict[str, float] = {}
    latencies: list[float] = []
    remaining = len(events) * kinds
    done = asyncio.Event()

    def handler() -> Callable[[BusMessage], object]:
        async def handle(message: BusMessage) -> None:
            nonlocal remaining
            assert isinstance(message, EventRaised)
            latencies.append(time.perf_counter() - sent[message.event.event_id])
            remaining -= 1
            if remaining == 0:
                done.set()

        return handle

    subs = [bus.subscribe(f"kind{k}", handler()) for k in range(kinds)]  # type: ignore[arg-type]
    for sub in subs:
        wait_ready = getattr(sub, "wait_ready", None)
        if wait_ready is not None:
            await wait_ready()
    publish_time = 0.0
    start = time.perf_counter()
    for index, message in enumerate(events):
        if rate is not None:
            delay = start + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        before = time.perf_counter()
        sent[message.event.event_id] = before
        bus.publish(message)
        publish_time += time.perf_counter() - before
        if rate is None and index % 100 == 99:
            await asyncio.sleep(0)
    await asyncio.wait_for(done.wait(), 300)
    elapsed = time.perf_counter() - start
    await bus.aclose()
    return Result(
        name,
        "burst" if rate is None else f"paced {rate:.0f}/s",
        len(events),
        kinds,
        elapsed,
        publish_time / len(events) * 1e6,
        latencies,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    events = make_events(args.messages)
    prefix = f"bench-{secrets.token_hex(4)}"
    server = redis.Redis.from_url(args.redis)
    redis_version = server.info()["redis_version"]
    server.close()

    def redis_bus(ack_batch: int = 1) -> BusFactory:
        def make() -> RedisStreamsBus:
            maxlen = max(100_000, args.messages)
            return RedisStreamsBus(args.redis, prefix, maxlen=maxlen, ack_batch=ack_batch)

        return make

    variants: list[tuple[str, BusFactory, int]] = [
        ("InProcessBus (baseline)", InProcessBus, 1),
        ("RedisStreamsBus, 1 kind", redis_bus(), 1),
        ("RedisStreamsBus, 3 kinds", redis_bus(), 3),
        ("RedisStreamsBus, 1 kind, ack_batch=50", redis_bus(50), 1),
        ("RedisStreamsBus, 3 kinds, ack_batch=50", redis_bus(50), 3),
    ]
    results: list[Result] = []
    try:
        for rate in (None, args.rate):
            for name, make, kinds in variants:
                results.append(await run(name, make, events, kinds, rate))
                delete_prefix(args.redis, prefix)
    finally:
        delete_prefix(args.redis, prefix)

    print(
        f"{args.messages} EventRaised; Python {platform.python_version()}, Redis {redis_version}"
        f" on loopback, redis-py {redis.__version__}"
    )
    print()
    print("| bus | publishing | msg/s | deliveries/s | publish() µs | p50 ms | p99 ms |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r.name} | {r.mode} | {r.rate:,.0f} | {r.rate * r.kinds:,.0f} | "
            f"{r.publish_us:.1f} | {r.percentile(0.5):.2f} | {r.percentile(0.99):.2f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
