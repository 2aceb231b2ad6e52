"""Event store: write throughput per backend and path, and the API's page query at 1 M events.

Writes (each variant for `--seconds`, into a fresh database, through `Store.write_events`):
a realistic mix — half of the events are detection starts, the other half the ends of earlier
starts (upserts that complete a row) — in batches of 1, 100 and 1000:

- SQLite (`SqliteStore`, one transaction per batch)                    — the baseline: batch of 1
- PostgreSQL `executemany` of the prepared upsert (`copy_threshold` ∞)
- PostgreSQL COPY into a staging table + `INSERT … SELECT … ON CONFLICT` (`copy_threshold` 0)

Reads: 1 000 000 events (20 cameras × 9 types over 90 days) bulk-loaded (PostgreSQL COPY straight
into the partitioned table; SQLite `executemany` in one transaction), then `Store.query_events`
timed for the API's list — one camera, one type, a 7-day window, newest first, page of 50 — and its
second page through the cursor; plus two wider shapes (one camera, no type/time; no filter).

A fresh PostgreSQL database (`reolink_bench_<random>` on 127.0.0.1:5432, or `--admin-url`) and a
temp SQLite file are used and removed afterwards.

    .venv/bin/python bench/store.py [--seconds 3] [--rows 1000000] [--queries 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from fixtures.postgres import create_database, drop_database  # noqa: E402

from bridge.domain.events import Event  # noqa: E402
from bridge.domain.values import EventPhase, EventType  # noqa: E402
from bridge.storage._common import to_micros  # noqa: E402
from bridge.storage.postgres import PostgresStore  # noqa: E402
from bridge.storage.sqlite import SqliteStore  # noqa: E402
from bridge.store import EventQuery, Store  # noqa: E402

CAMERAS = [f"cam{n:02d}" for n in range(20)]
TYPES = list(EventType)
DETECTIONS = [t for t in EventType if t not in (EventType.ONLINE, EventType.OFFLINE)]
SPAN = timedelta(days=90)


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


class Mix:
    """Detection starts, and ends of earlier starts, about half and half."""

    def __init__(self, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.pending: deque[Event] = deque()
        self.clock = datetime.now(UTC) - timedelta(days=1)

    def next(self) -> Event:
        self.clock += timedelta(milliseconds=3)
        if self.pending and (len(self.pending) > 500 or self.rng.random() < 0.5):
            started = self.pending.popleft()
            return Event(
                event_id=started.event_id,
                type=started.type,
                phase=EventPhase.END,
                camera_id=started.camera_id,
                camera_name=started.camera_name,
                timestamp=self.clock,
                started_at=started.timestamp,
                duration=(self.clock - started.timestamp).total_seconds(),
            )
        event = Event(
            type=self.rng.choice(DETECTIONS),
            phase=EventPhase.START,
            camera_id=self.rng.choice(CAMERAS),
            camera_name="Bench Camera",
            timestamp=self.clock,
            data={"channel_name": "main"},
        )
        self.pending.append(event)
        return event

    def batch(self, size: int) -> list[Event]:
        return [self.next() for _ in range(size)]


async def write_rate(store: Store, batch: int, seconds: float) -> float:
    mix = Mix()
    batches = [mix.batch(batch) for _ in range(max(20, int(60_000 / batch)))]  # made before timing
    written = 0
    start = time.perf_counter()
    for events in batches:
        await store.write_events(events)
        written += len(events)
        if time.perf_counter() - start >= seconds:
            break
    return written / (time.perf_counter() - start)


async def bench_writes(admin_url: str, seconds: float) -> list[tuple[str, int, float]]:
    results: list[tuple[str, int, float]] = []
    for batch in (1, 100, 1000):
        with tempfile.TemporaryDirectory() as tmp:
            store: Store = SqliteStore(Path(tmp) / "bench.db")
            await store.open()
            results.append(("SQLite", batch, await write_rate(store, batch, seconds)))
            await store.close()
        for label, threshold in (("PostgreSQL executemany", 10**9), ("PostgreSQL COPY", 0)):
            name = f"reolink_bench_{secrets.token_hex(4)}"
            url = await create_database(admin_url, name)
            try:
                pg = PostgresStore(url, pool_size=2, copy_threshold=threshold)
                await pg.open()
                results.append((label, batch, await write_rate(pg, batch, seconds)))
                await pg.close()
            finally:
                await drop_database(admin_url, name)
        for row in results[-3:]:
            print(f"  {row[0]:<24} batch {row[1]:>5}: {row[2]:>10,.0f} events/s", flush=True)
    return results


# ---------------------------------------------------------------------------------------------
# Reads over 1 M rows
# ---------------------------------------------------------------------------------------------


def rows(count: int, now: datetime, seed: int = 2) -> Iterator[tuple[Any, ...]]:
    """(event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at, duration)."""
    rng = random.Random(seed)
    span = SPAN.total_seconds()
    for _ in range(count):
        started = now - timedelta(seconds=rng.random() * span)
        kind = rng.choice(TYPES)
        instant = kind in (EventType.ONLINE, EventType.OFFLINE)
        duration = None if instant else round(rng.uniform(1, 60), 3)
        yield (
            str(uuid.UUID(int=rng.getrandbits(128))),
            rng.choice(CAMERAS),
            "Bench Camera",
            0,
            kind.value,
            "instant" if instant else "end",
            started,
            None if duration is None else started + timedelta(seconds=duration),
            duration,
        )


COLUMNS = (
    "event_id",
    "camera_id",
    "camera_name",
    "channel",
    "type",
    "phase",
    "started_at",
    "ended_at",
    "duration",
)


def month_start(day: date, offset: int) -> date:
    index = day.year * 12 + day.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


async def load_postgres(url: str, count: int, now: datetime) -> float:
    conn = await asyncpg.connect(url)
    try:
        first = month_start((now - SPAN).date(), 0)
        months = (now.year - first.year) * 12 + now.month - first.month
        await conn.execute("SELECT events_ensure_partitions($1, $2)", months, first)
        start = time.perf_counter()
        source = rows(count, now)
        while chunk := [r for _, r in zip(range(100_000), source, strict=False)]:
            await conn.copy_records_to_table("events", records=chunk, columns=COLUMNS)
        await conn.execute("VACUUM ANALYZE events")
        return time.perf_counter() - start
    finally:
        await conn.close()


def load_sqlite(path: Path, count: int, now: datetime) -> float:
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (*r[:6], to_micros(r[6]), None if r[7] is None else to_micros(r[7]), r[8])
            for r in rows(count, now)
        ),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    return time.perf_counter() - start


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def time_queries(
    store: Store, now: datetime, shape: str, n: int
) -> tuple[list[float], list[float]]:
    rng = random.Random(3)
    first: list[float] = []
    second: list[float] = []
    for _ in range(n):
        filters: dict[str, Any] = {}
        if shape in ("api", "camera"):
            filters["camera_ids"] = [rng.choice(CAMERAS)]
        if shape == "api":
            filters["types"] = [rng.choice(DETECTIONS)]
            until = now - timedelta(
                seconds=rng.random() * (SPAN - timedelta(days=7)).total_seconds()
            )
            filters["since"] = until - timedelta(days=7)
            filters["until"] = until
        t0 = time.perf_counter()
        page = await store.query_events(EventQuery(limit=50, **filters))
        t1 = time.perf_counter()
        first.append(t1 - t0)
        if page.next_cursor is not None:  # always, at 1 M rows
            await store.query_events(EventQuery(limit=50, cursor=page.next_cursor, **filters))
            second.append(time.perf_counter() - t1)
    return first, second


async def bench_reads(admin_url: str, count: int, queries: int) -> list[tuple[str, str, Any]]:
    now = datetime.now(UTC)
    results: list[tuple[str, str, Any]] = []
    name = f"reolink_bench_{secrets.token_hex(4)}"
    url = await create_database(admin_url, name)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            pg = PostgresStore(url, pool_size=2)
            await pg.open()
            lite = SqliteStore(Path(tmp) / "bench.db")
            await lite.open()
            await lite.close()
            load_pg = await load_postgres(url, count, now)
            load_lite = await asyncio.to_thread(load_sqlite, Path(tmp) / "bench.db", count, now)
            print(f"  loaded {count:,} rows: PostgreSQL {load_pg:.1f} s, SQLite {load_lite:.1f} s")
            await lite.open()
            for label, store in (("SQLite", lite), ("PostgreSQL", pg)):
                for shape in ("api", "camera", "all"):
                    await time_queries(store, now, shape, 20)  # warm caches and plans
                    first, second = await time_queries(store, now, shape, queries)
                    results.append((label, shape, (first, second)))
                    print(
                        f"  {label:<11} {shape:<7} page 1 p50 {pct(first, 0.5):.2f} ms "
                        f"p99 {pct(first, 0.99):.2f} ms; page 2 p50 {pct(second, 0.5):.2f} ms "
                        f"p99 {pct(second, 0.99):.2f} ms",
                        flush=True,
                    )
            await lite.close()
            await pg.close()
        finally:
            await drop_database(admin_url, name)
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per write variant")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-writes", action="store_true")
    parser.add_argument("--skip-reads", action="store_true")
    args = parser.parse_args()

    if not args.skip_writes:
        print("writes:")
        writes = await bench_writes(args.admin_url, args.seconds)
        base = next(rate for label, batch, rate in writes if label == "SQLite" and batch == 1)
        print("\n| backend, path | batch | events/s | vs SQLite batch 1 |\n|---|---:|---:|---:|")
        for label, batch, rate in sorted(writes, key=lambda w: (w[0], w[1])):
            print(f"| {label} | {batch} | {rate:,.0f} | {rate / base:.1f}× |")
    if not args.skip_reads:
        print(f"\nreads over {args.rows:,} events:")
        reads = await bench_reads(args.admin_url, args.rows, args.queries)
        shapes = {
            "api": "camera + type + 7-day window",
            "camera": "camera only",
            "all": "no filter",
        }
        print(
            "\n| backend | query (newest first, 50 a page) | page 1 p50 | page 1 p99 "
            "| page 2 p50 | page 2 p99 |\n|---|---|---:|---:|---:|---:|"
        )
        for label, shape, (first, second) in reads:
            p1 = f"{pct(first, 0.5):.2f} ms | {pct(first, 0.99):.2f} ms"
            p2 = f"{pct(second, 0.5):.2f} ms | {pct(second, 0.99):.2f} ms"
            print(f"| {label} | {shapes[shape]} | {p1} | {p2} |")


if __name__ == "__main__":
    asyncio.run(main())
