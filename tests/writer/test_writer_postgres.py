"""The database goes away: a throwaway PostgreSQL stopped while events keep coming.

Acceptance (issue 4): the bridge keeps running, the writer spools, and after the restart every
event is in the table exactly once, in order. No mocks: a real server is stopped and started.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fixtures.postgres import PgServer
from writer_helpers import (
    FAST_RETRY,
    SpyStore,
    all_events,
    assert_rows,
    dropped,
    fed_order,
    script,
)

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import EventRaised
from bridge.storage.postgres import PostgresStore
from bridge.storage.spool import Spool
from bridge.storage.writer import EventWriter

CHILD = Path(__file__).with_name("writer_child.py")


@pytest.fixture
async def pg_store(pg_server: PgServer) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(pg_server.create_database("events"), pool_size=2)
    await store.open()
    yield store
    await store.close()


class Feeder:
    """Publishes a script at a steady pace and measures how long each publish takes."""

    def __init__(self, bus: InProcessBus, events: list[object]) -> None:
        self.bus = bus
        self.events = events
        self.fed = 0
        self.slowest = 0.0

    async def feed(self, until: int, per_tick: int = 20) -> None:
        while self.fed < until:
            for event in self.events[self.fed : min(until, self.fed + per_tick)]:
                started = time.perf_counter()
                self.bus.publish(EventRaised(event))  # type: ignore[arg-type]
                self.slowest = max(self.slowest, time.perf_counter() - started)
                self.fed += 1
            await asyncio.sleep(0.001)


async def test_postgres_stopped_mid_stream_every_event_once_in_order(
    pg_server: PgServer, pg_store: PostgresStore, bus: InProcessBus, spool_path: Path
) -> None:
    spy = SpyStore(pg_store)
    writer = EventWriter(
        spy, bus, Spool(spool_path).open(), batch_size=200, max_delay=0.02, **FAST_RETRY
    )
    await writer.start()
    feed = script(4000, cameras=("front_door", "garage", "nvr_ch1"))
    feeder = Feeder(bus, feed.fed)  # type: ignore[arg-type]

    await feeder.feed(1200)
    await pg_server.astop()  # the database goes away mid-stream
    await feeder.feed(2800)  # ... and events keep coming
    await bus.drain()
    async with asyncio.timeout(5):
        while writer.spooled < 1:
            await asyncio.sleep(0.01)
    assert writer.state in ("spooling", "replaying")
    spooled_while_down = writer.spool.pending
    assert spooled_while_down > 0
    await pg_server.astart()
    await feeder.feed(4000)
    await bus.drain()
    async with asyncio.timeout(20):
        await writer.flush()

    assert feeder.slowest < 0.05  # the feeder never waited on the database
    assert dropped(bus, writer) == 0
    assert writer.failed >= 1
    assert writer.replayed >= spooled_while_down
    assert writer.rejected == 0
    assert writer.spool.pending == 0
    assert writer.spool.size == 0
    assert writer.state == "live"
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(pg_store), feed.expected_rows())
    await writer.stop()


async def test_bridge_killed_while_spooling_the_next_one_replays(
    pg_server: PgServer, pg_store: PostgresStore, bus: InProcessBus, spool_path: Path
) -> None:
    """A real crash: the bridge process is SIGKILLed while the database is down.

    It is killed once every event it received is in the table or in the spool file (with the
    journal, each is in the spool when `publish()` returns)."""
    total, seed = 3000, 4242
    feed = script(total, seed=seed)
    child = subprocess.Popen(  # noqa: ASYNC220  (a child to SIGKILL; reads go to a thread)
        [sys.executable, str(CHILD), "feed", pg_store.url, str(spool_path), str(total), str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert child.stdout is not None

        async def progress() -> dict[str, int]:
            line = await asyncio.to_thread(child.stdout.readline)  # type: ignore[union-attr]
            assert line, "the child process ended early"
            data: dict[str, int] = json.loads(line)
            return data

        while (await progress())["fed"] < 1000:
            pass
        await pg_server.astop()
        while True:  # keep feeding with the database down until everything is spooled
            state = await progress()
            if state["received"] == total and state["durable"] == total:
                break
        assert state["spool_pending"] > 0
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)

    assert Spool(spool_path).open().pending > 0
    await pg_server.astart()
    writer = EventWriter(pg_store, bus, Spool(spool_path).open(), **FAST_RETRY)
    await writer.start()
    async with asyncio.timeout(20):
        await writer.flush()
    assert writer.replayed > 0
    assert writer.spool.pending == 0
    assert_rows(await all_events(pg_store), feed.expected_rows())
    await writer.stop()


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
async def test_postgres_crashes_during_a_10k_burst_row_count_exact(
    pg_server: PgServer, pg_store: PostgresStore, bus: InProcessBus, spool_path: Path
) -> None:
    """perf-reliability §2.2 scenario 4: the server crashes (immediate shutdown, WAL recovery at
    the restart) while a burst of 10,000 events is being written."""
    spy = SpyStore(pg_store)
    writer = EventWriter(spy, bus, Spool(spool_path).open(), batch_size=500, **FAST_RETRY)
    await writer.start()
    feed = script(10_000, cameras=[f"cam{n}" for n in range(10)])
    started = time.perf_counter()
    for event in feed.fed:  # one burst, no pause
        bus.publish(EventRaised(event))
    assert time.perf_counter() - started < 1.0
    async with asyncio.timeout(10):
        while writer.written + writer.replayed < 1000:  # the crash comes mid-burst
            await asyncio.sleep(0.005)
    await asyncio.to_thread(pg_server.kill)
    await bus.drain()
    async with asyncio.timeout(10):
        while writer.received < 10_000 or writer.queued:
            await asyncio.sleep(0.01)
    assert writer.spool.pending > 0
    await pg_server.astart()
    async with asyncio.timeout(20):
        await writer.flush()
    assert dropped(bus, writer) == 0
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(pg_store), feed.expected_rows())
    assert writer.spool.pending == 0
    await writer.stop()
