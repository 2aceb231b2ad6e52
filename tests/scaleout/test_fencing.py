"""Fencing: an instance whose leases lapse (its renewals stopped, as in a long pause) neither polls
nor publishes anything more about the cameras another instance took over, and the taker adopts
the events the first one left open (continues them, then ends them under their own ids); a late
start of the first one, carrying its older generation, is refused by the store."""

from __future__ import annotations

import asyncio
import contextlib

from bridge.bus.messages import BusMessage, EventRaised, StateChanged
from bridge.domain.base import utcnow
from bridge.domain.events import Event, EventFence
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.fence import FencedBus
from bridge.simulator import Simulator
from bridge.store import EventQuery
from scaleout.conftest import CAMERAS
from scaleout.rig import LEASE_TTL, Fleet, until


async def test_a_lapsed_instance_publishes_nothing_and_the_taker_adopts_its_events(
    bridges: Fleet, sim: Simulator
) -> None:
    a = await bridges.start("a")
    b = await bridges.start("b")
    split = await bridges.balanced(len(CAMERAS))
    camera = sorted(split["a"])[0]
    seen: list[BusMessage] = []

    async def spy(message: BusMessage) -> None:
        if isinstance(message, EventRaised | StateChanged):
            seen.append(message)

    subscription = b.bus.subscribe("test-spy", spy)
    wait_ready = getattr(subscription, "wait_ready", None)
    if wait_ready is not None:
        await wait_ready()
    try:
        # A detection starts while a runs the camera: a start event, stored.
        sim.trigger_event(camera, "motion", True)
        await until(lambda: _starts(seen, camera) == 1, 10)
        opened = next(m.event for m in seen if _is_start(m, camera))

        # a's renewals stop (its keeper frozen; its runner goes on polling, as a process
        # whose lease loop stalled). Within the TTL b takes the camera over.
        assert a.keeper is not None
        for task in a.keeper._tasks:  # renewals, rounds, nudges, changes
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await until(lambda: camera in b.manager.running(), LEASE_TTL * 3)
        assert not a.manager.runs(camera)  # a's own check says so too (its lease lapsed)
        runner = a.manager.runner(camera)
        assert isinstance(runner.bus, FencedBus)

        # b adopts the event a left open: its runner still sees the detection and raises
        # nothing new; a, still there, neither polls nor publishes anything about the camera.
        assert not runner.bus.open
        polls = runner.polls
        await asyncio.sleep(2.0)  # 4 poll intervals
        assert runner.polls == polls  # a does not even poll the camera
        assert _starts(seen, camera) == 1  # b continued a's event
        stored = await b.store.get_event(opened.event_id)
        assert stored is not None
        assert stored.phase is EventPhase.START
        sim.trigger_event(camera, "motion", False)  # b ends it, under its own id
        async with asyncio.timeout(15):
            while True:
                stored = await b.store.get_event(opened.event_id)
                if stored is not None and stored.phase is EventPhase.END:
                    break
                await asyncio.sleep(0.1)
        assert not stored.metadata.get("interrupted")
        assert stored.started_at == opened.timestamp
        sim.trigger_event(camera, "motion", True)
        await until(lambda: _starts(seen, camera) >= 2, 10)
        await asyncio.sleep(2.0)  # a duplicate would show by now
        assert _starts(seen, camera) == 2  # a's (continued and ended by b), b's: no more
        assert runner.polls == polls
        page = await b.store.query_events(EventQuery(camera_ids=[camera], limit=50))
        starts = [e for e in page.events if e.type.value == "motion"]
        assert len(starts) == 2
    finally:
        subscription.close()


async def test_a_late_start_of_the_previous_owner_is_refused(
    bridges: Fleet, sim: Simulator
) -> None:
    """a runs a camera, then stops; b takes it over with a higher generation and records it
    as it adopts the open events. A start a published before (its outbox flushed late) then
    reaches the shared bus: the store refuses it; b's own detections are written."""
    a = await bridges.start("a")
    b = await bridges.start("b")
    split = await bridges.balanced(len(CAMERAS))
    camera = sorted(split["a"])[0]
    assert a.keeper is not None
    assert b.keeper is not None
    old = a.keeper.generation(camera)
    assert old is not None
    await bridges.stop("a")
    await until(lambda: camera in b.manager.running(), LEASE_TTL * 2)
    new = b.keeper.generation(camera)
    assert new is not None
    assert new > old
    async with asyncio.timeout(10):  # recorded at the take-over (never lowered by this call)
        while (await b.store.record_fences({camera: 0})).get(camera) != new:
            await asyncio.sleep(0.05)

    late = Event(
        type=EventType.MOTION,
        phase=EventPhase.START,
        camera_id=camera,
        timestamp=utcnow(),
        fence=EventFence(lease=camera, generation=old),
    )
    b.bus.publish(EventRaised(late))  # the shared stream: as a's outbox would write it
    await until(lambda: b.writer.fenced == 1, 10)
    assert await b.store.get_event(late.event_id) is None

    sim.trigger_event(camera, "motion", True)  # b's own detection: written
    async with asyncio.timeout(15):
        while True:
            page = await b.store.query_events(EventQuery(camera_ids=[camera], limit=50))
            if any(e.type is EventType.MOTION for e in page.events):
                break
            await asyncio.sleep(0.1)
    assert b.writer.fenced == 1
    sim.trigger_event(camera, "motion", False)


def _is_start(message: BusMessage, camera: str) -> bool:
    return (
        isinstance(message, EventRaised)
        and message.event.camera_id == camera
        and message.event.phase is EventPhase.START
    )


def _starts(seen: list[BusMessage], camera: str) -> int:
    return sum(1 for m in seen if _is_start(m, camera))


async def test_a_fenced_bus_drops_and_says_so_once() -> None:
    from bridge.bus.inprocess import InProcessBus
    from bridge.bus.messages import StillActive
    from bridge.domain.base import utcnow

    bus = InProcessBus()
    got: list[BusMessage] = []

    async def handler(message: BusMessage) -> None:
        got.append(message)

    bus.subscribe("spy", handler)
    valid = {"cam0": True}
    stale: list[str] = []
    fence = FencedBus(bus, "cam0", lambda name: valid[name], on_stale=stale.append)
    fence.publish(StillActive("cam0", utcnow()))
    valid["cam0"] = False
    for _ in range(3):
        fence.publish(StillActive("cam0", utcnow()))
    assert not fence.check()
    await bus.drain()
    assert len(got) == 1
    assert fence.dropped == 3
    assert stale == ["cam0"]  # once per lapse
    valid["cam0"] = True
    assert fence.check()
    valid["cam0"] = False
    assert not fence.check()
    assert stale == ["cam0", "cam0"]
    await bus.aclose()
