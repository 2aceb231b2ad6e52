"""A command's request id travels to the store: a result the bus delivers again (at-least-once,
several instances) is audited once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bridge.bus.messages import CommandCompleted
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.domain.commands import CommandResult
from bridge.storage.postgres import PostgresStore
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter
from bridge.store import CommandRecord, Store


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    made: Store
    if request.param == "sqlite":
        made = SqliteStore.from_url(f"sqlite:///{tmp_path / 'audit.db'}")
    else:
        made = PostgresStore(request.getfixturevalue("pg_url"))
    await made.open()
    try:
        yield made
    finally:
        await made.close()


def _record(request_id: str | None, transaction: str = "1") -> CommandRecord:
    return CommandRecord(
        "cam0", "mqtt", {"siren": "ON"}, "ok", transaction=transaction, request_id=request_id
    )


async def test_one_row_per_request_id(store: Store) -> None:
    await store.record_commands([_record("r1"), _record("r2")])
    await store.record_commands([_record("r1"), _record("r1")])  # delivered again, twice
    await store.record_commands([_record(None), _record(None)])  # direct: each one counts
    rows = await store.list_commands()
    assert len(rows) == 4
    assert sorted(r.request_id or "-" for r in rows) == ["-", "-", "-", "-"]  # not listed back


async def test_the_writer_audits_a_redelivered_result_once(
    store: Store, redis_url: str, redis_prefix: str, tmp_path: Path
) -> None:
    bus = RedisStreamsBus(redis_url, redis_prefix)
    (tmp_path / "spool").mkdir()
    writer = EventWriter(store, bus, Spool(tmp_path / "spool" / "events.spool").open())
    await writer.start()
    try:
        completed = CommandCompleted(
            camera_id="cam0",
            command={"siren": "ON"},
            source="rest",
            result=CommandResult.ok("cam0", "t9"),
            request_id="req-42",
        )
        for _ in range(3):  # the same bus message, as a redelivery (or a retrying owner) sends it
            bus.publish(completed)
        async with asyncio.timeout(15):
            while not await store.list_commands():
                await asyncio.sleep(0.05)
            await bus.drain()
            await writer.flush()
        rows = await store.list_commands()
        assert [(r.camera_id, r.transaction) for r in rows] == [("cam0", "t9")]
    finally:
        await writer.stop()
        await bus.aclose()
