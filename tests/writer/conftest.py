"""Writer test fixtures: a real SQLite store in tmp_path, an in-process bus, a spool path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.bus.inprocess import InProcessBus
from bridge.storage.sqlite import SqliteStore


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "reolink.db")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def bus() -> AsyncIterator[InProcessBus]:
    bus = InProcessBus()
    yield bus
    await bus.aclose()


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "spool" / "events.spool"
