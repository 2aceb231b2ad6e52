"""Lease generations (fencing tokens) on a real Redis: every take of a lease gets a higher one,
even across a Redis that lost its data; the keeper knows the one of each lease it holds, and a
runner's fenced bus stamps it on the events it publishes."""

from __future__ import annotations

import asyncio

from fixtures.leases import LeasesMaker

from bridge.bus.inprocess import InProcessBus
from bridge.bus.messages import BusMessage, EventRaised, StillActive
from bridge.domain.base import utcnow
from bridge.domain.events import Event, EventFence
from bridge.domain.values import EventPhase, EventType
from bridge.pipeline.fence import FencedBus
from bridge.pipeline.leases import LeaseKeeper


async def test_each_take_gets_a_higher_generation(make_leases: LeasesMaker) -> None:
    a, b = make_leases("a", ttl=0.3), make_leases("b", ttl=0.3)
    first = await a.take("front")
    assert first is not None
    assert await b.take("front") is None  # held by a: no generation, nothing counted
    again = await a.take("front")  # a new turn of the same owner (a restart with its name)
    assert again is not None
    assert again > first
    assert await a.release("front")
    taken = await b.take("front")
    assert taken is not None
    assert taken > again
    other = await a.take("back")  # per name
    assert other is not None
    assert await a.acquire("back")  # acquire: a take that answers held or not


async def test_generations_keep_growing_when_redis_lost_its_data(make_leases: LeasesMaker) -> None:
    """The counter starts at Redis's clock (ms) when its key is missing: a Redis restarted
    empty never hands out a generation an earlier owner had."""
    a, b = make_leases("a"), make_leases("b")
    before = await a.take("front")
    assert before is not None
    await a._redis.delete(a.key("front"), a.generation_key("front"))
    await asyncio.sleep(0.01)
    after = await b.take("front")
    assert after is not None
    assert after > before


async def test_the_keeper_knows_the_generation_of_each_held_lease(
    make_leases: LeasesMaker,
) -> None:
    a = LeaseKeeper(make_leases("a", ttl=3.0))
    b = LeaseKeeper(make_leases("b", ttl=3.0))
    a.want({"front"})
    b.want({"front"})
    await a.tick()
    held = a.generation("front")
    assert held is not None
    assert b.generation("front") is None
    await a.stop()  # released: b takes it with a higher generation
    await b.tick()
    taken = b.generation("front")
    assert taken is not None
    assert taken > held
    assert a.generation("front") is None
    await b.stop()
    assert b.generation("front") is None


def _event(phase: EventPhase = EventPhase.START) -> Event:
    return Event(type=EventType.PERSON, phase=phase, camera_id="nvr_ch1", timestamp=utcnow())


async def test_a_fenced_bus_stamps_its_events_with_the_generation() -> None:
    bus = InProcessBus()
    seen: list[BusMessage] = []

    async def handler(message: BusMessage) -> None:
        seen.append(message)

    bus.subscribe("test", handler)
    generations: dict[str, int] = {"nvr": 7}
    fenced = FencedBus(bus, "nvr", lambda _: True, generation=generations.get)
    plain = FencedBus(bus, "nvr", lambda _: True)  # no generation: events go unchanged
    raised = _event()
    fenced.publish(EventRaised(raised))
    fenced.publish(StillActive("nvr_ch1", utcnow()))
    plain.publish(EventRaised(_event()))
    generations.clear()  # the lease is not held any more: nothing to stamp
    fenced.publish(EventRaised(_event(EventPhase.END)))
    await bus.drain()
    events = [m.event for m in seen if isinstance(m, EventRaised)]
    assert [e.fence for e in events] == [EventFence(lease="nvr", generation=7), None, None]
    assert events[0].event_id == raised.event_id
    assert raised.fence is None
    assert events[0].payload() == raised.payload()  # MQTT and REST never see the fence
    await bus.aclose()
