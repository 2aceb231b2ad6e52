"""What both backends share: event rows and their merge rule, the keyset cursor.

An event batch is folded into one row per `(event_id, started_at)` before it reaches the database,
so a batch never touches a row twice (PostgreSQL's `ON CONFLICT DO UPDATE` forbids that) and the
database applies the same merge rule to rows already stored:

- `start` inserts the row; over an existing `end` row it only adds metadata the end did not have;
- `end` completes the row (phase, ended_at, duration, more metadata); a replayed end is a no-op;
- `instant` inserts once.

So the order of `start` and `end` does not matter, and replaying any batch is a no-op.

Event fields outside the columns travel in `Event.data`, which becomes `metadata`; the keys
`severity`, `snapshot_path` and `clip` (strings) fill their own columns instead.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bridge.domain.events import Event
from bridge.domain.values import EventPhase
from bridge.store import InvalidCursor

COLUMN_KEYS = ("severity", "snapshot_path", "clip")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc(value: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_micros(value: datetime) -> int:
    return (utc(value) - EPOCH) // timedelta(microseconds=1)


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@dataclass(slots=True)
class EventRow:
    """One `events` row as a batch writes it (before the merge with what is stored)."""

    event_id: str
    camera_id: str
    camera_name: str
    channel: int
    type: str
    phase: str
    started_at: datetime
    ended_at: datetime | None
    duration: float | None
    severity: str | None
    metadata: dict[str, Any] = field(default_factory=dict)
    snapshot_path: str | None = None
    clip: str | None = None

    @property
    def key(self) -> tuple[str, datetime]:
        return (self.event_id, self.started_at)


def event_row(event: Event, started_at: datetime | None = None) -> EventRow:
    """The row an event writes; `started_at` overrides the event's own (an end found in the DB)."""
    data = dict(event.data)
    columns = {k: data.pop(k) for k in COLUMN_KEYS if isinstance(data.get(k), str)}
    at = utc(event.timestamp)
    ended_at: datetime | None = None
    duration: float | None = None
    if event.phase is EventPhase.END:
        start = started_at or (utc(event.started_at) if event.started_at else None)
        if start is None:  # an end whose start nobody saw
            start = at - timedelta(seconds=event.duration) if event.duration is not None else at
        ended_at = at
        duration = event.duration
        if duration is None:
            duration = max(0.0, (at - start).total_seconds())
    else:
        start = at
    return EventRow(
        event_id=event.event_id,
        camera_id=event.camera_id,
        camera_name=event.camera_name,
        channel=event.channel,
        type=str(event.type),
        phase=str(event.phase),
        started_at=start,
        ended_at=ended_at,
        duration=duration,
        severity=columns.get("severity"),
        metadata=data,
        snapshot_path=columns.get("snapshot_path"),
        clip=columns.get("clip"),
    )


def merge_rows(old: EventRow, new: EventRow) -> EventRow:
    """`new` arriving over `old` (same key): the rule the SQL upserts also follow."""
    if new.phase == "end" and old.phase != "end":
        return replace(
            old,
            phase="end",
            ended_at=new.ended_at,
            duration=new.duration,
            metadata={**old.metadata, **new.metadata},
            camera_name=old.camera_name or new.camera_name,
            severity=old.severity or new.severity,
            snapshot_path=old.snapshot_path or new.snapshot_path,
            clip=old.clip or new.clip,
        )
    if new.phase == "start" and old.phase == "end":
        return replace(
            old,
            metadata={**new.metadata, **old.metadata},
            camera_name=old.camera_name or new.camera_name,
            severity=old.severity or new.severity,
            snapshot_path=old.snapshot_path or new.snapshot_path,
            clip=old.clip or new.clip,
        )
    return old


def needs_start_lookup(event: Event) -> bool:
    return event.phase is EventPhase.END and event.started_at is None


def fold_events(events: Iterable[Event], known_starts: dict[str, datetime]) -> list[EventRow]:
    """One row per key, in first-seen order. `known_starts` maps event ids to stored started_at,
    for `end` events that do not carry theirs; starts earlier in the batch are used too."""
    rows: dict[tuple[str, datetime], EventRow] = {}
    starts = dict(known_starts)
    for event in events:
        start = starts.get(event.event_id) if needs_start_lookup(event) else None
        row = event_row(event, start)
        if row.phase == "start":
            starts.setdefault(row.event_id, row.started_at)
        old = rows.get(row.key)
        rows[row.key] = row if old is None else merge_rows(old, row)
    return list(rows.values())


# ---------------------------------------------------------------------------------------------
# Keyset cursor: the last row's (started_at, event_id), opaque to callers.
# ---------------------------------------------------------------------------------------------


def encode_cursor(started_at: datetime, event_id: str) -> str:
    raw = f"{to_micros(started_at)}:{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, event_id = raw.split(":", 1)
        return from_micros(int(micros)), event_id
    except (ValueError, binascii.Error, UnicodeDecodeError, OverflowError) as err:
        raise InvalidCursor("invalid cursor: use next_cursor from the previous page") from err


def new_installation_id() -> str:
    """A fresh installation id: 32 random hex digits (`Store.installation_id` keeps the first)."""
    return uuid.uuid4().hex
