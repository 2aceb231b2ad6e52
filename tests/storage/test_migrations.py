"""Migrations on both backends: up/down/up, idempotence, two processes at once, partitions and
retention (PostgreSQL), the TimescaleDB path parsed by PostgreSQL, the CLI entry point."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bridge.config import Settings
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage._migrations import load_migrations, split_sql
from bridge.storage.factory import create_store, open_store
from bridge.storage.migrate import migrate, migrations_dir, run_migrate
from bridge.storage.postgres import PostgresStore
from bridge.storage.sqlite import SqliteStore
from bridge.store import StoreError

NEWEST = max(m.version for m in load_migrations("postgres"))
COUNT = len(load_migrations("postgres"))
"""How many migrations there are (numbers may skip one: each issue is given its own)."""


def downs_to(backend: str, target: int) -> list[str]:
    """What `migrate(target=…)` reports going down from the newest version."""
    return [f"down {m.label}" for m in reversed(load_migrations(backend)) if m.version > target]


MIGRATIONS = Path(migrations_dir())


def test_both_backends_have_the_same_versions() -> None:
    pg = [(m.version, m.name) for m in load_migrations("postgres")]
    lite = [(m.version, m.name) for m in load_migrations("sqlite")]
    assert pg == lite
    assert pg[0] == (1, "init")


def test_split_sql_keeps_quoted_semicolons_and_drops_comments() -> None:
    script = "-- c;\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n-- only a comment;\nSELECT 1;"
    assert split_sql(script) == [
        "-- c;\nCREATE TABLE a (x TEXT DEFAULT ';');",
        "\n\n-- only a comment;\nSELECT 1;",
    ]


# ---------------------------------------------------------------------------------------------
# Schema dumps
# ---------------------------------------------------------------------------------------------


async def pg_schema(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        queries = {
            "columns": """SELECT table_name, column_name, data_type, is_nullable, column_default
                          FROM information_schema.columns WHERE table_schema = 'public'
                          ORDER BY 1, 2""",
            "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' ORDER BY 1, 2",
            "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                              FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                              ORDER BY 1, 2""",
            "functions": """SELECT proname, pg_get_function_identity_arguments(oid), md5(prosrc)
                            FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1""",
            "partitions": """SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
                             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                             WHERE i.inhparent = 'public.events'::regclass ORDER BY 1""",
            "migrations": "SELECT version, name FROM schema_migrations ORDER BY 1",
        }
        dump: dict[str, Any] = {}
        for key, sql in queries.items():
            try:
                dump[key] = [tuple(r) for r in await conn.fetch(sql)]
            except asyncpg.UndefinedTableError:
                dump[key] = None
        return dump
    finally:
        await conn.close()


def sqlite_schema(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 2"
        ).fetchall()
        return (
            rows + conn.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
        )
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------


async def test_postgres_up_down_up_same_schema_and_twice_is_noop(pg_url: str) -> None:
    done = await migrate(pg_url)
    assert done == [f"up {m.label}" for m in load_migrations("postgres")]
    assert await migrate(pg_url) == []
    first = await pg_schema(pg_url)
    assert first["migrations"] == [(m.version, m.name) for m in load_migrations("postgres")]
    tables = {c[0] for c in first["columns"]}
    assert {"cameras", "events", "recordings", "camera_configs", "commands", "api_tokens"} <= tables

    assert await migrate(pg_url, target=1) == downs_to("postgres", 1)
    assert await migrate(pg_url, target=0) == ["down 0001 init"]
    empty = await pg_schema(pg_url)
    assert {c[0] for c in empty["columns"]} == {"schema_migrations"}
    assert empty["functions"] == []
    assert await migrate(pg_url, target=0) == []

    assert len(await migrate(pg_url)) == COUNT
    assert await pg_schema(pg_url) == first
    with pytest.raises(StoreError, match="no migration 0099"):
        await migrate(pg_url, target=99)


async def test_postgres_newer_database_is_left_alone(pg_url: str) -> None:
    await migrate(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        await conn.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'future')")
    finally:
        await conn.close()
    assert await migrate(pg_url) == []  # never goes down by itself
    store = PostgresStore(pg_url)
    await store.open()
    await store.close()


CONCURRENT = """
import asyncio, json, sys
from bridge.storage.migrate import migrate
print(json.dumps(asyncio.run(migrate(sys.argv[1]))))
"""


async def run_concurrently(url: str, processes: int = 3) -> list[list[str]]:
    import json

    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CONCURRENT,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    results = []
    for proc in procs:
        out, err = await proc.communicate()
        assert proc.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results


async def test_postgres_concurrent_migrations_do_not_collide(pg_url: str) -> None:
    results = await run_concurrently(pg_url)
    steps = sorted(step for result in results for step in result)
    assert steps == sorted(f"up {m.label}" for m in load_migrations("postgres"))
    assert sum(1 for r in results if r) == 1  # one process did everything, the others nothing
    conn = await asyncpg.connect(pg_url)
    try:
        rows = await conn.fetch(
            "SELECT version, count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1"
        )
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [(m.version, 1) for m in load_migrations("postgres")]


async def test_postgres_two_pools_open_at_once(pg_url: str) -> None:
    stores = [PostgresStore(pg_url, pool_size=2) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    await asyncio.gather(*(s.close() for s in stores))
    assert (await pg_schema(pg_url))["migrations"] == [
        (m.version, m.name) for m in load_migrations("postgres")
    ]


def month(offset: int, base: date | None = None) -> date:
    base = base or datetime.now(UTC).date().replace(day=1)
    index = base.year * 12 + base.month - 1 + offset
    return date(index // 12, index % 12 + 1, 1)


def event_at(event_id: str, when: datetime) -> Event:
    return Event(
        event_id=event_id,
        type=EventType.MOTION,
        phase=EventPhase.INSTANT,
        camera_id="cam",
        timestamp=when,
    )


async def partitions(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'events'::regclass ORDER BY 1"
    )
    return [r[0] for r in rows]


async def test_postgres_partitions_ahead_and_retention_drops_old_ones(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    conn = await asyncpg.connect(pg_url)
    try:
        expected = [f"events_p{month(n):%Y%m}" for n in range(3)]
        assert await partitions(conn) == sorted(["events_default", *expected])

        # Old events first land in the default partition; making their month moves them.
        old_month = month(-6)
        old = datetime(old_month.year, old_month.month, 10, tzinfo=UTC)
        await store.write_events([event_at(f"old{n}", old + timedelta(hours=n)) for n in range(25)])
        assert await conn.fetchval("SELECT count(*) FROM ONLY events_default") == 25
        made = await conn.fetch("SELECT events_ensure_partitions(0, $1)", old_month)
        assert [r[0] for r in made] == [f"events_p{old_month:%Y%m}"]
        assert await conn.fetchval("SELECT count(*) FROM ONLY events_default") == 0
        assert await conn.fetchval(f"SELECT count(*) FROM events_p{old_month:%Y%m}") == 25

        # Stray rows (older still, and from last month) stay in the default partition / a partition.
        ancient = datetime(2001, 1, 1, tzinfo=UTC)
        recent = datetime.now(UTC) - timedelta(minutes=5)
        await store.write_events([event_at("ancient", ancient), event_at("recent", recent)])

        cutoff = datetime.now(UTC) - timedelta(days=90)
        removed = await store.purge_events(cutoff)
        assert removed == 26
        left = await partitions(conn)
        assert f"events_p{old_month:%Y%m}" not in left  # dropped whole
        assert set(expected) <= set(left)
        assert await conn.fetchval("SELECT count(*) FROM events") == 1
        assert await store.get_event("recent") is not None
        # The retention statement is also usable on its own (a cron job, psql).
        assert await conn.fetchval("SELECT events_retention($1)", cutoff) == 0
    finally:
        await conn.close()
        await store.close()


async def test_postgres_event_in_a_month_not_made_yet_moves_in_later(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    conn = await asyncpg.connect(pg_url)
    try:
        future_month = month(5)
        when = datetime(future_month.year, future_month.month, 3, tzinfo=UTC)
        await store.write_events([event_at("future", when)])
        await store.write_events(
            [
                Event(
                    event_id="future",
                    type=EventType.MOTION,
                    phase=EventPhase.INSTANT,
                    camera_id="cam",
                    timestamp=when,
                )
            ]
        )
        assert await conn.fetchval("SELECT count(*) FROM ONLY events_default") == 1
        await conn.execute("SELECT events_ensure_partitions(0, $1)", future_month)
        assert await conn.fetchval("SELECT count(*) FROM ONLY events_default") == 0
        assert await conn.fetchval(f"SELECT count(*) FROM events_p{future_month:%Y%m}") == 1
        assert await store.get_event("future") is not None
    finally:
        await conn.close()
        await store.close()


def timescale_function() -> str:
    text = (MIGRATIONS / "postgres" / "0002_timescale.up.sql").read_text()
    found = re.search(r"CREATE FUNCTION reolink_events_use_timescale\(\).*?\n\$fn\$;", text, re.S)
    assert found, "the hypertable conversion is a PL/pgSQL function in 0002"
    return found.group(0)


async def test_timescale_path_is_parsed_by_postgresql(pg_url: str) -> None:
    """The hypertable conversion cannot run here (no TimescaleDB), but PostgreSQL parses every
    statement of a PL/pgSQL body when the function is created; a broken copy is refused."""
    await migrate(pg_url)
    conn = await asyncpg.connect(pg_url)
    try:
        assert await conn.fetchval("SHOW check_function_bodies") == "on"
        assert await conn.fetchval("SELECT reolink_events_use_timescale()") is False
        assert (
            await conn.fetchval("SELECT reolink_events_set_retention(interval '30 days')") is False
        )
        assert (
            await conn.fetchval("SELECT relkind::text FROM pg_class WHERE oid = 'events'::regclass")
            == "p"
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'"
            )
            == 0
        )

        body = timescale_function().replace("reolink_events_use_timescale", "syntax_check")
        async with conn.transaction():
            await conn.execute(body)
            await conn.execute("DROP FUNCTION syntax_check()")
        broken = body.replace("PERFORM create_hypertable(", "PERFORM create_hypertable((")
        with pytest.raises(asyncpg.PostgresSyntaxError):
            async with conn.transaction():
                await conn.execute(broken)
        # The retention function's hypertable branch is dynamic SQL; its text is checked here.
        source = (MIGRATIONS / "postgres" / "0001_init.up.sql").read_text()
        assert "drop_chunks(''events'', older_than => $1)" in source
    finally:
        await conn.close()


# ---------------------------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------------------------


async def test_sqlite_up_down_up_same_schema_and_twice_is_noop(tmp_path: Path) -> None:
    path = tmp_path / "db" / "reolink.db"
    url = f"sqlite:///{path}"
    assert await migrate(url) == [f"up {m.label}" for m in load_migrations("sqlite")]
    assert await migrate(url) == []
    first = sqlite_schema(path)
    assert await migrate(url, target=0) == [
        f"down {m.label}" for m in reversed(load_migrations("sqlite"))
    ]
    names = {row[1] for row in sqlite3.connect(path).execute("SELECT * FROM sqlite_master")}
    assert names <= {"schema_migrations", "sqlite_sequence", "sqlite_autoindex_schema_migrations_1"}
    assert len(await migrate(url)) == COUNT
    assert sqlite_schema(path) == first


async def test_sqlite_concurrent_migrations_do_not_collide(tmp_path: Path) -> None:
    path = tmp_path / "reolink.db"
    results = await run_concurrently(f"sqlite:///{path}")
    steps = sorted(step for result in results for step in result)
    assert steps == sorted(f"up {m.label}" for m in load_migrations("sqlite"))
    rows = (
        sqlite3.connect(path)
        .execute("SELECT version, count(*) FROM schema_migrations GROUP BY 1")
        .fetchall()
    )
    assert rows == [(m.version, 1) for m in load_migrations("sqlite")]


async def test_sqlite_file_settings(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "x" / "reolink.db")
    await store.open()
    try:
        conn = sqlite3.connect(tmp_path / "x" / "reolink.db")
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert await store._write(lambda c: c.execute("PRAGMA foreign_keys").fetchone()) == (1,)
        assert await store._read(lambda c: c.execute("PRAGMA busy_timeout").fetchone()) == (10000,)
    finally:
        await store.close()


async def test_sqlite_work_stays_off_the_event_loop(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "reolink.db")
    await store.open()
    base = datetime.now(UTC)
    batch = [event_at(f"e{n}", base + timedelta(microseconds=n)) for n in range(20_000)]
    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            before = loop.time()
            await asyncio.sleep(0.005)
            lags.append(loop.time() - before - 0.005)

    task = asyncio.create_task(ticker())
    began = time.perf_counter()
    try:
        await store.write_events(batch)
        await store.purge_events(base + timedelta(seconds=1))
    finally:
        elapsed = time.perf_counter() - began
        stop.set()
        await task
        await store.close()
    # Had the work run on the loop, the ticker would have stalled for all of it (one lag ≈ elapsed,
    # the write being most of it); it only waits for the GIL now and then. Bounds loose for a
    # shared, loaded machine: beside another pytest-xdist worker and more, one wait reached 38 %.
    assert len(lags) >= 5
    assert max(lags) < max(0.2, elapsed / 2)
    assert sorted(lags)[len(lags) // 2] < 0.05


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


async def test_run_migrate_and_open_store_follow_the_settings(tmp_path: Path, pg_url: str) -> None:
    lite = Settings(data_dir=tmp_path / "data")
    assert await run_migrate(lite, None) == [f"up {m.label}" for m in load_migrations("sqlite")]
    assert (tmp_path / "data" / "reolink.db").exists()
    assert await run_migrate(lite, 1) == downs_to("sqlite", 1)
    store = await open_store(lite)
    try:
        assert isinstance(store, SqliteStore)
    finally:
        await store.close()
    assert await run_migrate(lite, None) == []

    pg = Settings(
        data_dir=tmp_path, database={"url": pg_url, "pool_size": 3}, events={"retention_days": 30}
    )
    made = create_store(pg)
    assert isinstance(made, PostgresStore)
    assert (made.pool_size, made.retention_days) == (3, 30)
    store = await open_store(pg)
    try:
        assert isinstance(store, PostgresStore)
        assert store.hypertable is False
    finally:
        await store.close()
    assert await run_migrate(pg, None) == []
