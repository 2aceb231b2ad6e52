"""Ending the events a crash left open (bridge.storage.recovery), on SQLite and PostgreSQL: only the
given cameras' (and their NVR channels'), only what started before this start, at the camera's
last heartbeat, marked interrupted — and only after the previous run's spool is written, so a
real end still in it wins."""

from __future__ import annotations

import asyncio
from pathlib import Path

from writer_helpers import FAST_RETRY, T0, at, start

from bridge.app import Bridge
from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import EventRaised, StillActive
from bridge.config import load_settings
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.storage.recovery import InterruptedEvents, close_interrupted
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter
from bridge.store import CameraHeartbeat, Store


def end_of(event: Event, when: float) -> Event:
    return Event(
        event_id=event.event_id,
        type=event.type,
        phase=EventPhase.END,
        camera_id=event.camera_id,
        timestamp=at(when),
        started_at=event.timestamp,
        duration=when - (event.timestamp - T0).total_seconds(),
    )


async def test_open_events_end_at_the_last_heartbeat_of_their_camera(store: Store) -> None:
    motion = start("garage", 0)
    person = start("garage", 4, EventType.PERSON)
    lone = start("porch", 10)  # no heartbeat after its start: it was seen only then
    stale = start("porch", 2)
    channel = start("nvr_ch3", 5)
    other = start("attic", 1)  # a camera another instance runs
    too_late = start("garage", 30)  # started after this start: this run's own
    done = start("garage", 1, EventType.VEHICLE)
    await store.write_events([motion, person, lone, stale, channel, other, too_late, done])
    await store.write_events([end_of(done, 3)])
    await store.record_heartbeats(
        [
            CameraHeartbeat("garage", at(9.5)),
            CameraHeartbeat("porch", at(6)),
            CameraHeartbeat("nvr_ch3", at(7.25)),
            CameraHeartbeat("attic", at(8)),
        ]
    )

    here = {"garage", "porch", "nvr"}
    everywhere = {*here, "attic"}  # attic: run by another instance
    ends = await close_interrupted(store, here, started_before=at(20), running=everywhere)
    assert {e.event_id for e in ends} == {
        motion.event_id,
        person.event_id,
        lone.event_id,
        stale.event_id,
        channel.event_id,
    }
    expected = {
        motion.event_id: (at(9.5), 9.5),
        person.event_id: (at(9.5), 5.5),
        lone.event_id: (at(10), 0.0),
        stale.event_id: (at(6), 4.0),
        channel.event_id: (at(7.25), 2.25),
    }
    for event_id, (ended, duration) in expected.items():
        row = await store.get_event(event_id)
        assert row is not None
        assert (row.phase, row.ended_at, row.duration) == (EventPhase.END, ended, duration)
        assert row.metadata == {"interrupted": True}
    for untouched in (other, too_late):
        row = await store.get_event(untouched.event_id)
        assert row is not None
        assert (row.phase, row.ended_at, row.metadata) == (EventPhase.START, None, {})
    row = await store.get_event(done.event_id)
    assert row is not None
    assert (row.ended_at, row.metadata) == (at(3), {})
    # a second start finds nothing left to end
    assert await close_interrupted(store, here, started_before=at(20), running=everywhere) == []


async def test_open_events_of_cameras_no_instance_runs_are_ended_too(store: Store) -> None:
    """A camera removed (or disabled) since the crash is run by nobody: its open events, and
    those of a removed NVR's channels, are ended at its last heartbeat; those of a camera another
    instance runs are left to it."""
    gone = start("gone", 0)
    gone_channel = start("oldnvr_ch1", 2)
    elsewhere = start("attic", 1)
    await store.write_events([gone, gone_channel, elsewhere])
    await store.record_heartbeats([CameraHeartbeat("gone", at(8))])
    ends = await close_interrupted(
        store, {"garage"}, started_before=at(20), running={"garage", "attic"}
    )
    assert {e.event_id for e in ends} == {gone.event_id, gone_channel.event_id}
    row = await store.get_event(gone.event_id)
    assert row is not None
    assert (row.phase, row.ended_at, row.metadata) == (EventPhase.END, at(8), {"interrupted": True})
    row = await store.get_event(gone_channel.event_id)
    assert row is not None
    assert (row.ended_at, row.metadata) == (at(2), {"interrupted": True})
    row = await store.get_event(elsewhere.event_id)
    assert row is not None
    assert (row.phase, row.ended_at) == (EventPhase.START, None)


async def test_the_bridge_ends_open_events_of_a_camera_removed_before_its_start(
    tmp_path: Path,
) -> None:
    """The wiring in `Bridge.start`: a camera not in the registry any more (removed while the
    bridge was down) gets its open events ended."""
    data = tmp_path / "data"
    data.mkdir()
    store = SqliteStore(data / "reolink.db")
    await store.open()
    gone = start("gone", 0)
    await store.write_events([gone])
    await store.close()
    # The event dates from T0 (2025): with the default 90 days, the retention task (started
    # beside this one) could delete it first, as it did on a loaded machine.
    settings = load_settings(
        data_dir=data,
        mqtt={"enabled": False},
        server={"enabled": False},
        cameras=[],
        events={"retention_days": 3650},
    )
    async with Bridge(settings) as bridge:
        async with asyncio.timeout(10):
            await bridge.interrupted.done.wait()
        assert [e.event_id for e in bridge.interrupted.closed] == [gone.event_id]
        row = await bridge.store.get_event(gone.event_id)
        assert row is not None
        assert (row.phase, row.metadata) == (EventPhase.END, {"interrupted": True})


async def test_an_end_still_in_the_spool_wins(
    store: Store, bus: InProcessBus, spool_path: Path
) -> None:
    """The previous run's spool holds the real end of an event that looks open in the table: the
    recovery waits for the spool to be written first."""
    ended = start("garage", 0)
    still_open = start("garage", 1, EventType.PERSON)
    await store.write_events([ended, still_open])
    spool = Spool(spool_path).open()
    await spool.append([("event", end_of(ended, 4).payload())])
    await spool.append([("heartbeat", {"camera_id": "garage", "seen_at": at(6).isoformat()})])
    await spool.close()

    writer = EventWriter(store, bus, Spool(spool_path).open(), **FAST_RETRY)
    recovery = InterruptedEvents(store, writer)
    await recovery.start(
        {"garage"}, started_before=at(100), running={"garage"}
    )  # before the writer
    await asyncio.sleep(0.2)
    assert not recovery.done.is_set()
    await writer.start()
    async with asyncio.timeout(10):
        await recovery.done.wait()
    assert [e.event_id for e in recovery.closed] == [still_open.event_id]
    row = await store.get_event(ended.event_id)
    assert row is not None
    assert (row.ended_at, row.duration, row.metadata) == (at(4), 4.0, {})
    row = await store.get_event(still_open.event_id)
    assert row is not None
    assert (row.ended_at, row.metadata) == (at(6), {"interrupted": True})
    await recovery.stop()
    await writer.stop()


async def test_heartbeats_travel_through_the_writer(
    store: Store, bus: InProcessBus, spool_path: Path
) -> None:
    writer = EventWriter(store, bus, Spool(spool_path).open(), **FAST_RETRY)
    await writer.start()
    motion = start("garage", 0)
    bus.publish(EventRaised(motion))
    bus.publish(StillActive("garage", at(5)))
    bus.publish(StillActive("garage", at(10)))
    async with asyncio.timeout(10):
        await writer.flush()
    assert await store.heartbeats(["garage"]) == {"garage": at(10)}
    await writer.stop()


async def test_recovery_retries_while_the_store_is_away(
    tmp_path: Path, bus: InProcessBus, spool_path: Path
) -> None:
    store = SqliteStore(tmp_path / "reolink.db")
    await store.open()
    event = start("garage", 0)
    await store.write_events([event])
    await store.close()  # the database goes away before the recovery runs
    writer = EventWriter(store, bus, Spool(spool_path).open(), **FAST_RETRY)
    await writer.start()
    recovery = InterruptedEvents(store, writer, retry_initial=0.05, retry_max=0.1)
    await recovery.start({"garage"}, started_before=at(100), running={"garage"})
    await asyncio.sleep(0.3)
    assert not recovery.done.is_set()
    await store.open()
    async with asyncio.timeout(10):
        await recovery.done.wait()
    row = await store.get_event(event.event_id)
    assert row is not None
    assert (row.phase, row.metadata) == (EventPhase.END, {"interrupted": True})
    await recovery.stop()
    await writer.stop()
    await store.close()
