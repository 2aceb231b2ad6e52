"""The outbox policy, without a broker."""

from __future__ import annotations

import asyncio

import pytest

from bridge.mqtt.outbox import Outbox, OutgoingMessage


def event(topic: str, payload: str) -> OutgoingMessage:
    return OutgoingMessage(topic, payload.encode(), qos=1, retain=False)


def state(topic: str, payload: str) -> OutgoingMessage:
    return OutgoingMessage(topic, payload.encode(), qos=1, retain=True)


async def drain(outbox: Outbox) -> list[tuple[str, bytes]]:
    taken = []
    while len(outbox):
        message = await outbox.take()
        outbox.done(message)
        taken.append((message.topic, message.payload))
    return taken


async def test_states_coalesce_latest_wins_and_move_back() -> None:
    outbox = Outbox(10)
    outbox.put(state("cam/a", "1"))
    outbox.put(event("cam/a/event", "e1"))
    outbox.put(state("cam/a", "2"))
    outbox.put(state("cam/b", "1"))
    assert len(outbox) == 3
    assert await drain(outbox) == [
        ("cam/a/event", b"e1"),
        ("cam/a", b"2"),
        ("cam/b", b"1"),
    ]


async def test_bound_drops_oldest_events_only() -> None:
    outbox = Outbox(3)
    outbox.put(state("s", "0"))
    dropped = [m for i in range(5) for m in outbox.put(event("e", str(i)))]
    assert [m.payload for m in dropped] == [b"0", b"1"]
    assert await drain(outbox) == [("s", b"0"), ("e", b"2"), ("e", b"3"), ("e", b"4")]


async def test_requeue_puts_unacknowledged_back_in_order() -> None:
    outbox = Outbox(10)
    for i in range(4):
        outbox.put(event("e", str(i)))
    first, second = await outbox.take(), await outbox.take()
    outbox.done(first)
    third = await outbox.take()
    assert (second.payload, third.payload) == (b"1", b"2")
    requeued, given_up = outbox.requeue_inflight(max_attempts=5)
    assert (requeued, given_up) == (2, [])
    assert await drain(outbox) == [("e", b"1"), ("e", b"2"), ("e", b"3")]


async def test_requeue_skips_superseded_states() -> None:
    outbox = Outbox(10)
    outbox.put(state("s", "old"))
    old = await outbox.take()
    outbox.put(state("s", "new"))
    newer = await outbox.take()
    outbox.done(newer)  # the newer state got through, the older one did not
    assert old.payload == b"old"
    assert outbox.requeue_inflight(max_attempts=5) == (0, [])
    assert len(outbox) == 0


async def test_requeue_respects_the_bound_and_gives_up_on_poison() -> None:
    outbox = Outbox(2)
    outbox.put(event("e", "0"))
    taken = await outbox.take()
    outbox.put(event("e", "1"))
    outbox.put(event("e", "2"))
    _, given_up = outbox.requeue_inflight(max_attempts=5)
    assert given_up == [taken]  # back at the head, then the oldest over the bound
    assert await drain(outbox) == [("e", b"1"), ("e", b"2")]

    outbox.put(event("poison", "x"))
    for attempt in range(1, 4):
        message = await outbox.take()
        _, given_up = outbox.requeue_inflight(max_attempts=3)
        assert given_up == ([] if attempt < 3 else [message])
    assert len(outbox) == 0


async def test_take_waits_and_drained_tracks_inflight() -> None:
    outbox = Outbox(10)
    waiter = asyncio.create_task(outbox.take())
    await asyncio.sleep(0)
    assert not waiter.done()
    outbox.put(event("e", "1"))
    message = await asyncio.wait_for(waiter, 1)
    drained = asyncio.create_task(outbox.wait_drained())
    await asyncio.sleep(0)
    assert not drained.done()  # in flight still counts
    outbox.done(message)
    await asyncio.wait_for(drained, 1)


def test_bound_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Outbox(0)
