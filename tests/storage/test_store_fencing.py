"""The `Store` contract for owner generations (`bridge.storage.fencing`), on SQLite and
PostgreSQL (see conftest.py): a late detection `start` from an older owner than the device's
recorded generation is refused; an equal or newer one, an `end` of a stored event, an event
without a fence and an instant event are written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.domain.events import Event, EventFence
from bridge.domain.values import EventPhase, EventType
from bridge.store import Store

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def fence(generation: int, lease: str = "front_door") -> EventFence:
    return EventFence(lease=lease, generation=generation)


def start(event_id: str, when: float, generation: int | None, **kw: Any) -> Event:
    lease = kw.pop("lease", "front_door")
    return Event(
        event_id=event_id,
        type=kw.pop("kind", EventType.PERSON),
        phase=EventPhase.START,
        camera_id=kw.pop("camera_id", lease),
        timestamp=at(when),
        fence=None if generation is None else fence(generation, lease),
        **kw,
    )


def end(event_id: str, started: float, ended: float, generation: int | None) -> Event:
    return Event(
        event_id=event_id,
        type=EventType.PERSON,
        phase=EventPhase.END,
        camera_id="front_door",
        timestamp=at(ended),
        started_at=at(started),
        duration=ended - started,
        fence=None if generation is None else fence(generation),
    )


async def stored(store: Store, event_id: str) -> str | None:
    """The stored event's phase, or None when it is not stored."""
    event = await store.get_event(event_id)
    return None if event is None else event.phase.value


async def test_a_late_start_of_an_older_owner_is_refused(store: Store) -> None:
    assert await store.record_fences({"front_door": 6}) == {"front_door": 6}
    late = start("late", 1, 5)
    assert await store.write_events([late]) == [late]
    assert await stored(store, "late") is None
    assert [e.event_id for e in await store.open_events(at(100))] == []
    # the same start again (a replay of the spool, a re-delivery): still refused
    assert await store.write_events([late]) == [late]
    assert await stored(store, "late") is None


async def test_an_equal_or_newer_owner_is_written_and_raises_the_record(store: Store) -> None:
    await store.record_fences({"front_door": 6})
    assert await store.write_events([start("same", 1, 6)]) == []
    assert await store.write_events([start("newer", 2, 9)]) == []
    assert await stored(store, "same") == "start"
    assert await stored(store, "newer") == "start"
    # the accepted start of generation 9 raised the device's record: 6 is late now
    assert await store.record_fences({"front_door": 1}) == {"front_door": 9}
    refused = await store.write_events([start("older", 3, 6)])
    assert [e.event_id for e in refused] == ["older"]


async def test_the_record_never_goes_down(store: Store) -> None:
    assert await store.record_fences({"front_door": 6, "nvr": 2}) == {"front_door": 6, "nvr": 2}
    assert await store.record_fences({"front_door": 4}) == {"front_door": 6}
    assert await store.record_fences({}) == {}
    assert await store.record_fences({"nvr": 3, "back": 1}) == {"back": 1, "nvr": 3}


async def test_an_end_of_a_stored_event_is_written_whatever_its_generation(store: Store) -> None:
    assert await store.write_events([start("kept", 1, 5)]) == []
    await store.record_fences({"front_door": 6})
    # replayed start of a stored event: nothing to refuse, nothing changes
    assert await store.write_events([start("kept", 1, 5)]) == []
    assert await store.write_events([end("kept", 1, 4, 5)]) == []
    row = await store.get_event("kept")
    assert row is not None
    assert row.phase is EventPhase.END
    assert row.duration == 3


async def test_an_end_that_would_create_its_row_is_refused_when_late(store: Store) -> None:
    await store.record_fences({"front_door": 6})
    late_end = end("gone", 1, 4, 5)
    assert await store.write_events([late_end]) == [late_end]
    assert await stored(store, "gone") is None
    # a late start and its end in one batch: both refused, the rest of the batch written
    pair = [start("pair", 2, 5), end("pair", 2, 3, 5)]
    batch = [start("now", 2, 6), *pair, start("free", 2, None)]
    assert await store.write_events(batch) == pair
    assert await stored(store, "pair") is None
    assert await stored(store, "now") == "start"
    assert await stored(store, "free") == "start"


async def test_unfenced_and_instant_events_are_written(store: Store) -> None:
    await store.record_fences({"front_door": 6})
    plain = start("plain", 1, None)
    instant = Event(
        event_id="press",
        type=EventType.VISITOR,
        phase=EventPhase.INSTANT,
        camera_id="front_door",
        timestamp=at(2),
        fence=fence(1),
    )
    assert await store.write_events([plain, instant]) == []
    assert await stored(store, "plain") == "start"
    assert await stored(store, "press") == "instant"


async def test_generations_are_per_lease_and_cover_nvr_channels(store: Store) -> None:
    await store.record_fences({"nvr": 6, "front_door": 1})
    channel = start("ch", 1, 5, lease="nvr", camera_id="nvr_ch2")
    other = start("other", 1, 5)  # front_door's record is 1: 5 is newer
    assert await store.write_events([channel, other]) == [channel]
    assert await stored(store, "ch") is None
    assert await stored(store, "other") == "start"


async def test_a_batch_raises_its_devices_before_it_is_checked(store: Store) -> None:
    """A batch with the new owner's start and an older owner's (both instances' events on one
    stream): the older one is refused, whatever the order."""
    older, newer = start("older", 2, 4), start("newer", 1, 5)
    assert await store.write_events([older, newer]) == [older]
    assert await stored(store, "newer") == "start"


async def test_a_take_over_and_a_late_start_never_both_miss_it(store: Store) -> None:
    """Recording the new owner's generation and then reading the open events (a take-over),
    concurrent with the old owner's late start: the start is either refused or among the open
    events read (adopted), never stored and unseen."""
    for round_ in range(20):
        lease = f"cam{round_}"
        old = start(f"e{round_}", 1, 10 + round_, lease=lease)

        async def take_over(lease: str = lease, generation: int = 11 + round_) -> set[str]:
            await store.record_fences({lease: generation})
            return {e.event_id for e in await store.open_events(at(100))}

        seen, refused = await asyncio.gather(take_over(), store.write_events([old]))
        if refused:
            assert refused == [old]
            assert await stored(store, old.event_id) is None
        else:
            assert old.event_id in seen
