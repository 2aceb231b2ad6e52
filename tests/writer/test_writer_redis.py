"""The writer behind the Redis Streams bus: a bridge killed in the middle of consuming the stream.

Acceptance (issue 4): a new one picks up the pending entries; nothing is lost or written twice.
Redis acknowledges an entry when the handler returns, so the writer writes ahead to its spool
before returning; the killed process's spool is replayed by its successor on the same data dir,
and the entries it had not acknowledged are reclaimed from Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from writer_helpers import FAST_RETRY, all_events, assert_rows, script

from bridge.bus.messages import EventRaised
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter

CHILD = Path(__file__).with_name("writer_child.py")
ROOT = Path(__file__).resolve().parents[2]
FAST_BUS = {"claim_idle": 0.5, "block": 0.1, "reconnect_initial": 0.05, "reconnect_max": 0.3}


@pytest.fixture
async def buses(redis_url: str, redis_prefix: str) -> AsyncIterator[list[RedisStreamsBus]]:
    made: list[RedisStreamsBus] = []
    yield made
    for bus in made:
        await bus.aclose()


async def test_bridge_killed_mid_stream_nothing_lost_nothing_twice(
    redis_url: str,
    redis_prefix: str,
    tmp_path: Path,
    sqlite_store: SqliteStore,
    spool_path: Path,
    buses: list[RedisStreamsBus],
) -> None:
    total = 1500
    feed = script(total)
    publisher = RedisStreamsBus(redis_url, redis_prefix, **FAST_BUS)
    buses.append(publisher)
    for event in feed.fed:
        publisher.publish(EventRaised(event))
    await asyncio.wait_for(publisher.drain(), 20)

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        "consume",
        redis_url,
        redis_prefix,
        str(tmp_path / "reolink.db"),
        str(spool_path),
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert child.stdout is not None
        async with asyncio.timeout(20):
            while True:
                line = await child.stdout.readline()
                assert line, "the child process ended early"
                received = json.loads(line)["received"]
                if received >= 500:
                    break
    finally:
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signal.SIGKILL)
        await child.wait()
    assert received < total, "killed too late to test anything"

    successor = RedisStreamsBus(redis_url, redis_prefix, **FAST_BUS)
    buses.append(successor)
    writer = EventWriter(sqlite_store, successor, Spool(spool_path).open(), **FAST_RETRY)
    assert writer.write_ahead
    await writer.start()
    try:
        async with asyncio.timeout(20):
            while len(await all_events(sqlite_store)) < len(feed.expected_rows()):
                await asyncio.sleep(0.05)
            await successor.drain()
            await writer.flush()
        assert_rows(await all_events(sqlite_store), feed.expected_rows())
        assert writer.spool.pending == 0
    finally:
        await writer.stop()
