"""A bridge process for the crash tests; prints its progress as JSON lines until it is killed.

python writer_child.py feed URL SPOOL COUNT SEED
    an EventWriter on PostgreSQL (URL) fed a seeded script through an InProcessBus
python writer_child.py consume REDIS_URL PREFIX SQLITE SPOOL
    an EventWriter on SQLite consuming the Redis Streams bus (kind `store`, write-ahead)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from writer_helpers import FAST_RETRY, script

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import EventRaised
from bridge.bus.redis_streams import RedisStreamsBus
from bridge.storage.postgres import PostgresStore
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter


def report(writer: EventWriter, **extra: int) -> None:
    state = {
        **extra,
        "received": writer.received,
        "durable": writer.written + writer.spooled,  # in the table or in the spool file
        "spool_pending": writer.spool.pending,
    }
    print(json.dumps(state), flush=True)


async def feed(url: str, spool_path: str, count: int, seed: int) -> None:
    store = PostgresStore(url, pool_size=2)
    await store.open()
    bus = InProcessBus()
    writer = EventWriter(
        store, bus, Spool(spool_path).open(), batch_size=100, max_delay=0.01, **FAST_RETRY
    )
    await writer.start()
    for n, event in enumerate(script(count, seed=seed).fed, 1):
        bus.publish(EventRaised(event))
        if n % 50 == 0:
            await asyncio.sleep(0.005)
            report(writer, fed=n)
    while True:  # fed everything; wait to be killed
        await asyncio.sleep(0.05)
        report(writer, fed=count)


async def consume(redis_url: str, prefix: str, sqlite: str, spool_path: str) -> None:
    store = SqliteStore(sqlite)
    await store.open()
    bus = RedisStreamsBus(redis_url, prefix, consumer_name=f"proc-{os.getpid()}", block=0.1)
    writer = EventWriter(
        store,
        bus,
        Spool(spool_path).open(),
        batch_size=100,
        write_ahead=os.environ.get("WRITE_AHEAD", "1") == "1",
        **FAST_RETRY,
    )
    await writer.start()
    while True:
        await asyncio.sleep(0.01)
        report(writer)


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "feed":
        asyncio.run(feed(args[0], args[1], int(args[2]), int(args[3])))
    else:
        asyncio.run(consume(*args))
