"""The throwaway PostgreSQL (`pg_server`) behaves as its docstring says: stop refuses connections at
once, start comes back on the same port with the data, kill is a crash that loses nothing committed;
and a store outlives all of it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import asyncpg
import pytest
from fixtures.postgres import PgServer

from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage.postgres import PostgresStore
from bridge.storage.sqlite import SqliteStore
from bridge.store import StoreUnavailable


async def count_rows(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM t"))
    finally:
        await conn.close()


async def test_stop_start_kill_keep_the_port_and_the_data(pg_server: PgServer) -> None:
    url = pg_server.create_database("things")
    assert url == pg_server.database_url("things")
    conn = await asyncpg.connect(url)
    await conn.execute("CREATE TABLE t (n int); INSERT INTO t VALUES (1), (2)")
    await conn.close()
    port = pg_server.port

    await pg_server.astop()
    assert not pg_server.running
    began = time.monotonic()
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(url, timeout=5)
    assert time.monotonic() - began < 2  # refused at once, not a timeout
    await pg_server.astop()  # idempotent

    await pg_server.astart()
    assert pg_server.running
    assert pg_server.port == port
    assert await count_rows(url) == 2

    conn = await asyncpg.connect(url)
    await conn.execute("INSERT INTO t VALUES (3)")
    await conn.close()
    await pg_server.akill()  # a crash: committed rows survive through WAL recovery
    await pg_server.astart()
    assert await count_rows(url) == 3
    assert "database system is ready" in pg_server.log()


async def test_store_open_retried_once_the_server_is_up(pg_server: PgServer) -> None:
    await pg_server.astop()
    store = PostgresStore(pg_server.url, pool_size=2)
    with pytest.raises(StoreUnavailable):
        await store.open()
    await pg_server.astart()
    await store.open()
    try:
        event = Event(
            type=EventType.MOTION,
            phase=EventPhase.INSTANT,
            camera_id="cam",
            timestamp=datetime.now(UTC),
        )
        await store.write_events([event])
        await pg_server.akill()
        await pg_server.astart()
        assert await store.get_event(event.event_id) is not None  # stale pool: retried
    finally:
        await store.close()


async def test_sqlite_in_memory() -> None:
    store = SqliteStore(":memory:")
    await store.open()
    try:
        event = Event(type=EventType.ONLINE, phase=EventPhase.INSTANT, camera_id="cam")
        await store.write_events([event])
        assert await store.get_event(event.event_id) is not None
    finally:
        await store.close()
