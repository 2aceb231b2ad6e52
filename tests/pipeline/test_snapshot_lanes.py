"""Snapshots run in a lane per camera, not in the bus worker: a slow camera delays itself only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from fixtures.pipeline_rig import PipelineRig, online, running_pipeline
from fixtures.simulator import running_simulator

from bridge.bus.messages import EventRaised, SnapshotTaken
from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline import snapshots

SLOW = 1.5
"""Seconds the slow camera takes for every answer."""


@pytest.fixture
async def rig() -> AsyncIterator[PipelineRig]:
    devices = {"slow": "floodlight", "fast": "floodlight"}
    async with (
        running_simulator(devices) as sim,
        running_pipeline(sim, polling={"interval": 60.0, "timeout": 5.0}) as rig,
    ):
        await online(rig)
        for camera_id in devices:  # the picture each camera gets when it comes online
            await rig.wait_for(SnapshotTaken, lambda m, c=camera_id: m.camera_id == c)
        yield rig


def detection(camera_id: str) -> EventRaised:
    return EventRaised(Event(type=EventType.MOTION, phase=EventPhase.START, camera_id=camera_id))


async def test_a_slow_camera_does_not_delay_another_cameras_snapshot(
    rig: PipelineRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "MIN_INTERVAL", 0.0)  # not the online picture again: ask
    await rig.sim.set_fault("slow", "slow", delay=SLOW)
    mark = len(rig.messages)
    started = time.monotonic()
    rig.bus.publish(detection("slow"))  # first in the bus's queue
    rig.bus.publish(detection("fast"))
    fast = await rig.wait_for(SnapshotTaken, lambda m: m.camera_id == "fast", since=mark)
    fast_after = time.monotonic() - started
    slow = await rig.wait_for(SnapshotTaken, lambda m: m.camera_id == "slow", since=mark)
    slow_after = time.monotonic() - started
    assert fast_after < SLOW / 2, f"the fast camera's snapshot took {fast_after:.2f} s"
    assert slow_after >= SLOW
    assert fast.jpeg.startswith(b"\xff\xd8")
    assert slow.jpeg.startswith(b"\xff\xd8")
    assert rig.snapshots.latest.keys() == {"slow", "fast"}
    assert sorted(rig.tasks.running) == [
        "device:fast",
        "device:slow",
        "push:fast",
        "push:slow",
        "snapshots:fast",
        "snapshots:slow",
    ]


async def test_a_full_lane_drops_event_snapshots_and_commands_wait_their_turn(
    rig: PipelineRig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "MIN_INTERVAL", 0.0)  # every detection asks for one
    await rig.sim.set_fault("slow", "slow", delay=0.3)
    mark = len(rig.messages)
    for _ in range(snapshots.LANE_QUEUE + 3):  # one in the camera, LANE_QUEUE waiting
        rig.bus.publish(detection("slow"))
    await rig.bus.drain()  # the bus worker is never held up by the camera
    # The camera takes one at a time; LANE_QUEUE more wait (one more if the lane had started).
    assert 2 <= rig.snapshots.dropped <= 3
    jpeg = await asyncio.wait_for(rig.snapshots.take("slow"), 10)  # on command: waits its turn
    assert jpeg.startswith(b"\xff\xd8")
    await rig.bus.drain()
    published = snapshots.LANE_QUEUE + 3 - rig.snapshots.dropped
    assert len(rig.seen(SnapshotTaken, since=mark)) == published + 1
