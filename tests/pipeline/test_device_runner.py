"""The device runner on the in-process bus against the simulator: connect, announce, poll, turn
detections into events, go offline and come back, stop without leaving its task behind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fixtures.pipeline_rig import PipelineRig, online, running_pipeline
from fixtures.simulator import running_simulator

from bridge.bus.messages import AvailabilityChanged, DeviceReady, EventRaised, StateChanged
from bridge.domain.values import DeviceKind, EventPhase, EventType


@pytest.fixture
async def rig() -> AsyncIterator[PipelineRig]:
    devices = {"door": "doorbell", "drive": "floodlight"}
    async with running_simulator(devices, visitor_hold=0.3) as sim, running_pipeline(sim) as rig:
        await online(rig)
        yield rig


async def test_a_runner_connects_and_announces_its_device(rig: PipelineRig) -> None:
    ready = await rig.wait_for(DeviceReady, lambda m: m.camera.id == "door")
    assert ready.capabilities.kind is DeviceKind.DOORBELL
    assert ready.capabilities.channels[0].visitor
    await rig.wait_for(AvailabilityChanged, lambda m: m.camera_id == "door" and m.online)
    state = await rig.wait_for(StateChanged, lambda m: m.state.camera_id == "door")
    assert state.state.online
    runner = rig.manager.runner("door")
    assert runner.capabilities is ready.capabilities
    assert [view.camera_id for view in runner.views] == ["door"]
    assert runner.failures == 0


async def test_a_detection_becomes_a_start_and_an_end_event(rig: PipelineRig) -> None:
    mark = len(rig.messages)
    rig.sim.trigger_event("drive", "person")
    start = await rig.wait_for(
        EventRaised,
        lambda m: m.event.camera_id == "drive" and m.event.type is EventType.PERSON,
        since=mark,
    )
    assert start.event.phase is EventPhase.START
    rig.sim.trigger_event("drive", "person", active=False)
    end = await rig.wait_for(
        EventRaised,
        lambda m: m.event.event_id == start.event.event_id and m.event.phase is EventPhase.END,
        since=mark,
    )
    assert end.event.started_at == start.event.timestamp
    assert not rig.seen(
        EventRaised, lambda m: m.event.camera_id == "door" and m.event.type is EventType.PERSON
    )


async def test_a_dead_device_goes_offline_alone_and_comes_back(rig: PipelineRig) -> None:
    mark = len(rig.messages)
    await rig.sim.set_fault("drive", "offline")
    await rig.wait_for(
        AvailabilityChanged, lambda m: m.camera_id == "drive" and not m.online, since=mark
    )
    offline = await rig.wait_for(
        EventRaised,
        lambda m: m.event.camera_id == "drive" and m.event.type is EventType.OFFLINE,
        since=mark,
    )
    assert offline.event.phase is EventPhase.INSTANT
    assert not rig.manager.runner("drive").online
    assert rig.manager.runner("door").online  # the other device is untouched
    assert not rig.seen(AvailabilityChanged, lambda m: m.camera_id == "door" and not m.online)
    await rig.sim.set_fault("drive", "none")
    await rig.wait_for(
        AvailabilityChanged, lambda m: m.camera_id == "drive" and m.online, since=mark
    )
    assert rig.manager.runner("drive").failures == 0


async def test_stop_ends_the_runner_and_its_task(rig: PipelineRig) -> None:
    runner = rig.manager.runner("door")
    assert "device:door" in rig.tasks.running
    await runner.stop()
    assert "device:door" not in rig.tasks.running
    polls = runner.polls
    mark = len(rig.messages)
    rig.sim.trigger_event("door", "motion")
    rig.sim.trigger_event("drive", "motion")
    # The other runner still polls: once it saw its detection, a poll of "door" would have too.
    await rig.wait_for(EventRaised, lambda m: m.event.camera_id == "drive", since=mark)
    rig.sim.trigger_event("drive", "motion", active=False)
    await rig.wait_for(
        EventRaised,
        lambda m: m.event.camera_id == "drive" and m.event.phase is EventPhase.END,
        since=mark,
    )
    assert not rig.seen(EventRaised, lambda m: m.event.camera_id == "door", since=mark)
    assert runner.polls == polls
