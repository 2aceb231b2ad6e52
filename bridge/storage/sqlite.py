"""The default store: one SQLite file in the data dir (WAL, foreign keys on, busy timeout).

The standard library's `sqlite3` runs in two dedicated threads, never on the event loop: a writer
(every write and the migrations, one connection) and a reader (queries, its own connection; WAL
lets it read while the writer writes). Each store method is one function run in one of those
threads — a whole batch of events is one call and one transaction — instead of one thread hop per
statement as `aiosqlite` would do, and there is no extra dependency.

`synchronous=NORMAL` in WAL mode never corrupts the file; a power cut may lose the last
transactions, which is the usual trade for an embedded event log (PostgreSQL is the durable option).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from bridge.domain.base import utcnow
from bridge.domain.events import Event
from bridge.storage._common import (
    encode_cursor,
    fold_events,
    from_micros,
    needs_start_lookup,
    to_micros,
)
from bridge.storage._migrations import migrate_sqlite
from bridge.storage.sqlite_connection import BUSY_TIMEOUT_MS, connect_sqlite, sqlite_path
from bridge.storage.sqlite_fences import fence_batch, raise_fences
from bridge.storage.sqlite_media import SqliteMedia
from bridge.storage.sqlite_records import SqliteRecords
from bridge.storage.sqlite_sql import (
    _EVENT_COLUMNS,
    _UPSERT_EVENT,
    _event,
    _event_params,
    event_query_sql,
)
from bridge.store import (
    CameraHeartbeat,
    EventPage,
    EventQuery,
    StoredEvent,
    StoreError,
    StoreUnavailable,
)

__all__ = [
    "BUSY_TIMEOUT_MS",
    "RETENTION_BATCH",
    "SqliteStore",
    "connect_sqlite",
    "event_query_sql",
    "sqlite_path",
]

T = TypeVar("T")
RETENTION_BATCH = 5_000
_TRANSIENT = re.compile(r"locked|busy|unable to open|disk|I/O", re.I)


class SqliteStore(SqliteRecords, SqliteMedia):
    """`Store` on a SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._writer: ThreadPoolExecutor | None = None
        self._reader: ThreadPoolExecutor | None = None
        self._wconn: sqlite3.Connection | None = None
        self._rconn: sqlite3.Connection | None = None

    @classmethod
    def from_url(cls, url: str) -> SqliteStore:
        return cls(sqlite_path(url))

    # -- plumbing ----------------------------------------------------------------------------

    async def _run(self, pool: ThreadPoolExecutor | None, fn: Callable[[], T]) -> T:
        if pool is None:
            raise StoreError("the store is not open")
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, fn)
        except sqlite3.OperationalError as err:
            if _TRANSIENT.search(str(err)):
                raise StoreUnavailable(f"SQLite database {self.path}: {err}") from err
            raise StoreError(f"SQLite database {self.path}: {err}") from err
        except sqlite3.Error as err:
            raise StoreError(f"SQLite database {self.path}: {err}") from err

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._wconn

        def run() -> T:
            assert conn is not None
            return fn(conn)

        return await self._run(self._writer, run)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._rconn

        def run() -> T:
            assert conn is not None
            return fn(conn)

        return await self._run(self._reader, run)

    @staticmethod
    def _transaction(conn: sqlite3.Connection, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    async def _write_tx(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        return await self._write(partial(self._transaction, fn=fn))

    # -- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        if self._writer is not None:
            return
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        memory = self.path == ":memory:"
        self._reader = (
            self._writer if memory else ThreadPoolExecutor(1, thread_name_prefix="sqlite-reader")
        )
        try:
            self._wconn = await self._run(self._writer, partial(connect_sqlite, self.path))
            await self.migrate()
            self._rconn = (
                self._wconn
                if memory
                else await self._run(self._reader, partial(connect_sqlite, self.path))
            )
        except BaseException:
            await self.close()
            raise

    async def migrate(
        self, target: int | None = None, *, directory: Path | None = None
    ) -> list[str]:
        return await self._write(lambda conn: migrate_sqlite(conn, target, directory))

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        if self._rconn is not None and self._rconn is not self._wconn and self._reader:
            await loop.run_in_executor(self._reader, self._rconn.close)
        if self._wconn is not None and self._writer is not None:
            await loop.run_in_executor(self._writer, self._wconn.close)
        for pool in {p for p in (self._reader, self._writer) if p is not None}:
            pool.shutdown(wait=False)  # idle: every call has returned
        self._writer = self._reader = None
        self._wconn = self._rconn = None

    # -- events ------------------------------------------------------------------------------

    async def write_events(self, events: Sequence[Event]) -> list[Event]:
        if not events:
            return []
        lookups = list({e.event_id for e in events if needs_start_lookup(e)})

        def run(conn: sqlite3.Connection) -> list[Event]:
            kept, refused = fence_batch(conn, events)
            known: dict[str, datetime] = {}
            for event_id in lookups:
                row = conn.execute(
                    "SELECT started_at FROM events WHERE event_id = ? ORDER BY started_at DESC",
                    (event_id,),
                ).fetchone()
                if row is not None:
                    known[event_id] = from_micros(row[0])
            rows = fold_events(kept, known)
            conn.executemany(_UPSERT_EVENT, [_event_params(r) for r in rows])
            return refused

        return await self._write_tx(run)

    async def record_fences(self, generations: Mapping[str, int]) -> dict[str, int]:
        return await self._write_tx(lambda conn: raise_fences(conn, generations))

    async def get_event(self, event_id: str) -> StoredEvent | None:
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = ? ORDER BY started_at DESC"
        row = await self._read(lambda conn: conn.execute(sql, (event_id,)).fetchone())
        return None if row is None else _event(row)

    async def query_events(self, query: EventQuery) -> EventPage:
        sql, params = event_query_sql(query)
        rows = await self._read(lambda conn: conn.execute(sql, params).fetchall())
        limit = max(1, query.limit)
        events = [_event(row) for row in rows[:limit]]
        cursor = None
        if len(rows) > limit:
            cursor = encode_cursor(events[-1].started_at, events[-1].event_id)
        return EventPage(events, cursor)

    async def acknowledge_event(self, event_id: str, by: str | None) -> StoredEvent | None:
        now = to_micros(utcnow())

        def run(conn: sqlite3.Connection) -> StoredEvent | None:
            conn.execute(
                "UPDATE events SET acknowledged = 1, acknowledged_at = ?, acknowledged_by = ? "
                "WHERE event_id = ? AND acknowledged = 0",
                (now, by, event_id),
            )
            row = conn.execute(
                f"SELECT {_EVENT_COLUMNS} FROM events WHERE event_id = ? ORDER BY started_at DESC",
                (event_id,),
            ).fetchone()
            return None if row is None else _event(row)

        return await self._write_tx(run)

    async def purge_events(self, before: datetime) -> int:
        """Deletes in batches of RETENTION_BATCH rows, one short transaction each."""
        cutoff = to_micros(before)
        sql = (
            "DELETE FROM events WHERE rowid IN "
            "(SELECT rowid FROM events WHERE started_at < ? ORDER BY started_at LIMIT ?)"
        )
        removed = 0
        while True:
            cursor = await self._write(lambda conn: conn.execute(sql, (cutoff, RETENTION_BATCH)))
            removed += cursor.rowcount
            if cursor.rowcount < RETENTION_BATCH:
                return removed

    async def open_events(self, started_before: datetime) -> list[StoredEvent]:
        sql = (
            f"SELECT {_EVENT_COLUMNS} FROM events WHERE phase = 'start' AND started_at < ? "
            "ORDER BY started_at, event_id"
        )
        cutoff = to_micros(started_before)
        rows = await self._read(lambda conn: conn.execute(sql, (cutoff,)).fetchall())
        return [_event(row) for row in rows]

    # -- heartbeats --------------------------------------------------------------------------

    async def record_heartbeats(self, heartbeats: Sequence[CameraHeartbeat]) -> None:
        if not heartbeats:
            return
        params = [(h.camera_id, to_micros(h.seen_at)) for h in heartbeats]
        sql = (
            "INSERT INTO camera_heartbeats (camera_id, seen_at) VALUES (?, ?) "
            "ON CONFLICT (camera_id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)"
        )
        await self._write_tx(lambda conn: conn.executemany(sql, params))

    async def heartbeats(self, camera_ids: Sequence[str]) -> dict[str, datetime]:
        if not camera_ids:
            return {}
        ids = list(camera_ids)
        sql = (
            "SELECT camera_id, seen_at FROM camera_heartbeats "
            f"WHERE camera_id IN ({','.join('?' * len(ids))})"
        )
        rows = await self._read(lambda conn: conn.execute(sql, ids).fetchall())
        return {row[0]: from_micros(row[1]) for row in rows}
