"""A `store` consumer in its own process, for the kill test (tests/bus/test_redis_bus.py).

    python tests/bus/consumer_proc.py URL PREFIX WORKDIR DELAY

Subscribes to the Redis Streams bus as kind `store`. Per message: sleeps DELAY, inserts the
event id into WORKDIR/sink.db (an idempotent sink: INSERT … ON CONFLICT DO NOTHING), appends
it to WORKDIR/handled-<pid>.txt, sleeps DELAY again, returns (then the bus acknowledges).
Prints `ready` once its consumer group exists, then runs until killed.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.bus.messages import BusMessage, EventRaised
from bridge.bus.redis_streams import RedisStreamsBus


def open_sink(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE IF NOT EXISTS handled (event_id TEXT PRIMARY KEY)")
    return db


async def main(url: str, prefix: str, workdir: Path, delay: float) -> None:
    db = open_sink(workdir / "sink.db")
    log = (workdir / f"handled-{os.getpid()}.txt").open("a", buffering=1)
    bus = RedisStreamsBus(url, prefix, consumer_name=f"proc-{os.getpid()}", block=0.1)

    async def handle(message: BusMessage) -> None:
        assert isinstance(message, EventRaised)
        await asyncio.sleep(delay)
        db.execute(
            "INSERT INTO handled (event_id) VALUES (?) ON CONFLICT DO NOTHING",
            (message.event.event_id,),
        )
        log.write(message.event.event_id + "\n")
        await asyncio.sleep(delay)

    subscription = bus.subscribe("store", handle)
    await subscription.wait_ready()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]), float(sys.argv[4])))
