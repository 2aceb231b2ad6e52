"""The SQLite store's event media and recordings index (a mixin of `SqliteStore`).

The statements and the logic are `_media_index`'s; here: SQLite's dialect (`?`, times in
microseconds, triggers as JSON text) and the primitives over the store's reader and writer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, TypeVar

from bridge.storage._common import from_micros, to_micros
from bridge.storage._media_index import MEDIA_PATH_COLUMNS, Args, Dialect, MediaIndex, SyncPlan
from bridge.storage.sqlite_connection import SqliteAccess

T = TypeVar("T")

_CHUNK = 500
"""Paths per `IN (…)` (SQLite limits the number of parameters of a statement)."""


def _any_trigger(arg: Args, triggers: Sequence[str]) -> str:
    marks = ",".join(arg(t) for t in triggers)
    return f"EXISTS (SELECT 1 FROM json_each(triggers) WHERE value IN ({marks}))"


SQLITE = Dialect(
    numbered=False,
    time_in=to_micros,
    time_out=from_micros,
    triggers_in=json.dumps,
    triggers_out=json.loads,
    any_trigger=_any_trigger,
)


class SqliteMedia(MediaIndex, SqliteAccess):
    _dialect = SQLITE

    async def _media_rows(self, sql: str, values: Sequence[Any]) -> list[Sequence[Any]]:
        return await self._read(lambda conn: conn.execute(sql, values).fetchall())

    async def _media_row(self, sql: str, values: Sequence[Any]) -> Sequence[Any] | None:
        row: Sequence[Any] | None = await self._read(
            lambda conn: conn.execute(sql, values).fetchone()
        )
        return row

    async def _media_change(self, sql: str, values: Sequence[Any]) -> int:
        cursor = await self._write(lambda conn: conn.execute(sql, values))
        return int(cursor.rowcount)

    async def _media_sync(self, plan: SyncPlan) -> tuple[set[str], int]:
        def run(conn: sqlite3.Connection) -> tuple[set[str], int]:
            known = {row[0] for row in conn.execute(*plan.known)}
            conn.executemany(plan.upsert, plan.rows)
            return known, conn.execute(*plan.gone).rowcount

        return await self._write_tx(run)

    async def _media_clear(self, names: list[str]) -> int:
        def run(conn: sqlite3.Connection) -> int:
            changed = 0
            for start in range(0, len(names), _CHUNK):
                part = names[start : start + _CHUNK]
                marks = ",".join("?" * len(part))
                for column in MEDIA_PATH_COLUMNS:
                    sql = f"UPDATE events SET {column} = NULL WHERE {column} IN ({marks})"
                    changed += conn.execute(sql, part).rowcount
            return changed

        return await self._write_tx(run)
