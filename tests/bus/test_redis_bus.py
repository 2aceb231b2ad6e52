"""What only the Redis Streams bus does: consumer groups shared across processes, redelivery,
poison, a consumer killed mid-stream, Redis going away, the stream's bound, large messages."""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from test_bus_contract import FAST, Collector, event, number, ready, wait_for
from test_codec import GENERATORS, MESSAGE_TYPES

from bridge.bus.messages import BusMessage, EventRaised, SnapshotTaken
from bridge.bus.redis_streams import RedisStreamsBus

ROOT = Path(__file__).resolve().parents[2]
CONSUMER = Path(__file__).with_name("consumer_proc.py")

BusMaker = Callable[..., RedisStreamsBus]


@pytest.fixture
async def make_bus(redis_url: str, redis_prefix: str) -> AsyncIterator[BusMaker]:
    """`make(url=None, **options)`: a RedisStreamsBus under this test's prefix, fast tunables."""
    buses: list[RedisStreamsBus] = []

    def make(url: str | None = None, **options: Any) -> RedisStreamsBus:
        bus = RedisStreamsBus(url or redis_url, redis_prefix, **{**FAST, **options})
        buses.append(bus)
        return bus

    yield make
    for bus in buses:
        await bus.aclose()


@pytest.fixture
def client(redis_url: str) -> collections.abc.Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def event_ids(numbers: range) -> list[str]:
    return [f"e{n:06d}" for n in numbers]


# -- a consumer process killed in the middle of the stream ----------------------------------


async def test_killed_consumer_loses_nothing_and_writes_nothing_twice(
    redis_url: str, redis_prefix: str, tmp_path: Path, make_bus: BusMaker, client: redis.Redis
) -> None:
    """SIGKILL a `store` consumer process mid-stream; a new consumer reclaims its pending
    entries. Every message is handled; only the one in flight at the kill can be handled
    twice; the idempotent sink (SQLite, keyed by event id) holds each exactly once."""
    total = 200
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CONSUMER),
        redis_url,
        redis_prefix,
        str(tmp_path),
        "0.003",
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        assert line.strip() == b"ready"
        publisher = make_bus()
        for n in range(total):
            publisher.publish(event(n))
        await asyncio.wait_for(publisher.drain(), 10)
        killed_log = tmp_path / f"handled-{process.pid}.txt"

        def killed_handled() -> list[str]:
            return killed_log.read_text().split() if killed_log.exists() else []

        await wait_for(lambda: len(killed_handled()) >= 40)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    before = killed_handled()
    assert 40 <= len(before) < total
    pending = client.xpending(f"{redis_prefix}:bus", "store")
    assert pending["pending"] > 0  # the dead consumer holds what it read but did not ack

    sink = sqlite3.connect(tmp_path / "sink.db", isolation_level=None, timeout=10)
    after: list[str] = []

    async def store(message: BusMessage) -> None:
        assert isinstance(message, EventRaised)
        sink.execute(
            "INSERT INTO handled (event_id) VALUES (?) ON CONFLICT DO NOTHING",
            (message.event.event_id,),
        )
        after.append(message.event.event_id)

    successor = make_bus(claim_idle=0.3)
    successor.subscribe("store", store)
    everything = set(event_ids(range(total)))
    await wait_for(lambda: set(before) | set(after) >= everything, timeout=15)
    await asyncio.wait_for(successor.drain(), 10)

    assert len(before) == len(set(before))
    assert len(after) == len(set(after))
    twice = set(before) & set(after)
    assert twice <= {before[-1]}, "only the message in flight at the kill may be handled twice"
    assert successor.stats()["store"]["reclaimed"] >= 1
    rows = sink.execute("SELECT event_id, COUNT(*) FROM handled GROUP BY event_id").fetchall()
    assert len(rows) == total
    assert {event_id for event_id, _ in rows} == everything
    assert all(count == 1 for _, count in rows)
    assert client.xpending(f"{redis_prefix}:bus", "store")["pending"] == 0
    sink.close()


# -- redelivery and poison ---------------------------------------------------------------------


async def test_failed_entry_is_retried_then_poisoned(
    make_bus: BusMaker, redis_prefix: str, client: redis.Redis
) -> None:
    bus = make_bus(claim_idle=0.2, max_deliveries=3)
    attempts: collections.Counter[int] = collections.Counter()
    handled: list[int] = []

    async def handler(message: BusMessage) -> None:
        n = number(message)
        attempts[n] += 1
        if n == 3 or (n == 4 and attempts[n] < 3):
            raise RuntimeError(f"cannot handle {n}")
        handled.append(n)

    sub = bus.subscribe("store", handler)
    for n in range(6):
        bus.publish(event(n))
    await wait_for(lambda: bus.stats()["store"]["poisoned"] == 1)
    assert attempts[3] == 3  # never a fourth time
    assert attempts[4] == 3
    assert sorted(handled) == [0, 1, 2, 4, 5]
    assert handled[:3] == [0, 1, 2]
    stats = sub.stats()
    assert stats["failures"] == 5  # 3 x entry 3, 2 x entry 4
    assert stats["reclaimed"] >= 4
    dead = client.xrange(f"{redis_prefix}:bus:dead")
    assert len(dead) == 1
    fields = dead[0][1]
    assert fields[b"group"] == b"store"
    assert b"delivered 4 times" in fields[b"reason"]
    assert b'"e000003"' in fields[b"m"]
    await asyncio.wait_for(bus.drain(), 5)
    assert client.xpending(f"{redis_prefix}:bus", "store")["pending"] == 0


async def test_batched_acknowledgements(
    make_bus: BusMaker, redis_prefix: str, client: redis.Redis
) -> None:
    bus = make_bus(ack_batch=10)
    got = Collector()
    await bus.subscribe("store", got).wait_ready()
    for n in range(25):
        bus.publish(event(n))
    await asyncio.wait_for(bus.drain(), 5)
    assert got.numbers == list(range(25))
    assert client.xpending(f"{redis_prefix}:bus", "store")["pending"] == 0


async def test_garbage_entry_is_poison_at_once(
    make_bus: BusMaker, redis_prefix: str, client: redis.Redis
) -> None:
    bus = make_bus()
    got = Collector()
    sub = bus.subscribe("store", got)
    await sub.wait_ready()
    client.xadd(f"{redis_prefix}:bus", {"m": b"not json"})
    client.xadd(f"{redis_prefix}:bus", {"other": b"field"})
    bus.publish(event(1))
    await wait_for(lambda: got.numbers == [1])
    await wait_for(lambda: sub.stats()["poisoned"] == 2)
    assert sub.stats()["failures"] == 0
    assert client.xlen(f"{redis_prefix}:bus:dead") == 2


# -- groups: kinds and processes -----------------------------------------------------------------


async def test_processes_of_one_kind_share_the_work(make_bus: BusMaker) -> None:
    publisher = make_bus()
    workers = [make_bus(batch=5, consumer_name=f"worker-{i}") for i in range(2)]
    collectors = [Collector(delay=0.002) for _ in workers]
    subs = [bus.subscribe("store", c) for bus, c in zip(workers, collectors, strict=True)]
    for sub in subs:
        await sub.wait_ready()
    for n in range(200):
        publisher.publish(event(n))
    await wait_for(lambda: sum(len(c.numbers) for c in collectors) >= 200)
    await asyncio.sleep(0.2)
    both = collectors[0].numbers + collectors[1].numbers
    assert sorted(both) == list(range(200))  # each once, by one of them
    assert all(c.numbers for c in collectors)
    for c in collectors:
        assert c.numbers == sorted(c.numbers)


async def test_store_kind_replays_what_was_published_before_it_first_subscribed(
    make_bus: BusMaker,
) -> None:
    publisher = make_bus()
    for n in range(5):
        publisher.publish(event(n))
    await publisher.drain()
    store, mqtt = Collector(), Collector()
    consumer = make_bus()
    subs = [consumer.subscribe("store", store), consumer.subscribe("mqtt", mqtt)]
    for sub in subs:
        await sub.wait_ready()
    publisher.publish(event(5))
    await wait_for(lambda: len(store.numbers) == 6 and len(mqtt.numbers) == 1)
    assert store.numbers == list(range(6))  # replay kind: from the stream's start
    assert mqtt.numbers == [5]  # others: only what comes after they subscribed


async def test_broadcast_kind_reaches_every_process(make_bus: BusMaker) -> None:
    publisher = make_bus()
    publisher.publish(event(0))  # before anyone listens: nobody gets it
    await publisher.drain()
    listeners = [make_bus(broadcast={"ws"}) for _ in range(3)]
    collectors = [Collector() for _ in listeners]
    for bus, collector in zip(listeners, collectors, strict=True):
        await bus.subscribe("ws", collector).wait_ready()
    for n in range(1, 51):
        publisher.publish(event(n))
    await wait_for(lambda: all(len(c.numbers) == 50 for c in collectors))
    for collector in collectors:
        assert collector.numbers == list(range(1, 51))
    for bus in listeners:
        await asyncio.wait_for(bus.drain(), 5)


async def test_closing_hands_unhandled_entries_back(make_bus: BusMaker) -> None:
    """A process that stops mid-batch finishes the message in hand and releases the rest,
    which another consumer of the kind takes at once instead of after `claim_idle`."""
    publisher = make_bus()
    first = make_bus(claim_idle=3.0, batch=20, consumer_name="first")
    slow = Collector(delay=0.1)
    sub = first.subscribe("store", slow)
    await sub.wait_ready()
    for n in range(10):
        publisher.publish(event(n))
    await wait_for(lambda: len(slow.numbers) >= 1)
    sub.close()
    await sub.wait_closed(2.0)
    handled_first = list(slow.numbers)
    assert 1 <= len(handled_first) < 10
    second = make_bus(claim_idle=3.0, consumer_name="second")
    fast = Collector()
    started = time.monotonic()
    second.subscribe("store", fast)
    await wait_for(lambda: len(handled_first) + len(fast.numbers) >= 10, timeout=2.5)
    assert time.monotonic() - started < 1.5  # not claim_idle (3 s)
    assert sorted(handled_first + fast.numbers) == list(range(10))


async def test_a_slow_live_consumer_is_not_robbed(make_bus: BusMaker) -> None:
    """A handler slower than `claim_idle`: its entries are re-claimed while it works, so a
    second consumer of the kind never takes them: each message is handled once."""
    publisher = make_bus()
    slow_bus = make_bus(claim_idle=0.3, batch=10, consumer_name="slow")
    other_bus = make_bus(claim_idle=0.3, batch=10, consumer_name="other")
    slow, other = Collector(delay=0.4), Collector()
    for n in range(3):
        publisher.publish(event(n))
    await publisher.drain()
    sub = slow_bus.subscribe("store", slow)  # a replay kind: reads all three in one batch
    await wait_for(lambda: sub.stats()["queued"] == 3)
    await other_bus.subscribe("store", other).wait_ready()
    await wait_for(lambda: len(slow.numbers) + len(other.numbers) >= 3, timeout=5)
    await asyncio.sleep(0.5)
    assert slow.numbers == [0, 1, 2]
    assert other.numbers == []


async def test_dead_consumers_are_forgotten(
    make_bus: BusMaker, redis_prefix: str, client: redis.Redis
) -> None:
    bus = make_bus(consumer_expiry=0.3, consumer_name="alive")
    got = Collector()
    sub = bus.subscribe("store", got)
    await sub.wait_ready()
    bus.publish(event(1))  # Redis creates a consumer when it first delivers to it
    await wait_for(lambda: got.numbers == [1])
    client.xgroup_createconsumer(f"{redis_prefix}:bus", "store", "ghost")

    def names() -> set[bytes]:
        return {c["name"] for c in client.xinfo_consumers(f"{redis_prefix}:bus", "store")}

    assert b"ghost" in names()
    await wait_for(lambda: b"ghost" not in names(), timeout=5)
    assert b"alive" in names()


# -- bounds and large messages ----------------------------------------------------------------


async def test_stream_length_stays_bounded(
    make_bus: BusMaker, redis_prefix: str, client: redis.Redis
) -> None:
    bus = make_bus(maxlen=500)
    slow = Collector(delay=0.01)
    await bus.subscribe("store", slow).wait_ready()
    for n in range(5000):
        bus.publish(event(n))
        if n % 250 == 0:
            await asyncio.sleep(0)
            assert client.xlen(f"{redis_prefix}:bus") <= 600  # MAXLEN ~: whole nodes of 100
    await wait_for(lambda: bus.outbox_stats()["sent"] == 5000)
    assert 500 <= client.xlen(f"{redis_prefix}:bus") <= 600
    assert bus.outbox_stats()["dropped"] == 0


async def test_large_messages_travel_beside_the_stream(
    make_bus: BusMaker, redis_prefix: str, client: redis.Redis
) -> None:
    bus = make_bus(inline_limit=1000, blob_ttl=0.5)
    got: list[BusMessage] = []

    async def handler(message: BusMessage) -> None:
        got.append(message)

    sub = bus.subscribe("mqtt", handler)
    await sub.wait_ready()
    big = SnapshotTaken("front", os.urandom(5000), "e1")
    small = SnapshotTaken("front", b"tiny", None)
    bus.publish(big)
    bus.publish(small)
    await asyncio.wait_for(bus.drain(), 5)
    assert got == [big, small]
    entries = client.xrange(f"{redis_prefix}:bus")
    assert set(entries[0][1]) == {b"b"}
    assert set(entries[1][1]) == {b"m"}
    assert 0 < client.pttl(entries[0][1][b"b"]) <= 500

    sub.close()  # the group stays; its entries wait for the next subscriber
    bus.publish(big)
    await bus.drain()
    await asyncio.sleep(0.7)  # the body expires before anyone reads it
    late = bus.subscribe("mqtt", handler)
    await wait_for(lambda: late.stats()["expired"] == 1)
    assert got == [big, small]


# -- every message type, through a real Redis ---------------------------------------------------


async def test_every_message_type_round_trips_through_redis(make_bus: BusMaker) -> None:
    """One message of each type of the `BusMessage` union (the list from the union itself),
    published by one bus and read back by another process's bus: equal to what was sent."""
    sent = [GENERATORS[kind](random.Random(kind.__name__)) for kind in MESSAGE_TYPES]
    received: list[BusMessage] = []

    async def collect(message: BusMessage) -> None:
        received.append(message)

    reader = make_bus()
    subscription = reader.subscribe("mqtt", collect)
    await ready(subscription)
    writer = make_bus()
    for message in sent:
        writer.publish(message)
    await wait_for(lambda: len(received) >= len(sent))
    assert [type(m) for m in received] == list(MESSAGE_TYPES)
    assert received == sent
    assert writer.outbox_stats()["unencodable"] == 0
