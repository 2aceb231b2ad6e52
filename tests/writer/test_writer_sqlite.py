"""The event writer against a real SQLite store: rows, audit, batches, order, outages, restarts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from writer_helpers import (
    FAST_RETRY,
    T0,
    SpyStore,
    all_events,
    assert_rows,
    dropped,
    fed_order,
    script,
)

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import CommandCompleted, EventRaised
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.domain.commands import CommandResult
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter

# The tests look at the spool files directly.
# ruff: noqa: ASYNC240

WriterFactory = Callable[..., Awaitable[EventWriter]]


@pytest.fixture
async def make_writer(bus: InProcessBus, spool_path: Path) -> AsyncIterator[WriterFactory]:
    writers: list[EventWriter] = []

    async def make(store: Any, **options: Any) -> EventWriter:
        spool = Spool(spool_path, max_bytes=options.pop("max_bytes", 1 << 24)).open()
        writer = EventWriter(store, bus, spool, **{**FAST_RETRY, **options})
        await writer.start()
        writers.append(writer)
        return writer

    yield make
    for writer in writers:
        if writer.state != "stopped":
            await writer.stop(0.5)


async def crash(writer: EventWriter) -> None:
    """The process dies: no flush, no stop, the spool file is left as the kernel has it."""
    if writer._subscription is not None:
        writer._subscription.close()
    if isinstance(writer.bus, InProcessBus) and writer.bus.journal is writer:
        writer.bus.journal = None
    task = writer._task
    assert task is not None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    os.close(writer.spool._fd)
    writer.spool._closed = True
    writer.state = "stopped"


async def settle(bus: InProcessBus, writer: EventWriter, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        await bus.drain()
        await writer.flush()


async def test_a_detection_becomes_one_row_with_its_span(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    writer = await make_writer(sqlite_store, write_ahead=False)  # the memory hand-off's counters
    start = Event(type=EventType.PERSON, phase=EventPhase.START, camera_id="cam", timestamp=T0)
    end_at = T0 + timedelta(seconds=12.5)
    end = Event(
        event_id=start.event_id,
        type=EventType.PERSON,
        phase=EventPhase.END,
        camera_id="cam",
        timestamp=end_at,
        started_at=T0,
        duration=12.5,
    )
    press = Event(type=EventType.VISITOR, phase=EventPhase.INSTANT, camera_id="cam", timestamp=T0)
    bus.publish(EventRaised(start))
    await settle(bus, writer)
    row = await sqlite_store.get_event(start.event_id)
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == ("start", T0, None, None)

    bus.publish(EventRaised(end))
    bus.publish(EventRaised(press))
    await settle(bus, writer)
    row = await sqlite_store.get_event(start.event_id)
    assert row is not None
    assert (row.phase, row.started_at, row.ended_at, row.duration) == ("end", T0, end_at, 12.5)
    instant = await sqlite_store.get_event(press.event_id)
    assert instant is not None
    assert instant.phase == "instant"
    assert len(await all_events(sqlite_store)) == 2
    assert writer.written == 3
    assert writer.spooled == 0


async def test_commands_are_audited(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    writer = await make_writer(sqlite_store)
    bus.publish(
        CommandCompleted(
            camera_id="cam",
            command={"siren": "ON", "transaction": "t1"},
            source="mqtt",
            result=CommandResult.ok("cam", "t1"),
        )
    )
    bus.publish(
        CommandCompleted(
            camera_id="cam",
            command={"ptz": {"op": "left"}},
            source="rest",
            result=CommandResult.failed("cam", None, "camera error: -9"),
            who="alice",
        )
    )
    bus.publish(
        CommandCompleted(
            camera_id="cam",
            command={"reboot": True},
            source="something-new",
            result=CommandResult.ok("cam", None),
        )
    )
    before = T0.now(T0.tzinfo)
    await settle(bus, writer)
    records = list(reversed(await sqlite_store.list_commands("cam")))
    assert [(r.source, r.status, r.error, r.who, r.transaction) for r in records] == [
        ("mqtt", "ok", None, None, "t1"),
        ("rest", "error", "camera error: -9", "alice", None),
        ("internal", "ok", None, None, None),
    ]
    assert records[0].command == {"siren": "ON", "transaction": "t1"}
    assert records[1].command == {"ptz": {"op": "left"}}
    assert all(r.at is not None and r.at >= before - timedelta(seconds=5) for r in records)


async def test_batches_by_size_in_order(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    spy = SpyStore(sqlite_store)
    writer = await make_writer(spy, batch_size=500, max_delay=0.5)
    feed = script(1234)
    for event in feed.fed:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    sizes = [len(batch) for batch in spy.event_batches]
    assert sum(sizes) == 1234
    assert max(sizes) <= 500
    assert len(sizes) <= 4
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_a_lone_event_is_written_within_max_delay(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    await make_writer(sqlite_store, max_delay=0.05)
    event = Event(type=EventType.MOTION, phase=EventPhase.START, camera_id="cam")
    started = time.monotonic()
    bus.publish(EventRaised(event))
    while await sqlite_store.get_event(event.event_id) is None:
        assert time.monotonic() - started < 2.0
        await asyncio.sleep(0.01)
    assert time.monotonic() - started < 0.5


class SlowStore(SpyStore):
    """A real store behind a slow link (each write waits `delay` first)."""

    def __init__(self, store: Any, delay: float) -> None:
        super().__init__(store)
        self.delay = delay

    async def write_events(self, events: Any) -> None:
        await asyncio.sleep(self.delay)
        await super().write_events(events)


@pytest.mark.serial  # timed: `make test` runs it alone, after the parallel part
@pytest.mark.parametrize("write_ahead", [True, False], ids=["journal", "memory"])
async def test_a_slow_database_never_blocks_the_bus(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, write_ahead: bool
) -> None:
    slow = SlowStore(sqlite_store, delay=0.3)
    writer = await make_writer(slow, batch_size=2000, write_ahead=write_ahead)
    other: list[Any] = []

    async def fast_consumer(message: Any) -> None:
        other.append(message)

    bus.subscribe("mqtt", fast_consumer)
    feed = script(6000)
    started = time.monotonic()
    for event in feed.fed:
        bus.publish(EventRaised(event))
    assert time.monotonic() - started < 0.5  # publishing never waits for the store
    async with asyncio.timeout(1.0):
        while len(other) < 6000:  # the other subscriber is not held up either
            await asyncio.sleep(0.01)
    assert len(slow.event_batches) <= 2  # the store has not caught up yet
    await settle(bus, writer)
    assert dropped(bus, writer) == 0
    assert writer.spooled == (6000 if write_ahead else 0)
    assert len(slow.event_batches) <= 6  # big batches while the store is slow
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_database_away_spools_then_replays_in_order(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    spy = SpyStore(sqlite_store)
    writer = await make_writer(spy, batch_size=100, max_delay=0.02)
    feed = script(900)
    for event in feed.fed[:300]:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    await sqlite_store.close()  # the database goes away
    for event in feed.fed[300:700]:
        bus.publish(EventRaised(event))
        await asyncio.sleep(0)
    await bus.drain()
    async with asyncio.timeout(5):
        while writer.spool.pending < 400:
            await asyncio.sleep(0.01)
    assert writer.state in ("spooling", "replaying")
    assert writer.failed >= 1
    await sqlite_store.open()  # back
    for event in feed.fed[700:]:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    assert writer.spool.pending == 0
    assert writer.spool.size == 0
    assert writer.state == "live"
    assert writer.replayed >= 400
    assert writer.rejected == 0
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_redelivered_events_are_stored_once(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    writer = await make_writer(sqlite_store, batch_size=50)
    feed = script(300)
    for event in feed.fed[:200]:
        bus.publish(EventRaised(event))
    for event in feed.fed[100:]:  # at-least-once delivery: 100..199 come twice
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_a_spool_left_by_a_dead_process_is_replayed_at_start(
    sqlite_store: SqliteStore,
    bus: InProcessBus,
    make_writer: WriterFactory,
) -> None:
    feed = script(500)
    await sqlite_store.close()
    first = await make_writer(sqlite_store, batch_size=64, max_delay=0.01)
    for event in feed.fed:
        bus.publish(EventRaised(event))
    await bus.drain()
    async with asyncio.timeout(5):
        while first.spool.pending < 500:
            await asyncio.sleep(0.01)
    await crash(first)

    await sqlite_store.open()
    second = await make_writer(sqlite_store)
    assert second.state == "replaying"
    async with asyncio.timeout(10):
        await second.flush()
    assert second.replayed == 500
    assert second.spool.pending == 0
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_stop_spools_what_it_cannot_write_and_the_next_start_writes_it(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, spool_path: Path
) -> None:
    feed = script(200)
    await sqlite_store.close()
    writer = await make_writer(sqlite_store, max_delay=5.0)  # a batch still open at stop
    for event in feed.fed:
        bus.publish(EventRaised(event))
    await bus.drain()
    started = time.monotonic()
    await writer.stop(0.3)
    assert time.monotonic() - started < 3.0
    assert Spool(spool_path).open().pending == 200

    await sqlite_store.open()
    again = await make_writer(sqlite_store)
    async with asyncio.timeout(10):
        await again.flush()
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_stop_writes_what_is_pending(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, spool_path: Path
) -> None:
    feed = script(300)
    writer = await make_writer(sqlite_store, max_delay=5.0, write_ahead=False)
    for event in feed.fed:
        bus.publish(EventRaised(event))
    await bus.drain()
    await writer.stop()
    assert writer.spooled == 0
    assert_rows(await all_events(sqlite_store), feed.expected_rows())
    assert spool_path.stat().st_size == 0


async def test_a_poison_record_is_set_aside_and_the_rest_written(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, spool_path: Path
) -> None:
    feed = script(20)
    spool = Spool(spool_path).open()
    await spool.append([("event", e.payload()) for e in feed.fed[:10]])
    bogus = {"camera_id": "cam", "source": "mqtt", "command": {}, "status": "maybe", "at": None}
    await spool.append([("command", bogus)])  # the table's CHECK refuses this status
    await spool.append([("event", e.payload()) for e in feed.fed[10:]])
    await spool.close()

    writer = await make_writer(sqlite_store, poison_attempts=2)
    async with asyncio.timeout(10):
        await writer.flush()
    assert writer.rejected == 1
    assert writer.replayed == 20
    assert_rows(await all_events(sqlite_store), feed.expected_rows())
    rejected = [json.loads(line) for line in writer.rejected_path.read_text().splitlines()]
    assert rejected[0]["record"][1]["status"] == "maybe"
    assert "CHECK" in rejected[0]["reason"]


async def test_a_store_that_refuses_everything_loses_nothing(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    """A closed store answers StoreError (not "unavailable"): no record may be taken for poison."""
    await sqlite_store.close()
    writer = await make_writer(sqlite_store, poison_attempts=1)
    feed = script(30)
    for event in feed.fed:
        bus.publish(EventRaised(event))
    await bus.drain()
    await asyncio.sleep(0.5)  # several retries, each with the record-by-record pass
    assert writer.failed >= 3
    assert writer.rejected == 0
    assert writer.spool.pending == 30
    await sqlite_store.open()
    await settle(bus, writer)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_spool_full_during_a_long_outage_keeps_the_newest(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    await sqlite_store.close()
    writer = await make_writer(sqlite_store, batch_size=50, max_delay=0.01, max_bytes=64 * 1024)
    feed = script(2000)
    for event in feed.fed:
        bus.publish(EventRaised(event))
        await asyncio.sleep(0)
    await bus.drain()
    async with asyncio.timeout(5):
        while writer.spooled < 2000:
            await asyncio.sleep(0.01)
    dropped = writer.spool.dropped
    assert dropped > 0
    await sqlite_store.open()
    await settle(bus, writer)
    stored = await all_events(sqlite_store)
    # the oldest records went; what is stored is the tail of the feed (ends carry their start)
    kept = feed.fed[dropped:]
    expected = {e.event_id for e in kept}
    assert {row.event_id for row in stored} == expected
    for row in stored:
        assert row.started_at is not None


async def test_write_ahead_every_record_through_the_spool_in_order(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, spool_path: Path
) -> None:
    spy = SpyStore(sqlite_store)
    writer = await make_writer(spy, write_ahead=True)
    assert writer.write_ahead
    feed = script(5000)
    started = time.monotonic()
    for n, event in enumerate(feed.fed):
        bus.publish(EventRaised(event))
        if n % 100 == 0:
            await asyncio.sleep(0)
    await settle(bus, writer)
    elapsed = time.monotonic() - started
    assert writer.spooled == writer.received == 5000
    assert writer.replayed == 5000
    assert writer.written == 0
    assert len(spy.event_batches) < 1000  # batches form while the store writes
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())
    assert spool_path.stat().st_size == 0
    assert elapsed < 10


async def test_write_ahead_survives_a_crash_right_after_the_handler_returned(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    """What the handler took is on disk when it returns: a bus that acknowledged it lost nothing."""
    await sqlite_store.close()  # nothing gets written before the crash
    first = await make_writer(sqlite_store, write_ahead=True)
    feed = script(300)
    for event in feed.fed:
        bus.publish(EventRaised(event))
    await bus.drain()  # every handler call returned: a Redis bus would have acknowledged all
    await crash(first)
    await sqlite_store.open()
    second = await make_writer(sqlite_store, write_ahead=True)
    async with asyncio.timeout(10):
        await second.flush()
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_write_ahead_with_the_database_away(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory
) -> None:
    spy = SpyStore(sqlite_store)
    writer = await make_writer(spy, write_ahead=True)
    feed = script(900)
    for event in feed.fed[:300]:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    await sqlite_store.close()
    for event in feed.fed[300:600]:
        bus.publish(EventRaised(event))
        await asyncio.sleep(0)
    await bus.drain()
    assert writer.spool.pending > 0
    await sqlite_store.open()
    for event in feed.fed[600:]:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())


async def test_write_ahead_is_on_by_default_and_the_in_process_bus_journals(
    sqlite_store: SqliteStore, spool_path: Path
) -> None:
    in_process = EventWriter(sqlite_store, InProcessBus(), Spool(spool_path))
    assert (in_process.write_ahead, in_process.journal) == (True, True)
    redis_bus = RedisStreamsBus("redis://127.0.0.1:6379/0", "never-used")  # never connects here
    try:
        acknowledging = EventWriter(sqlite_store, redis_bus, Spool(spool_path))
        assert (acknowledging.write_ahead, acknowledging.journal) == (True, False)
        forced = EventWriter(sqlite_store, redis_bus, Spool(spool_path), write_ahead=False)
        assert not forced.write_ahead
        memory = EventWriter(sqlite_store, InProcessBus(), Spool(spool_path), write_ahead=False)
        assert not memory.journal
    finally:
        await redis_bus.aclose()


async def test_hours_of_outage_do_not_overflow_the_backoff(
    sqlite_store: SqliteStore,
    bus: InProcessBus,
    make_writer: WriterFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await sqlite_store.close()
    writer = await make_writer(sqlite_store)
    writer._backoff.attempts = 5000  # what ~40 hours of failures at the 30 s cap add up to
    bus.publish(EventRaised(Event(type=EventType.MOTION, phase=EventPhase.START, camera_id="c")))
    await bus.drain()
    async with asyncio.timeout(5):
        while writer.failed < 3:
            await asyncio.sleep(0.01)
    assert "unexpected error" not in caplog.text
    await sqlite_store.open()
    await settle(bus, writer)
    assert writer.spool.pending == 0


async def test_the_journal_spools_an_event_before_any_subscriber_sees_it(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, spool_path: Path
) -> None:
    """With the in-process bus, MQTT (any subscriber) sees an event only once it is in the spool
    file: a kill -9 at that moment leaves it for the next start."""
    await sqlite_store.close()  # nothing reaches the table: the spool file is all there is
    await make_writer(sqlite_store)
    on_disk: list[bool] = []

    async def mqtt(message: Any) -> None:
        if isinstance(message, EventRaised):
            on_disk.append(message.event.event_id.encode() in spool_path.read_bytes())

    bus.subscribe("mqtt", mqtt)
    for event in script(50).fed:
        bus.publish(EventRaised(event))
        await asyncio.sleep(0)
    await bus.drain()
    assert on_disk == [True] * 50
    await sqlite_store.open()


async def test_the_journal_holds_records_in_memory_while_the_disk_is_full(
    sqlite_store: SqliteStore, bus: InProcessBus, make_writer: WriterFactory, spool_path: Path
) -> None:
    """Neither the spool nor the database can write (a full disk): publishing never fails or
    waits, the records wait in memory in order, and all of them land once there is room."""
    spy = SpyStore(sqlite_store)
    writer = await make_writer(spy)
    feed = script(600)
    for event in feed.fed[:200]:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (spool_path.stat().st_size + 100, hard))
    try:
        for event in feed.fed[200:400]:
            bus.publish(EventRaised(event))
            await asyncio.sleep(0)
        await asyncio.sleep(0.3)
        assert writer.spool_errors > 0
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    for event in feed.fed[400:]:
        bus.publish(EventRaised(event))
    await settle(bus, writer)
    assert writer.dropped == 0
    assert spy.first_write_order() == fed_order(feed.fed)
    assert_rows(await all_events(sqlite_store), feed.expected_rows())
