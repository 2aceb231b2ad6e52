"""End to end: a simulated camera, the bridge's pipeline (CameraManager) and the writer on SQLite.

Acceptance (issue 4): events triggered through the simulator end up in the store with correct
start/end and duration.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fixtures.simulator import running_simulator
from writer_helpers import FAST_RETRY

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import BusMessage, EventRaised, StillActive
from bridge.config import PollingSettings
from bridge.domain.camera import Camera
from bridge.domain.values import EventPhase
from bridge.pipeline.manager import CameraManager
from bridge.simulator import Simulator
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter

POLL = 0.1


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with running_simulator({"floodlight": "floodlight", "doorbell": "doorbell"}) as simulator:
        yield simulator


async def test_simulator_motion_start_stop_becomes_one_row_with_its_duration(
    sim: Simulator, sqlite_store: SqliteStore, bus: InProcessBus, spool_path: Path
) -> None:
    raised: list[EventRaised] = []

    async def collect(message: BusMessage) -> None:
        if isinstance(message, EventRaised):
            raised.append(message)

    bus.subscribe("test", collect)
    writer = EventWriter(sqlite_store, bus, Spool(spool_path).open(), max_delay=0.05, **FAST_RETRY)
    await writer.start()
    manager = CameraManager(PollingSettings(interval=POLL, failure_threshold=2, timeout=2.0), bus)
    cameras = [
        Camera(
            id=device_id,
            host=device.host,
            port=device.port,
            username=device.username,
            password=device.password,
        )
        for device_id, device in sim.devices.items()
    ]
    await manager.start(cameras)
    try:

        async def wait_for(predicate: object, timeout: float = 5.0) -> EventRaised:
            async with asyncio.timeout(timeout):
                while True:
                    for message in raised:
                        if predicate(message.event):  # type: ignore[operator]
                            return message
                    await asyncio.sleep(0.02)

        await wait_for(lambda e: e.camera_id == "floodlight" and e.type == "online")
        floodlight = sim.devices["floodlight"]
        async with httpx.AsyncClient() as http:

            async def sim_event(device: object, kind: str, active: bool) -> float:
                reply = await http.post(
                    f"http://{device.host}:{device.port}/sim/event",  # type: ignore[attr-defined]
                    json={"type": kind, "active": active, "channel": 0},
                )
                reply.raise_for_status()
                return time.monotonic()

            t_start = await sim_event(floodlight, "motion", True)
            start = await wait_for(lambda e: e.type == "motion" and e.phase == EventPhase.START)
            await asyncio.sleep(1.0)
            t_end = await sim_event(floodlight, "motion", False)
            end = await wait_for(lambda e: e.type == "motion" and e.phase == EventPhase.END)
            await sim_event(sim.devices["doorbell"], "visitor", True)
            press = await wait_for(lambda e: e.type == "visitor")

        await bus.drain()
        async with asyncio.timeout(5):
            await writer.flush()

        row = await sqlite_store.get_event(start.event.event_id)
        assert row is not None
        assert end.event.event_id == start.event.event_id
        assert row.phase == "end"
        assert row.camera_id == "floodlight"
        assert row.started_at == start.event.timestamp
        assert row.ended_at == end.event.timestamp
        assert row.duration == end.event.duration  # the pipeline's, in milliseconds
        assert row.duration == pytest.approx(
            (end.event.timestamp - start.event.timestamp).total_seconds(), abs=1e-3
        )
        # what the camera showed, measured from here, within the poll interval each side
        assert row.duration == pytest.approx(t_end - t_start, abs=2 * POLL + 0.2)

        doorbell = await sqlite_store.get_event(press.event.event_id)
        assert doorbell is not None
        assert doorbell.phase == "instant"
        assert doorbell.ended_at is None
        stored = {e.event.event_id for e in raised}
        for event_id in stored:  # every event the pipeline raised is in the store, once
            assert await sqlite_store.get_event(event_id) is not None
    finally:
        await manager.stop()
        await writer.stop()


async def test_an_active_detection_heartbeats_at_the_configured_rate_and_at_stop(
    sim: Simulator, bus: InProcessBus
) -> None:
    beat = 0.3
    beats: list[StillActive] = []
    raised: list[EventRaised] = []

    async def collect(message: BusMessage) -> None:
        if isinstance(message, StillActive):
            beats.append(message)
        elif isinstance(message, EventRaised):
            raised.append(message)

    bus.subscribe("test", collect)
    polling = PollingSettings(
        interval=POLL, failure_threshold=2, timeout=2.0, active_heartbeat_interval=beat
    )
    manager = CameraManager(polling, bus)
    device = sim.devices["floodlight"]
    camera = Camera(
        id="floodlight",
        host=device.host,
        port=device.port,
        username=device.username,
        password=device.password,
        push="off",  # heartbeats at poll times (with push they come from the push's word)
    )
    await manager.start([camera])
    try:
        async with asyncio.timeout(5):
            while not any(m.event.type == "online" for m in raised):
                await asyncio.sleep(0.02)
        await asyncio.sleep(1.0)
        assert beats == []  # nothing active: no heartbeat
        sim.trigger_event("floodlight", "motion", True)
        async with asyncio.timeout(5):
            while not any(m.event.type == "motion" for m in raised):
                await asyncio.sleep(0.02)
        await asyncio.sleep(1.5)
        during = list(beats)
        assert 3 <= len(during) <= 6, during
        assert all(b.camera_id == "floodlight" for b in during)
        times = [b.at for b in during]
        assert times == sorted(times)
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert min(gaps) >= beat - POLL  # never faster than the rate (poll times, not clocks)
        start = next(m.event for m in raised if m.event.type == "motion")
        assert times[0] > start.timestamp
        sim.trigger_event("floodlight", "motion", False)
        async with asyncio.timeout(5):
            while not any(m.event.phase == EventPhase.END for m in raised):
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        after_end = len(beats)
        await asyncio.sleep(1.0)
        assert len(beats) == after_end  # ended: no more heartbeats
        sim.trigger_event("floodlight", "person", True)
        async with asyncio.timeout(5):
            while not any(m.event.type == "person" for m in raised):
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.15)
        runner = manager.runner("floodlight")
        before_stop = len(beats)
    finally:
        await manager.stop()
    await bus.drain()
    assert len(beats) == before_stop + 1  # the last poll that saw it, at stop
    assert beats[-1].at == runner.last_poll
