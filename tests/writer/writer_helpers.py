"""Shared pieces of the writer tests: a script of events, a spy around a real store."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.domain.events import Event
from bridge.domain.values import EventPhase, EventType
from bridge.store import CommandRecord, Store, StoredEvent

T0 = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
FAST_RETRY = {"retry_initial": 0.05, "retry_max": 0.2}


def at(seconds: float) -> datetime:
    """`seconds` after T0."""
    return T0 + timedelta(seconds=seconds)


def start(
    camera_id: str, when: float, kind: EventType = EventType.MOTION, channel: int = 0
) -> Event:
    """A detection's start on `camera_id` (named "<camera_id> name") `when` seconds after T0."""
    return Event(
        type=kind,
        phase=EventPhase.START,
        camera_id=camera_id,
        camera_name=f"{camera_id} name",
        channel=channel,
        timestamp=at(when),
    )


@dataclass
class Script:
    """What was fed, in order, and what the table must hold afterwards."""

    fed: list[Event] = field(default_factory=list)

    def expected_rows(self) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for event in self.fed:
            if event.phase is EventPhase.END:
                row = rows[event.event_id]
                row.update(phase="end", ended_at=event.timestamp, duration=event.duration)
            else:
                rows[event.event_id] = {
                    "camera_id": event.camera_id,
                    "type": event.type,
                    "phase": event.phase.value,
                    "started_at": event.timestamp,
                    "ended_at": None,
                    "duration": None,
                }
        return rows


def script(
    count: int,
    cameras: Sequence[str] = ("front_door", "garage"),
    step: float = 0.1,
    seed: int | None = None,
) -> Script:
    """`count` events over the cameras: detections (a start, later its end) and doorbell presses.

    The same `seed` gives the same events (ids included), in another process too.
    """
    rng = random.Random(seed)

    def new_event_id() -> str:
        return str(uuid.UUID(int=rng.getrandbits(128)))

    out = Script()
    open_: dict[str, tuple[str, datetime, EventType]] = {}
    at = T0
    types = (EventType.MOTION, EventType.PERSON, EventType.VEHICLE)
    n = 0
    while len(out.fed) < count:
        camera = cameras[n % len(cameras)]
        at += timedelta(seconds=step)
        if camera in open_:
            event_id, started, kind = open_.pop(camera)
            out.fed.append(
                Event(
                    event_id=event_id,
                    type=kind,
                    phase=EventPhase.END,
                    camera_id=camera,
                    timestamp=at,
                    started_at=started,
                    duration=(at - started).total_seconds(),
                )
            )
        elif n % 7 == 3:
            out.fed.append(
                Event(
                    event_id=new_event_id(),
                    type=EventType.VISITOR,
                    phase=EventPhase.INSTANT,
                    camera_id=camera,
                    timestamp=at,
                    data={"n": n},
                )
            )
        else:
            kind = types[n % len(types)]
            event_id = new_event_id()
            open_[camera] = (event_id, at, kind)
            out.fed.append(
                Event(
                    event_id=event_id,
                    type=kind,
                    phase=EventPhase.START,
                    camera_id=camera,
                    timestamp=at,
                    data={"n": n},
                )
            )
        n += 1
    return out


def assert_rows(stored: Sequence[StoredEvent], expected: dict[str, dict[str, Any]]) -> None:
    """Exactly one row per event, with the right span."""
    ids = [row.event_id for row in stored]
    assert len(ids) == len(set(ids)), "an event is in the table twice"
    assert set(ids) == set(expected), (
        f"missing {len(set(expected) - set(ids))}, unexpected {len(set(ids) - set(expected))}"
    )
    for row in stored:
        want = expected[row.event_id]
        got = {
            "camera_id": row.camera_id,
            "type": row.type,
            "phase": str(row.phase),
            "started_at": row.started_at,
            "ended_at": row.ended_at,
            "duration": row.duration,
        }
        assert got == want, row.event_id


class SpyStore:
    """A real store with its write calls recorded (instrumentation, every call goes through)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.event_batches: list[list[tuple[str, str]]] = []
        self.command_batches: list[list[CommandRecord]] = []

    async def write_events(self, events: Sequence[Event]) -> list[Event]:
        refused = await self.store.write_events(events)
        self.event_batches.append([(e.event_id, e.phase.value) for e in events])
        return refused

    async def record_commands(self, records: Sequence[CommandRecord]) -> None:
        await self.store.record_commands(records)
        self.command_batches.append(list(records))

    def first_write_order(self) -> list[tuple[str, str]]:
        """Each (event_id, phase) in the order it was first written (re-deliveries ignored)."""
        seen: dict[tuple[str, str], None] = {}
        for batch in self.event_batches:
            for key in batch:
                seen.setdefault(key, None)
        return list(seen)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def dropped(bus: Any, writer: Any) -> int:
    """Records lost on the way to the writer: its bus queue's drops (memory hand-off) and its
    own (a journal whose spool fails)."""
    queue = bus.stats().get("store", {})
    return int(queue.get("dropped", 0)) + int(writer.dropped)


def fed_order(fed: Sequence[Event]) -> list[tuple[str, str]]:
    return [(e.event_id, e.phase.value) for e in fed]


async def all_events(store: Store) -> list[StoredEvent]:
    from bridge.store import EventQuery

    rows: list[StoredEvent] = []
    cursor = None
    while True:
        page = await store.query_events(EventQuery(limit=1000, cursor=cursor))
        rows.extend(page.events)
        if page.next_cursor is None:
            return rows
        cursor = page.next_cursor
