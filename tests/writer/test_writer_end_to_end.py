"""End to end: a simulated camera, the bridge's pipeline (CameraManager) and the writer on SQLite.

Acceptance (issue 4): events triggered through the simulator end up in the store with correct
start/end and duration.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from writer_helpers import FAST_RETRY

from bridge.bus import BusMessage, EventRaised, InProcessBus
from bridge.config import PollingSettings
from bridge.models import Camera, EventPhase
from bridge.pipeline.manager import CameraManager
from bridge.simulator import Simulator
from bridge.storage.spool import Spool
from bridge.storage.sqlite import SqliteStore
from bridge.storage.writer import EventWriter

POLL = 0.1


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(control_port=None) as simulator:
        await simulator.add_device("floodlight", device_id="floodlight")
        await simulator.add_device("doorbell", device_id="doorbell")
        yield simulator


async def test_simulator_motion_start_stop_becomes_one_row_with_its_duration(
    sim: Simulator, sqlite_store: SqliteStore, bus: InProcessBus, spool_path: Path
) -> None:
    raised: list[EventRaised] = []

    async def collect(message: BusMessage) -> None:
        if isinstance(message, EventRaised):
            raised.append(message)

    bus.subscribe("test", collect)
    writer = EventWriter(sqlite_store, bus, Spool(spool_path), max_delay=0.05, **FAST_RETRY)
    writer.start()
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
