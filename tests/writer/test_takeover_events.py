"""A take-over on SQLite and PostgreSQL: the new owner adopts the open detection events of its
devices' views (`adopt_open_events`), and ends, interrupted, the stray open events whose start
reached the store after that (`end_strays`: seen twice by the sweep, unknown to its runners); an
NVR that never answers the new owner gets its channels' adopted events ended at their last
heartbeat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fixtures.pipeline_rig import FAST_POLLING
from fixtures.simulator import running_simulator, sim_cameras
from writer_helpers import FAST_RETRY, at, start

from bridge.bus.inprocess import InProcessBus
from bridge.config import PollingSettings
from bridge.domain.values import DetectionType, EventPhase
from bridge.pipeline.device import DeviceRunner
from bridge.storage.recovery import adopt_open_events, end_strays
from bridge.storage.spool import Spool
from bridge.storage.writer import EventWriter
from bridge.store import CameraHeartbeat, Store


async def test_the_new_owner_adopts_its_devices_open_events(store: Store) -> None:
    mine, theirs = start("front", 0), start("back", 1)
    await store.write_events([mine, theirs])
    await store.record_heartbeats([CameraHeartbeat("front", at(9))])
    adopted = await adopt_open_events(store, {"front"}, at(20))
    assert list(adopted) == ["front"]
    (event,) = adopted["front"]
    assert (event.event_id, event.kind, event.started_at) == (
        mine.event_id,
        DetectionType.MOTION,
        mine.timestamp,
    )
    assert event.last_seen == at(9)
    assert (await store.get_event(mine.event_id)).phase is EventPhase.START  # type: ignore[union-attr]


async def test_a_late_start_is_ended_after_two_sweeps(store: Store) -> None:
    late, ours = start("front", 0), start("front", 5)
    await store.write_events([late, ours])
    ends, suspects = await end_strays(store, {"front"}, {ours.event_id}, set(), at(20))
    assert ends == []
    assert suspects == {late.event_id}
    ends, suspects = await end_strays(store, {"front"}, {ours.event_id}, suspects, at(40))
    assert [e.event_id for e in ends] == [late.event_id]
    stored = await store.get_event(late.event_id)
    assert stored is not None
    assert stored.phase is EventPhase.END
    assert stored.metadata.get("interrupted") is True
    assert (await store.get_event(ours.event_id)).phase is EventPhase.START  # type: ignore[union-attr]


async def test_an_nvr_that_never_answers_the_new_owner_ends_its_channels_events(
    store: Store, bus: InProcessBus, spool_path: Path
) -> None:
    """The previous owner left a detection open on an NVR channel; the NVR does not answer the
    new owner: the event ends at the channel's last heartbeat (not interrupted: the runner ended
    it, as it ends a camera's own)."""
    channel = start("nvr_ch1", 0, channel=1)
    await store.write_events([channel])
    await store.record_heartbeats([CameraHeartbeat("nvr_ch1", at(6))])
    adopted = await adopt_open_events(store, {"nvr"}, at(20))
    (event,) = adopted["nvr"]
    assert (event.camera_name, event.channel) == ("nvr_ch1 name", 1)

    writer = EventWriter(store, bus, Spool(spool_path).open(), **FAST_RETRY)
    await writer.start()
    async with running_simulator({"nvr": "nvr"}) as sim:
        await sim.set_fault("nvr", "offline")
        (camera,) = sim_cameras(sim)
        runner = DeviceRunner(camera, PollingSettings(**FAST_POLLING), bus)
        runner.adopt(adopted["nvr"])
        await runner.start()
        try:
            async with asyncio.timeout(10):
                while True:
                    await writer.flush()
                    row = await store.get_event(channel.event_id)
                    if row is not None and row.phase is EventPhase.END:
                        break
                    await asyncio.sleep(0.05)
        finally:
            await runner.stop()
    await writer.stop()
    assert (row.ended_at, row.duration, row.metadata) == (at(6), 6.0, {})
    assert (row.camera_name, row.channel) == ("nvr_ch1 name", 1)
