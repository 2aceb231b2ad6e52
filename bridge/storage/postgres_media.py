"""The PostgreSQL store's event media and recordings index (a mixin of `PostgresStore`).

The statements and the logic are `_media_index`'s; here: PostgreSQL's dialect (`$n`,
`timestamptz`, triggers as `jsonb`) and the primitives over the store's pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import asyncpg  # type: ignore[import-untyped]

from bridge.storage._common import utc
from bridge.storage._media_index import MEDIA_PATH_COLUMNS, Args, Dialect, MediaIndex, SyncPlan
from bridge.storage.postgres_connection import PostgresAccess

T = TypeVar("T")


def _any_trigger(arg: Args, triggers: Sequence[str]) -> str:
    return f"triggers ?| {arg(list(triggers))}::text[]"


def _count(status: object) -> int:
    """The row count of a command status (`UPDATE 3`)."""
    return int(str(status).rsplit(" ", 1)[-1])


POSTGRES = Dialect(
    numbered=True,
    time_in=utc,
    time_out=lambda value: value,
    triggers_in=lambda value: value,
    triggers_out=lambda value: value,
    any_trigger=_any_trigger,
)


class PostgresMedia(MediaIndex, PostgresAccess):
    _dialect = POSTGRES

    async def _media_rows(self, sql: str, values: Sequence[Any]) -> list[Sequence[Any]]:
        rows: list[Sequence[Any]] = await self._call(lambda conn: conn.fetch(sql, *values))
        return rows

    async def _media_row(self, sql: str, values: Sequence[Any]) -> Sequence[Any] | None:
        row: Sequence[Any] | None = await self._call(lambda conn: conn.fetchrow(sql, *values))
        return row

    async def _media_change(self, sql: str, values: Sequence[Any]) -> int:
        return _count(await self._call(lambda conn: conn.execute(sql, *values)))

    async def _media_sync(self, plan: SyncPlan) -> tuple[set[str], int]:
        async def run(conn: asyncpg.Connection) -> tuple[set[str], int]:
            async with conn.transaction():
                sql, values = plan.known
                known = {row["name"] for row in await conn.fetch(sql, *values)}
                await conn.executemany(plan.upsert, plan.rows)
                sql, values = plan.gone
                return known, _count(await conn.execute(sql, *values))

        return await self._call(run)

    async def _media_clear(self, names: list[str]) -> int:
        async def run(conn: asyncpg.Connection) -> int:
            changed = 0
            async with conn.transaction():
                for column in MEDIA_PATH_COLUMNS:
                    sql = f"UPDATE events SET {column} = NULL WHERE {column} = ANY($1::text[])"
                    changed += _count(await conn.execute(sql, names))
            return changed

        return await self._call(run)
