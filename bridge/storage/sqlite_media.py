"""The SQLite store's event media and recordings index (a mixin of `SqliteStore`)."""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from bridge.domain.recordings import Recording
from bridge.storage._common import from_micros, to_micros
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
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (camera_id, channel, stream, name) DO UPDATE SET
    start = excluded.start, "end" = excluded."end", size = excluded.size,
    triggers = excluded.triggers, seen_at = excluded.seen_at, gone_at = NULL
"""


def _recording(row: tuple[Any, ...]) -> StoredRecording:
    return StoredRecording(
        id=row[0],
        camera_id=row[1],
        channel=row[2],
        stream=row[3],
        name=row[4],
        start=from_micros(row[5]),
        end=from_micros(row[6]),
        size=row[7],
        triggers=tuple(json.loads(row[8])),
        gone_at=None if row[9] is None else from_micros(row[9]),
        seen_at=None if row[10] is None else from_micros(row[10]),
    )


def _query_sql(query: RecordingQuery) -> tuple[str, list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("camera_id", query.camera_id),
        ("channel", query.channel),
        ("stream", query.stream),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query.since is not None:
        where.append('"end" >= ?')
        params.append(to_micros(query.since))
    if query.until is not None:
        where.append("start < ?")
        params.append(to_micros(query.until))
    if query.triggers:
        marks = ",".join("?" * len(query.triggers))
        where.append(f"EXISTS (SELECT 1 FROM json_each(triggers) WHERE value IN ({marks}))")
        params.extend(query.triggers)
    if not query.include_gone:
        where.append("gone_at IS NULL")
    if query.cursor:
        at, ident = decode_recording_cursor(query.cursor)
        where.append("(start, id) < (?, ?)")
        params.extend((to_micros(at), ident))
    sql = f"SELECT {RECORDING_COLUMNS} FROM recordings"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY start DESC, id DESC LIMIT ?"
    params.append(max(1, query.limit) + 1)
    return sql, params


class SqliteMedia(ABC):
    @abstractmethod
    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    @abstractmethod
    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    @abstractmethod
    async def _write_tx(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    async def set_event_media(
        self, event_id: str, field: EventMediaField, value: str | int | None
    ) -> bool:
        check_media_field(field)
        sql = f"UPDATE events SET {field} = ? WHERE event_id = ?"
        cursor = await self._write(lambda conn: conn.execute(sql, (value, event_id)))
        return bool(cursor.rowcount)

    async def clear_media_paths(self, paths: Sequence[str]) -> int:
        if not paths:
            return 0
        names = list(paths)

        def run(conn: sqlite3.Connection) -> int:
            changed = 0
            for start in range(0, len(names), 500):
                part = names[start : start + 500]
                marks = ",".join("?" * len(part))
                for column in ("snapshot_path", "clip"):
                    sql = f"UPDATE events SET {column} = NULL WHERE {column} IN ({marks})"
                    changed += conn.execute(sql, part).rowcount
            return changed

        return await self._write_tx(run)

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
        seen, low, high = to_micros(seen_at), to_micros(since), to_micros(until)
        key = (camera_id, channel, stream)

        def run(conn: sqlite3.Connection) -> RecordingSync:
            known = {
                row[0]
                for row in conn.execute(
                    "SELECT name FROM recordings WHERE camera_id = ? AND channel = ? "
                    "AND stream = ? AND gone_at IS NULL",
                    key,
                )
            }
            conn.executemany(
                _UPSERT,
                [
                    (
                        *key,
                        f.name,
                        to_micros(f.start),
                        to_micros(f.end),
                        f.size,
                        json.dumps(list(f.triggers)),
                        seen,
                    )
                    for f in files
                ],
            )
            gone = conn.execute(
                "UPDATE recordings SET gone_at = ? WHERE camera_id = ? AND channel = ? "
                'AND stream = ? AND gone_at IS NULL AND "end" >= ? AND start <= ? '
                "AND (seen_at IS NULL OR seen_at < ?)",
                (seen, *key, low, high, seen),
            ).rowcount
            added = sum(1 for f in files if f.name not in known)
            return RecordingSync(seen=len(files), added=added, gone=gone)

        return await self._write_tx(run)

    async def query_recordings(self, query: RecordingQuery) -> RecordingPage:
        sql, params = _query_sql(query)
        rows = await self._read(lambda conn: conn.execute(sql, params).fetchall())
        limit = max(1, query.limit)
        found = [_recording(row) for row in rows[:limit]]
        cursor = None
        if len(rows) > limit:
            cursor = encode_recording_cursor(found[-1].start, found[-1].id)
        return RecordingPage(found, cursor)

    async def get_recording(self, recording_id: int) -> StoredRecording | None:
        if not -(2**63) <= recording_id < 2**63:
            return None
        sql = f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = ?"
        row = await self._read(lambda conn: conn.execute(sql, (recording_id,)).fetchone())
        return None if row is None else _recording(row)

    async def recording_at(
        self, camera_id: str, channel: int, at: datetime, stream: Literal["main", "sub"] = "main"
    ) -> StoredRecording | None:
        sql = (
            f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE camera_id = ? AND channel = ? "
            'AND stream = ? AND gone_at IS NULL AND start <= ? AND "end" >= ? '
            "ORDER BY start DESC, id DESC LIMIT 1"
        )
        moment = to_micros(at)
        params = (camera_id, channel, stream, moment, moment)
        row = await self._read(lambda conn: conn.execute(sql, params).fetchone())
        return None if row is None else _recording(row)

    async def purge_recordings(self, before: datetime) -> int:
        cutoff = to_micros(before)
        sql = 'DELETE FROM recordings WHERE "end" < ?'
        cursor = await self._write(lambda conn: conn.execute(sql, (cutoff,)))
        return int(cursor.rowcount)
