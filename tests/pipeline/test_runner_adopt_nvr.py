"""A take-over of an NVR: the events the previous owner left open on its channels wait for the
channels' views (`DeviceRunner._adopting`). An NVR that does not answer ends them when they were
last seen active, as a camera that does not answer ends its own; so does one that answers
without the channel (an empty slot now)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fixtures.pipeline_rig import FAST_POLLING
from fixtures.simulator import running_simulator, sim_cameras

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import BusMessage, EventRaised
from bridge.config import PollingSettings
from bridge.domain.events import Event
from bridge.domain.values import DetectionType, EventPhase, EventType
from bridge.pipeline.device import DeviceRunner
from bridge.pipeline.tracker import OpenEvent
from bridge.simulator import Simulator
from bridge.tasks import Supervisor

T0 = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def opened(camera_id: str, channel: int, event_id: str, seen: float) -> OpenEvent:
    return OpenEvent(
        camera_id,
        DetectionType.MOTION,
        event_id,
        T0,
        T0 + timedelta(seconds=seen),
        f"Old name of {camera_id}",
        channel,
    )


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"nvr": "nvr"}) as simulator:
        yield simulator


async def run_adopting(
    sim: Simulator, events: list[OpenEvent], until_ended: set[str]
) -> tuple[DeviceRunner, list[Event]]:
    """Start a runner of the NVR that adopted `events`; returns it (stopped) and the events it
    raised by the time each of `until_ended` has ended."""
    bus = InProcessBus()
    tasks = Supervisor()
    raised: list[Event] = []
    ended: set[str] = set()
    arrived = asyncio.Event()

    async def record(message: BusMessage) -> None:
        if isinstance(message, EventRaised):
            raised.append(message.event)
            if message.event.phase is EventPhase.END:
                ended.add(message.event.event_id)
            arrived.set()

    bus.subscribe("test", record)
    (camera,) = sim_cameras(sim)
    runner = DeviceRunner(camera, PollingSettings(**FAST_POLLING), bus, tasks=tasks)
    runner.adopt(events)
    try:
        await runner.start()
        async with asyncio.timeout(10):
            while not until_ended <= ended:
                arrived.clear()
                await arrived.wait()
    finally:
        await runner.stop()
        await tasks.stop()
        await bus.aclose()
    return runner, raised


async def test_an_nvr_that_never_answers_ends_its_channels_adopted_events(
    sim: Simulator,
) -> None:
    await sim.set_fault("nvr", "offline")
    events = [
        opened("nvr", 0, "ev-nvr", 3),
        opened("nvr_ch0", 0, "ev-ch0", 5),
        opened("nvr_ch2", 2, "ev-ch2", 7.5),
    ]
    runner, raised = await run_adopting(sim, events, {"ev-nvr", "ev-ch0", "ev-ch2"})
    assert not runner.online
    assert runner.capabilities is None
    ends = {e.event_id: e for e in raised if e.phase is EventPhase.END}
    for event in events:
        end = ends[event.event_id]
        assert end.camera_id == event.camera_id
        assert end.type is EventType.MOTION
        assert end.timestamp == event.last_seen  # when last seen active, not now
        assert end.started_at == T0
        assert end.duration == (event.last_seen - T0).total_seconds()
    # no view of a channel is known: its end says what its start said
    assert (ends["ev-ch2"].camera_name, ends["ev-ch2"].channel) == ("Old name of nvr_ch2", 2)
    assert not [e for e in raised if e.phase is EventPhase.START]
    assert runner._adopting == {}


async def test_a_channel_the_nvr_answers_without_ends_when_last_seen(sim: Simulator) -> None:
    """Channel 5 is an empty slot (no view); channel 1 answers, its detection cleared: its
    adopted event ends at that poll."""
    events = [opened("nvr_ch5", 5, "ev-gone", 4), opened("nvr_ch1", 1, "ev-ch1", 4)]
    runner, raised = await run_adopting(sim, events, {"ev-gone", "ev-ch1"})
    assert runner.capabilities is not None
    ends = {e.event_id: e for e in raised if e.phase is EventPhase.END}
    assert ends["ev-gone"].timestamp == T0 + timedelta(seconds=4)
    assert ends["ev-ch1"].timestamp > T0 + timedelta(days=1)  # the poll's time
    assert ends["ev-ch1"].camera_name != "Old name of nvr_ch1"  # its view's name
    assert runner._adopting == {}
