"""The PostgreSQL store: an asyncpg pool, the schema of migrations/postgres.

Event batches are folded to one row per key (bridge.storage._common) and written in one
transaction, by the faster of two paths for their size (bench/store.py measures both):

- fewer than `copy_threshold` rows: `executemany` of one prepared upsert (pipelined by asyncpg);
- more: `copy_records_to_table` into a per-connection temporary staging table, then one
  `INSERT … SELECT … ON CONFLICT` into `events`, so COPY stays idempotent like the upsert.

The page query is one of a few fixed SQL texts (which filters are present), so asyncpg's statement
cache keeps each prepared per connection. Connection failures raise `StoreUnavailable` with the URL
masked (`postgresql://user:***@host/db`); a connection found dead after a server restart makes the
pool reconnect, and read-only or idempotent calls are retried once on a fresh connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

from bridge.domain.events import Event
from bridge.redaction import redact
from bridge.storage._common import encode_cursor, fold_events, needs_start_lookup, utc
from bridge.storage._migrations import migrate_postgres
from bridge.storage.postgres_connection import (
    _LOST,
    COMMAND_TIMEOUT,
    CONNECT_TIMEOUT,
    _init_connection,
    connect_postgres,
    describe,
    translate,
)
from bridge.storage.postgres_fences import fence_batch, raise_fences
from bridge.storage.postgres_media import PostgresMedia
from bridge.storage.postgres_records import PostgresRecords
from bridge.storage.postgres_sql import (
    _EVENT_COLUMNS,
    _EVENT_FIELDS,
    _FROM_STAGING,
    _STAGING,
    _UPSERT_EVENT,
    _event,
    _json,
    _row_values,
    event_query_sql,
)
from bridge.store import CameraHeartbeat, EventPage, EventQuery, StoredEvent, StoreError

__all__ = [
    "DEFAULT_COPY_THRESHOLD",
    "PARTITIONS_AHEAD",
    "PostgresStore",
    "connect_postgres",
    "describe",
    "event_query_sql",
    "translate",
]

T = TypeVar("T")
DEFAULT_COPY_THRESHOLD = 32  # bench/store.py: executemany wins below ~20-30 rows, COPY above
PARTITIONS_AHEAD = 2


class PostgresStore(PostgresRecords, PostgresMedia):
    """`Store` on PostgreSQL (see the module docstring).

    `copy_threshold`: batches of at least this many rows go through COPY. `retention_days`: given,
    it becomes TimescaleDB's retention policy when `events` is a hypertable (0002).
    `open()` may be called again after it raised StoreUnavailable.
    """

    def __init__(
        self,
        url: str,
        pool_size: int = 10,
        *,
        copy_threshold: int = DEFAULT_COPY_THRESHOLD,
        retention_days: int | None = None,
    ) -> None:
        self.url = url
        self.pool_size = pool_size
        self.copy_threshold = copy_threshold
        self.retention_days = retention_days
        self.hypertable = False
        self._pool: asyncpg.Pool | None = None

    def __repr__(self) -> str:
        return f"PostgresStore({redact(self.url)!r}, pool_size={self.pool_size})"

    @staticmethod
    async def guard(url: str, coro: Coroutine[Any, Any, T]) -> T:
        """Await `coro`, turning driver errors into StoreError/StoreUnavailable (URL masked)."""
        try:
            return await coro
        except Exception as err:
            raise translate(url, err) from None

    async def _call(
        self, fn: Callable[[asyncpg.Connection], Awaitable[T]], *, retry: bool = True
    ) -> T:
        pool = self._pool
        if pool is None:
            raise StoreError("the store is not open")
        for attempt in (1, 2):
            try:
                async with pool.acquire() as conn:
                    return await fn(conn)
            except _LOST as err:
                await pool.expire_connections()  # the server went away: every idle one is dead too
                if not retry or attempt == 2:
                    raise translate(self.url, err) from None
            except StoreError:
                raise
            except asyncpg.exceptions.InterfaceError as err:
                if "closed" in str(err) and retry and attempt == 1:
                    await pool.expire_connections()
                    continue
                raise translate(self.url, err) from None
            except Exception as err:
                raise translate(self.url, err) from None
        raise AssertionError("unreachable")

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        if self._pool is not None:
            return
        try:
            pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                timeout=CONNECT_TIMEOUT,
                command_timeout=COMMAND_TIMEOUT,
                init=_init_connection,
            )
        except Exception as err:
            raise translate(self.url, err) from None
        self._pool = pool
        try:
            await self.migrate()
            await self._call(self._prepare_events)
        except BaseException:
            await self.close()
            raise

    async def _prepare_events(self, conn: asyncpg.Connection) -> None:
        kind = await conn.fetchval(
            "SELECT relkind::text FROM pg_class WHERE oid = 'events'::regclass"
        )
        self.hypertable = kind != "p"
        await conn.fetchval("SELECT count(*) FROM events_ensure_partitions($1)", PARTITIONS_AHEAD)
        if self.retention_days is not None and self.hypertable:
            await conn.fetchval(
                "SELECT reolink_events_set_retention(make_interval(days => $1))",
                self.retention_days,
            )

    async def migrate(
        self, target: int | None = None, *, directory: Path | None = None
    ) -> list[str]:
        return await self._call(lambda conn: migrate_postgres(conn, target, directory), retry=False)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), timeout=10)
            except (TimeoutError, OSError, asyncpg.exceptions.PostgresError):
                pool.terminate()

    # -- events ------------------------------------------------------------------------------

    async def write_events(self, events: Sequence[Event]) -> list[Event]:
        if not events:
            return []
        lookups = list({e.event_id for e in events if needs_start_lookup(e)})

        async def run(conn: asyncpg.Connection) -> list[Event]:
            async with conn.transaction():
                kept, refused = await fence_batch(conn, events)
                known: dict[str, datetime] = {}
                if lookups:
                    found = await conn.fetch(
                        "SELECT event_id, max(started_at) AS started_at FROM events "
                        "WHERE event_id = ANY($1::text[]) GROUP BY event_id",
                        lookups,
                    )
                    known = {r["event_id"]: r["started_at"] for r in found}
                rows = fold_events(kept, known)
                if len(rows) >= self.copy_threshold:
                    await conn.copy_records_to_table(
                        _STAGING,
                        records=[_row_values(r, _json(r.metadata)) for r in rows],
                        columns=_EVENT_FIELDS,
                    )
                    await conn.execute(_FROM_STAGING)
                else:
                    await conn.executemany(
                        _UPSERT_EVENT, [_row_values(r, r.metadata) for r in rows]
                    )
            return refused

        return await self._call(run)

    async def record_fences(self, generations: Mapping[str, int]) -> dict[str, int]:
        async def run(conn: asyncpg.Connection) -> dict[str, int]:
            async with conn.transaction():
                return await raise_fences(conn, generations)

        return await self._call(run)

    async def get_event(self, event_id: str) -> StoredEvent | None:
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = $1 "
            "ORDER BY started_at DESC LIMIT 1"
        )
        row = await self._call(lambda conn: conn.fetchrow(sql, event_id))
        return None if row is None else _event(row)

    async def query_events(self, query: EventQuery) -> EventPage:
        sql, params = event_query_sql(query)
        rows = await self._call(lambda conn: conn.fetch(sql, *params))
        limit = max(1, query.limit)
        events = [_event(row) for row in rows[:limit]]
        cursor = None
        if len(rows) > limit:
            cursor = encode_cursor(events[-1].started_at, events[-1].event_id)
        return EventPage(events, cursor)

    async def acknowledge_event(self, event_id: str, by: str | None) -> StoredEvent | None:
        async def run(conn: asyncpg.Connection) -> StoredEvent | None:
            await conn.execute(
                "UPDATE events SET acknowledged = true, acknowledged_at = now(), "
                "acknowledged_by = $2 WHERE event_id = $1 AND NOT acknowledged",
                event_id,
                by,
            )
            row = await conn.fetchrow(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = $1 "
                "ORDER BY started_at DESC LIMIT 1",
                event_id,
            )
            return None if row is None else _event(row)

        return await self._call(run)

    async def purge_events(self, before: datetime) -> int:
        """The retention job: partitions ahead, old partitions dropped, older rows deleted."""
        removed = await self._call(
            lambda conn: conn.fetchval(
                "SELECT events_retention($1, $2)", utc(before), PARTITIONS_AHEAD
            )
        )
        return int(removed)

    async def open_events(self, started_before: datetime) -> list[StoredEvent]:
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE phase = 'start' AND started_at < $1 "
            "ORDER BY started_at, event_id"
        )
        rows = await self._call(lambda conn: conn.fetch(sql, utc(started_before)))
        return [_event(row) for row in rows]

    # -- heartbeats --------------------------------------------------------------------------

    async def record_heartbeats(self, heartbeats: Sequence[CameraHeartbeat]) -> None:
        if not heartbeats:
            return
        latest: dict[str, datetime] = {}  # one row per camera: ON CONFLICT takes each once
        for beat in heartbeats:
            seen = utc(beat.seen_at)
            latest[beat.camera_id] = max(seen, latest.get(beat.camera_id, seen))
        sql = (
            "INSERT INTO camera_heartbeats AS h (camera_id, seen_at) "
            "SELECT * FROM unnest($1::text[], $2::timestamptz[]) "
            "ON CONFLICT (camera_id) DO UPDATE SET seen_at = greatest(h.seen_at, EXCLUDED.seen_at)"
        )
        await self._call(lambda conn: conn.execute(sql, list(latest), list(latest.values())))

    async def heartbeats(self, camera_ids: Sequence[str]) -> dict[str, datetime]:
        if not camera_ids:
            return {}
        rows = await self._call(
            lambda conn: conn.fetch(
                "SELECT camera_id, seen_at FROM camera_heartbeats "
                "WHERE camera_id = ANY($1::text[])",
                list(camera_ids),
            )
        )
        return {row["camera_id"]: row["seen_at"] for row in rows}
