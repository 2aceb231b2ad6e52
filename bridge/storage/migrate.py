"""Schema migrations: numbered plain-SQL files, up and down, one set per backend.

    migrations/postgres/0001_init.up.sql   0001_init.down.sql   0002_timescale.up.sql ...
    migrations/sqlite/0001_init.up.sql     (the same numbers)

`migrate(store_or_url, target=None)` brings a database to the newest version (or to `target`,
going down when it is lower) and returns what it did, e.g. `["up 0001 init", "up 0002 timescale"]`.
Each step runs in its own transaction together with its row in
`schema_migrations (version, name, applied_at)`, so a failed step leaves the previous version.
Running it twice does nothing the second time; two processes at once are serialised: PostgreSQL by
`pg_advisory_lock` held for the whole run, SQLite by `BEGIN IMMEDIATE` around each step (which
re-reads the applied versions inside the lock). A database newer than this code is left alone
unless a lower `target` is asked for explicitly. Every store's `open()` applies what is pending.

`run_migrate(settings, target)` is what `reolink-bridge migrate [--to N]` calls.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bridge.config import Settings
from bridge.storage._migrations import (
    Migration,
    load_migrations,
    migrate_postgres,
    migrate_sqlite,
    migrations_dir,
)
from bridge.storage.postgres import PostgresStore, connect_postgres
from bridge.storage.sqlite import SqliteStore, connect_sqlite, sqlite_path
from bridge.store import StoreError

__all__ = ["Migration", "load_migrations", "migrate", "migrations_dir", "run_migrate"]


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


async def migrate(
    store_or_url: str | SqliteStore | PostgresStore,
    target: int | None = None,
    *,
    directory: Path | None = None,
) -> list[str]:
    """Migrate a database given by URL (`sqlite:///…`, `postgresql://…`) or an open store."""
    if isinstance(store_or_url, SqliteStore | PostgresStore):
        return await store_or_url.migrate(target, directory=directory)
    url = store_or_url
    if url.startswith("sqlite:"):
        path = sqlite_path(url)

        def run() -> list[str]:
            conn = connect_sqlite(path)
            try:
                return migrate_sqlite(conn, target, directory)
            finally:
                conn.close()

        return await asyncio.to_thread(run)
    if url.startswith(("postgresql:", "postgres:")):
        conn = await connect_postgres(url)
        try:
            return await PostgresStore.guard(url, migrate_postgres(conn, target, directory))
        finally:
            await conn.close()
    raise StoreError(f"unsupported database URL scheme: {url.split(':', 1)[0]}")


async def run_migrate(settings: Settings, target: int | None = None) -> list[str]:
    """For `reolink-bridge migrate [--to N]`: one line per step done (empty: up to date)."""
    return await migrate(settings.database_url, target)
