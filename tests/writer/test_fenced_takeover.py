"""A take-over with owner generations, from the leases to the store: the old owner's `start`,
published while its lease was valid, waits in its writer's spool (its database away); the
camera changes hands and the new owner records its generation before it adopts the open events;
when the old owner's spool is written at last, the store refuses that start (the writer counts
it and says so once), and the new owner's own events are written."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from writer_helpers import FAST_RETRY

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import EventRaised
from bridge.domain.base import utcnow
from bridge.domain.events import Event, EventFence
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.fence import FencedBus
from bridge.pipeline.leases import LeaseKeeper, Leases
from bridge.storage.owners import record_owners
from bridge.storage.records import from_spool, to_spool
from bridge.storage.recovery import adopt_open_events
from bridge.storage.spool import Spool, SpoolRecord
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter


def detection(phase: EventPhase = EventPhase.START) -> Event:
    return Event(type=EventType.PERSON, phase=phase, camera_id="front", timestamp=utcnow())


@pytest.fixture
async def keepers(redis_url: str, redis_prefix: str) -> AsyncIterator[list[LeaseKeeper]]:
    made = [LeaseKeeper(Leases(redis_url, redis_prefix, owner=o, ttl=3.0)) for o in "ab"]
    for keeper in made:
        keeper.want({"front"})
    yield made
    for keeper in made:
        await keeper.stop()
        await keeper.leases.aclose()


def test_the_fence_survives_the_spool() -> None:
    event = detection().model_copy(update={"fence": EventFence(lease="nvr", generation=12)})
    kind, body = to_spool(event)
    assert isinstance(body, bytes)
    back = from_spool(SpoolRecord(1, kind, body))
    assert back == event
    assert back.fence == EventFence(lease="nvr", generation=12)
    plain = detection()
    kind, body = to_spool(plain)
    assert isinstance(body, bytes)
    assert b"fence" not in body
    assert from_spool(SpoolRecord(2, kind, body)) == plain


async def test_a_late_start_of_the_old_owner_is_refused(
    keepers: list[LeaseKeeper],
    sqlite_store: SqliteStore,
    spool_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    old, new = keepers
    await old.tick()
    assert old.held == {"front"}
    old_generation = old.generation("front")
    assert old_generation is not None
    bus_a = InProcessBus()
    writer_a = EventWriter(sqlite_store, bus_a, Spool(spool_path), **FAST_RETRY)
    await writer_a.start()
    await sqlite_store.close()  # the old owner's database is away: what it publishes waits
    runner_a = FencedBus(bus_a, "front", old.valid, generation=old.generation)
    late = detection()
    runner_a.publish(EventRaised(late))
    async with asyncio.timeout(5):
        while writer_a.failed < 1:
            await asyncio.sleep(0.01)
    assert writer_a.spooled >= 1

    await old.stop()  # the camera changes hands
    await new.tick()
    generation = new.generation("front")
    assert generation is not None
    assert generation > old_generation
    store_b = SqliteStore(tmp_path / "reolink.db")
    await store_b.open()
    try:
        assert await record_owners(store_b, new, {"front"}) == {"front": generation}
        adopted = await adopt_open_events(store_b, {"front"}, utcnow())
        assert adopted == {}  # the late start is not in the store yet: nothing to adopt

        caplog.set_level(logging.WARNING, logger="bridge.storage.writer")
        await sqlite_store.open()  # the old owner's database is back: its spool is written
        async with asyncio.timeout(10):
            await writer_a.flush()
        assert writer_a.fenced == 1
        assert writer_a.stats()["fenced"] == 1
        assert await store_b.get_event(late.event_id) is None
        assert [r for r in caplog.records if "refused a late start" in r.getMessage()]

        bus_b = InProcessBus()
        writer_b = EventWriter(store_b, bus_b, Spool(tmp_path / "b.spool"), **FAST_RETRY)
        await writer_b.start()
        ours = detection()
        FencedBus(bus_b, "front", new.valid, generation=new.generation).publish(EventRaised(ours))
        async with asyncio.timeout(10):
            await bus_b.drain()
            await writer_b.flush()
        assert writer_b.fenced == 0
        stored = await store_b.get_event(ours.event_id)
        assert stored is not None
        assert stored.phase is EventPhase.START
        await writer_b.stop()
        await bus_b.aclose()
    finally:
        await writer_a.stop()
        await bus_a.aclose()
        await store_b.close()


async def test_an_owner_behind_the_store_outruns_its_record(
    keepers: list[LeaseKeeper], sqlite_store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis lost its data and its clock is behind the one that made the store's record: the
    take-over raises the lease's counter past the record, so this owner's starts are written."""
    owner = keepers[1]
    await owner.tick()
    taken = owner.generation("front")
    assert taken is not None
    await sqlite_store.record_fences({"front": taken + 1000})
    caplog.set_level(logging.WARNING, logger="bridge.storage.owners")
    recorded = await record_owners(sqlite_store, owner, {"front"})
    now = owner.generation("front")
    assert now is not None
    assert now > taken + 1000
    assert recorded == {"front": now}
    assert [r for r in caplog.records if "was behind the store's" in r.getMessage()]
    ours = detection().model_copy(update={"fence": EventFence(lease="front", generation=now)})
    assert await sqlite_store.write_events([ours]) == []
    again = await owner.leases.take("front")  # the counter was raised: later takes are higher
    assert again is not None
    assert again > now
