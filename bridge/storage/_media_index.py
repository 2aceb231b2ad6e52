"""Event media and the recordings index, written once for both backends (the `MediaIndex` mixin).

The statements are built here; a backend's `Dialect` says how its driver spells a placeholder
(`?` for sqlite3, `$1`… for asyncpg), how times and trigger lists are stored (microseconds and
JSON text in SQLite, `timestamptz` and `jsonb` in PostgreSQL) and how "any of these triggers"
is asked. A backend supplies the few primitives that touch its driver (`_media_rows`,
`_media_row`, `_media_change`, `_media_sync`, `_media_clear`), each a thin wrapper over its
connection handling.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from bridge.domain.recordings import Recording
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

MEDIA_PATH_COLUMNS = ("snapshot_path", "clip")
"""The `events` columns that hold a media file's path (`clear_media_paths` empties them)."""
_UPSERT_COLUMNS = 'camera_id, channel, stream, name, start, "end", size, triggers, seen_at'


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the backends' SQL and values."""

    numbered: bool
    """Placeholders `$1, $2, …` (asyncpg) rather than `?` (sqlite3)."""
    time_in: Callable[[datetime], Any]
    """A datetime as the driver stores it."""
    time_out: Callable[[Any], datetime]
    """A stored time as a datetime."""
    triggers_in: Callable[[list[str]], Any]
    """A trigger list as the driver stores it."""
    triggers_out: Callable[[Any], Sequence[str]]
    """A stored trigger list."""
    any_trigger: Callable[[Args, Sequence[str]], str]
    """The condition "the row's triggers hold any of these", its values added to the args."""

    def args(self) -> Args:
        return Args(self.numbered)

    def marks(self, count: int) -> str:
        """`count` placeholders, comma-separated (one row of an `executemany`)."""
        args = self.args()
        return ", ".join(args(None) for _ in range(count))


@dataclass(slots=True)
class Args:
    """The values of one statement; calling it adds a value and returns its placeholder."""

    numbered: bool
    values: list[Any] = field(default_factory=list)

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}" if self.numbered else "?"


def query_sql(dialect: Dialect, query: RecordingQuery) -> tuple[str, list[Any]]:
    """The page query (one row more than the limit: the next page's sign) and its values."""
    arg = dialect.args()
    where: list[str] = []
    for column, value in (
        ("camera_id", query.camera_id),
        ("channel", query.channel),
        ("stream", query.stream),
    ):
        if value is not None:
            where.append(f"{column} = {arg(value)}")
    if query.since is not None:
        where.append(f'"end" >= {arg(dialect.time_in(query.since))}')
    if query.until is not None:
        where.append(f"start < {arg(dialect.time_in(query.until))}")
    if query.triggers:
        where.append(dialect.any_trigger(arg, query.triggers))
    if not query.include_gone:
        where.append("gone_at IS NULL")
    if query.cursor:
        at, ident = decode_recording_cursor(query.cursor)
        where.append(f"(start, id) < ({arg(dialect.time_in(at))}, {arg(ident)})")
    sql = f"SELECT {RECORDING_COLUMNS} FROM recordings"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY start DESC, id DESC LIMIT {arg(max(1, query.limit) + 1)}"
    return sql, arg.values


def recording(dialect: Dialect, row: Sequence[Any]) -> StoredRecording:
    """A row of `RECORDING_COLUMNS`."""
    return StoredRecording(
        id=row[0],
        camera_id=row[1],
        channel=row[2],
        stream=row[3],
        name=row[4],
        start=dialect.time_out(row[5]),
        end=dialect.time_out(row[6]),
        size=row[7],
        triggers=tuple(dialect.triggers_out(row[8])),
        gone_at=None if row[9] is None else dialect.time_out(row[9]),
        seen_at=None if row[10] is None else dialect.time_out(row[10]),
    )


@dataclass(frozen=True, slots=True)
class SyncPlan:
    """One pass of `sync_recordings`, run by a backend in one transaction: the names `known`
    selects (files present before), `upsert` for each of `rows`, then the `gone` update."""

    known: tuple[str, list[Any]]
    upsert: str
    rows: list[tuple[Any, ...]]
    gone: tuple[str, list[Any]]


class MediaIndex(ABC):
    """`Store`'s event media and recordings methods over a backend's primitives."""

    _dialect: ClassVar[Dialect]

    @abstractmethod
    async def _media_rows(self, sql: str, values: Sequence[Any]) -> list[Sequence[Any]]:
        """The rows a query returns."""

    @abstractmethod
    async def _media_row(self, sql: str, values: Sequence[Any]) -> Sequence[Any] | None:
        """The first row a query returns, or None."""

    @abstractmethod
    async def _media_change(self, sql: str, values: Sequence[Any]) -> int:
        """Run one write; how many rows it changed."""

    @abstractmethod
    async def _media_sync(self, plan: SyncPlan) -> tuple[set[str], int]:
        """Run `plan` in one transaction: the known names, how many rows `gone` changed."""

    @abstractmethod
    async def _media_clear(self, names: list[str]) -> int:
        """Empty `MEDIA_PATH_COLUMNS` that hold one of `names`, in one transaction; how many
        cells changed."""

    async def set_event_media(
        self, event_id: str, field: EventMediaField, value: str | int | None
    ) -> bool:
        check_media_field(field)
        arg = self._dialect.args()
        sql = f"UPDATE events SET {field} = {arg(value)} WHERE event_id = {arg(event_id)}"
        return bool(await self._media_change(sql, arg.values))

    async def clear_media_paths(self, paths: Sequence[str]) -> int:
        if not paths:
            return 0
        return await self._media_clear(list(paths))

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
        d = self._dialect
        files = unique_found(found, stream)
        seen = d.time_in(seen_at)
        arg = d.args()
        key = (
            f"camera_id = {arg(camera_id)} AND channel = {arg(channel)} AND stream = {arg(stream)}"
        )
        known = (f"SELECT name FROM recordings WHERE {key} AND gone_at IS NULL", arg.values)
        arg = d.args()
        gone_sql = (
            f"UPDATE recordings SET gone_at = {arg(seen)} WHERE camera_id = {arg(camera_id)} "
            f"AND channel = {arg(channel)} AND stream = {arg(stream)} AND gone_at IS NULL "
            f'AND "end" >= {arg(d.time_in(since))} AND start <= {arg(d.time_in(until))} '
            f"AND (seen_at IS NULL OR seen_at < {arg(seen)})"
        )
        upsert = (
            f"INSERT INTO recordings ({_UPSERT_COLUMNS}) VALUES ({d.marks(9)}) "
            "ON CONFLICT (camera_id, channel, stream, name) DO UPDATE SET "
            'start = EXCLUDED.start, "end" = EXCLUDED."end", size = EXCLUDED.size, '
            "triggers = EXCLUDED.triggers, seen_at = EXCLUDED.seen_at, gone_at = NULL"
        )
        rows = [
            (
                camera_id,
                channel,
                stream,
                f.name,
                d.time_in(f.start),
                d.time_in(f.end),
                f.size,
                d.triggers_in(list(f.triggers)),
                seen,
            )
            for f in files
        ]
        names, gone = await self._media_sync(SyncPlan(known, upsert, rows, (gone_sql, arg.values)))
        added = sum(1 for f in files if f.name not in names)
        return RecordingSync(seen=len(files), added=added, gone=gone)

    async def query_recordings(self, query: RecordingQuery) -> RecordingPage:
        sql, values = query_sql(self._dialect, query)
        rows = await self._media_rows(sql, values)
        limit = max(1, query.limit)
        found = [recording(self._dialect, row) for row in rows[:limit]]
        cursor = None
        if len(rows) > limit:
            cursor = encode_recording_cursor(found[-1].start, found[-1].id)
        return RecordingPage(found, cursor)

    async def get_recording(self, recording_id: int) -> StoredRecording | None:
        if not -(2**63) <= recording_id < 2**63:
            return None
        arg = self._dialect.args()
        sql = f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE id = {arg(recording_id)}"
        row = await self._media_row(sql, arg.values)
        return None if row is None else recording(self._dialect, row)

    async def recording_at(
        self, camera_id: str, channel: int, at: datetime, stream: Literal["main", "sub"] = "main"
    ) -> StoredRecording | None:
        arg = self._dialect.args()
        moment = self._dialect.time_in(at)
        sql = (
            f"SELECT {RECORDING_COLUMNS} FROM recordings WHERE camera_id = {arg(camera_id)} "
            f"AND channel = {arg(channel)} AND stream = {arg(stream)} AND gone_at IS NULL "
            f'AND start <= {arg(moment)} AND "end" >= {arg(moment)} '
            "ORDER BY start DESC, id DESC LIMIT 1"
        )
        row = await self._media_row(sql, arg.values)
        return None if row is None else recording(self._dialect, row)

    async def purge_recordings(self, before: datetime) -> int:
        arg = self._dialect.args()
        sql = f'DELETE FROM recordings WHERE "end" < {arg(self._dialect.time_in(before))}'
        return await self._media_change(sql, arg.values)
