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
import json
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

from bridge.domain.base import utcnow
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.redaction import redact, url_secrets
from bridge.storage._common import (
    EventRow,
    decode_cursor,
    encode_cursor,
    fold_events,
    needs_start_lookup,
    new_installation_id,
    utc,
)
from bridge.storage._migrations import migrate_postgres
from bridge.storage.postgres_fences import fence_batch, raise_fences
from bridge.storage.postgres_media import PostgresMedia
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
CONNECT_TIMEOUT = 5.0
COMMAND_TIMEOUT = 300.0
DEFAULT_COPY_THRESHOLD = 32  # bench/store.py: executemany wins below ~20-30 rows, COPY above
PARTITIONS_AHEAD = 2

_LOST = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
)
_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.OperatorInterventionError,
    *_LOST,
)

_EVENT_FIELDS = (
    "event_id",
    "camera_id",
    "camera_name",
    "channel",
    "type",
    "phase",
    "started_at",
    "ended_at",
    "duration",
    "severity",
    "metadata",
    "snapshot_path",
    "clip",
)
_EVENT_COLUMNS = ", ".join(
    (*_EVENT_FIELDS, "acknowledged", "acknowledged_at", "acknowledged_by", "recording_id")
)
_CAMERA_COLUMNS = (
    'id, name, host, port, https, username, password_encrypted, channel, tags, "group", enabled, '
    "poll_interval, source, model, firmware, capabilities, status, last_seen, created_at, "
    "updated_at, verify_tls, channels, push, baichuan_port"
)
_TOKEN_COLUMNS = "id, name, token_hash, created_at, last_used_at, revoked_at, scope"

# Upsert rule of bridge.storage._common.merge_rows, in SQL; shared by both write paths.
_ON_CONFLICT = """
ON CONFLICT (event_id, started_at) DO UPDATE SET
    phase = CASE WHEN EXCLUDED.phase = 'end' THEN 'end' ELSE e.phase END,
    ended_at = CASE WHEN EXCLUDED.phase = 'end' THEN EXCLUDED.ended_at ELSE e.ended_at END,
    duration = CASE WHEN EXCLUDED.phase = 'end' THEN EXCLUDED.duration ELSE e.duration END,
    metadata = CASE WHEN EXCLUDED.phase = 'end' THEN e.metadata || EXCLUDED.metadata
                    ELSE EXCLUDED.metadata || e.metadata END,
    camera_name = CASE WHEN e.camera_name = '' THEN EXCLUDED.camera_name ELSE e.camera_name END,
    severity = coalesce(e.severity, EXCLUDED.severity),
    snapshot_path = coalesce(e.snapshot_path, EXCLUDED.snapshot_path),
    clip = coalesce(e.clip, EXCLUDED.clip)
WHERE (EXCLUDED.phase = 'end' AND e.phase = 'start')
   OR (EXCLUDED.phase = 'start' AND e.phase = 'end')
"""
_UPSERT_EVENT = (
    f"INSERT INTO events AS e ({', '.join(_EVENT_FIELDS)}) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13)" + _ON_CONFLICT
)
_STAGING = "events_staging"
_CREATE_STAGING = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    event_id text, camera_id text, camera_name text, channel integer, type text, phase text,
    started_at timestamptz, ended_at timestamptz, duration double precision, severity text,
    metadata text, snapshot_path text, clip text
) ON COMMIT DELETE ROWS
"""
_FROM_STAGING = (
    f"INSERT INTO events AS e ({', '.join(_EVENT_FIELDS)}) "
    "SELECT event_id, camera_id, camera_name, channel, type, phase, started_at, ended_at, "
    f"duration, severity, metadata::jsonb, snapshot_path, clip FROM {_STAGING}" + _ON_CONFLICT
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def describe(url: str, err: BaseException) -> str:
    """Why a call failed, with the URL's password masked (also inside the driver's text)."""
    detail = redact(str(err) or type(err).__name__, url_secrets(url))
    return f"PostgreSQL at {redact(url)}: {type(err).__name__}: {detail}"


def translate(url: str, err: BaseException) -> StoreError:
    if isinstance(err, StoreError):
        return err
    if isinstance(err, _UNREACHABLE):
        return StoreUnavailable(describe(url, err))
    return StoreError(describe(url, err))


async def connect_postgres(url: str) -> asyncpg.Connection:
    """One connection (migrations from the CLI); StoreUnavailable with a masked URL on failure."""
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except Exception as err:
        raise translate(url, err) from None


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=_json, decoder=json.loads, schema="pg_catalog")
    await conn.execute(_CREATE_STAGING)


def _event(row: asyncpg.Record) -> StoredEvent:
    return StoredEvent(
        event_id=row["event_id"],
        camera_id=row["camera_id"],
        camera_name=row["camera_name"],
        channel=row["channel"],
        type=EventType(row["type"]),
        phase=EventPhase(row["phase"]),
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        duration=row["duration"],
        severity=row["severity"],
        metadata=row["metadata"],
        snapshot_path=row["snapshot_path"],
        clip=row["clip"],
        acknowledged=row["acknowledged"],
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
        recording_id=row["recording_id"],
    )


def _camera(row: asyncpg.Record) -> CameraRecord:
    return CameraRecord(
        id=row["id"],
        name=row["name"],
        host=row["host"],
        port=row["port"],
        https=row["https"],
        username=row["username"],
        password_encrypted=row["password_encrypted"],
        channel=row["channel"],
        tags=tuple(row["tags"]),
        group=row["group"],
        enabled=row["enabled"],
        poll_interval=row["poll_interval"],
        source=row["source"],
        model=row["model"],
        firmware=row["firmware"],
        capabilities=row["capabilities"],
        status=row["status"],
        last_seen=row["last_seen"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        verify_tls=row["verify_tls"],
        channels=row["channels"],
        push=row["push"],
        baichuan_port=row["baichuan_port"],
    )


def _command(row: asyncpg.Record) -> CommandRecord:
    return CommandRecord(
        id=row["id"],
        camera_id=row["camera_id"],
        source=row["source"],
        command=row["command"],
        status=row["status"],
        error=row["error"],
        who=row["who"],
        transaction=row["transaction"],
        at=row["at"],
    )


def _token(row: asyncpg.Record) -> ApiTokenRecord:
    return ApiTokenRecord(
        id=row["id"],
        name=row["name"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
        scope=row["scope"],
    )


def _row_values(row: EventRow, metadata: Any) -> tuple[Any, ...]:
    return (
        row.event_id,
        row.camera_id,
        row.camera_name,
        row.channel,
        row.type,
        row.phase,
        row.started_at,
        row.ended_at,
        row.duration,
        row.severity,
        metadata,
        row.snapshot_path,
        row.clip,
    )


def event_query_sql(query: EventQuery) -> tuple[str, list[Any]]:
    """The page query (a handful of distinct texts, each prepared once per connection)."""
    where: list[str] = []
    params: list[Any] = []

    def param(value: Any, cast: str = "") -> str:
        params.append(value)
        return f"${len(params)}{cast}"

    if len(query.camera_ids) == 1:
        where.append(f"camera_id = {param(query.camera_ids[0])}")
    elif query.camera_ids:
        where.append(f"camera_id = ANY({param(list(query.camera_ids), '::text[]')})")
    if len(query.types) == 1:
        where.append(f"type = {param(str(query.types[0]))}")
    elif query.types:
        where.append(f"type = ANY({param([str(t) for t in query.types], '::text[]')})")
    if query.since is not None:
        where.append(f"started_at >= {param(utc(query.since))}")
    if query.until is not None:
        where.append(f"started_at < {param(utc(query.until))}")
    if query.acknowledged is not None:
        where.append("acknowledged" if query.acknowledged else "NOT acknowledged")
    if query.cursor:
        at, event_id = decode_cursor(query.cursor)
        where.append(f"(started_at, event_id) < ({param(at)}, {param(event_id)})")
    sql = f"SELECT {_EVENT_COLUMNS} FROM events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY started_at DESC, event_id DESC LIMIT {param(max(1, query.limit) + 1)}"
    return sql, params


class PostgresStore(PostgresMedia):
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

    # -- cameras -----------------------------------------------------------------------------

    async def upsert_camera(self, camera: CameraRecord) -> None:
        now = utcnow()
        sql = f"""
            INSERT INTO cameras ({_CAMERA_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                    $18, $19, $20, $21, $22, $23, $24)
            ON CONFLICT (id) DO UPDATE SET
                name = EXCLUDED.name, host = EXCLUDED.host, port = EXCLUDED.port,
                https = EXCLUDED.https, verify_tls = EXCLUDED.verify_tls,
                channels = EXCLUDED.channels,
                push = EXCLUDED.push, baichuan_port = EXCLUDED.baichuan_port,
                username = EXCLUDED.username,
                password_encrypted = EXCLUDED.password_encrypted, channel = EXCLUDED.channel,
                tags = EXCLUDED.tags, "group" = EXCLUDED."group", enabled = EXCLUDED.enabled,
                poll_interval = EXCLUDED.poll_interval, source = EXCLUDED.source,
                model = coalesce(EXCLUDED.model, cameras.model),
                firmware = coalesce(EXCLUDED.firmware, cameras.firmware),
                capabilities = coalesce(EXCLUDED.capabilities, cameras.capabilities),
                status = coalesce(EXCLUDED.status, cameras.status),
                last_seen = coalesce(EXCLUDED.last_seen, cameras.last_seen),
                updated_at = EXCLUDED.updated_at
        """
        args = (
            camera.id,
            camera.name,
            camera.host,
            camera.port,
            camera.https,
            camera.username,
            camera.password_encrypted,
            camera.channel,
            list(camera.tags),
            camera.group,
            camera.enabled,
            camera.poll_interval,
            camera.source,
            camera.model,
            camera.firmware,
            camera.capabilities,
            camera.status,
            camera.last_seen,
            camera.created_at or now,
            now,
            camera.verify_tls,
            camera.channels,
            camera.push,
            camera.baichuan_port,
        )
        await self._call(lambda conn: conn.execute(sql, *args))

    async def get_camera(self, camera_id: str) -> CameraRecord | None:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras WHERE id = $1"
        row = await self._call(lambda conn: conn.fetchrow(sql, camera_id))
        return None if row is None else _camera(row)

    async def list_cameras(self) -> list[CameraRecord]:
        sql = f"SELECT {_CAMERA_COLUMNS} FROM cameras ORDER BY id"
        rows = await self._call(lambda conn: conn.fetch(sql))
        return [_camera(row) for row in rows]

    async def delete_camera(self, camera_id: str) -> bool:
        status = await self._call(
            lambda conn: conn.execute("DELETE FROM cameras WHERE id = $1", camera_id)
        )
        return bool(status != "DELETE 0")

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
        sql = """
            UPDATE cameras SET status = $1, last_seen = coalesce($2, last_seen),
                model = coalesce($3, model), firmware = coalesce($4, firmware),
                capabilities = coalesce($5, capabilities)
            WHERE id = $6
        """
        await self._call(
            lambda conn: conn.execute(
                sql, status, last_seen, model, firmware, capabilities, camera_id
            )
        )

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

    # -- command audit -----------------------------------------------------------------------

    async def record_commands(self, records: Sequence[CommandRecord]) -> None:
        if not records:
            return
        now = utcnow()
        args = [
            (
                r.camera_id,
                r.source,
                r.command,
                r.status,
                r.error,
                r.who,
                r.transaction,
                r.at or now,
                r.request_id,
            )
            for r in records
        ]
        # A request's result delivered again (the bus is at-least-once) is written once.
        sql = (
            "INSERT INTO commands (camera_id, source, command, status, error, who, transaction, "
            "at, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING"
        )

        async def run(conn: asyncpg.Connection) -> None:
            async with conn.transaction():
                await conn.executemany(sql, args)

        await self._call(run, retry=False)

    async def list_commands(
        self, camera_id: str | None = None, limit: int = 100, before_id: int | None = None
    ) -> list[CommandRecord]:
        where: list[str] = []
        params: list[Any] = []
        if camera_id is not None:
            params.append(camera_id)
            where.append(f"camera_id = ${len(params)}")
        if before_id is not None:
            params.append(before_id)
            where.append(f"id < ${len(params)}")
        params.append(limit)
        sql = (
            "SELECT id, camera_id, source, command, status, error, who, transaction, at "
            "FROM commands"
            + (" WHERE " + " AND ".join(where) if where else "")
            + f" ORDER BY id DESC LIMIT ${len(params)}"
        )
        rows = await self._call(lambda conn: conn.fetch(sql, *params))
        return [_command(row) for row in rows]

    # -- camera configuration versions -------------------------------------------------------

    async def save_camera_config(
        self, camera_id: str, kind: str, data: dict[str, Any], who: str | None = None
    ) -> int:
        async def run(conn: asyncpg.Connection) -> int:
            async with conn.transaction():
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))", camera_id, kind
                )
                version = await conn.fetchval(
                    "INSERT INTO camera_configs (camera_id, kind, version, data, who) "
                    "SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4 FROM camera_configs "
                    "WHERE camera_id = $1 AND kind = $2 RETURNING version",
                    camera_id,
                    kind,
                    data,
                    who,
                )
                return int(version)

        try:
            return await self._call(run, retry=False)
        except StoreError as err:
            if "camera_configs_camera_id_fkey" in str(err):
                raise StoreError(f"camera {camera_id!r} is not in the registry") from None
            raise

    async def camera_config_history(
        self, camera_id: str, kind: str, limit: int = 20
    ) -> list[CameraConfigVersion]:
        sql = (
            "SELECT camera_id, kind, version, data, created_at, who FROM camera_configs "
            "WHERE camera_id = $1 AND kind = $2 ORDER BY version DESC LIMIT $3"
        )
        rows = await self._call(lambda conn: conn.fetch(sql, camera_id, kind, limit))
        return [
            CameraConfigVersion(
                r["camera_id"], r["kind"], r["version"], r["data"], r["created_at"], r["who"]
            )
            for r in rows
        ]

    # -- API tokens --------------------------------------------------------------------------

    async def add_token(self, token: ApiTokenRecord) -> None:
        sql = f"INSERT INTO api_tokens ({_TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        await self._call(
            lambda conn: conn.execute(
                sql,
                token.id,
                token.name,
                token.token_hash,
                token.created_at,
                token.last_used_at,
                token.revoked_at,
                token.scope,
            ),
            retry=False,
        )

    async def find_token(self, token_hash: str) -> ApiTokenRecord | None:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"
        row = await self._call(lambda conn: conn.fetchrow(sql, token_hash))
        return None if row is None else _token(row)

    async def list_tokens(self) -> list[ApiTokenRecord]:
        sql = f"SELECT {_TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id"
        rows = await self._call(lambda conn: conn.fetch(sql))
        return [_token(row) for row in rows]

    async def revoke_token(self, token_id: str) -> bool:
        status = await self._call(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
                token_id,
            )
        )
        return bool(status != "UPDATE 0")

    async def touch_token(self, token_id: str, at: datetime) -> None:
        await self._call(
            lambda conn: conn.execute(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", token_id, utc(at)
            )
        )

    # -- the installation --------------------------------------------------------------------

    async def installation_id(self) -> str:
        sql = (
            "WITH made AS (INSERT INTO bridge_meta (key, value) VALUES ('installation_id', $1) "
            "ON CONFLICT (key) DO NOTHING RETURNING value) "
            "SELECT value FROM made UNION ALL "
            "SELECT value FROM bridge_meta WHERE key = 'installation_id' LIMIT 1"
        )
        value = await self._call(lambda conn: conn.fetchval(sql, new_installation_id()))
        return str(value)
