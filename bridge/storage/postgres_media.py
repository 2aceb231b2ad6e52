"""The PostgreSQL store's event media and recordings index (a mixin of `PostgresStore`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

import asyncpg  # type: ignore[import-untyped]

from bridge.domain.recordings import Recording
from bridge.storage._common import utc
from bridge.storage._recordings import (
    RECORDING_COLUMNS,
    check_media_field,
    decode_recording_cursor,
    encode_recording_cursor,
    unique_found,
)
from bridge.store import (
    EventMediaField,
    RecordingPage,
    RecordingQuery,
    RecordingSync,
    StoredRecording,
)

T = TypeVar("T")

_UPSERT = """
INSERT INTO recordings (camera_id, channel, stream, name, start, "end", size, triggers, seen_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (camera_id, channel, stream, name) DO UPDATE SET
    start = EXCLUDED.start, "end" = EXCLUDED."end", size = EXCLUDED.size,
    triggers = EXCLUDED.triggers, seen_at = EXCLUDED.seen_at, gone_at = NULL
"""


def _recording(row: asyncpg.Record) -> StoredRecording:
    return StoredRecording(
        id=row["id"],
        camera_id=row["camera_id"],
        channel=row["channel"],
        stream=row["stream"],
        name=row["name"],
        start=row["start"],
        end=row["end"],
        size=row["size"],
        triggers=tuple(row["triggers"]),
        gone_at=row["gone_at"],
        seen_at=row["seen_at"],
    )


def _query_sql(query: RecordingQuery) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []

    def arg(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    for column, value in (
        ("camera_id", query.camera_id),
        ("channel", query.channel),
        ("stream", query.stream),
    ):
        if value is not None:
            where.append(f"{column} = {arg(value)}")
    if query.since is not None:
        where.append(f'"end" >= {arg(utc(query.since))}')
    if query.until is not None:
        where.append(f"start < {arg(utc(query.until))}")
    if query.triggers:
        where.append(f"triggers ?| {arg(list(query.triggers))}::text[]")
    if not query.include_gone:
        where.append("gone_at IS NULL")
    if query.cursor:
        at, ident = decode_recording_cursor(query.cursor)
        where.append(f"(start, id) < ({arg(at)}, {arg(ident)})")
    sql = f"SELECT {RECORDING_COLUMNS} FROM recordings"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY start DESC, id DESC LIMIT {arg(max(1, query.limit) + 1)}"
    return sql, params


class PostgresMedia(ABC):
    @abstractmethod
    async def _call(
        self, fn: Callable[[asyncpg.Connection], Awaitable[T]], *, retry: bool = True
    ) -> T: ...

    async def set_event_media(
        self, event_id: str, field: EventMediaField, value: str | int | None
    ) -> bool:
        check_media_field(field)
        sql = f"UPDATE events SET {field} = $1 WHERE event_id = $2"
        status = await self._call(lambda conn: conn.execute(sql, value, event_id))
        return not str(status).endswith(" 0")

    async def clear_media_paths(self, paths: Sequence[str]) -> int:
        if not paths:
            return 0
        names = list(paths)

        async def run(conn: asyncpg.Connection) -> int:
            changed = 0
            async with conn.transaction():
                for column in ("snapshot_path", "clip"):
                    sql = f"UPDATE events SET {column} = NULL WHERE {column} = ANY($1::text[])"
                    status = await conn.execute(sql, names)
                    changed += int(str(status).rsplit(" ", 1)[-1])
            return changed

        return await self._call(run)

    async def sync_recordings(
        self,
        camera_id: str,
        channel: int,
        stream: Literal["main", "sub"],
        since: datetime,
        until: datetime,
        found: Sequence[Recording],
        seen_at: datetime,
    ) -> RecordingSync:
        files = unique_found(found, stream)
        seen = utc(seen_at)

        async def run(conn: asyncpg.Connection) -> RecordingSync:
            async with conn.transaction():
                rows = await conn.fetch(
                    "SELECT name FROM recordings WHERE camera_id = $1 AND channel = $2 "
                    "AND stream = $3 AND gone_at IS NULL",
                    camera_id,
                    channel,
                    stream,
                )
                known = {row["name"] for row in rows}
                await conn.executemany(
                    _UPSERT,
                    [
                        (
                            camera_id,
                            channel,
                            stream,
                            f.name,
                            f.start,
                            f.end,
                            f.size,
                            list(f.triggers),
                            seen,
                        )
                        for f in files
                    ],
                )
                status = await conn.execute(
                    "UPDATE recordings SET gone_at = $1 WHERE camera_id = $2 AND channel = $3 "
                    'AND stream = $4 AND gone_at IS NULL AND "end" >= $5 AND start <= $6 '
                    "AND (seen_at IS NULL OR seen_at < $1)",
                    seen,
                    camera_id,
                    channel,
                    stream,
                    utc(since),
                    utc(until),
                )
            gone = int(str(status).rsplit(" ", 1)[-1])
            added = sum(1 for f in files if f.name not in known)
            return RecordingSync(seen=len(files), added=added, gone=gone)

        return await self._call(run)

    async def query_recordings(self, query: RecordingQuery) -> RecordingPage:
        sql, params = _query_sql(query)
        rows = await self._call(lambda conn: conn.fetch(sql, *params))
        limit = max(1, query.limit)
        found = [_recording(row) for row in rows[:limit]]
        cursor = None
        if len(rows) > limit:
            cursor = encode_recording_cursor(found[-1].start, found[-1].id)
        return RecordingPage(found, cursor)

    async def get_recording(self, recording_id: int) -> StoredRecording | None:
        if not -(2**63) <= recording_id < 2**63:
            return None
        sql = f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = $1"
        row = await self._call(lambda conn: conn.fetchrow(sql, recording_id))
        return None if row is None else _recording(row)

    async def recording_at(
        self, camera_id: str, channel: int, at: datetime, stream: Literal["main", "sub"] = "main"
    ) -> StoredRecording | None:
        sql = (
            f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE camera_id = $1 AND channel = $2 "
            'AND stream = $3 AND gone_at IS NULL AND start <= $4 AND "end" >= $4 '
            "ORDER BY start DESC, id DESC LIMIT 1"
        )
        moment = utc(at)
        row = await self._call(lambda conn: conn.fetchrow(sql, camera_id, channel, stream, moment))
        return None if row is None else _recording(row)

    async def purge_recordings(self, before: datetime) -> int:
        cutoff = utc(before)
        status = await self._call(
            lambda conn: conn.execute('DELETE FROM recordings WHERE "end" < $1', cutoff)
        )
        return int(str(status).rsplit(" ", 1)[-1])
