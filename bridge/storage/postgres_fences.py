"""The PostgreSQL side of owner generations (`bridge.storage.fencing` explains them).

A batch raises its devices' rows first (`INSERT … ON CONFLICT DO UPDATE`, in device order): that
locks them until the batch's transaction ends, so a take-over's `record_fences` waits for a batch
under way (and then adopts its start), or the batch waits for the take-over (and then refuses a
late start): never both miss it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import asyncpg  # type: ignore[import-untyped]

from bridge.domain.events import Event
from bridge.storage.fencing import batch_tops, late_events, sift

_RAISE = (
    "INSERT INTO device_fences AS f (device_id, generation) "
    "SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1 "
    "ON CONFLICT (device_id) DO UPDATE "
    "SET generation = greatest(f.generation, EXCLUDED.generation) "
    "RETURNING device_id, generation"
)


async def raise_fences(conn: asyncpg.Connection, generations: Mapping[str, int]) -> dict[str, int]:
    """Raise each device's recorded generation to at least the given one; the recorded ones."""
    if not generations:
        return {}
    ordered = sorted(generations.items())
    rows = await conn.fetch(_RAISE, [d for d, _ in ordered], [g for _, g in ordered])
    return {str(row["device_id"]): int(row["generation"]) for row in rows}


async def fence_batch(
    conn: asyncpg.Connection, events: Sequence[Event]
) -> tuple[list[Event], list[Event]]:
    """(to write, refused) for one batch, in the caller's transaction."""
    tops = batch_tops(events)
    if not tops:
        return list(events), []
    late = late_events(events, await raise_fences(conn, tops))
    if not late:
        return list(events), []
    rows = await conn.fetch(
        "SELECT DISTINCT event_id FROM events WHERE event_id = ANY($1::text[])",
        sorted({e.event_id for e in late}),
    )
    return sift(events, late, {str(row["event_id"]) for row in rows})
