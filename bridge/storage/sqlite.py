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
import json
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from bridge.domain.base import utcnow
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage._common import (
    EventRow,
    decode_cursor,
    encode_cursor,
    fold_events,
    from_micros,
    needs_start_lookup,
    new_installation_id,
    to_micros,
)
from bridge.storage._migrations import migrate_sqlite
from bridge.storage.sqlite_fences import fence_batch, raise_fences
from bridge.storage.sqlite_media import SqliteMedia
from bridge.store import (
    ApiTokenRecord,
    CameraConfigVersion,
    CameraHeartbeat,
    CameraRecord,
    CommandRecord,
    EventPage,
    EventQuery,
    StoredEvent,
    StoreError,
    StoreUnavailable,
)

T = TypeVar("T")
BUSY_TIMEOUT_MS = 10_000
RETENTION_BATCH = 5_000
_TRANSIENT = re.compile(r"locked|busy|unable to open|disk|I/O", re.I)


def sqlite_path(url: str) -> str:
    """`sqlite:///relative/path`, `sqlite:////absolute/path`, `sqlite:///:memory:` → the path."""
    if not url.startswith("sqlite://"):
        raise StoreError("a SQLite URL starts with sqlite:///")
    rest = url[len("sqlite://") :]
    path = rest[1:] if rest.startswith("/") else rest
    if not path:
        raise StoreError("the SQLite URL has no path (sqlite:///path/to/file.db)")
    return path


def connect_sqlite(path: str) -> sqlite3.Connection:
    """A connection in autocommit mode with the store's pragmas (creates the file's directory)."""
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as err:
        raise StoreUnavailable(f"cannot open SQLite database {path}: {err}") from err
    return conn


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _us(value: datetime | None) -> int | None:
    return None if value is None else to_micros(value)


def _dt(value: int | None) -> datetime | None:
    return None if value is None else from_micros(value)


# Upsert rule of bridge.storage._common.merge_rows, in SQL.
_UPSERT_EVENT = """
INSERT INTO events (event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at,
                    duration, severity, metadata, snapshot_path, clip)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (event_id, started_at) DO UPDATE SET
    phase = CASE WHEN excluded.phase = 'end' THEN 'end' ELSE events.phase END,
    ended_at = CASE WHEN excluded.phase = 'end' THEN excluded.ended_at ELSE events.ended_at END,
    duration = CASE WHEN excluded.phase = 'end' THEN excluded.duration ELSE events.duration END,
    metadata = CASE WHEN excluded.phase = 'end' THEN json_patch(events.metadata, excluded.metadata)
                    ELSE json_patch(excluded.metadata, events.metadata) END,
    camera_name = CASE WHEN events.camera_name = '' THEN excluded.camera_name
                       ELSE events.camera_name END,
    severity = coalesce(events.severity, excluded.severity),
    snapshot_path = coalesce(events.snapshot_path, excluded.snapshot_path),
    clip = coalesce(events.clip, excluded.clip)
WHERE (excluded.phase = 'end' AND events.phase = 'start')
   OR (excluded.phase = 'start' AND events.phase = 'end')
"""

_EVENT_COLUMNS = (
    "event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at, duration, "
    "severity, metadata, snapshot_path, clip, acknowledged, acknowledged_at, acknowledged_by, "
    "recording_id"
)
_CAMERA_COLUMNS = (
    'id, name, host, port, https, username, password_encrypted, channel, tags, "group", enabled, '
    "poll_interval, source, model, firmware, capabilities, status, last_seen, created_at, "
    "updated_at, verify_tls, channels, push, baichuan_port"
)
_TOKEN_COLUMNS = "id, name, token_hash, created_at, last_used_at, revoked_at, scope"


def _event(row: sqlite3.Row | tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        event_id=row[0],
        camera_id=row[1],
        camera_name=row[2],
        channel=row[3],
        type=EventType(row[4]),
        phase=EventPhase(row[5]),
        started_at=from_micros(row[6]),
        ended_at=_dt(row[7]),
        duration=row[8],
        severity=row[9],
        metadata=json.loads(row[10]),
        snapshot_path=row[11],
        clip=row[12],
        acknowledged=bool(row[13]),
        acknowledged_at=_dt(row[14]),
        acknowledged_by=row[15],
        recording_id=row[16],
    )


def _camera(row: tuple[Any, ...]) -> CameraRecord:
    return CameraRecord(
        id=row[0],
        name=row[1],
        host=row[2],
        port=row[3],
        https=bool(row[4]),
        username=row[5],
        password_encrypted=row[6],
        channel=row[7],
        tags=tuple(json.loads(row[8])),
        group=row[9],
        enabled=bool(row[10]),
        poll_interval=row[11],
        source=row[12],
        model=row[13],
        firmware=row[14],
        capabilities=None if row[15] is None else json.loads(row[15]),
        status=row[16],
        last_seen=_dt(row[17]),
        created_at=_dt(row[18]),
        updated_at=_dt(row[19]),
        verify_tls=bool(row[20]),
        channels=json.loads(row[21]),
        push=row[22],
        baichuan_port=row[23],
    )


def _command(row: tuple[Any, ...]) -> CommandRecord:
    return CommandRecord(
        id=row[0],
        camera_id=row[1],
        source=row[2],
        command=json.loads(row[3]),
        status=row[4],
        error=row[5],
        who=row[6],
        transaction=row[7],
        at=from_micros(row[8]),
    )


def _token(row: tuple[Any, ...]) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row[0],
        name=row[1],
        token_hash=row[2],
        created_at=from_micros(row[3]),
        last_used_at=_dt(row[4]),
        revoked_at=_dt(row[5]),
        scope=row[6],
    )


def _event_params(row: EventRow) -> tuple[Any, ...]:
    return (
        row.event_id,
        row.camera_id,
        row.camera_name,
        row.channel,
        row.type,
        row.phase,
        to_micros(row.started_at),
        _us(row.ended_at),
        row.duration,
        row.severity,
        _json(row.metadata),
        row.snapshot_path,
        row.clip,
    )


def event_query_sql(query: EventQuery) -> tuple[str, list[Any]]:
    """The page query: filters combined with AND, newest first, keyset after the cursor."""
    where: list[str] = []
    params: list[Any] = []
    if query.camera_ids:
        where.append(f"camera_id IN ({','.join('?' * len(query.camera_ids))})")
        params.extend(query.camera_ids)
    if query.types:
        where.append(f"type IN ({','.join('?' * len(query.types))})")
        params.extend(str(t) for t in query.types)
    if query.since is not None:
        where.append("started_at >= ?")
        params.append(to_micros(query.since))
    if query.until is not None:
        where.append("started_at < ?")
        params.append(to_micros(query.until))
    if query.acknowledged is not None:
        where.append("acknowledged = ?")
        params.append(int(query.acknowledged))
    if query.cursor:
        at, event_id = decode_cursor(query.cursor)
        where.append("(started_at, event_id) < (?, ?)")
        params.extend((to_micros(at), event_id))
    sql = f"SELECT {_EVENT_COLUMNS} FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY started_at DESC, event_id DESC LIMIT ?"
    params.append(max(1, query.limit) + 1)
    return sql, params


class SqliteStore(SqliteMedia):
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

    # -- cameras -----------------------------------------------------------------------------

    async def upsert_camera(self, camera: CameraRecord) -> None:
        now = to_micros(utcnow())
        params = (
            camera.id,
            camera.name,
            camera.host,
            camera.port,
            int(camera.https),
            camera.username,
            camera.password_encrypted,
            camera.channel,
            _json(list(camera.tags)),
            camera.group,
            int(camera.enabled),
            camera.poll_interval,
            camera.source,
            camera.model,
            camera.firmware,
            None if camera.capabilities is None else _json(camera.capabilities),
            camera.status,
            _us(camera.last_seen),
            _us(camera.created_at) or now,
            now,
            int(camera.verify_tls),
            _json(camera.channels),
            camera.push,
            camera.baichuan_port,
        )
        sql = f"""
            INSERT INTO cameras ({_CAMERA_COLUMNS})
            VALUES ({",".join("?" * 24)})
            ON CONFLICT (id) DO UPDATE SET
                name = excluded.name, host = excluded.host, port = excluded.port,
                https = excluded.https, verify_tls = excluded.verify_tls,
                channels = excluded.channels,
                push = excluded.push, baichuan_port = excluded.baichuan_port,
                username = excluded.username,
                password_encrypted = excluded.password_encrypted, channel = excluded.channel,
                tags = excluded.tags, "group" = excluded."group", enabled = excluded.enabled,
                poll_interval = excluded.poll_interval, source = excluded.source,
                model = coalesce(excluded.model, cameras.model),
                firmware = coalesce(excluded.firmware, cameras.firmware),
                capabilities = coalesce(excluded.capabilities, cameras.capabilities),
                status = coalesce(excluded.status, cameras.status),
                last_seen = coalesce(excluded.last_seen, cameras.last_seen),
                updated_at = excluded.updated_at
        """
        await self._write(lambda conn: conn.execute(sql, params))

    async def get_camera(self, camera_id: str) -> CameraRecord | None:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras WHERE id = ?"
        row = await self._read(lambda conn: conn.execute(sql, (camera_id,)).fetchone())
        return None if row is None else _camera(row)

    async def list_cameras(self) -> list[CameraRecord]:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras ORDER BY id"
        rows = await self._read(lambda conn: conn.execute(sql).fetchall())
        return [_camera(row) for row in rows]

    async def delete_camera(self, camera_id: str) -> bool:
        cursor = await self._write(
            lambda conn: conn.execute("DELETE FROM cameras WHERE id = ?", (camera_id,))
        )
        return cursor.rowcount > 0

    async def update_camera_status(
        self,
        camera_id: str,
        *,
        status: str,
        last_seen: datetime | None = None,
        model: str | None = None,
        firmware: str | None = None,
        capabilities: dict[str, Any] | None = None,
    ) -> None:
        params = (
            status,
            _us(last_seen),
            model,
            firmware,
            None if capabilities is None else _json(capabilities),
            camera_id,
        )
        sql = """
            UPDATE cameras SET status = ?, last_seen = coalesce(?, last_seen),
                model = coalesce(?, model), firmware = coalesce(?, firmware),
                capabilities = coalesce(?, capabilities)
            WHERE id = ?
        """
        await self._write(lambda conn: conn.execute(sql, params))

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

    # -- command audit -----------------------------------------------------------------------

    async def record_commands(self, records: Sequence[CommandRecord]) -> None:
        if not records:
            return
        now = utcnow()
        params = [
            (
                r.camera_id,
                r.source,
                _json(r.command),
                r.status,
                r.error,
                r.who,
                r.transaction,
                to_micros(r.at or now),
                r.request_id,
            )
            for r in records
        ]
        # A request's result delivered again (the bus is at-least-once) is written once.
        sql = (
            'INSERT INTO commands (camera_id, source, command, status, error, who, "transaction",'
            " at, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
        )
        await self._write_tx(lambda conn: conn.executemany(sql, params))

    async def list_commands(
        self, camera_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[CommandRecord]:
        where: list[str] = []
        params: list[Any] = []
        if camera_id is not None:
            where.append("camera_id = ?")
            params.append(camera_id)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        sql = (
            'SELECT id, camera_id, source, command, status, error, who, "transaction", at '
            "FROM commands"
            + (" WHERE " + " AND ".join(where) if where else "")
            + " ORDER BY id DESC LIMIT ?"
        )
        params.append(limit)
        rows = await self._read(lambda conn: conn.execute(sql, params).fetchall())
        return [_command(row) for row in rows]

    # -- camera configuration versions -------------------------------------------------------

    async def save_camera_config(
        self, camera_id: str, kind: str, data: dict[str, Any], who: str | None = None
    ) -> int:
        now = to_micros(utcnow())

        def run(conn: sqlite3.Connection) -> int:
            (version,) = conn.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM camera_configs "
                "WHERE camera_id = ? AND kind = ?",
                (camera_id, kind),
            ).fetchone()
            conn.execute(
                "INSERT INTO camera_configs (camera_id, kind, version, data, created_at, who) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (camera_id, kind, version, _json(data), now, who),
            )
            return int(version)

        try:
            return await self._write_tx(run)
        except StoreError as err:
            if isinstance(err.__cause__, sqlite3.IntegrityError):
                raise StoreError(f"camera {camera_id!r} is not in the registry") from err
            raise

    async def camera_config_history(
        self, camera_id: str, kind: str, limit: int = 20
    ) -> list[CameraConfigVersion]:
        sql = (
            "SELECT camera_id, kind, version, data, created_at, who FROM camera_configs "
            "WHERE camera_id = ? AND kind = ? ORDER BY version DESC LIMIT ?"
        )
        rows = await self._read(lambda conn: conn.execute(sql, (camera_id, kind, limit)).fetchall())
        return [
            CameraConfigVersion(r[0], r[1], r[2], json.loads(r[3]), from_micros(r[4]), r[5])
            for r in rows
        ]

    # -- API tokens --------------------------------------------------------------------------

    async def add_token(self, token: ApiTokenRecord) -> None:
        params = (
            token.id,
            token.name,
            token.token_hash,
            to_micros(token.created_at),
            _us(token.last_used_at),
            _us(token.revoked_at),
            token.scope,
        )
        sql = f"INSERT INTO api_tokens ({_TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        await self._write(lambda conn: conn.execute(sql, params))

    async def find_token(self, token_hash: str) -> ApiTokenRecord | None:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = ?"
        row = await self._read(lambda conn: conn.execute(sql, (token_hash,)).fetchone())
        return None if row is None else _token(row)

    async def list_tokens(self) -> list[ApiTokenRecord]:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
        rows = await self._read(lambda conn: conn.execute(sql).fetchall())
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: str) -> bool:
        now = to_micros(utcnow())
        cursor = await self._write(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (now, token_id),
            )
        )
        return cursor.rowcount > 0

    async def touch_token(self, token_id: str, at: datetime) -> None:
        await self._write(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (to_micros(at), token_id)
            )
        )

    # -- the installation --------------------------------------------------------------------

    async def installation_id(self) -> str:
        def run(conn: sqlite3.Connection) -> str:
            conn.execute(
                "INSERT INTO bridge_meta (key, value) VALUES ('installation_id', ?) "
                "ON CONFLICT (key) DO NOTHING",
                (new_installation_id(),),
            )
            row = conn.execute(
                "SELECT value FROM bridge_meta WHERE key = 'installation_id'"
            ).fetchone()
            return str(row[0])

        return await self._write_tx(run)
