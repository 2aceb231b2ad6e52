"""The `store` fixture: every contract test runs against SQLite (a file in tmp_path) and PostgreSQL
(a fresh database on the local server)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.storage.postgres import PostgresStore
from bridge.storage.sqlite import SqliteStore


@pytest.fixture(params=["sqlite", "postgres"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[SqliteStore | PostgresStore]:
    backend: SqliteStore | PostgresStore
    if request.param == "sqlite":
        backend = SqliteStore(tmp_path / "reolink.db")
    else:
        backend = PostgresStore(request.getfixturevalue("pg_url"), pool_size=4)
    await backend.open()
    try:
        yield backend
    finally:
        await backend.close()
