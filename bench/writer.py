"""Event writer: end-to-end events/s from `bus.publish` to rows in the store, spool speed, replay.

For each backend (SQLite in a temp file; PostgreSQL in a fresh database on 127.0.0.1:5432, or
`--admin-url`) and each hand-off mode — memory (the store's bus subscription queues records in
memory: the in-process default before the journal, `write_ahead=False`) and journal (the default:
`publish()` appends each record to the spool before any subscriber sees it) — `--events` events (a
start/end mix on 20 cameras) are published on an `InProcessBus` as fast as the writer takes them,
then `flush()`; the rate is events over the time until the last one is in the table, and
`publish µs` the time one `bus.publish` takes (what every event costs the poll loop). The last
column is the journal's rate over memory's, same run.

Then the spool on its own: `append` of batches of 500 (fsync every 500 records), `replay` + `ack`
of everything; and the recovery: `--events` events spooled while the database is "away" (store
closed), the time from its return to the last replayed row.

    .venv/bin/python bench/writer.py [--events 50000] [--admin-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fixtures.postgres import ADMIN_URL, create_database, drop_database  # noqa: E402

from bridge.bus.inprocess import InProcessBus  # noqa: E402
from bridge.bus.messages import EventRaised  # noqa: E402
from bridge.domain.events import Event  # noqa: E402
from bridge.domain.values import EventPhase, EventType  # noqa: E402
from bridge.storage.postgres import PostgresStore  # noqa: E402
from bridge.storage.spool import Spool  # noqa: E402
from bridge.storage.sqlite import SqliteStore  # noqa: E402
from bridge.storage.writer import EventWriter  # noqa: E402
from bridge.store import Store  # noqa: E402

CAMERAS = [f"cam{n:02d}" for n in range(20)]
T0 = datetime(2025, 6, 1, tzinfo=UTC)


def make_events(count: int) -> list[Event]:
    """Starts and, one round later, their ends: half inserts, half row completions."""
    events: list[Event] = []
    open_: dict[str, Event] = {}
    at = T0
    n = 0
    while len(events) < count:
        camera = CAMERAS[n % len(CAMERAS)]
        at += timedelta(milliseconds=10)
        started = open_.pop(camera, None)
        if started is None:
            event = Event(
                type=EventType.MOTION, phase=EventPhase.START, camera_id=camera, timestamp=at
            )
            open_[camera] = event
        else:
            event = Event(
                event_id=started.event_id,
                type=EventType.MOTION,
                phase=EventPhase.END,
                camera_id=camera,
                timestamp=at,
                started_at=started.timestamp,
                duration=(at - started.timestamp).total_seconds(),
            )
        events.append(event)
        n += 1
    return events


def backlog(bus: InProcessBus, writer: EventWriter) -> int:
    """Records waiting in memory (the store's bus queue, the writer's queue): what the bounds
    would drop. The journal's wait in the spool file, which holds them all."""
    queue = bus.stats().get("store", {}).get("queued", 0)
    return int(queue) + writer.queued


async def publish(bus: InProcessBus, writer: EventWriter, events: list[Event]) -> float:
    """As fast as the writer takes them (a real source is far slower than this loop, and a
    burst above the bounds would be dropped, by design). Returns the seconds spent in publish."""
    inside = 0.0
    for n, event in enumerate(events, 1):
        before = time.perf_counter()
        bus.publish(EventRaised(event))
        inside += time.perf_counter() - before
        if n % 500 == 0:
            await asyncio.sleep(0)
            while backlog(bus, writer) > 5000:
                await asyncio.sleep(0.001)
    return inside


async def through_writer(
    store: Store, events: list[Event], spool_path: Path, *, write_ahead: bool
) -> tuple[float, float]:
    """(events/s into the table, µs per publish)"""
    bus = InProcessBus()
    writer = EventWriter(store, bus, Spool(spool_path).open(), write_ahead=write_ahead)
    await writer.start()
    started = time.perf_counter()
    inside = await publish(bus, writer, events)
    await bus.drain()
    await writer.flush()
    elapsed = time.perf_counter() - started
    assert writer.failed == 0, writer.stats()
    assert bus.stats().get("store", {}).get("dropped", 0) == 0
    assert writer.dropped == 0
    await writer.stop()
    await bus.aclose()
    return len(events) / elapsed, inside / len(events) * 1e6


async def spool_speed(events: list[Event], directory: Path) -> tuple[float, float]:
    spool = Spool(directory / "bench.spool", max_bytes=1 << 30, fsync_every=500).open()
    records = [("event", e.payload()) for e in events]
    started = time.perf_counter()
    for n in range(0, len(records), 500):
        await spool.append(records[n : n + 500])  # type: ignore[arg-type]
    await spool.sync()
    append_rate = len(records) / (time.perf_counter() - started)
    started = time.perf_counter()
    async for batch in spool.replay(500):
        await spool.ack(batch)
    replay_rate = len(records) / (time.perf_counter() - started)
    await spool.close()
    return append_rate, replay_rate


async def recovery(store: Store, events: list[Event], spool_path: Path) -> float:
    """Spool everything with the store closed, reopen it, time the replay."""
    await store.close()
    bus = InProcessBus()
    writer = EventWriter(store, bus, Spool(spool_path).open(), retry_initial=0.01, retry_max=0.05)
    await writer.start()
    await publish(bus, writer, events)
    await bus.drain()
    async with asyncio.timeout(60):
        while writer.spooled < len(events):
            await asyncio.sleep(0.01)
    await store.open()
    started = time.perf_counter()
    await writer.flush()
    elapsed = time.perf_counter() - started
    await writer.stop()
    await bus.aclose()
    return len(events) / elapsed


async def with_backend(
    name: str, admin_url: str, body: Callable[[Store, Path], Awaitable[Any]]
) -> Any:
    with tempfile.TemporaryDirectory(prefix="bench-writer-") as tmp:
        directory = Path(tmp)
        if name == "sqlite":
            store: Store = SqliteStore(directory / "bench.db")
            await store.open()
            try:
                return await body(store, directory)
            finally:
                await store.close()
        database = f"reolink_bench_{secrets.token_hex(4)}"
        url = await create_database(admin_url, database)
        pg = PostgresStore(url, pool_size=4)
        await pg.open()
        try:
            return await body(pg, directory)
        finally:
            await pg.close()
            await drop_database(admin_url, database)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    events = make_events(args.events)
    print(f"{args.events} events (start/end mix, 20 cameras), bus.publish → rows in the table\n")
    print(f"{'backend':<12}{'hand-off':<14}{'events/s':>12}{'publish µs':>12}{'vs memory':>11}")
    for backend in ("sqlite", "postgresql"):
        memory_rate = 0.0
        for write_ahead in (False, True):

            async def run(
                store: Store, directory: Path, wa: bool = write_ahead
            ) -> tuple[float, float]:
                return await through_writer(store, events, directory / "s.spool", write_ahead=wa)

            rate, cost = await with_backend(backend, args.admin_url, run)
            mode = "journal" if write_ahead else "memory"
            ratio = f"{rate / memory_rate:>10.2f}x" if write_ahead else ""
            memory_rate = rate
            print(f"{backend:<12}{mode:<14}{rate:>12,.0f}{cost:>12.1f}{ratio:>11}")
    with tempfile.TemporaryDirectory(prefix="bench-spool-") as tmp:
        append_rate, replay_rate = await spool_speed(events, Path(tmp))
    print(f"\nspool append (batches of 500, fsync every 500): {append_rate:,.0f} records/s")
    print(f"spool replay + ack (batches of 500):            {replay_rate:,.0f} records/s")
    print("\nrecovery: everything spooled while the database was away, then replayed")
    for backend in ("sqlite", "postgresql"):

        async def replay(store: Store, directory: Path) -> float:
            return await recovery(store, events, directory / "r.spool")

        rate = await with_backend(backend, args.admin_url, replay)
        print(f"{backend:<12}{'replay':<14}{rate:>12,.0f}")


if __name__ == "__main__":
    asyncio.run(main())
