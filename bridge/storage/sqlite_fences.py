"""The SQLite side of owner generations (`bridge.storage.fencing` explains them): run inside
the writer connection's `BEGIN IMMEDIATE` transactions, so a batch's check, its raise and its
rows are one step for every process that writes the file."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from bridge.domain.events import Event
from bridge.storage.fencing import batch_tops, late_events, sift

_CHUNK = 500
"""Ids per `IN (…)` (SQLite limits the number of parameters of a statement)."""

_RAISE = (
    "INSERT INTO device_fences (device_id, generation) VALUES (?, ?) "
    "ON CONFLICT (device_id) DO UPDATE SET generation = max(generation, excluded.generation)"
)


def raise_fences(conn: sqlite3.Connection, generations: Mapping[str, int]) -> dict[str, int]:
    """Raise each device's recorded generation to at least the given one; the recorded ones."""
    if not generations:
        return {}
    conn.executemany(_RAISE, sorted(generations.items()))
    recorded: dict[str, int] = {}
    names = sorted(generations)
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT device_id, generation FROM device_fences WHERE device_id IN ({marks})",
            chunk,
        ).fetchall()
        recorded.update({str(row[0]): int(row[1]) for row in rows})
    return recorded


def _stored(conn: sqlite3.Connection, event_ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(event_ids), _CHUNK):
        chunk = list(event_ids[start : start + _CHUNK])
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT DISTINCT event_id FROM events WHERE event_id IN ({marks})", chunk
        ).fetchall()
        found.update(str(row[0]) for row in rows)
    return found


def fence_batch(
    conn: sqlite3.Connection, events: Sequence[Event]
) -> tuple[list[Event], list[Event]]:
    """(to write, refused) for one batch, its devices' generations raised to the batch's."""
    tops = batch_tops(events)
    if not tops:
        return list(events), []
    late = late_events(events, raise_fences(conn, tops))
    if not late:
        return list(events), []
    return sift(events, late, _stored(conn, sorted({e.event_id for e in late})))
