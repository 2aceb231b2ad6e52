"""Retention on a schedule, against a real SQLite store."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from writer_helpers import T0, all_events

from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage.retention import RetentionTask
from bridge.storage.sqlite import SqliteStore

NOW = T0 + timedelta(days=100)


async def seed(store: SqliteStore) -> None:
    events = [
        Event(
            type=EventType.MOTION,
            phase=EventPhase.INSTANT,
            camera_id="cam",
            timestamp=NOW - timedelta(days=age),
        )
        for age in (95, 40, 31, 29, 1, 0)
    ]
    await store.write_events(events)


async def test_run_once_purges_what_is_older_than_the_retention(
    sqlite_store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(sqlite_store)
    task = RetentionTask(sqlite_store, 30, clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="bridge.storage.retention"):
        assert await task.run_once() == 3
    assert "removed 3 event(s)" in caplog.text
    ages = sorted((NOW - e.started_at).days for e in await all_events(sqlite_store))
    assert ages == [0, 1, 29]
    assert await task.run_once() == 0
    assert (task.runs, task.removed, task.failures) == (2, 3, 0)


async def test_scheduled_at_start_and_every_interval(sqlite_store: SqliteStore) -> None:
    await seed(sqlite_store)
    task = RetentionTask(sqlite_store, 30, interval=0.1, clock=lambda: NOW)
    await task.start()
    try:
        async with asyncio.timeout(2):
            while task.runs < 1:
                await asyncio.sleep(0.01)
        assert task.removed == 3  # the run at start
        await sqlite_store.write_events(
            [
                Event(
                    type=EventType.MOTION,
                    phase=EventPhase.INSTANT,
                    camera_id="cam",
                    timestamp=NOW - timedelta(days=60),
                )
            ]
        )
        async with asyncio.timeout(2):
            while task.removed < 4:
                await asyncio.sleep(0.01)
        assert task.runs >= 2
    finally:
        await task.stop()


async def test_a_database_that_is_away_never_ends_the_task(
    sqlite_store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    await seed(sqlite_store)
    await sqlite_store.close()
    task = RetentionTask(sqlite_store, 30, interval=3600, retry_interval=0.05, clock=lambda: NOW)
    with caplog.at_level(logging.WARNING, logger="bridge.storage.retention"):
        await task.start()
        try:
            async with asyncio.timeout(2):
                while task.failures < 2:
                    await asyncio.sleep(0.01)
            assert task.last_error is not None
            await sqlite_store.open()
            async with asyncio.timeout(2):
                while task.removed < 3:
                    await asyncio.sleep(0.01)
            assert task.last_error is None
        finally:
            await task.stop()
    assert "failed" in caplog.text or "unavailable" in caplog.text


def test_retention_days_must_be_positive(sqlite_store: SqliteStore) -> None:
    with pytest.raises(ValueError, match="retention_days"):
        RetentionTask(sqlite_store, 0)
