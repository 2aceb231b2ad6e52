"""Push on the camera side alone (pipeline rig, in-process bus): open events keep their
heartbeats without polls, and a push that overtakes a poll in flight wins."""

from __future__ import annotations

import asyncio
import time

from fixtures.pipeline_rig import online, running_pipeline
from fixtures.simulator import running_simulator

from bridge.bus.messages import EventRaised, StillActive
from bridge.domain.values import EventPhase, EventType


async def test_an_open_event_keeps_its_heartbeat_while_push_is_active() -> None:
    polling = {
        "interval": 30.0,
        "settings_interval": 30.0,
        "health_check_interval": 30.0,
        "active_heartbeat_interval": 0.3,
    }
    async with (
        running_simulator({"cam": "floodlight"}) as sim,
        running_pipeline(sim, polling=polling) as rig,
    ):
        await online(rig)
        runner = rig.manager.runner("cam")
        assert runner.push.active
        polls = runner.polls
        mark = len(rig.messages)
        sim.trigger_event("cam", "person")
        await rig.wait_for(
            EventRaised,
            lambda m: m.event.type is EventType.PERSON and m.event.phase is EventPhase.START,
            since=mark,
        )
        started = time.monotonic()
        async with asyncio.timeout(10):
            while len(rig.seen(StillActive, since=mark)) < 3:
                await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        assert elapsed >= 0.6  # at the heartbeat interval, not faster
        assert runner.polls == polls  # push said it is still active: no poll needed
        sim.trigger_event("cam", "person", active=False)
        await rig.wait_for(
            EventRaised,
            lambda m: m.event.type is EventType.PERSON and m.event.phase is EventPhase.END,
            since=mark,
        )
        beats = len(rig.seen(StillActive, since=mark))
        await asyncio.sleep(0.8)
        assert len(rig.seen(StillActive, since=mark)) == beats  # ended: no more heartbeats
